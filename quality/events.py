"""What happens to audits, for the sanctions (and anything else) to react to (``chefu.events``)."""

from dataclasses import dataclass

from chefu.events import Event


@dataclass(frozen=True)
class AuditFinalized(Event):
    """An audit was scored. ``critical_failed``: a critical item failed (the audit failed whatever its score);
    ``reaudit_of_id``: the earlier failed audit this one checked again, or None."""

    name = "quality.audit_finalized"
    audit_id: int
    store_id: int
    kind: str
    passed: bool
    critical_failed: bool
    reaudit_of_id: int | None
