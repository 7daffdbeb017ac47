"""The fixed clock the scenario tests share: Thursday 2026-11-05 10:00 in Shanghai, moved where a scenario
needs time to pass (``moving_clock`` in tests/conftest.py puts it in place of ``attendance.clock.now``)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI)


class Clock:
    def __init__(self):
        self.at = NOW

    def __call__(self):
        return self.at

    def on(self, day: date, hhmm: str = "10:00") -> None:
        self.at = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=SHANGHAI)
