import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.validators import MOBILE_RE, PLATE_RE, TYRE_SIZE_RE, VIN_RE


class Role(models.TextChoices):
    OWNER = "owner", _("Car owner")
    STORE_STAFF = "store_staff", _("Store staff")
    QA = "qa", _("QA staff")
    DEALER = "dealer", _("Used-car dealer")
    ADMIN = "admin", _("Platform admin")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone, password=None, **extra):
        # Used by Django's own tooling (createsuperuser); the platform goes through accounts.services.
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone, password=None, **extra):
        roles = list(extra.pop("roles", None) or [Role.OWNER])
        if Role.ADMIN not in roles:
            # Only platform admins may be staff (the user_staff_only_admin constraint).
            roles.append(Role.ADMIN)
        return self.create_user(phone, password, is_staff=True, is_superuser=True, roles=roles, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The mainland mobile number (11 digits, no prefix) is the login."""

    phone = models.CharField(_("phone"), max_length=11, unique=True)
    name = models.CharField(_("name"), max_length=60)
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices), verbose_name=_("roles"), default=list, blank=True
    )
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)
    is_staff = models.BooleanField(
        verbose_name=_("is staff"),
        default=False,
        help_text=_("May sign in to /django-admin/. Platform admins only: QA and shop staff use their own consoles."),
    )
    date_joined = models.DateTimeField(verbose_name=_("date joined"), default=timezone.now)
    # Raised by signing out everywhere: every session signed in before then stops matching (get_session_auth_hash).
    session_generation = models.PositiveIntegerField(verbose_name=_("session generation"), default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(phone__regex=MOBILE_RE), name="user_phone_mainland_mobile"),
            models.CheckConstraint(condition=Q(roles__contained_by=Role.values), name="user_roles_known"),
            # A superuser with is_staff off still holds every permission (Wagtail's /admin/ asks for no more).
            models.CheckConstraint(
                condition=Q(is_staff=False, is_superuser=False) | Q(roles__contains=[Role.ADMIN.value]),
                name="user_staff_only_admin",
                violation_error_message=_(
                    "Only platform admins (role admin) may sign in to /django-admin/ or be superusers."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=secret)

    def _session_auth_hash(self, *, secret: str | None) -> str:
        """Django's HMAC of the password hash, with the session generation mixed in once it is above 0 (sessions
        from before the field existed keep matching until the first "sign out everywhere")."""
        value = self.password if not self.session_generation else f"{self.password}:{self.session_generation}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class AuthToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once, at issue."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="auth_tokens")
    digest = models.CharField(verbose_name=_("digest"), max_length=64, unique=True)
    prefix = models.CharField(
        verbose_name=_("prefix"), max_length=8, help_text=_("First characters of the token, to recognise it.")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(verbose_name=_("last used at"), null=True, blank=True)
    user_agent = models.CharField(verbose_name=_("user agent"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("auth token")
        verbose_name_plural = _("auth tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="token_expires_after_created"
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    def is_live(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at


class SmsCodePurpose(models.TextChoices):
    REGISTER = "register", _("Registration")
    LOGIN = "login", _("Sign-in")


class SmsCode(models.Model):
    """A one-time code sent by SMS to prove that a phone is yours, for one purpose.

    Only a keyed hash of the code is kept (``code_hash``: HMAC-SHA256 under SECRET_KEY with this row's ``salt``): a
    plain hash of one of 10⁶ codes is no secret. Only the newest code of a (phone, purpose) counts; it is good until
    ``expires_at`` and once (``used_at``). Tries, right or wrong, are counted by where they come from:
    ``SMS_CODE_MAX_TRIES`` from the address that asked for the code (``attempts``; ``requester`` is a keyed hash of
    that address's :func:`~accounts.throttling.address_bucket`, no address is stored) and as many from all other
    addresses together (``other_attempts``). Only the first kind can kill the code: a stranger who used up the others'
    tries is refused, while the owner who asked for it may still use it."""

    phone = models.CharField(_("phone"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=10, choices=SmsCodePurpose.choices)
    salt = models.CharField(verbose_name=_("salt"), max_length=32)
    code_hash = models.CharField(verbose_name=_("code hash"), max_length=64)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    requester = models.CharField(
        verbose_name=_("requester"), max_length=64, blank=True, help_text=_("Keyed hash of the asking address.")
    )
    attempts = models.PositiveSmallIntegerField(
        verbose_name=_("attempts"), default=0, help_text=_("Tries from the address that asked.")
    )
    other_attempts = models.PositiveSmallIntegerField(
        verbose_name=_("other attempts"), default=0, help_text=_("Tries from every other address together.")
    )
    used_at = models.DateTimeField(verbose_name=_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        constraints = [
            models.CheckConstraint(condition=Q(phone__regex=MOBILE_RE), name="smscode_phone_mainland_mobile"),
            models.CheckConstraint(condition=Q(purpose__in=SmsCodePurpose.values), name="smscode_purpose_known"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="smscode_expires_after_created"
            ),
        ]
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="smscode_latest")]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.phone[:3]}****{self.phone[-4:]}"

    def is_live(self, at: dt.datetime, max_tries: int) -> bool:
        """Unused, unexpired, and its requester has tries left (whatever other addresses did)."""
        return self.used_at is None and self.expires_at > at and self.attempts < max_tries

    def may_try(self, at: dt.datetime, max_tries: int, *, from_requester: bool) -> bool:
        """Live, and the group a try comes from (the requester's address, or every other one) has tries left."""
        tries = self.attempts if from_requester else self.other_attempts
        return self.is_live(at, max_tries) and tries < max_tries


class Vehicle(models.Model):
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField(_("plate"), max_length=10)
    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), default=0)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    tyre_size = models.CharField(_("tyre size"), max_length=12, blank=True)
    is_new_energy = models.BooleanField(_("new-energy vehicle"), default=False)
    # The car the owner's prices and bookings start with; one per owner, kept by the services (the first car added,
    # then the owner's choice, then the oldest left when it is removed).
    is_default = models.BooleanField(_("default vehicle"), default=False)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "plate"], name="vehicle_plate_unique_per_owner"),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_default=True), name="vehicle_one_default_per_owner"
            ),
            models.CheckConstraint(condition=Q(plate__regex=PLATE_RE), name="vehicle_plate_mainland"),
            models.CheckConstraint(condition=Q(vin="") | Q(vin__regex=VIN_RE), name="vehicle_vin_format"),
            models.CheckConstraint(
                condition=Q(tyre_size="") | Q(tyre_size__regex=TYRE_SIZE_RE), name="vehicle_tyre_size_format"
            ),
            models.CheckConstraint(condition=Q(year__gte=1950) & Q(year__lte=2100), name="vehicle_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.make} {self.model}"
