"""Allergies always in view and the drug–allergy check: services, API and pages."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent
from core.errors import Conflict
from core.roles import Role
from patients import services, vocabulary
from patients.models import AllergyStatus, Medication, Patient
from tests.patients.factories import PatientFactory

API = "/api/v1/patients"


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")


def add_allergy(actor, patient, substance="Penicillin", severity="severe", **fields):
    return services.clinical_create(
        actor=actor,
        patient=patient,
        kind="allergies",
        substance=substance,
        severity=severity,
        reaction="Anaphylaxis",
        **fields,
    )


def prescribe(actor, patient, name, **fields):
    return services.clinical_create(
        actor=actor, patient=patient, kind="medications", name=name, **fields
    )


def status_of(patient) -> str:
    return Patient.objects.get(pk=patient.pk).allergy_status


# --- allergy status ------------------------------------------------------------------------------
def test_status_is_unknown_until_staff_record_no_known_allergies(clinician, patient):
    assert status_of(patient) == AllergyStatus.UNKNOWN

    services.allergy_status_set(
        actor=clinician, patient=patient, status=AllergyStatus.NO_KNOWN_ALLERGIES
    )

    assert status_of(patient) == AllergyStatus.NO_KNOWN_ALLERGIES
    row = AuditEvent.objects.get(patient_id=patient.pk, action="update")
    assert row.detail == "allergy_status=no_known_allergies"


def test_first_active_allergy_makes_has_allergies_and_removing_all_goes_back_to_unknown(
    clinician, patient
):
    services.allergy_status_set(actor=clinician, patient=patient, status="no_known_allergies")
    allergy = add_allergy(clinician, patient)
    assert status_of(patient) == AllergyStatus.HAS_ALLERGIES

    services.clinical_update(actor=clinician, record=allergy, status="resolved")
    assert status_of(patient) == AllergyStatus.UNKNOWN  # to be asked again, not assumed NKA

    services.clinical_update(actor=clinician, record=allergy, status="active")
    assert status_of(patient) == AllergyStatus.HAS_ALLERGIES
    services.clinical_delete(actor=clinician, record=allergy)
    assert status_of(patient) == AllergyStatus.UNKNOWN


def test_no_known_allergies_is_refused_while_an_allergy_is_active(clinician, patient):
    add_allergy(clinician, patient)
    with pytest.raises(Conflict):
        services.allergy_status_set(actor=clinician, patient=patient, status="no_known_allergies")
    assert status_of(patient) == AllergyStatus.HAS_ALLERGIES


def test_receptionist_may_not_set_the_allergy_status(staff, patient):
    with pytest.raises(PermissionDenied):
        services.allergy_status_set(
            actor=staff[Role.RECEPTIONIST], patient=patient, status="no_known_allergies"
        )


def test_api_exposes_and_sets_the_status(admin_api, patient):
    url = f"{API}/{patient.pk}/"
    assert admin_api.get(url).json()["allergy_status"] == "unknown"

    response = admin_api.post(
        f"{API}/{patient.pk}/allergy-status",
        {"allergy_status": "no_known_allergies"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["allergy_status"] == "no_known_allergies"
    refused = admin_api.post(
        f"{API}/{patient.pk}/allergy-status", {"allergy_status": "has_allergies"}, format="json"
    )
    assert refused.status_code == 400
    assert "allergy_status" in refused.json()["errors"]


# --- the drug–allergy check ------------------------------------------------------------------
@pytest.mark.parametrize(
    "allergen,medication,kind",
    [
        ("Penicillin", "Amoxicillin", vocabulary.SAME_CLASS),
        ("Penicillin", "Co-amoxiclav 625 mg tablets", vocabulary.SAME_CLASS),
        ("Penicillin", "Cefalexin", vocabulary.CROSS_REACTIVITY),
        ("Sulfonamides", "Co-trimoxazole", vocabulary.SAME_CLASS),
        ("Ibuprofen", "Naproxen", vocabulary.SAME_CLASS),
        ("Aspirin", "Diclofenac", vocabulary.SAME_CLASS),
        ("Codeine", "Morphine", vocabulary.SAME_CLASS),
        ("Iodinated contrast media", "Iohexol", vocabulary.SAME_CLASS),
    ],
)
def test_a_medication_of_an_allergy_class_is_refused_with_the_conflict(
    clinician, patient, allergen, medication, kind
):
    allergy = add_allergy(clinician, patient, substance=allergen)

    with pytest.raises(Conflict) as refused:
        prescribe(clinician, patient, medication)

    (conflict,) = refused.value.extra["conflicts"]
    assert conflict["kind"] == kind
    assert conflict["allergy_id"] == allergy.pk and conflict["severity"] == "severe"
    assert not Medication.objects.filter(patient=patient).exists()


def test_unrelated_or_stopped_medications_and_inactive_allergies_pass(clinician, patient):
    add_allergy(clinician, patient, substance="Penicillin")
    add_allergy(clinician, patient, substance="Ibuprofen", status="resolved")

    prescribe(clinician, patient, "Paracetamol")
    prescribe(clinician, patient, "Naproxen")  # the NSAID allergy is resolved
    prescribe(clinician, patient, "Amoxicillin", is_active=False)  # recorded as past

    assert Medication.objects.filter(patient=patient).count() == 3


def test_override_reason_is_kept_and_audited(clinician, patient):
    add_allergy(clinician, patient, substance="Penicillin")

    medication = prescribe(
        clinician, patient, "Amoxicillin", override_reason="Tolerated amoxicillin in 2024"
    )

    assert medication.code == "J01CA04"  # picked from the coded list
    assert medication.allergy_override_reason == "Tolerated amoxicillin in 2024"
    row = AuditEvent.objects.get(object_id=medication.pk, action="create")
    assert "allergy override" in row.detail and "Tolerated amoxicillin in 2024" in row.detail


def test_changing_a_medication_into_a_conflicting_one_is_checked_too(clinician, patient):
    add_allergy(clinician, patient, substance="Penicillin")
    medication = prescribe(clinician, patient, "Paracetamol")

    with pytest.raises(Conflict):
        services.clinical_update(actor=clinician, record=medication, name="Amoxicillin")

    medication.refresh_from_db()
    assert medication.name == "Paracetamol"


def test_api_answers_409_with_conflicts_then_201_with_an_override_reason(
    api_as, clinician, patient
):
    add_allergy(clinician, patient, substance="Penicillin")
    api = api_as(clinician)
    url = f"{API}/{patient.pk}/medications/"

    refused = api.post(url, {"name": "Amoxicillin", "dose": "500 mg"}, format="json")

    assert refused.status_code == 409
    body = refused.json()
    assert body["detail"]
    assert [c["allergen"] for c in body["conflicts"]] == ["Penicillin"]
    assert body["conflicts"][0]["kind"] == "same_class"
    assert not Medication.objects.filter(patient=patient).exists()

    allowed = api.post(
        url,
        {"name": "Amoxicillin", "dose": "500 mg", "override_reason": "Skin test negative"},
        format="json",
    )

    assert allowed.status_code == 201, allowed.content
    assert allowed.json()["allergy_override_reason"] == "Skin test negative"
    assert "override_reason" not in allowed.json()
    medication = Medication.objects.get(patient=patient)
    row = AuditEvent.objects.get(object_id=medication.pk, action="create")
    assert "Skin test negative" in row.detail


# --- the pages -------------------------------------------------------------------------------
@pytest.fixture
def web(client, clinician):
    client.force_login(clinician)
    return client


def test_page_shows_the_warning_and_needs_a_reason(web, clinician, patient):
    add_allergy(clinician, patient, substance="Penicillin")
    url = f"/patients/{patient.pk}/medications/add/"
    data = {"name": "Amoxicillin", "dose": "500 mg", "frequency": "", "is_active": "on"}

    warned = web.post(url, data)

    page = warned.content.decode()
    assert warned.status_code == 200
    assert "Allergy warning" in page and "severe allergy to Penicillin" in page
    assert 'name="override_reason"' in page and "<textarea" in page
    assert not Medication.objects.filter(patient=patient).exists()

    done = web.post(url, {**data, "override_reason": "Discussed with microbiology"})

    assert done.status_code == 302
    assert Medication.objects.get(patient=patient).allergy_override_reason


def test_every_chart_page_shows_the_allergy_banner(web, clinician, patient):
    add_allergy(clinician, patient, substance="Penicillin", severity="severe")

    for url in (f"/patients/{patient.pk}/", f"/patients/{patient.pk}/medications/add/"):
        page = web.get(url).content.decode()
        assert "hp-allergy-banner" in page and "Penicillin" in page and "Severe" in page


def test_the_banner_lists_active_allergies_most_severe_first_on_every_chart_page(
    web, clinician, patient
):
    add_allergy(clinician, patient, substance="Latex", severity="mild")
    add_allergy(clinician, patient, substance="Aspirin", severity="severe", status="resolved")
    add_allergy(clinician, patient, substance="Penicillin", severity="severe")

    chart = f"/patients/{patient.pk}/"
    pages = {url: web.get(url).content.decode() for url in (chart, f"{chart}medications/add/")}

    for url, page in pages.items():
        banner = page.split('class="hp-allergy-banner', 1)[1].split("</section>", 1)[0]
        assert banner.index("Penicillin") < banner.index("Latex"), url
        assert "Aspirin" not in banner, url
    assert "Aspirin" in pages[chart].split('id="panel-clinical_summary"', 1)[1]  # resolved


def test_banner_says_not_yet_recorded_then_no_known_allergies(web, patient):
    page = web.get(f"/patients/{patient.pk}/").content.decode()
    assert "Allergies not yet recorded" in page

    web.post(f"/patients/{patient.pk}/allergy-status/", {"allergy_status": "no_known_allergies"})

    page = web.get(f"/patients/{patient.pk}/").content.decode()
    assert "No known allergies" in page and "Allergies not yet recorded" not in page


def test_forms_offer_the_coded_lists_as_you_type(web, patient):
    page = web.get(f"/patients/{patient.pk}/medications/add/").content.decode()
    assert 'list="medication-vocabulary"' in page
    assert '<option value="Amoxicillin">' in page


def test_the_banner_follows_the_patient_onto_other_apps_pages(client, staff, patient):
    nurse = staff[Role.NURSE]
    add_allergy(nurse, patient, substance="Ibuprofen", severity="moderate")
    client.force_login(nurse)

    for url in (f"/notes/patients/{patient.pk}/", f"/labs/patients/{patient.pk}/results/new/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "hp-allergy-banner" in page and "Ibuprofen" in page and "Moderate" in page
