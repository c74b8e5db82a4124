"""Critical values (HH/LL): the alert goes out at once, someone records who was told, how and
when, and until then the result cannot be signed off (409 / an error on the page)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from core.errors import Conflict
from core.roles import Role
from labs import services
from labs.models import LabResult
from notifications.models import Notification
from tests.labs.factories import (
    GLUCOSE,
    POTASSIUM,
    communicate,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db
RESULTS = "/api/v1/labs/results"


@pytest.fixture
def catalogue(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def patient(clinic, catalogue):
    return make_patient(clinic)


@pytest.fixture
def clinician(staff):
    return staff[Role.CLINICIAN]


@pytest.fixture
def tech(staff):
    return staff[Role.LAB_TECH]


@pytest.fixture
def potassium(patient, catalogue, clinician, tech):
    order = make_order(patient, actor=clinician, tests=[catalogue[POTASSIUM]])
    return make_result(patient, catalogue[POTASSIUM], "7.2", actor=tech, order=order)


# --- service --------------------------------------------------------------------------------------
def test_a_critical_value_alerts_the_ordering_clinician_at_once(potassium, clinician):
    assert potassium.flag == "critical_high" and potassium.needs_communication
    [note] = Notification.objects.filter(event="labs.critical_result")
    assert note.recipient == clinician


def test_it_cannot_be_reviewed_until_its_communication_is_recorded(potassium, clinician, tech):
    with pytest.raises(Conflict, match="Record who was told"):
        services.result_review(actor=clinician, result=potassium)
    told = timezone.now() - datetime.timedelta(minutes=5)
    services.critical_communication_record(
        actor=tech,
        result=potassium,
        communicated_to="Dr Patel (on call)",
        method="phone",
        communicated_at=told,
    )
    potassium.refresh_from_db()
    assert potassium.critical_communicated_to == "Dr Patel (on call)"
    assert potassium.critical_communicated_by == tech
    assert abs(potassium.critical_communicated_at - told) < datetime.timedelta(seconds=1)
    audited = AuditEvent.objects.filter(object_id=str(potassium.pk), action="update")
    assert audited.filter(detail__startswith="critical value communicated to Dr Patel").exists()
    services.result_review(actor=clinician, result=potassium, comment="Repeat tomorrow")
    assert LabResult.objects.get(pk=potassium.pk).reviewed_by == clinician


def test_the_communication_is_recorded_once(potassium, tech):
    communicate(potassium, actor=tech)
    with pytest.raises(Conflict, match="already recorded"):
        communicate(potassium, actor=tech, to="Someone else")
    stale = LabResult.objects.get(pk=potassium.pk)
    stale.critical_communicated_at = None  # a second user's page, loaded before the first save
    with pytest.raises(Conflict):
        communicate(stale, actor=tech, to="Someone else")
    assert LabResult.objects.get(pk=potassium.pk).critical_communicated_to == "Dr Grey (on call)"


def test_only_a_critical_result_has_one_and_its_fields_are_checked(patient, catalogue, tech):
    normal = make_result(patient, catalogue[GLUCOSE], "90", actor=tech)
    with pytest.raises(ValidationError, match="Only a critical result"):
        communicate(normal, actor=tech)
    critical = make_result(patient, catalogue[GLUCOSE], "30", actor=tech)
    with pytest.raises(ValidationError) as caught:
        services.critical_communication_record(
            actor=tech,
            result=critical,
            communicated_to=" ",
            method="pigeon",
            communicated_at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert set(caught.value.message_dict) == {"communicated_to", "method", "communicated_at"}


def test_a_corrected_critical_value_is_told_again(potassium, tech, clinician):
    communicate(potassium, actor=tech)
    corrected = services.result_correct(actor=tech, result=potassium, value="7.8", reason="Rerun")
    assert corrected.needs_communication
    with pytest.raises(Conflict):
        services.result_review(actor=clinician, result=corrected)


def test_a_receptionist_may_not_record_it(potassium, staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        communicate(potassium, actor=staff[Role.RECEPTIONIST])


# --- API ------------------------------------------------------------------------------------------
def test_api_review_is_409_until_the_communication_is_posted(api_as, potassium, tech, clinician):
    doctor = api_as(clinician)
    refused = doctor.post(f"{RESULTS}/{potassium.pk}/review", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["results"] == [str(potassium.pk)]
    assert doctor.get(f"{RESULTS}/{potassium.pk}/").json()["needs_communication"] is True

    body = {
        "communicated_to": "Dr Patel",
        "method": "in_person",
        "communicated_at": (timezone.now() - datetime.timedelta(minutes=3)).isoformat(),
    }
    told = api_as(tech).post(
        f"{RESULTS}/{potassium.pk}/critical-communication", body, format="json"
    )
    assert told.status_code == 200, told.content
    data = told.json()
    assert data["needs_communication"] is False
    assert data["critical_communicated_to"] == "Dr Patel"
    assert data["critical_communication_method"] == "in_person"
    again = api_as(tech).post(
        f"{RESULTS}/{potassium.pk}/critical-communication", body, format="json"
    )
    assert again.status_code == 409
    assert doctor.post(f"{RESULTS}/{potassium.pk}/review", {}, format="json").status_code == 200


def test_api_communication_needs_who_and_how(api_as, potassium, tech):
    response = api_as(tech).post(
        f"{RESULTS}/{potassium.pk}/critical-communication", {"method": "fax"}, format="json"
    )
    assert response.status_code == 400
    assert {"communicated_to", "method"} <= set(response.json()["errors"])


# --- HTML -----------------------------------------------------------------------------------------
def test_entering_a_critical_value_says_so_and_asks_who_was_told(
    client, tech, patient, catalogue, clinician
):
    order = make_order(patient, actor=clinician, tests=[catalogue[POTASSIUM], catalogue[GLUCOSE]])
    client.force_login(tech)
    when = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    items = list(order.items.order_by("created_at"))
    data = {"collected_at": when.strftime("%Y-%m-%dT%H:%M"), "status": "final"}
    for index, item in enumerate(items):
        data[f"r{index}-value"] = "7.2" if item.test.loinc_code == POTASSIUM else "90"
    response = client.post(f"/labs/orders/{order.pk}/results/", data, follow=True)

    potassium = LabResult.objects.get(test__loinc_code=POTASSIUM)
    assert response.redirect_chain[-1][0] == f"/labs/results/{potassium.pk}/communication/"
    text = page_text(response)
    assert "2 results saved, including a CRITICAL value: Potassium 7.2 mmol/L" in text
    assert "cannot be signed off until this is recorded" in text

    recorded = client.post(
        f"/labs/results/{potassium.pk}/communication/",
        {
            "communicated_to": "Dr Patel",
            "method": "phone",
            "communicated_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert "was communicated to Dr Patel" in page_text(recorded)
    assert "Dr Patel at" in page_text(recorded)  # the result's page shows who was told
    assert not LabResult.objects.get(pk=potassium.pk).needs_communication


def test_the_result_page_offers_no_sign_off_before_the_communication(client, potassium, clinician):
    client.force_login(clinician)
    text = page_text(client.get(f"/labs/results/{potassium.pk}/"))
    assert "Not yet recorded: the result cannot be signed off." in text
    assert f'action="/labs/results/{potassium.pk}/review/"' not in text
    refused = client.post(f"/labs/results/{potassium.pk}/review/", {}, follow=True)
    assert "Record who was told of the critical value first" in page_text(refused)
    assert LabResult.objects.get(pk=potassium.pk).reviewed_at is None


def test_an_outside_critical_result_goes_to_the_communication_page(
    client, staff, patient, catalogue
):
    client.force_login(staff[Role.NURSE])
    when = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    response = client.post(
        f"/labs/patients/{patient.pk}/results/new/",
        {
            "test": catalogue[GLUCOSE].pk,
            "value": "30",
            "collected_at": when.strftime("%Y-%m-%dT%H:%M"),
            "status": "final",
        },
    )
    result = LabResult.objects.get()
    assert response.status_code == 302
    assert response.url == f"/labs/results/{result.pk}/communication/"
