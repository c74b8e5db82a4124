"""The template builder in the browser: an admin edits every part of a draft's steps and goals
(day, repeat, kind-specific content; a goal's definition), sees a refused change on the form
with nothing saved, and finds published versions read-only until "new version" drafts a copy."""

import pytest

from accounts.models import AuditEvent
from programs import services
from programs.models import Goal, ProgramTemplate, Step

pytestmark = pytest.mark.django_db

BP_STEP = {"day": 0, "repeat": "daily", "kind": "measurement", "title": "Blood pressure",
           "measure": "blood_pressure",
           "targets": {"8480-6": {"low": 90, "high": 130}}}  # fmt: skip
GOAL = {"kind": "average", "description": "Systolic below 130", "code": "8480-6",
        "comparator": "lt", "value": 130, "window_days": 14}  # fmt: skip


@pytest.fixture
def draft(admin_user, programs_clinic):  # the clinic's appointment types, which a step books
    return services.template_create(
        actor=admin_user, name="Blood pressure", duration_days=28, steps=[BP_STEP], goals=[GOAL]
    )


def step_form(**changes) -> dict:
    form = {"day": 0, "kind": "measurement", "title": "Blood pressure", "repeat": "daily",
            "measure": "blood_pressure", "target_low": 90, "target_high": 130}  # fmt: skip
    return {key: value for key, value in {**form, **changes}.items() if value is not None}


def saved(step) -> dict:
    return {k: getattr(Step.objects.get(pk=step.pk), k) for k in services.STEP_FIELDS}


def test_the_edit_form_shows_the_step_as_it_is(admin_web, draft):
    step = draft.steps.get()
    page = admin_web.get(f"/programs/templates/{draft.pk}/").content.decode()
    assert f"/programs/steps/{step.pk}/" in page
    form = admin_web.get(f"/programs/steps/{step.pk}/").content.decode()
    assert 'name="title" value="Blood pressure"' in form
    assert 'name="target_high" value="130"' in form
    assert '<option value="daily" selected>' in form


