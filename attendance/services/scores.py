"""Monthly scores, month close and payroll deductions (docs/rules.md §8), for the whole department at once.

A handful of set-based queries — the people, their attendance days counted by status, their
ledger entries summed by rule — feed pandas; the rules themselves are
``attendance.domain.scoring``'s. The number of queries does not grow with the number of staff.

A closed month is read from its snapshot and never recomputed. Ledger entries dated inside a
closed month are booked into the first open month after it (``ledger_month_for``), so the closed
figures stay as HR handed them on and the correction shows in the open month.

Money is kept in whole fen (int) inside the data frames and leaves as Decimal yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import BigInteger, and_, case, func, insert, select, type_coerce
from sqlalchemy.exc import IntegrityError

from attendance import clock
from attendance.domain import extra_shifts as extra_rules
from attendance.domain import scoring
from attendance.domain.errors import N_, Conflict, InvalidInput, NotFound, RuleRefused
from attendance.domain.extra_shifts import DAY_TYPES as EXTRA_DAY_TYPES
from attendance.domain.money import cents_to_money, money_to_cents
from attendance.domain.permissions import reach
from attendance.domain.policy import Policy, parse_policy
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    Employee,
    LedgerEntry,
    LedgerHead,
    PolicyVersion,
    RosterEntry,
    Team,
    TrainingDay,
    Violation,
)
from attendance.models.extra_shifts import approved_minutes
from attendance.models.scores import MonthClose, PayrollDeduction, RewardNomination, ScoreSnapshot
from attendance.services import audit, notifications, paging
from attendance.services.people import teams_led_by
from attendance.services.transaction import savepoint, use_case

STATUS_COLUMNS = {  # attendance day status → the count column it adds to
    "present": "present_days", "late": "late_days", "early": "early_days", "late_early": "late_early_days",
    "half_absent": "half_absent_days", "absent": "absent_full_days", "leave": "leave_days",
}
COUNT_COLUMNS = ["rostered_days", *STATUS_COLUMNS.values(), "breaking_leave_days"]
LEDGER_COLUMNS = ["points_lost", "fines_cents", "violations"]
SNAPSHOT_FIGURES = [*COUNT_COLUMNS, "points_lost", "violations", "score", "full_attendance",
                    "reward_eligible", "rank", "team_rank"]
REWARD = "full_attendance"  # the monthly reward the scores pay (policy rewards.full_attendance, 000 §5 奖励1)


# --- small helpers ----------------------------------------------------------------------------


def _conn():
    return db.session.connection()


def _frame(stmt, columns: list[str]) -> pd.DataFrame:
    """The rows of ``stmt`` as a data frame, built column by column (handing pandas SQLAlchemy
    Row objects makes it probe each row's attributes, which costs more than the query)."""
    rows = _conn().execute(stmt).all()
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    return pd.DataFrame(dict(zip(columns, (list(c) for c in zip(*rows, strict=True)), strict=True)))


def _cents(column):
    """A Money column summed as raw fen (no Decimal per row)."""
    return type_coerce(column, BigInteger)


@dataclass
class PolicyBook:
    """Every policy version, loaded once; ``on(day)`` is the one in force (same rule as services.policy)."""

    versions: list[tuple[int, date, dict]]  # newest first
    parsed: dict[int, Policy] = field(default_factory=dict)

    @classmethod
    def load(cls) -> PolicyBook:
        rows = _conn().execute(
            select(PolicyVersion.id, PolicyVersion.effective_from, PolicyVersion.document)
            .order_by(PolicyVersion.effective_from.desc(), PolicyVersion.id.desc())).all()
        return cls([(r[0], r[1], r[2]) for r in rows])

    def on(self, day: date) -> tuple[int, Policy]:
        for version_id, effective_from, document in self.versions:
            if effective_from <= day:
                if version_id not in self.parsed:
                    self.parsed[version_id] = parse_policy(document)
                return version_id, self.parsed[version_id]
        raise NotFound(N_("no policy is in force on %(day)s", day=day.isoformat()))


def open_month() -> date:
    """The month of today, on the site's clock."""
    return scoring.month_start(clock.today())


def closed_months(since: date | None = None) -> list[date]:
    stmt = select(MonthClose.month).order_by(MonthClose.month)
    if since is not None:
        stmt = stmt.where(MonthClose.month >= since)
    return list(db.session.scalars(stmt))


def get_close(month: date) -> MonthClose | None:
    return db.session.scalar(select(MonthClose).where(MonthClose.month == month))


def ledger_month_for(day: date) -> date | None:
    """Where a ledger entry dated ``day`` is booked: None while its month is open, else the first day
    of the first open month after it (the discipline service books it there as an adjustment).

    A month before the first one closed counts as closed too: months close in order, so its payroll was
    handed on (on paper, before the product) and will never be computed again — a fine dated then would
    otherwise reach no payroll at all."""
    first = scoring.month_start(day)
    closed = closed_months(since=first)
    if not closed:
        return None
    if first not in closed and first > closed[0]:
        return None  # an open month after a closed one (never happens while months close in order)
    return scoring.first_open_month(max(first, closed[0]), closed)


# --- one month's figures ----------------------------------------------------------------------


@dataclass
class MonthFigures:
    month: date
    closed: MonthClose | None
    people: pd.DataFrame  # one row per person in the month, indexed by employee_id
    deductions: pd.DataFrame  # employee_id, rule, points, adjustment
    base: int
    floor: int
    reward_cents: int

    @property
    def label(self) -> str:
        return scoring.month_label(self.month)


def _employees(employee_ids: list[int] | None = None) -> pd.DataFrame:
    e, t = Employee.__table__.c, Team.__table__.c
    stmt = (select(e.id, e.employee_no, e.name, e.team_id, e.active, e.hire_date, _cents(e.monthly_wage),
                   t.code, t.name)
            .select_from(Employee.__table__.outerjoin(Team.__table__, e.team_id == t.id)))
    if employee_ids is not None:
        stmt = stmt.where(e.id.in_(employee_ids))
    frame = _frame(stmt, ["employee_id", "employee_no", "name", "team_id", "active", "hire_date",
                          "wage_cents", "team_code", "team_name"])
    return frame.set_index("employee_id")


def _attendance_counts(start: date, end: date, keeps: tuple[str, ...],
                       employee_ids: list[int] | None = None) -> pd.DataFrame:
    a = AttendanceDay.__table__.c

    def count(condition):
        return func.count().filter(condition)  # COUNT(*) FILTER (WHERE …): cheaper than SUM(CASE …)

    # A day of leave, or half a day (the day's other status with the leave's type), of a type that does
    # not keep full attendance (policy leave.types.*.full_attendance; the type it counts as) breaks it.
    on_leave = (a.status == "leave") | a.leave_type.is_not(None)
    breaking = and_(on_leave, a.leave_type.is_(None) | a.leave_type.not_in(keeps)) if keeps else on_leave
    stmt = (select(a.employee_id, count(a.status != "rest"),
                   *[count(a.status == status) for status in STATUS_COLUMNS], count(breaking))
            .where(a.day >= start, a.day <= end).group_by(a.employee_id))
    if employee_ids is not None:
        stmt = stmt.where(a.employee_id.in_(employee_ids))
    return _frame(stmt, ["employee_id", *COUNT_COLUMNS]).set_index("employee_id")


def _ledger_by_rule(start: date, end: date, employee_ids: list[int] | None = None) -> pd.DataFrame:
    """Per person, rule and whether it is a late correction: points, fines (fen) and violations counted."""
    entry, v = LedgerEntry.__table__.c, Violation.__table__.c
    adjustment = case((entry.kind == "adjustment", 1), else_=0)
    stmt = (select(entry.employee_id, v.rule_code, adjustment, func.sum(entry.points),
                   func.coalesce(func.sum(_cents(entry.amount)).filter(entry.kind != "reward"), 0),
                   func.count(func.distinct(entry.violation_id)).filter(entry.kind == "fine",
                                                                        v.reversed_at.is_(None)))
            .select_from(LedgerEntry.__table__.outerjoin(Violation.__table__, v.id == entry.violation_id))
            .where(entry.occurred_on >= start, entry.occurred_on <= end)
            .group_by(entry.employee_id, v.rule_code, adjustment))
    if employee_ids is not None:
        stmt = stmt.where(entry.employee_id.in_(employee_ids))
    return _frame(stmt, ["employee_id", "rule", "adjustment", "points", "fines_cents", "violations"])


def derive(people: pd.DataFrame) -> pd.DataFrame:
    """The day figures HR reads, from the status counts (the same for live and frozen months)."""
    out = people
    half = out["half_absent_days"] / 2
    out["worked_days"] = out["present_days"] + out["late_days"] + out["early_days"] + out["late_early_days"] + half
    out["late_count"] = out["late_days"] + out["late_early_days"]
    out["early_count"] = out["early_days"] + out["late_early_days"]
    out["absent_days"] = out["absent_full_days"] + half
    return out


def _rank(people: pd.DataFrame) -> None:
    people["rank"] = people["score"].rank(method="min", ascending=False).astype("int64")
    team_rank = people.groupby("team_id")["score"].rank(method="min", ascending=False)
    people["team_rank"] = team_rank.astype("Int64")


def _live(month: date, book: PolicyBook | None = None) -> MonthFigures:
    start, end = month, scoring.month_end(month)
    book = book or PolicyBook.load()
    _, policy = book.on(end)
    keeps = scoring.leave_keeping_full_attendance(policy.leave)
    employees = _employees()
    counts = _attendance_counts(start, end, keeps)
    ledger = _ledger_by_rule(start, end)

    totals = ledger.groupby("employee_id")[["points", "fines_cents", "violations"]].sum()
    totals.columns = LEDGER_COLUMNS
    people = employees.join(counts, how="left").join(totals, how="left")
    has_rows = people.index.isin(counts.index) | people.index.isin(totals.index)
    hired = people["hire_date"].isna() | (people["hire_date"] <= end)
    in_scope = has_rows | (people["active"].astype(bool) & people["team_id"].notna() & hired)
    people = people[in_scope].copy()
    for column in COUNT_COLUMNS + LEDGER_COLUMNS:
        people[column] = people[column].fillna(0).astype("int64")
    people["team_id"] = people["team_id"].astype("Int64")
    derive(people)

    reward = policy.rewards.get(REWARD)
    reward_cents = money_to_cents(reward.amount) if reward else 0
    people["score"] = scoring.month_score(people["points_lost"], policy.score_base, policy.score_floor)
    people["full_attendance"] = scoring.is_full_attendance(
        people["rostered_days"], people["late_count"], people["early_count"], people["absent_days"],
        people["breaking_leave_days"])
    nominations, forfeited, training = _reward_inputs(start, end)
    people["nomination"] = pd.Series([nominations.get(int(pid)) for pid in people.index], index=people.index,
                                     dtype=object)
    people["reward_forfeited"] = pd.Series(people.index.isin(list(forfeited)), index=people.index)
    people["training_days"] = pd.Series([training.get(int(pid), 0) for pid in people.index], index=people.index,
                                        dtype="int64")
    confirmed = (people["nomination"] == "confirmed") if reward is not None and reward.nomination else True
    people["reward_eligible"] = scoring.is_reward_eligible(people["violations"], people["full_attendance"],
                                                           confirmed, people["reward_forfeited"])
    people["reward_cents"] = people["reward_eligible"].astype("int64") * reward_cents
    _rank(people)

    deductions = ledger[(ledger["points"] != 0) & ledger["employee_id"].isin(people.index)]
    deductions = deductions.assign(adjustment=deductions["adjustment"].astype(bool))[
        ["employee_id", "rule", "points", "adjustment"]].reset_index(drop=True)
    return MonthFigures(month, None, people, deductions, policy.score_base, policy.score_floor, reward_cents)


def _reward_inputs(start: date, end: date) -> tuple[dict[int, str], set[int], dict[int, int]]:
    """The month's nominations for its reward (person → status), the people a forfeit_reward sanction of the
    month took it from (counted violations only), and each person's stand-down days. Three queries."""
    n = RewardNomination.__table__.c
    nominations = dict(_conn().execute(select(n.employee_id, n.status).where(n.month == start, n.reward == REWARD))
                       .all())
    v = Violation.__table__.c
    forfeited = set(_conn().execute(select(v.employee_id).where(
        v.sanction == "forfeit_reward", v.forfeits == REWARD, v.reversed_at.is_(None),
        v.occurred_on >= start, v.occurred_on <= end)).scalars())
    t = TrainingDay.__table__.c
    training = dict(_conn().execute(select(t.employee_id, func.count()).where(
        t.day >= start, t.day <= end, t.cancelled_at.is_(None)).group_by(t.employee_id)).all())
    return nominations, forfeited, training


def _frozen(close: MonthClose) -> MonthFigures:
    s, e = ScoreSnapshot.__table__.c, Employee.__table__.c
    columns = ["employee_id", "employee_no", "name", "team_id", "team_code", "team_name", *SNAPSHOT_FIGURES,
               "fines_cents", "reward_cents", "deductions", "nomination", "reward_forfeited", "training_days"]
    stmt = (select(s.employee_id, e.employee_no, e.name, s.team_id, s.team_code, s.team_name,
                   *[s[c] for c in SNAPSHOT_FIGURES], _cents(s.fines_total), _cents(s.reward_amount),
                   s.deductions, s.nomination, s.reward_forfeited, s.training_days)
            .join(Employee.__table__, e.id == s.employee_id).where(s.month == close.month))
    people = _frame(stmt, columns).set_index("employee_id")
    people["team_id"] = people["team_id"].astype("Int64")
    people["team_rank"] = people["team_rank"].astype("Int64")
    for column in ("full_attendance", "reward_eligible", "reward_forfeited"):
        people[column] = people[column].astype(bool)
    people["nomination"] = people["nomination"].astype(object).where(people["nomination"].notna(), None)
    derive(people)
    rows = [{"employee_id": pid, "rule": d.get("rule"), "points": d.get("points", 0),
             "adjustment": bool(d.get("adjustment"))}
            for pid, items in people.pop("deductions").items() for d in items or []]
    deductions = pd.DataFrame(rows, columns=["employee_id", "rule", "points", "adjustment"])
    reward_cents = int(people["reward_cents"].max()) if len(people) and people["reward_cents"].max() else 0
    return MonthFigures(close.month, close, people, deductions, close.score_base, close.score_floor, reward_cents)


def month_figures(month: date) -> MonthFigures:
    """Everyone's figures for the month: the snapshot if it is closed, else computed now."""
    close = get_close(month)
    figures = _frozen(close) if close is not None else _live(month)
    _add_extra_hours(figures)
    return figures


def _add_extra_hours(figures: MonthFigures) -> None:
    """The month's approved extra-shift hours (加班) by day type, beside the other figures: one column each.
    Read from the approved requests, also for a closed month (they are hours, not pay: nothing is frozen)."""
    extra = approved_minutes(figures.people.index.tolist(), figures.month, scoring.month_end(figures.month))
    for kind in EXTRA_DAY_TYPES:
        figures.people[f"extra_{kind}_hours"] = [
            extra_rules.hours(extra.get(int(pid), {}).get(kind, 0)) for pid in figures.people.index]


def visible_ids(viewer: Employee, people: pd.DataFrame) -> pd.Index:
    how_far = reach(viewer.roles)
    if how_far == "all":
        return people.index
    if how_far == "team":
        teams = set(teams_led_by(viewer))
        return people.index[people["team_id"].isin(teams) | (people.index == viewer.id)]
    return people.index[people.index == viewer.id]


def team_by_code(code: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.code == str(code).strip()))
    if team is None:
        raise InvalidInput(N_("no team %(code)s", code=code), fields={"team": N_("unknown team")})
    return team


