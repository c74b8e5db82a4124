"""The notes API as a mobile app uses it: types, create by LOINC code, save, sign, co-sign,
share, addenda, history, lists with filters and search, templates, and what patients see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notes.models import Note
from patients.models import Patient
from tests.notes.factories import audit_mark, audit_rows_since, make_note, soap_sections
from tests.patients.factories import PatientFactory, portal_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as, clinician, notes_clinic):
    return api_as(clinician)


def test_types_list_their_loinc_codes(api):
    response = api.get("/api/v1/notes/types/")
    assert response.status_code == 200
    by_code = {t["code"]: t["name"] for t in response.json()["results"]}
    assert by_code["11506-3"] == "Progress note"
    assert by_code["34748-4"] == "Telephone encounter"


def test_create_a_draft_by_type_code_then_save_sign_and_read(api, patient):
    response = api.post(
        "/api/v1/notes/",
        {
            "patient": patient.pk,
            "type": "11506-3",
            "title": "Cough",
            "sections": [{"name": "Subjective", "text": "Cough for **three** days."}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["type"]["code"] == "11506-3"
    note_id = body["id"]

    response = api.patch(
        f"/api/v1/notes/{note_id}/",
        {"sections": [{"name": "Subjective", "text": "Cough for *four* days."}], "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2

    response = api.post(f"/api/v1/notes/{note_id}/sign", {}, format="json")
    assert response.status_code == 200, response.content
    body = api.get(f"/api/v1/notes/{note_id}/").json()
    assert body["status"] == "signed"
    assert body["signed_at"] and body["signed_by"]["name"]
    assert body["sections"][0]["html"] == "<p>Cough for <em>four</em> days.</p>\n"


def test_create_from_a_template_without_sections(api, patient, notes_clinic):
    templates = api.get("/api/v1/notes/templates/").json()["results"]
    soap = next(t for t in templates if t["name"] == "SOAP")
    response = api.post(
        "/api/v1/notes/",
        {"patient": patient.pk, "type": soap["type"]["id"], "template": soap["id"]},
        format="json",
    )
    assert response.status_code == 201
    assert [s["name"] for s in response.json()["sections"]] == [
        "Subjective",
        "Objective",
        "Assessment",
        "Plan",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "99999-9"}, "type"),
        ({"patient": "000000000000000000000000"}, "patient"),
        ({"sections": [{"text": "a section without a name"}]}, "sections"),
        ({"sections": "not a list"}, "sections"),
        ({"template": "nope"}, "template"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, patient, body, field):
    data = {"patient": patient.pk, "type": "11506-3", **body}
    response = api.post("/api/v1/notes/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_another_clinics_patient_in_the_body_is_400(api, other_patient):
    response = api.post(
        "/api/v1/notes/", {"patient": other_patient.pk, "type": "11506-3"}, format="json"
    )
    assert response.status_code == 400
    assert "patient" in response.json()["errors"]


def test_unknown_section_of_a_template_is_400_with_a_message(api, clinician, patient):
    note = make_note(clinician, patient)
    response = api.patch(
        f"/api/v1/notes/{note.pk}/",
        {"sections": [{"name": "Horoscope", "text": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "Unknown section: Horoscope" in response.json()["detail"]


def test_empty_note_sign_is_400(api, clinician, patient):
    note = make_note(clinician, patient, sections=[])
    response = api.post(f"/api/v1/notes/{note.pk}/sign", {}, format="json")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_a_stale_version_is_409(api, clinician, patient):
    note = make_note(clinician, patient)
    api.patch(f"/api/v1/notes/{note.pk}/", {"title": "One"}, format="json")
    response = api.patch(f"/api/v1/notes/{note.pk}/", {"title": "Two", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


def test_cosign_flow(api_as, clinician, second_clinician, nurse, patient):
    note = make_note(clinician, patient, signed=True)
    response = api_as(clinician).post(
        f"/api/v1/notes/{note.pk}/request-cosign", {"cosigner": nurse.pk}, format="json"
    )
    assert response.status_code == 400  # a nurse is not a clinician
    response = api_as(clinician).post(
        f"/api/v1/notes/{note.pk}/request-cosign", {"cosigner": second_clinician.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["cosigner"]["id"] == second_clinician.pk
    assert api_as(clinician).post(f"/api/v1/notes/{note.pk}/cosign").status_code == 403
    response = api_as(second_clinician).post(f"/api/v1/notes/{note.pk}/cosign")
    assert response.status_code == 200
    body = response.json()
    assert body["cosigned_by"]["id"] == second_clinician.pk
    assert body["signed_by"]["id"] == clinician.pk
    assert api_as(second_clinician).post(f"/api/v1/notes/{note.pk}/cosign").status_code == 409


def test_addenda_are_listed_under_the_note_in_order(api, clinician, patient):
    note = make_note(clinician, patient, signed=True)
    for text in ("First", "Second"):
        response = api.post(f"/api/v1/notes/{note.pk}/addenda", {"text": text}, format="json")
        assert response.status_code == 201
    body = api.get(f"/api/v1/notes/{note.pk}/").json()
    assert [a["text"] for a in body["addenda"]] == ["First", "Second"]
    assert body["addenda"][0]["author"]["id"] == clinician.pk


def test_history_lists_each_saved_draft_and_is_audited(api, clinician, patient):
    note = make_note(clinician, patient)
    api.patch(f"/api/v1/notes/{note.pk}/", {"title": "Second title"}, format="json")
    mark = audit_mark()
    response = api.get(f"/api/v1/notes/{note.pk}/history")
    assert response.status_code == 200
    revisions = response.json()["revisions"]
    assert [r["title"] for r in revisions] == ["SOAP", "Second title"]
    assert revisions[1]["editor"]["id"] == clinician.pk
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id, row.detail) == ("view", patient.pk, "history")


def test_markdown_is_sanitised_in_the_api(api, clinician, patient):
    hostile = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3)) and [safe](https://example.org)"
    )
    note = make_note(clinician, patient, Subjective=hostile)
    html = api.get(f"/api/v1/notes/{note.pk}/").json()["sections"][0]["html"]
    assert "<script" not in html
    assert "<img" not in html
    assert "onerror=" not in html.replace("onerror=alert(2)&gt;", "")  # only as escaped text
    assert 'href="javascript:' not in html
    assert '<a href="https://example.org"' in html


def test_list_filters_and_search(api, clinician, nurse, patient):
    make_note(clinician, patient, title="Asthma review", signed=True, Assessment="Asthma, stable")
    make_note(nurse, patient, title="Dressing", Subjective="Wound on the left shin")
    other = PatientFactory(clinic=patient.clinic)
    make_note(clinician, other, title="Héloïse's fever", Subjective="Fièvre depuis hier")

    def titles(**params):
        response = api.get("/api/v1/notes/", params)
        assert response.status_code == 200, response.content
        return sorted(n["title"] for n in response.json()["results"])

    assert titles(patient=patient.pk) == ["Asthma review", "Dressing"]
    assert titles(author=nurse.pk) == ["Dressing"]
    assert titles(status="signed") == ["Asthma review"]
    assert titles(type="11506-3", search="shin") == ["Dressing"]
    assert titles(search="LEFT wound") == ["Dressing"]
    assert titles(search="fievre") == ["Héloïse's fever"]  # accents and case ignored
    assert titles(search="asthma", patient=other.pk) == []
    assert api.get("/api/v1/notes/", {"status": "lost"}).status_code == 400
    assert api.get("/api/v1/notes/", {"date_from": "yesterday"}).status_code == 400


def test_a_list_page_audits_one_row_per_patient_shown(api, clinician, patient):
    other = PatientFactory(clinic=patient.clinic)
    for who in (patient, patient, other):
        make_note(clinician, who)
    mark = audit_mark()
    assert api.get("/api/v1/notes/").status_code == 200
    rows = audit_rows_since(mark)
    assert sorted(rows.values_list("patient_id", flat=True)) == sorted([patient.pk, other.pk])


def test_a_patient_sees_only_their_own_signed_shared_notes(api_as, clinician, patient):
    user = portal_user(patient)
    visible = make_note(clinician, patient, signed=True, shared=True, title="Shared")
    make_note(clinician, patient, signed=True, title="Not shared")
    draft = make_note(clinician, patient, shared=True, title="Shared draft")
    stranger = PatientFactory(clinic=patient.clinic)
    make_note(clinician, stranger, signed=True, shared=True, title="Someone else's")
    client = api_as(user)
    response = client.get("/api/v1/notes/")
    assert [n["title"] for n in response.json()["results"]] == ["Shared"]
    assert client.get(f"/api/v1/notes/{visible.pk}/").status_code == 200
    assert client.get(f"/api/v1/notes/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/notes/{visible.pk}/fhir").status_code == 200
    # read-only
    assert client.patch(f"/api/v1/notes/{visible.pk}/", {"title": "x"}).status_code == 403
    assert client.post(f"/api/v1/notes/{visible.pk}/addenda", {"text": "x"}).status_code == 403
    assert client.get(f"/api/v1/notes/{visible.pk}/history").status_code == 403
    assert (
        client.post("/api/v1/notes/", {"patient": patient.pk, "type": "11506-3"}).status_code == 403
    )


def test_an_archived_record_closes_its_notes_to_the_patient(api_as, clinician, patient):
    client = api_as(portal_user(patient))
    note = make_note(clinician, patient, signed=True, shared=True)
    assert client.get(f"/api/v1/notes/{note.pk}/").status_code == 200
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    assert client.get(f"/api/v1/notes/{note.pk}/").status_code == 404
    assert client.get("/api/v1/notes/").json()["results"] == []
    assert api_as(clinician).get(f"/api/v1/notes/{note.pk}/").status_code == 200  # staff still


def test_sharing_after_signing_makes_it_visible_to_the_patient(api_as, clinician, patient):
    user = portal_user(patient)
    note = make_note(clinician, patient, signed=True)
    assert api_as(user).get(f"/api/v1/notes/{note.pk}/").status_code == 404
    response = api_as(clinician).post(f"/api/v1/notes/{note.pk}/share", {"shared": True})
    assert response.status_code == 200
    assert api_as(user).get(f"/api/v1/notes/{note.pk}/").status_code == 200
    assert Note.objects.get(pk=note.pk).status == Note.Status.SIGNED


def test_admins_manage_templates(api_as, admin_user, clinician, notes_clinic):
    admin = api_as(admin_user)
    response = admin.post(
        "/api/v1/notes/templates/",
        {
            "type": "28570-0",
            "name": "Joint injection",
            "sections": [{"name": "Procedure", "text": "Consent taken."}, {"name": "Aftercare"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    template_id = response.json()["id"]
    response = admin.patch(
        f"/api/v1/notes/templates/{template_id}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    clinician_api = api_as(clinician)
    assert clinician_api.get(f"/api/v1/notes/templates/{template_id}/").status_code == 200
    response = clinician_api.patch(
        f"/api/v1/notes/templates/{template_id}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 403
    response = admin.post(
        "/api/v1/notes/templates/", {"type": "nope", "name": "x", "sections": []}, format="json"
    )
    assert response.status_code == 400


def test_every_endpoint_is_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/notes")]
    for expected in (
        "/api/v1/notes/",
        "/api/v1/notes/types/",
        "/api/v1/notes/templates/",
        "/api/v1/notes/{id}/",
        "/api/v1/notes/{id}/sign",
        "/api/v1/notes/{id}/request-cosign",
        "/api/v1/notes/{id}/cosign",
        "/api/v1/notes/{id}/share",
        "/api/v1/notes/{id}/addenda",
        "/api/v1/notes/{id}/history",
        "/api/v1/notes/{id}/fhir",
    ):
        assert any(p.rstrip("/") == expected.rstrip("/") for p in paths), (expected, paths)


def test_sign_with_an_old_version_is_409(api, clinician, patient):
    note = make_note(clinician, patient)
    api.patch(
        f"/api/v1/notes/{note.pk}/", {"sections": soap_sections(Plan="Changed")}, format="json"
    )
    response = api.post(f"/api/v1/notes/{note.pk}/sign", {"version": 1}, format="json")
    assert response.status_code == 409


def test_the_list_costs_the_same_for_1_or_25_notes_but_the_count(api, clinician, patient):
    def count(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/notes/", params).status_code == 200
        return len(captured)

    make_note(clinician, patient)
    one = count({}), count({"patient": patient.pk})
    for n in range(24):
        make_note(clinician, PatientFactory(clinic=patient.clinic) if n % 2 else patient)
    # One query more across the clinic, the count: its 25 notes fill the first page, and the
    # patient's 13 do not (a list its first page holds is counted by it).
    assert (count({}), count({"patient": patient.pk})) == (one[0] + 1, one[1])


def test_the_clinics_notes_are_counted_like_the_patient_list(api, clinician, patient, monkeypatch):
    """Across patients the list counts exactly up to core.lists.EXACT_COUNT_UP_TO and says
    `count_estimated` past it (an exact count of a clinic's 2,000,000 notes took 60 ms a page);
    one patient's notes are always counted exactly, and so is a list its first page holds."""
    from core import lists

    for n in range(4):
        make_note(clinician, patient, title=f"Visit {n}")
    exact = api.get("/api/v1/notes/", {"page_size": 2}).json()
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 2)
    about = api.get("/api/v1/notes/", {"page_size": 2}).json()
    all_on_one_page = api.get("/api/v1/notes/").json()
    one_patient = api.get("/api/v1/notes/", {"patient": patient.pk, "page_size": 2}).json()

    assert (exact["count"], exact["count_estimated"]) == (4, False)
    assert (about["count"], about["count_estimated"]) == (4, True)
    assert (all_on_one_page["count"], all_on_one_page["count_estimated"]) == (4, False)
    assert one_patient["count"] == 4 and "count_estimated" not in one_patient
