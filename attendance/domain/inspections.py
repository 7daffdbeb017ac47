"""Quality inspection (质检) of a call or chat: finding the rule books' service phrases in a transcript.

The forbidden phrases (服务忌语, 004 三) and the required ones (文明用语) are policy data. A transcript is
matched ignoring punctuation, spaces and the width of letters, so "喂,干什么" in the rule book finds
"喂，干什么！" typed by a customer-service agent; each match keeps its place in the original text, for
highlighting it before the inspector confirms.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from attendance.domain.errors import N_, InvalidInput
from attendance.domain.policy.model import ServicePhrase, ServicePhrasePolicy

CHANNELS = ("call", "chat")
MAX_TRANSCRIPT = 20_000
_IGNORED = set(" \t\r\n,，.。!！?？、;；:：\"'“”‘’…-—~～()（）[]【】")


@dataclass(frozen=True)
class Match:
    code: str
    kind: str  # forbidden / required
    category: str
    phrase: str
    start: int  # in the original text
    end: int


def _normal(text: str) -> tuple[str, list[int]]:
    """The text without ignored characters, folded (NFKC, lower case), and where each kept character was."""
    kept, where = [], []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).lower()
        if ch in _IGNORED or folded in _IGNORED or not folded.strip():
            continue
        for c in folded:
            kept.append(c)
            where.append(i)
    return "".join(kept), where


def find(text: str, policy: ServicePhrasePolicy) -> list[Match]:
    """Every occurrence of every phrase in ``text``, by position; where two overlap, the longer phrase wins
    (a forbidden one before a required one of the same length)."""
    normal, where = _normal(text or "")
    found: list[Match] = []
    for kind, phrases in (("forbidden", policy.forbidden), ("required", policy.required)):
        for phrase in phrases:
            needle, _ = _normal(phrase.text)
            if not needle:
                continue
            at = normal.find(needle)
            while at >= 0:
                found.append(Match(phrase.code, kind, phrase.category, phrase.text, where[at],
                                   where[at + len(needle) - 1] + 1))
                at = normal.find(needle, at + 1)
    found.sort(key=lambda m: (m.start, -(m.end - m.start), m.kind != "forbidden"))
    kept: list[Match] = []
    for m in found:
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


def segments(text: str, matches: list[Match]) -> list[tuple[str, Match | None]]:
    """The text cut at the matches, for highlighting: (piece, the match it is, or None)."""
    out, at = [], 0
    for m in matches:
        if m.start > at:
            out.append((text[at:m.start], None))
        out.append((text[m.start:m.end], m))
        at = m.end
    if at < len(text or ""):
        out.append((text[at:], None))
    return out


def by_code(policy: ServicePhrasePolicy) -> dict[str, tuple[str, ServicePhrase]]:
    return {**{p.code: ("forbidden", p) for p in policy.forbidden},
            **{p.code: ("required", p) for p in policy.required}}


def check_phrases(codes: list[str], policy: ServicePhrasePolicy) -> list[str]:
    """The codes heard, each known and once, in the policy's order. :raise InvalidInput: an unknown code."""
    known = by_code(policy)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(f"unknown phrase codes {unknown}", fields={"phrases": N_("unknown phrase code")})
    order = list(known)
    return sorted(set(codes), key=order.index)


def check_score(value: object, max_score: int) -> int:
    """A whole number from 0 to ``max_score``. :raise InvalidInput: naming ``score``."""
    try:
        score = int(str(value).strip())
        if str(score) != str(value).strip() and not isinstance(value, int):
            raise ValueError(value)
    except (TypeError, ValueError):
        raise InvalidInput("score is a whole number", fields={"score": N_("a whole number")}) from None
    if isinstance(value, bool) or not 0 <= score <= max_score:
        raise InvalidInput("score out of range", fields={"score": N_("out of range")})
    return score
