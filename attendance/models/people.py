"""Teams, employees, their roles and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models.types import Money, UTCDateTime, utcnow

ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", use_alter=True), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Employee | None] = relationship(foreign_keys=[lead_id], post_update=True)
    members: Mapped[list[Employee]] = relationship(
        back_populates="team", foreign_keys="Employee.team_id", order_by="Employee.employee_no"
    )


class Employee(UserMixin, db.Model):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    hire_date: Mapped[date | None] = mapped_column(Date)
    monthly_wage: Mapped[Decimal | None] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    locale: Mapped[str | None] = mapped_column(String(10))
    # Bumped when the person signs out, changes or is given a password, or is deactivated: a session
    # carries the number it started with and is over once they differ (ASVS 5.0 7.4.1, 7.4.2).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A one-time password (create-admin without --password): pages lead to the change-password page
    # and the API gives no token until the person has chosen their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])
    role_rows: Mapped[list[EmployeeRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EmployeeRole.role"
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def set_roles(self, roles: set[str]) -> None:
        keep = [r for r in self.role_rows if r.role in roles]
        have = {r.role for r in keep}
        self.role_rows = keep + [EmployeeRole(role=r) for r in sorted(roles - have)]

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated person cannot log in
        return bool(self.active)

    def get_id(self) -> str:
        return str(self.id)


class EmployeeRole(db.Model):
    __tablename__ = "employee_roles"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role_known"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak does not leak tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employee: Mapped[Employee] = relationship()


class LoginFailure(db.Model):
    """A failed sign-in, kept for the throttle's window; counted in the database so every worker and host
    sees the same number. The username is kept only as a hash (it is often a mistyped password), and
    whether such a person exists is not recorded: unknown usernames are counted the same way."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_key_failed_at", "username_key", "failed_at"),
        Index("ix_login_failures_address_failed_at", "address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
