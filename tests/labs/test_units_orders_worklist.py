"""Units shown the human way and converted where the factor is known; SI catalogues; ordering
with a type-ahead and an indication; the nurses' and lab technicians' home worklist."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from labs import services, units
from labs.models import LabOrder, LabSettings, LabTest
from labs.templatetags.lab_tags import unit_display
from tests.labs.factories import (
    GLUCOSE,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)
from tests.patients.html_factories import field_error, page_text

pytestmark = pytest.mark.django_db
CREATININE, HBA1C, CHOLESTEROL = "2160-0", "4548-4", "2093-3"


@pytest.fixture
def catalogue(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def patient(clinic, catalogue):
    return make_patient(clinic)


# --- units ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ucum", "shown"),
    [
        ("10*3/uL", "×10³/µL"),
        ("10*6/uL", "×10⁶/µL"),
        ("mL/min/{1.73_m2}", "mL/min/1.73 m²"),
        ("umol/L", "µmol/L"),
        ("m[IU]/L", "mIU/L"),
        ("{INR}", ""),
        ("mg/dL", "mg/dL"),
    ],
)
def test_units_are_shown_the_human_way(ucum, shown):
    assert unit_display(ucum) == shown


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "stored"),
    [
        (GLUCOSE, "5.5", "mmol/L", Decimal("99")),
        (CREATININE, "88", "µmol/L", Decimal("1")),  # typed with µ, as printed on lab reports
        (CREATININE, "88", "umol/L", Decimal("1")),
        (HBA1C, "48", "mmol/mol", Decimal("6.5")),
        (CHOLESTEROL, "5.2", "mmol/L", Decimal("201")),
    ],
)
def test_a_result_in_si_units_is_stored_in_the_catalogue_unit(
    patient, catalogue, loinc, value, unit, stored
):
    result = make_result(patient, catalogue[loinc], value, unit=unit)
    assert result.unit == catalogue[loinc].unit and result.value_numeric == stored


def test_a_unit_with_no_known_factor_is_refused_naming_the_right_one(patient, catalogue):
    with pytest.raises(ValidationError, match="reported in mg/dL, not g/L"):
        make_result(patient, catalogue[GLUCOSE], "1", unit="g/L")


def test_a_new_clinic_in_si_units_gets_an_si_catalogue(other_clinic):
    services.catalogue_install(clinic=other_clinic, unit_system="si")
    glucose = LabTest.objects.get(clinic=other_clinic, loinc_code=GLUCOSE)
    [normal] = glucose.ranges.all()
    assert glucose.unit == "mmol/L" and (normal.low, normal.high) == (
        Decimal("3.9"),
        Decimal("5.5"),
    )
    assert glucose.critical_low == Decimal("2.2") and glucose.critical_high == Decimal("27.8")
    assert LabTest.objects.get(clinic=other_clinic, loinc_code=HBA1C).unit == "mmol/mol"
    assert LabSettings.objects.get(clinic=other_clinic).unit_system == "si"


def test_the_deployment_setting_decides_new_clinics_units(settings, other_clinic):
    settings.LABS_UNIT_SYSTEM = "si"
    services.catalogue_install(clinic=other_clinic)
    assert LabTest.objects.get(clinic=other_clinic, loinc_code=CREATININE).unit == "umol/L"


def test_switching_units_keeps_tests_that_have_results(client, admin_user, patient, catalogue):
    make_result(patient, catalogue[GLUCOSE], "90")
    client.force_login(admin_user)
    response = client.post("/labs/catalogue-units/", {"unit_system": "si"}, follow=True)
    text = page_text(response)
    assert "Kept in their unit because they already have results: Glucose" in text
    assert LabTest.objects.get(pk=catalogue[GLUCOSE].pk).unit == "mg/dL"
    assert LabTest.objects.get(pk=catalogue[CREATININE].pk).unit == "umol/L"
    assert "µmol/L" in text  # the catalogue lists it the human way


# --- orders ---------------------------------------------------------------------------------------
def test_type_ahead_lists_panels_first(client, clinician, catalogue):
    client.force_login(clinician)
    found = client.get("/labs/tests/search/", {"q": "lipid"}).json()["results"]
    assert found[0]["kind"] == "panel" and found[0]["name"] == "Lipid panel"
    assert "Triglycerides" in found[0]["tests"]
    by_code = client.get("/labs/tests/search/", {"q": "2345"}).json()["results"]
    assert [f["name"] for f in by_code] == ["Glucose"]


def test_api_type_ahead(api_as, clinician, catalogue):
    response = api_as(clinician).get("/api/v1/labs/orderables", {"q": "glu"})
    assert response.status_code == 200
    assert any(f["name"] == "Glucose" and f["kind"] == "test" for f in response.json())


def test_an_order_carries_a_coded_indication(client, clinician, patient, catalogue):
    client.force_login(clinician)
    page = client.get(f"/labs/orders/new/?patient={patient.pk}")
    html = page.content.decode()
    assert html.count(">Panels<") == 1 and html.count(">Single tests<") == 1  # no doubled labels
    assert "/static/labs/test-search.js" in html
    data = {
        "patient": patient.pk,
        "tests": [catalogue[HBA1C].pk],
        "priority": "routine",
        "indication": "Type 2 diabetes follow-up",
        "indication_code": "e11.9",
        "indication_system": "icd10",
    }
    response = client.post("/labs/orders/new/", data, follow=True)
    order = LabOrder.objects.get()
    assert (order.indication_code, order.indication_system) == ("E11.9", "icd10")
    assert "Type 2 diabetes follow-up" in page_text(response) and "E11.9" in page_text(response)
    bad = client.post("/labs/orders/new/", {**data, "indication_code": "diabetes"})
    assert "Not an ICD-10 code" in field_error(bad, "indication_code")


def test_api_order_with_an_indication(api_as, clinician, patient, catalogue):
    response = api_as(clinician).post(
        "/api/v1/labs/orders/",
        {
            "patient": patient.pk,
            "tests": [catalogue[GLUCOSE].pk],
            "indication": "Polyuria",
            "indication_code": "44054006",
            "indication_system": "snomed",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["indication_code"] == "44054006"


# --- the home worklist -----------------------------------------------------------------------
def test_nurse_and_lab_tech_see_orders_to_collect_and_to_result(
    client, staff, clinician, clinic, catalogue
):
    to_collect = [
        make_order(
            make_patient(clinic, first_name=f"C{n}"), actor=clinician, tests=[catalogue[GLUCOSE]]
        )
        for n in range(10)
    ]
    stat = make_order(
        make_patient(clinic, first_name="Stat"),
        actor=clinician,
        tests=[catalogue[GLUCOSE]],
        priority="stat",
    )
    collected = make_order(
        make_patient(clinic, first_name="Ready"), actor=clinician, tests=[catalogue[GLUCOSE]]
    )
    services.order_collect(actor=staff[Role.NURSE], order=collected)
    for role in (Role.NURSE, Role.LAB_TECH):
        client.force_login(staff[role])
        since = set(AuditEvent.objects.values_list("pk", flat=True))
        response = client.get("/")
        html = response.content.decode()
        text = page_text(response)
        assert "Lab worklist" in text
        assert 'hp-count-collect">11<' in html and 'hp-count-result">1<' in html  # exact
        assert text.index("Stat") < text.index("C0")  # STAT first
        assert f"/labs/orders/{collected.pk}/results/" in html
        shown = set(
            AuditEvent.objects.exclude(pk__in=since)
            .filter(detail="lab worklist")
            .values_list("patient_id", flat=True)
        )
        assert str(stat.patient_id) in shown and str(collected.patient_id) in shown
        assert str(to_collect[-1].patient_id) not in shown  # beyond the first eight: not shown
    client.force_login(clinician)
    assert "Lab worklist" not in page_text(client.get("/"))


def test_the_clinicians_review_count_is_exact(client, clinician, patient, catalogue):
    order = make_order(patient, actor=clinician, tests=[catalogue[GLUCOSE]])
    make_result(patient, catalogue[GLUCOSE], "90", order=order)
    when = timezone.now() - datetime.timedelta(days=1)
    for n in range(11):
        make_result(
            patient, catalogue[HBA1C], "5.0", collected_at=when - datetime.timedelta(hours=n)
        )
    client.force_login(clinician)
    html = client.get("/").content.decode()
    # `mine` keeps the clinician's orders and outside results: all twelve, though 8 are listed
    assert 'hp-review-total">12<' in html


def test_units_module_round_trips():
    conversion = units.CONVERSIONS[HBA1C]
    assert conversion.to_conventional(conversion.to_si(Decimal("7.0"))) == Decimal("7.0")
