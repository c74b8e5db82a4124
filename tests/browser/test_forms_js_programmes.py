"""A task's form refused on the enrolment page opens where the nurse must correct it
(static/js/forms.js, as every form does): on the refused field, or, for a refusal of no one
field (the service's "Missing: Diastolic."), on the form's error box, which is read out."""

import re

import pytest

from core.roles import Role
from tests.patients.factories import PatientFactory
from tests.programs.factories import bp_task, enrol, install

RECORD = re.compile(r"^Record reading\s*: Blood pressure$")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect();
  return {id: el.id, form: el.closest("form") && el.closest("form").id, text: el.innerText,
          inView: box.top >= 0 && box.bottom <= window.innerHeight};
}"""


@pytest.fixture
def refuse(page, log_in, clinician, staff, clinic):
    """Post the blood pressure task's form with `systolic` and `diastolic` typed, on a phone;
    returns the task once the refused page has loaded."""
    install(clinic)
    enrollment = enrol(clinician, PatientFactory(clinic=clinic))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(staff[Role.NURSE].email)

    def refuse(systolic: str, diastolic: str):
        page.goto(f"/programs/enrollments/{enrollment.pk}/")
        page.get_by_label("Systolic (mmHg)").fill(systolic)
        page.get_by_label("Diastolic (mmHg)").fill(diastolic)
        page.get_by_role("button", name=RECORD).click()
        page.get_by_text("“Blood pressure” was not recorded.").wait_for()
        page.wait_for_load_state("load")  # forms.js focuses once the page has loaded
        return bp_task(enrollment)

    return refuse


def test_a_refused_field_is_focused(page, refuse):
    task = refuse("12,8", "80")  # the clinic writes a decimal point: the field is refused
    focused = page.evaluate(FOCUSED)
    assert focused["id"] == f"task-{task.pk}-value_0" and focused["inView"]


def test_a_refusal_of_no_one_field_focuses_the_form_s_error_box(page, refuse):
    task = refuse("128", "")
    focused = page.evaluate(FOCUSED)
    assert focused["form"] == f"task-{task.pk}" and focused["inView"]
    assert "Missing: Diastolic." in focused["text"]
    assert page.evaluate("() => document.activeElement.tabIndex") == -1  # not a Tab stop