def scores_for(viewer: Employee, month_text: str | None, team: str | None = None) -> MonthFigures:
    """The month's figures limited to the people ``viewer`` may see, and to ``team`` if given.

    Ranks are those in the whole department and the whole team, whoever looks.
    :raise InvalidInput: a bad month or an unknown team.
    """
    month = scoring.parse_month(month_text) if month_text else scoring.add_months(open_month(), -1)
    figures = month_figures(month)
    people = figures.people.loc[visible_ids(viewer, figures.people)]
    if team:
        people = people[people["team_code"] == team_by_code(team).code]
    figures.people = people.sort_values(["rank", "employee_no"])
    figures.deductions = figures.deductions[figures.deductions["employee_id"].isin(people.index)]
    return figures


BY_RANK = (paging.Key(int), paging.Key.of(Employee.employee_no))  # equal ranks are shared: the person decides


def score_page(figures: MonthFigures, *, limit: int, cursor: str | None) -> tuple[MonthFigures, str | None]:
    """One page of ``figures`` (from ``scores_for``), by rank then employee_no, and the next page's cursor.

    :raise InvalidInput: a cursor the pager did not write.
    """
    people = figures.people
    keys = list(zip((int(r) for r in people["rank"]), people["employee_no"], strict=True))
    page = paging.page_rows(keys, lambda key: key, BY_RANK, limit=limit, cursor=cursor)
    shown = people[people["employee_no"].isin([no for _, no in page.items])]
    return MonthFigures(figures.month, figures.closed, shown,
                        figures.deductions[figures.deductions["employee_id"].isin(shown.index)],
                        figures.base, figures.floor, figures.reward_cents), page.next


