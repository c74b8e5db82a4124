"""Lab list pages are reads of patient data: one audit row per patient shown."""

from core.roles import Role
from tests.labs.factories import (
    audit_mark,
    audit_rows_since,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)


def test_order_list_and_review_queue_audit_each_patient_on_the_page(client, clinic, staff):
    tests = install_catalogue(clinic)
    ada = make_patient(clinic, first_name="Ada")
    grace = make_patient(clinic, first_name="Grace", born=ada.date_of_birth.replace(year=1970))
    for patient in (ada, grace):
        make_order(patient, tests=[tests["2345-7"]])
        make_result(patient, tests["2345-7"], "250")
    client.force_login(staff[Role.CLINICIAN])

    for url in ("/labs/orders/", "/labs/review/"):
        mark = audit_mark()
        assert client.get(url).status_code == 200
        rows = audit_rows_since(mark)
        assert sorted(rows.values_list("patient_id", flat=True)) == sorted([ada.pk, grace.pk])
        assert set(rows.values_list("action", flat=True)) == {"view"}
