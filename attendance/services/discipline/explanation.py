"""Why a penalty was given, in plain data (PIPL Art. 24: a person may ask for the explanation of a decision
made about them): the rule and the published version it stands on, what happened (the roster shift and the
punches, the grooming items failed, or who recorded it and why), which earlier occurrences were counted and so
which ladder step applied, and the appeal. Pages, the API and the dispute bundle render the same data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain.escalation import in_window
from attendance.domain.policy import Policy, Rule, Window, parse_policy
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    Employee,
    GroomingFailure,
    Handover,
    PolicyVersion,
    Violation,
    WorkReport,
)
from attendance.models.shifts import punches_between
from attendance.services.discipline.transfers import transfer_of
from attendance.services.discipline.violations import get_violation, notice_citation, training_days_of


@dataclass
class Explanation:
    violation: Violation
    rule: Rule | None  # None: the rule is gone from the version (never, for a stored version)
    window: Window | None
    after_ladder: str
    citation: dict  # the rule book: version, adoption, publication, the person's acknowledgement
    counted: list[dict]  # the earlier occurrences counted when it was recorded, oldest first
    source: dict  # what happened: {"kind": "attendance" | "grooming" | "manual" | ..., ...}
    appeal: dict | None
    may_appeal: bool
    extra: dict = field(default_factory=dict)

    def as_data(self) -> dict:
        """Plain JSON-able data for the API and the dispute bundle."""
        v = self.violation
        return {
            "violation": v.id, "employee_no": v.employee.employee_no, "name": v.employee.name,
            "rule": {"code": v.rule_code, "name_zh": v.rule_name_zh, "name_en": v.rule_name_en},
            "rule_book": {k: _iso(val) for k, val in self.citation.items()},
            "occurred_at": _iso(v.occurred_at), "occurrence": v.occurrence, "step": v.step,
            "sanction": v.sanction, "fine": str(v.fine), "points": v.points,
            "flagged_for_review": v.flagged_for_review,
            "window": None if self.window is None else {"days": self.window.days, "calendar": self.window.calendar},
            "counted": [{k: _iso(val) for k, val in c.items()} for c in self.counted],
            "source": {k: _iso(val) for k, val in self.source.items()},
            "appeal": None if self.appeal is None else {k: _iso(val) for k, val in self.appeal.items()},
            "may_appeal": self.may_appeal,
            "reversed_at": _iso(v.reversed_at), "reversed_reason": v.reversed_reason,
            "choice": self.extra.get("choice"), "forfeits": self.extra.get("forfeits"),
            "training_days": [_iso(d) for d in self.extra.get("training_days", [])],
            "transfer": None if self.extra.get("transfer") is None else {
                k: _iso(val) for k, val in self.extra["transfer"].items()},
        }


def _iso(value):
    if isinstance(value, datetime):
        return value.astimezone(clock.site_zone()).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return [{k: _iso(x) for k, x in item.items()} if isinstance(item, dict) else _iso(item) for item in value]
    return value


def _counted(v: Violation, window: Window | None) -> list[dict]:
    """The earlier occurrences of the rule that counted when ``v`` was recorded: recorded before it, not yet
    reversed then, inside its window. Those reversed since are marked (they no longer count)."""
    earlier = db.session.scalars(
        select(Violation).where(Violation.employee_id == v.employee_id, Violation.rule_code == v.rule_code,
                                Violation.id != v.id, Violation.recorded_at <= v.recorded_at)
        .order_by(Violation.occurred_at, Violation.id)).all()
    at = v.occurred_at.astimezone(clock.site_zone())
    out = []
    for e in earlier:
        if e.reversed_at is not None and e.reversed_at <= v.recorded_at:
            continue
        if (e.occurred_at, e.id) >= (v.occurred_at, v.id):
            continue
        if window is not None and not in_window(window, at, e.occurred_at):
            continue
        out.append({"id": e.id, "occurred_at": e.occurred_at, "occurrence": e.occurrence, "fine": str(e.fine),
                    "sanction": e.sanction, "reversed_since": e.reversed_at is not None})
    return out


def _attendance_source(v: Violation) -> dict:
    """The roster shift and the punches behind a LATE / EARLY / ABSENT (``attendance:<no>:<day>:<kind>``)."""
    try:
        _, _no, day_iso, kind = (v.source_ref or "").split(":")
        day = datetime.fromisoformat(day_iso).date()
    except ValueError:
        return {"kind": "attendance"}
    row = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == v.employee_id,
                                                         AttendanceDay.day == day)
                            .options(joinedload(AttendanceDay.shift_type)))
    zone = clock.site_zone()
    start = datetime.combine(day, time(0), zone)
    punches = punches_between([v.employee_id], start, start + timedelta(days=1, hours=6))
    st = row.shift_type if row else None
    return {"kind": "attendance", "what": kind, "day": day,
            "shift": st.code if st else None, "shift_name": st.name if st else None,
            "shift_start": f"{st.start_minute // 60:02d}:{st.start_minute % 60:02d}" if st else None,
            "shift_end": f"{st.end_minute // 60 % 24:02d}:{st.end_minute % 60:02d}" if st else None,
            "status": row.status if row else None, "late_minutes": row.late_minutes if row else 0,
            "early_minutes": row.early_minutes if row else 0,
            "in_at": row.in_at if row else None, "out_at": row.out_at if row else None,
            "punches": [p.at.astimezone(zone).strftime("%H:%M") for p in punches]}


def _grooming_source(v: Violation, policy: Policy | None) -> dict:
    failures = db.session.scalars(select(GroomingFailure).where(GroomingFailure.violation_id == v.id)
                                  .options(joinedload(GroomingFailure.check))).all()
    names = {item.code: item.name for item in policy.grooming_items} if policy else {}
    items = []
    for f in failures:
        name = names.get(f.item_code)
        items.append({"code": f.item_code, "name_zh": name.zh if name else f.item_code,
                      "name_en": name.en if name else f.item_code, "note": f.note})
    check = failures[0].check if failures else None
    checker = db.session.get(Employee, check.checked_by_id) if check and check.checked_by_id else None
    return {"kind": "grooming", "day": check.day if check else v.occurred_on,
            "shift": check.shift_code if check else None, "items": items,
            "checked_by": checker.name if checker else None, "checked_at": check.checked_at if check else None}


def _report_source(v: Violation) -> dict:
    """The report behind a REPORT_LATE (``report:<no>:<kind>:<period>``): its deadline, when it came in (none
    when it had not when judged), and when the nightly run judged it."""
    try:
        _, _no, kind, period = (v.source_ref or "").split(":")
        start = datetime.fromisoformat(period).date()
    except ValueError:
        return {"kind": "report"}
    row = db.session.scalar(select(WorkReport).where(WorkReport.employee_id == v.employee_id,
                                                     WorkReport.kind == kind, WorkReport.period_start == start))
    moved = row is not None and row.nominal_due_at is not None and row.nominal_due_at != row.due_at
    return {"kind": "report", "report_kind": kind, "period": start,
            # the rule book's deadline, when a public holiday or rest day moved it to the next working day
            "nominal_due_at": row.nominal_due_at if moved else None,
            "due_at": row.due_at if row else v.occurred_at,
            "handed_in_at": row.handed_in_at if row else None, "judged_at": row.late_raised_at if row else None}


def _handover_source(v: Violation) -> dict:
    """The handover book entry behind a SWAP_HANDOVER recorded from it (``handover:<id>:<no>``)."""
    try:
        row = db.session.get(Handover, int((v.source_ref or "").split(":")[1]))
    except (IndexError, ValueError):
        row = None
    if row is None:
        return {"kind": "handover"}
    return {"kind": "handover", "handover": row.id, "day": row.day, "written_at": row.written_at,
            "open_cases": row.open_cases, "keys": row.keys, "notes": row.notes, "empty": row.empty,
            "incoming": row.incoming.name if row.incoming else None,
            "acknowledged_at": row.acknowledged_at}


def _inspection_source(v, policy) -> dict:
    """The quality inspection that heard the forbidden phrase (质检): its record, score and the phrases heard."""
    from attendance.models import QualityInspection

    row = db.session.scalar(select(QualityInspection).where(QualityInspection.violation_id == v.id))
    if row is None:
        return {"kind": "inspection"}
    texts = {p.code: p.text for p in (*policy.service_phrases.forbidden, *policy.service_phrases.required)}
    return {"kind": "inspection", "inspection": row.id, "channel": row.channel, "reference": row.reference,
            "score": row.score, "phrases": [texts.get(c, c) for c in row.phrases or []],
            "inspector": row.inspector.name if row.inspector else None}


def explain(viewer: Employee, violation_id: int) -> Explanation:
    """The explanation of one violation, for whoever may see it. :raise NotFound: otherwise."""
    v = get_violation(viewer, violation_id)
    version = v.policy_version or db.session.get(PolicyVersion, v.policy_version_id)
    policy = parse_policy(version.document)
    rule = policy.rules.get(v.rule_code)
    window = policy.window_for(rule) if rule else None
    if v.source == "attendance":
        source = _attendance_source(v)
    elif v.source == "grooming":
        source = _grooming_source(v, policy)
    elif v.source == "report":
        source = _report_source(v)
    elif v.source == "handover":
        source = _handover_source(v)
    elif v.source == "inspection":
        source = _inspection_source(v, policy)
    else:
        source = {"kind": v.source}
    source.update(recorded_by=v.recorded_by.name if v.recorded_by else None, recorded_at=v.recorded_at,
                  note=v.note or "", evidence=v.evidence_path is not None, evidence_sha256=v.evidence_sha256)
    appeal = None
    if v.appeal is not None:
        a = v.appeal
        decider = db.session.get(Employee, a.decided_by_id) if a.decided_by_id else None
        appeal = {"id": a.id, "status": a.status, "reason": a.reason, "filed_at": a.filed_at,
                  "decided_by": decider.name if decider else None, "decided_at": a.decided_at,
                  "decision_reason": a.decision_reason}
    may_appeal = v.appeal is None and v.reversed_at is None and viewer.id == v.employee_id
    return Explanation(v, rule, window, policy.after_ladder_for(rule) if rule else policy.after_ladder,
                       notice_citation(v), _counted(v, window), source, appeal, may_appeal, _effects(v))


def _effects(v: Violation) -> dict:
    """What the sanction did besides money and points: the recorder's choice where the step offered one, the
    reward forfeited, the stand-down days, the transfer and how HR completed it."""
    out: dict = {}
    if v.offered:
        out["choice"] = {"offered": v.options, "chosen": v.sanction}
    if v.forfeits:
        out["forfeits"] = v.forfeits
    if v.sanction == "stand_down":
        out["training_days"] = training_days_of(v)
    if v.sanction == "transfer" and (t := transfer_of(v)) is not None:
        out["transfer"] = {"status": t.status, "completed_at": t.completed_at, "note": t.note,
                           "completed_by": t.completed_by.name if t.completed_by else None}
    return out
