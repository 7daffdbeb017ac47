"""Teams and employees: list, find, add, edit, deactivate, import. History is never deleted."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from attendance.domain import dates
from attendance.domain.errors import N_, InvalidInput, NotFound
from attendance.domain.money import read_money
from attendance.domain.permissions import reach
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Employee, Team
from attendance.services import accounts, audit
from attendance.services.paging import Page, paginate
from attendance.services.transaction import use_case

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
EMPLOYEE_FIELDS = ("employee_no", "name", "team", "roles", "hire_date", "monthly_wage", "active")
IMPORT_COLUMNS = ("employee_no", "name", "team", "roles", "hire_date", "monthly_wage", "username", "password")


# --- who can see whom -------------------------------------------------------------------------


def teams_led_by(person: Employee) -> list[int]:
    led = db.session.scalars(select(Team.id).where(Team.lead_id == person.id)).all()
    return sorted(set(led) | ({person.team_id} if person.team_id else set()))


def teams_reached(viewer: Employee, *, include_inactive: bool = False) -> list[Team]:
    """The teams ``viewer`` reaches: every team for the office, otherwise the ones they lead or belong to."""
    stmt = select(Team).order_by(Team.code)
    if not include_inactive:
        stmt = stmt.where(Team.active.is_(True))
    if reach(viewer.roles) != "all":
        stmt = stmt.where(Team.id.in_(teams_led_by(viewer)))
    return list(db.session.scalars(stmt))


def visible_clause(viewer: Employee):
    """A WHERE clause limiting employees to those ``viewer`` may see."""
    how_far = reach(viewer.roles)
    if how_far == "all":
        return True
    if how_far == "team":
        return or_(Employee.team_id.in_(teams_led_by(viewer)), Employee.id == viewer.id)
    return Employee.id == viewer.id


def can_see(viewer: Employee, person: Employee) -> bool:
    how_far = reach(viewer.roles)
    if how_far == "all" or viewer.id == person.id:
        return True
    return how_far == "team" and person.team_id in teams_led_by(viewer)


# --- field checks shared by pages, API and import ----------------------------------------------


def _parse_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def parse_roles(value) -> set[str]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[;,|、\s]+", value) if v]
    roles = {str(v).strip().lower() for v in value or []}
    unknown = roles - set(ROLES)
    if unknown:
        raise ValueError(N_("unknown role"))
    return roles or {"staff"}


def clean_employee(data: dict, *, partial: bool = False) -> dict:
    """Check and normalise employee fields; every problem is reported at once.

    :raise InvalidInput: with ``fields`` naming each bad field.
    """
    errors: dict[str, str] = {}
    out: dict = {}
    for name in ("employee_no", "name"):
        if name in data:
            value = str(data[name] or "").strip()
            if not value:
                errors[name] = N_("required")
            elif name == "employee_no" and not CODE_RE.match(value):
                errors[name] = N_("letters, digits, - and _ only, at most 32")
            elif len(value) > 100:
                errors[name] = N_("at most 100 characters")
            else:
                out[name] = value
        elif not partial:
            errors[name] = N_("required")
    if "team" in data:
        code = str(data["team"] or "").strip()
        out["team"] = code or None
    if "roles" in data:
        try:
            out["roles"] = parse_roles(data["roles"])
        except ValueError as exc:
            errors["roles"] = str(exc)
    if data.get("hire_date") not in (None, ""):
        try:
            out["hire_date"] = _parse_date(data["hire_date"])
        except ValueError:
            errors["hire_date"] = N_("not a date (YYYY-MM-DD)")
        else:
            if not dates.in_range(out["hire_date"]):
                errors["hire_date"] = dates.OUT_OF_RANGE
    elif "hire_date" in data:
        out["hire_date"] = None
    if data.get("monthly_wage") not in (None, ""):
        try:
            wage = read_money(data["monthly_wage"])  # more than two places is refused, never rounded
            if wage < 0:
                raise ValueError(N_("not a money amount"))
            out["monthly_wage"] = wage
        except ValueError as exc:
            errors["monthly_wage"] = str(exc)
    elif "monthly_wage" in data:
        out["monthly_wage"] = None
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = N_("true or false")
        else:
            out["active"] = data["active"]
    if errors:
        raise InvalidInput(N_("invalid employee: %(problems)s",
                              problems=", ".join(f"{k}: {v}" for k, v in errors.items())),
                           fields=errors)
    return out


# --- teams ------------------------------------------------------------------------------------


def _teams(include_inactive: bool):
    stmt = select(Team).options(joinedload(Team.lead))
    return stmt if include_inactive else stmt.where(Team.active.is_(True))


def list_teams(include_inactive: bool = False) -> list[Team]:
    return list(db.session.scalars(_teams(include_inactive).order_by(Team.code)))


def page_teams(*, limit: int = 50, cursor: str | None = None) -> Page:
    return paginate(_teams(True), Team.code, limit=limit, cursor=cursor)


def get_team(code: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.code == code))
    if team is None:
        raise NotFound(N_("no team %(code)s", code=code))
    return team


def _employee_by_no(no: str | None, field_name: str) -> Employee | None:
    if not no:
        return None
    person = db.session.scalar(select(Employee).where(Employee.employee_no == no))
    if person is None:
        raise InvalidInput(N_("no employee %(no)s", no=no), fields={field_name: N_("unknown employee")})
    return person


@use_case
def save_team(actor: Employee, data: dict, code: str | None = None) -> Team:
    """Create a team (``code`` None) or change one; ``lead`` is an employee_no."""
    errors = {}
    team = get_team(code) if code else Team(active=True)
    if code is None:
        new_code = str(data.get("code") or "").strip()
        if not CODE_RE.match(new_code):
            errors["code"] = N_("letters, digits, - and _ only, at most 32")
        elif db.session.scalar(select(Team.id).where(Team.code == new_code)):
            errors["code"] = N_("already exists")
        team.code = new_code
    if "name" in data or code is None:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = N_("required")
        team.name = name
    if errors:
        raise InvalidInput(N_("invalid team"), fields=errors)
    if "lead" in data:
        team.lead = _employee_by_no(data["lead"], "lead")
    if "active" in data:
        team.active = bool(data["active"])
    db.session.add(team)
    db.session.flush()
    audit.record(actor, "team.create" if code is None else "team.update", "team", team.code,
                 **{k: str(v) for k, v in data.items()})
    return team


# --- employees --------------------------------------------------------------------------------


def list_employees(viewer: Employee, *, q: str | None = None, team: str | None = None,
                   active: bool | None = True, limit: int = 50, cursor: str | None = None) -> Page:
    """Employees ``viewer`` may see, ordered by employee_no, ``limit`` at a time from ``cursor``."""
    stmt = select(Employee).options(joinedload(Employee.team)).where(visible_clause(viewer))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Employee.name.like(like), Employee.employee_no.like(like)))
    if team:
        stmt = stmt.join(Team, Employee.team_id == Team.id).where(Team.code == team)
    if active is not None:
        stmt = stmt.where(Employee.active.is_(active))
    return paginate(stmt, Employee.employee_no, limit=limit, cursor=cursor)


def get_employee(viewer: Employee, employee_no: str) -> Employee:
    """The employee, if ``viewer`` may see them. :raise NotFound: otherwise, so nothing leaks."""
    person = db.session.scalar(
        select(Employee).options(joinedload(Employee.team)).where(Employee.employee_no == employee_no)
    )
    if person is None or not can_see(viewer, person):
        raise NotFound(N_("no employee %(employee_no)s", employee_no=employee_no))
    return person


def _team_id(code: str | None) -> int | None:
    if code is None:
        return None
    team_id = db.session.scalar(select(Team.id).where(Team.code == code))
    if team_id is None:
        raise InvalidInput(N_("no team %(code)s", code=code), fields={"team": N_("unknown team")})
    return team_id


def _apply(person: Employee, clean: dict) -> None:
    for name in ("employee_no", "name", "hire_date", "monthly_wage", "active"):
        if name in clean:
            setattr(person, name, clean[name])
    if "team" in clean:
        person.team_id = _team_id(clean["team"])
    if "roles" in clean:
        person.set_roles(clean["roles"])


@use_case
def create_employee(actor: Employee | None, data: dict) -> Employee:
    clean = clean_employee(data)
    clean.setdefault("roles", {"staff"})
    if db.session.scalar(select(Employee.id).where(Employee.employee_no == clean["employee_no"])):
        raise InvalidInput(N_("employee_no already exists"), fields={"employee_no": N_("already exists")})
    person = Employee(active=True, updated_by_id=actor.id if actor else None)
    _apply(person, clean)
    db.session.add(person)
    if data.get("password"):
        accounts.set_login(actor, person, data.get("username") or clean["employee_no"].lower(),
                           data["password"])
    elif data.get("username"):
        raise InvalidInput(N_("a login needs a password"), fields={"password": N_("required with a username")})
    db.session.flush()
    audit.record(actor, "employee.create", "employee", person.employee_no,
                 **{k: str(v) for k, v in clean.items()})
    return person


@use_case
def update_employee(actor: Employee, employee_no: str, data: dict) -> Employee:
    person = get_employee(actor, employee_no)
    clean = clean_employee(data, partial=True)
    if "employee_no" in clean and clean["employee_no"] != person.employee_no:
        raise InvalidInput(N_("employee_no cannot change"), fields={"employee_no": N_("cannot change")})
    before = {k: str(getattr(person, k, None)) for k in clean if k not in ("team", "roles")}
    if clean.get("active") is False and person.active:
        accounts.end_access(actor, person)  # deactivation ends the person's sessions and tokens at once
    _apply(person, clean)
    person.updated_by_id = actor.id
    audit.record(actor, "employee.update", "employee", person.employee_no,
                 before=before, after={k: str(v) for k, v in clean.items()})
    return person


@use_case
def create_admin(username: str, name: str, password: str | None = None) -> tuple[Employee, str | None]:
    """The first admin. Without a password one is made up, returned once, and must be changed at the first
    sign-in (ASVS 5.0 6.3.2, 6.4.1: no default accounts; initial passwords random and single-use).

    :return: the admin, and the one-time password when one was made up.
    """
    one_time = None if password else accounts.one_time_password()
    person = create_employee(None, {"employee_no": (username or "").upper(), "name": name, "roles": ["admin"],
                                    "username": username, "password": password or one_time})
    person.must_change_password = one_time is not None
    return person, one_time


def set_active(actor: Employee, employee_no: str, active: bool) -> Employee:
    """Deactivate (or reactivate) instead of deleting: the person's history stays."""
    return update_employee(actor, employee_no, {"active": active})


