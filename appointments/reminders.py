"""Appointment reminders, sent exactly once per appointment time.

`reminders_send` runs periodically (settings.PERIODIC_TASKS). Each due appointment is claimed
with one conditional write, `reminder_sent_for = start` where it is not already that start, so
two workers never both send it, and after a reschedule the new time gets its reminder (the old
one, already claimed for the old start or never sent, gets none). The message says the clinic,
date and time, never the reason or anything clinical: the patient's e-mail (through the outbox;
for a portal account with the app's link, never an API path) and, for a portal account, in-app
and push through the notifications app.
"""

import datetime

from django.conf import settings
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.emails import branded_message, patient_app_url, written_for
from appointments.models import UPCOMING, Appointment, ClinicAppointmentSettings
from core.contributions import AppPage, call_service
from core.events import emit
from core.services import pages

EVENT = "appointments.reminder"
# The longest reminder lead a clinic can set (ClinicAppointmentSettings.reminder_hours).
LONGEST_LEAD = datetime.timedelta(hours=24 * 14)
DEFAULT_HOURS = ClinicAppointmentSettings._meta.get_field("reminder_hours").default
# The appointment's page in the patient's app (contributed, so notifications link to it too).
APP_PAGE = AppPage(route="api-appointment", target="appointment", path="/appointments/{id}")


def not_reminded_for_current_start() -> Q:
    return (
        Q(reminder_sent_for__isnull=True)
        | Q(reminder_sent_for__lt=F("start"))
        | Q(reminder_sent_for__gt=F("start"))
    )


def claim(appointment: Appointment) -> bool:
    """True for the one caller that gets to send this appointment's reminder for its start."""
    return (
        Appointment.objects.filter(pk=appointment.pk, start=appointment.start, status__in=UPCOMING)
        .filter(not_reminded_for_current_start())
        .update(reminder_sent_for=appointment.start)
        == 1
    )


def link_for(appointment: Appointment) -> str:
    """The API resource the patient's notification links (their app fetches it)."""
    return APP_PAGE.api_link(appointment.pk)


def send(appointment: Appointment) -> None:
    """The reminder in the patient's language (their portal account's, else the clinic's), its
    date and time in the clinic's timezone and locale formats."""
    patient = appointment.patient
    with written_for(patient.user if patient.user_id else None, appointment.clinic):
        _send(appointment)


def _wants_email(user) -> bool:
    """The patient's "Appointment reminder" e-mail switch (on unless they turned it off)."""
    return call_service("notifications.channels_for", user=user, event=EVENT)["email"]


def _send(appointment: Appointment) -> None:
    clinic = appointment.clinic
    start = timezone.localtime(appointment.start)  # the clinic's zone, from written_for
    text = _(
        "This is a reminder of your appointment at %(clinic)s on %(date)s at %(time)s (%(zone)s)."
    ) % {
        "clinic": clinic.name,
        # The weekday (translated), then the date as the clinic writes dates everywhere.
        "date": f"{formats.date_format(start, 'l')} {formats.date_format(start, 'DATE_FORMAT')}",
        "time": formats.time_format(start, "TIME_FORMAT"),
        "zone": timezone.get_current_timezone_name(),
    }
    patient = appointment.patient
    # Patients have only the app: its own link when configured, never an API path.
    link = patient_app_url(APP_PAGE.path.format(id=appointment.pk)) if patient.user_id else ""
    if link:
        text += "\n\n" + _("See it here: %(url)s") % {"url": link}
    elif patient.user_id:
        text += "\n\n" + _("Open the %(app)s app to see it.") % {"app": settings.APP_NAME}
    address = patient.email or (patient.user.email if patient.user_id else "")
    if address and (not patient.user_id or _wants_email(patient.user)):
        branded_message(
            to=[address],
            subject=_("Appointment reminder: %(clinic)s") % {"clinic": clinic.name},
            text=text,
            clinic=clinic,
            reason=_("You got this e-mail because you have an appointment at %(clinic)s.")
            % {"clinic": clinic.name},
            action_url=link,
            action_label=_("See the appointment") if link else "",
        ).send()
    emit(EVENT, obj=appointment)


def reminders_send(now=None) -> int:
    """Send every reminder that is due and not yet sent for the appointment's current start."""
    now = now or timezone.now()
    due = (
        Appointment.objects.filter(
            status__in=UPCOMING, start__gt=now, start__lte=now + LONGEST_LEAD
        )
        .filter(not_reminded_for_current_start())
        .filter(patient__is_archived__in=[False])  # an archived record is closed to its patient
        .select_related("clinic", "patient__user")
    )
    hours = dict(ClinicAppointmentSettings.objects.values_list("clinic_id", "reminder_hours"))
    sent = 0
    for page in pages(due):
        for appointment in page:
            lead = datetime.timedelta(hours=hours.get(appointment.clinic_id, DEFAULT_HOURS))
            if appointment.start - now > lead:
                continue
            if claim(appointment):
                send(appointment)
                sent += 1
    return sent
