"""Reminders: sent once per appointment time (two workers, a repeated run), the new time after
a reschedule, nothing for cancelled ones; the clinic, date, time and a link, nothing clinical."""

import datetime

import pytest

from appointments import reminders, services
from appointments.models import Appointment
from core.roles import Role
from tests.appointments.conftest import local
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(book, patient, provider, monday, tz):
    patient.email = "ada@example.org"
    patient.save()
    (appointment,) = book(patient, provider, local(monday, "09:00", tz), reason="Chest pain")
    return appointment


def day_before(appointment, hours=23):
    return appointment.start - datetime.timedelta(hours=hours)


def test_sent_once_with_the_time_and_no_reason(booked, mailbox, tz):
    assert reminders.reminders_send(now=day_before(booked, hours=30)) == 0  # not due yet
    assert reminders.reminders_send(now=day_before(booked)) == 1
    assert reminders.reminders_send(now=day_before(booked, hours=22)) == 0
    (message,) = mailbox.messages
    body = mailbox.body(message)
    start = booked.start.astimezone(tz)
    assert "Riverside Clinic" in body and start.strftime("%H:%M") in body
    assert start.strftime("%A %d/%m/%Y") in body  # the weekday, then the clinic's (GB) date
    assert "/api/" not in body  # no portal account: nothing a link could open
    assert "Chest pain" not in body and "Follow-up" not in body


def test_two_workers_claim_one_reminder(booked):
    # Both workers read the due list before either wrote: only one claim succeeds.
    first = Appointment.objects.get(pk=booked.pk)
    second = Appointment.objects.get(pk=booked.pk)
    assert [reminders.claim(first), reminders.claim(second)] == [True, False]


def test_a_reschedule_gets_its_own_reminder(booked, staff, mailbox, monday, tz):
    reminders.reminders_send(now=day_before(booked))
    services.appointment_reschedule(
        actor=staff[Role.RECEPTIONIST],
        appointment=booked,
        start=local(monday + datetime.timedelta(days=1), "10:00", tz),
        now=day_before(booked),
    )
    booked.refresh_from_db()
    assert reminders.reminders_send(now=day_before(booked, hours=30)) == 0
    assert reminders.reminders_send(now=day_before(booked)) == 1
    assert reminders.reminders_send(now=day_before(booked)) == 0
    assert len(mailbox.messages) == 2
    assert "10:00" in mailbox.body(mailbox.messages[1])


def test_cancelled_appointments_get_none(booked, staff, mailbox):
    services.appointment_cancel(actor=staff[Role.RECEPTIONIST], appointment=booked, reason="x")
    assert reminders.reminders_send(now=day_before(booked)) == 0
    assert mailbox.messages == []


def test_portal_patients_get_an_in_app_notification(booked, patient):
    from notifications.models import Notification

    patient.user = UserFactory(clinic=None, role=Role.PATIENT, email="ada-portal@example.org")
    patient.save()
    reminders.reminders_send(now=day_before(booked))
    (note,) = Notification.objects.filter(recipient=patient.user)
    assert note.event == reminders.EVENT and note.link.endswith(f"{booked.pk}/")
    assert "Riverside Clinic" in note.title


def test_a_portal_patient_is_sent_to_the_app_never_to_an_api_page(
    booked, patient, mailbox, settings
):
    patient.user = UserFactory(clinic=None, role=Role.PATIENT, email="ada-portal@example.org")
    patient.save()
    reminders.reminders_send(now=day_before(booked))
    body = mailbox.body(mailbox.messages[0])
    assert "Open the Health Passport app to see it." in body and "/api/" not in body

    settings.PATIENT_APP_LINK = "https://app.example.org/open"
    Appointment.objects.filter(pk=booked.pk).update(reminder_sent_for=None)  # send it again
    reminders.reminders_send(now=day_before(booked))
    body = mailbox.body(mailbox.messages[-1])
    assert f"See it here: https://app.example.org/open/appointments/{booked.pk}" in body
    assert "/api/" not in body


def test_clinic_lead_time(booked, admin_user):
    services.settings_update(actor=admin_user, reminder_hours=48)
    assert reminders.reminders_send(now=day_before(booked, hours=47)) == 1


def test_no_reminder_for_an_archived_record(booked, staff, mailbox):
    from patients.services import patient_set_archived

    patient_set_archived(actor=staff[Role.RECEPTIONIST], patient=booked.patient, archived=True)

    assert reminders.reminders_send(now=day_before(booked)) == 0
    assert mailbox.messages == []


def test_a_patients_email_switch_decides_the_one_reminder_email(booked, mailbox):
    """On by default: one e-mail, the one with the date and time (not a second, generic one);
    switched off in the app's preferences: none, while the app's own notification stays."""
    from notifications.models import Notification, Preference
    from tests.patients.factories import portal_user

    user = portal_user(booked.patient)
    assert reminders.reminders_send(now=day_before(booked)) == 1
    assert len(mailbox.messages) == 1
    assert "This is a reminder of your appointment" in mailbox.body(mailbox.messages[0])

    Preference.objects.create(
        user=user, event=reminders.EVENT, in_app=True, email=False, push=False
    )
    booked.start += datetime.timedelta(hours=1)  # moved: reminded again for the new time
    Appointment.objects.filter(pk=booked.pk).update(
        start=booked.start, end=booked.end + datetime.timedelta(hours=1)
    )
    assert reminders.reminders_send(now=day_before(booked)) == 1
    assert len(mailbox.messages) == 1
    assert Notification.objects.filter(recipient=user, event=reminders.EVENT).count() == 2


def test_the_upgrade_turns_on_the_reminder_email_a_saved_preference_held_off(booked, mailbox):
    """Before, the switch (off by default) decided only a second, generic e-mail: a row saved
    then says off without anyone having chosen no reminders."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as django_apps
    from django.db import connection

    from notifications.models import Preference
    from tests.patients.factories import portal_user

    user = portal_user(booked.patient)
    Preference.objects.create(
        user=user, event=reminders.EVENT, in_app=True, email=False, push=False
    )
    migration = importlib.import_module("notifications.migrations.0005_reminder_email_switch_on")

    migration.switch_on(django_apps, SimpleNamespace(connection=connection))

    assert reminders.reminders_send(now=day_before(booked)) == 1
    assert len(mailbox.messages) == 1
