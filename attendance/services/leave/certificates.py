"""Certificates (病假证明): checked by content, stored, brought late, seen only by whom it concerns, and the
nightly check that counts a leave without one as the policy says.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain.discipline import EVIDENCE_MAX_BYTES, sniff_image
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.extensions import db
from attendance.models import Employee, LeaveRequest, Request
from attendance.models.types import utcnow
from attendance.reporting.images import NotAnImage, clean_photo
from attendance.services import audit, notifications, people, requests
from attendance.services import policy as policy_service
from attendance.services.leave.common import TYPE_NAMES, _links, _pairs, _rejudge, _root, effective_end
from attendance.services.leave.lifecycle import _summary, is_approver
from attendance.services.leave.reading import get_leave
from attendance.services.transaction import on_rollback, use_case

CERTIFICATE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


# --- certificates (病假证明) ----------------------------------------------------------------------


def _check_certificate(upload: tuple[str, bytes, str]) -> tuple[bytes, str]:
    """The file's bytes and real type, judged by its content. :raise InvalidInput: empty, too large, or
    not a PDF or a JPEG/PNG/WebP photo."""
    _name, data, _declared = upload
    limit = current_app.config.get("CERTIFICATE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    if not data:
        raise InvalidInput(N_("The certificate file is empty."), fields={"certificate": N_("empty")})
    if len(data) > limit:
        raise InvalidInput(N_("The certificate file is too large."),
                           fields={"certificate": N_("at most %(mb)s MB",
                                                     mb=max(limit // 1048576, 1))})
    mime = "application/pdf" if data[:5] == b"%PDF-" else sniff_image(data)
    if mime not in CERTIFICATE_TYPES:
        raise InvalidInput(N_("A certificate is a PDF or a photo (JPEG, PNG or WebP)."),
                           fields={"certificate": N_("PDF, JPEG, PNG or WebP")})
    if mime == "application/pdf":
        return data, mime  # served only as a download (attachment, nosniff), never shown inline
    try:
        return clean_photo(data, mime), mime  # a photo of a sick note: kept without EXIF (GPS)
    except NotAnImage:
        raise InvalidInput(N_("A certificate is a PDF or a photo (JPEG, PNG or WebP)."),
                           fields={"certificate": N_("not a readable photo")}) from None


def _store_certificate(actor: Employee, leave: LeaveRequest, data: bytes, mime: str) -> None:
    folder = Path(current_app.instance_path) / "certificates"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{CERTIFICATE_TYPES[mime]}"
    (folder / name).write_bytes(data)
    relative = f"certificates/{name}"
    on_rollback(lambda: (Path(current_app.instance_path) / relative).unlink(missing_ok=True))
    previous = leave.certificate_sha256
    leave.certificate_path, leave.certificate_type = relative, mime
    leave.certificate_sha256 = hashlib.sha256(data).hexdigest()
    leave.certificate_at, leave.certificate_by = utcnow(), actor
    audit.record(actor, "leave.certificate", "leave", leave.request_id, sha256=leave.certificate_sha256,
                 replaces=previous)


@use_case
def add_certificate(actor: Employee, request_id: int, upload: tuple[str, bytes, str]) -> LeaveRequest:
    """``POST /leave-requests/{id}/certificate``: the person (or their lead) brings the certificate. A leave
    counted as personal for want of it counts as its own type again, and its days are judged again."""
    leave = get_leave(actor, request_id)
    if actor.id not in (leave.request.requester_id, leave.employee_id) and not (
            allowed(actor.roles, "leave.file_for") and people.can_see(actor, leave.employee)):
        raise Forbidden(N_("The certificate is brought by the person or their lead."))
    if leave.status in ("rejected", "cancelled"):
        raise Conflict(N_("This leave is rejected or cancelled."), code="already_decided")
    data, mime = _check_certificate(upload)
    requests.lock_request(request_id)
    root = _root(leave)  # one certificate for a leave and its extensions
    _store_certificate(actor, root, data, mime)
    for link in _links(root):
        if link.counted_as != link.leave_type:
            link.counted_as, link.certificate_missed_at = link.leave_type, None
            _rejudge(actor, _pairs(link, end=effective_end(link)))
    return leave


def certificate_of(leave: LeaveRequest) -> LeaveRequest:
    """The link of a leave that holds its certificate: the first (an extension shares it)."""
    return _root(leave)


def may_see_certificate(viewer: Employee, leave: LeaveRequest) -> bool:
    """The person, whoever asked, the leave's approvers and HR; nobody else (it is medical)."""
    return (viewer.id in (leave.request.requester_id, leave.employee_id) or is_approver(viewer, leave)
            or allowed(viewer.roles, "leave.certificates"))


