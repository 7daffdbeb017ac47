"""Grooming checks: the whole team at once, violations once, corrections, roster, reach, insight."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import GroomingCheck, GroomingFailure, LedgerEntry, RosterEntry, ShiftType, Violation
from attendance.reporting.grooming_charts import failed_items_png
from attendance.services import discipline
from attendance.services import grooming as service
from tests.conftest import make_person, make_team
from tests.images import PNG
from tests.policies import add_published, publish_grooming_per_item


@pytest.fixture
def per_item(app):
    """One violation per failed item (the policy setting ``grooming.violation_per: item``)."""
    publish_grooming_per_item()


@pytest.fixture
def crew(app):
    """Team T1: a lead and 12 staff; team T2 with its own lead and one member."""
    t1 = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], t1)
    staff = [make_person(["staff"], t1) for _ in range(12)]
    t2 = make_team("T2", "投诉组")
    lead2 = make_person(["lead", "staff"], t2)
    other = make_person(["staff"], t2)
    return {"t1": t1, "lead": lead, "staff": staff, "t2": t2, "lead2": lead2, "other": other}


def _entries(staff, fails=None, absent=()):
    fails = fails or {}
    return [service.Entry(p.employee_no, absent=p.employee_no in absent,
                          failed={code: "" for code in fails.get(p.employee_no, ())}) for p in staff]


def _grooming_violations():
    return list(db.session.scalars(select(Violation).where(Violation.source == "grooming").order_by(Violation.id)))


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_team_check_of_twelve_raises_exactly_three_grooming_violations_and_none_for_the_absent(crew, per_item):
    a, b, c = crew["staff"][:3]
    today = clock.today()
    result = service.submit_team(
        crew["lead"], "T1", today, None,
        _entries(crew["staff"], {a.employee_no: ["UNIFORM", "BADGE"], b.employee_no: ["NAILS"]},
                 absent={c.employee_no}))
    assert result.changed == 12 and not result.replayed
    violations = _grooming_violations()
    assert len(violations) == 3 == len(result.raised)
    assert {v.employee_id for v in violations} == {a.id, b.id}
    assert all(v.rule_code == "GROOMING" and v.fine == Decimal("10.00") and v.step == 1 for v in violations)
    assert sorted(v.occurrence for v in violations if v.employee_id == a.id) == [1, 2]
    assert [v.occurrence for v in violations if v.employee_id == b.id] == [1]
    assert {v.source_ref for v in violations} == {
        f"grooming:{a.employee_no}:{today}:UNIFORM", f"grooming:{a.employee_no}:{today}:BADGE",
        f"grooming:{b.employee_no}:{today}:NAILS"}
    assert _count(LedgerEntry, LedgerEntry.kind == "fine") == 3
    absent = db.session.scalar(select(GroomingCheck).where(GroomingCheck.employee_id == c.id))
    assert absent.status == "absent" and absent.failures == []
    assert _count(GroomingCheck) == 12 and _count(GroomingFailure) == 3


def test_the_same_form_sent_twice_records_the_check_once(crew):
    a = crew["staff"][0]
    entries = _entries(crew["staff"], {a.employee_no: ["HAIR"]})
    first = service.submit_team(crew["lead"], "T1", clock.today(), None, entries, form_token="tok-12345678")
    again = service.submit_team(crew["lead"], "T1", clock.today(), None,
                                _entries(crew["staff"], {a.employee_no: ["HAIR"]}), form_token="tok-12345678")
    assert not first.replayed and again.replayed
    assert _count(GroomingCheck) == 12 and len(_grooming_violations()) == 1
    assert [v.id for v in again.raised] == [v.id for v in first.raised]


def test_resubmitting_an_unchanged_check_stores_nothing_new(crew):
    a = crew["staff"][0]
    service.submit_team(crew["lead"], "T1", clock.today(), None, _entries(crew["staff"], {a.employee_no: ["HAIR"]}))
    again = service.submit_team(crew["lead"], "T1", clock.today(), None,
                                _entries(crew["staff"], {a.employee_no: ["HAIR"]}))
    assert again.changed == 0 and again.raised == []
    assert _count(GroomingCheck) == 12 and len(_grooming_violations()) == 1


def test_a_correction_supersedes_the_old_check_and_reverses_only_what_it_removes(crew, per_item):
    a = crew["staff"][0]
    lead = crew["lead"]
    service.submit_team(lead, "T1", clock.today(), None, _entries([a], {a.employee_no: ["UNIFORM", "SHOES"]}))
    before = {v.source_ref.rsplit(":", 1)[1]: v for v in _grooming_violations()}
    result = service.submit_team(lead, "T1", clock.today(), None,
                                 _entries([a], {a.employee_no: ["SHOES", "HAIR"]}))
    outcome = result.outcomes[0]
    assert [v.id for v in outcome.reversed] == [before["UNIFORM"].id]
    assert [v.source_ref.rsplit(":", 1)[1] for v in outcome.raised] == ["HAIR"]
    assert outcome.check.failed_codes == ["SHOES", "HAIR"]
    kept = next(f for f in outcome.check.failures if f.item_code == "SHOES")
    assert kept.violation_id == before["SHOES"].id
    db.session.refresh(before["UNIFORM"])
    assert before["UNIFORM"].reversed_at is not None
    old = outcome.superseded
    assert old.superseded_at is not None and old.superseded_by_id == lead.id
    assert old.failed_codes == ["UNIFORM", "SHOES"]
    assert _count(LedgerEntry, LedgerEntry.kind == "reversal") == 1
    person, rows = service.history(lead, a.employee_no)
    assert [r.id for r in rows] == [outcome.check.id, old.id]


def test_marking_someone_absent_afterwards_reverses_their_violations(crew, per_item):
    a = crew["staff"][0]
    service.submit_team(crew["lead"], "T1", clock.today(), None, _entries([a], {a.employee_no: ["UNIFORM", "NAILS"]}))
    result = service.submit_team(crew["lead"], "T1", clock.today(), None, _entries([a], absent={a.employee_no}))
    assert len(result.reversed) == 2
    assert all(v.reversed_at is not None for v in _grooming_violations())
    assert result.outcomes[0].check.status == "absent"


def test_failing_an_item_again_after_its_violation_was_reversed_raises_a_new_one(crew):
    a = crew["staff"][0]
    lead = crew["lead"]
    service.submit_team(lead, "T1", clock.today(), None, _entries([a], {a.employee_no: ["HAIR"]}))
    service.submit_team(lead, "T1", clock.today(), None, _entries([a]))
    result = service.submit_team(lead, "T1", clock.today(), None, _entries([a], {a.employee_no: ["HAIR"]}))
    assert len(result.raised) == 1
    assert [v.reversed_at is None for v in _grooming_violations()] == [False, True]


def test_a_violation_overturned_on_appeal_is_not_raised_again_by_a_later_correction(crew):
    a = crew["staff"][0]
    supervisor = make_person(["supervisor"])
    lead = crew["lead"]
    first = service.submit_team(lead, "T1", clock.today(), None, _entries([a], {a.employee_no: ["HAIR"]}))
    violation = first.raised[0]
    appeal = discipline.file_appeal(a, violation.id, "my hair was tied")
    discipline.decide_appeal(supervisor, appeal.id, "overturned", "the photo shows it tied")
    result = service.submit_team(lead, "T1", clock.today(), None,
                                 [service.Entry(a.employee_no, failed={"HAIR": ""}, note="seen again")])
    assert result.raised == [] and len(_grooming_violations()) == 1
    assert result.outcomes[0].check.failures[0].violation_id == violation.id


def test_each_item_raises_the_rule_it_names_and_escalates_on_that_ladder(crew):
    doc = copy.deepcopy(default_policy_document())
    doc["version"], doc["effective_from"] = "test", (clock.today() - timedelta(days=10)).isoformat()
    for item in doc["grooming"]["items"]:
        if item["code"] == "BADGE":
            item["rule"] = "DRESS_CODE"  # warning → 10 → 20
    add_published(doc)
    a = crew["staff"][0]
    days = [clock.today() - timedelta(days=n) for n in (2, 1, 0)]
    steps = []
    for day in days:
        result = service.submit_team(crew["lead"], "T1", day, None, _entries([a], {a.employee_no: ["BADGE"]}))
        steps.append((result.raised[0].rule_code, result.raised[0].sanction, result.raised[0].fine))
    assert steps == [("DRESS_CODE", "warning", Decimal("0.00")), ("DRESS_CODE", "fine", Decimal("10.00")),
                     ("DRESS_CODE", "fine", Decimal("20.00"))]


def test_items_limited_to_other_teams_or_retired_are_not_listed_and_are_refused(crew):
    doc = copy.deepcopy(default_policy_document())
    doc["version"], doc["effective_from"] = "teams", (clock.today() - timedelta(days=1)).isoformat()
    for item in doc["grooming"]["items"]:
        if item["code"] == "SCARF":
            item["teams"] = ["T2"]
        if item["code"] == "MAKEUP":
            item["active"] = False
    doc["grooming"]["items"].insert(0, {"code": "HEADSET", "kind": "workstation", "rule": "GROOMING",
                                        "name": {"zh": "耳麦完好", "en": "Headset in order"}})
    add_published(doc)
    roll = service.roll(crew["lead"], "T1")
    codes = [i.code for i in roll.items]
    assert codes[0] == "HEADSET" and "SCARF" not in codes and "MAKEUP" not in codes
    assert "SCARF" in [i.code for i in service.roll(crew["lead2"], "T2").items]
    a = crew["staff"][0]
    for code in ("SCARF", "MAKEUP", "NOPE"):
        with pytest.raises(InvalidInput) as err:
            service.submit_team(crew["lead"], "T1", clock.today(), None, _entries([a], {a.employee_no: [code]}))
        assert f"people.{a.employee_no}.items.{code}" in err.value.fields
    assert _count(GroomingCheck) == 0


def test_a_lead_checks_only_their_own_team_and_never_themselves(crew):
    lead, other = crew["lead"], crew["other"]
    with pytest.raises(Forbidden):
        service.roll(lead, "T2")
    with pytest.raises(Forbidden):
        service.submit_team(lead, "T2", clock.today(), None, _entries([other]))
    with pytest.raises(Forbidden):
        service.submit_team(lead, "T1", clock.today(), None, _entries([other]))
    with pytest.raises(Forbidden):
        service.submit_check(lead, {"employee_no": other.employee_no, "date": clock.today().isoformat()})
    with pytest.raises(Forbidden):
        service.submit_check(lead, {"employee_no": lead.employee_no, "date": clock.today().isoformat()})
    assert lead.id not in [p.id for p in service.roll(lead, "T1").people]
    assert _count(GroomingCheck) == 0


def test_staff_cannot_check_anyone_and_supervisors_check_any_team(crew):
    staff = crew["staff"][0]
    with pytest.raises(Forbidden):
        service.roll(staff, "T1")
    with pytest.raises(Forbidden):
        service.submit_check(staff, {"employee_no": crew["staff"][1].employee_no, "date": clock.today().isoformat()})
    supervisor = make_person(["supervisor"])
    assert [t.code for t in service.checkable_teams(supervisor)] == ["T1", "T2"]
    outcome = service.submit_check(supervisor, {"employee_no": crew["other"].employee_no,
                                                "date": clock.today().isoformat(), "items": {"HAIR": "fail"}})
    assert outcome.changed and len(outcome.raised) == 1


def test_bad_input_is_refused_with_the_field_named(crew):
    a = crew["staff"][0]
    lead = crew["lead"]
    today = clock.today().isoformat()
    cases = [
        ({"employee_no": a.employee_no, "date": "2026-02-30"}, InvalidInput, "date"),
        ({"employee_no": a.employee_no, "date": (clock.today() + timedelta(days=1)).isoformat()}, InvalidInput,
         "date"),
        ({"employee_no": a.employee_no, "date": today, "items": {"UNIFORM": "maybe"}}, InvalidInput,
         "items.UNIFORM"),
        ({"employee_no": a.employee_no, "date": today, "shift": "NOPE"}, InvalidInput, "shift"),
        ({"employee_no": a.employee_no, "date": today, "status": "absent", "items": {"HAIR": "fail"}},
         InvalidInput, "items"),
        ({"employee_no": a.employee_no, "date": today, "items": {"HAIR": "fail"}, "notes": {"NAILS": "x"}},
         InvalidInput, "notes.NAILS"),
        ({"employee_no": a.employee_no, "date": today, "notes": "x" * 501}, InvalidInput, "notes"),
        ({"employee_no": "NOBODY", "date": today}, NotFound, None),
    ]
    for data, error, field_name in cases:
        with pytest.raises(error) as err:
            service.submit_check(lead, data)
        if field_name:
            assert field_name in err.value.fields, (data, err.value.fields)
    assert _count(GroomingCheck) == 0


def test_someone_else_changing_the_check_meanwhile_is_a_conflict(crew):
    a = crew["staff"][0]
    service.submit_team(crew["lead"], "T1", clock.today(), None, _entries([a]))
    stale = service.Entry(a.employee_no, failed={"HAIR": ""}, expect_current=None, check_current=True)
    with pytest.raises(Conflict):
        service.submit_team(crew["lead"], "T1", clock.today(), None, [stale])


def test_a_refusal_for_one_person_records_nobody_of_the_team(crew):
    a, b = crew["staff"][:2]
    service.submit_team(crew["lead"], "T1", clock.today(), None, _entries([b]))
    entries = [service.Entry(a.employee_no, failed={"HAIR": ""}, check_current=True),
               service.Entry(b.employee_no, failed={"NAILS": ""}, check_current=True)]  # b was checked meanwhile
    with pytest.raises(Conflict):
        service.submit_team(crew["lead"], "T1", clock.today(), None, entries)
    db.session.commit()  # whatever the session still held would be written now
    assert _count(GroomingCheck) == 1 and _grooming_violations() == []


def test_the_roll_is_the_coming_shift_of_the_roster_or_else_every_member(crew):
    lead, staff = crew["lead"], crew["staff"]
    today = clock.today()
    assert [p.id for p in service.roll(lead, "T1").people] == [p.id for p in staff]
    early = ShiftType(code="D8", name="早班", start_minute=0, end_minute=1, breaks=[])
    late = ShiftType(code="N", name="晚班", start_minute=1439, end_minute=1440 + 600, breaks=[])
    db.session.add_all([early, late])
    db.session.flush()
    db.session.add_all([RosterEntry(employee_id=staff[0].id, day=today, shift_type_id=early.id),
                        RosterEntry(employee_id=staff[1].id, day=today, shift_type_id=late.id),
                        RosterEntry(employee_id=staff[2].id, day=today, shift_type_id=None)])
    db.session.commit()
    roll = service.roll(lead, "T1")
    assert roll.rostered and [s.code for s in roll.shifts] == ["D8", "N"]
    assert roll.shift.code == "N" and [p.id for p in roll.people] == [staff[1].id]  # D8 has ended
    assert [p.id for p in service.roll(lead, "T1", today, "D8").people] == [staff[0].id]
    result = service.submit_check(lead, {"employee_no": staff[0].employee_no, "date": today.isoformat(),
                                         "items": {"HAIR": "fail"}})
    assert result.check.shift_code == "D8"
    # The shift had begun at 00:00: that is when the failure counts.
    start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    assert result.raised[0].occurred_at == start


def test_a_check_before_the_shift_starts_counts_from_the_check_time(crew):
    a = crew["staff"][0]
    late = ShiftType(code="N", name="晚班", start_minute=1439, end_minute=1440 + 600, breaks=[])
    db.session.add(late)
    db.session.commit()
    before = clock.now()
    outcome = service.submit_check(crew["lead"], {"employee_no": a.employee_no, "date": clock.today().isoformat(),
                                                  "shift": "N", "items": {"HAIR": "fail"}})
    assert outcome.check.shift_code == "N"
    if clock.now().hour < 23 or clock.now().minute < 59:
        assert before <= outcome.raised[0].occurred_at <= clock.now()


def test_a_photo_is_kept_with_the_violation_it_proves(crew):
    a = crew["staff"][0]
    result = service.submit_team(crew["lead"], "T1", clock.today(), None, [
        service.Entry(a.employee_no, failed={"PHONE_POCKET": ""}, note="手机鼓起",
                      evidence=("p.png", PNG, "image/png"))])
    violation = result.raised[0]
    assert violation.evidence_type == "image/png" and violation.evidence_path
    assert result.outcomes[0].check.failures[0].evidence_path == violation.evidence_path
    assert "手机鼓起" in violation.note
    with pytest.raises(InvalidInput):
        service.submit_team(crew["lead"], "T1", clock.today(), None, [
            service.Entry(crew["staff"][1].employee_no, failed={"HAIR": ""},
                          evidence=("x.png", b"GIF89a", "image/png"))])


def test_staff_see_only_their_own_checks_and_leads_their_team(crew):
    a, b = crew["staff"][:2]
    service.submit_team(crew["lead"], "T1", clock.today(), None, _entries([a, b], {a.employee_no: ["HAIR"]}))
    service.submit_team(crew["lead2"], "T2", clock.today(), None, _entries([crew["other"]]))
    assert [c.employee_id for c in service.list_checks(a).items] == [a.id]
    assert {c.employee_id for c in service.list_checks(crew["lead"]).items} == {a.id, b.id}
    with pytest.raises(NotFound):
        service.history(a, b.employee_no)
    with pytest.raises(NotFound):
        service.list_checks(a, employee_no=b.employee_no)
    assert len(service.list_checks(make_person(["hr"]), team="T1", day=clock.today().isoformat()).items) == 2


def test_the_month_insight_ranks_the_most_failed_items_and_who_fails_most(crew):
    a, b, c = crew["staff"][:3]
    lead = crew["lead"]
    today = clock.today()
    # Two days of one month, neither in the future.
    second = today if today.day > 1 else today - timedelta(days=1)
    first = second - timedelta(days=1)
    month = second.strftime("%Y-%m")
    service.submit_team(lead, "T1", first, None, _entries([a, b, c], {a.employee_no: ["HAIR", "NAILS"],
                                                                      b.employee_no: ["HAIR"]}))
    service.submit_team(lead, "T1", second, None, _entries([a, b, c], {a.employee_no: ["HAIR"]},
                                                           absent={c.employee_no}))
    # A correction counts once: the current check only.
    service.submit_team(lead, "T1", second, None, _entries([a], {a.employee_no: ["HAIR"]}))
    insight = service.month_insight(lead, "T1", month)
    assert [(i.code, i.failures, i.people) for i in insight.items] == [("HAIR", 3, 2), ("NAILS", 1, 1)]
    assert [(p.employee.id, p.failures) for p in insight.people] == [(a.id, 3), (b.id, 1), (c.id, 0)]
    assert insight.checks == 6 and insight.absent == 1 and insight.failed_checks == 3
    assert insight.items[0].name.zh.startswith("发型")
    assert failed_items_png(insight).startswith(b"\x89PNG")
    with pytest.raises(Forbidden):
        service.month_insight(lead, "T2", month)
    with pytest.raises(Forbidden):
        service.month_insight(a, "T1", month)
    with pytest.raises(InvalidInput):
        service.month_insight(lead, "T1", "2026-13")


def test_the_checklist_is_the_policy_items_in_document_order(app):
    version, items = service.checklist()
    codes = [i.code for i in items]
    assert codes[:3] == ["UNIFORM", "SHOES", "BADGE"] and codes[-1] == "CHAIR_IN_PLACE"
    assert {i.kind for i in items} == {"grooming", "workstation"}
    assert all(i.rule == "GROOMING" for i in items)


def test_the_demo_department_gets_a_few_days_of_checks_once(demo):
    from attendance.demo import build_demo

    assert demo.exit_code == 0, demo.output  # the demo built once on the clean database (see conftest)
    checks = _count(GroomingCheck)
    assert checks > 0 and _count(Violation, Violation.source == "grooming") > 0
    build_demo()
    assert _count(GroomingCheck) == checks


# --- the default reads 000 §7: one violation per check and rule, desk items raise nothing -------------


def test_by_default_a_check_failing_three_items_is_one_violation_of_ten_yuan(crew):
    a = crew["staff"][0]
    result = service.submit_team(crew["lead"], "T1", clock.today(), None,
                                 _entries([a], {a.employee_no: ["UNIFORM", "SHOES", "NAILS"]}))
    [violation] = result.raised
    assert violation.rule_code == "GROOMING" and violation.fine == Decimal("10.00")
    assert violation.source_ref.endswith(":check:GROOMING")
    assert "工作服" in violation.note and "工作鞋" in violation.note  # the note names every failed item
    check = result.outcomes[0].check
    assert sorted(f.item_code for f in check.failures) == ["NAILS", "SHOES", "UNIFORM"]
    assert {f.violation_id for f in check.failures} == {violation.id}
    assert result.outcomes[0].violations == [violation]


def test_by_default_a_failed_desk_item_is_recorded_on_the_check_and_raises_nothing(crew):
    a = crew["staff"][0]
    result = service.submit_team(crew["lead"], "T1", clock.today(), None,
                                 _entries([a], {a.employee_no: ["DESK_TIDY", "CHAIR_IN_PLACE"]}))
    assert result.raised == [] and _grooming_violations() == []
    assert sorted(f.item_code for f in result.outcomes[0].check.failures) == ["CHAIR_IN_PLACE", "DESK_TIDY"]


def test_a_correction_keeps_the_shared_violation_while_any_item_still_fails_and_reverses_it_after(crew):
    a, lead = crew["staff"][0], crew["lead"]
    first = service.submit_team(lead, "T1", clock.today(), None, _entries([a], {a.employee_no: ["UNIFORM", "SHOES"]}))
    [violation] = first.raised
    kept = service.submit_team(lead, "T1", clock.today(), None, _entries([a], {a.employee_no: ["SHOES", "HAIR"]}))
    assert kept.raised == [] and kept.reversed == []
    assert {f.violation_id for f in kept.outcomes[0].check.failures} == {violation.id}
    cleared = service.submit_team(lead, "T1", clock.today(), None, _entries([a]))
    assert [v.id for v in cleared.reversed] == [violation.id]
    assert len(_grooming_violations()) == 1 and _grooming_violations()[0].reversed_at is not None
