"""A form sent with a stale CSRF token (a page opened before signing in again) gets the app's
own page saying what to do, not Django's technical one, and nothing is saved."""

import pytest
from django.test import Client

from patients.models import Patient
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_a_stale_form_says_to_reload_and_saves_nothing(clinic, admin_user):
    patient = PatientFactory(clinic=clinic, last_name="Lovelace")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post(
        f"/patients/{patient.pk}/edit/",
        {"first_name": "Ada", "last_name": "Byron", "csrfmiddlewaretoken": "stale" * 8},
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "This page has expired" in page and "reload the page" in page
    assert "CSRF verification failed" not in page
    assert Patient.objects.get(pk=patient.pk).last_name == "Lovelace"
