"""Accounts: users and their roles, phone ownership by SMS code, sign-in and bearer tokens, vehicles."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import F, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts import throttling
from accounts.exceptions import InvalidCode, InvalidCredentials, PhoneTaken, PlateTaken, VehicleInUse
from accounts.lock_objects import sms_code_lock_newest, user_lock, vehicle_lock
from accounts.models import AuthToken, Role, SmsCode, SmsCodePurpose, User, Vehicle
from accounts.validators import (
    is_new_energy_plate,
    normalize_phone,
    normalize_plate,
    normalize_tyre_size,
    normalize_vin,
    vehicle_year_bounds,
)
from chefu.errors import ApplicationError, ValidationFailed
from chefu.prepared import PreparedQuery, instance_from_row
from notifications.services import messages_cancel, notify_phone

TOKEN_BYTES = 32
SMS_CODE_DIGITS = 6
# Old codes of a phone are deleted when it is sent a new one: they are only kept to count and to audit a while.
SMS_CODE_KEEP = dt.timedelta(days=1)


def _normalized_phone(phone: str, *, invalid: ApplicationError | None = None) -> str:
    """``phone`` in the stored form (11 digits). Not a mainland mobile: ``invalid`` if given (signing in answers
    "wrong phone or password"), else :class:`~chefu.errors.ValidationFailed` naming the field."""
    try:
        return normalize_phone(phone)
    except ValueError as exc:
        raise (invalid if invalid is not None else ValidationFailed({"phone": str(exc)})) from exc


def _check_password(password: str, user: User | None = None) -> None:
    """AUTH_PASSWORD_VALIDATORS against ``user``'s phone and name. Never hashes."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"password": exc.messages}) from exc


def _user_build(*, phone: str, name: str, roles: list[str] | None) -> User:
    """An unsaved user with the phone normalized and name and roles checked; ``is_staff`` only for admins (QA and
    shop staff use their own consoles), ``is_superuser`` likewise."""
    phone = _normalized_phone(phone)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": _("Enter a name.")})
    roles = list(dict.fromkeys(roles or [Role.OWNER]))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed({"roles": _("Unknown role: %s") % ", ".join(unknown)})
    user = User(phone=phone, name=name, roles=roles)
    user.is_staff = user.is_superuser = Role.ADMIN in roles
    user.full_clean(exclude=["password", "phone"], validate_constraints=False)
    return user


def _user_insert(user: User, password: str | None) -> User:
    """Hash the password (None: the user has none, and signs in by SMS code) and insert. The caller has checked
    that the phone is free: hashing is the slow part, and a taken phone must not cost it. Two inserts of one phone
    at once: the unique index decides (:class:`PhoneTaken`)."""
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise PhoneTaken() from exc
    return user


def _phone_taken(phone: str) -> bool:
    return User.objects.filter(phone=phone).exists()


def user_create(
    *,
    phone: str,
    password: str,
    name: str,
    roles: list[str] | None = None,
    validate_password_strength: bool = True,
) -> User:
    """Create a user without proving the phone (operators' ``create_user``, demo data). ``roles`` defaults to
    ``["owner"]``; only ``admin`` opens /django-admin/ (``is_staff``). :class:`PhoneTaken` before any hashing."""
    user = _user_build(phone=phone, name=name, roles=roles)
    if _phone_taken(user.phone):
        raise PhoneTaken()
    if validate_password_strength:
        _check_password(password, user)
    return _user_insert(user, password)


def user_register(*, phone: str, code: str, name: str, ip: str, password: str | None = None) -> User:
    """An owner signs up with the SMS code sent to ``phone`` for registration; without a ``password`` they sign in
    by SMS code until they set one.

    In this order, cheapest first: the phone's form (:class:`~chefu.errors.ValidationFailed`), the throttle per
    address and per phone (:class:`~chefu.errors.Throttled`), a taken phone (:class:`PhoneTaken`, before the code
    and before any hashing), name and password rules (:class:`~chefu.errors.ValidationFailed`), the code
    (:class:`InvalidCode`; a wrong one uses up a try of ``ip``'s group, :func:`sms_code_use`), then the password is
    hashed and the user inserted. Call it outside a transaction: the code's try must stick when this raises."""
    phone = _normalized_phone(phone)
    throttling.register_attempt_reserve(phone=phone, ip=ip)
    if _phone_taken(phone):
        raise PhoneTaken()
    user = _user_build(phone=phone, name=name, roles=[Role.OWNER])
    if password is not None:
        _check_password(password, user)
    sms_code_use(phone=phone, purpose=SmsCodePurpose.REGISTER, code=code, ip=ip)
    return _user_insert(user, password)


