"""Reading and validating a policy document (the YAML/JSON shape in docs/api.md): every problem is noted
with its path, not just the first. Also the shipped default policy file."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import yaml

from attendance.domain import dates
from attendance.domain.errors import N_, PolicyInvalid
from attendance.domain.meetings import BadMeetingSettings, meeting_times
from attendance.domain.money import read_money
from attendance.domain.policy.model import (
    AFTER_LADDER,
    ATTENDANCE_EVENTS,
    CALENDAR_WINDOWS,
    DEFAULT_AFTER_LADDER,
    DEFAULT_AWARD_KINDS,
    DEFAULT_CATEGORY,
    DEFAULT_CURRENCY,
    DEFAULT_GROOMING_RULE,
    DEFAULT_LEAVE_TYPES,
    DEFAULT_PAY_TREATMENT,
    DEFAULT_SCORE_BASE,
    DEFAULT_SCORE_FLOOR,
    DEFAULT_TIMEZONE,
    DEFAULT_WINDOW,
    GROOMING_KINDS,
    GROOMING_VIOLATION_PER,
    LEAVE_TYPES,
    PAY_TREATMENTS,
    PENDING_NOMINATIONS,
    REQUIRED_ATTENDANCE_EVENTS,
    REVIEWS,
    ROLES,
    SANCTIONS,
    STEP_SANCTIONS,
    AnnualLeaveTier,
    AttendancePolicy,
    AwardKind,
    CorrectionPolicy,
    CoverPolicy,
    CoverRule,
    DeductionPolicy,
    ExtraShiftPolicy,
    GroomingItem,
    GroomingSettings,
    LeaveChain,
    LeavePolicy,
    LeaveTypeSettings,
    Name,
    Policy,
    RetentionPolicy,
    Reward,
    Rule,
    ServicePhrase,
    ServicePhrasePolicy,
    StandDownPolicy,
    Step,
    SwapPolicy,
    Window,
)
from attendance.domain.work_reports import BadReportSettings, report_policy

# libyaml when the wheel has it: the default policy then loads about ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_LOWER_NAME = re.compile(r"[a-z][a-z0-9_]*")
_CURRENCY = re.compile(r"[A-Z]{3}")


# ---------------------------------------------------------------- parsing

FINE_WORD = "罚款"  # what a name may not say under pay_treatment performance_pay
DEFAULT_POLICY_FILE = Path(__file__).resolve().parents[2] / "policy" / "default_policy.yaml"


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # The IANA names of the tz database (no "posix/…", "right/…" or "localtime" aliases of the host).
    return frozenset(available_timezones()) - {"localtime"}


def _key(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _one_of(options: tuple[str, ...]) -> str:
    return "must be one of: " + ", ".join(options)


class _Reader:
    """Reads a policy document, noting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    # -- shapes

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...] | dict, required: tuple[str, ...] = ()):
        """``value`` if it is a mapping; notes unknown and missing keys (a key given as null is missing)."""
        if not isinstance(value, dict):
            self.bad(path, N_("must be a mapping"))
            return None
        for key in value:
            if key not in allowed:
                self.bad(_key(path, key), N_("unknown key"))
        for key in required:
            if value.get(key) is None:
                self.bad(_key(path, key), N_("required"))
        return value

    def fields(self, value: Any, path: str, spec: dict[str, Callable[[Any, str], Any]], required=()):
        """The checked values of the keys present in a mapping (None when it is not a mapping)."""
        given = self.mapping(value, path, spec, required)
        if given is None:
            return None
        return {
            key: check(given[key], _key(path, key))
            for key, check in spec.items()
            if given.get(key) is not None
        }

    def sequence(self, value: Any, path: str, *, what: str = "item") -> list | None:
        if not isinstance(value, list):
            self.bad(path, N_("must be a list"))
            return None
        if not value:
            self.bad(path, f"must have at least one {what}")
            return None
        return value

    # -- scalars

    def integer(self, value: Any, path: str, low: int | None = None, high: int | None = None) -> int | None:
        if low is not None and high is not None:
            message = f"must be a whole number from {low} to {high}"
        elif low == 0:
            message = "must be a whole number, 0 or more"
        elif low is not None:
            message = f"must be a whole number, {low} or more"
        else:
            message = "must be a whole number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            self.bad(path, message)
            return None
        return value

    def count(self, value: Any, path: str) -> int | None:
        return self.integer(value, path, low=0)

    def points(self, value: Any, path: str) -> int | None:
        return self.integer(value, path, low=0, high=100)

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.bad(path, N_("must be true or false"))
            return None
        return value

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.bad(path, N_("must be text"))
            return None
        if not value.strip():
            self.bad(path, N_("must not be empty"))
            return None
        return value

    def choice(self, value: Any, path: str, options: tuple[str, ...]) -> str | None:
        if not isinstance(value, str) or value not in options:
            self.bad(path, _one_of(options))
            return None
        return value

    def role(self, value: Any, path: str) -> str | None:
        return self.choice(value, path, ROLES)

    def code(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not _CODE.fullmatch(value):
            self.bad(path, N_("must be upper-case letters, digits and _, like LATE"))
            return None
        return value

    def lower_name(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not _LOWER_NAME.fullmatch(value):
            self.bad(path, N_("must be lower-case letters, digits and _, like full_attendance"))
            return None
        return value

    def money(self, value: Any, path: str, *, positive: bool = False) -> Decimal | None:
        # Money is a quoted string ("10.00") or a whole number (10); a float is refused,
        # because an unquoted YAML 10.50 arrives as the float 10.5 and the API never
        # carries money as floats. More than two decimal places are refused, not rounded.
        try:
            amount = read_money(value)
        except ValueError as exc:
            self.bad(path, str(exc))
            return None
        if positive and amount <= 0:
            self.bad(path, N_("must be above 0"))
            return None
        if amount < 0:
            self.bad(path, N_("must be 0 or more"))
            return None
        return amount

    def number(self, value: Any, path: str, *, low: Decimal, high: Decimal | None = None, above_low=False):
        # A plain quantity that is not money (days, a percentage): a whole number, a
        # string, or a float such as 0.5 (read through its shortest text, so 0.5 is exactly 0.5).
        message = f"must be a number above {low}" if above_low else f"must be a number, {low} or more"
        if high is not None:
            message = f"must be a number from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self.bad(path, message)
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.bad(path, message)
            return None
        if (
            not number.is_finite()
            or number < low
            or (above_low and number == low)
            or (high is not None and number > high)
        ):
            self.bad(path, message)
            return None
        return number

    def day(self, value: Any, path: str) -> date | None:
        day = None
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                pass
        if day is None:
            self.bad(path, N_("not a date (YYYY-MM-DD)"))
        elif not dates.in_range(day):
            self.bad(path, dates.OUT_OF_RANGE)
            day = None
        return day

    def timezone(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or value not in _known_time_zones():
            self.bad(path, N_("not a known IANA time zone, like Asia/Shanghai"))
            return None
        return value

    def currency(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
            self.bad(path, N_("must be a 3-letter currency code, like CNY"))
            return None
        return value

    def version(self, value: Any, path: str) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(value, path)

    # -- compound values

    def name(self, value: Any, path: str) -> Name | None:
        got = self.fields(value, path, {"zh": self.text, "en": self.text}, required=("zh", "en"))
        return None if got is None else Name(zh=got.get("zh"), en=got.get("en"))

    def window(self, value: Any, path: str) -> Window | None:
        given = self.mapping(value, path, ("days", "calendar"))
        if given is None:
            return None
        present = [key for key in ("days", "calendar") if given.get(key) is not None]
        if len(present) != 1:
            self.bad(path, N_("give exactly one of: days, calendar"))
            return None
        if present == ["days"]:
            return Window(days=self.integer(given["days"], _key(path, "days"), low=1))
        return Window(calendar=self.choice(given["calendar"], _key(path, "calendar"), CALENDAR_WINDOWS))

    def roles(self, value: Any, path: str) -> tuple[str, ...] | None:
        items = self.sequence(value, path, what="role")
        return None if items is None else tuple(self.role(v, f"{path}[{i}]") for i, v in enumerate(items))

    def strings(self, value: Any, path: str, check: Callable[[Any, str], Any], what: str):
        items = self.sequence(value, path, what=what)
        return None if items is None else tuple(check(v, f"{path}[{i}]") for i, v in enumerate(items))

    # -- sections

    def score(self, value: Any, path: str) -> tuple[int | None, int | None]:
        got = self.fields(value, path, {"base": self.integer, "floor": self.integer})
        if got is None:
            return None, None
        base, floor = got.get("base", DEFAULT_SCORE_BASE), got.get("floor", DEFAULT_SCORE_FLOOR)
        if floor is not None and floor < 0:
            self.bad(_key(path, "floor"), N_("must be a whole number, 0 or more"))
        elif base is not None and floor is not None and base <= floor:
            self.bad(_key(path, "base"), N_("must be above floor"))
        return base, floor

    def defaults(self, value: Any, path: str) -> tuple[Window | None, str | None]:
        got = self.fields(
            value,
            path,
            {"window": self.window, "after_ladder": lambda v, p: self.choice(v, p, AFTER_LADDER)},
        )
        if got is None:
            return None, None
        return got.get("window", DEFAULT_WINDOW), got.get("after_ladder", DEFAULT_AFTER_LADDER)

    def attendance_rules(self, value: Any, path: str) -> dict[str, str] | None:
        spec = dict.fromkeys(ATTENDANCE_EVENTS, self.code)
        return self.fields(value, path, spec, required=REQUIRED_ATTENDANCE_EVENTS)

    def attendance(self, value: Any, path: str) -> AttendancePolicy | None:
        spec = {
            "grace_minutes": self.count,
            "half_absent_after_minutes": self.count,
            "rules": self.attendance_rules,
        }
        got = self.fields(value, path, spec)
        return None if got is None else AttendancePolicy(**got)

    def swaps(self, value: Any, path: str) -> SwapPolicy | None:
        spec = {
            "notice_hours": self.count,
            "max_per_month": self.count,
            "same_team": self.boolean,
            "approver": self.role,
            "min_rest_hours": lambda v, p: self.integer(v, p, low=0, high=24),
            "notify": self.roles,
        }
        got = self.fields(value, path, spec)
        return None if got is None else SwapPolicy(**got)

    def corrections(self, value: Any, path: str) -> CorrectionPolicy | None:
        spec = {"max_per_month": self.count, "within_days": self.count, "approvers": self.roles}
        got = self.fields(value, path, spec)
        if got is not None and got.get("approvers") == ():
            self.bad(_key(path, "approvers"), N_("name at least one approver"))
        return None if got is None else CorrectionPolicy(**got)

    def extra_shifts(self, value: Any, path: str) -> ExtraShiftPolicy | None:
        spec = {"approvers": self.roles, "within_days": self.count,
                "max_hours": lambda v, p: self.integer(v, p, low=1, high=24)}
        got = self.fields(value, path, spec)
        if got is not None and got.get("approvers") == ():
            self.bad(_key(path, "approvers"), N_("name at least one approver"))
        return None if got is None else ExtraShiftPolicy(**got)

    def cover_rule(self, value: Any, path: str) -> CoverRule | None:
        spec = {"people": self.count, "team": self.text, "shift": self.text}
        got = self.fields(value, path, spec, required=("people",))
        return None if got is None else CoverRule(**{"people": 0, **got})

    def cover(self, value: Any, path: str) -> CoverPolicy | None:
        def rules(v, p):
            if not isinstance(v, list):
                self.bad(p, N_("must be a list"))
                return None
            return tuple(self.cover_rule(item, f"{p}[{i}]") for i, item in enumerate(v))

        spec = {"minimum": self.count, "holiday_minimum": self.count, "rules": rules}
        got = self.fields(value, path, spec)
        return None if got is None else CoverPolicy(**got)

    def phrase(self, value: Any, path: str) -> ServicePhrase | None:
        spec = {"code": self.code, "text": self.text, "category": self.lower_name, "source": self.text}
        got = self.fields(value, path, spec, required=("code", "text", "category"))
        return None if got is None else ServicePhrase(**{"code": "", "text": "", "category": "", **got})

    def phrases(self, value: Any, path: str) -> tuple[ServicePhrase, ...] | None:
        if not isinstance(value, list):
            self.bad(path, N_("must be a list"))
            return None
        return tuple(self.phrase(item, f"{path}[{i}]") for i, item in enumerate(value))

    def service_phrases(self, value: Any, path: str) -> ServicePhrasePolicy | None:
        spec = {"forbidden": self.phrases, "required": self.phrases, "rule": self.code,
                "max_score": lambda v, p: self.integer(v, p, low=1, high=1000)}
        got = self.fields(value, path, spec)
        if got is None:
            return None
        codes = [p.code for p in (*got.get("forbidden", ()), *got.get("required", ())) if p is not None]
        for code in {c for c in codes if codes.count(c) > 1}:
            self.bad(_key(path, "forbidden"), f"phrase code {code} is used twice")
        return ServicePhrasePolicy(**got)

    def chain(self, value: Any, path: str) -> LeaveChain | None:
        spec = {
            "max_days": lambda v, p: self.number(v, p, low=Decimal(0), above_low=True),
            "steps": self.roles,
            "types": lambda v, p: self.strings(v, p, lambda t, tp: self.choice(t, tp, LEAVE_TYPES), "type"),
            "roles": self.roles,
        }
        got = self.fields(value, path, spec, required=("steps",))
        return None if got is None else LeaveChain(**{"steps": None, **got})

    def chains(self, value: Any, path: str) -> tuple[LeaveChain, ...] | None:
        items = self.sequence(value, path, what="chain")
        if items is None:
            return None
        chains = tuple(self.chain(v, f"{path}[{i}]") for i, v in enumerate(items))
        for i, chain in enumerate(chains[:-1]):
            # A chain for any type and any length would hide every chain after it.
            if chain is not None and chain.max_days is None and chain.types is None and chain.roles is None:
                self.bad(f"{path}[{i}].max_days", N_("required: only the last chain may leave it out"))
        return chains

    def annual_days(self, value: Any, path: str) -> tuple[AnnualLeaveTier, ...] | None:
        items = self.sequence(value, path, what="tier")
        if items is None:
            return None
        tiers, previous = [], None
        for i, item in enumerate(items):
            got = self.fields(
                item,
                f"{path}[{i}]",
                {"min_years": self.count, "days": self.count},
                required=("min_years", "days"),
            )
            if got is None:
                continue
            years = got.get("min_years")
            if years is not None and previous is not None and years <= previous:
                self.bad(f"{path}[{i}].min_years", N_("must be above the one before"))
            previous = years if years is not None else previous
            tiers.append(AnnualLeaveTier(min_years=years, days=got.get("days")))
        return tuple(tiers)

    def leave_type_settings(self, value: Any, path: str) -> LeaveTypeSettings | None:
        spec = {"paid": self.boolean, "full_attendance": self.boolean, "certificate": self.boolean,
                "balance": self.boolean}
        got = self.fields(value, path, spec)
        return None if got is None else LeaveTypeSettings(**got)

    def leave_types(self, value: Any, path: str) -> dict[str, LeaveTypeSettings] | None:
        if not isinstance(value, dict):
            self.bad(path, N_("must be a mapping"))
            return None
        out = dict(DEFAULT_LEAVE_TYPES)  # a type left out keeps its defaults
        for key, item in value.items():
            name = self.choice(key, _key(path, key), LEAVE_TYPES)
            settings = self.leave_type_settings(item, _key(path, key))
            if name is not None and settings is not None:
                out[name] = settings
        return out

    def leave(self, value: Any, path: str) -> LeavePolicy | None:
        spec = {
            "notice_hours": self.count,
            "long_personal_days": self.count,
            "long_personal_notice_days": self.count,
            "emergency_report_hours": self.count,
            "sick_needs_certificate": self.boolean,
            "chains": self.chains,
            "file_with": self.role,
            "extension_notice_hours": self.count,
            "annual_days": self.annual_days,
            "types": self.leave_types,
            "certificate_days_after_return": self.count,
            "without_certificate": lambda v, p: self.choice(v, p, (*LEAVE_TYPES, "keep")),
            "personal_emergency_only": self.boolean,
            "emergency_only_approver": self.role,
        }
        got = self.fields(value, path, spec)
        return None if got is None else LeavePolicy(**got)

    def deductions(self, value: Any, path: str) -> DeductionPolicy | None:
        spec = {
            "cap_percent_of_wage": lambda v, p: self.number(v, p, low=Decimal(0), high=Decimal(100)),
            "minimum_wage": self.money,
        }
        got = self.fields(value, path, spec)
        return None if got is None else DeductionPolicy(**got)

    def retention(self, value: Any, path: str) -> RetentionPolicy | None:
        months = functools.partial(self.integer, low=1, high=1200)
        got = self.fields(value, path, {"photos_months": months, "certificates_months": months,
                                        "work_report_files_months": months})
        return None if got is None else RetentionPolicy(**got)

    def reward(self, value: Any, path: str) -> Reward | None:
        spec = {"amount": self.money, "points": self.points, "nomination": self.boolean,
                "pending_at_close": lambda v, p: self.choice(v, p, PENDING_NOMINATIONS)}
        got = self.fields(value, path, spec, required=("amount",))
        return None if got is None else Reward(**{"amount": None, **got})

    def rewards(self, value: Any, path: str) -> dict[str, Reward] | None:
        if not isinstance(value, dict):
            self.bad(path, N_("must be a mapping"))
            return None
        out = {}
        for key, item in value.items():
            name = self.lower_name(key, _key(path, key))
            reward = self.reward(item, _key(path, key))
            if name is not None:
                out[name] = reward
        return out

    def grooming_item(self, value: Any, path: str) -> GroomingItem | None:
        spec = {
            "code": self.code,
            "name": self.name,
            "rule": self.code,
            "kind": lambda v, p: self.choice(v, p, GROOMING_KINDS),
            "teams": lambda v, p: self.strings(v, p, self.text, "team"),
            "active": self.boolean,
        }
        got = self.fields(value, path, spec, required=("code", "name"))
        if got is None:
            return None
        got.setdefault("rule", DEFAULT_GROOMING_RULE)
        return GroomingItem(**{"code": None, "name": None, **got})

    def grooming(self, value: Any, path: str) -> tuple[tuple[GroomingItem, ...] | None, GroomingSettings | None]:
        given = self.mapping(value, path, ("items", "violation_per", "workstation_violations"))
        if given is None:
            return None, None
        chosen: dict[str, Any] = {}
        if given.get("violation_per") is not None:
            chosen["violation_per"] = self.choice(given["violation_per"], _key(path, "violation_per"),
                                                  GROOMING_VIOLATION_PER)
        if given.get("workstation_violations") is not None:
            chosen["workstation_violations"] = self.boolean(given["workstation_violations"],
                                                            _key(path, "workstation_violations"))
        settings = GroomingSettings(**{key: got for key, got in chosen.items() if got is not None})
        if given.get("items") is None:
            return (), settings
        items_path = _key(path, "items")
        items = given["items"]
        if not isinstance(items, list):
            self.bad(items_path, N_("must be a list"))
            return None, settings
        parsed = tuple(self.grooming_item(v, f"{items_path}[{i}]") for i, v in enumerate(items))
        seen: set[str] = set()
        for i, item in enumerate(parsed):
            if item is not None and item.code is not None:
                if item.code in seen:
                    self.bad(f"{items_path}[{i}].code", N_("duplicate code"))
                seen.add(item.code)
        return parsed, settings

    def stand_down(self, value: Any, path: str) -> StandDownPolicy | None:
        spec = {"pay_percent": lambda v, p: self.number(v, p, low=Decimal(0), high=Decimal(100)),
                "days_per_month": lambda v, p: self.number(v, p, low=Decimal(1), high=Decimal(31))}
        got = self.fields(value, path, spec)
        return None if got is None else StandDownPolicy(**got)

    def awards(self, value: Any, path: str) -> dict[str, AwardKind] | None:
        """The kinds of award a manager grants by hand (000 §5 奖励2–4), each with who may record it."""
        if not isinstance(value, dict) or not value:
            self.bad(path, N_("must be a mapping"))
            return None
        out = {}
        for key, item in value.items():
            name = self.lower_name(key, _key(path, key))
            got = self.fields(item, _key(path, key), {"name": self.name, "granted_by": self.roles},
                              required=("name",))
            if name is None or got is None or got.get("name") is None:
                continue  # what is wrong is already said
            granted_by = got.get("granted_by", AwardKind.granted_by)
            if granted_by is not None and not granted_by:
                self.bad(_key(_key(path, key), "granted_by"), N_("must name at least one role"))
            out[name] = AwardKind(got["name"], tuple(r for r in granted_by or () if r))
        return out

    def options(self, value: Any, path: str) -> tuple[Step, ...] | None:
        items = self.sequence(value, path, what="option")
        if items is None:
            return None
        if len(items) < 2:
            self.bad(path, N_("a choice needs at least two options"))
        parsed = tuple(self.step(v, f"{path}[{i}]", nested=True) for i, v in enumerate(items))
        seen: set[str] = set()
        for i, option in enumerate(parsed):
            if option is not None and option.sanction is not None:
                if option.sanction in seen:
                    self.bad(f"{path}[{i}].sanction", N_("each option needs its own sanction"))
                seen.add(option.sanction)
        return parsed

    def step(self, value: Any, path: str, nested: bool = False) -> Step | None:
        spec = {
            "sanction": lambda v, p: self.choice(v, p, SANCTIONS if nested else STEP_SANCTIONS),
            "amount": lambda v, p: self.money(v, p, positive=True),
            "amount_range": self.amount_range,
            "points": self.points,
            "review": lambda v, p: self.choice(v, p, REVIEWS),
            "days": lambda v, p: self.integer(v, p, low=1, high=90),
            "reward": self.lower_name,
            "options": self.options,
        }
        got = self.fields(value, path, spec, required=("sanction",))
        if got is None:
            return None
        given = value
        sanction = got.get("sanction")
        if sanction == "choice" and given.get("options") is None:
            self.bad(_key(path, "options"), N_("required"))
        elif sanction != "choice" and given.get("options") is not None:
            self.bad(_key(path, "options"), N_("only a choice has options"))
        if sanction == "stand_down" and given.get("days") is None:
            self.bad(_key(path, "days"), N_("required"))
        elif sanction != "stand_down" and given.get("days") is not None:
            self.bad(_key(path, "days"), N_("only a stand-down has days"))
        if sanction != "forfeit_reward" and given.get("reward") is not None:
            self.bad(_key(path, "reward"), N_("only a forfeit_reward step names a reward"))
        if sanction == "forfeit_reward":
            got.setdefault("reward", "full_attendance")
        has_amount, has_range = given.get("amount") is not None, given.get("amount_range") is not None
        if sanction == "fine":
            if has_amount and has_range:
                self.bad(path, N_("give exactly one of: amount, amount_range"))
            elif not has_amount and not has_range:
                self.bad(path, N_("a fine needs amount or amount_range"))
        elif sanction is not None:
            if has_amount:
                self.bad(_key(path, "amount"), N_("only a fine has an amount"))
            if has_range:
                self.bad(_key(path, "amount_range"), N_("only a fine has an amount range"))
            if sanction == "points" and given.get("points") is None:
                self.bad(_key(path, "points"), N_("required"))
            elif sanction == "points" and got.get("points") == 0:
                self.bad(_key(path, "points"), N_("must be above 0 for a points sanction"))
        return Step(**{"sanction": None, **got})

    def amount_range(self, value: Any, path: str) -> tuple[Decimal, Decimal] | None:
        if not isinstance(value, list) or len(value) != 2:
            self.bad(path, N_("must be [low, high]"))
            return None
        low = self.money(value[0], f"{path}[0]", positive=True)
        high = self.money(value[1], f"{path}[1]", positive=True)
        if low is not None and high is not None and low > high:
            self.bad(path, N_("low must not be above high"))
        return (low, high)

    def ladder(self, value: Any, path: str) -> tuple[Step, ...] | None:
        items = self.sequence(value, path, what="step")
        return None if items is None else tuple(self.step(v, f"{path}[{i}]") for i, v in enumerate(items))

    def rule(self, value: Any, path: str) -> Rule | None:
        spec = {
            "code": self.code,
            "name": self.name,
            "category": self.lower_name,
            "source": self.text,
            "window": self.window,
            "after_ladder": lambda v, p: self.choice(v, p, AFTER_LADDER),
            "ladder": self.ladder,
        }
        got = self.fields(value, path, spec, required=("code", "name", "ladder"))
        if got is None:
            return None
        return Rule(**{"code": None, "name": None, "ladder": None, "category": DEFAULT_CATEGORY, **got})

    def rules(self, value: Any, path: str) -> dict[str, Rule] | None:
        items = self.sequence(value, path, what="rule")
        if items is None:
            return None
        out: dict[str, Rule] = {}
        for i, item in enumerate(items):
            rule = self.rule(item, f"{path}[{i}]")
            if rule is None or rule.code is None:
                continue
            if rule.code in out:
                self.bad(f"{path}[{i}].code", N_("duplicate code"))
            else:
                out[rule.code] = rule
        return out

    def settings(self, value: Any, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.bad(path, N_("must be a mapping"))
            return None
        for key in value:
            if not isinstance(key, str):
                self.bad(_key(path, key), N_("must be text"))
        # The meeting times and report deadlines are read where they are used; a document that says something
        # they cannot read is refused here, at import, with the key named.
        for read in (meeting_times, report_policy):  # the report deadlines read the meeting times too
            try:
                read(value)
            except (BadMeetingSettings, BadReportSettings) as exc:
                where, _, why = str(exc).partition(": ")
                self.bad(where, why)
                break
        return copy.deepcopy(value)

    # -- the whole document

    def policy(self, doc: Any) -> Policy | None:
        spec: dict[str, Callable[[Any, str], Any]] = {
            "version": self.version,
            "effective_from": self.day,
            "timezone": self.timezone,
            "currency": self.currency,
            "score": self.score,
            "defaults": self.defaults,
            "attendance": self.attendance,
            "swaps": self.swaps,
            "leave": self.leave,
            "corrections": self.corrections,
            "extra_shifts": self.extra_shifts,
            "cover": self.cover,
            "service_phrases": self.service_phrases,
            "deductions": self.deductions,
            "pay_treatment": lambda value, path: self.choice(value, path, PAY_TREATMENTS),
            "retention": self.retention,
            "rewards": self.rewards,
            "grooming": self.grooming,
            "rules": self.rules,
            "settings": self.settings,
            "stand_down": self.stand_down,
            "awards": self.awards,
        }
        got = self.fields(doc, "", spec, required=("version", "effective_from", "rules"))
        if got is None:
            return None
        base, floor = got.get("score", (DEFAULT_SCORE_BASE, DEFAULT_SCORE_FLOOR))
        window, after_ladder = got.get("defaults", (DEFAULT_WINDOW, DEFAULT_AFTER_LADDER))
        attendance = got.get("attendance", AttendancePolicy())
        grooming, grooming_settings = got.get("grooming", ((), GroomingSettings()))
        rules = got.get("rules")
        if rules is not None:  # cross-references, only when the rule list itself could be read
            if attendance is not None and isinstance(attendance.rules, dict):
                for event, code in attendance.rules.items():
                    if code is not None and code not in rules:
                        self.bad(f"attendance.rules.{event}", f"unknown rule code {code}")
            phrases = got.get("service_phrases")
            if phrases is not None and phrases.forbidden and phrases.rule not in rules:
                self.bad("service_phrases.rule", f"unknown rule code {phrases.rule}")
            for i, item in enumerate(grooming or ()):
                if item is not None and item.rule is not None and item.rule not in rules:
                    self.bad(f"grooming.items[{i}].rule", f"unknown rule code {item.rule}")
            rewards = got.get("rewards") or {}
            for i, rule in enumerate(rules.values()):
                for j, step in enumerate(rule.ladder or ()):
                    for option in (step, *(step.options or ())) if step is not None else ():
                        if option is not None and option.reward is not None and option.reward not in rewards:
                            self.bad(f"rules[{i}].ladder[{j}].reward", f"unknown reward {option.reward}")
            if got.get("pay_treatment") == "performance_pay":  # nothing may call the amounts a fine (罚款)
                for i, rule in enumerate(rules.values()):
                    if rule.name is not None and FINE_WORD in (rule.name.zh or ""):
                        self.bad(f"rules[{i}].name.zh", N_("must not say 罚款 under pay_treatment performance_pay"))
        return Policy(
            version=got.get("version"),
            effective_from=got.get("effective_from"),
            timezone=got.get("timezone", DEFAULT_TIMEZONE),
            currency=got.get("currency", DEFAULT_CURRENCY),
            score_base=base,
            score_floor=floor,
            default_window=window,
            after_ladder=after_ladder,
            attendance=attendance,
            swaps=got.get("swaps", SwapPolicy()),
            leave=got.get("leave", LeavePolicy()),
            corrections=got.get("corrections", CorrectionPolicy()),
            extra_shifts=got.get("extra_shifts", ExtraShiftPolicy()),
            cover=got.get("cover", CoverPolicy()),
            service_phrases=got.get("service_phrases", ServicePhrasePolicy()),
            deductions=got.get("deductions", DeductionPolicy()),
            pay_treatment=got.get("pay_treatment", DEFAULT_PAY_TREATMENT),
            retention=got.get("retention", RetentionPolicy()),
            rewards=got.get("rewards", {}),
            grooming_items=grooming,
            rules=rules,
            settings=got.get("settings", {}),
            grooming=grooming_settings,
            stand_down=got.get("stand_down", StandDownPolicy()),
            awards=got.get("awards") or dict(DEFAULT_AWARD_KINDS),
        )


def parse_policy(doc: dict) -> Policy:
    """The policy a document describes (the shape of docs/api.md "The policy document").

    Sections other than ``version``, ``effective_from`` and ``rules`` may be left out
    and take their defaults. Unknown keys are an error.

    :raise PolicyInvalid: with every problem found, each as ``(path, message)``.
    """
    key = _document_key(doc)
    policy = _PARSED.get(key) if key is not None else None
    if policy is None:
        reader = _Reader()
        policy = reader.policy(doc)
        if reader.problems:
            raise PolicyInvalid(reader.problems)
        if key is not None:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = policy
    return policy


# A stored version is never edited, and pages, the API and every use case read the version in force:
# reading its document again on every request cost ~1,000 calls a page. The parsed policy is frozen, so
# one parse per document and process is shared; the key is the document's whole content (with each
# value's type), so a different document, or the same id in another database, never gets it.
_PARSED: dict[str, Policy] = {}
_PARSED_MAX = 64


def _document_key(doc: object) -> str | None:
    try:
        return json.dumps(doc, sort_keys=True, ensure_ascii=False,
                          default=lambda value: [type(value).__name__, str(value)])
    except (TypeError, ValueError):  # keys of mixed types, a cycle: not cached, read every time
        return None


# ---------------------------------------------------------------- export



# ---------------------------------------------------------------- the shipped default


def default_policy_document() -> dict:
    """The shipped default policy file (``attendance/policy/default_policy.yaml``), as loaded."""
    with DEFAULT_POLICY_FILE.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_YAML_LOADER)


def load_default_policy() -> Policy:
    """The shipped default policy. :raise PolicyInvalid: if the file is broken."""
    return parse_policy(default_policy_document())
