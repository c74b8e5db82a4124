"""Every appointments page and endpoint × every role × own or other clinic, as a data table.

Own clinic: the roles in `allowed` get through (any answer but 403/404), the roles in
`hidden` get 404 (not theirs to know about: a colleague's feed, a patient and staff rows),
everyone else 403. Another clinic's records: 404 for every role that could use its own.
Patients never use the staff pages (404: they belong to no clinic's staff).
"""

import datetime

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from appointments import services
from appointments.models import AvailabilityException, AvailabilityRule, CalendarFeed
from core.roles import Role
from tests.appointments.conftest import add_hours, local, next_weekday
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

A, C, N, R, L, P = "admin", "clinician", "nurse", "receptionist", "lab_tech", "patient"
ROLES = [A, C, N, R, L, P]
DESK = {A, C, N, R}
VIEW_P = DESK | {P}
HOURS_EDIT, OWN_HOURS = {A, C, N}, {A, C}  # the rule and the exception are the clinician's
ME = "/api/v1/appointments/"

# (method, path, allowed roles, roles answered 404 in their own clinic)
API = [
    ("get", ME, VIEW_P, set()),
    ("post", ME, VIEW_P, set()),
    ("get", ME + "{appointment}/", VIEW_P, set()),
    ("patch", ME + "{appointment}/", DESK, set()),
    ("post", ME + "{appointment}/confirm", VIEW_P, set()),
    ("post", ME + "{appointment}/check-in", DESK, set()),
    ("post", ME + "{appointment}/complete", DESK, set()),
    ("post", ME + "{appointment}/no-show", DESK, set()),
    ("post", ME + "{appointment}/cancel", VIEW_P, set()),
    ("get", ME + "{appointment}/ics", VIEW_P, set()),
    ("get", ME + "slots/?type={type}&start={day}", VIEW_P, set()),
    ("get", ME + "types/", VIEW_P, set()),
    ("post", ME + "types/", {A}, set()),
    ("get", ME + "types/{type}/", VIEW_P, set()),
    ("patch", ME + "types/{type}/", {A}, set()),
    ("get", ME + "availability/", DESK, set()),
    ("post", ME + "availability/", HOURS_EDIT, set()),
    ("get", ME + "availability/{rule}/", DESK, {P}),
    ("patch", ME + "availability/{rule}/", OWN_HOURS, {P}),
    ("delete", ME + "availability/{rule}/", OWN_HOURS, {P}),
    ("get", ME + "availability/exceptions/", DESK, set()),
    ("post", ME + "availability/exceptions/", HOURS_EDIT, set()),
    ("get", ME + "availability/exceptions/{exception}/", DESK, {P}),
    ("patch", ME + "availability/exceptions/{exception}/", OWN_HOURS, {P}),
    ("delete", ME + "availability/exceptions/{exception}/", OWN_HOURS, {P}),
    ("get", ME + "feeds/", {C, N, P}, set()),
    ("post", ME + "feeds/", {C, N, P}, set()),
    ("delete", ME + "feeds/{feed}", {C}, {N, P}),
    ("get", ME + "settings/", VIEW_P, set()),
    ("patch", ME + "settings/", {A}, set()),
]
APP = "/appointments/"
HTML = [
    ("get", APP, DESK, {P}),
    ("get", APP + "today/", DESK, {P}),
    ("get", APP + "types.css", DESK, {P}),
    ("get", APP + "new/?patient={patient}", DESK, {P}),
    ("post", APP + "new/?patient={patient}", DESK, {P}),
    ("get", APP + "{appointment}/", DESK, {P}),
    ("get", APP + "{appointment}/reschedule/", DESK, {P}),
    ("post", APP + "{appointment}/reschedule/", DESK, {P}),
    ("get", APP + "{appointment}/cancel/", DESK, {P}),
    ("post", APP + "{appointment}/cancel/", DESK, {P}),
    ("post", APP + "{appointment}/status/confirm/", DESK, {P}),
    ("post", APP + "{appointment}/status/check_in/", DESK, {P}),
    ("get", APP + "availability/", DESK, {P}),
    ("post", APP + "availability/?provider={provider}", OWN_HOURS, {P}),
    ("get", APP + "availability/rules/{rule}/delete/", OWN_HOURS, {P}),
    ("post", APP + "availability/rules/{rule}/delete/", OWN_HOURS, {P}),
    ("get", APP + "availability/exceptions/{exception}/delete/", OWN_HOURS, {P}),
    ("post", APP + "availability/exceptions/{exception}/delete/", OWN_HOURS, {P}),
    ("get", APP + "types/", {A}, {P}),
    ("get", APP + "types/{type}/", {A}, {P}),
    ("get", APP + "settings/", {A}, {P}),
    ("get", APP + "feeds/", {C, N}, {P}),
    ("post", APP + "feeds/", {C, N}, {P}),
    ("post", APP + "feeds/{feed}/revoke/", {C}, {N, P}),
]


