"""The policy model: one version of the department's whole rule book as frozen dataclasses, and the
defaults a document that leaves a section out gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# What a violation is given (stored on it). criticism: a recorded notice, no money (批评); forfeit_reward: the
# month's reward is not paid (扣除当月奖金, 000 §1 五.8); stand_down: days of retraining on the roster (待岗培训,
# 000 §2 接待6); transfer: a decision to move the person off the post that HR completes (调岗, 000 §10 二.7).
SANCTIONS = ("warning", "fine", "points", "dismissal_review", "criticism", "forfeit_reward", "stand_down",
             "transfer")
# A ladder step may also be a choice the recorder makes where the book says "or" (罚…或开除, 000 §5 惩罚8).
STEP_SANCTIONS = (*SANCTIONS, "choice")
PENDING_NOMINATIONS = ("refuse", "warn")  # closing a month while a nomination for its reward is undecided
AFTER_LADDER = ("repeat_last", "review")
CALENDAR_WINDOWS = ("month", "year")
ROLES = ("staff", "lead", "supervisor", "manager", "gm", "hr", "admin", "inspector")
REVIEWS = ("dismissal",)
GROOMING_KINDS = ("grooming", "workstation")
# A check that fails several items: one violation per rule the failed items name ("check"), or one per item
GROOMING_VIOLATION_PER = ("check", "item")
# 事假 病假 婚假 产假 丧假 调休/换休 带薪年假 工伤假 (docs/rules.md §4)
LEAVE_TYPES = ("personal", "sick", "marriage", "maternity", "bereavement", "in_lieu", "annual", "work_injury")
ATTENDANCE_EVENTS = ("late", "early", "half_absent", "absent")
REQUIRED_ATTENDANCE_EVENTS = ("late", "early", "absent")  # half_absent may be left out: it then raises absent



@dataclass(frozen=True)
class Name:
    zh: str
    en: str


@dataclass(frozen=True)
class Window:
    """Where earlier occurrences count: the last ``days`` days, or the calendar month/year."""

    days: int | None = None
    calendar: str | None = None  # "month" | "year"


@dataclass(frozen=True)
class Step:
    """One step of a rule's ladder."""

    sanction: str  # one of SANCTIONS
    amount: Decimal | None = None  # a fixed fine
    amount_range: tuple[Decimal, Decimal] | None = None  # the recorder picks inside it
    points: int = 0
    review: str | None = None  # "dismissal": also raise a dismissal review
    days: int | None = None  # stand_down: how many days of retraining
    reward: str | None = None  # forfeit_reward: the reward (a key of ``rewards``) the month loses
    options: tuple[Step, ...] = ()  # choice: the steps the recorder chooses between (distinct sanctions)

    def option(self, sanction: str) -> Step | None:
        return next((o for o in self.options if o.sanction == sanction), None)


@dataclass(frozen=True)
class Rule:
    code: str
    name: Name
    category: str
    ladder: tuple[Step, ...]
    window: Window | None = None  # None: the policy's default window
    after_ladder: str | None = None  # None: the policy's default
    source: str | None = None  # where the rule book says it, e.g. "000 §5 惩罚1"


@dataclass(frozen=True)
class AttendancePolicy:
    grace_minutes: int = 5
    half_absent_after_minutes: int = 30
    rules: dict[str, str] = field(
        default_factory=lambda: {"late": "LATE", "early": "EARLY", "absent": "ABSENT"}
    )

    def rule_for(self, event: str) -> str | None:
        """The rule an attendance outcome raises. A policy that names no rule for ``half_absent`` (written
        before it had one) raises its ``absent`` rule for half a day, as it always did."""
        code = self.rules.get(event)
        if code is None and event == "half_absent":
            code = self.rules.get("absent")
        return code


@dataclass(frozen=True)
class SwapPolicy:
    notice_hours: int = 24
    max_per_month: int = 2
    same_team: bool = True
    approver: str = "supervisor"
    min_rest_hours: int = 8  # the least rest between two shifts a swap may leave anyone (docs/rules.md §5)
    notify: tuple[str, ...] = ("lead",)  # who is told when an approved swap changes the roster (报备)


@dataclass(frozen=True)
class CorrectionPolicy:
    """Missed-punch corrections (补卡): how many a person may ask for a month, how late, who approves."""

    max_per_month: int = 3
    within_days: int = 3
    approvers: tuple[str, ...] = ("lead",)


@dataclass(frozen=True)
class ExtraShiftPolicy:
    """Extra shifts (加班, docs/rules.md §5a): who approves, the longest one, how late one may ask after."""

    approvers: tuple[str, ...] = ("lead",)
    max_hours: int = 12
    within_days: int = 3


PHRASE_KINDS = ("forbidden", "required")


@dataclass(frozen=True)
class ServicePhrase:
    """One phrase of the rule books' lists (服务忌语 forbidden, 文明用语 required), with its category."""

    code: str
    text: str
    category: str
    source: str = ""


