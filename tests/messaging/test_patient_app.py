"""What a patient's app reads of messaging: counts that agree from the first sign-in, and a
numbering of the messages they see without the gaps staff remarks would leave."""

from messaging import selectors
from messaging.models import Message
from patients.services import patient_invite
from tests.messaging.factories import make_thread, write
from tests.patients.factories import PatientFactory


def test_a_patient_invited_after_a_thread_began_counts_it_unread(
    api_as, clinic, admin_user, clinician
):
    patient = PatientFactory(clinic=clinic, email="mo@example.org")
    thread = make_thread(clinician, patient, text="Your results are ready to discuss")
    write(clinician, thread, "Please book a visit")

    user = patient_invite(actor=admin_user, patient=patient).user
    listed = api_as(user).get("/api/v1/messages/threads/").json()["results"]
    badge = api_as(user).get("/api/v1/messages/unread-count").json()

    assert [t["unread_count"] for t in listed] == [2]
    assert badge == {"unread": 2}


def test_what_the_patient_wrote_before_the_account_is_read(api_as, clinic, admin_user, clinician):
    patient = PatientFactory(clinic=clinic, email="mo@example.org")
    thread = make_thread(clinician, patient, text="How is the rash?")
    last = Message.objects.get(thread=thread)
    Message.objects.create(  # as the demo seeds a patient's words, and a desk may record them
        thread=thread,
        clinic=clinic,
        patient=patient,
        seq=2,
        visible_seq=2,
        from_patient=True,
        text="Better, thanks",
        created_at=last.created_at,
    )
    thread.seq = thread.visible_seq = 2
    thread.save()

    user = patient_invite(actor=admin_user, patient=patient).user

    assert selectors.unread_count(actor=user) == 0
    listed = api_as(user).get("/api/v1/messages/threads/").json()["results"]
    assert [t["unread_count"] for t in listed] == [0]


def test_a_patient_s_messages_are_numbered_without_the_remarks(
    api_as, patient, patient_user, clinician
):
    thread = make_thread(patient_user, patient, text="Is my prescription ready?")
    write(clinician, thread, "Check stock first", internal=True)
    write(clinician, thread, "Yes, collect it tomorrow")
    write(patient_user, thread, "Thank you")
    api = api_as(patient_user)

    everything = api.get(f"/api/v1/messages/threads/{thread.pk}/messages/").json()
    newer = api.get(f"/api/v1/messages/threads/{thread.pk}/messages/?after=2").json()
    staff_view = api_as(clinician).get(f"/api/v1/messages/threads/{thread.pk}/messages/").json()

    assert [(m["seq"], m["text"]) for m in everything] == [
        (1, "Is my prescription ready?"),
        (2, "Yes, collect it tomorrow"),
        (3, "Thank you"),
    ]
    assert [m["text"] for m in newer] == ["Thank you"]
    assert [m["seq"] for m in staff_view] == [1, 2, 3, 4]  # staff number every message


def test_the_export_names_the_clinic_a_patient_wrote_to(api_as, patient, patient_user, clinic):
    make_thread(patient_user, patient, text="Is my prescription ready?")

    bundle = api_as(patient_user).get(f"/api/v1/patients/{patient.pk}/export").json()

    (sent,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"
    ]
    assert sent["recipient"] == [{"display": clinic.name}]  # no reference left unresolved


def test_a_sync_cursor_outside_the_calendar_is_a_400_not_a_500(api_as, patient, patient_user):
    thread = make_thread(patient_user, patient, text="Hello")
    url = f"/api/v1/messages/threads/{thread.pk}/messages/"
    far = api_as(patient_user).get(url, {"since": "9999-12-31T23:59:59-12:00"})
    naive = api_as(patient_user).get(url, {"since": "2026-12-01T10:00:00"})
    assert far.status_code == 400
    assert far.json()["errors"]["since"] == ["Give a date between 1900 and 2999."]
    assert naive.json()["errors"]["since"] == ["Not an ISO-8601 time with an offset."]


def test_a_remark_on_a_thread_tells_the_patient_nothing(api_as, patient, patient_user, clinician):
    from messaging import services

    thread = make_thread(patient_user, patient, text="Is my prescription ready?")
    services.thread_update(actor=clinician, thread=thread, status="closed")
    api = api_as(patient_user)
    before = api.get("/api/v1/messages/threads/").json()["results"]

    write(clinician, thread, "Ask the pharmacist about the dose", internal=True)

    after = api.get("/api/v1/messages/threads/").json()["results"]
    assert after == before  # not reopened, no newer time, the same unread count
    assert after[0]["status"] == "closed"
