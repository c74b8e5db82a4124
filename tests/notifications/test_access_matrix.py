"""Who reaches which notifications page and endpoint: every row × every role × a record of the
actor's own or someone else's.

The rule, read off the table:
- a user's notifications and devices are theirs: anyone else's (same clinic or not) is a 404;
- webhooks and failed deliveries are the clinic's: another clinic's is a 404 for every role, a
  patient user reaches none (404); in reach, a role the row does not allow is a 403;
- patient users never use the HTML pages (403), but have the same notification endpoints.
"""

import base64
from typing import NamedTuple

import pytest
from django.test import Client

from core.models import new_id
from core.roles import Role
from notifications.models import Device, FailedTask, Notification, OutboxMessage, Webhook
from tests.conftest import bearer_client
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory, portal_user

ADMIN, CLINICIAN, NURSE = Role.ADMIN, Role.CLINICIAN, Role.NURSE
RECEPTIONIST, LAB_TECH, PATIENT = Role.RECEPTIONIST, Role.LAB_TECH, Role.PATIENT
ROLES = [ADMIN, CLINICIAN, NURSE, RECEPTIONIST, LAB_TECH, PATIENT]
STAFF = {ADMIN, CLINICIAN, NURSE, RECEPTIONIST, LAB_TECH}
EVERYONE = STAFF | {PATIENT}
N, H = "/api/v1/notifications", "/api/v1/webhooks"
PREFS = [{"event": "labs.critical_result", "channels": {"email": True}}]


class Row(NamedTuple):
    method: str
    path: str  # {pk}: a record of the kind `record` names
    ok: int
    allowed: set
    record: str = ""  # "notification" / "device" (the user's own) or "webhook" / "mail"
    body: object = None

    @property
    def html(self) -> bool:
        return not self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


TABLE = [
    Row("get", f"{N}/", 200, EVERYONE),
    Row("get", f"{N}/unread-count", 200, EVERYONE),
    Row("post", f"{N}/read-all", 200, EVERYONE),
    Row("get", f"{N}/preferences", 200, EVERYONE),
    Row("post", f"{N}/devices", 201, EVERYONE, body={"kind": "fcm", "token": "t"}),
    Row("post", f"{N}/{{pk}}/read", 200, EVERYONE, "notification"),
    Row("delete", f"{N}/devices/{{pk}}", 204, EVERYONE, "device"),
    Row("get", f"{H}/", 200, {ADMIN}),
    Row("post", f"{H}/", 400, {ADMIN}, body={"url": "ftp://x", "events": ["x"]}),
    Row("get", f"{H}/{{pk}}", 200, {ADMIN}, "webhook"),
    Row("patch", f"{H}/{{pk}}", 200, {ADMIN}, "webhook", body={"description": "d"}),
    Row("delete", f"{H}/{{pk}}", 204, {ADMIN}, "webhook"),
    Row("get", f"{H}/{{pk}}/deliveries", 200, {ADMIN}, "webhook"),
    Row("get", "/notifications/", 200, STAFF),
    Row("post", "/notifications/read-all/", 302, STAFF),
    Row("get", "/notifications/preferences/", 200, STAFF),
    Row("post", "/notifications/{pk}/open/", 302, STAFF, "notification"),
    Row("get", "/notifications/failed/", 200, {ADMIN}),
    Row("post", "/notifications/failed/mail/{pk}/retry/", 302, {ADMIN}, "mail"),
    Row("post", "/notifications/failed/task/{pk}/retry/", 302, {ADMIN}, "task"),
]


def make_record(kind: str, user, clinic):
    if kind == "notification":
        return Notification.objects.create(recipient=user, clinic=clinic, event="x", title="t")
    if kind == "device":
        return Device.objects.create(user=user, kind="fcm", address="token")
    if kind == "webhook":
        return Webhook.objects.create(
            clinic=clinic, url="https://93.184.216.34/", events=["labs.critical_result"], secret="s"
        )
    if kind == "task":
        return FailedTask.objects.create(
            clinic=clinic,
            task_path="notifications.tasks.run_periodic",
            args=["deliveries.sweep"],
            attempts=5,
            last_error="ConnectionError: down",
        )
    return OutboxMessage.objects.create(
        clinic=clinic,
        status="failed",
        message_id=f"<{new_id()}@x>",
        sender="a@x",
        recipients=["b@x"],
        mime=base64.b64encode(b"Subject: s\n\nbody\n").decode(),
    )


@pytest.fixture
def actors(clinic, other_clinic):
    users = {role: UserFactory(clinic=clinic, role=role) for role in STAFF}
    users[PATIENT] = portal_user(PatientFactory(clinic=clinic))
    return users


def send(row: Row, user, path: str):
    if row.html:
        client = Client()
        client.force_login(user)
        return getattr(client, row.method)(path)
    client = bearer_client(user)
    return getattr(client, row.method)(path, row.body, format="json")


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_in_reach_the_role_decides(row, actors, clinic):
    for role in ROLES:
        user = actors[role]
        path = row.path
        if row.record:
            path = path.format(pk=make_record(row.record, user, clinic).pk)
        if row.html and role == PATIENT:
            expected = 403
        elif row.record in ("webhook", "mail") and role == PATIENT:
            expected = 404  # a patient reaches no clinic-wide record
        else:
            expected = row.ok if role in row.allowed else 403
        response = send(row, user, path)
        assert response.status_code == expected, (role, response.content[:300])


@pytest.mark.parametrize("row", [r for r in TABLE if r.record], ids=str)
def test_someone_elses_record_is_a_404_for_every_role(row, actors, clinic, other_clinic):
    other_admin = UserFactory(clinic=other_clinic, role=ADMIN)
    for role in ROLES:
        user = actors[role]
        if row.html and role == PATIENT:
            continue  # refused before any record is looked at (403, above)
        if row.record in ("notification", "device"):
            theirs = make_record(row.record, UserFactory(clinic=clinic, role=role), clinic)
        else:
            theirs = make_record(row.record, other_admin, other_clinic)
        response = send(row, user, row.path.format(pk=theirs.pk))
        assert response.status_code == 404, (role, response.content[:200])
        assert type(theirs).objects.filter(pk=theirs.pk).exists()
