"""What the builder, the dashboard and the enrolment actions refuse, and that a refusal is said
where it happens: numbers of days past a programme (or any date), a state filter that showed
one thing and listed another, a reason that could not be kept, a step of another template."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from programs import services
from programs.models import Goal, ProgramTemplate, Step
from tests.patients.factories import PatientFactory
from tests.patients.html_factories import page_text
from tests.programs.factories import enrol, published, today

pytestmark = pytest.mark.django_db

BP_STEP = {"day": 0, "repeat": "daily", "kind": "measurement", "title": "Blood pressure",
           "measure": "blood_pressure"}  # fmt: skip
GOAL = {"kind": "average", "description": "Systolic below 140", "code": "8480-6",
        "comparator": "lt", "value": 140, "window_days": 14}  # fmt: skip
HUGE = 5_000_000_000
MAX_DAYS = "Ensure this value is less than or equal to"


@pytest.fixture
def draft(admin_user):
    return services.template_create(
        actor=admin_user, name="Blood pressure", duration_days=28, steps=[BP_STEP]
    )


def step_form(**changes) -> dict:
    form = {"day": 0, "kind": "measurement", "title": "Blood pressure", "repeat": "daily",
            "measure": "blood_pressure"}  # fmt: skip
    return {**form, **changes}


# --- 1. days past the programme, or past any date -----------------------------------------------
@pytest.mark.parametrize("window_days", [1_000_000, 731])
def test_a_goal_over_more_days_than_any_programme_is_refused_on_the_form(
    admin_web, draft, window_days
):
    response = admin_web.post(
        f"/programs/templates/{draft.pk}/goals/", {**GOAL, "window_days": window_days}
    )
    assert response.status_code == 200
    assert f"{MAX_DAYS} 730." in page_text(response)
    assert "Goal added." not in page_text(response)
    assert not draft.goals.exists()


def test_a_goal_over_730_days_at_most_is_added_and_its_enrolment_page_shows(
    client, admin_user, clinician, draft, patient
):
    client.force_login(admin_user)
    added = client.post(f"/programs/templates/{draft.pk}/goals/", {**GOAL, "window_days": 730})
    assert added.status_code == 302
    services.template_publish(actor=admin_user, template=draft)
    enrollment = services.enroll(
        actor=clinician, template=draft, patient=patient, start_date=today(patient.clinic)
    )
    client.force_login(clinician)
    page = client.get(f"/programs/enrollments/{enrollment.pk}/")
    assert page.status_code == 200 and "Systolic below 140" in page_text(page)


@pytest.mark.parametrize("window_days", [0, 731, 1_000_000])
def test_the_goal_services_refuse_a_window_outside_1_to_730_days(admin_user, draft, window_days):
    with pytest.raises(ValidationError) as refused:
        services.goal_add(actor=admin_user, template=draft, **{**GOAL, "window_days": window_days})
    assert refused.value.message_dict["window_days"] == ["Between 1 and 730 days."]
    goal = services.goal_add(actor=admin_user, template=draft, **GOAL)
    with pytest.raises(ValidationError) as refused:
        services.goal_update(actor=admin_user, goal=goal, **{**GOAL, "window_days": window_days})
    assert refused.value.message_dict["window_days"] == ["Between 1 and 730 days."]
    assert Goal.objects.get(pk=goal.pk).window_days == 14


def test_the_api_refuses_a_goal_window_past_730_days_with_the_same_400(api_as, admin_user):
    api = api_as(admin_user)
    body = {"name": "BP", "duration_days": 28, "steps": [BP_STEP],
            "goals": [{**GOAL, "window_days": 1_000_000}]}  # fmt: skip
    created = api.post("/api/v1/programs/", body, format="json")
    assert created.status_code == 400
    assert "Between 1 and 730 days." in str(created.json())
    assert not ProgramTemplate.objects.filter(name="BP").exists()
    ok = api.post("/api/v1/programs/", {**body, "goals": [GOAL]}, format="json")
    assert ok.status_code == 201
    patched = api.patch(
        f"/api/v1/programs/{ok.json()['id']}/",
        {"goals": [{**GOAL, "window_days": 1_000_000}]},
        format="json",
    )
    assert patched.status_code == 400 and "Between 1 and 730 days." in str(patched.json())
    assert Goal.objects.get(template_id=ok.json()["id"]).window_days == 14


def test_a_goal_saved_before_the_bound_no_longer_breaks_the_enrolment_and_record_pages(
    client, clinician, patient
):
    enrollment = enrol(clinician, patient)
    Goal.objects.filter(template=enrollment.template).update(window_days=1_000_000)
    client.force_login(clinician)
    assert client.get(f"/programs/enrollments/{enrollment.pk}/").status_code == 200
    assert client.get(f"/patients/{patient.pk}/record/").status_code == 200


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"day": 28}, "day"),
        ({"day": 2, "until_day": 40}, "until_day"),
    ],
)
def test_a_step_after_the_programme_ends_is_refused_saying_how_long_it_lasts(
    admin_web, draft, changes, field
):
    step = draft.steps.get()
    repeat = {"repeat": "daily"} if field == "until_day" else {}
    for url in (f"/programs/templates/{draft.pk}/", f"/programs/steps/{step.pk}/"):
        response = admin_web.post(url, step_form(**repeat, **changes))
        assert response.status_code == 200
        assert "Between day 0 and day 27: the programme lasts 28 days." in page_text(response)
    assert draft.steps.count() == 1 and Step.objects.get(pk=step.pk).day == 0
    assert "Step added." not in page_text(admin_web.get(f"/programs/templates/{draft.pk}/"))


def test_steps_every_more_days_than_the_programme_lasts_are_refused(admin_web, draft):
    response = admin_web.post(
        f"/programs/templates/{draft.pk}/",
        step_form(repeat="every_n_days", every_days=29),
    )
    assert response.status_code == 200 and "Between 1 and 28 days." in page_text(response)
    assert draft.steps.count() == 1


@pytest.mark.parametrize("field", ["day", "until_day", "every_days", "window_days"])
def test_five_billion_days_are_refused_on_the_form(admin_web, draft, field):
    extra = {"repeat": "every_n_days", "every_days": 2} if field != "day" else {}
    if field == "window_days":
        extra = {"kind": "appointment", "appointment_type": "Follow-up"}
    response = admin_web.post(
        f"/programs/templates/{draft.pk}/", step_form(**{**extra, field: HUGE})
    )
    assert response.status_code == 200 and MAX_DAYS in page_text(response)
    assert draft.steps.count() == 1


@pytest.mark.parametrize(
    "step, field",
    [
        ({**BP_STEP, "day": HUGE}, "day"),
        ({**BP_STEP, "day": 28}, "day"),
        ({**BP_STEP, "until_day": HUGE}, "until_day"),
        ({**BP_STEP, "repeat": "every_n_days", "every_days": HUGE}, "every_days"),
        ({"day": 0, "kind": "appointment", "title": "Visit", "appointment_type": "Follow-up",
          "window_days": HUGE}, "window_days"),
    ],
)  # fmt: skip
def test_the_api_refuses_steps_past_the_programme_with_a_400_naming_the_field(
    api_as, admin_user, draft, step, field
):
    api = api_as(admin_user)
    body = {"name": "BP", "duration_days": 28, "steps": [step]}
    created = api.post("/api/v1/programs/", body, format="json")
    assert created.status_code == 400 and field in created.json()["errors"], created.json()
    patched = api.patch(f"/api/v1/programs/{draft.pk}/", {"steps": [step]}, format="json")
    assert patched.status_code == 400 and field in patched.json()["errors"], patched.json()
    assert list(draft.steps.values_list("day", flat=True)) == [0]
    assert not ProgramTemplate.objects.filter(name="BP").exists()


# --- 2. the dashboard lists the state its select shows -------------------------------------------
def test_the_dashboard_lists_the_state_its_select_shows(client, clinician, patient):
    active = enrol(clinician, patient)
    paused = [enrol(clinician, PatientFactory(clinic=patient.clinic)) for _ in range(3)]
    for enrollment in paused:
        services.enrollment_transition(actor=clinician, enrollment=enrollment, action="pause")
    client.force_login(clinician)

    def shown(query):
        page = client.get(f"/programs/{query}").content.decode()
        selected = page.split('name="state"', 1)[1].split("</select>", 1)[0]
        rows = {e.pk for e in [active, *paused] if f"/programs/enrollments/{e.pk}/" in page}
        return selected, rows

    for query in ("", "?state=", "?state=bogus", "?state=active"):
        selected, rows = shown(query)
        assert '<option value="active" selected>' in selected, query
        assert rows == {active.pk}, query
    selected, rows = shown("?state=all")
    assert '<option value="all" selected>Any</option>' in selected
    assert rows == {active.pk, *(e.pk for e in paused)}
    selected, rows = shown("?state=paused")
    assert '<option value="paused" selected>' in selected
    assert rows == {e.pk for e in paused}


# --- 3. a reason that cannot be kept stops the action and says why --------------------------------
@pytest.mark.parametrize(
    "action, reason, said",
    [
        ("complete", "x" * 301, "A reason is at most 300 characters (this one has 301)."),
        ("pause", "x" * 301, "A reason is at most 300 characters (this one has 301)."),
        ("withdraw", "x" * 301, "A reason is at most 300 characters (this one has 301)."),
        ("complete", "moved\x00away", "Null characters are not allowed."),
        ("withdraw", "moved\x00away", "Null characters are not allowed."),
    ],
)
def test_an_invalid_reason_stops_the_action_and_says_why(
    client, clinician, patient, action, reason, said
):
    enrollment = enrol(clinician, patient)
    client.force_login(clinician)
    url = f"/programs/enrollments/{enrollment.pk}/"
    response = client.post(f"{url}{action}/", {"reason": reason})
    assert response.status_code == 302 and response["Location"] == url
    page = page_text(client.get(url))
    assert said in page
    assert "Say why the patient leaves the programme." not in page
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.reason) == ("active", "")


def test_a_valid_reason_is_kept(client, clinician, patient):
    enrollment = enrol(clinician, patient)
    client.force_login(clinician)
    client.post(f"/programs/enrollments/{enrollment.pk}/withdraw/", {"reason": "x" * 300})
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.reason) == ("withdrawn", "x" * 300)


# --- 4. a step is deleted through its own template only ------------------------------------------
def test_a_step_is_deleted_through_its_own_template_and_404_through_another(
    admin_web, admin_user, draft
):
    other = services.template_create(
        actor=admin_user, name="Other", duration_days=28, steps=[BP_STEP]
    )
    step = draft.steps.get()
    wrong = admin_web.post(f"/programs/templates/{other.pk}/steps/{step.pk}/delete/")
    assert wrong.status_code == 404
    assert Step.objects.filter(pk=step.pk).exists() and other.steps.count() == 1
    done = admin_web.post(f"/programs/templates/{draft.pk}/steps/{step.pk}/delete/")
    assert done.status_code == 302 and done["Location"] == f"/programs/templates/{draft.pk}/"
    assert not Step.objects.filter(pk=step.pk).exists() and other.steps.count() == 1
    assert AuditEvent.objects.filter(object_id=draft.pk, detail="step removed").count() == 1


def test_a_published_templates_step_is_not_deleted(admin_web, admin_user, programs_clinic):
    template = published(programs_clinic)
    step = template.steps.first()
    response = admin_web.post(
        f"/programs/templates/{template.pk}/steps/{step.pk}/delete/", follow=True
    )
    assert "Only a draft can be edited" in page_text(response)
    assert Step.objects.filter(pk=step.pk).exists()
