"""The explanation of a penalty as sentences in the reader's language (PIPL Art. 24), from the plain data the
discipline service gathered (``Explanation.as_data()``) and the rule's ladder. Shared by the page, the API and
the dispute bundle's PDF."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _

from attendance.labels import (
    APPEAL_LABELS,
    SANCTION_LABELS,
    SOURCE_LABELS,
    ladder_sentences,
    ledger_reason,
    step_what,
    violation_note,
)


def _en() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _when(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _what_happened(src: dict) -> list[str]:
    lines = []
    if src.get("kind") == "attendance":
        kind = {"late": _("late"), "early": _("left early"), "absent": _("absent")}.get(src.get("what"), "")
        if src.get("shift"):
            lines.append(_("On %(day)s you were rostered on shift %(shift)s (%(start)s–%(end)s).",
                           day=src["day"], shift=f"{src['shift']} {src.get('shift_name') or ''}".strip(),
                           start=src.get("shift_start"), end=src.get("shift_end")))
        punches = "、".join(src.get("punches") or []) if not _en() else ", ".join(src.get("punches") or [])
        lines.append(_("Punches that day: %(punches)s.", punches=punches) if punches
                     else _("No punch was recorded that day."))
        if src.get("what") == "late":
            lines.append(_("The first punch in was %(t)s: %(m)s minutes late, which counts as %(kind)s.",
                           t=_when(src.get("in_at"))[-5:], m=src.get("late_minutes"), kind=kind))
        elif src.get("what") == "early":
            lines.append(_("The last punch out was %(t)s: %(m)s minutes early, which counts as %(kind)s.",
                           t=_when(src.get("out_at"))[-5:], m=src.get("early_minutes"), kind=kind))
        else:
            lines.append(_("The day was judged %(kind)s.", kind=kind))
    elif src.get("kind") == "grooming":
        names = [(i["name_en"] if _en() else i["name_zh"]) + (f" ({i['note']})" if i.get("note") else "")
                 for i in src.get("items") or []]
        lines.append(_("At the grooming check of %(day)s (shift %(shift)s) this item failed: %(items)s.",
                       day=src.get("day"), shift=src.get("shift") or "—", items="; ".join(names) or "—"))
        if src.get("checked_by"):
            lines.append(_("Checked by %(who)s at %(at)s.", who=src["checked_by"], at=_when(src.get("checked_at"))))
    elif src.get("kind") == "report" and src.get("due_at"):
        what = {"weekly": _("weekly report"), "monthly": _("monthly report")}.get(src.get("report_kind"), "")
        lines.append(_("Your %(what)s for the period from %(period)s was due at %(due)s.",
                       what=what, period=src.get("period"), due=_when(src.get("due_at"))))
        if src.get("nominal_due_at"):
            lines.append(_("The rule book's deadline, %(nominal)s, fell on a public holiday or a rest day, so it "
                           "moved to the next working day.", nominal=_when(src["nominal_due_at"])))
        if src.get("handed_in_at"):
            lines.append(_("It was handed in at %(at)s, after the deadline.", at=_when(src["handed_in_at"])))
        else:
            lines.append(_("It had not been handed in when it was judged at %(at)s.",
                           at=_when(src.get("judged_at"))))
    elif src.get("kind") == "handover" and src.get("handover"):
        lines.append(_("Handover #%(id)s for %(day)s, written at %(at)s.", id=src["handover"], day=src.get("day"),
                       at=_when(src.get("written_at"))))
        if src.get("empty"):
            lines.append(_("It was empty: no open cases, keys or notes."))
        else:
            lines.append(_("Open cases: %(cases)s · Keys: %(keys)s · Notes: %(notes)s",
                           cases=src.get("open_cases") or "—", keys=src.get("keys") or "—",
                           notes=src.get("notes") or "—"))
        lines.append(_("Acknowledged at %(at)s.", at=_when(src["acknowledged_at"])) if src.get("acknowledged_at")
                     else _("Nobody had acknowledged it."))
    else:
        lines.append(_("Source: %(source)s.", source=SOURCE_LABELS.get(src.get("kind"), src.get("kind"))))
    lines.append(_("Recorded by %(who)s at %(at)s.", who=src.get("recorded_by") or _("(system)"),
                   at=_when(src.get("recorded_at"))))
    if src.get("note"):
        lines.append(_("Note: %(note)s", note=violation_note(src["note"])))
    lines.append(_("Photo evidence is kept (SHA-256 %(sha)s).", sha=src.get("evidence_sha256"))
                 if src.get("evidence") else _("No photo evidence was attached."))
    return lines


def _effect_lines(data: dict) -> list[str]:
    """What the sanction did besides money and points, and the recorder's choice where the book says "or"."""
    lines = []
    choice = data.get("choice")
    if choice:
        offered = (" / " if _en() else "／").join(str(SANCTION_LABELS.get(o, o)) for o in choice["offered"])
        lines.append(_("The rule book leaves a choice here (%(offered)s); the recorder chose: %(chosen)s. Their "
                       "reason is in the note above.", offered=offered,
                       chosen=str(SANCTION_LABELS.get(choice["chosen"], choice["chosen"]))))
    if data.get("sanction") == "criticism":
        lines.append(_("A criticism is a recorded notice: it costs no money."))
    if data.get("forfeits"):
        lines.append(_("The month's reward (%(reward)s) is forfeited for the month of this violation only.",
                       reward=data["forfeits"]))
    days = data.get("training_days") or []
    if days:
        lines.append(_("Stand-down for retraining: %(n)s days on the roster as training, %(first)s to %(last)s; "
                       "the policy sets how those days are paid.", n=len(days), first=days[0], last=days[-1]))
    transfer = data.get("transfer")
    if transfer:
        if transfer["status"] == "done":
            lines.append(_("Transfer off the post, completed by HR on %(at)s: %(note)s",
                           at=_when(transfer["completed_at"])[:10], note=transfer.get("note") or ""))
        elif transfer["status"] == "pending":
            lines.append(_("Transfer off the post: decided, HR is to complete it."))
        else:
            lines.append(_("Transfer off the post: cancelled with the violation."))
    return lines


