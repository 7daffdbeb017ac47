"""Typed SQLAlchemy models, one module per capability; imported here so Alembic sees them all."""

from attendance.models.people import ApiToken, Employee, EmployeeRole, Team
from attendance.models.policy import PolicyVersion
from attendance.models.records import AuditEvent, IdempotencyRecord

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Employee",
    "EmployeeRole",
    "IdempotencyRecord",
    "PolicyVersion",
    "Team",
]
