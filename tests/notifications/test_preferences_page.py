"""The preferences page saves only the switches its user changed, judged against what the page
showed: a page opened before another tab's (or a colleague's) change does not switch it back,
and the same switch changed in both is refused, as on every edit page (ChangedFieldsMixin)."""

import pytest

from core.roles import Role
from notifications.models import Preference
from tests.core.test_edit_forms import drawn_form

pytestmark = pytest.mark.django_db

PAGE = "/notifications/preferences/"
EMAIL, PUSH = "labs.critical_result:email", "labs.critical_result:push"


def switched(form: dict, name: str, on: bool) -> dict:
    """The drawn form with one checkbox ticked or unticked, as the browser posts it."""
    form = {key: value for key, value in form.items() if key != name}
    return {**form, name: "on"} if on else form


def critical_result_channels(user) -> tuple[bool, bool, bool]:
    row = Preference.objects.get(user=user, event="labs.critical_result")
    return row.in_app, row.email, row.push


@pytest.fixture
def clinician_web(client, staff):
    client.force_login(staff[Role.CLINICIAN])
    return client


def test_two_tabs_changing_different_switches_keep_both(clinician_web, staff):
    tab_a = drawn_form(clinician_web.get(PAGE))
    tab_b = drawn_form(clinician_web.get(PAGE))
    assert clinician_web.post(PAGE, switched(tab_b, EMAIL, False)).status_code == 302

    response = clinician_web.post(PAGE, switched(tab_a, PUSH, False))

    assert response.status_code == 302
    assert critical_result_channels(staff[Role.CLINICIAN]) == (True, False, False)


def test_two_tabs_turning_off_the_same_switch_agree_and_keep_the_others_change(
    clinician_web, staff
):
    """A switch has two positions: both tabs changed it from what they showed, so both chose
    the same; unlike a text, there is no third value to refuse in favour of."""
    tab_a = drawn_form(clinician_web.get(PAGE))
    tab_b = drawn_form(clinician_web.get(PAGE))
    clinician_web.post(PAGE, switched(tab_b, PUSH, False))

    response = clinician_web.post(PAGE, switched(switched(tab_a, PUSH, False), EMAIL, False))

    assert response.status_code == 302
    assert critical_result_channels(staff[Role.CLINICIAN]) == (True, False, False)


def test_saving_the_page_unchanged_after_another_tabs_change_keeps_it(clinician_web, staff):
    tab_a = drawn_form(clinician_web.get(PAGE))
    clinician_web.post(PAGE, switched(drawn_form(clinician_web.get(PAGE)), PUSH, False))

    response = clinician_web.post(PAGE, tab_a, follow=True)

    assert "Nothing was changed." in response.content.decode()
    assert critical_result_channels(staff[Role.CLINICIAN]) == (True, True, False)
