"""Text the system can keep: no NUL and no unpaired surrogate.

PostgreSQL refuses a NUL in a text (or JSON) column, and an unpaired surrogate (``"\\ud800"`` in JSON) is no
character at all: it cannot be written as UTF-8, so neither database nor a JSON answer can carry it. Either
one in input is bad input (400), never a database error (500). Found by the API fuzzer
(tests/api/test_fuzz_api.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from attendance.domain.errors import N_

_UNFIT = re.compile("[\x00\ud800-\udfff]")
NOT_TEXT = N_("contains a NUL or an unpaired surrogate, which is not text")


def fit(text: str) -> bool:
    """Whether ``text`` can be stored and sent back as it is."""
    return _UNFIT.search(text) is None


def unfit_paths(value: object, path: str = "") -> Iterator[str]:
    """Where in a JSON-like value (mappings, lists, strings; keys too) some text is not fit to keep."""
    if isinstance(value, str):
        if not fit(value):
            yield path or "_body"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not fit(key):
                yield path or "_body"  # the key itself cannot be named in the answer
            else:
                yield from unfit_paths(item, where)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from unfit_paths(item, f"{path}[{i}]")