@transaction.atomic
def user_add_role(*, user: User, role: str) -> User:
    """Add ``role`` (locks the user's row). ``admin`` also opens /django-admin/ with every permission, as
    :func:`user_create` gives it; no other role makes anyone staff."""
    user = user_lock(user.pk)
    if role not in user.roles:
        user.roles = [*user.roles, role]
        if role == Role.ADMIN:
            user.is_staff = user.is_superuser = True
        user.save(update_fields=["roles", "is_staff", "is_superuser"])
    return user


# --- SMS codes ------------------------------------------------------------------------------------------------


def _code_hash(*, salt: str, phone: str, purpose: str, code: str) -> str:
    return salted_hmac("accounts.SmsCode", f"{salt}:{phone}:{purpose}:{code}", algorithm="sha256").hexdigest()


def _requester_hash(*, salt: str, ip: str) -> str:
    """Who asked for a code, as its address bucket (an IPv6 /64: the same tries wherever in it the owner is), keyed
    so that the row does not give the address away."""
    bucket = throttling.address_bucket(ip)
    return salted_hmac("accounts.SmsCode.requester", f"{salt}:{bucket}", algorithm="sha256").hexdigest()


def sms_code_send(*, phone: str, purpose: str, ip: str) -> SmsCode | None:
    """Send a new 6-digit code to ``phone`` for ``purpose`` through the notifications outbox (the SMS goes out after
    commit); it replaces any earlier one (whose SMS, if still undelivered, is cancelled) and lives
    ``SMS_CODE_TTL_S`` seconds. Only its keyed hash is stored; the SMS text gets it from Redis at delivery.

    ``purpose`` other than register or login: :class:`~chefu.errors.ValidationFailed`. Every request counts against
    the address's limit (:class:`~chefu.errors.Throttled`). Then the account is looked at, before the phone's
    limits: ``register`` for a phone that has an account raises :class:`PhoneTaken` and spends none of them, so no
    one can use up an owner's codes by asking for ones that are never sent. Past that, the phone's limits for this
    purpose (one a minute, a few a day; each purpose counts its own): :class:`~chefu.errors.Throttled`. ``login``
    for a phone without an active account is counted like a real send and answered the same, but nothing is sent
    and None returned: the endpoint does not tell which phones have accounts (and that count only ever holds back
    sign-in codes, which such a phone cannot use)."""
    phone = _normalized_phone(phone)
    if purpose not in SmsCodePurpose.values:
        raise ValidationFailed({"purpose": _("Choose register or login.")})
    user = User.objects.filter(phone=phone).first()
    if purpose == SmsCodePurpose.REGISTER and user is not None:
        throttling.sms_code_reserve(ip=ip)
        raise PhoneTaken()
    throttling.sms_code_reserve(ip=ip, phone=phone, purpose=purpose)
    if purpose == SmsCodePurpose.LOGIN and (user is None or not user.is_active):
        return None
    return _sms_code_create(phone=phone, purpose=purpose, recipient=user, ip=ip)


def _sms_code_ref(record: SmsCode) -> str:
    return f"sms_code:{record.pk}"


