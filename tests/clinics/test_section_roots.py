"""Set-up traps: every section's root leads somewhere, and a 404 is the project's own page."""

import pytest

from core.roles import Role


@pytest.mark.parametrize(
    "url,target",
    [("/labs/", "/labs/orders/"), ("/notes/", "/patients/"), ("/clinic/", "/clinic/settings/")],
)
def test_section_roots_lead_somewhere_useful(admin_web, url, target):
    response = admin_web.get(url)
    assert (response.status_code, response["Location"]) == (302, target)


def test_clinic_root_sends_other_staff_home(client, staff):
    client.force_login(staff[Role.NURSE])
    assert client.get("/clinic/")["Location"] == "/"


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_page_is_the_projects_own_404(admin_web, settings, debug):
    settings.DEBUG = debug
    for url in ("/no-such-page/", "/patients/000000000000000000000000/"):
        response = admin_web.get(url)
        page = response.content.decode()
        assert response.status_code == 404
        assert "There is nothing here, or it is not yours to see." in page
        assert "URLconf" not in page  # not Django's technical page
