"""Bearer-token authentication for the API and role checks for handlers."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.models import User
from accounts.services import token_authenticate
from chefu.errors import PermissionDenied


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        record = token_authenticate(token=token)
        if record is None:
            return None
        request.api_token = record
        return record.user


token_auth = TokenAuth()


def require_role(user: User, *roles: str) -> None:
    """Raise 403 unless the user holds one of ``roles`` (``admin`` holds them all)."""
    if "admin" in user.roles or any(role in user.roles for role in roles):
        return
    raise PermissionDenied()
