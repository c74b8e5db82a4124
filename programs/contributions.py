"""What the programmes app adds to the rest: two published programmes for every new clinic,
the patient page's Programs panel, facts for summaries (ChartSource), the CarePlan and Goals
for the whole-record export (FhirResources), the notifications it raises, demo data, and what
it does when a visit is booked, moved or cancelled (the appointments app's events)."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.contributions import (
    AppPage,
    Backfill,
    ChartFact,
    ChartSource,
    ClinicHook,
    FhirResources,
    NotificationEvent,
    Panel,
    PatientRecords,
    Reconciled,
    RecordPage,
    Seeder,
    contribute,
)
from core.events import listen
from core.roles import Role
from patients.services import PATIENT_ARCHIVED
from programs import demo, fhir, selectors, services
from programs.catalogue import COMPONENTS, unit_shown


def _enrollment_url(enrollment) -> str:
    return reverse("programs:enrollment", args=[enrollment.pk])


def _plain(value):
    """128.0 as 128 (older readings were stored as floats)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def chart_facts(*, actor, patient, since=None) -> list[ChartFact]:
    """Each open enrolment: adherence, and the latest off-target measurements."""
    facts = []
    for enrollment in selectors.patient_enrollments(actor=actor, patient=patient):
        off_target = services.latest_off_target(enrollment)
        at = enrollment.last_activity_at or enrollment.created_at
        if since is not None and at < since:
            continue
        adherence = (
            _("no tasks due yet")
            if enrollment.adherence is None
            else _("%(n)d%% of tasks done on time (14 days)") % {"n": enrollment.adherence}
        )
        readings = [
            f"{COMPONENTS[m['code']].label if m['code'] in COMPONENTS else m['code']} "
            f"{formats.localize(_plain(m['value']))} {unit_shown(m['unit'])}"
            for m in off_target
        ]
        text = _("%(program)s (%(state)s, since %(start)s): %(adherence)s") % {
            "program": enrollment.template.name,
            "state": enrollment.get_state_display().lower(),
            "start": enrollment.start_date.isoformat(),
            "adherence": adherence,
        }
        if readings:
            text += "; " + _("off target: %s") % ", ".join(readings)
        facts.append(
            ChartFact(
                section="programs",
                text=str(text),
                type="programs.enrollment",
                id=str(enrollment.pk),
                url=_enrollment_url(enrollment),
                at=at,
                data={
                    "program": enrollment.template.name,
                    "state": enrollment.state,
                    "start_date": enrollment.start_date.isoformat(),
                    "adherence": enrollment.adherence,
                    "off_target": [
                        {
                            "code": m["code"],
                            "value": m["value"],
                            "unit": m["unit"],
                            "at": m["measured_at"].isoformat(),
                        }
                        for m in off_target
                    ],  # fmt: skip
                },
            )
        )
    return facts


def fhir_resources(*, actor, patient) -> list[dict]:
    """Every enrolment of the patient (open or ended) as a CarePlan with its Goals."""
    resources = []
    enrollments = selectors.patient_enrollments(
        actor=actor, patient=patient, open_only=False, audited=False
    )
    for enrollment in enrollments:
        resources.extend(fhir.resources(enrollment, services.goals_status(enrollment)))
    return resources


# --- notification events --------------------------------------------------------------------------
def _patient_user(enrollment):
    return [enrollment.patient.user] if enrollment.patient.user_id else []


CARE_ROLES = (Role.CLINICIAN, Role.NURSE)


def _care_manager(measurement):
    """The enrolment's care manager; one who has left or is now in another role, the clinic's
    clinicians: a reading in the alert range still reaches someone. (An enrolment without a
    care manager is followed from the dashboard: its alerts go to no one in particular.)"""
    manager = measurement.enrollment.care_manager
    if manager is None:
        return []
    if manager.is_active and manager.role in CARE_ROLES:
        return [manager]
    return User.objects.filter(
        clinic_id=measurement.enrollment.clinic_id, role=Role.CLINICIAN, is_active=True
    )


