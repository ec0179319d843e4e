"""The home search map's tile server (MAP_TILE_URL, MAP_TILE_CRS): the CSP lets its images in only when one is set."""

import subprocess

from tests.chefu.test_settings import _read, _run

BASE = {"SECRET_KEY": "x", "DATABASE_URL": "postgis://a@b/c"}


def _img_src(**values: str) -> list[str]:
    read = _read("chefu.settings.base", "CONTENT_SECURITY_POLICY", **BASE, **values)
    return read["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_no_tile_server_no_outside_images():
    assert _img_src(MAP_TILE_URL="") == ["'self'", "data:", "blob:"]


def test_the_tile_servers_origin_is_allowed_with_its_subdomains():
    assert _img_src(MAP_TILE_URL="https://{s}.tiles.example.cn/{z}/{x}/{y}.png")[-1] == "https://*.tiles.example.cn"
    assert _img_src(MAP_TILE_URL="http://127.0.0.1:8080/t/{z}/{x}/{y}.png")[-1] == "http://127.0.0.1:8080"


def test_an_unknown_tile_coordinate_system_is_refused_at_start():
    done: subprocess.CompletedProcess = _run(["-c", "import chefu.settings.base"], **BASE, MAP_TILE_CRS="bd09")
    assert done.returncode != 0
    assert "MAP_TILE_CRS" in done.stderr