@transaction.atomic
def _sms_code_create(*, phone: str, purpose: str, recipient: User | None, ip: str) -> SmsCode:
    now = timezone.now()
    code = f"{secrets.randbelow(10**SMS_CODE_DIGITS):0{SMS_CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    SmsCode.objects.filter(phone=phone, created_at__lt=now - SMS_CODE_KEEP).delete()
    replaced = SmsCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at", "-pk").first()
    if replaced is not None:
        messages_cancel(ref=_sms_code_ref(replaced))
    record = SmsCode(
        phone=phone,
        purpose=purpose,
        salt=salt,
        code_hash=_code_hash(salt=salt, phone=phone, purpose=purpose, code=code),
        requester=_requester_hash(salt=salt, ip=ip),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_S),
    )
    record.full_clean()
    record.save()
    minutes = max(settings.SMS_CODE_TTL_S // 60, 1)
    notify_phone(
        phone=phone,
        template="sms_code",
        params={"code": code, "minutes": str(minutes)},
        recipient=recipient,
        ref=_sms_code_ref(record),
        secret_ttl_s=settings.SMS_CODE_TTL_S,
    )
    return record


def sms_codes_purge(*, now: dt.datetime | None = None) -> int:
    """Delete codes older than ``SMS_CODE_KEEP`` (long dead: they only served the limits and a day's audit);
    returns how many."""
    cutoff = (now or timezone.now()) - SMS_CODE_KEEP
    deleted, _by_model = SmsCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def sms_code_use(*, phone: str, purpose: str, code: str, ip: str) -> SmsCode:
    """Use up the newest code sent to ``phone`` (normalized) for ``purpose`` if ``code`` is it, tried from ``ip``.

    :class:`InvalidCode` when none was sent, it has expired, was used, ``code`` is wrong, or ``ip``'s group has no
    tries left. Each call counts one try, right or wrong, of ``ip``'s group: the address that asked for the code (its
    :func:`~accounts.throttling.address_bucket`) has ``SMS_CODE_MAX_TRIES``, every other address together as many
    again. Only the asking address's tries running out kill the code, so a stranger guessing elsewhere cannot burn
    the owner's code, and guesses stay at twice the tries a code. Counted under the row's lock and committed when
    this returns or raises: call it outside a transaction, or a rollback gives the try back. A code used or dead of
    tries has its SMS cancelled if it is still undelivered."""
    code = (code or "").strip()
    with transaction.atomic():
        record = sms_code_lock_newest(phone=phone, purpose=purpose)
        now = timezone.now()
        max_tries = settings.SMS_CODE_MAX_TRIES
        from_requester = record is not None and constant_time_compare(
            record.requester, _requester_hash(salt=record.salt, ip=ip)
        )
        if record is None or not record.may_try(now, max_tries, from_requester=from_requester):
            matched = False
        else:
            expected = _code_hash(salt=record.salt, phone=phone, purpose=purpose, code=code)
            matched = len(code) == SMS_CODE_DIGITS and constant_time_compare(record.code_hash, expected)
            tries = "attempts" if from_requester else "other_attempts"
            setattr(record, tries, getattr(record, tries) + 1)
            record.used_at = now if matched else None
            record.save(update_fields=[tries, "used_at"])
            if not record.is_live(now, max_tries):
                messages_cancel(ref=_sms_code_ref(record))
    if not matched:
        raise InvalidCode()
    return record


# --- Signing in -------------------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: AuthToken


def credentials_check(*, phone: str, password: str, ip: str) -> User:
    """The active user with this phone and password. Throttled per (phone, address), per address and per phone
    (:class:`~chefu.errors.Throttled`) before the password is even hashed; wrong, unknown or not a mobile number:
    :class:`InvalidCredentials`. Every password login (API tokens, the pages' session, the back offices) comes here."""
    phone = _normalized_phone(phone, invalid=InvalidCredentials())
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


def sms_code_login(*, phone: str, code: str, ip: str) -> User:
    """The active user whose phone was sent ``code`` for sign-in; :class:`InvalidCredentials` otherwise. Throttled
    (:class:`~chefu.errors.Throttled`) per (phone, address) and per address, as passwords are but on counters of
    their own, before the code is tried; never per phone, and never by wrong passwords, so an owner whose password
    sign-in is closed (for the phone, or for a shared address) gets in with a code. Then the code's own tries
    (:func:`sms_code_use`). A success reopens sign-in, by password too, for this (phone, address)."""
    wrong = InvalidCredentials(_("Wrong phone number or code."))
    phone = _normalized_phone(phone, invalid=wrong)
    throttling.login_code_attempt_reserve(phone=phone, ip=ip)
    try:
        sms_code_use(phone=phone, purpose=SmsCodePurpose.LOGIN, code=code, ip=ip)
    except InvalidCode:
        raise wrong from None
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise wrong
    throttling.login_with_code_succeeded(phone=phone, ip=ip)
    return user


def user_authenticate(*, phone: str, ip: str, password: str | None = None, code: str | None = None) -> User:
    """Who signs in with the password (:func:`credentials_check`) or an SMS code (:func:`sms_code_login`), exactly
    one of them (else :class:`~chefu.errors.ValidationFailed`): every sign-in of the API and the pages comes here.
    Call it outside a transaction (a code's try must stick)."""
    if (password is None) == (code is None):
        raise ValidationFailed({"password": _("Send the password or an SMS code (one of them).")})
    if password is not None:
        return credentials_check(phone=phone, password=password, ip=ip)
    return sms_code_login(phone=phone, code=code, ip=ip)


def token_issue(
    *, phone: str, ip: str, password: str | None = None, code: str | None = None, user_agent: str = ""
) -> IssuedToken:
    """Sign in (:func:`user_authenticate`: the password or an SMS code) and issue a bearer token."""
    user = user_authenticate(phone=phone, ip=ip, password=password, code=code)
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


_TOKEN_FIELDS = tuple(f.attname for f in AuthToken._meta.concrete_fields)
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)


