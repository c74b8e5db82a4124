"""The in-app list names the patient each notification is about, to readers who may still see
them; the title, e-mail and push message stay free of patient data."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from accounts.models import AuditEvent
from core.roles import Role
from notifications.models import Notification, PushMessage
from notifications.push import new_vapid_keys
from tests.factories import UserFactory
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient, make_result
from tests.notifications.test_push import Browser
from tests.patients.factories import PatientFactory, portal_user

API = "/api/v1/notifications"
PAGE = "/notifications/"


@pytest.fixture
def glucose(clinic):
    return install_catalogue(clinic)[GLUCOSE]


def critical_for(patient, glucose, clinician):
    order = make_order(patient, actor=clinician, tests=[glucose])
    return make_result(patient, glucose, "520", order=order)


def named_in_list(user, count: int, clinic) -> None:
    """`count` notifications for `user`, each about a different patient of `clinic`."""
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            clinic=clinic,
            event="labs.critical_result",
            title="Critical lab result at Riverside Clinic",
            patient=PatientFactory(clinic=clinic, first_name="Named", last_name=f"Patient{n}"),
        )
        for n in range(count)
    )


def text_of(page: str) -> str:
    return " ".join(strip_tags(page).split())


def listed_views() -> list[str]:
    return list(
        AuditEvent.objects.filter(action="view", detail="notifications").values_list(
            "patient_id", flat=True
        )
    )


def test_each_notification_names_its_patient_on_the_page_and_in_the_api(
    client, api_as, clinician, clinic, glucose, mailbox, settings, http_sink
):
    settings.WEBHOOKS_ALLOW_INSECURE = True
    settings.WEBPUSH_VAPID_PRIVATE_KEY = new_vapid_keys()["WEBPUSH_VAPID_PRIVATE_KEY"]
    api = api_as(clinician)
    api.post(
        f"{API}/devices",
        {"kind": "webpush", "endpoint": f"{http_sink.url}/p", "keys": Browser().keys()},
    )
    ada = make_patient(clinic, first_name="Ada", last_name="Lovelace")
    grace = make_patient(clinic, first_name="Grace", last_name="Hopperfield")
    critical_for(ada, glucose, clinician)
    critical_for(grace, glucose, clinician)

    client.force_login(clinician)
    page = client.get(PAGE).content.decode()
    assert page.count("Critical lab result at Riverside Clinic") == 2
    assert f"Ada Lovelace MRN {ada.mrn}" in text_of(page)
    assert f"Grace Hopperfield MRN {grace.mrn}" in text_of(page)
    listing = api.get(f"{API}/").json()["results"]
    assert {(n["title"], n["patient"]["name"], n["patient"]["mrn"]) for n in listing} == {
        ("Critical lab result at Riverside Clinic", "Ada Lovelace", ada.mrn),
        ("Critical lab result at Riverside Clinic", "Grace Hopperfield", grace.mrn),
    }
    read = api.post(f"{API}/{listing[0]['id']}/read").json()
    assert read["patient"] == listing[0]["patient"]
    # Every list shown is audited: one 'view' per patient named, each time.
    assert sorted(listed_views()) == sorted([ada.pk, grace.pk] * 2 + [listing[0]["patient"]["id"]])

    # Nothing that leaves the system names them (the suite's PHI check sees every row, too).
    assert all("Lovelace" not in n.title for n in Notification.objects.all())
    mails = [m for m in mailbox.messages if m["To"] == clinician.email]
    assert len(mails) == 2
    for mail in mails:
        assert "Lovelace" not in mail["Subject"] and "Lovelace" not in mailbox.body(mail)
        assert "Hopperfield" not in mail["Subject"] and "Hopperfield" not in mailbox.body(mail)
    pushed = list(PushMessage.objects.values_list("payload", flat=True))
    assert len(pushed) == 2
    assert not [p for p in pushed if "Lovelace" in p or "Hopperfield" in p or ada.pk in p]


def test_another_clinics_patient_is_never_named(
    client, api_as, clinician, clinic, other_clinic, glucose
):
    ada = make_patient(clinic, first_name="Ada", last_name="Lovelace")
    critical_for(ada, glucose, clinician)
    stranger = PatientFactory(clinic=other_clinic, first_name="Hidden", last_name="Stranger")
    Notification.objects.create(
        recipient=clinician,
        clinic=other_clinic,
        event="labs.critical_result",
        title="Old alert",
        patient=stranger,
    )
    client.force_login(clinician)
    page = client.get(PAGE).content.decode()
    assert "Ada Lovelace" in page and "Old alert" in page and "Stranger" not in page
    assert listed_views() == [ada.pk]

    # Moved to the other clinic: the old alert stays, its patient is no longer named (and the
    # other clinic's patient now is: they are in reach).
    clinician.clinic = other_clinic
    clinician.save(update_fields=["clinic"])
    page = client.get(PAGE).content.decode()
    assert "Critical lab result at Riverside Clinic" in page and "Lovelace" not in page
    listing = api_as(clinician).get(f"{API}/").json()["results"]
    named = {n["title"]: n["patient"] and n["patient"]["name"] for n in listing}
    assert named == {
        "Critical lab result at Riverside Clinic": None,
        "Old alert": "Hidden Stranger",
    }
    assert listed_views().count(ada.pk) == 1  # named (and audited) only the first time


def test_a_patient_sees_their_own_name_on_their_notifications(api_as, clinic, glucose):
    ada = make_patient(clinic, first_name="Ada", last_name="Lovelace")
    me = portal_user(ada)
    make_result(ada, glucose, "86")
    [shown] = api_as(me).get(f"{API}/").json()["results"]
    assert shown["title"] == "New lab result at Riverside Clinic"
    assert shown["patient"] == {"id": ada.pk, "mrn": ada.mrn, "name": "Ada Lovelace"}


def test_the_list_costs_the_same_queries_for_1_or_20_patients(client, api_as, clinician, clinic):
    client.force_login(clinician)
    api = api_as(clinician)
    named_in_list(clinician, 1, clinic)
    with CaptureQueriesContext(connection) as page_one:
        assert "Named Patient0" in client.get(PAGE).content.decode()
    with CaptureQueriesContext(connection) as api_one:
        assert api.get(f"{API}/").json()["results"][0]["patient"]["name"] == "Named Patient0"
    named_in_list(clinician, 19, clinic)
    with CaptureQueriesContext(connection) as page_many:
        assert client.get(PAGE).content.decode().count("Named Patient") == 20
    with CaptureQueriesContext(connection) as api_many:
        assert all(n["patient"] for n in api.get(f"{API}/").json()["results"])
    assert len(page_many) == len(page_one)
    assert len(api_many) == len(api_one)


def test_a_deleted_patient_leaves_the_notification_unnamed(client, clinician, clinic):
    named_in_list(clinician, 1, clinic)
    Notification.objects.get().patient.delete()
    client.force_login(clinician)
    page = client.get(PAGE).content.decode()
    assert "Critical lab result at Riverside Clinic" in page and "Named Patient0" not in page


@pytest.mark.parametrize("role", [Role.NURSE, Role.RECEPTIONIST])
def test_every_staff_role_sees_the_name(client, staff, clinic, role):
    named_in_list(staff[role], 1, clinic)
    client.force_login(staff[role])
    assert "Named Patient0" in client.get(PAGE).content.decode()


def test_the_migration_names_the_patients_of_older_notifications(
    client, clinician, clinic, glucose
):
    migration = importlib.import_module("notifications.migrations.0003_notification_patient")
    ada = make_patient(clinic, first_name="Ada", last_name="Lovelace")
    critical_for(ada, glucose, clinician)
    Notification.objects.update(patient=None)  # as written before notifications kept it
    Notification.objects.create(
        recipient=clinician,
        event="accounts.staff_invited",
        title="Staff member invited",
        object_type="accounts.user",
        object_id=clinician.pk,
    )
    Notification.objects.create(
        recipient=clinician,
        event="gone.event",
        title="From a removed app",
        object_type="gone.thing",
        object_id="1",
    )

    migration.fill_patients(django_apps, SimpleNamespace(connection=connection))

    named = dict(Notification.objects.values_list("event", "patient_id"))
    assert named == {
        "labs.critical_result": ada.pk,
        "accounts.staff_invited": None,
        "gone.event": None,
    }
    client.force_login(clinician)
    assert f"Ada Lovelace MRN {ada.mrn}" in text_of(client.get(PAGE).content.decode())


def test_the_django_admin_shows_a_notification_read_only_and_audited(client, clinician, clinic):
    root = UserFactory(email="root@platform.example", clinic=None, is_staff=True, is_superuser=True)
    client.force_login(root)
    named_in_list(clinician, 1, clinic)
    notification = Notification.objects.get()
    url = f"/admin/notifications/notification/{notification.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "Named Patient0" in page.content.decode()
    assert b'name="_save"' not in page.content
    [row] = AuditEvent.objects.filter(actor=root, action="view")
    assert row.patient_id == notification.patient_id and row.detail == "admin"
    assert client.post(url, {}).status_code == 403
    assert client.get("/admin/notifications/notification/").status_code == 200
