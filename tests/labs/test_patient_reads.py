"""A patient reads their results in the app without the clinic's own working: the reviewer's
comment, the staff behind the result and why a value was corrected stay with the clinic."""

import pytest

from core.roles import Role
from labs import services
from labs.serializers import STAFF_ONLY_RESULT_FIELDS
from tests.labs.factories import GLUCOSE, install_catalogue, make_patient, make_result
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db
COMMENT = "Query eating disorder, do not mention to patient yet"
REASON = "Lab error: sample haemolysed, re-run by Lena"


@pytest.fixture
def reviewed(clinic, staff):
    tests = install_catalogue(clinic)
    patient = make_patient(clinic)
    result = make_result(patient, tests[GLUCOSE], "85", actor=staff[Role.LAB_TECH])
    result = services.result_correct(
        actor=staff[Role.LAB_TECH], result=result, value="88", reason=REASON
    )
    return services.result_review(actor=staff[Role.CLINICIAN], result=result, comment=COMMENT)


def test_the_patient_reads_the_value_not_the_clinic_s_comments(api_as, reviewed):
    me = api_as(portal_user(reviewed.patient))

    one = me.get(f"/api/v1/labs/results/{reviewed.pk}/")
    listed = me.get(f"/api/v1/patients/{reviewed.patient_id}/labs/")

    assert one.status_code == 200 and listed.status_code == 200
    (row,) = listed.json()["results"]
    for body in (one.json(), row):
        assert body["value"] == 88 and body["flag"] == "normal"
        assert not set(STAFF_ONLY_RESULT_FIELDS) & set(body)
    assert COMMENT not in one.text and REASON not in one.text
    assert [h["value"] for h in one.json()["history"]] == [85]
    assert set(one.json()["history"][0]) == {
        "value",
        "decimal_places",
        "unit",
        "flag",
        "status",
        "changed_at",
    }


def test_staff_still_read_the_review_and_the_reason(api_as, staff, reviewed):
    body = api_as(staff[Role.NURSE]).get(f"/api/v1/labs/results/{reviewed.pk}/").json()
    assert body["review_comment"] == COMMENT
    assert body["reviewed_by"] == staff[Role.CLINICIAN].name
    assert body["history"][0]["reason"] == REASON


def test_the_patient_s_export_leaves_the_review_comment_out(api_as, staff, reviewed):
    mine = api_as(portal_user(reviewed.patient)).get(
        f"/api/v1/patients/{reviewed.patient_id}/export"
    )
    staff_copy = api_as(staff[Role.CLINICIAN]).get(f"/api/v1/patients/{reviewed.patient_id}/export")

    assert mine.status_code == 200
    assert COMMENT not in mine.text
    assert COMMENT in staff_copy.text  # the clinic's own export keeps it


def test_the_patient_s_fhir_observation_leaves_the_review_comment_out(api_as, staff, reviewed):
    url = f"/api/v1/labs/results/{reviewed.pk}/fhir"
    mine = api_as(portal_user(reviewed.patient)).get(url)
    staff_copy = api_as(staff[Role.CLINICIAN]).get(url)
    assert mine.status_code == 200 and "note" not in mine.json()
    assert staff_copy.json()["note"] == [{"text": COMMENT}]
