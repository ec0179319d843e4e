"""Conversions between the map coordinate systems used in China.

* WGS-84: GPS and every non-Chinese map.
* GCJ-02 ("Mars coordinates"): the state-mandated obfuscation used by AMap/Gaode,
  Tencent, Apple Maps in China and Google Maps' China tiles.
* BD-09: Baidu's extra offset applied on top of GCJ-02.

All functions take and return ``(lat, lng)`` in decimal degrees, latitude first.
Points outside the conventional China rectangle (see :func:`out_of_china`) are
never shifted by any transform, so round trips of such points are exact.

The forward transforms are the well-known published formulas. Their published
inverses are approximations (several metres off for GCJ-02, up to ~0.2 m for
BD-09), so the inverses here refine them iteratively against the forward
transform until the round-trip error is far below a millimetre.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

__all__ = [
    "CoordSystem",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

LatLng = tuple[float, float]
_Forward = Callable[[float, float], LatLng]

# Krasovsky 1940 ellipsoid: GCJ-02 is defined against it, not against WGS-84's,
# so these exact constants are needed to reproduce what Chinese map vendors compute.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

_X_PI = math.pi * 3000.0 / 180.0

# 1e-10 degrees is about 0.01 mm on the ground; well past what the callers need
# but cheap to reach, because both forward transforms are near-identity maps.
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 30


class CoordSystem(enum.StrEnum):
    """A geographic coordinate system a lat/lng pair can be expressed in.

    A ``str`` subclass, so members compare equal to (and serialise as) their values.
    """

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def out_of_china(lat: float, lng: float) -> bool:
    """Whether ``(lat, lng)`` (degrees) lies outside the rectangle in which China offsets apply.

    This is the conventional coarse bounding box used by the open-source
    implementations. It also covers neighbouring countries (Singapore, Bangkok,
    Seoul, ...), whose coordinates therefore do get shifted; that is kept so
    results match what those implementations produce.
    """
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj02_shift(lat: float, lng: float) -> LatLng:
    """GCJ-02 forward transform with no China check, so the inverse can iterate smoothly across the border."""
    d_lat = _transform_lat(lng - 105.0, lat - 35.0)
    d_lng = _transform_lng(lng - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = math.sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_EE * magic * magic
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lng + d_lng


def _bd09_shift(lat: float, lng: float) -> LatLng:
    """BD-09 forward transform from GCJ-02 with no China check."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _invert(forward: _Forward, target_lat: float, target_lng: float, guess: LatLng) -> LatLng:
    """Solve ``forward(p) == target`` by fixed-point iteration from ``guess``.

    Both forward maps are the identity plus a slowly varying offset (its
    Jacobian is within a few percent of the identity), so stepping by the
    residual is a contraction that converges in a handful of iterations.
    """
    lat, lng = guess
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lat, f_lng = forward(lat, lng)
        err_lat = target_lat - f_lat
        err_lng = target_lng - f_lng
        lat += err_lat
        lng += err_lng
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lng) < _INVERSE_TOLERANCE_DEG:
            break
    return lat, lng


def wgs84_to_gcj02(lat: float, lng: float) -> LatLng:
    """Convert WGS-84 ``(lat, lng)`` degrees to GCJ-02 ``(lat, lng)`` degrees."""
    if out_of_china(lat, lng):
        return lat, lng
    return _gcj02_shift(lat, lng)


def gcj02_to_wgs84(lat: float, lng: float) -> LatLng:
    """Convert GCJ-02 ``(lat, lng)`` degrees to WGS-84 ``(lat, lng)`` degrees (error well under 0.1 m)."""
    if out_of_china(lat, lng):
        return lat, lng
    # The classic one-step inverse (subtract the offset evaluated at the GCJ
    # point) is already within a couple of metres, so it's a good start.
    s_lat, s_lng = _gcj02_shift(lat, lng)
    guess = (2.0 * lat - s_lat, 2.0 * lng - s_lng)
    return _invert(_gcj02_shift, lat, lng, guess)


def gcj02_to_bd09(lat: float, lng: float) -> LatLng:
    """Convert GCJ-02 ``(lat, lng)`` degrees to BD-09 ``(lat, lng)`` degrees."""
    if out_of_china(lat, lng):
        return lat, lng
    return _bd09_shift(lat, lng)


def bd09_to_gcj02(lat: float, lng: float) -> LatLng:
    """Convert BD-09 ``(lat, lng)`` degrees to GCJ-02 ``(lat, lng)`` degrees (error well under 0.1 m)."""
    if out_of_china(lat, lng):
        return lat, lng
    # Start from the widely published closed-form approximation (it flips the
    # signs of the perturbations, which is only right to first order).
    x = lng - 0.0065
    y = lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    guess = (z * math.sin(theta), z * math.cos(theta))
    return _invert(_bd09_shift, lat, lng, guess)


def wgs84_to_bd09(lat: float, lng: float) -> LatLng:
    """Convert WGS-84 ``(lat, lng)`` degrees to BD-09 ``(lat, lng)`` degrees."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def bd09_to_wgs84(lat: float, lng: float) -> LatLng:
    """Convert BD-09 ``(lat, lng)`` degrees to WGS-84 ``(lat, lng)`` degrees."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


def to_wgs84(lat: float, lng: float, system: CoordSystem | str) -> LatLng:
    """Convert ``(lat, lng)`` degrees expressed in ``system`` to WGS-84.

    ``system`` may be a :class:`CoordSystem` or its string value; an unknown
    value raises ``ValueError``.
    """
    system = CoordSystem(system)
    if system is CoordSystem.GCJ02:
        return gcj02_to_wgs84(lat, lng)
    if system is CoordSystem.BD09:
        return bd09_to_wgs84(lat, lng)
    return lat, lng


def from_wgs84(lat: float, lng: float, system: CoordSystem | str) -> LatLng:
    """Convert WGS-84 ``(lat, lng)`` degrees to ``system``.

    ``system`` may be a :class:`CoordSystem` or its string value; an unknown
    value raises ``ValueError``.
    """
    system = CoordSystem(system)
    if system is CoordSystem.GCJ02:
        return wgs84_to_gcj02(lat, lng)
    if system is CoordSystem.BD09:
        return wgs84_to_bd09(lat, lng)
    return lat, lng
