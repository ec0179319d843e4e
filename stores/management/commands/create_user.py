"""``manage.py create_user``: operators' accounts, and store staff with their membership.

A stores command, not an accounts one: it makes memberships, and accounts stands below stores."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_add_role, user_create
from accounts.validators import normalize_phone
from chefu.errors import ApplicationError
from stores.models import StaffRole
from stores.selectors import store_get
from stores.services import membership_add


class Command(BaseCommand):
    help = "Create a user with a role (operators use this for qa, dealer, admin and store staff accounts)."

    def add_arguments(self, parser):
        parser.add_argument("--phone", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--store", type=int, help="Store id, for store staff.")
        parser.add_argument("--store-role", choices=StaffRole.values, help="Role in that store (default manager).")

    @transaction.atomic
    def handle(self, *args, phone, password, name, role, store, store_role, **options):
        if store_role and not store:
            raise CommandError("--store-role needs --store.")
        try:
            target_store = store_get(store_id=store) if store else None
            # The stored form: "+86 138-0013-8000" must find the user stored as 13800138000.
            try:
                phone = normalize_phone(phone)
            except ValueError as exc:
                raise CommandError(f"--phone: {exc}") from exc
            existing = User.objects.filter(phone=phone).first()
            if existing is not None:
                user = user_add_role(user=existing, role=role)
                self.stdout.write(
                    self.style.WARNING(f"User {user.phone} exists: role {role} added, password unchanged.")
                )
            else:
                user = user_create(
                    phone=phone, password=password, name=name, roles=[role], validate_password_strength=False
                )
                self.stdout.write(self.style.SUCCESS(f"Created user {user.id} {user.phone} with role {role}."))
            if target_store is not None:
                if Role.STORE_STAFF not in user.roles:
                    user = user_add_role(user=user, role=Role.STORE_STAFF)
                membership = membership_add(store=target_store, user=user, role=store_role or StaffRole.MANAGER)
                self.stdout.write(f"{user.phone} is {membership.role} of store {target_store.id} {target_store.name}.")
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}".strip()) from exc
