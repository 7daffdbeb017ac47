"""The year-end review (年终考核): each person's year from their months — the monthly scores, violations by
category, the half-year leave (002 4.4.1), the full-year attendance bonus (002 4.4.2, ``rewards.
full_attendance_year``), the awards of the year — for one person, a team or the whole department, and HR's
year close, which freezes every person's year as a closed month freezes its scores (docs/rules.md §8).

The whole department's year is a fixed number of set-based reads whatever its size: the twelve months'
figures (``scores.month_figures``: a closed month's snapshot, an open one computed), the year's counted
violations grouped by person and rule, and the year's awards. A closed year reads its snapshot rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from attendance import clock
from attendance.domain import scoring
from attendance.domain import year_review as rules
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.money import cents_to_money
from attendance.domain.permissions import allowed, reach
from attendance.domain.policy.model import DEFAULT_AWARD_KINDS
from attendance.extensions import db
from attendance.models import Award, Employee, MonthClose, Violation, YearClose, YearSnapshot
from attendance.services import audit, notifications
from attendance.services.people import teams_led_by, visible_employee
from attendance.services.scores import PolicyBook, month_figures, team_by_code
from attendance.services.transaction import savepoint, use_case

YEAR_BONUS = "full_attendance_year"  # the policy's reward for a full year (002 4.4.2)
MONTHLY = "monthly_reward"  # an award row that is the month's reward paid with the pay (000 §5 奖励1)


def parse_year(value: object) -> int:
    """:raise InvalidInput: not a year from 1901 to 2099."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(N_("not a year: %(value)s", value=str(value)[:20]), fields={"year": "1901 to 2099"}) \
            from None
    if not 1900 < year < 2100:
        raise InvalidInput(N_("not a year: %(value)s", value=str(year)), fields={"year": "1901 to 2099"})
    return year


@dataclass
class PersonYear:
    """One person's year, live or as frozen at the year close."""

    year: int
    employee_id: int
    employee_no: str
    name: str
    team_id: int | None
    team_code: str | None
    team_name: str | None
    months: list[rules.Month]
    violations_by_category: dict[str, int]
    score: float | None
    bonus: int
    half_year_leave: tuple[float, float]
    awards: list[dict] = field(default_factory=list)  # date, kind, amount (Decimal), reason, id (None: monthly)
    closed: bool = False
    bonus_points: int = 0  # what a full year adds (the policy's rewards.full_attendance_year)

    @property
    def violations(self) -> int:
        return sum(self.violations_by_category.values())

    @property
    def rewards_total(self) -> Decimal:
        return sum((a["amount"] for a in self.awards), Decimal("0.00"))

    @property
    def full_year(self) -> bool:
        return self.bonus > 0


@dataclass
class YearBook:
    year: int
    closed: YearClose | None
    bonus_points: int
    people: dict[int, PersonYear]  # by employee id, in team then employee_no order


def _months_of(year: int) -> list[date]:
    """The months of the year that have begun (a year not yet over has no December figures)."""
    today = clock.today()
    return [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= today]


def _bonus_points(book: PolicyBook, year: int) -> tuple[int | None, int]:
    """The policy version in force on 31 December and its full-year bonus (read at the year's end)."""
    try:
        version_id, policy = book.on(date(year, 12, 31))
    except NotFound:
        return None, 0
    reward = policy.rewards.get(YEAR_BONUS)
    return version_id, (reward.points if reward else 0)


def _categories(book: PolicyBook, year: int) -> dict[int, dict[str, int]]:
    """Counted violations of the year per person by the category of their rule: one grouped query."""
    counted = db.session.execute(
        select(Violation.employee_id, Violation.rule_code, func.count()).where(
            Violation.reversed_at.is_(None),
            Violation.occurred_on >= date(year, 1, 1), Violation.occurred_on <= date(year, 12, 31))
        .group_by(Violation.employee_id, Violation.rule_code)).all()
    try:
        policy = book.on(date(year, 12, 31))[1]
    except NotFound:
        policy = None
    out: dict[int, dict[str, int]] = {}
    for pid, code, n in counted:
        rule = policy.rules.get(code) if policy else None
        category = rule.category if rule is not None else "general"
        mine = out.setdefault(int(pid), {})
        mine[category] = mine.get(category, 0) + int(n)
    return out


