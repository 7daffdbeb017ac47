"""Demo swaps in every state for the first team: one waiting for staff1's answer and one of staff1's waiting
for the supervisor (so staff1 sees the limit reached), one approved (on the roster and the day board), one
declined, one rejected, one withdrawn; and yesterday's suspected private swap for the lead to review.

The demo roster ends with the month; the swaps are asked a few days ahead, so the roster is carried on
(each day as the same weekday the week before) for three weeks first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, Punch, Request, Swap, Team
from attendance.models.shifts import roster_cells
from attendance.services import punches, roster
from attendance.services import swaps as svc

AHEAD_DAYS = 21
REASONS = ["孩子学校开家长会", "要陪家人去医院复查", "老家亲戚来访", "参加职称考试", "搬家"]
HANDOVERS = ["回访名单在共享盘“回访/本周”，重点客户已标红", "投诉单 3 单未结，已写进交接本", "", "早会要点已发群里"]


def _carry_roster(lead: Employee, members: list[Employee], until: date) -> None:
    """Fill each member's missing days up to ``until`` with their shift of the same weekday a week before."""
    today = clock.today()
    cells = roster_cells([p.id for p in members], today - timedelta(days=7), until)
    wanted = []
    for person in members:
        known = {d: e.code for (pid, d), e in cells.items() if pid == person.id}
        day = today
        while day <= until:
            if day not in known and day - timedelta(days=7) in known:
                known[day] = known[day - timedelta(days=7)]
                wanted.append((person.employee_no, day, known[day]))
            day += timedelta(days=1)
    if wanted:
        roster.save_cells(lead, wanted)


def _candidates(kind: str, asking: list[Employee], asked: list[Employee], days: list[date],
                cells: dict) -> Iterator[dict]:
    def works(p, d):
        entry = cells.get((p.id, d))
        return entry is not None and entry.shift_type_id is not None

    for a in asking:
        for d1 in days:
            if not works(a, d1):
                continue
            for b in asked:
                if b.id == a.id or works(b, d1):
                    continue
                if kind == "cover":
                    yield {"requester": a, "counterpart": b, "requester_date": d1.isoformat(), "counterpart_date": None}
                    continue
                for d2 in days:
                    if d2 != d1 and works(b, d2) and not works(a, d2):
                        yield {"requester": a, "counterpart": b, "requester_date": d1.isoformat(),
                               "counterpart_date": d2.isoformat()}


def _ask(kind: str, asking, asked, days, cells, n: int) -> Request | None:
    for tries, c in enumerate(_candidates(kind, asking, asked, days, cells)):
        if tries > 60:
            return None
        try:
            return svc.file_swap(c["requester"], {
                "kind": kind, "requester_date": c["requester_date"], "counterpart_no": c["counterpart"].employee_no,
                "counterpart_date": c["counterpart_date"], "reason": REASONS[n % len(REASONS)],
                "handover_note": HANDOVERS[n % len(HANDOVERS)]})
        except DomainError:
            continue
    return None


def build_swaps_demo() -> int:
    """File the demo swaps once (nothing when any swap exists). Returns how many were filed."""
    if db.session.scalar(select(Swap.id).limit(1)) is not None:
        return 0
    team = db.session.scalar(select(Team).where(Team.active.is_(True), Team.lead_id.is_not(None)).order_by(Team.code))
    supervisor = db.session.scalar(select(Employee).where(Employee.username == "supervisor"))
    if team is None or supervisor is None:
        return 0
    lead = db.session.get(Employee, team.lead_id)
    members = list(db.session.scalars(select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True),
                                                             Employee.id != lead.id).order_by(Employee.employee_no)))
    if len(members) < 8:
        return 0
    today = clock.today()
    until = today + timedelta(days=AHEAD_DAYS)
    try:
        _carry_roster(lead, members, until)
    except DomainError:
        return 0
    days = [today + timedelta(days=n) for n in range(3, AHEAD_DAYS)]
    cells = roster_cells([p.id for p in members], today, until)
    with_login = [p for p in members if p.username]
    others = [p for p in members if not p.username]
    made = 0
    # (kind, who asks, whom they ask, then)
    plan = [
        ("swap", with_login[:1], others[:3], "accept"),  # staff1's own, waiting for the supervisor
        ("cover", others[3:5], with_login[:1], None),  # waiting for staff1's answer
        ("in_lieu", others[5:7], others[7:9], "approve"),
        ("cover", others[:3], others[3:], "decline"),
        ("swap", others[3:], others[:3], "reject"),
        ("swap", with_login[1:2] or others[-2:], others, "withdraw"),
    ]
    for n, (kind, asking, asked, then) in enumerate(plan):
        request = _ask(kind, asking, asked, days, cells, n)
        if request is None:
            continue
        made += 1
        swap = request.swap
        try:
            if then in ("accept", "approve", "reject"):
                svc.accept(swap.counterpart, request.id, "可以")
            if then == "approve":
                svc.decide(supervisor, request.id, "approve", "同意，注意交接")
            elif then == "reject":
                svc.decide(supervisor, request.id, "reject", "当天人手紧张，请另选日期")
            elif then == "decline":
                svc.decline(swap.counterpart, request.id, "那天我也有事")
            elif then == "withdraw":
                svc.withdraw(swap.requester, request.id)
        except DomainError:
            continue
    _private_swap(supervisor, lead, members, today - timedelta(days=1))
    return made


def _private_swap(supervisor: Employee, lead: Employee, members: list[Employee], day: date) -> None:
    """Yesterday, someone resting clocked in for a colleague's shift and the colleague did not come: the
    colleague's punches of the day are voided and the other's added, so the lead's page has one to review."""
    cells = roster_cells([p.id for p in members], day, day)
    working = [p for p in members if (e := cells.get((p.id, day))) is not None and e.shift_type_id is not None]
    resting = [p for p in members if (e := cells.get((p.id, day))) is not None and e.shift_type_id is None]
    if not working or not resting:
        return
    absent, worker = working[-1], resting[-1]
    shift = cells[(absent.id, day)].shift_type
    midnight = datetime.combine(day, time(0), tzinfo=clock.site_zone())
    try:
        for p in db.session.scalars(select(Punch).where(Punch.employee_id == absent.id, Punch.voided_at.is_(None),
                                                        Punch.at >= midnight, Punch.at < midnight + timedelta(days=1))):
            punches.void_punch(lead, p.id, "打卡记录作废（演示：本人未到岗）")
        for minute, direction in ((shift.start_minute - 4, "in"), (shift.end_minute + 3, "out")):
            at = midnight + timedelta(minutes=minute)
            if at < clock.now():
                punches.add_punch(supervisor, {"employee_no": worker.employee_no, "at": at.isoformat(),
                                               "direction": direction, "source": "clock"})
    except DomainError:
        return
