"""The labs admin registrations (platform superusers): every page opens; all are read-only there
(the catalogue is the clinic admins' to edit in the app) and opening a result is an audited read."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from labs import services
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient, make_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(clinic, staff):
    admin = staff[Role.ADMIN]
    tests = install_catalogue(clinic)
    patient = make_patient(clinic, actor=admin)
    order = make_order(patient, actor=admin, tests=[tests[GLUCOSE]])
    result = make_result(patient, tests[GLUCOSE], "85", actor=admin, order=order)
    services.result_correct(actor=admin, result=result, value="86", reason="Typo")
    return {"test": tests[GLUCOSE], "order": order, "result": result, "patient": patient}


def test_every_labs_admin_page_opens(superuser_web, records):
    pages = [
        "/admin/labs/labtest/",
        "/admin/labs/labtest/?q=2345-7&value_type__exact=numeric",
        f"/admin/labs/labtest/{records['test'].pk}/change/",
        "/admin/labs/labpanel/",
        "/admin/labs/labpanel/?q=lipid",
        "/admin/labs/laborder/",
        f"/admin/labs/laborder/{records['order'].pk}/change/",
        "/admin/labs/labresult/",
        "/admin/labs/labresult/?flag__exact=normal&status__exact=corrected",
        f"/admin/labs/labresult/?q={records['patient'].mrn}",
        "/admin/labs/labresult/?q=glucose",
    ]
    for page in pages:
        assert superuser_web.get(page).status_code == 200, page
    panel_id = superuser_web.get("/admin/labs/labpanel/").context["cl"].result_list[0].pk
    assert superuser_web.get(f"/admin/labs/labpanel/{panel_id}/change/").status_code == 200


def test_results_are_read_only_and_audited_in_the_admin(superuser_web, records):
    result = records["result"]
    page = superuser_web.get(f"/admin/labs/labresult/{result.pk}/change/")
    assert page.status_code == 200
    assert "Typo" in page.content.decode()  # the history inline
    assert superuser_web.get("/admin/labs/labresult/add/").status_code == 403
    assert AuditEvent.objects.filter(
        object_id=result.pk, action="view", patient_id=records["patient"].pk, detail="admin"
    ).exists()


def test_a_test_with_results_keeps_its_unit_whatever_the_admin_posts(superuser_web, records):
    """The service refuses a new unit for a test with results (its ranges and critical limits
    are in the old one); the admin is view-only, so it cannot go around that."""
    test = records["test"]
    url = f"/admin/labs/labtest/{test.pk}/change/"
    page = superuser_web.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content and b'name="unit"' not in page.content
    mark = set(AuditEvent.objects.values_list("pk", flat=True))

    response = superuser_web.post(
        url,
        {
            "name": test.name,
            "loinc_code": test.loinc_code,
            "unit": "mmol/L",
            "value_type": test.value_type,
            "critical_low": "2.2",
            "critical_high": "27.8",
            "clinic": test.clinic_id,
            "is_active": "on",
        },
    )

    assert response.status_code == 403
    test.refresh_from_db()
    assert (test.unit, test.critical_low, test.critical_high) == ("mg/dL", 40, 500)
    assert not AuditEvent.objects.exclude(pk__in=mark).filter(object_id=test.pk).exists()
    assert superuser_web.get("/admin/labs/labtest/add/").status_code == 403
    assert (
        superuser_web.post(f"/admin/labs/labtest/{test.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