@dataclass(frozen=True)
class ServicePhrasePolicy:
    """Service phrases and quality inspection (质检, docs/rules.md §7a): the lists, the rule a forbidden phrase
    raises, and the score range."""

    forbidden: tuple[ServicePhrase, ...] = ()
    required: tuple[ServicePhrase, ...] = ()
    rule: str = "FORBIDDEN_PHRASE"
    max_score: int = 100


@dataclass(frozen=True)
class CoverRule:
    """At least ``people`` on a team's shift (either may be left out: every team, every shift)."""

    people: int
    team: str | None = None
    shift: str | None = None


@dataclass(frozen=True)
class CoverPolicy:
    """Cover (最低在岗人数, docs/rules.md §5b): the fewest people per team and shift; on public holidays."""

    minimum: int = 0
    holiday_minimum: int = 0
    rules: tuple[CoverRule, ...] = ()


@dataclass(frozen=True)
class LeaveChain:
    steps: tuple[str, ...]
    max_days: Decimal | None = None
    types: tuple[str, ...] | None = None  # None: any leave type
    roles: tuple[str, ...] | None = None  # None: anyone; else the person on leave holds one of them [002 4.1.6]


@dataclass(frozen=True)
class AnnualLeaveTier:
    """Paid annual leave: ``days`` a year once the person has worked ``min_years``."""

    min_years: int
    days: int


@dataclass(frozen=True)
class LeaveTypeSettings:
    """What a leave type means for pay, the monthly award, its papers and its limit."""

    paid: bool = False  # paid at the usual wage (payroll reads it; unpaid days are deducted there)
    full_attendance: bool = False  # a day of it keeps the month's full attendance (全勤)
    certificate: bool = False  # needs a certificate (a hospital's for sick leave)
    balance: bool = False  # limited by a yearly balance (annual: by years worked; others: set by HR)


# Product decision (docs/rules.md §4): statutory paid leave keeps pay; only time off in lieu (a moved rest
# day) and annual leave keep full attendance, as the monthly score did before leave types had settings.
DEFAULT_LEAVE_TYPES = {
    "personal": LeaveTypeSettings(),
    "sick": LeaveTypeSettings(certificate=True),
    "marriage": LeaveTypeSettings(paid=True, balance=True),
    "maternity": LeaveTypeSettings(paid=True, certificate=True, balance=True),
    "bereavement": LeaveTypeSettings(paid=True, balance=True),
    "in_lieu": LeaveTypeSettings(paid=True, full_attendance=True, balance=True),
    "annual": LeaveTypeSettings(paid=True, full_attendance=True, balance=True),
    "work_injury": LeaveTypeSettings(paid=True, certificate=True),
}

DEFAULT_LEAVE_CHAINS = (
    LeaveChain(steps=("lead", "supervisor"), max_days=Decimal("1")),
    LeaveChain(steps=("lead", "supervisor", "gm")),
)
DEFAULT_ANNUAL_DAYS = (AnnualLeaveTier(1, 5), AnnualLeaveTier(10, 10), AnnualLeaveTier(20, 15))


@dataclass(frozen=True)
class LeavePolicy:
    notice_hours: int = 24
    long_personal_days: int = 3
    long_personal_notice_days: int = 7
    emergency_report_hours: int = 24
    sick_needs_certificate: bool = True
    chains: tuple[LeaveChain, ...] = DEFAULT_LEAVE_CHAINS  # first match wins
    file_with: str = "hr"
    extension_notice_hours: int = 12  # an extension is asked at least half a day before the end
    annual_days: tuple[AnnualLeaveTier, ...] = DEFAULT_ANNUAL_DAYS  # ascending min_years
    types: dict[str, LeaveTypeSettings] = field(default_factory=lambda: dict(DEFAULT_LEAVE_TYPES))
    certificate_days_after_return: int = 1  # the certificate is due by the end of this day after return
    without_certificate: str = "personal"  # what a leave needing one counts as without it ("keep": itself)
    # Personal leave only in an emergency, and then approved by ``emergency_only_approver`` as the chain's last
    # step (the property-management book [002 4.1.1]); off in the default book, which allows all types.
    personal_emergency_only: bool = False
    emergency_only_approver: str = "manager"

    def settings_for(self, leave_type: str) -> LeaveTypeSettings:
        return self.types.get(leave_type) or DEFAULT_LEAVE_TYPES.get(leave_type) or LeaveTypeSettings()

    def needs_certificate(self, leave_type: str) -> bool:
        # sick_needs_certificate is the rule book's own switch for sick leave [002 4.1.3]
        if leave_type == "sick":
            return self.sick_needs_certificate and self.settings_for("sick").certificate
        return self.settings_for(leave_type).certificate


@dataclass(frozen=True)
class DeductionPolicy:
    cap_percent_of_wage: Decimal = Decimal("20")
    minimum_wage: Decimal = Decimal("2690.00")


@dataclass(frozen=True)
class RetentionPolicy:
    """How long sensitive files are kept (PIPL Art. 28; docs/rules.md §10): whole months counted from the end
    of the month of the event (a violation's day, a leave's last day); then ``retention apply`` deletes them."""

    photos_months: int = 24  # evidence photos of violations
    certificates_months: int = 24  # leave certificates (medical)
    work_report_files_months: int = 24  # files handed in with work reports (周报、月报)


