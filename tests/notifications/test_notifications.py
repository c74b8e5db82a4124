"""Events raised by labs reach the right people on the channels they chose; the bell and the API."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from core.roles import Role
from notifications import services
from notifications.models import Notification, Preference
from tests.factories import UserFactory
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient, make_result
from tests.patients.factories import portal_user

API = "/api/v1/notifications"


@pytest.fixture
def catalogue(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def lab_patient(clinic):
    return make_patient(clinic, first_name="Ada", last_name="Lovelace")


def critical(patient, catalogue, clinician, **fields):
    order = make_order(patient, actor=clinician, tests=[catalogue[GLUCOSE]])
    return make_result(patient, catalogue[GLUCOSE], "520", order=order, **fields)


# --- who is told ----------------------------------------------------------------------------------
def test_critical_result_tells_the_ordering_clinician_on_every_channel(
    staff, lab_patient, catalogue, mailbox
):
    clinician = staff[Role.CLINICIAN]
    other_clinician = UserFactory(clinic=clinician.clinic, role=Role.CLINICIAN)

    result = critical(lab_patient, catalogue, clinician)

    [note] = Notification.objects.filter(event="labs.critical_result")
    assert note.recipient == clinician
    assert note.title == "Critical lab result at Riverside Clinic"
    assert note.link == f"/labs/results/{result.pk}/"
    assert services.unread_count(actor=clinician) == 1
    assert services.unread_count(actor=other_clinician) == 0
    [mail] = [m for m in mailbox.messages if m["To"] == clinician.email]
    assert mail["Subject"] == "Critical lab result at Riverside Clinic"
    assert f"http://testserver/labs/results/{result.pk}/" in mailbox.body(mail)


def test_an_outside_critical_result_tells_every_clinician(staff, lab_patient, catalogue):
    second = UserFactory(clinic=lab_patient.clinic, role=Role.CLINICIAN)
    make_result(lab_patient, catalogue[GLUCOSE], "520")
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {staff[Role.CLINICIAN].pk, second.pk}


def test_a_normal_result_tells_no_staff(staff, lab_patient, catalogue):
    make_result(lab_patient, catalogue[GLUCOSE], "85")
    assert not Notification.objects.filter(event="labs.critical_result").exists()


def test_final_results_tell_the_patient_and_preliminary_ones_do_not(
    lab_patient, catalogue, mailbox, api_as
):
    me = portal_user(lab_patient)
    make_result(lab_patient, catalogue[GLUCOSE], "85", status="preliminary")
    assert not Notification.objects.filter(recipient=me).exists()

    make_result(lab_patient, catalogue[GLUCOSE], "86")

    listing = api_as(me).get(f"{API}/").json()
    assert [n["title"] for n in listing["results"]] == ["New lab result at Riverside Clinic"]
    assert listing["results"][0]["link"] == f"/api/v1/patients/{lab_patient.pk}/labs"
    [mail] = [m for m in mailbox.messages if m["To"] == me.email]
    assert mail["Subject"] == "New lab result at Riverside Clinic"


def test_a_correction_tells_the_patient_again(lab_patient, catalogue, staff):
    from labs import services as lab_services

    me = portal_user(lab_patient)
    result = make_result(lab_patient, catalogue[GLUCOSE], "85")
    lab_services.result_correct(actor=staff[Role.ADMIN], result=result, value="90", reason="typo")
    assert Notification.objects.filter(recipient=me, event="labs.result_ready").count() == 2


# --- preferences ----------------------------------------------------------------------------------
def test_preferences_choose_the_channels(staff, lab_patient, catalogue, mailbox, api_as):
    clinician = staff[Role.CLINICIAN]
    response = api_as(clinician).put(
        f"{API}/preferences",
        [{"event": "labs.critical_result", "channels": {"email": False}}],
    )
    assert response.status_code == 200, response.content
    [row] = [r for r in response.json() if r["event"] == "labs.critical_result"]
    assert row["channels"] == {"in_app": True, "email": False, "push": True}

    critical(lab_patient, catalogue, clinician)

    assert Notification.objects.filter(recipient=clinician).count() == 1
    assert [m for m in mailbox.messages if m["To"] == clinician.email] == []


def test_a_critical_alert_cannot_be_turned_off_in_the_app(staff, api_as):
    clinician = staff[Role.CLINICIAN]
    response = api_as(clinician).put(
        f"{API}/preferences",
        [{"event": "labs.critical_result", "channels": {"in_app": False, "email": False}}],
    )
    assert response.status_code == 400
    assert "cannot be turned off" in response.json()["detail"]
    assert not Preference.objects.exists()  # nothing half-saved


def test_preferences_list_the_events_of_the_role(staff, api_as, clinic):
    patient_user = portal_user(make_patient(clinic))
    clinician = api_as(staff[Role.CLINICIAN]).get(f"{API}/preferences").json()
    patient = api_as(patient_user).get(f"{API}/preferences").json()
    by_event = {r["event"]: r for r in clinician}
    assert by_event["labs.critical_result"]["mandatory"] == ["in_app"]
    assert "labs.result_ready" not in by_event
    events = [r["event"] for r in patient]
    assert "labs.result_ready" in events and "labs.critical_result" not in events
    unknown = api_as(patient_user).put(
        f"{API}/preferences", [{"event": "labs.critical_result", "channels": {"email": False}}]
    )
    assert unknown.status_code == 400


# --- escalation -----------------------------------------------------------------------------------
def test_an_unread_critical_alert_escalates_to_every_clinician_once(
    staff, lab_patient, catalogue, settings
):
    orderer = staff[Role.CLINICIAN]
    colleague = UserFactory(clinic=orderer.clinic, role=Role.CLINICIAN)
    UserFactory(clinic=orderer.clinic, role=Role.NURSE)
    critical(lab_patient, catalogue, orderer)
    note = Notification.objects.get()
    assert abs(note.escalate_at - note.created_at - timedelta(minutes=30)) < timedelta(seconds=5)

    assert services.escalations_run() == 0  # not yet due
    Notification.objects.update(escalate_at=timezone.now())  # 30 minutes pass
    assert services.escalations_run() == 1
    assert services.escalations_run() == 0

    told = Notification.objects.exclude(pk=note.pk)
    assert [n.recipient_id for n in told] == [colleague.pk]
    assert told[0].escalate_at is None


def test_each_recipient_reads_the_alert_in_their_own_language(staff, lab_patient, catalogue):
    """Not the sender's: a Spanish-speaking colleague's request, or the worker's default."""
    orderer = staff[Role.CLINICIAN]
    spanish = UserFactory(clinic=orderer.clinic, role=Role.CLINICIAN, language="es")
    with translation.override("es"):  # the lab technician's request, in Spanish
        critical(lab_patient, catalogue, orderer)
    Notification.objects.update(escalate_at=timezone.now())
    with translation.override("en"):  # the background worker
        services.escalations_run()

    [first] = Notification.objects.filter(recipient=orderer)
    [escalated] = Notification.objects.filter(recipient=spanish)
    assert first.title == "Critical lab result at Riverside Clinic"
    assert escalated.title == "Resultado de laboratorio crítico en Riverside Clinic"