def _awards(year: int) -> dict[int, list[dict]]:
    """The year's awards in force (not reversed) per person: one query."""
    rows = db.session.execute(
        select(Award.id, Award.employee_id, Award.awarded_on, Award.kind, Award.amount, Award.reason)
        .where(Award.reversed_at.is_(None), Award.awarded_on >= date(year, 1, 1),
               Award.awarded_on <= date(year, 12, 31))
        .order_by(Award.awarded_on, Award.id)).all()
    out: dict[int, list[dict]] = {}
    for award_id, pid, day, kind, amount, reason in rows:
        out.setdefault(int(pid), []).append(
            {"id": award_id, "date": day, "kind": kind, "amount": amount, "reason": reason})
    return out


def _live(year: int) -> YearBook:
    book = PolicyBook.load()
    _, bonus_points = _bonus_points(book, year)
    monthly: dict[int, list[rules.Month]] = {}
    paid: dict[int, list[dict]] = {}
    who: dict[int, tuple] = {}
    for first in _months_of(year):
        try:
            people = month_figures(first).people
        except NotFound:
            continue  # before the first policy: no figures that month
        columns = zip(people.index, people["employee_no"], people["name"], people["team_id"], people["team_code"],
                      people["team_name"], people["score"], people["full_attendance"], people["violations"],
                      people["leave_days"], people["reward_cents"], people["nomination"], strict=True)
        for pid, no, name, team_id, team_code, team_name, score, full, violations, leave, reward, nomination \
                in columns:
            pid = int(pid)
            who[pid] = (no, name, None if pd.isna(team_id) else int(team_id),
                        None if pd.isna(team_code) else team_code, None if pd.isna(team_name) else team_name)
            monthly.setdefault(pid, []).append(
                rules.Month(first.month, int(score), bool(full), int(violations), float(leave)))
            if int(reward):
                reason = "工作突出" if nomination == "confirmed" else ""
                paid.setdefault(pid, []).append({"id": None, "date": scoring.month_end(first), "kind": MONTHLY,
                                                 "amount": cents_to_money(int(reward)), "reason": reason})
    categories = _categories(book, year)
    awards = _awards(year)
    if awards:  # an award for someone not in any month's figures (hired after, or gone): still theirs
        missing = [pid for pid in awards if pid not in who]
        if missing:
            for e in db.session.execute(select(Employee.id, Employee.employee_no, Employee.name)
                                        .where(Employee.id.in_(missing))).all():
                who[int(e[0])] = (e[1], e[2], None, None, None)
    people_years: dict[int, PersonYear] = {}
    for pid, (no, name, team_id, team_code, team_name) in who.items():
        months = monthly.get(pid, [])
        score, bonus = rules.year_score(months, bonus_points)
        people_years[pid] = PersonYear(
            year, pid, no, name, team_id, team_code, team_name, months, categories.get(pid, {}), score, bonus,
            rules.half_year_leave(months), paid.get(pid, []) + awards.get(pid, []), bonus_points=bonus_points)
    return YearBook(year, None, bonus_points, _ordered(people_years))


def _ordered(people: dict[int, PersonYear]) -> dict[int, PersonYear]:
    return dict(sorted(people.items(), key=lambda kv: (kv[1].team_code or "~", kv[1].employee_no)))


