"""Personal-data pages (issue 14 items 5–6): my data as a download; HR's list of who viewed sensitive files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.domain import dates
from attendance.domain.errors import PolicyInvalid
from attendance.domain.policy import ROLES, RetentionPolicy, default_policy_document, parse_policy, policy_to_document
from attendance.extensions import db
from attendance.models import AuditEvent, LeaveRequest, Violation
from attendance.services import discipline, leave, privacy
from tests.conftest import login, make_person, make_team
from tests.images import PNG
from tests.leave_world import MONDAY, Clock, approved, build

# (method, path, roles allowed)
PAGES = [
    ("GET", "/me/export.zip", set(ROLES)),
    ("GET", "/privacy/sensitive-views", {"hr", "admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_privacy_pages_it_should(client, app, role):
    team = make_team("T1", "热线一组")
    caller = make_person([role], team if role in ("staff", "lead") else None)
    login(client, caller)
    for method, path, roles in PAGES:
        response = client.open(path, method=method)
        if role in roles:
            assert response.status_code == 200, (role, method, path, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, path, response.status_code)


def test_without_a_session_the_privacy_pages_send_you_to_login(client, app):
    for method, path, _roles in PAGES:
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- sensitive files: every view recorded, HR's list, deletion once the retention period is over ---------


@pytest.fixture
def photo_world(app):
    team = make_team("T2", "投诉组")
    lead = make_person(["lead", "staff"], team, name="组长")
    staff = make_person(["staff"], team, name="张丽")
    v = discipline.record_violation(lead, employee=staff, rule_code="PHONE",
                                    occurred_at=clock.now() - timedelta(hours=1),
                                    evidence=("photo.png", PNG, "image/png"))
    return {"team": team, "lead": lead, "staff": staff, "violation": v, "hr": make_person(["hr"], name="周人事")}


def test_every_view_of_a_photo_is_recorded_and_hr_sees_who_viewed_which_file_when(client, photo_world):
    v, staff = photo_world["violation"], photo_world["staff"]
    login(client, staff)
    assert client.get(f"/violations/{v.id}/evidence").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "violation.evidence.view")).all()
    assert [(e.actor_id, e.entity_key, e.details["sha256"]) for e in events] == [
        (staff.id, str(v.id), v.evidence_sha256)]
    assert client.get("/privacy/sensitive-views").status_code == 403
    login(client, photo_world["hr"])
    html = client.get("/privacy/sensitive-views").get_data(as_text=True)
    assert "张丽" in html and staff.employee_no in html and f"/violations/{v.id}" in html
    assert v.evidence_sha256[:12] in html


def test_an_expired_photo_is_deleted_the_row_says_so_and_the_ledger_still_verifies(client, runner, photo_world):
    v = photo_world["violation"]
    file = Path(client.application.instance_path) / v.evidence_path
    sha, path = v.evidence_sha256, v.evidence_path
    assert file.is_file()
    last_kept_day = dates.add_months(clock.today(), 25) - timedelta(days=1)  # 24 whole months after this one
    first_gone_day = dates.add_months(clock.today(), 25)
    assert privacy.apply_retention(None, last_kept_day) == []
    dry = runner.invoke(args=["retention", "apply", "--dry-run", "--date", first_gone_day.isoformat()])
    assert dry.exit_code == 0 and f"photo {v.id}" in dry.output and "would delete: 1 photos" in dry.output
    assert file.is_file()
    done = runner.invoke(args=["retention", "apply", "--date", first_gone_day.isoformat()])
    assert done.exit_code == 0 and "deleted: 1 photos" in done.output, done.output
    assert not file.exists()
    db.session.expire_all()
    row = db.session.get(Violation, v.id)
    assert (row.evidence_sha256, row.evidence_path, row.evidence_removed_reason) == (sha, path, "retention")
    assert row.evidence_removed_at is not None
    assert privacy.apply_retention(None, first_gone_day) == []  # done once
    login(client, photo_world["staff"])
    html = client.get(f"/violations/{v.id}").get_data(as_text=True)
    assert "已按保留期限删除" in html and f"/violations/{v.id}/evidence" not in html
    assert client.get(f"/violations/{v.id}/evidence").status_code == 404
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0, verified.output


def test_the_retention_setting_is_policy_data_read_and_checked():
    doc = default_policy_document()
    assert parse_policy(doc).retention == RetentionPolicy(24, 24)
    doc["retention"] = {"photos_months": 6, "certificates_months": 36}
    policy = parse_policy(doc)
    assert policy.retention == RetentionPolicy(6, 36)
    assert policy_to_document(policy)["retention"] == {"photos_months": 6, "certificates_months": 36,
                                                       "work_report_files_months": 24}
    doc["retention"] = {"photos_months": 0, "certificates_months": "x", "work_report_files_months": -1}
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(doc)
    assert sorted(p for p, _ in caught.value.problems) == ["retention.certificates_months", "retention.photos_months",
                                                           "retention.work_report_files_months"]
    doc["retention"] = {"work_report_files_months": 12}
    assert parse_policy(doc).retention == RetentionPolicy(24, 24, 12)
    assert privacy.retention_cutoff(date(2026, 4, 1), 24) == date(2024, 4, 1)
    assert privacy.retention_cutoff(date(2026, 3, 31), 24) == date(2024, 3, 1)


def test_an_expired_leave_certificate_is_deleted_and_the_leave_page_says_so(client, app, monkeypatch):
    fixed = Clock()
    monkeypatch.setattr(clock, "now", fixed)
    world = build()
    staff = world["crew"][0]
    request = approved(world, staff, "sick", MONDAY)
    leave.add_certificate(staff, request.id, ("note.pdf", b"%PDF-1.4 hospital note", "application/pdf"))
    row = db.session.scalar(select(LeaveRequest).where(LeaveRequest.request_id == request.id))
    file, sha = Path(app.instance_path) / row.certificate_path, row.certificate_sha256
    assert file.is_file()
    login(client, staff)
    with client.get(f"/leave/{request.id}/certificate") as seen:
        assert seen.status_code == 200
    gone = privacy.apply_retention(None, date(2028, 12, 1))  # November 2026 + 24 whole months
    assert [(f.kind, f.record_id, f.sha256) for f in gone] == [("certificate", request.id, sha)]
    assert not file.exists()
    db.session.expire_all()
    row = db.session.scalar(select(LeaveRequest).where(LeaveRequest.request_id == request.id))
    assert (row.certificate_sha256, row.certificate_removed_reason) == (sha, "retention")
    assert row.counted_as == "sick"  # it was brought: the leave still counts as sick leave
    html = client.get(f"/leave/{request.id}").get_data(as_text=True)
    assert "已按保留期限删除" in html
    assert client.get(f"/leave/{request.id}/certificate").status_code == 404


# --- work reports' files: deleted after retention.work_report_files_months, and in the person's own copy -----


def test_a_work_report_file_is_in_the_own_copy_then_deleted_by_retention_and_the_report_says_so(client, app, runner):
    import io
    import json
    import zipfile

    from attendance.models import WorkReport
    from attendance.services import work_reports

    team = make_team("T3", "热线三组")
    staff = make_person(["staff"], team, name="李娜")
    other = make_person(["staff"], team, name="王芳")
    row = work_reports.hand_in(staff, {"kind": "weekly", "text": "本周小结"}, ("周报.pdf", b"%PDF-1.4 mine", "x"))
    work_reports.hand_in(other, {"kind": "weekly", "text": "别人的"}, ("other.pdf", b"%PDF-1.4 other", "x"))
    rid, sha, path = row.id, row.file_sha256, row.file_path
    file = Path(app.instance_path) / path
    login(client, staff)
    got = client.get("/me/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(got.data))
    assert archive.read(f"files/work_reports/{rid}-周报.pdf") == b"%PDF-1.4 mine"
    assert not any("other" in n for n in archive.namelist())  # nobody else's file
    reports = json.loads(archive.read("data/work_reports.json"))
    assert [(r["id"], r["body"], r["file_sha256"]) for r in reports] == [(rid, "本周小结", sha)]
    assert "file_path" not in reports[0]  # where it sits on the server is not theirs to know
    last_kept_day = dates.add_months(clock.today(), 25) - timedelta(days=1)  # 24 whole months after this one
    assert [f.kind for f in privacy.apply_retention(None, last_kept_day)] == []
    done = runner.invoke(args=["retention", "apply", "--date", dates.add_months(clock.today(), 25).isoformat()])
    assert done.exit_code == 0 and "deleted: 0 photos, 0 certificates, 2 report files" in done.output, done.output
    assert not file.exists()
    db.session.expire_all()
    kept = db.session.get(WorkReport, rid)
    assert (kept.body, kept.file_sha256, kept.file_path) == ("本周小结", sha, path)
    assert kept.file_removed_reason == "retention" and kept.file_removed_at is not None
    html = client.get(f"/work-reports/{rid}").get_data(as_text=True)
    assert "保留期限" in html and f"/work-reports/{rid}/file" not in html
    assert client.get(f"/work-reports/{rid}/file").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(client.get("/me/export.zip").data))
    assert not any(n.startswith("files/") for n in archive.namelist())
    assert json.loads(archive.read("data/work_reports.json"))[0]["file_removed_reason"] == "retention"