def test_a_read_critical_alert_does_not_escalate(staff, lab_patient, catalogue, api_as):
    orderer = staff[Role.CLINICIAN]
    UserFactory(clinic=orderer.clinic, role=Role.CLINICIAN)
    critical(lab_patient, catalogue, orderer)
    note = Notification.objects.get()
    api_as(orderer).post(f"{API}/{note.pk}/read")
    Notification.objects.update(escalate_at=timezone.now())
    assert services.escalations_run() == 0
    assert Notification.objects.count() == 1


# --- the API --------------------------------------------------------------------------------------
def make_notes(user, n, *, unread=True):
    Notification.objects.bulk_create(
        Notification(recipient=user, event="labs.critical_result", title=f"t{i}", unread=unread)
        for i in range(n)
    )
    services.unread_recount()


def test_list_unread_first_filter_count_read_and_read_all(clinician, api_as):
    api = api_as(clinician)
    make_notes(clinician, 2, unread=False)
    make_notes(clinician, 3)

    listing = api.get(f"{API}/").json()
    assert listing["count"] == 5
    assert [n["unread"] for n in listing["results"]] == [True, True, True, False, False]
    assert api.get(f"{API}/?unread=true").json()["count"] == 3
    maybe = api.get(f"{API}/?unread=maybe")  # not every notification, silently
    assert maybe.status_code == 400 and "true, false" in maybe.json()["detail"]
    assert api.get(f"{API}/unread-count").json() == {"unread": 3}

    first = listing["results"][0]["id"]
    read = api.post(f"{API}/{first}/read")
    assert read.status_code == 200 and read.json()["unread"] is False
    assert api.post(f"{API}/{first}/read").status_code == 200  # twice: counted once
    assert api.get(f"{API}/unread-count").json() == {"unread": 2}

    before = Notification.objects.order_by("created_at").first().created_at
    assert api.post(f"{API}/read-all", {"before": before.isoformat()}).json()["marked"] == 0
    assert api.post(f"{API}/read-all").json() == {"marked": 2, "unread": 0}
    assert api.get(f"{API}/unread-count").json() == {"unread": 0}


