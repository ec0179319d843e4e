"""What templates know of the signed-in user's roles: ``user_roles.dealer``, ``user_roles.store_staff``… (one flag per
:class:`accounts.models.Role`), so that no template spells a role's stored value."""

from accounts.models import Role


def user_roles(request) -> dict:
    held = set(getattr(getattr(request, "user", None), "roles", None) or ())
    return {"user_roles": {role.name.lower(): role.value in held for role in Role}}