def _frozen(close: YearClose) -> YearBook:
    s, e = YearSnapshot.__table__.c, Employee.__table__.c
    rows = db.session.execute(
        select(s.employee_id, e.employee_no, e.name, s.team_id, s.team_code, s.team_name, s.months,
               s.violations_by_category, s.score, s.bonus, s.leave_first_half, s.leave_second_half, s.awards)
        .join(Employee.__table__, e.id == s.employee_id).where(s.year == close.year)).all()
    people: dict[int, PersonYear] = {}
    for pid, no, name, team_id, team_code, team_name, months, by_category, score, bonus, first, second, awards \
            in rows:
        people[int(pid)] = PersonYear(
            close.year, int(pid), no, name, team_id, team_code, team_name,
            [rules.Month(**m) for m in months or []], dict(by_category or {}),
            None if score is None else float(score), int(bonus), (float(first), float(second)),
            [{**a, "date": date.fromisoformat(a["date"]), "amount": Decimal(a["amount"])} for a in awards or []],
            closed=True, bonus_points=close.bonus_points)
    return YearBook(close.year, close, close.bonus_points, _ordered(people))


def get_close(year: int) -> YearClose | None:
    return db.session.scalar(select(YearClose).where(YearClose.year == year))


def year_figures(year: int) -> YearBook:
    """Everyone's year: the snapshot if the year is closed, else computed now from the months."""
    close = get_close(year)
    return _frozen(close) if close is not None else _live(year)


# --- what a viewer sees ------------------------------------------------------------------------


def review(viewer: Employee, year: int | str, employee_no: str) -> PersonYear:
    """One person's year (staff: their own; a lead: their team; the office: everyone).

    :raise NotFound: a person the viewer may not see. :raise InvalidInput: not a year.
    """
    year = parse_year(year)
    person = visible_employee(viewer, employee_no)
    book = year_figures(year)
    got = book.people.get(person.id)
    if got is None:  # not on the books that year: an empty year, not an error
        team = person.team
        got = PersonYear(year, person.id, person.employee_no, person.name, person.team_id,
                         team.code if team else None, team.name if team else None, [], {}, None, 0, (0.0, 0.0),
                         closed=book.closed is not None, bonus_points=book.bonus_points)
    return got


def team_year(viewer: Employee, year: int | str, team: str | None = None) -> YearBook:
    """The year of everyone ``viewer`` reaches (a lead: their teams; the office: the department), narrowed to
    ``team`` if given. :raise InvalidInput: not a year, or an unknown team. :raise NotFound: a team out of
    reach."""
    year = parse_year(year)
    book = year_figures(year)
    how_far = reach(viewer.roles)
    people = book.people
    if team:
        wanted = team_by_code(team)
        if how_far != "all" and wanted.id not in teams_led_by(viewer):
            raise NotFound(N_("no team %(code)s", code=team))
        people = {pid: p for pid, p in people.items() if p.team_code == wanted.code}
    elif how_far == "team":
        teams = set(teams_led_by(viewer))
        people = {pid: p for pid, p in people.items() if p.team_id in teams or pid == viewer.id}
    elif how_far != "all":
        people = {pid: p for pid, p in people.items() if pid == viewer.id}
    return YearBook(book.year, book.closed, book.bonus_points, people)


# --- awards a manager grants by hand (000 §5 奖励2–4) ---------------------------------------------------


def award_kinds(on: date | None = None) -> dict:
    """The policy's kinds of award (in force on ``on``, today when left out; before any policy, the defaults)."""
    try:
        return PolicyBook.load().on(on or clock.today())[1].awards
    except NotFound:
        return dict(DEFAULT_AWARD_KINDS)