def test_someone_elses_notification_is_a_404(clinician, staff, api_as):
    make_notes(staff[Role.NURSE], 1)
    theirs = Notification.objects.get()
    assert api_as(clinician).post(f"{API}/{theirs.pk}/read").status_code == 404
    assert Notification.objects.get().unread


def test_the_unread_count_costs_the_same_queries_for_2_or_2000(clinician, api_as):
    api = api_as(clinician)
    make_notes(clinician, 2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"{API}/unread-count").json() == {"unread": 2}
    make_notes(clinician, 1998)
    with CaptureQueriesContext(connection) as many:
        assert api.get(f"{API}/unread-count").json() == {"unread": 2000}
    assert len(many) == len(few)


def test_the_nightly_recount_repairs_a_drifted_counter(clinician):
    make_notes(clinician, 4)
    from notifications.models import UnreadCount

    UnreadCount.objects.filter(pk=clinician.pk).update(unread=9)
    assert services.unread_recount() == 1
    assert services.unread_count(actor=clinician) == 4


# --- the bell and the pages -----------------------------------------------------------------------
def test_every_staff_page_shows_the_bell_at_a_constant_cost(client, clinician):
    client.force_login(clinician)
    make_notes(clinician, 3)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/").content.decode()
    assert 'data-unread="3"' in page
    make_notes(clinician, 300)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    assert 'data-unread="303"' in page and "99+" in page
    assert len(many) == len(few)


