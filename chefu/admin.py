"""Back-office pieces shared by the apps' Django admins."""


class ReadOnlyAdminMixin:
    """For history and computed rows (bookings, messages, reference prices): visible in the admin, changed only by
    the services that own them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