def _alert_link(measurement, user) -> str:
    return _enrollment_url(measurement.enrollment)


# The day's tasks of an enrolment in the patient's app.
APP_PAGE = AppPage(
    route="api-enrollment-tasks", target="programme_tasks", path="/programmes/{id}/tasks"
)


def _tasks_link(enrollment, user) -> str:
    return APP_PAGE.api_link(enrollment.pk)


contribute(
    "programs",
    RecordPage(model="programs.Enrollment", url_name="programs:enrollment"),
    RecordPage(model="programs.ProgramTemplate", url_name="programs:template"),
    APP_PAGE,
    Reconciled(model="programs.Enrollment", children=("tasks",)),
    Backfill("programs.0006_program_names"),
    PatientRecords(key="programs", models=("programs.Enrollment",)),
    ClinicHook(key="programs.builtins", setup=services.clinic_setup),
    Panel(
        key="programs",
        title=_("Programmes"),
        template="programs/panels/programs.html",
        permission="programs.view",
        order=25,
        context=selectors.patient_panel,
    ),
    ChartSource(key="programs", facts=chart_facts, order=60),
    FhirResources(key="programs", resources=fhir_resources, order=60),
    Seeder(key="programs", add_arguments=demo.add_arguments, seed=demo.seed, order=50),
    NotificationEvent(
        key=services.EVENT_TASKS_TODAY,
        label=_("You have programme tasks today"),
        description=_("Once a day, at the hour you chose, when tasks are waiting."),
        default_channels=("in_app", "push", "email"),
        audience=(Role.PATIENT,),
        recipients=_patient_user,
        link=_tasks_link,
        order=50,
    ),
    NotificationEvent(
        key=services.EVENT_ALERT,
        label=_("Programme measurement in the alert range"),
        description=_("A patient you manage recorded a value outside the alert range."),
        default_channels=("in_app",),
        mandatory_channels=("in_app",),
        audience=CARE_ROLES,
        recipients=_care_manager,
        link=_alert_link,
        order=50,
    ),
    NotificationEvent(
        key=services.EVENT_BEHIND,
        label=_("Weekly: patients falling behind in programmes"),
        description=_("Every Monday, when enrolments you manage are under 60% adherence."),
        default_channels=("in_app", "email"),
        audience=(Role.CLINICIAN, Role.NURSE),
        recipients=lambda user: [user],
        link=lambda user, recipient: reverse("programs:dashboard") + "?behind=on",
        order=51,
    ),
)


VISIT_EVENTS = {
    services.APPOINTMENT_BOOKED: services.appointment_booked,
    services.APPOINTMENT_RESCHEDULED: services.appointment_rescheduled,
    services.APPOINTMENT_CANCELLED: services.appointment_cancelled,
    services.APPOINTMENT_NO_SHOW: services.appointment_no_show,
}


def _visit_event(event_key: str, obj=None, actor=None, **payload) -> None:
    """A visit booked records its programme task done; moved, the task shows the new day;
    cancelled or not attended, the task is open again (appointments.services raises them in
    its unit)."""
    handler = VISIT_EVENTS.get(event_key)
    if handler is not None and obj is not None:
        handler(actor=actor, appointment=obj)


def _patient_archived(event_key: str, obj=None, actor=None, **payload) -> None:
    if event_key == PATIENT_ARCHIVED and obj is not None:
        services.patient_archived(actor=actor, patient=obj)


def _type_renamed(event_key: str, clinic_id=None, old_name="", new_name="", actor=None, **_p):
    """Steps name the appointment type they book: a type renamed renames them too."""
    if event_key == services.APPOINTMENT_TYPE_RENAMED and clinic_id and old_name:
        services.appointment_type_renamed(
            actor=actor, clinic_id=clinic_id, old_name=old_name, new_name=new_name
        )


listen("programs", _visit_event)
listen("programs.archived", _patient_archived)
listen("programs.type_names", _type_renamed)