def test_the_page_lists_opens_and_marks_read(client, staff, lab_patient, catalogue):
    clinician = staff[Role.CLINICIAN]
    result = critical(lab_patient, catalogue, clinician)
    client.force_login(clinician)
    note = Notification.objects.get()

    page = client.get("/notifications/").content.decode()
    assert "Critical lab result at Riverside Clinic" in page

    opened = client.post(f"/notifications/{note.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/labs/results/{result.pk}/"
    assert services.unread_count(actor=clinician) == 0

    make_notes(clinician, 2)
    assert client.post("/notifications/read-all/").status_code == 302
    assert services.unread_count(actor=clinician) == 0


def test_the_preferences_page_saves_and_keeps_mandatory_channels_on(client, staff):
    clinician = staff[Role.CLINICIAN]
    client.force_login(clinician)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", {"labs.critical_result:push": "on"})
    assert response.status_code == 302
    row = Preference.objects.get(user=clinician, event="labs.critical_result")
    assert (row.in_app, row.email, row.push) == (True, False, True)


# --- every door that writes results raises the events -------------------------------------------
def test_critical_values_entered_for_an_order_tell_the_ordering_clinician(
    staff, lab_patient, catalogue
):
    from labs.services import results_enter

    clinician = staff[Role.CLINICIAN]
    order = make_order(lab_patient, actor=clinician, tests=[catalogue[GLUCOSE]])
    row = {
        "patient": lab_patient,
        "test": catalogue[GLUCOSE],
        "value": "520",
        "collected_at": timezone.now() - timedelta(hours=1),
        "order": order,
    }
    results_enter(actor=staff[Role.LAB_TECH], rows=[row])

    [note] = Notification.objects.filter(event="labs.critical_result")
    assert note.recipient == clinician


def test_critical_values_imported_from_csv_tell_the_clinicians(staff, lab_patient, catalogue):
    from labs.services import results_import

    data = "mrn,test,value,unit,collected_at,lab\n"
    data += (
        f"{lab_patient.mrn},{catalogue[GLUCOSE].loinc_code},520,mg/dL,2025-01-02T08:00:00Z,Lab\n"
    )
    results_import(actor=staff[Role.LAB_TECH], data=data, dry_run=False)

    told = set(
        Notification.objects.filter(event="labs.critical_result").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {staff[Role.CLINICIAN].pk}


# --- a critical value reaches someone who may act on it ------------------------------------------
def test_a_critical_result_ordered_by_a_clinician_who_left_goes_to_the_others_at_once(
    staff, lab_patient, catalogue, admin_user
):
    from clinics.services import staff_deactivate

    orderer = staff[Role.CLINICIAN]
    colleague = UserFactory(clinic=orderer.clinic, role=Role.CLINICIAN)
    order = make_order(lab_patient, actor=orderer, tests=[catalogue[GLUCOSE]])
    staff_deactivate(actor=admin_user, user=orderer)

    make_result(lab_patient, catalogue[GLUCOSE], "520", order=order)

    [note] = Notification.objects.filter(event="labs.critical_result")
    assert note.recipient == colleague and note.escalate_at is None  # told now, not in 30 min


def test_a_critical_result_with_no_clinician_left_goes_to_the_clinic_admins(
    staff, lab_patient, catalogue, admin_user
):
    from clinics.services import staff_deactivate

    orderer = staff[Role.CLINICIAN]
    order = make_order(lab_patient, actor=orderer, tests=[catalogue[GLUCOSE]])
    staff_deactivate(actor=admin_user, user=orderer)

    make_result(lab_patient, catalogue[GLUCOSE], "520", order=order)

    told = set(Notification.objects.values_list("recipient__role", flat=True))
    assert told == {Role.ADMIN}


def test_an_alert_waiting_for_someone_given_another_role_is_handed_on_at_once(
    staff, lab_patient, catalogue, admin_user
):
    from clinics.services import staff_update

    orderer = staff[Role.CLINICIAN]
    colleague = UserFactory(clinic=orderer.clinic, role=Role.CLINICIAN)
    critical(lab_patient, catalogue, orderer)
    later_order = make_order(lab_patient, actor=orderer, tests=[catalogue[GLUCOSE]])

    staff_update(actor=admin_user, user=orderer, role=Role.RECEPTIONIST)

    assert Notification.objects.filter(recipient=colleague).count() == 1  # not in 30 minutes
    assert services.escalations_run() == 0  # and not twice
    # The front desk is not told of the next result of what it once ordered: the clinicians are.
    make_result(lab_patient, catalogue[GLUCOSE], "520", order=later_order)
    assert Notification.objects.filter(recipient=orderer).count() == 1
    assert Notification.objects.filter(recipient=colleague).count() == 2


def test_an_archived_patient_is_told_nothing(staff, lab_patient, catalogue):
    from patients.services import patient_set_archived

    user = portal_user(lab_patient)
    patient_set_archived(actor=staff[Role.RECEPTIONIST], patient=lab_patient, archived=True)

    make_result(lab_patient, catalogue[GLUCOSE], "95")  # final: "New lab result" for the patient

    assert not Notification.objects.filter(recipient=user).exists()
