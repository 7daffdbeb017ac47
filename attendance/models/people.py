"""Teams, employees, their roles and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
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
