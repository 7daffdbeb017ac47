"""Recording who did what, in the same transaction as the change itself."""

from __future__ import annotations

from attendance.extensions import db
from attendance.models import AuditEvent, Employee


def record(actor: Employee | None, action: str, entity: str, key: object, **details) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            action=action,
            entity=entity,
            entity_key=str(key),
            details=details,
        )
    )
