"""Demo grooming checks: each team's lead checked the team on the last few days, a few items failed."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, GroomingCheck, Team
from attendance.services import grooming as service

DAYS = 5
FAIL_RATE = 0.12  # share of people failing one item on a day
ABSENT_RATE = 0.03
LIKELY = ("BADGE", "HAIR", "NAILS", "DESK_TIDY", "PHONE_POCKET", "UNIFORM")  # what fails most in practice


def build_grooming_demo(seed: int = 7) -> int:
    """Record the demo checks once (nothing when any check exists). Returns how many were recorded."""
    if db.session.scalar(select(GroomingCheck.id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)
    recorded = 0
    teams = db.session.scalars(select(Team).where(Team.active.is_(True), Team.lead_id.is_not(None))
                               .order_by(Team.code)).all()
    for team in teams:
        lead = db.session.get(Employee, team.lead_id)
        for back in range(DAYS, 0, -1):
            day = clock.today() - timedelta(days=back)
            try:
                roll = service.roll(lead, team.code, day)
            except DomainError:  # no policy in force that day, or the lead may not check: no demo for it
                continue
            codes = [i.code for i in roll.items]
            likely = [c for c in LIKELY if c in codes] or codes
            entries = []
            for person in roll.people:
                entry = service.Entry(person.employee_no)
                roll_die = rng.random()
                if roll_die < ABSENT_RATE:
                    entry.absent = True
                elif roll_die < ABSENT_RATE + FAIL_RATE and likely:
                    entry.failed = {rng.choice(likely if rng.random() < 0.8 else codes): ""}
                entries.append(entry)
            if entries:
                result = service.submit_team(lead, team.code, day, roll.shift.code if roll.shift else None, entries)
                recorded += result.changed
    return recorded
