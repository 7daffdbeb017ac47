"""A confirmed nomination for the month's reward (工作突出), which the default policy asks for besides a clean
month with full attendance; tests/services/test_nominations.py tests nominating and deciding themselves."""

from __future__ import annotations

from datetime import date

from attendance.domain.scoring import month_label
from attendance.services import nominations
from tests.conftest import make_person


def confirm_reward(person, month: date, *, nominator=None, decider=None):
    nominator = nominator or make_person(["supervisor"])
    decider = decider or make_person(["manager"])
    row = nominations.nominate(nominator, person.employee_no, month_label(month), "工作突出")
    return nominations.decide(decider, row.id, "confirmed")
