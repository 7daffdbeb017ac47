"""Photo evidence of a violation: checked by its bytes, stored under the instance folder, served to those who
may see the violation, and removed again when the transaction that stored it does not commit."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from flask import current_app

from attendance.domain.discipline import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    sniff_image,
)
from attendance.domain.errors import N_, InvalidInput
from attendance.reporting.images import NotAnImage, clean_photo

# --- evidence ----------------------------------------------------------------------------------
from attendance.services.transaction import on_rollback


def check_evidence(evidence: tuple[str, bytes, str]) -> tuple[bytes, str]:
    """The photo's bytes and real type. :raise InvalidInput: empty, too large, or not JPEG/PNG/WebP."""
    _name, data, _declared = evidence  # the declared type is not trusted: the bytes decide
    limit = current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    if not data:
        raise InvalidInput(N_("the evidence file is empty"), fields={"evidence": N_("empty")})
    if len(data) > limit:
        raise InvalidInput(N_("the evidence photo is too large"),
                           fields={"evidence": N_("at most %(mb)s MB",
                                                  mb=limit // 1048576) if limit >= 1048576
                                   else N_("at most %(limit)s bytes", limit=limit)})
    mime = sniff_image(data)
    if mime is None:
        raise InvalidInput(N_("evidence must be a JPEG, PNG or WebP photo"),
                           fields={"evidence": N_("JPEG, PNG or WebP")})
    try:
        return clean_photo(data, mime), mime  # kept without EXIF (GPS) or anything hidden after the picture
    except NotAnImage:
        raise InvalidInput(N_("the evidence photo cannot be read"),
                           fields={"evidence": N_("not a readable photo")}) from None


def save(data: bytes, mime: str) -> tuple[str, str, str]:
    """Store a checked photo; (relative path, type, SHA-256). The file goes again if the use case rolls back."""
    folder = Path(current_app.instance_path) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{EVIDENCE_TYPES[mime]}"
    (folder / name).write_bytes(data)
    relative = f"evidence/{name}"
    on_rollback(lambda: remove([relative]))
    return relative, mime, hashlib.sha256(data).hexdigest()


def stored_path(relative: str) -> Path:
    """Where a stored evidence file (as kept on the violation) is on disk."""
    return Path(current_app.instance_path) / relative


def remove(relative_paths) -> None:
    """Delete stored evidence files (those of a check that no longer keeps them, or of a rolled-back use case)."""
    for relative in relative_paths:
        stored_path(relative).unlink(missing_ok=True)
