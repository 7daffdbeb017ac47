"""Typed SQLAlchemy models, one module per capability; imported here so Alembic sees them all."""

from attendance.models.attendance import AttendanceDay, Meeting, MeetingAttendance, MeetingAttendee, MeetingExcuse
from attendance.models.discipline import (
    Appeal,
    DismissalReview,
    LedgerEntry,
    LedgerHead,
    TrainingDay,
    Transfer,
    Violation,
)
from attendance.models.extra_shifts import ExtraShift
from attendance.models.grooming import GroomingCheck, GroomingFailure
from attendance.models.handovers import Handover
from attendance.models.inspections import QualityInspection
from attendance.models.jobs import Job
from attendance.models.leave import LeaveEntitlement, LeaveRequest
from attendance.models.notifications import Notification, OutboundMessage, TeamRobot
from attendance.models.people import ApiToken, Employee, EmployeeRole, LoginFailure, Team
from attendance.models.policy import PolicyAcknowledgement, PolicyVersion
from attendance.models.records import AuditEvent, IdempotencyRecord
from attendance.models.requests import ApprovalStep, PunchCorrection, Request
from attendance.models.scores import MonthClose, PayrollDeduction, RewardNomination, ScoreSnapshot
from attendance.models.shifts import Punch, RosterEntry, ShiftType
from attendance.models.swaps import PrivateSwapReview, Swap
from attendance.models.work_reports import WorkReport
from attendance.models.year_review import Award, YearClose, YearSnapshot

__all__ = [
    "Job",
    "MeetingAttendee",
    "MeetingExcuse",
    "Handover",
    "WorkReport",
    "QualityInspection",
    "ExtraShift",
    "PrivateSwapReview",
    "Swap",
    "LeaveEntitlement",
    "LeaveRequest",
    "TeamRobot",
    "Request",
    "PunchCorrection",
    "OutboundMessage",
    "Notification",
    "ApprovalStep",
    "ApiToken",
    "Appeal",
    "AttendanceDay",
    "AuditEvent",
    "DismissalReview",
    "Employee",
    "EmployeeRole",
    "GroomingCheck",
    "GroomingFailure",
    "IdempotencyRecord",
    "LedgerEntry",
    "LedgerHead",
    "LoginFailure",
    "Meeting",
    "MeetingAttendance",
    "MonthClose",
    "PayrollDeduction",
    "PolicyAcknowledgement",
    "PolicyVersion",
    "Punch",
    "RosterEntry",
    "ScoreSnapshot",
    "ShiftType",
    "Team",
    "RewardNomination",
    "TrainingDay",
    "Transfer",
    "Violation",
    "Award",
    "YearClose",
    "YearSnapshot",
]
