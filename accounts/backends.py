"""Every password login (API tokens, Wagtail's /admin/, Django's /django-admin/) goes through
:func:`accounts.services.credentials_check`, so one throttle guards them all."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.exceptions import InvalidCredentials, ThrottlesUnavailable
from accounts.services import credentials_check
from chefu.errors import Throttled
from chefu.http import client_ip


class ThrottledPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):
        if (phone or username) is None or password is None:
            return None
        ip = client_ip(request) if request is not None else "internal"
        try:
            return credentials_check(phone=phone or username, password=password, ip=ip)
        except InvalidCredentials:
            return None
        except (Throttled, ThrottlesUnavailable) as exc:
            # Django's login forms show their usual "wrong credentials" error and stop trying. (The pages and the
            # API sign in through accounts.services.user_authenticate, and say when to try again.)
            raise PermissionDenied("throttled") from exc