@use_case
def certificate_file(viewer: Employee, request_id: int) -> tuple[Path, str]:
    """The stored certificate for someone allowed to see it; every view is recorded. :raise NotFound."""
    leave = get_leave(viewer, request_id)
    holder = certificate_of(leave)
    if not holder.certificate_path or holder.certificate_removed_at is not None or not may_see_certificate(
            viewer, leave):
        raise NotFound(N_("no certificate for leave %(request_id)s", request_id=request_id))
    audit.record(viewer, "leave.certificate.view", "leave", request_id, sha256=holder.certificate_sha256)
    return Path(current_app.instance_path) / holder.certificate_path, holder.certificate_type


def certificate_due(leave: LeaveRequest, policy) -> date:
    """The last day the certificate may be brought: the day of return plus the policy's days."""
    back = (leave.returned_at.astimezone(clock.site_zone()).date() if leave.returned_at
            else leave.end_day + timedelta(days=1))
    return back + timedelta(days=policy.leave.certificate_days_after_return)


@use_case
def apply_missing_certificates(actor: Employee | None = None, today: date | None = None) -> int:
    """The nightly check: an approved leave that needs a certificate and has none after its due day counts
    as the policy's ``without_certificate`` type from now on; the person and their lead are told, and its
    days are judged again. Returns how many leaves changed."""
    today = today or clock.today()
    policy = policy_service.in_force(today).policy
    if policy.leave.without_certificate == "keep":
        return 0
    needing = [t for t in LEAVE_TYPES if policy.leave.needs_certificate(t) and t != policy.leave.without_certificate]
    if not needing:
        return 0
    candidates = db.session.scalars(
        select(LeaveRequest).join(Request, Request.id == LeaveRequest.request_id)
        .options(joinedload(LeaveRequest.request), joinedload(LeaveRequest.employee))
        .where(Request.status == "approved", LeaveRequest.cancelled_at.is_(None), LeaveRequest.extends_id.is_(None),
               LeaveRequest.certificate_path.is_(None), LeaveRequest.certificate_missed_at.is_(None),
               LeaveRequest.leave_type.in_(needing), LeaveRequest.end_day < today)).all()
    changed = 0
    for root in candidates:
        links = _links(root)
        if certificate_due(links[-1], policy) >= today:
            continue
        for link in links:
            link.counted_as, link.certificate_missed_at = policy.leave.without_certificate, utcnow()
            _rejudge(actor, _pairs(link, end=effective_end(link)))
        audit.record(actor, "leave.certificate_missed", "leave", root.request_id, counted_as=root.counted_as)
        told = {root.employee_id} | set(notifications.people_with_role("lead", team_id=root.employee.team_id))
        message, params = _summary(root.request)
        notifications.notify(told, "leave_certificate_missed",
                             N_("No certificate: %(what)s now counts as %(as)s"), "",
                             params={**params, "what_id": message, "as_id": TYPE_NAMES[root.counted_as],
                                     "name": root.employee.name}, link=f"/leave/{root.request_id}")
        changed += 1
    return changed
