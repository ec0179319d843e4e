"""Quality's errors with their stable codes (API.md, Quality assurance)."""

from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict


class StandardPublished(Conflict):
    code = "standard_published"
    default_message = _("This standard version is published and can no longer change.")


class AuditFinalized(Conflict):
    code = "audit_finalized"
    default_message = _("This audit is finalized (or cancelled) and can no longer change.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This step is not possible from the current status.")
