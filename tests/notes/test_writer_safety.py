"""What the writer must not lose or pass off: a save refused as written elsewhere keeps its
text and says so; a template's prompt is never signed as content; an AI-drafted note lists
what its [n] markers cite and says to check it before signing."""

import pytest
from django.core.exceptions import ValidationError

from notes import services
from notes.contributions import ai_draft_create
from notes.models import Note
from tests.notes.factories import note_type, soap_sections, template

pytestmark = pytest.mark.django_db

OBJECTIVE_PROMPT = "Examination findings, observations, results."


def soap_from_template(author, patient) -> Note:
    """A SOAP draft as "New note" starts it: the template's prompts in every section."""
    return services.note_create(
        actor=author,
        patient=patient,
        note_type=note_type(patient.clinic),
        template=template(patient.clinic),
    )


def writer_post(note, **texts) -> dict:
    fields = {"title": note.title, "version": note.version, "action": "sign"}
    for index, section in enumerate(note.sections):
        fields[f"section_{index}"] = texts.get(section["name"], section["text"])
    return fields


# --- a save refused because another tab saved first -----------------------------------------------
def test_a_save_over_a_newer_version_keeps_the_text_and_says_it_is_not_saved(
    client, clinician, patient
):
    note = soap_from_template(clinician, patient)
    fields = writer_post(note, Assessment="Tab one assessment IMPORTANT")  # opened at version 1
    services.note_update(actor=clinician, note=note, version=1, title="Other tab")
    client.force_login(clinician)
    response = client.post(f"/notes/{note.pk}/edit/", {**fields, "action": "save"})
    page = response.content.decode()
    assert "This draft was saved elsewhere since you opened it." in page
    assert "Tab one assessment IMPORTANT" in page
    # autosave.js keeps the device's copy of a refused page and says it is not saved
    assert 'data-unsaved="1"' in page
    assert "Not saved: your text is kept on this device." in page
    assert f'href="/notes/{note.pk}/edit/">Open the latest version</a>' in page
    assert Note.objects.get(pk=note.pk).sections[2]["text"] != "Tab one assessment IMPORTANT"


def test_the_writer_as_opened_is_not_marked_unsaved(client, clinician, patient):
    note = soap_from_template(clinician, patient)
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/edit/").content.decode()
    assert "data-unsaved" not in page and "Open the latest version" not in page


# --- template prompts -----------------------------------------------------------------------------
def test_the_writer_shows_prompts_as_placeholders_not_text(client, clinician, patient):
    note = soap_from_template(clinician, patient)
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/edit/").content.decode()
    assert f'placeholder="{OBJECTIVE_PROMPT}"' in page
    assert f">\n{OBJECTIVE_PROMPT}</textarea>" not in page
    assert f">{OBJECTIVE_PROMPT}</textarea>" not in page


def test_signing_from_the_writer_signs_only_what_was_written(client, clinician, patient):
    note = soap_from_template(clinician, patient)
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/edit/")
    form = page.context["form"]
    fields = {name: form[name].value() or "" for name in form.fields}
    fields.update(section_0="Headache since Monday.", action="sign")
    response = client.post(f"/notes/{note.pk}/edit/", fields, follow=True)
    assert "The note is signed." in response.content.decode()
    signed = Note.objects.get(pk=note.pk)
    assert signed.is_signed
    assert [s["text"] for s in signed.sections] == ["Headache since Monday.", "", "", ""]
    assert OBJECTIVE_PROMPT not in response.content.decode()


def test_the_service_refuses_to_sign_sections_holding_only_the_prompt(clinician, patient):
    note = soap_from_template(clinician, patient)
    note = services.note_update(
        actor=clinician, note=note, sections=soap_sections(Objective=OBJECTIVE_PROMPT, Plan="")
    )
    with pytest.raises(ValidationError) as refused:
        services.note_sign(actor=clinician, note=note)
    assert refused.value.messages == [
        "These sections still hold only the template's prompt: Objective. "
        "Write them or clear them before signing."
    ]
    assert not Note.objects.get(pk=note.pk).is_signed


def test_the_api_and_the_note_page_refuse_it_too(client, api_as, clinician, patient):
    note = soap_from_template(clinician, patient)
    note = services.note_update(
        actor=clinician,
        note=note,
        sections=[
            {"name": s["name"], "text": "Headache." if s["name"] == "Subjective" else prompt}
            for s, prompt in zip(note.sections, note.section_prompts.values(), strict=True)
        ],
    )
    response = api_as(clinician).post(f"/api/v1/notes/{note.pk}/sign", {}, format="json")
    assert response.status_code == 400
    assert "Objective, Assessment, Plan" in response.json()["detail"]
    client.force_login(clinician)
    page = client.post(f"/notes/{note.pk}/sign/", follow=True).content.decode()
    assert "still hold only the template&#x27;s prompt: Objective, Assessment, Plan" in page
    assert not Note.objects.get(pk=note.pk).is_signed


# --- AI-drafted notes -----------------------------------------------------------------------------
@pytest.fixture
def ai_note(clinician, patient):
    sections = soap_sections(Subjective="Tired lately. [1]", Objective="LDL 162 mg/dL. [2]")
    return ai_draft_create(
        actor=clinician,
        patient_id=patient.pk,
        sections=sections,
        title="Progress note (AI-drafted)",
        citations={
            "generated_by": {"engine": "builtin", "model": "rules-1"},
            "generated_at": "2026-01-05T10:00:00+00:00",
            "sources": [
                {"n": 1, "type": "patients.condition", "id": "c1", "url": "/patients/p/#c1"},
                {"n": 2, "type": "labs.result", "id": "r2", "url": "/labs/results/r2/"},
                {"n": 3, "type": "labs.result", "id": "r3", "url": "javascript:alert(1)"},
            ],
        },
    )


@pytest.mark.parametrize("page", ["edit/", ""])
def test_an_ai_draft_lists_its_sources_and_says_to_check_it(client, clinician, ai_note, page):
    client.force_login(clinician)
    html = client.get(f"/notes/{ai_note.pk}/{page}").content.decode()
    assert "AI-drafted — check before signing" in html
    assert '[1] <a href="/patients/p/#c1">Problem</a>' in html
    assert '[2] <a href="/labs/results/r2/">Lab result</a>' in html
    assert "[3] Lab result" in html and "javascript:" not in html


def test_a_signed_ai_note_keeps_its_sources_without_the_warning(client, clinician, ai_note):
    services.note_sign(actor=clinician, note=ai_note)
    client.force_login(clinician)
    html = client.get(f"/notes/{ai_note.pk}/").content.decode()
    assert '[2] <a href="/labs/results/r2/">Lab result</a>' in html
    assert "check before signing" not in html


def test_a_note_written_by_hand_has_no_ai_sources(client, clinician, patient):
    note = soap_from_template(clinician, patient)
    client.force_login(clinician)
    html = client.get(f"/notes/{note.pk}/").content.decode()
    assert "Sources of the AI draft" not in html and "AI-drafted" not in html