def score_rows(figures: MonthFigures) -> list[dict]:
    """The API's shape: one dict per person (money as Decimal, the schema formats it)."""
    by_person: dict[int, list[dict]] = {}
    for pid, rule, points, adjustment in figures.deductions[["employee_id", "rule", "points", "adjustment"]] \
            .itertuples(index=False):
        by_person.setdefault(int(pid), []).append(
            {"rule": rule, "points": int(points), "adjustment": bool(adjustment)})
    rows = []
    for pid, p in figures.people.iterrows():
        rows.append({
            "employee_no": p["employee_no"], "name": p["name"], "team": p["team_code"],
            "month": figures.label, "score": int(p["score"]), "points_lost": int(p["points_lost"]),
            "deductions": by_person.get(int(pid), []), "fines_total": cents_to_money(p["fines_cents"]),
            "violations": int(p["violations"]), "rostered_days": int(p["rostered_days"]),
            "worked_days": float(p["worked_days"]), "late_count": int(p["late_count"]),
            "early_count": int(p["early_count"]), "absent_days": float(p["absent_days"]),
            "leave_days": int(p["leave_days"]), "full_attendance": bool(p["full_attendance"]),
            "reward_eligible": bool(p["reward_eligible"]), "reward": cents_to_money(p["reward_cents"]),
            "nomination": p["nomination"] if isinstance(p["nomination"], str) else None,
            "reward_forfeited": bool(p["reward_forfeited"]), "training_days": int(p["training_days"]),
            "rank": int(p["rank"]), "team_rank": None if pd.isna(p["team_rank"]) else int(p["team_rank"]),
            "closed": figures.closed is not None,
            "extra_hours": {kind: p.get(f"extra_{kind}_hours", 0) for kind in EXTRA_DAY_TYPES},
        })
    return rows


