"""What reviewers met in the programme pages: one draft per programme however often "Start a
new version" is pressed, completing an enrolment asks first and every action says what it did,
the enrolment page carries the patient's header, steps refuse content no one could follow,
programmes of one clinic have names of their own, and the templates list fits a phone."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.formats import date_format

from programs import services
from programs.models import Enrollment, ProgramTemplate, Step
from tests.patients.html_factories import page_text
from tests.programs.factories import HYPERTENSION, enrol, published

pytestmark = pytest.mark.django_db

DRAFT = ProgramTemplate.Status.DRAFT


# --- 1. one draft per programme ------------------------------------------------------------------
def test_starting_a_new_version_twice_opens_the_draft_already_started(admin_web, programs_clinic):
    v1 = published(programs_clinic)
    first = admin_web.post(f"/programs/templates/{v1.pk}/version/", follow=True)
    second = admin_web.post(f"/programs/templates/{v1.pk}/version/", follow=True)

    (draft,) = ProgramTemplate.objects.filter(lineage=v1.lineage, status=DRAFT)
    assert draft.version == 2 and draft.steps.count() == v1.steps.count()
    assert first.redirect_chain[-1][0] == second.redirect_chain[-1][0]
    assert first.redirect_chain[-1][0] == f"/programs/templates/{draft.pk}/"
    assert "Version 2 started as a draft" in page_text(first)
    assert "This programme already has a draft, version 2: continue it here." in page_text(second)


def test_the_api_returns_the_draft_already_started(api_as, admin_user, programs_clinic):
    v1 = published(programs_clinic)
    api = api_as(admin_user)
    started = api.post(f"/api/v1/programs/{v1.pk}/versions")
    again = api.post(f"/api/v1/programs/{v1.pk}/versions")
    from_the_draft = api.post(f"/api/v1/programs/{started.json()['id']}/versions")
    assert started.status_code == 201
    assert (again.status_code, from_the_draft.status_code) == (200, 200)
    assert started.json()["id"] == again.json()["id"] == from_the_draft.json()["id"]
    assert ProgramTemplate.objects.filter(lineage=v1.lineage).count() == 2


# --- 2. complete asks first; each action says what it did ----------------------------------------
def test_complete_asks_first_and_the_ended_enrolment_shows_nothing_due(client, clinician, patient):
    client.force_login(clinician)
    enrollment = enrol(clinician, patient)
    page = page_text(client.get(f"/programs/enrollments/{enrollment.pk}/"))
    assert f'href="/programs/enrollments/{enrollment.pk}/complete/"' in page
    assert "Today's tasks" in page

    asked = page_text(client.get(f"/programs/enrollments/{enrollment.pk}/complete/"))
    assert f"Complete “{HYPERTENSION}” for Ana Silva?" in asked
    assert "Today is day 1 of 84." in asked and "tasks not done yet will no longer be due" in asked
    assert Enrollment.objects.get(pk=enrollment.pk).state == "active"  # asking changes nothing

    done = client.post(f"/programs/enrollments/{enrollment.pk}/complete/", follow=True)
    page = page_text(done)
    assert "Ana Silva completed the programme." in page
    assert Enrollment.objects.get(pk=enrollment.pk).state == "completed"
    assert "Today's tasks" not in page and "— Due" not in page
    assert "– ended" in page

    again = client.get(f"/programs/enrollments/{enrollment.pk}/complete/", follow=True)
    assert "This enrolment has already ended." in page_text(again)


def test_the_patient_page_lists_past_programmes(client, clinician, patient):
    client.force_login(clinician)
    enrollment = enrol(clinician, patient)
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="complete")
    page = page_text(client.get(f"/patients/{patient.pk}/"))
    assert "Not enrolled in any programme now." in page and "Past programmes" in page
    assert f'href="/programs/enrollments/{enrollment.pk}/"' in page


def test_pause_resume_and_withdraw_say_what_they_did(client, clinician, patient):
    client.force_login(clinician)
    enrollment = enrol(clinician, patient)
    url = f"/programs/enrollments/{enrollment.pk}"
    paused = page_text(client.post(f"{url}/pause/", follow=True))
    assert "Paused: Ana Silva has no tasks until the programme is resumed." in paused
    resumed = page_text(client.post(f"{url}/resume/", follow=True))
    end = Enrollment.objects.get(pk=enrollment.pk).end_date
    assert f"Resumed: the programme now ends on {date_format(end, 'SHORT_DATE_FORMAT')}." in resumed
    withdrawn = page_text(client.post(f"{url}/withdraw/", {"reason": "Moved away"}, follow=True))
    assert "Ana Silva was withdrawn from the programme." in withdrawn
    assert client.get(f"{url}/pause/").status_code == 405  # only completing is asked first


# --- 3. the enrolment pages carry the patient's header -------------------------------------------
def test_the_enrolment_pages_show_the_patient_header(client, clinician, patient):
    client.force_login(clinician)
    enrollment = enrol(clinician, patient)
    for url in (
        f"/programs/enrollments/{enrollment.pk}/",
        f"/programs/enrollments/{enrollment.pk}/complete/",
    ):
        page = page_text(client.get(url))
        assert "hp-patient-header" in page and patient.mrn in page, url
        assert "hp-allergy-banner" in page, url


# --- 4. steps refuse what no one could follow ----------------------------------------------------
APPOINTMENT = {"day": 0, "kind": "appointment", "title": "Review", "repeat": "", "window_days": 7}


@pytest.fixture
def draft(admin_user, programs_clinic):
    return services.template_create(actor=admin_user, name="Weight", duration_days=28)


def test_an_appointment_step_books_one_of_the_clinics_types(admin_web, draft):
    form = page_text(admin_web.get(f"/programs/templates/{draft.pk}/"))
    offered = form.split('name="appointment_type"', 1)[1].split("</select>", 1)[0]
    assert '<option value="Follow-up">Follow-up</option>' in offered

    refused = admin_web.post(
        f"/programs/templates/{draft.pk}/", {**APPOINTMENT, "appointment_type": "Nonexistent type"}
    )
    assert refused.status_code == 200 and not draft.steps.exists()
    assert "Select a valid choice." in page_text(refused)
    added = admin_web.post(
        f"/programs/templates/{draft.pk}/", {**APPOINTMENT, "appointment_type": "Follow-up"}
    )
    assert added.status_code == 302 and draft.steps.get().appointment_type == "Follow-up"


def test_the_api_refuses_an_unknown_appointment_type(api_as, admin_user, draft):
    step = {**APPOINTMENT, "appointment_type": "Nonexistent type"}
    answer = api_as(admin_user).patch(
        f"/api/v1/programs/{draft.pk}/", {"steps": [step]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["appointment_type"] == [
        "Choose one of the clinic's appointment types."
    ]
    assert not draft.steps.exists()


WEIGHT = {"day": 0, "kind": "measurement", "title": "Weigh in", "repeat": "weekly",
          "measure": "weight", "target_low": -5, "target_high": 90000}  # fmt: skip


def test_a_target_outside_what_can_be_measured_is_refused(api_as, admin_web, admin_user, draft):
    refused = admin_web.post(f"/programs/templates/{draft.pk}/", WEIGHT)
    assert refused.status_code == 200
    assert "Weight targets lie within 1–500 kg." in page_text(refused)
    step = {**WEIGHT, "targets": {"29463-7": {"low": -5, "high": 90000}}}
    del step["target_low"], step["target_high"]
    answer = api_as(admin_user).patch(
        f"/api/v1/programs/{draft.pk}/", {"steps": [step]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["targets"] == ["Weight targets lie within 1–500 kg."]
    assert not draft.steps.exists()
    kept = admin_web.post(
        f"/programs/templates/{draft.pk}/", {**WEIGHT, "target_low": 60, "target_high": 90}
    )
    assert kept.status_code == 302
    assert draft.steps.get().targets == {"29463-7": {"low": 60.0, "high": 90.0}}


# --- 5. a measurement step with no measurement says so --------------------------------------------
def test_targets_with_no_measurement_chosen_ask_for_the_measurement(admin_web, admin_user, draft):
    step = services.step_add(actor=admin_user, template=draft, **{
        "day": 0, "kind": "education", "title": "Read", "body": "Text"})  # fmt: skip
    answer = admin_web.post(
        f"/programs/steps/{step.pk}/",
        {"day": 0, "kind": "measurement", "title": "BP", "measure": "", "target_low": 90,
         "target_high": 130, "target2_low": 60, "target2_high": 85},
    )  # fmt: skip
    page = page_text(answer)
    assert answer.status_code == 200 and "Choose what is measured." in page
    assert "This measurement has a single value." not in page
    assert Step.objects.get(pk=step.pk).kind == "education"


# --- 6. names of their own; publishing says so ---------------------------------------------------
def test_a_new_programme_may_not_take_an_existing_name(admin_web, programs_clinic):
    answer = admin_web.post(
        "/programs/templates/new/",
        {"name": HYPERTENSION.upper(), "description": "", "duration_days": 84},
    )
    assert answer.status_code == 200
    assert (
        f"Another programme is already called “{HYPERTENSION.upper()}”: choose another name, "
        "or start a new version of that programme."
    ) in page_text(answer)
    assert ProgramTemplate.objects.filter(name__iexact=HYPERTENSION).count() == 1


def test_a_draft_may_not_be_renamed_to_another_programmes_name(admin_web, draft):
    answer = admin_web.post(
        f"/programs/templates/{draft.pk}/details/",
        {"name": "hypertension — 12 weeks", "description": "", "duration_days": 28},
    )
    assert answer.status_code == 200 and "Another programme is already called" in page_text(answer)
    assert ProgramTemplate.objects.get(pk=draft.pk).name == "Weight"


def test_a_new_version_keeps_its_programmes_name_and_publishing_says_so(
    admin_web, admin_user, programs_clinic
):
    draft, _created = services.template_new_version(
        actor=admin_user, template=published(programs_clinic)
    )
    renamed = admin_web.post(
        f"/programs/templates/{draft.pk}/details/",
        {"name": HYPERTENSION.lower(), "description": "", "duration_days": 84},
    )
    assert renamed.status_code == 302
    done = admin_web.post(f"/programs/templates/{draft.pk}/publish/", follow=True)
    assert "Published: new enrolments get version 2." in page_text(done)


# --- 7. the templates list scrolls inside its box ------------------------------------------------
def test_the_templates_table_scrolls_inside_its_own_box(admin_web, programs_clinic):
    page = admin_web.get("/programs/templates/").content.decode()
    assert '<div class="table-responsive">\n<table' in page


def test_a_renamed_draft_frees_its_old_name_and_keeps_its_versions_name(admin_user, draft):
    """A name is held by the programme whose versions use it: renaming the only version frees
    the old name for another programme; a new version keeps its programme's name."""
    services.template_update(actor=admin_user, template=draft, name="Walking")
    other = services.template_create(actor=admin_user, name="WEIGHT", duration_days=28)
    assert other.name == "WEIGHT"
    with pytest.raises(ValidationError):
        services.template_create(actor=admin_user, name="walking", duration_days=28)
    hypertension = ProgramTemplate.objects.get(name=HYPERTENSION)
    version, created = services.template_new_version(actor=admin_user, template=hypertension)
    assert created and version.name == HYPERTENSION
    services.template_update(actor=admin_user, template=version, description="Version 2")
    assert ProgramTemplate.objects.filter(name=HYPERTENSION).count() == 2
