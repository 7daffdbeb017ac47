"""Shift types (班次): their times, breaks and grace minutes, created and edited by the office."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from attendance.domain.attendance_rules import break_minutes, hhmm_to_minutes, shift_minutes
from attendance.domain.errors import N_, InvalidInput, NotFound
from attendance.domain.rotation import REST
from attendance.extensions import db
from attendance.models import Employee, ShiftType
from attendance.services import audit
from attendance.services.transaction import use_case

SHIFT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{0,15}$")

MAX_GRACE = 120

# ------------------------------------------------------------------------------- shift types


def _clean_breaks(value, span: tuple[int, int]) -> list[list[int]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):  # "12:00-14:00, 17:30-18:00" from a form
        value = [dict(zip(("start", "end"), part.split("-"), strict=False))
                 for part in re.split(r"[,;，\s]+", value.strip()) if part]
    if not isinstance(value, list):
        raise ValueError("a list of {start, end}")
    out = []
    for item in value:
        if not isinstance(item, dict) or "start" not in item or "end" not in item:
            raise ValueError("each break has a start and an end (HH:MM)")
        out.append(list(break_minutes(item["start"], item["end"], span)))
    out.sort()
    for (_, a1), (b0, _) in zip(out, out[1:], strict=False):
        if b0 < a1:
            raise ValueError("breaks overlap")
    return out


def clean_shift_type(data: dict, current: ShiftType | None = None) -> dict:
    """Check shift-type fields (every problem at once). :raise InvalidInput: naming each field."""
    errors: dict[str, str] = {}
    out: dict = {}
    if current is None:
        code = str(data.get("code") or "").strip().upper()
        if not SHIFT_CODE_RE.match(code) or code == REST:
            errors["code"] = "capital letters, digits, - and _, at most 16, not REST"
        elif db.session.scalar(select(ShiftType.id).where(ShiftType.code == code)):
            errors["code"] = "already exists"
        out["code"] = code
    if "name" in data or current is None:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 100:
            errors["name"] = "required, at most 100 characters"
        out["name"] = name
    span = (current.start_minute, current.end_minute) if current else None
    if "start" in data or "end" in data or current is None:
        start = data.get("start", current.start if current else None)
        end = data.get("end", current.end if current else None)
        span = None
        for name, value in (("start", start), ("end", end)):
            try:
                hhmm_to_minutes(str(value or ""))
            except ValueError:
                errors[name] = "not a time (HH:MM)"
        if not errors.keys() & {"start", "end"}:
            try:
                span = shift_minutes(str(start), str(end))
                out["start_minute"], out["end_minute"] = span
            except ValueError as exc:
                errors["start" if "start" in str(exc) else "end"] = str(exc)
    if span is not None and ("breaks" in data or "start" in data or "end" in data):
        raw = data.get("breaks", current.break_list if current else None)
        try:
            out["breaks"] = _clean_breaks(raw, span)
        except ValueError as exc:
            errors["breaks"] = str(exc)
    if "grace_minutes" in data:
        grace = data["grace_minutes"]
        if grace in (None, ""):
            out["grace_minutes"] = None
        else:
            try:
                grace = int(grace) if not isinstance(grace, bool) else -1
            except (TypeError, ValueError):
                grace = -1
            if not 0 <= grace <= MAX_GRACE:
                errors["grace_minutes"] = f"a whole number from 0 to {MAX_GRACE}, or empty"
            out["grace_minutes"] = grace
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "true or false"
        out["active"] = data["active"]
    if errors:
        raise InvalidInput(N_("invalid shift type: %(problems)s",
                              problems=", ".join(f"{k}: {v}" for k, v in errors.items())),
                           fields=errors)
    return out


def list_shift_types(include_inactive: bool = False) -> list[ShiftType]:
    stmt = select(ShiftType).order_by(ShiftType.start_minute, ShiftType.code)
    if not include_inactive:
        stmt = stmt.where(ShiftType.active.is_(True))
    return list(db.session.scalars(stmt))


def get_shift_type(code: str) -> ShiftType:
    row = db.session.scalar(select(ShiftType).where(ShiftType.code == str(code).strip().upper()))
    if row is None:
        raise NotFound(N_("no shift type %(code)s", code=code))
    return row


@use_case
def save_shift_type(actor: Employee | None, data: dict, code: str | None = None) -> ShiftType:
    """Create a shift type (``code`` None) or change one. A change applies to days evaluated from now on."""
    row = get_shift_type(code) if code else None
    clean = clean_shift_type(data, row)
    if row is None:
        row = ShiftType(active=True, breaks=[])
        db.session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    db.session.flush()
    audit.record(actor, "shift_type.create" if code is None else "shift_type.update", "shift_type", row.code,
                 **{k: str(v) for k, v in clean.items()})
    return row


def shift_types_by_code(codes: Iterable[str]) -> dict[str, ShiftType]:
    """Active shift types by code. :raise InvalidInput: for a code that is unknown or retired."""
    wanted = {c for c in codes if c != REST}
    found = {s.code: s for s in db.session.scalars(select(ShiftType).where(ShiftType.code.in_(wanted)))}
    unknown = sorted(c for c in wanted if c not in found or not found[c].active)
    if unknown:
        raise InvalidInput(N_("unknown shift type: %(codes)s", codes=", ".join(unknown)),
                           fields={"shift": N_("unknown shift type")})
    return found