@use_case
def record_award(actor: Employee, employee_no: str, kind: str, amount: object, reason: str,
                 awarded_on: object = None) -> Award:
    """A supervisor or manager grants an award of a kind the policy names, with the amount they set; the
    person is told. :raise InvalidInput: unknown kind, a bad amount, date or no reason. :raise Forbidden: the
    policy does not let the actor's role grant this kind. :raise NotFound: a person out of reach."""
    if not allowed(actor.roles, "awards.record"):
        raise Forbidden(N_("you may not record awards"))
    person = visible_employee(actor, employee_no)
    if person.id == actor.id:  # money one sets for oneself is no award
        raise Forbidden(N_("you may not grant yourself an award"))
    day = _day(awarded_on)
    kinds = award_kinds(day)
    if kind not in kinds:
        raise InvalidInput(N_("unknown kind of award %(kind)s", kind=str(kind)[:32]), fields={"kind": "unknown"})
    if not set(actor.roles) & set(kinds[kind].granted_by):
        raise Forbidden(N_("the rules do not let your role grant this award"))
    money = _amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("say why the award is given"), fields={"reason": "required"})
    if get_close(day.year) is not None:  # its review is frozen: the award would count nowhere
        raise Conflict(N_("%(year)s is closed", year=day.year))
    award = Award(employee_id=person.id, awarded_on=day, kind=kind, amount=money, reason=reason[:2000],
                  recorded_by_id=actor.id, recorded_at=clock.now())
    db.session.add(award)
    db.session.flush()
    audit.record(actor, "award.record", "award", award.id, employee=person.employee_no, kind=kind,
                 amount=str(money), awarded_on=day.isoformat())
    notifications.notify([person.id], "award", N_("An award for you: %(amount)s yuan"), N_("%(reason)s"),
                         params={"amount": str(money), "reason": reason[:200], "kind": kind},
                         link=f"/scores/years/{day.year}/people/{person.employee_no}")
    return award