def test_day_repeat_and_both_blood_pressure_targets_change(admin_web, draft):
    step = draft.steps.get()
    response = admin_web.post(
        f"/programs/steps/{step.pk}/",
        step_form(day=2, repeat="every_n_days", every_days=3, until_day=20, title="BP twice",
                  target_high=135, target2_low=60, target2_high=85),
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/programs/templates/{draft.pk}/"
    now = saved(step)
    assert (now["day"], now["repeat"], now["every_days"], now["until_day"]) == (
        2, "every_n_days", 3, 20,
    )  # fmt: skip
    assert now["title"] == "BP twice"
    assert now["targets"] == {
        "8480-6": {"low": 90.0, "high": 135.0},
        "8462-4": {"low": 60.0, "high": 85.0},
    }
    page = admin_web.get(f"/programs/templates/{draft.pk}/").content.decode()
    assert "Step saved." in page and "Day 2" in page
    assert AuditEvent.objects.filter(object_id=draft.pk, detail="step changed").count() == 1


def test_a_step_changes_kind_and_keeps_only_that_kinds_content(admin_web, draft):
    step = draft.steps.get()
    admin_web.post(
        f"/programs/steps/{step.pk}/",
        step_form(kind="check_in", title="How are you?", repeat="weekly",
                  questions="dizzy | yes_no | Any dizziness?\nmood | scale | Your mood (1–5)"),
    )  # fmt: skip
    now = saved(step)
    assert now["kind"] == "check_in" and now["measure"] == "" and now["targets"] == {}
    assert now["questions"] == [
        {"key": "dizzy", "text": "Any dizziness?", "type": "yes_no"},
        {"key": "mood", "text": "Your mood (1–5)", "type": "scale"},
    ]
    form = admin_web.get(f"/programs/steps/{step.pk}/").content.decode()
    assert "dizzy | yes_no | Any dizziness?" in form  # shown as typed, ready to edit again
    admin_web.post(
        f"/programs/steps/{step.pk}/",
        step_form(kind="education", title="Salt", repeat="", body="Eat **less** salt."),
    )
    now = saved(step)
    assert (now["kind"], now["body"], now["questions"], now["repeat"]) == (
        "education", "Eat **less** salt.", [], "",
    )  # fmt: skip
    assert (
        "<strong>less</strong>"
        in admin_web.get(f"/programs/templates/{draft.pk}/").content.decode()
    )
    admin_web.post(
        f"/programs/steps/{step.pk}/",
        step_form(kind="appointment", title="Review", repeat="", appointment_type="Follow-up",
                  window_days=10, body="Eat **less** salt."),
    )  # fmt: skip
    now = saved(step)
    assert (now["appointment_type"], now["window_days"], now["body"]) == (
        "Follow-up", 10, "Eat **less** salt.",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"day": 10, "until_day": 5, "repeat": "daily"}, "The last day comes after the first."),
        ({"repeat": "every_n_days"}, "Say how many days apart."),
        ({"measure": ""}, "Choose what is measured."),
        ({"target_low": 140, "target_high": 120}, "The upper limit is below the lower one."),
        ({"measure": "weight", "target2_low": 60}, "This measurement has a single value."),
        ({"kind": "check_in", "questions": "just a question"}, "Line 1: write key |"),
        ({"kind": "check_in", "questions": "a | text | One\na | text | Two"}, "its own key"),
        ({"title": ""}, "This field is required."),
    ],
)
def test_a_refused_change_shows_on_the_form_and_saves_nothing(admin_web, draft, changes, error):
    step = draft.steps.get()
    before = saved(step)
    response = admin_web.post(
        f"/programs/steps/{step.pk}/", step_form(**{"title": "Changed", **changes})
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert saved(step) == before


def test_goals_are_added_edited_and_removed(admin_web, draft):
    refused = admin_web.post(
        f"/programs/templates/{draft.pk}/goals/",
        {"kind": "average", "description": "Weight down", "comparator": "lt", "value": 90,
         "window_days": 14},
    )  # fmt: skip
    assert "Choose the measured value to average." in refused.content.decode()
    assert draft.goals.count() == 1
    added = admin_web.post(
        f"/programs/templates/{draft.pk}/goals/",
        {"kind": "count", "description": "5 readings a week", "comparator": "ge", "value": 5,
         "window_days": 7, "task_kind": "measurement", "code": "8480-6"},
    )  # fmt: skip
    assert added.status_code == 302
    count_goal = draft.goals.get(kind="count")
    assert (count_goal.task_kind, count_goal.code, count_goal.value) == ("measurement", "", 5)

    average = draft.goals.get(kind="average")
    assert (
        'value="Systolic below 130"'
        in admin_web.get(f"/programs/goals/{average.pk}/").content.decode()
    )
    admin_web.post(
        f"/programs/goals/{average.pk}/",
        {"kind": "average", "description": "Diastolic below 85", "code": "8462-4",
         "comparator": "le", "value": 85, "window_days": 28},
    )  # fmt: skip
    average.refresh_from_db()
    assert (average.description, average.code, average.comparator, average.value,
            average.window_days) == ("Diastolic below 85", "8462-4", "le", 85, 28)  # fmt: skip
    bad = admin_web.post(
        f"/programs/goals/{average.pk}/",
        {"kind": "average", "description": "", "code": "8462-4", "comparator": "le",
         "value": 85, "window_days": 0},
    )  # fmt: skip
    assert bad.status_code == 200 and "At least one day." in bad.content.decode()
    average.refresh_from_db()
    assert average.description == "Diastolic below 85"

    admin_web.post(f"/programs/goals/{average.pk}/delete/")
    assert list(draft.goals.values_list("kind", flat=True)) == ["count"]


def test_name_description_and_duration_of_a_draft(admin_web, draft):
    refused = admin_web.post(
        f"/programs/templates/{draft.pk}/details/",
        {"name": "BP", "description": "", "duration_days": 0},
    )
    assert refused.status_code == 200 and "Between 1 and 730 days." in refused.content.decode()
    draft.refresh_from_db()
    assert (draft.name, draft.duration_days) == ("Blood pressure", 28)
    admin_web.post(
        f"/programs/templates/{draft.pk}/details/",
        {"name": "BP control", "description": "Four weeks.", "duration_days": 56},
    )
    draft.refresh_from_db()
    assert (draft.name, draft.description, draft.duration_days) == (
        "BP control", "Four weeks.", 56,
    )  # fmt: skip


def test_saving_a_drafts_details_keeps_a_colleagues_change_to_what_it_left_alone(
    admin_web, admin_user, draft
):
    shown = {"name": draft.name, "description": draft.description, "duration_days": 28}
    opened = {f"initial-{key}": value for key, value in shown.items()}
    services.template_update(actor=admin_user, template=draft, description="Four weeks.")

    admin_web.post(
        f"/programs/templates/{draft.pk}/details/", {**shown, **opened, "duration_days": 56}
    )

    draft.refresh_from_db()
    assert (draft.description, draft.duration_days) == ("Four weeks.", 56)


def test_a_published_version_is_read_only_until_a_new_version_is_drafted(admin_web, draft):
    services.template_publish(actor=None, template=draft)
    step, goal = draft.steps.get(), draft.goals.get()
    page = admin_web.get(f"/programs/templates/{draft.pk}/").content.decode()
    assert f"/programs/steps/{step.pk}/" not in page and "read-only" in page
    for response in (
        admin_web.get(f"/programs/steps/{step.pk}/", follow=True),
        admin_web.post(f"/programs/steps/{step.pk}/", step_form(day=5), follow=True),
        admin_web.post(f"/programs/goals/{goal.pk}/", {**GOAL, "value": 120}, follow=True),
        admin_web.post(f"/programs/goals/{goal.pk}/delete/", follow=True),
        admin_web.post(f"/programs/templates/{draft.pk}/goals/", GOAL, follow=True),
    ):
        assert "Only a draft can be edited" in response.content.decode()
    assert saved(step)["day"] == 0 and Goal.objects.get(pk=goal.pk).value == 130
    assert draft.goals.count() == 1

    admin_web.post(f"/programs/templates/{draft.pk}/version/")
    copy = ProgramTemplate.objects.get(lineage=draft.lineage, version=2)
    copy_step = copy.steps.get()
    admin_web.post(f"/programs/steps/{copy_step.pk}/", step_form(day=5))
    assert saved(copy_step)["day"] == 5 and saved(step)["day"] == 0


def test_retiring_a_programme_is_asked_first_then_takes_no_new_enrolments(admin_web, draft):
    services.template_publish(actor=None, template=draft)
    page = admin_web.get(f"/programs/templates/{draft.pk}/").content.decode()
    retire = f"/programs/templates/{draft.pk}/retire/"
    assert f'href="{retire}"' in page  # a link to the question, not a button that retires

    asked = admin_web.get(retire).content.decode()

    assert f"Retire {draft.name} (version 1)?" in asked
    assert "Patients enrolled now carry on" in asked
    assert ProgramTemplate.objects.get(pk=draft.pk).status == "published"

    response = admin_web.post(retire, follow=True)

    assert "takes no new enrolments" in response.content.decode()
    assert ProgramTemplate.objects.get(pk=draft.pk).status == "retired"
    # Retired, there is nothing to ask: the question sends back to the programme.
    assert admin_web.get(retire)["Location"] == f"/programs/templates/{draft.pk}/"
    assert admin_web.get(f"/programs/templates/{draft.pk}/publish/").status_code == 405
