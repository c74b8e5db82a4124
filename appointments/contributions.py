"""What the appointments app adds to the rest: a new clinic's default types and booking
policy, the patient page's Appointments panel, the staff home's "Today", demo appointments,
and the reminder patients are notified of (in-app and push; the e-mail, which needs the date
and time, is sent by appointments.reminders itself, through the outbox)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments import demo, fhir, reminders, selectors, services
from appointments.models import UPCOMING
from core.contributions import (
    AttachmentTarget,
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
    Service,
    Widget,
    contribute,
)
from core.roles import Role, can


def _patient_user(appointment):
    return [appointment.patient.user] if appointment.patient.user_id else []


def _link(appointment, user) -> str:
    return reminders.link_for(appointment)


def types_by_name(*, actor) -> dict[str, str]:
    """The clinic's active appointment types, name → id: the names a programme's appointment
    step may book (programs.services.appointment_types), and the id a patient's app books a
    task's appointment with (a patient reads only the types patients may book)."""
    types = selectors.type_list(actor=actor, active_only=True)
    return {name: str(pk) for name, pk in types.values_list("name", "pk")}


def appointment_target(*, actor, id: str):
    """An appointment as something to link or attach to (a note, a file): its own access call."""
    return selectors.appointment_get(actor=actor, id=id, audited=False)


def chart_facts(*, actor, patient, since=None) -> list[ChartFact]:
    """Upcoming visits, for AI summaries and drafts (read as part of the caller's audited read
    of the patient). Always from now on, whatever `since`."""
    if not can(actor, "appointments.view"):
        return []
    upcoming = selectors.appointment_list(
        actor=actor, patient=patient.pk, start=timezone.now()
    ).filter(status__in=UPCOMING)
    tz = selectors.clinic_tz(patient.clinic)
    facts = []
    for appointment in upcoming[:10]:
        start = appointment.start.astimezone(tz)
        reason = f": {appointment.reason}" if appointment.reason else ""
        provider = appointment.provider.get_full_name()
        facts.append(
            ChartFact(
                section="appointments",
                text=_("%(type)s with %(provider)s on %(when)s%(reason)s")
                % {
                    "type": appointment.type.name,
                    "provider": provider,
                    "when": f"{start:%Y-%m-%d %H:%M}",
                    "reason": reason,
                },
                type="appointments.appointment",
                id=str(appointment.pk),
                url=reverse("appointments:detail", args=[appointment.pk]),
                at=appointment.start,
                data={"type": appointment.type.name, "status": appointment.status},
            )
        )
    return facts


def fhir_resources(*, actor, patient) -> list[dict]:
    """Every appointment of the patient, past and future, for the whole-record export."""
    if not can(actor, "appointments.view"):
        return []
    return [
        fhir.appointment(appointment)
        for appointment in selectors.appointment_list(actor=actor, patient=patient.pk)
    ]


contribute(
    "appointments",
    RecordPage(model="appointments.Appointment", url_name="appointments:detail"),
    reminders.APP_PAGE,
    Service(key="appointments.types_by_name", call=types_by_name),
    Reconciled(model="appointments.Appointment"),
    Reconciled(model="appointments.AppointmentSeries", children=("appointments",), audited=False),
    Backfill("appointments.0008_hours_dated_inside_the_calendar"),
    ChartSource(key="appointments", facts=chart_facts, order=50),
    FhirResources(key="appointments", resources=fhir_resources, order=50),
    PatientRecords(key="appointments", models=("appointments.Appointment",)),
    ClinicHook(key="appointments.types", setup=services.types_install),
    Panel(
        key="appointments",
        title=_("Appointments"),
        template="appointments/panels/appointments.html",
        permission="appointments.view",
        order=20,
        context=selectors.patient_panel,
    ),
    Widget(
        key="appointments_today",
        template="appointments/widgets/today.html",
        permission="appointments.view",
        order=10,
        context=selectors.today_widget,
    ),
    AttachmentTarget(
        key="appointment",
        label=_("Appointment"),
        get=appointment_target,
        order=30,
        url=lambda pk: reverse("appointments:detail", args=[pk]),
    ),
    Seeder(key="appointments", add_arguments=demo.add_arguments, seed=demo.seed, order=40),
    NotificationEvent(
        key=reminders.EVENT,
        label=_("Appointment reminder"),
        description=_("Before each appointment, as many hours ahead as the clinic chose."),
        default_channels=("in_app", "push", "email"),
        own_email=True,  # with the date and time (reminders.send); a patient with no account
        # has no preferences and gets it at the record's address
        audience=(Role.PATIENT,),
        recipients=_patient_user,
        link=_link,
        order=40,
    ),
)
