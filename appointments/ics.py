"""iCalendar output: one appointment (`/api/v1/appointments/{id}/ics`) or a feed
(`/calendar/<token>.ics`), each event in the clinic's timezone with its VTIMEZONE."""

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

CANCELLED = "cancelled"


def event(appointment, *, tz, summary: str, description: str = "", location: str = ""):
    vevent = icalendar.Event()
    vevent.add("uid", f"{appointment.pk}@{settings.APP_NAME.replace(' ', '-').lower()}")
    vevent.add("dtstamp", appointment.updated_at.astimezone(datetime.UTC))
    vevent.add("last-modified", appointment.updated_at.astimezone(datetime.UTC))
    vevent.add("dtstart", appointment.start.astimezone(tz))
    vevent.add("dtend", appointment.end.astimezone(tz))
    vevent.add("summary", summary)
    vevent.add("status", "CANCELLED" if appointment.status == CANCELLED else "CONFIRMED")
    if location:
        vevent.add("location", location)
    if description:
        vevent.add("description", description)
    return vevent


def calendar(events, *, tz, name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{settings.APP_NAME}//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for vevent in events:
        cal.add_component(vevent)
    today = timezone.now().date()
    starts = [e.decoded("dtstart").date() for e in events] or [today]
    cal.add_missing_timezones(
        first_date=min(starts) - datetime.timedelta(days=366),
        last_date=max(starts) + datetime.timedelta(days=366),
    )
    if not events:  # an empty feed still names its timezone
        cal.add_component(icalendar.Timezone.from_tzinfo(tz, first_date=today))
    return cal.to_ical()


def appointment_link(appointment) -> str:
    return settings.SITE_URL + reverse("appointments:detail", kwargs={"pk": appointment.pk})


def single(appointment, *, tz, telehealth_url: str = "") -> bytes:
    """One appointment for its patient or staff: the clinic, the type, the place or the link."""
    clinic = appointment.clinic
    lines = [clinic.name, appointment.type.name]
    if telehealth_url:
        lines.append(telehealth_url)
    vevent = event(
        appointment,
        tz=tz,
        summary=f"{appointment.type.name} · {clinic.name}",
        description="\n".join(lines),
        location=telehealth_url or appointment.location or clinic.address,
    )
    return calendar([vevent], tz=tz, name=clinic.name)


def feed(appointments, *, tz, name: str, show_names: bool) -> bytes:
    """A subscribed calendar: times and the type only (a patient's name only when the clinic
    allows it for provider feeds); no reason, notes or meeting links."""
    events = []
    for appointment in appointments:
        summary = appointment.type.name
        if show_names:
            summary = f"{summary} · {appointment.patient.full_name}"
        events.append(event(appointment, tz=tz, summary=summary, location=appointment.location))
    return calendar(events, tz=tz, name=name)