def _token_with_user(shape: None, *, digest: str):
    return (
        AuthToken.objects.filter(digest=digest)
        .order_by()
        .values(*_TOKEN_FIELDS, *(f"user__{name}" for name in _USER_FIELDS))
    )


# Every request with a token reads it: compiled once (chefu.prepared), not built again by the ORM each time.
_TOKEN_WITH_USER = PreparedQuery(_token_with_user, {"digest": "~token-digest-marker~"})


def _token_from_row(row: dict) -> AuthToken:
    db = router.db_for_read(AuthToken)
    record = instance_from_row(AuthToken, db, row)
    record.user = instance_from_row(User, db, row, prefix="user__")
    return record


def token_authenticate(*, token: str) -> AuthToken | None:
    """The live token record for ``token``, or None (unknown, expired, revoked, inactive user)."""
    if not token or len(token) > 200:
        return None
    rows = _TOKEN_WITH_USER.rows(None, {"digest": _digest(token)}, limit=1)
    record = _token_from_row(rows[0]) if rows else None
    now = timezone.now()
    if record is None or not record.is_live(now) or not record.user.is_active:
        return None
    # Touch at most once a minute: a write per request would be waste.
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=1):
        AuthToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record


def token_revoke(*, token: AuthToken) -> None:
    AuthToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_sign_out(*, user: User, token: AuthToken | None, everywhere: bool = False) -> None:
    """Sign ``user`` out: ``everywhere`` ends every token and page session of theirs
    (:func:`user_sign_out_everywhere`), else only ``token`` is revoked (None: the request came with the pages'
    session, which the auth layer ends, :func:`accounts.auth.session_end`)."""
    if everywhere:
        user_sign_out_everywhere(user=user)
    elif token is not None:
        token_revoke(token=token)


@transaction.atomic
def user_sign_out_everywhere(*, user: User) -> int:
    """Revoke every live bearer token of ``user`` and end every session they are signed in with (the pages'), by
    raising the session generation the session hash is made of. Returns how many tokens were revoked."""
    revoked = AuthToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    return revoked


