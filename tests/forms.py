"""Read a page's form the way a browser would submit it untouched."""

from __future__ import annotations

import re


def form_as_rendered(html: str) -> dict[str, list[str]]:
    """Each named input's value (checkboxes only when checked), each select's selected (else first) option."""
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if not name or 'type="submit"' in tag or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        data.setdefault(name.group(1), []).append(value.group(1) if value else ("y" if "checkbox" in tag else ""))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option selected value="([^"]*)"', options) or re.findall(r'value="([^"]*)"', options)
        data[name] = chosen[:1]
    return data
