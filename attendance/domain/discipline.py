"""Discipline vocabulary and the evidence-photo check (docs/rules.md §7): plain values, no I/O."""

from __future__ import annotations

# Where a violation came from; kept on the violation for reports and for the person to see.
SOURCES = ("manual", "grooming", "attendance", "complaint", "swap", "meeting", "report", "handover", "inspection")
APPEAL_STATUSES = ("pending", "upheld", "overturned")
APPEAL_OUTCOMES = ("upheld", "overturned")
DISMISSAL_STATUSES = ("pending", "dismiss", "final_warning", "dropped")
DISMISSAL_OUTCOMES = ("dismiss", "final_warning", "dropped")
TRANSFER_STATUSES = ("pending", "done", "cancelled")  # a 调岗 decision HR completes; cancelled: reversed
NOMINATION_STATUSES = ("pending", "confirmed", "declined")  # 工作突出 nominations for a month's reward
NOMINATION_OUTCOMES = ("confirmed", "declined")

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes really are (by their magic number), or None if not JPEG/PNG/WebP."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