# --- CSV import -------------------------------------------------------------------------------


@dataclass
class RejectedLine:
    line: int
    problems: list[tuple[str, str]]  # (column, message); messages are catalog msgids

    @property
    def reason(self) -> str:
        return "; ".join(f"{column}: {message}" for column, message in self.problems)


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)
    committed: bool = False


def decode_upload(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, which is what Chinese Excel writes."""
    if b"\x00" in raw:  # no text file holds a NUL, and PostgreSQL would refuse it (a 500, not a rejected line)
        raise InvalidInput(N_("the file is not text: it holds NUL bytes"), fields={"file": N_("unreadable")})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(N_("the file is neither UTF-8 nor GB18030 text"), fields={"file": N_("unreadable")})


PROGRESS_EVERY = 50  # lines between two progress reports of an import


@use_case
def import_employees(actor: Employee | None, text: str, *, skip_errors: bool = False,
                     progress: Callable[..., None] | None = None) -> ImportReport:
    """Add the employees of a CSV file; nothing is imported from a file with errors unless told to skip.

    ``progress(step, done, total)``, when given, is told every few lines how far the check (``checking``)
    and then the adding (``adding``) have got: a background job shows it, the CLI draws a bar."""
    report = ImportReport()
    tell = progress or (lambda *_args: None)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems = [(c, N_("missing column")) for c in ("employee_no", "name") if c not in header]
    problems += [(c, N_("unknown column")) for c in header if c not in IMPORT_COLUMNS]
    if problems:
        report.rejected.append(RejectedLine(1, problems))
        return report
    reader.fieldnames = header
    seen: set[str] = set()
    good: list[dict] = []
    known_teams = set(db.session.scalars(select(Team.code)))
    rows = [(reader.line_num, row) for row in reader]  # the line a row ends on (a quoted cell may span lines)
    # the numbers already taken, read once (in batches) rather than a query per line of a large file
    numbers = sorted({(row.get("employee_no") or "").strip() for _, row in rows} - {""})
    taken: set[str] = set()
    for i in range(0, len(numbers), 500):
        taken |= set(db.session.scalars(select(Employee.employee_no).where(
            Employee.employee_no.in_(numbers[i:i + 500]))))
    for i, (line, row) in enumerate(rows, 1):
        if i % PROGRESS_EVERY == 0:
            tell("checking", i, len(rows))
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        problems = []
        try:
            clean_employee({k: v for k, v in row.items() if k in EMPLOYEE_FIELDS and v != ""} | {
                "employee_no": row.get("employee_no", ""), "name": row.get("name", "")})
        except InvalidInput as exc:
            problems += list(exc.fields.items())
        no = row.get("employee_no", "")
        if row.get("team") and row["team"] not in known_teams:
            problems.append(("team", N_("unknown team")))
        if no in seen:
            problems.append(("employee_no", N_("repeats an earlier line")))
        elif no in taken:
            problems.append(("employee_no", N_("already exists")))
        if row.get("password") and len(row["password"]) < accounts.MIN_PASSWORD:
            problems.append(("password", N_("too short")))
        seen.add(no)
        if problems:
            report.rejected.append(RejectedLine(line, problems))
        else:
            good.append(row)
    tell("checking", len(rows), len(rows))
    if report.rejected and not skip_errors:
        return report
    for i, row in enumerate(good, 1):
        create_employee(actor, {k: v for k, v in row.items() if v != ""})
        report.imported.append(row["employee_no"])
        if i % 10 == 0 or i == len(good):  # adding is the slow part: a password takes ~0.1 s to hash
            tell("adding", i, len(good))
    audit.record(actor, "employee.import", "employee", "*", imported=len(good),
                 rejected=len(report.rejected))
    report.committed = True
    return report


def visible_employee(viewer: Employee, employee_no: str) -> Employee:
    """A person ``viewer`` may see. :raise NotFound: otherwise (never 403: that would say they exist)."""
    person = db.session.scalar(select(Employee).where(Employee.employee_no == str(employee_no)))
    if person is None or not can_see(viewer, person):
        raise NotFound(N_("no employee %(employee_no)s", employee_no=employee_no))
    return person



def visible_team(viewer: Employee, code: str) -> Team:
    """A team ``viewer`` reaches (a lead: their own). :raise NotFound: otherwise."""
    team = db.session.scalar(select(Team).where(Team.code == str(code)))
    if team is None or (reach(viewer.roles) != "all" and team.id not in teams_led_by(viewer)):
        raise NotFound(N_("no team %(code)s", code=code))
    return team



def team_members(team: Team, *, staff_only: bool = False) -> list[Employee]:
    people = list(db.session.scalars(
        select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True))
        .order_by(Employee.employee_no)))
    return [p for p in people if "staff" in p.roles] if staff_only else people



def people_for_listing(viewer: Employee, *, team: str | None, employee_no: str | None,
                       after_no: str | None, limit: int) -> list[Employee]:
    """The people a per-person-per-day listing covers, in employee_no order, from ``after_no`` on."""
    stmt = select(Employee).where(visible_clause(viewer)).order_by(Employee.employee_no)
    if employee_no:
        person = visible_employee(viewer, employee_no)
        stmt = stmt.where(Employee.id == person.id)
    if team:
        team_row = visible_team(viewer, team) if reach(viewer.roles) != "self" else None
        if team_row is None:
            raise NotFound(N_("no team %(team)s", team=team))
        stmt = stmt.where(Employee.team_id == team_row.id)
    if not employee_no:
        stmt = stmt.where(Employee.active.is_(True))
    if after_no is not None:
        stmt = stmt.where(Employee.employee_no >= after_no)
    return list(db.session.scalars(stmt.limit(limit)))


def lock(employee_id: int) -> None:
    """Serialise use cases that read and then change what one person has (a quota, an occurrence count):
    the person's row is locked until the use case ends (PostgreSQL; on SQLite the use case holds the write
    lock already)."""
    db.session.execute(select(Employee.id).where(Employee.id == employee_id).with_for_update())