def _vehicle_facts(
    *,
    plate: str,
    make: str,
    model: str,
    year: int,
    mileage_km: int,
    vin: str | None,
    tyre_size: str | None,
) -> dict:
    """A vehicle's fields normalized (plate, VIN, tyre size) and checked, with ``is_new_energy`` read off the plate;
    :class:`~chefu.errors.ValidationFailed` naming every field that breaks a rule."""
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
    first_year, last_year = vehicle_year_bounds(timezone.localdate())
    if not first_year <= year <= last_year:
        errors["year"] = _("Enter a year between %(min)s and %(max)s.") % {"min": first_year, "max": last_year}
    if mileage_km < 0 or mileage_km > 3_000_000:
        errors["mileage_km"] = _("Enter the mileage in kilometres.")
    if not (make or "").strip():
        errors["make"] = _("Enter the make.")
    if not (model or "").strip():
        errors["model"] = _("Enter the model.")
    if errors:
        raise ValidationFailed(errors)
    return {
        "plate": normalized["plate"],
        "make": make.strip(),
        "model": model.strip(),
        "year": year,
        "mileage_km": mileage_km,
        "vin": normalized["vin"],
        "tyre_size": normalized["tyre_size"],
        "is_new_energy": is_new_energy_plate(normalized["plate"]),
    }


def _vehicle_save(vehicle: Vehicle) -> Vehicle:
    """Check and save; another of the owner's vehicles with the plate: :class:`PlateTaken` (the unique index decides
    between two at once)."""
    vehicle.full_clean(validate_unique=False, validate_constraints=False)
    if Vehicle.objects.filter(owner_id=vehicle.owner_id, plate=vehicle.plate).exclude(pk=vehicle.pk).exists():
        raise PlateTaken()
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError as exc:
        raise PlateTaken() from exc
    return vehicle


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
    """One of the owner's cars; the first they add is their default. Locks the owner's row (the default is one per
    owner: two cars added at once cannot both be the first)."""
    facts = _vehicle_facts(
        plate=plate, make=make, model=model, year=year, mileage_km=mileage_km, vin=vin, tyre_size=tyre_size
    )
    user_lock(owner.pk)
    first = not Vehicle.objects.filter(owner=owner, is_default=True).exists()
    return _vehicle_save(Vehicle(owner=owner, is_default=first, **facts))


@transaction.atomic
def vehicle_update(
    *,
    vehicle: Vehicle,
    plate: str,
    make: str,
    model: str,
    year: int,
    mileage_km: int = 0,
    vin: str | None = None,
    tyre_size: str | None = None,
) -> Vehicle:
    """Replace the vehicle's facts (the owner correcting them, or the mileage going up), under the rules of
    :func:`vehicle_create`; locks the vehicle's row. Its bookings keep the prices they were quoted."""
    facts = _vehicle_facts(
        plate=plate, make=make, model=model, year=year, mileage_km=mileage_km, vin=vin, tyre_size=tyre_size
    )
    vehicle = vehicle_lock(vehicle.pk)
    for name, value in facts.items():
        setattr(vehicle, name, value)
    return _vehicle_save(vehicle)


@transaction.atomic
def vehicle_delete(*, vehicle: Vehicle) -> None:
    """Take the vehicle off its owner's list; locks its owner's row, then its own. A vehicle any booking was made for
    stays (its bookings name it): :class:`VehicleInUse`. When it was the default, the oldest car left becomes it."""
    user_lock(vehicle.owner_id)
    vehicle = vehicle_lock(vehicle.pk)
    if vehicle.bookings.exists():
        raise VehicleInUse()
    try:
        with transaction.atomic():
            vehicle.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise VehicleInUse() from exc
    if vehicle.is_default:
        oldest = Vehicle.objects.filter(owner_id=vehicle.owner_id).order_by("created_at", "id").first()
        if oldest is not None:
            Vehicle.objects.filter(pk=oldest.pk).update(is_default=True)


@transaction.atomic
def vehicle_set_default(*, vehicle: Vehicle) -> Vehicle:
    """Make the vehicle its owner's default (the car prices and bookings start with), in place of the one before;
    locks the owner's row, so two choices at once end with one default: the later one."""
    user_lock(vehicle.owner_id)
    Vehicle.objects.filter(owner_id=vehicle.owner_id, is_default=True).exclude(pk=vehicle.pk).update(is_default=False)
    Vehicle.objects.filter(pk=vehicle.pk).update(is_default=True)
    vehicle.refresh_from_db()
    return vehicle
