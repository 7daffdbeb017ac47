"""The site's clock: server time in the site time zone (never the browser's)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SITE_TIMEZONE"])


def now() -> datetime:
    return datetime.now(site_zone())


def today() -> date:
    return now().date()
