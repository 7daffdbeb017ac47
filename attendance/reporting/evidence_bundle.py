"""The evidence bundle of one violation as a ZIP, from plain data the discipline service gathered:

- ``summary.pdf``: the explanation, the rule text, the rule book's publication and acknowledgement, the appeal
  and its decision, who did what and when, the files and their SHA-256, the ledger entries and the chain check;
- ``explanation.json``, ``ledger.json`` (the violation's entries with their stored and recomputed hashes, and
  the verify result of the whole chain), ``trail.json`` (the audit events);
- ``evidence/…``: the photo(s) and the minute of adoption, as stored;
- ``SHA256SUMS``: every other file of the bundle with its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from attendance.reporting.discipline_documents import _font

BUNDLE_TITLE = "违纪处罚证据包"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # the same bundle twice is the same bytes


def summary_pdf(*, violation_id: int, employee: str, sections: list[tuple[str, list[str]]], rule_text: dict,
                trail: list[dict], files: list[tuple[str, bytes, str]], ledger: list[dict], verify: dict,
                compress: bool = True) -> bytes:
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=6)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    mono = ParagraphStyle("mono", fontName=font, fontSize=8, leading=11, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"{BUNDLE_TITLE} {violation_id}",
                            pageCompression=1 if compress else 0, invariant=1)
    story = [Paragraph(BUNDLE_TITLE, title), Paragraph(escape(f"#{violation_id} · {employee}"), body),
             Spacer(1, 4 * mm)]
    for heading, lines in sections:
        story.append(Paragraph(escape(heading), h2))
        story += [Paragraph(escape(line), body) for line in lines]
    story.append(Paragraph(escape(_("The rule as written in the rules version")), h2))
    story.append(Paragraph(escape(json.dumps(rule_text, ensure_ascii=False, default=str)), mono))
    story.append(Paragraph(escape(_("Who did what and when")), h2))
    story += [Paragraph(escape(f"{t['at'][:16].replace('T', ' ')} · {t['who']} · {t['action']} · "
                               f"{json.dumps(t['details'], ensure_ascii=False, default=str)}"), mono) for t in trail]
    story.append(Paragraph(escape(_("Evidence files")), h2))
    story += [Paragraph(escape(f"{name} · SHA-256 {sha}"), mono) for name, _data, sha in files] or [
        Paragraph(escape(_("None.")), body)]
    story.append(Paragraph(escape(_("Ledger entries (罚款台账)")), h2))
    story += [Paragraph(escape(f"#{e['id']} {e['kind']} {e['amount']} · {e['occurred_on']} · hash {e['hash']} · "
                               f"prev {e['prev_hash']}"), mono) for e in ledger]
    story.append(Paragraph(escape(
        _("Chain check: %(result)s, %(n)s entries walked, head %(head)s, at %(at)s.",
          result=_("intact") if verify["ok"] else _("broken at entry %(id)s: %(problem)s", id=verify["first_bad"],
                                                       problem=verify["problem"]),
          n=verify["entries"], head=verify["head"], at=verify["checked_at"][:16].replace("T", " "))), body))
    doc.build(story)
    return out.getvalue()


def build_bundle(*, violation_id: int, employee: str, sections: list[tuple[str, list[str]]], explanation: dict,
                 rule_text: dict, trail: list[dict], files: list[tuple[str, bytes, str]], ledger: list[dict],
                 verify: dict, appeal_id: int | None = None) -> bytes:
    """The ZIP's bytes. ``files``: ``(name in the bundle, bytes, sha256)``."""
    def dumps(value) -> bytes:
        return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()

    members: list[tuple[str, bytes]] = [
        ("summary.pdf", summary_pdf(violation_id=violation_id, employee=employee, sections=sections,
                                    rule_text=rule_text, trail=trail, files=files, ledger=ledger, verify=verify)),
        ("explanation.json", dumps({**explanation, "rule_text": rule_text, "appeal_id": appeal_id})),
        ("ledger.json", dumps({"entries": ledger, "verify": verify})),
        ("trail.json", dumps(trail)),
        *[(name, data) for name, data, _sha in files],
    ]
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [*members, ("SHA256SUMS", sums.encode())]:
            info = zipfile.ZipInfo(f"violation-{violation_id}/{name}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()
