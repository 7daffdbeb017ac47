"""What a person typed into the recording form's two pickers, read as exactly one person and one rule.

A picker accepts what its list offers and what a person would type: an employee number or a name; a rule's
code or its name (the Chinese name always, the English one too in the English pages). Anything else — a
name two people share, part of a rule's name, a word that only starts like a code — is refused with the
candidates named, never guessed: a guess records a penalty against the wrong person or rule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from attendance.domain.errors import N_, InvalidInput, NotFound
from attendance.domain.policy import Rule
from attendance.extensions import db
from attendance.models import Employee
from attendance.services import people
from attendance.services import policy as policy_service

SEPARATOR = " · "  # between a rule's code and its name in the rule list (templates/discipline/record.html)
MAX_NAMED = 5  # candidates named in an "ambiguous" message


def _named(values: list[str]) -> str:
    shown = ", ".join(values[:MAX_NAMED])
    return shown + (" …" if len(values) > MAX_NAMED else "")


def pick_person(actor: Employee, text: str | None) -> Employee:
    """The one active person within ``actor``'s reach that ``text`` names: an employee number, a full name,
    or the list's "number name". :raise InvalidInput: nothing typed, nobody, or several people."""
    typed = " ".join((text or "").split())
    if not typed:
        raise InvalidInput(N_("Type a name or an employee number."), fields={"employee_no": N_("required")})
    number, _, rest = typed.partition(" ")
    visible = people.visible_clause(actor)
    stmt = select(Employee).options(joinedload(Employee.team)).where(visible)
    by_number = db.session.scalar(stmt.where(func.upper(Employee.employee_no) == number.upper()))
    if by_number is not None and (not rest or rest == by_number.name):
        return _active(by_number)
    matches = list(db.session.scalars(stmt.where(Employee.name == typed).order_by(Employee.employee_no)))
    if len(matches) == 1:
        return _active(matches[0])
    if len(matches) > 1:
        numbers = _named([f"{p.employee_no} {p.name}" for p in matches])
        raise InvalidInput(N_("Several people are called %(name)s: %(people)s. Choose one by employee number.",
                              name=typed, people=numbers),
                           fields={"employee_no": N_("several people: %(people)s", people=numbers)})
    like = db.session.scalars(stmt.where(or_(Employee.name.contains(typed, autoescape=True),
                                             Employee.employee_no.contains(typed, autoescape=True)))
                              .order_by(Employee.employee_no).limit(MAX_NAMED + 1))
    near = [f"{p.employee_no} {p.name}" for p in like]
    if near:
        raise InvalidInput(N_("Nobody is called exactly %(typed)s. Did you mean: %(people)s?", typed=typed,
                              people=_named(near)),
                           fields={"employee_no": N_("choose one: %(people)s", people=_named(near))})
    raise InvalidInput(N_("Nobody you may record for is called or numbered %(typed)s.", typed=typed),
                       fields={"employee_no": N_("no such person")})


def _active(person: Employee) -> Employee:
    if not person.active:
        raise InvalidInput(N_("%(employee_no)s is deactivated", employee_no=person.employee_no),
                           fields={"employee_no": N_("deactivated")})
    return person


def rule_choice(rule: Rule, english: bool) -> str:
    """How the rule list offers a rule (and what picking it sends back): code · name in the reader's language."""
    return f"{rule.code}{SEPARATOR}{rule.name.en if english else rule.name.zh}"


def pick_rule(on: date, text: str | None, *, english: bool = False) -> str:
    """The code of the one rule of the rule book in force ``on`` that ``text`` names: its code (any case),
    its Chinese name, its English name when ``english`` (the English pages), or what the rule list offers.
    :raise InvalidInput: nothing typed, no rule, or part of several rules' names (named, not guessed)."""
    typed = " ".join((text or "").split())
    if not typed:
        raise InvalidInput(N_("Type a rule's code or name."), fields={"rule": N_("required")})
    try:
        rules = policy_service.in_force(on).policy.rules
    except NotFound:
        raise InvalidInput(N_("no policy is in force on %(day)s", day=on),
                           fields={"rule": N_("no rule book")}) from None

    def names(rule: Rule) -> list[str]:
        return [rule.name.zh, rule.name.en] if english else [rule.name.zh]

    if SEPARATOR.strip() in typed:  # picked from the list: its code before the dot, exactly as the list has it
        code = typed.split(SEPARATOR.strip())[0].strip()
        if code in rules:
            return code
    elif typed.upper() in rules:
        return typed.upper()
    exact = [r.code for r in rules.values() if typed.casefold() in {n.casefold() for n in names(r)}]
    if len(exact) == 1:
        return exact[0]
    # Suggestions look in both names: an English name typed on a Chinese page is answered with the rule.
    near = [r for r in rules.values()
            if any(typed.casefold() in n.casefold() for n in (r.name.zh, r.name.en)) or typed.upper() in r.code]
    choices = [rule_choice(r, english) for r in near]
    if near:
        raise InvalidInput(N_("No rule is called exactly %(typed)s; it is part of: %(rules)s. Choose one from "
                              "the list.", typed=typed, rules=_named(choices)),
                           fields={"rule": N_("choose one: %(rules)s", rules=_named(choices))})
    raise InvalidInput(N_("No rule is called %(typed)s. Choose one from the list.", typed=typed),
                       fields={"rule": N_("unknown rule")})
