"""Note drafts (a draft in the notes writer, labelled AI-drafted with its citations, signed only
by its author), plain-language results (patients: their own final ones), the clinic's settings."""

import pytest
from django.test import Client

from core.roles import Role
from labs.services import result_create
from notes.models import Note
from notes.services import note_sign
from patients.models import Condition
from tests.ai_assist.conftest import GLUCOSE, add_result
from tests.labs.factories import days_ago
from tests.notes.factories import audit_mark, audit_rows_since
from tests.patients.factories import ConditionFactory, portal_user

pytestmark = pytest.mark.django_db


# --- note drafts ----------------------------------------------------------------------------------
def test_a_note_draft_is_an_unsigned_ai_labelled_draft_with_its_citations(api_as, clinician, chart):
    mark = audit_mark()
    response = api_as(clinician).post(
        f"/api/v1/ai/patients/{chart['patient'].pk}/note-draft", format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    note = Note.objects.get(pk=body["id"])
    assert note.status == Note.Status.DRAFT and note.author_id == clinician.pk
    assert note.ai_generated is True
    assert note.ai_citations["generated_by"] == {"engine": "builtin", "model": "rules-2"}
    assert [s["name"] for s in note.sections] == ["Subjective", "Objective", "Assessment", "Plan"]
    # What is new since the last signed note: the LDL and the newest HbA1c, and the trend.
    objective = note.sections[1]["text"]
    assert "LDL cholesterol (calculated) 162 mg/dL (high)" in objective
    assert "Hemoglobin A1c rising" in objective
    cited = {s["id"] for s in note.ai_citations["sources"]}
    assert chart["ldl"].pk in cited and chart["diabetes"].pk in cited
    assert body["url"] == f"/notes/{note.pk}/edit/"
    assert body["banner"] == "AI-drafted — check before use"
    ai_rows = [r for r in audit_rows_since(mark) if r.detail.startswith("AI note draft")]
    assert len(ai_rows) == 1 and ai_rows[0].object_id == note.pk


def test_the_draft_opens_in_the_notes_writer_and_keeps_its_label_once_signed(
    client, clinician, chart
):
    client.force_login(clinician)
    response = client.post(f"/ai/patients/{chart['patient'].pk}/note-draft/")
    note = Note.objects.filter(ai_generated=True).get()
    assert response.status_code == 302 and response.url == f"/notes/{note.pk}/edit/"
    assert client.get(response.url).status_code == 200
    signed = note_sign(actor=clinician, note=note)
    signed.refresh_from_db()
    assert signed.is_signed and signed.ai_generated and signed.ai_citations["sources"]


def test_a_draft_quotes_chart_text_without_its_direction_overrides(client, clinician, chart):
    """The notes refuse text-direction overrides; a problem's name that holds one (saved before
    the chart refused them too) is quoted in the draft without it, not a server error."""
    asthma = ConditionFactory(patient=chart["patient"], name="Asthma", status="active")
    Condition.objects.filter(pk=asthma.pk).update(name="Asthma\u202eX")
    client.force_login(clinician)

    response = client.post(f"/ai/patients/{chart['patient'].pk}/note-draft/")

    note = Note.objects.filter(ai_generated=True).get()
    assert response.status_code == 302 and response.url == f"/notes/{note.pk}/edit/"
    assessment = next(s["text"] for s in note.sections if s["name"] == "Assessment")
    assert "AsthmaX" in assessment and "\u202e" not in assessment


def test_an_admin_may_summarise_but_the_notes_rules_decide_who_writes_a_draft(api_as, staff, chart):
    response = api_as(staff[Role.ADMIN]).post(
        f"/api/v1/ai/patients/{chart['patient'].pk}/note-draft", format="json"
    )
    assert response.status_code == 403
    assert not Note.objects.filter(ai_generated=True).exists()


# --- plain-language results -------------------------------------------------------------------
def explain(api_as, user, result):
    return api_as(user).get(f"/api/v1/ai/labs/results/{result.pk}/explain")


def test_a_patient_gets_their_own_final_result_explained(api_as, chart):
    user = portal_user(chart["patient"])
    response = explain(api_as, user, chart["ldl"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["text"].startswith("Your LDL cholesterol (calculated) result is 162 mg/dL.")
    assert "above the usual range (below 99 mg/dL)" in body["text"]
    assert (body["range"]["low"], body["range"]["high"]) == (None, 99)  # numbers, as in labs
    assert body["citations"] == [
        {
            "type": "labs.result",
            "id": chart["ldl"].pk,
            "url": f"/api/v1/patients/{chart['patient'].pk}/labs",
        }
    ]
    assert body["banner"] == (  # not the clinicians' warning about a draft
        "Written automatically from your result: ask your care team about anything unclear."
    )


def test_a_spanish_patient_reads_one_separator_and_the_unit_as_written(
    api_as, staff, chart, catalogue
):
    user = portal_user(chart["patient"])
    user.language = "es"
    user.save()
    tsh = add_result(
        chart["patient"], catalogue["3016-3"], "2.3", days_ago(1), actor=staff["admin"]
    )

    body = explain(api_as, user, tsh).json()

    assert "2,3 mIU/L" in body["text"] and "entre 0,4 y 4 mIU/L" in body["text"]
    assert "m[IU]" not in body["text"]
    assert (body["range"]["low"], body["range"]["high"]) == (0.4, 4)


def test_a_patient_never_gets_a_preliminary_or_someone_elses_result(api_as, staff, chart):
    user = portal_user(chart["patient"])
    preliminary = result_create(
        actor=staff[Role.ADMIN], patient=chart["patient"], test=chart["hba1c"][0].test,
        value="9.0", collected_at=days_ago(1), status="preliminary",
    )  # fmt: skip
    assert explain(api_as, user, preliminary).status_code == 404
    from tests.patients.factories import PatientFactory

    other = PatientFactory(clinic=chart["patient"].clinic)
    theirs = result_create(
        actor=staff[Role.ADMIN], patient=other, test=chart["hba1c"][0].test, value="5.0",
        collected_at=days_ago(1),
    )  # fmt: skip
    assert explain(api_as, user, theirs).status_code == 404


def test_staff_get_the_explanation_and_its_citation_opens(api_as, clinician, chart, catalogue):
    response = explain(api_as, clinician, chart["ldl"])
    assert response.status_code == 200
    body = response.json()
    assert body["text"].startswith("The patient's LDL cholesterol (calculated) result is")
    web = Client()
    web.force_login(clinician)
    assert web.get(body["citations"][0]["url"]).status_code == 200


def test_a_preliminary_result_is_not_explained_to_staff(api_as, clinician, staff, chart, catalogue):
    preliminary = result_create(
        actor=staff[Role.ADMIN], patient=chart["patient"], test=catalogue[GLUCOSE], value="90",
        collected_at=days_ago(1), status="preliminary",
    )  # fmt: skip
    response = explain(api_as, clinician, preliminary)
    assert response.status_code == 400
    assert response.json()["detail"] == "Only final results are explained."


# --- settings ---------------------------------------------------------------------------------
def test_an_admin_turns_a_feature_off_and_it_is_refused(api_as, admin_user, clinician, chart):
    admin = api_as(admin_user)
    assert admin.get("/api/v1/ai/settings").json() == {
        "external_enabled": False,
        "features": ["summary", "note_draft", "triage", "explain"],
        "provider_configured": False,
    }
    response = admin.patch("/api/v1/ai/settings", {"features": ["triage"]}, format="json")
    assert response.status_code == 200 and response.json()["features"] == ["triage"]
    refused = api_as(clinician).post(
        f"/api/v1/ai/patients/{chart['patient'].pk}/summary", format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This AI feature is turned off for your clinic."


def test_unknown_features_are_a_400(api_as, admin_user):
    response = api_as(admin_user).patch(
        "/api/v1/ai/settings", {"features": ["mind_reading"]}, format="json"
    )
    assert response.status_code == 400


def test_the_settings_page_saves(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/ai/settings/").status_code == 200
    response = client.post("/ai/settings/", {"features": ["summary", "explain"]})
    assert response.status_code == 302
    assert client.get("/ai/settings/").status_code == 200
    from ai_assist.models import AiSettings

    assert AiSettings.objects.get(clinic=admin_user.clinic).features == ["summary", "explain"]


def test_the_settings_page_keeps_a_colleagues_change_to_what_it_left_alone(
    client, admin_user, settings
):
    """Two admins on the page: one turns the provider on, the other (page opened before)
    changes only the features; the provider stays on."""
    from ai_assist import services
    from ai_assist.models import AiSettings

    settings.AI_PROVIDER_URL = "http://127.0.0.1:9/v1"  # the switch is offered
    client.force_login(admin_user)
    shown = {"features": ["summary", "note_draft", "triage", "explain"]}
    services.settings_update(actor=admin_user, features=shown["features"])
    opened = {"initial-features": shown["features"], "initial-external_enabled": "False"}
    services.settings_update(actor=admin_user, external_enabled=True)

    client.post("/ai/settings/", {**opened, "features": ["summary"]})

    row = AiSettings.objects.get(clinic=admin_user.clinic)
    assert (row.external_enabled, row.features) == (True, ["summary"])


def test_a_critical_result_promises_a_call_only_once_someone_was_told(
    api_as, staff, chart, catalogue
):
    from labs.services import critical_communication_record

    user = portal_user(chart["patient"])
    low = add_result(
        chart["patient"], catalogue["2823-3"], "2.1", days_ago(1), actor=staff["admin"]
    )

    before = explain(api_as, user, low).json()["text"]
    critical_communication_record(
        actor=staff["clinician"], result=low, communicated_to="Dr On-call", method="phone"
    )
    after = explain(api_as, user, low).json()["text"]

    assert "has been told" not in before
    assert "If your clinic has not contacted you about this result today, call them." in before
    assert "Your care team has been told about this result and will contact you." in after
