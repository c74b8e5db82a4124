"""A reply whose answer never reached the browser (the line dropped after the server saved it)
is sent again by a second click on Send: the patient gets it once (static/js/forms.js gives
the form a key, core/idempotency.py carries a key out once)."""

import re

import pytest

from core.roles import Role
from messaging.models import Message
from tests.factories import ClinicFactory, UserFactory
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reply_sent_again_after_a_lost_answer_reaches_the_patient_once(page, log_in):
    clinic = ClinicFactory(name="Riverside Clinic")
    nurse = UserFactory(clinic=clinic, role=Role.NURSE, email="nurse@example.org")
    thread = make_thread(nurse, PatientFactory(clinic=clinic), subject="Your results")
    log_in(nurse.email)
    page.goto(f"/messages/{thread.pk}/")
    posts = []

    def lose_the_first_answer(route):
        posts.append(route.request.post_data)
        if len(posts) == 1:
            route.fetch(max_redirects=0)  # the server saves the reply...
            route.abort("aborted")  # ...and its answer is lost on the way back
        else:
            route.continue_()

    page.route(f"**/messages/{thread.pk}/reply/", lose_the_first_answer)
    page.get_by_label("Reply").fill("Your results are normal.")
    send = page.get_by_role("button", name="Send")
    send.click()
    page.wait_for_function("() => !document.querySelector('form[data-hp-posting]')")
    send.click()  # nothing seemed to happen: the nurse clicks again
    page.get_by_text("This form had already been sent; it was not sent twice.").wait_for()

    keys = [re.search(r'name="_submission"\r\n\r\n(\w+)', post).group(1) for post in posts]
    assert len(keys) == 2 and keys[0] == keys[1]  # the same key, sent twice
    assert Message.objects.filter(thread=thread, text="Your results are normal.").count() == 1
    page.get_by_text("Your results are normal.").first.wait_for()
