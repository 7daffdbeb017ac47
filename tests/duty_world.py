"""The team the duty pages' tests share (issue 18: meetings, work reports, the handover book): 热线一组 (T1) with
its lead and two staff members who can sign in, and the check that each role reaches exactly the pages it
should. One place, so the three page modules build the same world the same way.
"""

from __future__ import annotations

from datetime import date

from attendance.extensions import db
from tests.conftest import login, make_person, make_team


def duty_team(clock=None, *, hire_date: date | None = None) -> dict:
    """T1 with ``lead`` (lead and staff) and two staff members, ``a`` and ``b`` — each with a username to sign
    in with. ``hire_date``: when they all started (a work report owed from before it is not theirs)."""
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    a, b = make_person(["staff"], team), make_person(["staff"], team)
    if hire_date is not None:
        for person in (lead, a, b):
            person.hire_date = hire_date
        db.session.commit()
    return {"team": team, "lead": lead, "a": a, "b": b, "clock": clock}


def check_role_reach(client, role: str, pages: list[tuple[str, str, set[str]]]) -> None:
    """Signed in with only ``role`` (staff and leads in a team), each of ``pages`` (method, path with ``{id}``,
    the roles allowed) answers 403 exactly when the role is not allowed, and never a 500."""
    team = make_team("T9", "九组")
    login(client, make_person([role], team if role in ("staff", "lead") else None))
    for method, path, roles in pages:
        status = client.open(path.format(id=999999), method=method, data={}).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)
        assert status < 500, (role, method, path, status)
