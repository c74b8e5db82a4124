"""What the appointments app adds to the rest: a new clinic's default types and booking
policy, the patient page's Appointments panel, the staff home's "Today", demo appointments,
and the reminder patients are notified of (in-app and push; the e-mail, which needs the date
and time, is sent by appointments.reminders itself, through the outbox)."""

from django.utils.translation import gettext_lazy as _

from appointments import demo, reminders, selectors, services
from core.contributions import (
    AttachmentTarget,
    ClinicHook,
    NotificationEvent,
    Panel,
    PatientRecords,
    Seeder,
    Widget,
    contribute,
)
from core.roles import Role


def _patient_user(appointment):
    return [appointment.patient.user] if appointment.patient.user_id else []


def _link(appointment, user) -> str:
    return reminders.link_for(appointment)


def appointment_target(*, actor, id: str):
    """An appointment as something to link or attach to (a note, a file): its own access call."""
    return selectors.appointment_get(actor=actor, id=id, audited=False)


contribute(
    "appointments",
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
    AttachmentTarget(key="appointment", label=_("Appointment"), get=appointment_target, order=30),
    Seeder(key="appointments", add_arguments=demo.add_arguments, seed=demo.seed, order=40),
    NotificationEvent(
        key=reminders.EVENT,
        label=_("Appointment reminder"),
        description=_("Before each appointment, as many hours ahead as the clinic chose."),
        default_channels=("in_app", "push"),
        audience=(Role.PATIENT,),
        recipients=_patient_user,
        link=_link,
        order=40,
    ),
)
