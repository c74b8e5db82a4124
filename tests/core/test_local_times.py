"""A time typed on a clinic's clocks across a change of the clocks (core.dates.local_moment, the
forms' LocalDateTimeField): a time that happens twice is its first occurrence, a skipped one is
refused saying when the clocks went forward. Django refused both with "… couldn't be
interpreted in time zone America/New_York; it may be ambiguous or it may not exist." """

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.dates import local_moment
from core.roles import Role
from labs.forms import CriticalCommunicationForm
from labs.models import LabResult
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient
from tests.patients.html_factories import page_text

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC


def naive(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def test_a_time_that_happens_twice_is_its_first_occurrence():
    moment = local_moment(naive("2027-11-07T01:30"), NEW_YORK)

    assert moment == datetime.datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # EDT
    assert (moment.hour, moment.minute) == (1, 30)  # still the time typed
    assert local_moment(naive("2027-10-31T01:30"), LONDON).astimezone(UTC).hour == 0  # BST


def test_an_ordinary_time_is_itself():
    moment = local_moment(naive("2027-07-01T09:15"), NEW_YORK)
    assert moment.astimezone(UTC) == datetime.datetime(2027, 7, 1, 13, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "typed", "locale", "went_forward"),
    [
        (NEW_YORK, "2027-03-14T02:30", "en-GB", "02:00"),
        (NEW_YORK, "2027-03-14T02:00", "en-US", "2:00 AM"),
        (NEW_YORK, "2027-03-14T02:59", "es", "02:00"),
        (LONDON, "2027-03-28T01:30", "en-GB", "01:00"),
    ],
)
def test_a_skipped_time_says_when_the_clocks_went_forward(zone, typed, locale, went_forward):
    with translation.override(locale), pytest.raises(ValidationError) as refused:
        local_moment(naive(typed), zone)

    assert refused.value.code == "skipped_time"
    if locale != "es":
        assert refused.value.messages == [
            f"This time does not exist on that day: the clocks went forward at {went_forward}."
        ]


def _form(when: str) -> CriticalCommunicationForm:
    return CriticalCommunicationForm(
        {"communicated_to": "Dr Patel", "method": "phone", "communicated_at": when}
    )


def test_the_forms_take_a_repeated_time_and_explain_a_skipped_one():
    with timezone.override(NEW_YORK), translation.override("en-US"):
        twice, skipped = _form("2027-11-07T01:30"), _form("2027-03-14T02:30")
        assert twice.is_valid(), twice.errors
        assert skipped.errors["communicated_at"] == [
            "This time does not exist on that day: the clocks went forward at 2:00 AM."
        ]

    assert twice.cleaned_data["communicated_at"].astimezone(UTC).hour == 5


def test_other_errors_stay_django_s():
    with timezone.override(NEW_YORK):
        form = _form("not a time")
        assert form.errors["communicated_at"] == ["Enter a valid date/time."]


@pytest.mark.django_db
def test_a_result_collected_in_the_repeated_hour_is_entered(client, clinic, staff):
    clinic.timezone = "America/New_York"
    clinic.save()
    catalogue = install_catalogue(clinic)
    order = make_order(
        make_patient(clinic), actor=staff[Role.CLINICIAN], tests=[catalogue[GLUCOSE]]
    )
    client.force_login(staff[Role.LAB_TECH])
    url = f"/labs/orders/{order.pk}/results/"
    data = {"status": "final", "r0-value": "90"}

    skipped = client.post(url, {**data, "collected_at": "2026-03-08T02:30"})
    assert "This time does not exist on that day: the clocks went forward at 2:00 AM." in page_text(
        skipped
    )
    assert not LabResult.objects.exists()

    client.post(url, {**data, "collected_at": "2025-11-02T01:30"})
    [result] = LabResult.objects.all()
    assert result.collected_at == datetime.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
