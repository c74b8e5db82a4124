"""A platform superuser of no clinic: a home page that says so, no clinic badge, no dead links."""

import re

from core.roles import Role
from tests.factories import UserFactory


def test_superuser_without_a_clinic_gets_a_useful_home(client, db):
    root = UserFactory(clinic=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    client.force_login(root)

    page = client.get("/").content.decode()

    assert "does not belong to a clinic" in page and 'href="/admin/"' in page
    badge = re.search(r'<span class="hp-role-badge">(.*?)</span>', page)[1]
    assert badge == "Platform admin"
    for href in set(re.findall(r'href="(/[^"#?]*)"', page)):
        if href.startswith(("/static/", "/admin/", "/api/")):
            continue
        assert client.get(href).status_code != 404, href
