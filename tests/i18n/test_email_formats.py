"""E-mails read dates and times as the clinic's pages do: its timezone, its locale's one date
and one time format (GB: 24/09/2004, 21:05; US: 09/24/2004, 9:05 PM)."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template

from accounts.emails import written_for
from appointments import reminders
from appointments.models import Appointment
from tests.appointments.conftest import local
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def us_time(moment: datetime.datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M} {moment:%p}"


def test_appointment_reminder_in_the_clinics_formats_gb_then_us(
    book, patient, provider, monday, tz, mailbox, clinic
):
    patient.email = "ada@example.org"
    patient.save()
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    due = appointment.start - datetime.timedelta(hours=23)

    assert reminders.reminders_send(now=due) == 1
    gb = mailbox.body(mailbox.messages[-1])
    london = appointment.start.astimezone(tz)
    assert f"{london:%A %d/%m/%Y}" in gb and "09:00" in gb and "Europe/London" in gb

    clinic.timezone, clinic.country, clinic.locale = "America/New_York", "", ""
    clinic.save()
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_for=None)
    assert reminders.reminders_send(now=due) == 1
    us = mailbox.body(mailbox.messages[-1])
    ny = appointment.start.astimezone(NEW_YORK)
    assert f"{ny:%A %m/%d/%Y}" in us and us_time(ny) in us and "America/New_York" in us
    assert f"{london:%d/%m/%Y}" not in us and "09:00" not in us


@pytest.mark.parametrize(
    "zone,expected",
    [("Europe/London", "1 Dec 2026, 21:05"), ("America/New_York", "Dec 1, 2026, 4:05 PM")],
)
def test_any_mail_template_reads_the_recipients_clinic(clinic, zone, expected):
    clinic.timezone = zone
    clinic.save()
    reader = UserFactory(clinic=clinic)
    when = datetime.datetime(2026, 12, 1, 21, 5, tzinfo=datetime.UTC)
    with written_for(reader):
        rendered = Template('{{ when|date:"DATETIME_FORMAT" }}').render(Context({"when": when}))
    assert rendered == expected
