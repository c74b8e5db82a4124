"""The urgent-message response target counts the clinic's working hours, on its clocks."""

import datetime
import zoneinfo

import pytest

from messaging import services
from messaging.hours import working_deadline
from messaging.models import MessagingSettings, Thread
from tests.messaging.factories import make_thread
from tests.messaging.test_html import browser

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
WEEK = {"weekdays": [0, 1, 2, 3, 4], "day_start": datetime.time(9), "day_end": datetime.time(17)}


def local(tz, *args):
    return datetime.datetime(*args, tzinfo=tz)


def due(start, minutes, tz="Europe/London", **hours):
    return working_deadline(start, minutes, **{**WEEK, **hours}, tz=tz)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        # Friday 16:30, one working hour: half an hour left on Friday, the rest on Monday.
        ((2026, 12, 4, 16, 30), (2026, 12, 7, 9, 30)),
        # Within the day: plain time.
        ((2026, 12, 2, 10, 0), (2026, 12, 2, 11, 0)),
        # Before opening: the hour starts at 09:00.
        ((2026, 12, 2, 6, 15), (2026, 12, 2, 10, 0)),
        # After closing: next working morning.
        ((2026, 12, 2, 19, 0), (2026, 12, 3, 10, 0)),
        # On a Saturday: Monday morning.
        ((2026, 12, 5, 11, 0), (2026, 12, 7, 10, 0)),
        # Exactly at closing: nothing left that day.
        ((2026, 12, 4, 17, 0), (2026, 12, 7, 10, 0)),
    ],
)
def test_one_working_hour_from_various_moments(sent, expected):
    assert due(local(LONDON, *sent), 60) == local(LONDON, *expected)


def test_a_target_longer_than_a_day_spans_working_days_only():
    # 10 working hours from Thursday 15:00: 2 h on Thursday, 8 h on Friday, done at closing.
    assert due(local(LONDON, 2026, 12, 3, 15), 10 * 60) == local(LONDON, 2026, 12, 4, 17)
    assert due(local(LONDON, 2026, 12, 3, 15), 10 * 60 + 1) == local(LONDON, 2026, 12, 7, 9, 1)


def test_the_clinics_timezone_decides_the_hours():
    # 16:30 in London is 11:30 in New York: a New York clinic still has most of its day.
    sent = local(LONDON, 2026, 12, 4, 16, 30)
    assert due(sent, 60, tz="America/New_York") == sent + datetime.timedelta(hours=1)


def test_the_day_the_clocks_change_is_as_long_as_it_really_is():
    every_day = {"weekdays": range(7), "day_start": datetime.time(0), "day_end": datetime.time(6)}
    # Europe/London springs forward at 01:00 on Sunday 29 March 2026: 00:00-06:00 lasts 5 hours.
    start = local(LONDON, 2026, 3, 29, 0, 0)
    assert due(start, 5 * 60, **every_day) == local(LONDON, 2026, 3, 29, 6, 0)
    assert due(start, 6 * 60, **every_day) == local(LONDON, 2026, 3, 30, 1, 0)
    # Falls back on 25 October 2026: that night lasts 7 hours.
    autumn = local(LONDON, 2026, 10, 25, 0, 0)
    assert due(autumn, 7 * 60, **every_day) == local(LONDON, 2026, 10, 25, 6, 0)


def test_opening_hours_across_a_dst_weekend_keep_local_time():
    # A Saturday afternoon message to a 7-day clinic in New York before clocks spring forward
    # (Sunday 8 March 2026): due Sunday 09:30 local, 16 real hours after 17 on the clocks.
    every_day = {**WEEK, "weekdays": range(7)}
    sent = local(NEW_YORK, 2026, 3, 7, 16, 30)
    expected = local(NEW_YORK, 2026, 3, 8, 9, 30)
    assert due(sent, 60, tz="America/New_York", **every_day) == expected
    utc = datetime.UTC
    assert expected.astimezone(utc) - sent.astimezone(utc) == datetime.timedelta(hours=16)


@pytest.mark.django_db
def test_an_urgent_friday_afternoon_message_is_due_monday_morning(patient_user, clinician, clinic):
    clinic.timezone = "Europe/London"
    clinic.save()
    MessagingSettings.objects.create(clinic=clinic, response_target_minutes=60)
    thread = make_thread(patient_user, patient_user.patient_record, urgent=True)
    friday = local(LONDON, 2026, 12, 4, 16, 30)
    Thread.objects.filter(pk=thread.pk).update(awaiting_since=friday)
    thread.refresh_from_db()
    services.thread_update(actor=clinician, thread=thread, urgent=True)  # staff confirm
    thread.refresh_from_db()
    assert thread.reply_due_at == local(LONDON, 2026, 12, 7, 9, 30)
    sunday = local(LONDON, 2026, 12, 6, 12)
    assert services.urgent_overdue_run(now=sunday) == 0  # the weekend does not count
    assert services.urgent_overdue_run(now=local(LONDON, 2026, 12, 7, 9, 31)) == 1


@pytest.mark.django_db
def test_settings_page_shows_and_edits_the_working_hours(admin_user, clinic):
    client = browser(admin_user)
    page = client.get("/messages/settings/").content.decode()
    assert 'value="09:00"' in page and 'value="17:00"' in page and "Working days" in page
    response = client.post(
        "/messages/settings/",
        {
            "form": "settings",
            "response_target_minutes": 90,
            "working_days": ["0", "1", "2", "3", "4", "5"],
            "day_start": "08:00",
            "day_end": "13:00",
        },
    )
    assert response.status_code == 302
    row = MessagingSettings.objects.get(clinic=clinic)
    assert (row.response_target_minutes, row.working_days) == (90, "012345")
    assert (row.day_start, row.day_end) == (datetime.time(8), datetime.time(13))


@pytest.mark.django_db
def test_settings_page_refuses_a_day_that_ends_before_it_starts(admin_user, clinic):
    response = browser(admin_user).post(
        "/messages/settings/",
        {
            "form": "settings",
            "response_target_minutes": 60,
            "working_days": ["0"],
            "day_start": "17:00",
            "day_end": "09:00",
        },
    )
    assert response.status_code == 200
    assert "The working day must end after it starts." in response.content.decode()
    assert not MessagingSettings.objects.filter(clinic=clinic).exists()


@pytest.mark.django_db
def test_api_shows_and_edits_the_working_hours(api_as, admin_user, clinic):
    client = api_as(admin_user)
    body = client.get("/api/v1/messages/settings").json()
    assert body == {
        "response_target_minutes": 60,
        "working_days": [0, 1, 2, 3, 4],
        "day_start": "09:00",
        "day_end": "17:00",
        "timezone": clinic.timezone,
    }
    changed = client.patch(
        "/api/v1/messages/settings", {"working_days": [6, 0], "day_end": "18:30"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["working_days"] == [0, 6] and changed.json()["day_end"] == "18:30"
    row = MessagingSettings.objects.get(clinic=clinic)
    assert (row.working_days, row.day_end) == ("06", datetime.time(18, 30))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"working_days": []},
        {"working_days": [7]},
        {"day_start": "18:00"},  # after the default end (17:00)
        {"response_target_minutes": 0},
        {"day_start": "nine"},
    ],
)
def test_api_refuses_bad_working_hours(api_as, admin_user, clinic, body):
    response = api_as(admin_user).patch("/api/v1/messages/settings", body, format="json")
    assert response.status_code == 400
    assert not MessagingSettings.objects.filter(clinic=clinic).exists()
