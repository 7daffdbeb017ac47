"""Personal-data pages (issue 14 items 5–6): my data as a download; HR's list of who viewed sensitive files."""

from __future__ import annotations

import pytest

from attendance.domain.policy import ROLES
from tests.conftest import login, make_person, make_team

# (method, path, roles allowed)
PAGES = [
    ("GET", "/me/export.zip", set(ROLES)),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_privacy_pages_it_should(client, app, role):
    team = make_team("T1", "热线一组")
    caller = make_person([role], team if role in ("staff", "lead") else None)
    login(client, caller)
    for method, path, roles in PAGES:
        response = client.open(path, method=method)
        if role in roles:
            assert response.status_code == 200, (role, method, path, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, path, response.status_code)


def test_without_a_session_the_privacy_pages_send_you_to_login(client, app):
    for method, path, _roles in PAGES:
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