@use_case
def reverse_award(actor: Employee, award_id: int, reason: str) -> Award:
    """Take back an award recorded by mistake: kept, marked who/when/why, and no longer counted.
    :raise NotFound: no such award within reach. :raise Conflict: already reversed. :raise InvalidInput: no
    reason."""
    if not allowed(actor.roles, "awards.record"):
        raise Forbidden(N_("you may not record awards"))
    award = db.session.get(Award, int(award_id), with_for_update=True)
    if award is None:
        raise NotFound(N_("no such award"))
    visible_employee(actor, award.employee.employee_no)
    if award.reversed_at is not None:
        raise Conflict(N_("this award was already reversed"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("say why the award is reversed"), fields={"reason": "required"})
    if get_close(award.awarded_on.year) is not None:
        raise Conflict(N_("%(year)s is closed", year=award.awarded_on.year))
    award.reversed_at, award.reversed_by_id, award.reversed_reason = clock.now(), actor.id, reason[:2000]
    audit.record(actor, "award.reverse", "award", award.id, reason=reason[:200])
    # money the person was told they would get is taken back: they are told that too, and why
    notifications.notify([award.employee_id], "award", N_("An award was taken back: %(amount)s yuan"),
                         N_("%(reason)s"), params={"amount": str(award.amount), "reason": reason[:200],
                                                  "kind": award.kind},
                         link=f"/scores/years/{award.awarded_on.year}/people/{award.employee.employee_no}")
    return award


def awards(viewer: Employee, year: int | str) -> list[Award]:
    """The year's awards (reversed ones too, marked) of the people ``viewer`` reaches."""
    from sqlalchemy.orm import joinedload

    year = parse_year(year)
    stmt = (select(Award).options(joinedload(Award.employee), joinedload(Award.recorded_by),
                                  joinedload(Award.reversed_by))
            .where(Award.awarded_on >= date(year, 1, 1), Award.awarded_on <= date(year, 12, 31))
            .order_by(Award.awarded_on.desc(), Award.id.desc()))
    how_far = reach(viewer.roles)
    if how_far == "team":
        stmt = stmt.join(Employee, Employee.id == Award.employee_id).where(
            (Employee.team_id.in_(teams_led_by(viewer))) | (Employee.id == viewer.id))
    elif how_far != "all":
        stmt = stmt.where(Award.employee_id == viewer.id)
    return list(db.session.scalars(stmt).unique())


def award_candidates(viewer: Employee) -> list[Employee]:
    """Whom ``viewer`` may grant an award: the active people of a team they reach, themselves left out."""
    from attendance.services.people import visible_clause

    return list(db.session.scalars(select(Employee).where(
        visible_clause(viewer), Employee.active.is_(True), Employee.team_id.is_not(None), Employee.id != viewer.id)
        .order_by(Employee.employee_no)))


def _day(value: object) -> date:
    if value in (None, ""):
        return clock.today()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(N_("not a date: %(value)s", value=str(value)[:20]), fields={"awarded_on": "YYYY-MM-DD"}) \
            from None


def _amount(value: object) -> Decimal:
    from decimal import InvalidOperation

    try:
        money = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(N_("not an amount: %(value)s", value=str(value)[:20]), fields={"amount": "yuan"}) \
            from None
    if not money.is_finite() or money <= 0 or money >= Decimal("1000000") or money != money.quantize(Decimal("0.01")):
        raise InvalidInput(N_("an amount above 0 and below 1,000,000 yuan, to the fen"), fields={"amount": "yuan"})
    return money.quantize(Decimal("0.01"))


# --- closing a year -------------------------------------------------------------------------------


def check_closable(year_value: object) -> int:
    """The year, if it may be closed now. :raise InvalidInput: not a year. :raise RuleRefused: a month of it is
    still open (every month closes first). :raise Conflict: already closed."""
    year = parse_year(year_value)
    if get_close(year) is not None:
        raise Conflict(N_("%(year)s is already closed", year=year))
    closed = set(db.session.scalars(select(MonthClose.month).where(
        MonthClose.month >= date(year, 1, 1), MonthClose.month <= date(year, 12, 1))))
    still_open = [scoring.month_label(date(year, m, 1)) for m in range(1, 13) if date(year, m, 1) not in closed]
    if still_open:
        raise RuleRefused(N_("close every month of the year first; still open: %(months)s",
                             months=", ".join(still_open)), code="months_open", fields={"year": "months open"})
    return year


@use_case
def close_year(actor: Employee | None, year_value: object) -> YearClose:
    """Freeze every person's year (HR), once all twelve months are closed; each person is told their year
    review is final. :raise InvalidInput, RuleRefused, Conflict: as ``check_closable``."""
    year = check_closable(year_value)
    version_id, bonus_points = _bonus_points(PolicyBook.load(), year)
    close = YearClose(year=year, closed_by_id=actor.id if actor else None, closed_at=clock.now(),
                      policy_version_id=version_id, bonus_points=bonus_points, staff=0)
    try:
        with savepoint():  # on PostgreSQL a second close waits here for the first to end, then fails
            db.session.add(close)
    except IntegrityError:
        raise Conflict(N_("%(year)s is already closed", year=year)) from None
    book = _live(year)
    rows = [{
        "year_close_id": close.id, "year": year, "employee_id": pid, "team_id": p.team_id,
        "team_code": p.team_code, "team_name": p.team_name,
        "score": None if p.score is None else Decimal(str(p.score)), "bonus": p.bonus,
        "violations": p.violations, "leave_first_half": Decimal(str(p.half_year_leave[0])),
        "leave_second_half": Decimal(str(p.half_year_leave[1])), "rewards_total": p.rewards_total,
        "months": [m.__dict__ for m in p.months], "violations_by_category": p.violations_by_category,
        "awards": [{**a, "date": a["date"].isoformat(), "amount": str(a["amount"])} for a in p.awards],
    } for pid, p in book.people.items()]
    if rows:
        db.session.execute(insert(YearSnapshot), rows)
    close.staff = len(rows)
    active = set(db.session.scalars(select(Employee.id).where(Employee.active.is_(True))))
    notifications.notify_each("year_closed", N_("Your year-end review for %(year)s is final"),
                              N_("Year score %(score)s · full-year bonus %(bonus)s"),
                              [(pid, {"year": str(year), "score": "—" if p.score is None else str(p.score),
                                      "bonus": str(p.bonus)}, f"/scores/years/{year}/people/{p.employee_no}")
                               for pid, p in book.people.items() if pid in active])
    audit.record(actor, "year.close", "year", year, staff=len(rows), policy_version=version_id,
                 bonus_points=bonus_points)
    return close