def explanation_sections(data: dict, rule=None, after_ladder: str = "review") -> list[tuple[str, list[str]]]:
    """(heading, sentences) in order: the rule and its rule book, what happened, the counting and the step,
    the appeal."""
    rule_name = data["rule"]["name_en"] if _en() else data["rule"]["name_zh"]
    book = data["rule_book"]
    rule_lines = [_("Rule: %(name)s (%(code)s).", name=rule_name, code=data["rule"]["code"])]
    if book.get("adopted_on"):
        rule_lines.append(_("It stands in the rules version %(v)s, adopted on %(d)s by %(body)s and published "
                            "on %(at)s.", v=book.get("version"), d=book["adopted_on"], body=book.get("adopted_by"),
                            at=_when(book.get("published_at"))[:10]))
    else:
        rule_lines.append(_("Rules version %(v)s (not published).", v=book.get("version")))
    rule_lines.append(_("You acknowledged these rules on %(at)s.", at=_when(book["acknowledged_at"]))
                      if book.get("acknowledged_at") else _("You have not acknowledged these rules yet."))
    if rule is not None:
        rule_lines.append(_("The ladder: %(steps)s", steps=("; " if _en() else "；").join(
            ladder_sentences(rule, after_ladder))))

    window = data.get("window") or {}
    if window.get("days"):
        span = _("in the last %(n)s days", n=window["days"])
    elif window.get("calendar") == "month":
        span = _("in the same calendar month")
    else:
        span = _("in the same calendar year")
    counted = data.get("counted") or []
    count_lines = [_("Earlier occurrences of this rule counted %(span)s: %(n)s.", span=span, n=len(counted))]
    for c in counted:
        line = _("No. %(n)s on %(at)s (%(sanction)s)", n=c["occurrence"], at=_when(c["occurred_at"]),
                 sanction=str(SANCTION_LABELS.get(c["sanction"], c["sanction"])))
        if c.get("reversed_since"):
            line += " — " + _("reversed since, no longer counted")
        count_lines.append(line)
    step = rule.ladder[min(data["step"], len(rule.ladder)) - 1] if rule is not None and rule.ladder else None
    count_lines.append(_("So this is occurrence no. %(n)s, and step %(step)s applies: %(what)s.",
                         n=data["occurrence"], step=data["step"],
                         what=step_what(step) if step is not None
                         else str(SANCTION_LABELS.get(data["sanction"], data["sanction"]))))
    count_lines.append(_("Fine %(fine)s yuan, %(points)s points deducted.", fine=data["fine"], points=data["points"]))
    if data.get("flagged_for_review"):
        count_lines.append(_("Past the end of the ladder: flagged for review"))
    count_lines.extend(_effect_lines(data))

    appeal = data.get("appeal")
    if appeal:
        appeal_lines = [_("Appeal filed on %(at)s: %(reason)s", at=_when(appeal["filed_at"]), reason=appeal["reason"]),
                        str(APPEAL_LABELS.get(appeal["status"], appeal["status"]))]
        if appeal.get("decided_at"):
            appeal_lines.append(_("Decided by %(who)s on %(at)s: %(reason)s", who=appeal.get("decided_by") or "",
                                  at=_when(appeal["decided_at"]), reason=appeal.get("decision_reason") or ""))
    elif data.get("reversed_at"):
        appeal_lines = [_("Reversed: %(reason)s", reason=ledger_reason(data.get("reversed_reason")))]
    else:
        appeal_lines = [_("You may appeal once, with your reason, from the violation's page; your supervisor "
                          "(or a manager) decides. If the penalty is overturned, its fine is reversed.")]
    return [(_("The rule"), rule_lines), (_("What happened"), _what_happened(data["source"])),
            (_("How the penalty was set"), count_lines), (_("Appeal"), appeal_lines)]
