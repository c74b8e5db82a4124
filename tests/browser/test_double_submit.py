"""A form posts once: a second click on Send while the first is on its way is not a second
message to the patient (static/js/forms.js, on every page)."""

import pytest

from core.roles import Role
from messaging.models import Message
from tests.factories import ClinicFactory, UserFactory
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLICK_TWICE = """() => {
  const send = [...document.querySelectorAll("button")].find(b => b.textContent.trim() === "Send");
  send.click();
  setTimeout(() => send.click(), 50);
}"""


def test_a_second_click_on_send_sends_nothing_more(page, log_in):
    clinic = ClinicFactory(name="Riverside Clinic")
    nurse = UserFactory(clinic=clinic, role=Role.NURSE, email="nurse@example.org")
    thread = make_thread(nurse, PatientFactory(clinic=clinic), subject="Your results")
    log_in(nurse.email)
    page.goto(f"/messages/{thread.pk}/")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    page.get_by_label("Reply").fill("Your results are normal.")
    page.evaluate(CLICK_TWICE)
    page.wait_for_timeout(500)  # the second click's request, if it were sent
    page.get_by_text("Your results are normal.").first.wait_for()

    assert len(posts) == 1
    assert Message.objects.filter(thread=thread, text="Your results are normal.").count() == 1