def world(clinic, prefix):
    """A clinic with every role, a provider with hours, an appointment, a rule, an exception,
    a type and the clinician's calendar feed."""
    services.types_install(clinic=clinic)
    users = {
        role: UserFactory(clinic=clinic, role=role, email=f"{prefix}-{role}@example.org")
        for role in (A, C, N, R, L)
    }
    add_hours(clinic, users[C], weekdays=range(7))
    patient = PatientFactory(clinic=clinic)
    patient.user = UserFactory(clinic=None, role=Role.PATIENT, email=f"{prefix}-p@example.org")
    patient.save()
    users[P] = patient.user
    tz = __import__("zoneinfo").ZoneInfo(clinic.timezone)
    day = next_weekday(0, 3, tz)
    from appointments.models import AppointmentType

    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    (appointment,) = services.appointment_book(
        actor=users[R],
        patient=patient,
        provider_id=users[C].pk,
        type_id=follow_up.pk,
        start=local(day, "09:00", tz),
    )
    feed, _url = services.feed_create(actor=users[C])
    return users, {
        "appointment": appointment.pk,
        "patient": patient.pk,
        "provider": users[C].pk,
        "type": follow_up.pk,
        "rule": AvailabilityRule.objects.filter(provider=users[C]).first().pk,
        "exception": AvailabilityException.objects.create(
            clinic=clinic,
            provider=users[C],
            date=day + datetime.timedelta(days=1),
            kind="time_off",
        ).pk,
        "feed": feed.pk,
        "day": day.isoformat(),
    }


def call(user, method, path, api):
    if api:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return getattr(client, method)(
            path, content_type="application/json", data="{}" if method != "get" else None
        )
    client = Client()
    client.force_login(user)
    return getattr(client, method)(path)


ROWS = [(*row, True) for row in API] + [(*row, False) for row in HTML]


def destroys(method, path) -> bool:
    return method == "delete" or path.endswith(("/delete/", "/revoke/"))


@pytest.mark.parametrize(("method", "path", "allowed", "hidden", "api"), ROWS)
def test_own_clinic(clinic, method, path, allowed, hidden, api):
    """Refused roles first (they change nothing), then each allowed one (a fresh record for
    each when the call deletes it)."""
    users, ids = world(clinic, "a")
    for role in ROLES:
        if role in allowed:
            continue
        response = call(users[role], method, path.format(**ids), api)
        expected = 404 if role in hidden else 403
        assert response.status_code == expected, (role, response.status_code)
    for i, role in enumerate(sorted(allowed)):
        if i and destroys(method, path):
            users, ids = world(clinic, f"a{i}")
        response = call(users[role], method, path.format(**ids), api)
        assert response.status_code not in (403, 404), (role, response.content[:300])


RECORD_ROWS = [
    row for row in ROWS if "{" in row[1] and "{day}" not in row[1] and "{provider}" not in row[1]
]


@pytest.mark.parametrize(("method", "path", "allowed", "hidden", "api"), RECORD_ROWS)
def test_other_clinic_is_404(clinic, other_clinic, method, path, allowed, hidden, api):
    _users, ids = world(clinic, "a")
    strangers, _ = world(other_clinic, "b")
    for role in sorted(allowed):
        response = call(strangers[role], method, path.format(**ids), api)
        assert response.status_code == 404, (role, response.status_code)


def test_the_feed_url_is_public_but_secret(clinic):
    users, ids = world(clinic, "a")
    assert Client().get("/calendar/not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.filter(pk=ids["feed"]).exists()