# --- scores over several months (trend charts) -------------------------------------------------


def _bucket(column, months: list[date]):
    return case(*[(and_(column >= m, column <= scoring.month_end(m)), i) for i, m in enumerate(months)],
                else_=-1)


def score_history(months: list[date], employee_ids: list[int] | None = None) -> pd.DataFrame:
    """Each person's score in each month: month, employee_id, team_id, team_code, score.

    Closed months come from their snapshots, open ones from the ledger (a score needs no more). An open month
    in which the department recorded nothing (no roster day, no ledger entry: before it used the system) has
    no score at all, rather than everyone's untouched 100 — a trend leaves it empty.
    """
    closes = {c.month: c for c in db.session.scalars(select(MonthClose).where(MonthClose.month.in_(months)))}
    frames = []
    if closes:
        s = ScoreSnapshot.__table__.c
        stmt = (select(s.month, s.employee_id, s.team_id, s.team_code, s.score)
                .where(s.month.in_(list(closes))))
        if employee_ids is not None:
            stmt = stmt.where(s.employee_id.in_(employee_ids))
        frames.append(_frame(stmt, ["month", "employee_id", "team_id", "team_code", "score"]))
    live = [m for m in months if m not in closes]
    if live:
        book = PolicyBook.load()
        employees = _employees(employee_ids)
        entry = LedgerEntry.__table__.c
        bucket = _bucket(entry.occurred_on, live)
        stmt = (select(entry.employee_id, bucket, func.sum(entry.points))
                .where(entry.occurred_on >= min(live), entry.occurred_on <= scoring.month_end(max(live)))
                .group_by(entry.employee_id, bucket))
        if employee_ids is not None:
            stmt = stmt.where(entry.employee_id.in_(employee_ids))
        points = _frame(stmt, ["employee_id", "bucket", "points"])
        span = (min(live), scoring.month_end(max(live)))
        recorded = set(db.session.scalars(select(bucket).where(entry.occurred_on.between(*span)).distinct()))
        roster_bucket = _bucket(RosterEntry.day, live)
        recorded |= set(db.session.scalars(select(roster_bucket).where(RosterEntry.day.between(*span)).distinct()))
        for i, month in enumerate(live):
            if i not in recorded:
                continue  # nothing recorded that month: no data, not a score of 100
            try:
                _, policy = book.on(scoring.month_end(month))
            except NotFound:
                continue  # before the first policy: no score
            lost = points[points["bucket"] == i].set_index("employee_id")["points"]
            hired = employees["hire_date"].isna() | (employees["hire_date"] <= scoring.month_end(month))
            scope = employees[(employees["active"].astype(bool) & employees["team_id"].notna() & hired)
                              | employees.index.isin(lost.index)]
            lost = lost.reindex(scope.index, fill_value=0)
            frames.append(pd.DataFrame({
                "month": month, "employee_id": scope.index, "team_id": scope["team_id"].to_numpy(),
                "team_code": scope["team_code"].to_numpy(),
                "score": scoring.month_score(lost, policy.score_base, policy.score_floor).to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=["month", "employee_id", "team_id", "team_code", "score"])
    return pd.concat([f for f in frames if len(f)] or frames, ignore_index=True)


def violations_by_category(months: list[date], team_id: int | None = None) -> pd.DataFrame:
    """Counted violations booked in each month by the category of their rule: rows months, columns categories."""
    entry, v, e = LedgerEntry.__table__.c, Violation.__table__.c, Employee.__table__.c
    bucket = _bucket(entry.occurred_on, months)
    stmt = (select(bucket, v.rule_code, func.count())
            .select_from(LedgerEntry.__table__.join(Violation.__table__, v.id == entry.violation_id))
            .where(entry.kind.in_(("fine", "adjustment")), v.reversed_at.is_(None),
                   entry.occurred_on >= min(months), entry.occurred_on <= scoring.month_end(max(months)))
            .group_by(bucket, v.rule_code))
    if team_id is not None:
        stmt = stmt.join(Employee.__table__, e.id == entry.employee_id).where(e.team_id == team_id)
    counts = _frame(stmt, ["bucket", "rule", "count"])
    _, policy = PolicyBook.load().on(scoring.month_end(max(months)))
    counts["category"] = counts["rule"].map(lambda code: policy.rules[code].category
                                            if code in policy.rules else "general")
    table = counts[counts["bucket"] >= 0].pivot_table(index="bucket", columns="category", values="count",
                                                      aggfunc="sum", fill_value=0)
    table = table.reindex(range(len(months)), fill_value=0)
    table.index = [scoring.month_label(m) for m in months]
    return table


def lateness_matrix(month: date, team_id: int | None = None) -> pd.DataFrame:
    """Late days in the month by weekday (rows 0 = Monday) and the hour their shift starts (columns 0–23)."""
    from attendance.models import ShiftType

    a, st, e = AttendanceDay.__table__.c, ShiftType.__table__.c, Employee.__table__.c
    stmt = (select(a.day, st.start_minute, func.count())
            .select_from(AttendanceDay.__table__.join(ShiftType.__table__, st.id == a.shift_type_id))
            .where(a.day >= month, a.day <= scoring.month_end(month), a.late_minutes > 0)
            .group_by(a.day, st.start_minute))
    if team_id is not None:
        stmt = stmt.join(Employee.__table__, e.id == a.employee_id).where(e.team_id == team_id)
    rows = _frame(stmt, ["day", "start_minute", "count"])
    matrix = pd.DataFrame(0, index=range(7), columns=range(24), dtype="int64")
    if len(rows):
        rows["weekday"] = pd.to_datetime(rows["day"]).dt.day_of_week
        rows["hour"] = (rows["start_minute"] // 60) % 24
        grouped = rows.groupby(["weekday", "hour"])["count"].sum()
        for (weekday, hour_of_day), n in grouped.items():
            matrix.loc[weekday, hour_of_day] = n
    return matrix


def team_summary(figures: MonthFigures) -> pd.DataFrame:
    """Per team: people, average score, attendance rate (worked ÷ rostered days less leave), rewards."""
    people = figures.people[figures.people["team_code"].notna()]
    if people.empty:
        return pd.DataFrame(columns=["team_code", "team_name", "people", "average_score", "attendance_rate",
                                     "rewards"])
    grouped = people.groupby(["team_code", "team_name"])
    out = grouped.agg(people=("score", "size"), average_score=("score", "mean"),
                      worked=("worked_days", "sum"), rostered=("rostered_days", "sum"),
                      leave=("leave_days", "sum"), rewards=("reward_eligible", "sum")).reset_index()
    due = (out["rostered"] - out["leave"]).where(lambda s: s > 0)
    out["attendance_rate"] = (out["worked"] / due).fillna(0.0)
    return out.sort_values(["average_score", "team_code"], ascending=[False, True]).reset_index(drop=True)


# --- payroll deductions -----------------------------------------------------------------------


@dataclass
class Payroll:
    month: date
    closed: MonthClose | None
    rows: pd.DataFrame  # indexed by employee_id: employee_no, name, team_code, wage_cents, fines_cents,
    #                     carried_in_cents, due_cents, cap_cents, deducted_cents, carried_over_cents


PAYROLL_MONEY = ["wage_cents", "fines_cents", "carried_in_cents", "due_cents", "cap_cents", "deducted_cents",
                 "carried_over_cents", "reward_cents", "training_reduction_cents"]


def _frozen_payroll(close: MonthClose) -> Payroll:
    p, e, t = PayrollDeduction.__table__.c, Employee.__table__.c, Team.__table__.c
    stmt = (select(p.employee_id, e.employee_no, e.name, t.code, *[_cents(p[c]) for c in (
        "wage", "fines", "carried_in", "fines_due", "cap", "deducted", "carried_over", "reward",
        "training_reduction")], p.training_days)
            .join(Employee.__table__, e.id == p.employee_id)
            .outerjoin(Team.__table__, t.id == e.team_id).where(p.month == close.month))
    rows = _frame(stmt, ["employee_id", "employee_no", "name", "team_code", *PAYROLL_MONEY, "training_days"])
    return Payroll(close.month, close, rows.set_index("employee_id"))


def _live_payroll(month: date, book: PolicyBook | None = None, figures: MonthFigures | None = None) -> Payroll:
    """Fines due from the month after the last closed one up to ``month``, carried forward month by month; the
    month's reward (from its figures) and what its stand-down days take off the pay."""
    book = book or PolicyBook.load()
    figures = figures or _live(month, book)
    last_closed = db.session.scalar(select(func.max(MonthClose.month)).where(MonthClose.month < month))
    carried: dict[int, int] = {}
    if last_closed is not None:
        p = PayrollDeduction.__table__.c
        carried = dict(_conn().execute(select(p.employee_id, _cents(p.carried_over))
                                       .where(p.month == last_closed, p.carried_over != 0)).all())
        first = scoring.add_months(last_closed, 1)
    else:
        earliest = db.session.scalar(select(func.min(LedgerEntry.occurred_on)))
        first = min(scoring.month_start(earliest), month) if earliest else month
    months = [first]
    while months[-1] < month:
        months.append(scoring.add_months(months[-1], 1))

    entry = LedgerEntry.__table__.c
    bucket = _bucket(entry.occurred_on, months)
    fines = _frame(select(entry.employee_id, bucket, func.sum(_cents(entry.amount)))
                   .where(entry.kind != "reward", entry.occurred_on >= first,
                          entry.occurred_on <= scoring.month_end(month))
                   .group_by(entry.employee_id, bucket), ["employee_id", "bucket", "cents"])
    employees = _employees()
    wages = {pid: (None if pd.isna(w) else cents_to_money(w)) for pid, w in employees["wage_cents"].items()}
    result: dict[int, tuple[int, int, int, int]] = {}
    for i, m in enumerate(months):
        policy = book.on(scoring.month_end(m))[1]
        rule = policy.deductions
        this = dict(fines[fines["bucket"] == i][["employee_id", "cents"]].itertuples(index=False, name=None))
        if policy.pay_treatment == "points_only":
            # the month's amounts are not money: nothing is due from them and nothing is deducted; what an
            # earlier month carried over stays owed, untouched, until a month that deducts (docs/rules.md §8)
            result = {pid: (0, int(c), 0, int(c)) for pid, c in carried.items() if c}
            carried = dict(carried)
            continue
        result = {}
        for pid in set(this) | set(carried):
            fine_cents, carried_in = int(this.get(pid, 0)), int(carried.get(pid, 0))
            if fine_cents == 0 and carried_in == 0:
                continue
            wage = wages.get(pid)
            deducted, carried_over = scoring.deduct(cents_to_money(fine_cents), cents_to_money(carried_in), wage,
                                                    rule.cap_percent_of_wage, rule.minimum_wage)
            result[pid] = (fine_cents, carried_in, money_to_cents(deducted), money_to_cents(carried_over))
        carried = {pid: r[3] for pid, r in result.items() if r[3] != 0}
    rule = book.on(scoring.month_end(month))[1].deductions
    caps = {wage: money_to_cents(scoring.deduction_cap(wage, rule.cap_percent_of_wage, rule.minimum_wage))
            for wage in set(wages.values())}

    end = scoring.month_end(month)
    hired = employees["hire_date"].isna() | (employees["hire_date"] <= end)
    scope = employees[(employees["active"].astype(bool) & employees["team_id"].notna() & hired)
                      | employees.index.isin(list(result))].copy()
    values = [result.get(pid, (0, 0, 0, 0)) for pid in scope.index]
    scope["fines_cents"] = [v[0] for v in values]
    scope["carried_in_cents"] = [v[1] for v in values]
    scope["due_cents"] = scope["fines_cents"] + scope["carried_in_cents"]
    scope["deducted_cents"] = [v[2] for v in values]
    scope["carried_over_cents"] = [v[3] for v in values]
    scope["cap_cents"] = [caps[wages.get(pid)] for pid in scope.index]
    shown = figures.people
    scope["reward_cents"] = [int(shown.at[pid, "reward_cents"]) if pid in shown.index else 0 for pid in scope.index]
    scope["training_days"] = [int(shown.at[pid, "training_days"]) if pid in shown.index else 0
                              for pid in scope.index]
    stand_down = book.on(end)[1].stand_down
    scope["training_reduction_cents"] = [money_to_cents(scoring.stand_down_reduction(
        wages.get(pid), days, stand_down.pay_percent, stand_down.days_per_month))
        for pid, days in scope["training_days"].items()]
    columns = ["employee_no", "name", "team_code", *PAYROLL_MONEY, "training_days"]
    return Payroll(month, None, scope[columns])


def payroll_for(month: date, figures: MonthFigures | None = None) -> Payroll:
    """The month's payroll deductions: the snapshot if it is closed, else computed now (from ``figures`` when the
    caller has the month's live figures already: the monthly report, which would otherwise compute them twice)."""
    close = get_close(month)
    return _frozen_payroll(close) if close is not None else _live_payroll(month, figures=figures)


def payroll_view(viewer: Employee, month_text: str | None, team: str | None = None, *,
                 owing_only: bool = False) -> Payroll:
    """The month's deductions for the people ``viewer`` may see. :raise InvalidInput: bad month or team."""
    month = scoring.parse_month(month_text) if month_text else scoring.add_months(open_month(), -1)
    payroll = payroll_for(month)
    rows = payroll.rows
    if reach(viewer.roles) != "all":
        rows = rows[rows.index == viewer.id]
    if team:
        rows = rows[rows["team_code"] == team_by_code(team).code]
    if owing_only:
        rows = rows[(rows["due_cents"] != 0) | (rows["deducted_cents"] != 0)]
    payroll.rows = rows.sort_values("employee_no")
    return payroll


def payroll_rows(payroll: Payroll) -> list[dict]:
    label = scoring.month_label(payroll.month)
    out = []
    for _, r in payroll.rows.iterrows():
        out.append({
            "employee_no": r["employee_no"], "name": r["name"], "team": r["team_code"], "month": label,
            "wage": None if pd.isna(r["wage_cents"]) else cents_to_money(r["wage_cents"]),
            "fines": cents_to_money(r["fines_cents"]), "carried_in": cents_to_money(r["carried_in_cents"]),
            "fines_due": cents_to_money(r["due_cents"]), "cap": cents_to_money(r["cap_cents"]),
            "deducted": cents_to_money(r["deducted_cents"]),
            "carried_over": cents_to_money(r["carried_over_cents"]),
            "reward": cents_to_money(r["reward_cents"]), "training_days": int(r["training_days"]),
            "training_reduction": cents_to_money(r["training_reduction_cents"]),
            "closed": payroll.closed is not None,
        })
    return out


# --- closing a month --------------------------------------------------------------------------


def _lock_ledger() -> None:
    """Hold the ledger head, so no entry is appended while the month's figures are read and frozen."""
    db.session.execute(select(LedgerHead.id).where(LedgerHead.id == 1).with_for_update())


def _tell_scores(month: date, people: pd.DataFrame) -> None:
    """Each active person in the month hears their frozen score, in one bulk insert."""
    label = scoring.month_label(month)
    rows = [(int(pid), {"month": label, "score": int(p.score), "rank": int(p.rank), "points": int(p.points_lost),
                        "fines": str(cents_to_money(p.fines_cents))}, "/me")
            for pid, p in zip(people.index, people.itertuples(index=False), strict=True) if bool(p.active)]
    notifications.notify_each("month_closed", N_("Your score for %(month)s: %(score)s"),
                              N_("Rank %(rank)s · points lost %(points)s · fines %(fines)s yuan"), rows)


def check_closable(month_text: str) -> date:
    """The month, if it may be closed now (what ``close_month`` checks first; a page asks before it queues
    the close as a job). :raise InvalidInput, RuleRefused, Conflict: as ``close_month``."""
    month = scoring.parse_month(month_text)
    if month >= open_month():
        raise RuleRefused(N_("a month can be closed once it has ended"), code="month_not_over")
    if get_close(month) is not None:
        raise Conflict(N_("%(month)s is already closed", month=scoring.month_label(month)))
    latest = db.session.scalar(select(func.max(MonthClose.month)))
    if latest is not None and month < latest:
        raise Conflict(N_("%(month)s is before the last closed month", month=scoring.month_label(month)))
    if latest is not None and month != scoring.add_months(latest, 1):
        raise RuleRefused(N_("close %(month)s first: months close in order",
                             month=scoring.month_label(scoring.add_months(latest, 1))),
                          code="months_close_in_order")
    return month


@use_case
def close_month(actor: Employee | None, month_text: str) -> MonthClose:
    """Freeze the month's scores, ranks and payroll deductions (HR).

    :raise InvalidInput: not a month. :raise RuleRefused: the month has not ended yet, or an earlier
        month is still open (months close in order). :raise Conflict: already closed.
    """
    month = check_closable(month_text)
    book = PolicyBook.load()
    version_id, policy = book.on(scoring.month_end(month))
    reward = policy.rewards.get(REWARD)
    pending = pending_nominations(month) if reward is not None and reward.nomination else 0
    if pending and reward.pending_at_close == "refuse":
        raise RuleRefused(f"{pending} nominations for {scoring.month_label(month)}'s reward are not yet confirmed or "
                          "declined", code="nominations_pending", fields={"month": "nominations pending"})
    close = MonthClose(month=month, closed_by_id=actor.id if actor else None, policy_version_id=version_id,
                       score_base=policy.score_base, score_floor=policy.score_floor,
                       cap_percent=str(policy.deductions.cap_percent_of_wage),
                       minimum_wage=policy.deductions.minimum_wage, staff=0)
    try:
        with savepoint():  # on PostgreSQL a second close waits here for the first to end
            db.session.add(close)
    except IntegrityError:
        raise Conflict(N_("%(month)s is already closed", month=scoring.month_label(month))) from None
    _lock_ledger()
    figures = _live(month, book)
    payroll = _live_payroll(month, book, figures)
    by_person: dict[int, list[dict]] = {}
    for pid, rule, points, adjustment in figures.deductions.itertuples(index=False):
        by_person.setdefault(int(pid), []).append(
            {"rule": rule, "points": int(points), "adjustment": bool(adjustment)})
    people = figures.people
    snapshots = [{
        "month_close_id": close.id, "month": month, "employee_id": int(pid),
        "team_id": None if pd.isna(p.team_id) else int(p.team_id),
        "team_code": None if pd.isna(p.team_code) else p.team_code,
        "team_name": None if pd.isna(p.team_name) else p.team_name,
        **{c: int(getattr(p, c)) for c in (*COUNT_COLUMNS, "points_lost", "violations", "score", "rank")},
        "team_rank": None if pd.isna(p.team_rank) else int(p.team_rank),
        "full_attendance": bool(p.full_attendance), "reward_eligible": bool(p.reward_eligible),
        "fines_total": cents_to_money(p.fines_cents), "reward_amount": cents_to_money(p.reward_cents),
        "deductions": by_person.get(int(pid), []),
        "nomination": p.nomination if isinstance(p.nomination, str) else None,
        "reward_forfeited": bool(p.reward_forfeited), "training_days": int(p.training_days),
    } for pid, p in zip(people.index, people.itertuples(index=False), strict=True)]
    deductions = [{
        "month_close_id": close.id, "month": month, "employee_id": int(pid),
        "wage": None if pd.isna(r.wage_cents) else cents_to_money(r.wage_cents),
        "fines": cents_to_money(r.fines_cents), "carried_in": cents_to_money(r.carried_in_cents),
        "fines_due": cents_to_money(r.due_cents), "cap": cents_to_money(r.cap_cents),
        "deducted": cents_to_money(r.deducted_cents), "carried_over": cents_to_money(r.carried_over_cents),
        "reward": cents_to_money(r.reward_cents), "training_days": int(r.training_days),
        "training_reduction": cents_to_money(r.training_reduction_cents),
    } for pid, r in zip(payroll.rows.index, payroll.rows.itertuples(index=False), strict=True)]
    if snapshots:
        db.session.execute(insert(ScoreSnapshot), snapshots)
    if deductions:
        db.session.execute(insert(PayrollDeduction), deductions)
    close.staff = len(snapshots)
    _tell_scores(month, people)
    audit.record(actor, "month.close", "month", scoring.month_label(month), staff=len(snapshots),
                 deducted=str(sum((d["deducted"] for d in deductions), Decimal("0.00"))),
                 policy_version=version_id, nominations_pending=pending)
    close.pending_nominations = pending  # under pending_at_close "warn": the caller shows the warning
    return close


def pending_nominations(month: date) -> int:
    """How many nominations for the month's reward still wait for the supervisor."""
    return db.session.scalar(select(func.count()).select_from(RewardNomination).where(
        RewardNomination.month == month, RewardNomination.reward == REWARD,
        RewardNomination.status == "pending")) or 0