@dataclass(frozen=True)
class Reward:
    amount: Decimal
    points: int = 0
    # 工作突出 (000 §5 奖励1): paid only to people a lead nominated and the supervisor confirmed before the
    # month closed. False (a policy written before nominations): every clean month earns it.
    nomination: bool = False
    pending_at_close: str = "refuse"  # one of PENDING_NOMINATIONS


@dataclass(frozen=True)
class StandDownPolicy:
    """Pay for the days of a stand-down for retraining (待岗培训). No book gives it: a product decision."""

    pay_percent: Decimal = Decimal("100")  # of the day's wage; 100: paid as a working day
    days_per_month: Decimal = Decimal("21.75")  # the day's wage is the monthly wage over this (计薪天数)


@dataclass(frozen=True)
class AwardKind:
    """A reward a manager grants by hand, with the amount they set (000 §5 奖励2–4): a suggestion that raises
    income or efficiency, saving the company a loss, an honour. ``granted_by``: the roles that may record it
    (within those the permission table's ``awards.record`` allows)."""

    name: Name
    granted_by: tuple[str, ...] = ("supervisor", "manager")


# What a policy written before award kinds gets (000 §5 奖励2–4).
DEFAULT_AWARD_KINDS: dict[str, AwardKind] = {
    "suggestion": AwardKind(Name("合理化建议被采纳（增加收入或提高效率）",
                                 "Adopted suggestion (income or efficiency)")),
    "loss_prevented": AwardKind(Name("为公司挽回损失", "Saved the company a loss")),
    "honour": AwardKind(Name("为公司争得荣誉", "Won the company an honour"), ("manager",)),
}


@dataclass(frozen=True)
class GroomingItem:
    code: str
    name: Name
    rule: str
    kind: str = "grooming"  # or "workstation"
    teams: tuple[str, ...] | None = None  # None: every team
    active: bool = True


@dataclass(frozen=True)
class GroomingSettings:
    """How a check's failures become violations (docs/rules.md §6). The dataclass defaults are how every
    policy written before these settings behaved (one violation per failed item, desk items too), so a stored
    version reads as it always did; the shipped default policy sets the 000 §7 reading explicitly."""

    violation_per: str = "item"  # one of GROOMING_VIOLATION_PER
    workstation_violations: bool = True  # False: a failed desk item is recorded on the check, raises nothing


@dataclass(frozen=True)
class Policy:
    version: str
    effective_from: date
    timezone: str
    currency: str
    score_base: int
    score_floor: int
    default_window: Window
    after_ladder: str
    attendance: AttendancePolicy
    swaps: SwapPolicy
    leave: LeavePolicy
    deductions: DeductionPolicy
    rewards: dict[str, Reward]
    grooming_items: tuple[GroomingItem, ...]
    rules: dict[str, Rule]  # by code, in document order
    corrections: CorrectionPolicy = field(default_factory=CorrectionPolicy)
    extra_shifts: ExtraShiftPolicy = field(default_factory=ExtraShiftPolicy)
    cover: CoverPolicy = field(default_factory=CoverPolicy)
    service_phrases: ServicePhrasePolicy = field(default_factory=ServicePhrasePolicy)
    pay_treatment: str = "deduction"  # how penalty amounts reach pay: one of PAY_TREATMENTS (docs/rules.md §8)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    settings: dict = field(default_factory=dict)  # product decisions with no other home
    grooming: GroomingSettings = field(default_factory=GroomingSettings)
    stand_down: StandDownPolicy = field(default_factory=StandDownPolicy)
    awards: dict[str, AwardKind] = field(default_factory=lambda: dict(DEFAULT_AWARD_KINDS))

    def rule(self, code: str) -> Rule:
        """The rule with this code. :raise KeyError: if the policy has none."""
        return self.rules[code]

    def window_for(self, rule: Rule) -> Window:
        return rule.window or self.default_window

    def after_ladder_for(self, rule: Rule) -> str:
        return rule.after_ladder or self.after_ladder


# What a document that leaves a whole section out gets (the other sections default
# to their dataclass's defaults).
DEFAULT_TIMEZONE = "Asia/Shanghai"
# How the amounts of penalties reach pay (docs/rules.md §8): "deduction" takes them from the wage (capped);
# "performance_pay" takes them from the month's performance pay (绩效扣减, the same cap); "points_only": the
# amounts are not money, payroll deducts nothing and only scores move.
PAY_TREATMENTS = ("deduction", "performance_pay", "points_only")
DEFAULT_PAY_TREATMENT = "deduction"
DEFAULT_CURRENCY = "CNY"
DEFAULT_SCORE_BASE = 100
DEFAULT_SCORE_FLOOR = 0
DEFAULT_WINDOW = Window(days=365)
DEFAULT_AFTER_LADDER = "review"
DEFAULT_GROOMING_RULE = "GROOMING"
DEFAULT_CATEGORY = "general"
