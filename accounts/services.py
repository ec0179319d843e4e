import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import throttling
from accounts.exceptions import InvalidCredentials, PhoneTaken, PlateTaken
from accounts.models import AuthToken, Role, User, Vehicle
from accounts.validators import (
    is_new_energy_plate,
    normalize_phone,
    normalize_plate,
    normalize_tyre_size,
    normalize_vin,
)
from chefu.errors import ValidationFailed

TOKEN_BYTES = 32


def _normalized_phone(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except ValueError as exc:
        raise ValidationFailed({"phone": str(exc)}) from exc


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"password": exc.messages}) from exc


@transaction.atomic
def user_create(
    *,
    phone: str,
    password: str,
    name: str,
    roles: list[str] | None = None,
    validate_password_strength: bool = True,
) -> User:
    """Create a user. ``roles`` defaults to ``["owner"]``; ``admin`` also opens the back office."""
    phone = _normalized_phone(phone)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": _("Enter a name.")})
    roles = list(dict.fromkeys(roles or [Role.OWNER]))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed({"roles": _("Unknown role: %s") % ", ".join(unknown)})
    user = User(phone=phone, name=name, roles=roles)
    if validate_password_strength:
        _check_password(password, user)
    user.set_password(password)
    user.is_staff = bool({Role.ADMIN, Role.QA, Role.STORE_STAFF} & set(roles))
    user.is_superuser = Role.ADMIN in roles
    user.full_clean(exclude=["password", "phone"])
    if User.objects.filter(phone=phone).exists():
        raise PhoneTaken()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Two registrations of one phone at once: the unique index decides.
        raise PhoneTaken() from exc
    return user


def user_register(*, phone: str, password: str, name: str) -> User:
    return user_create(phone=phone, password=password, name=name, roles=[Role.OWNER])


@transaction.atomic
def user_add_role(*, user: User, role: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if role not in user.roles:
        user.roles = [*user.roles, role]
        if role in (Role.QA, Role.STORE_STAFF, Role.ADMIN):
            user.is_staff = True
        user.save(update_fields=["roles", "is_staff"])
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: AuthToken


def credentials_check(*, phone: str, password: str, ip: str) -> User:
    """The active user with this phone and password. Throttled per phone and per address (429)
    before the password is even hashed; wrong or unknown: :class:`InvalidCredentials`."""
    try:
        phone = normalize_phone(phone)
    except ValueError:
        phone = (phone or "").strip()[:20]
    throttling.login_attempt_reserve(phone=phone, ip=ip)
    user = User.objects.filter(phone=phone).first()
    if user is None:
        # Hash anyway, so an unknown phone takes as long as a wrong password.
        User().set_password(password)
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    throttling.login_attempt_succeeded(phone=phone, ip=ip)
    return user


def token_issue(*, phone: str, password: str, ip: str, user_agent: str = "") -> IssuedToken:
    """Check the credentials (throttled per phone and per IP) and issue a bearer token."""
    user = credentials_check(phone=phone, password=password, ip=ip)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    record = AuthToken(
        user=user,
        digest=_digest(token),
        prefix=token[:8],
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.AUTH_TOKEN_TTL_DAYS),
        user_agent=user_agent[:200],
    )
    record.full_clean(validate_unique=False)
    record.save()
    return IssuedToken(token=token, record=record)


def token_authenticate(*, token: str) -> AuthToken | None:
    """The live token record for ``token``, or None (unknown, expired, revoked, inactive user)."""
    if not token or len(token) > 200:
        return None
    record = AuthToken.objects.select_related("user").filter(digest=_digest(token)).first()
    now = timezone.now()
    if record is None or not record.is_live(now) or not record.user.is_active:
        return None
    # Touch at most once a minute: a write per request would be waste.
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=1):
        AuthToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record


def token_revoke(*, token: AuthToken) -> None:
    AuthToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def vehicle_create(
    *,
    owner: User,
    plate: str,
    make: str,
    model: str,
    year: int,
    mileage_km: int = 0,
    vin: str | None = None,
    tyre_size: str | None = None,
) -> Vehicle:
    errors: dict[str, str] = {}
    normalized: dict[str, str] = {}
    for field, raw, normalize in (
        ("plate", plate, normalize_plate),
        ("vin", vin, normalize_vin),
        ("tyre_size", tyre_size, normalize_tyre_size),
    ):
        if raw in (None, "") and field != "plate":
            normalized[field] = ""
            continue
        try:
            normalized[field] = normalize(raw)
        except ValueError as exc:
            errors[field] = str(exc)
    this_year = timezone.localdate().year
    if not 1950 <= year <= this_year + 1:
        errors["year"] = _("Enter a year between 1950 and %(max)s.") % {"max": this_year + 1}
    if mileage_km < 0 or mileage_km > 3_000_000:
        errors["mileage_km"] = _("Enter the mileage in kilometres.")
    if not (make or "").strip():
        errors["make"] = _("Enter the make.")
    if not (model or "").strip():
        errors["model"] = _("Enter the model.")
    if errors:
        raise ValidationFailed(errors)
    vehicle = Vehicle(
        owner=owner,
        plate=normalized["plate"],
        make=make.strip(),
        model=model.strip(),
        year=year,
        mileage_km=mileage_km,
        vin=normalized["vin"],
        tyre_size=normalized["tyre_size"],
        is_new_energy=is_new_energy_plate(normalized["plate"]),
    )
    vehicle.full_clean(validate_unique=False, validate_constraints=False)
    if Vehicle.objects.filter(owner=owner, plate=vehicle.plate).exists():
        raise PlateTaken()
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError as exc:
        raise PlateTaken() from exc
    return vehicle
