"""A page stays open for minutes: a result corrected after it was drawn is not signed off,
re-corrected or marked as told from it. The page posts back the value it showed
(labs.services.value_shown), and the service compares it with the row as it is now."""

import pytest
from django.test import Client

from core.roles import Role
from labs import services
from labs.models import LabResult, LabResultRevision
from tests.core.test_edit_forms import drawn_form
from tests.labs import test_html_base as base
from tests.labs.test_html_base import GLUCOSE, POTASSIUM, add_result
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db
catalogue, patient = base.catalogue, base.patient
MEANWHILE = "This result was corrected while you had it open"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def correct(result, staff, value):
    services.result_correct(
        actor=staff[Role.LAB_TECH], result=LabResult.objects.get(pk=result.pk), value=value,
        reason="re-run",
    )  # fmt: skip


def test_a_result_page_open_before_a_correction_does_not_sign_it_off(staff, patient, catalogue):
    result = add_result(staff[Role.LAB_TECH], patient, catalogue[GLUCOSE], "95")
    clinician = signed_in(staff[Role.CLINICIAN])
    form = drawn_form(clinician.get(f"/labs/results/{result.pk}/"))
    correct(result, staff, "250")

    response = clinician.post(f"/labs/results/{result.pk}/review/", form, follow=True)

    assert MEANWHILE in page_text(response)
    assert LabResult.objects.get(pk=result.pk).reviewed_at is None
    # Drawn again, the page shows the new value, and its sign-off goes through.
    form = drawn_form(clinician.get(f"/labs/results/{result.pk}/"))
    clinician.post(f"/labs/results/{result.pk}/review/", form)
    assert LabResult.objects.get(pk=result.pk).reviewed_at is not None


def test_a_correction_page_open_before_another_correction_is_refused(staff, patient, catalogue):
    result = add_result(staff[Role.LAB_TECH], patient, catalogue[GLUCOSE], "95")
    tech = signed_in(staff[Role.LAB_TECH])
    form = drawn_form(tech.get(f"/labs/results/{result.pk}/correct/"))
    correct(result, staff, "105")

    form.update(value="110", reason="typo")
    response = tech.post(f"/labs/results/{result.pk}/correct/", form, follow=True)

    assert MEANWHILE in page_text(response)
    assert float(LabResult.objects.get(pk=result.pk).value_numeric) == 105
    assert LabResultRevision.objects.filter(result=result).count() == 1


def test_a_communication_page_open_before_a_correction_is_refused(staff, patient, catalogue):
    result = add_result(staff[Role.LAB_TECH], patient, catalogue[POTASSIUM], "7.0")
    nurse = signed_in(staff[Role.NURSE])
    form = drawn_form(nurse.get(f"/labs/results/{result.pk}/communication/"))
    correct(result, staff, "2.0")  # critical still, but not what the nurse phoned about

    form.update(communicated_to="Dr Grey", method="phone")
    response = nurse.post(f"/labs/results/{result.pk}/communication/", form, follow=True)

    assert MEANWHILE in page_text(response)
    assert LabResult.objects.get(pk=result.pk).needs_communication


def test_the_review_queue_open_before_a_correction_signs_nothing_off(staff, patient, catalogue):
    result = add_result(staff[Role.LAB_TECH], patient, catalogue[GLUCOSE], "95")
    clinician = signed_in(staff[Role.CLINICIAN])
    form = drawn_form(clinician.get("/labs/review/"))
    correct(result, staff, "96")

    form.update(scope="patient", patient=patient.pk)
    response = clinician.post("/labs/review/sign-off/", form, follow=True)

    assert MEANWHILE in page_text(response)
    assert LabResult.objects.get(pk=result.pk).reviewed_at is None


def test_the_app_sends_back_the_value_it_showed(staff, patient, catalogue, api_as):
    result = add_result(staff[Role.LAB_TECH], patient, catalogue[GLUCOSE], "95")
    clinician = api_as(staff[Role.CLINICIAN])
    shown_then = clinician.get(f"/api/v1/labs/results/{result.pk}").json()["value_shown"]
    correct(result, staff, "250")

    refused = clinician.post(
        f"/api/v1/labs/results/{result.pk}/review", {"shown": shown_then}, format="json"
    )

    assert refused.status_code == 409 and MEANWHILE in refused.json()["detail"]
    now = clinician.get(f"/api/v1/labs/results/{result.pk}").json()["value_shown"]
    signed = clinician.post(
        f"/api/v1/labs/results/{result.pk}/review", {"shown": now}, format="json"
    )
    assert signed.status_code == 200 and signed.json()["reviewed_at"]


def test_the_app_signing_off_a_patients_results_sends_back_what_it_showed(
    staff, patient, catalogue, api_as
):
    result = add_result(staff[Role.LAB_TECH], patient, catalogue[GLUCOSE], "95")
    clinician = api_as(staff[Role.CLINICIAN])
    shown_then = clinician.get(f"/api/v1/labs/results/{result.pk}").json()["value_shown"]
    correct(result, staff, "96")
    body = {"patient": str(patient.pk), "shown": {str(result.pk): shown_then}}

    refused = clinician.post("/api/v1/labs/results/bulk-review", body, format="json")

    assert refused.status_code == 409 and MEANWHILE in refused.json()["detail"]
    assert LabResult.objects.get(pk=result.pk).reviewed_at is None
    body["shown"] = {str(result.pk): services.value_shown(LabResult.objects.get(pk=result.pk))}
    signed = clinician.post("/api/v1/labs/results/bulk-review", body, format="json")
    assert signed.status_code == 200 and [r["id"] for r in signed.json()["reviewed"]] == [
        str(result.pk)
    ]


def test_a_bulk_sign_off_with_a_malformed_shown_map_is_a_400(staff, patient, catalogue, api_as):
    add_result(staff[Role.LAB_TECH], patient, catalogue[GLUCOSE], "95")
    clinician = api_as(staff[Role.CLINICIAN])

    refused = clinician.post(
        "/api/v1/labs/results/bulk-review",
        {"patient": str(patient.pk), "shown": ["not", "a", "map"]},
        format="json",
    )

    assert refused.status_code == 400 and "shown" in refused.json()["errors"]
    assert not LabResult.objects.filter(reviewed_at__isnull=False).exists()
