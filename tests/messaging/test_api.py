"""The messaging API as the phone apps use it: threads, messages, sync, read, unread count."""

import datetime

import pytest

from accounts.models import AuditEvent
from messaging.models import Message, Thread
from tests.files.factories import png_bytes, stored_file
from tests.messaging.factories import make_thread, write
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/messages"


def test_a_patient_starts_a_thread_and_the_clinician_answers(
    api_as, patient_user, clinician, patient
):
    me = api_as(patient_user)
    response = me.post(
        f"{API}/threads/",
        {"subject": "Refill", "category": "refill", "text": "Can I get a refill?", "urgent": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["patient"] == patient.pk
    assert body["urgent"] is False and body["urgent_requested"] is True  # staff confirm it
    thread_id = body["id"]
    doc = api_as(clinician)
    assert doc.get(f"{API}/unread-count").json() == {"unread": 1}
    listed = doc.get(f"{API}/threads/?assigned=none&unread=true").json()
    assert [t["id"] for t in listed["results"]] == [thread_id]
    assert listed["results"][0]["unread_count"] == 1
    reply = doc.post(f"{API}/threads/{thread_id}/messages/", {"text": "Sent to your pharmacy."})
    assert reply.status_code == 201
    assert doc.get(f"{API}/unread-count").json() == {"unread": 0}
    assert me.get(f"{API}/unread-count").json() == {"unread": 1}
    assert me.get(f"{API}/threads/{thread_id}/").json()["unread_count"] == 1
    assert me.post(f"{API}/threads/{thread_id}/read").status_code == 200
    assert me.get(f"{API}/unread-count").json() == {"unread": 0}
    texts = [m["text"] for m in me.get(f"{API}/threads/{thread_id}/messages/").json()]
    assert texts == ["Can I get a refill?", "Sent to your pharmacy."]


def test_staff_patch_assigns_marks_urgent_and_closes(api_as, patient_user, clinician, nurse):
    thread = make_thread(patient_user, patient_user.patient_record)
    client = api_as(nurse)
    url = f"{API}/threads/{thread.pk}/"
    body = client.patch(url, {"assigned_to": clinician.pk, "urgent": True}, format="json").json()
    assert body["assigned_to"] == clinician.pk and body["urgent"] is True
    body = client.patch(url, {"assigned_to": None, "status": "closed"}, format="json").json()
    assert body["assigned_to"] is None and body["status"] == "closed"
    assert api_as(patient_user).patch(url, {"urgent": True}, format="json").status_code == 403


def test_list_is_urgent_first_then_latest_and_filters(api_as, patient_user, clinician, patient):
    older = make_thread(patient_user, patient, subject="Older")
    urgent = make_thread(patient_user, patient, subject="Urgent one")
    newest = make_thread(patient_user, patient, subject="Newest")
    client = api_as(clinician)
    client.patch(f"{API}/threads/{urgent.pk}/", {"urgent": True}, format="json")
    client.patch(f"{API}/threads/{older.pk}/", {"assigned_to": clinician.pk}, format="json")
    subjects = [t["subject"] for t in client.get(f"{API}/threads/").json()["results"]]
    assert subjects == ["Urgent one", "Newest", "Older"]
    mine = client.get(f"{API}/threads/?assigned=me").json()["results"]
    assert [t["id"] for t in mine] == [older.pk]
    assert client.get(f"{API}/threads/?urgent=false").json()["count"] == 2
    assert client.get(f"{API}/threads/?search=newest").json()["results"][0]["id"] == newest.pk
    assert client.get(f"{API}/threads/?search=silva").json()["count"] == 3
    assert client.get(f"{API}/threads/?urgent=yes").status_code == 400
    assert client.get(f"{API}/threads/?assigned=him").status_code == 400


def test_since_sync_has_no_gaps_or_repeats_within_one_millisecond(
    api_as, patient_user, clinician, monkeypatch
):
    thread = make_thread(patient_user, patient_user.patient_record, text="first")
    frozen = Message.objects.get(thread=thread).created_at
    monkeypatch.setattr("django.utils.timezone.now", lambda: frozen)  # every write: same instant
    for n in range(5):
        write(clinician if n % 2 else patient_user, thread, f"m{n}")
    client = api_as(patient_user)
    url = f"{API}/threads/{thread.pk}/messages/"
    first = client.get(url).json()
    assert [m["text"] for m in first] == ["first", "m0", "m1", "m2", "m3", "m4"]
    middle = client.get(url, {"since": first[2]["created_at"]}).json()
    assert [m["text"] for m in middle] == ["m2", "m3", "m4"]
    write(clinician, thread, "late")  # arrives in the same millisecond again
    newer = client.get(url, {"since": first[-1]["created_at"]}).json()
    assert [m["text"] for m in newer] == ["late"]
    assert client.get(url, {"since": newer[-1]["created_at"]}).json() == []
    times = list(Message.objects.filter(thread=thread).order_by("seq").values_list("created_at"))
    assert len(set(times)) == len(times)  # strictly later, one millisecond at least
    seqs = [m["seq"] for m in client.get(url).json()]
    assert seqs == list(range(1, 8))
    assert [m["text"] for m in client.get(url, {"after": 5}).json()] == ["m4", "late"]


def test_internal_remarks_never_reach_the_patient(api_as, patient_user, clinician):
    thread = make_thread(patient_user, patient_user.patient_record)
    client = api_as(clinician)
    remark = client.post(
        f"{API}/threads/{thread.pk}/messages/", {"text": "SECRET REMARK", "internal": True}
    )
    assert remark.status_code == 201 and remark.json()["internal"] is True
    me = api_as(patient_user)
    for url in (
        f"{API}/threads/",
        f"{API}/threads/{thread.pk}/",
        f"{API}/threads/{thread.pk}/messages/",
        f"{API}/threads/{thread.pk}/messages/?after=0",
        f"{API}/threads/{thread.pk}/messages/?since=2000-01-01T00:00:00Z",
    ):
        response = me.get(url)
        assert response.status_code == 200
        assert "SECRET REMARK" not in response.content.decode()
    assert me.get(f"{API}/unread-count").json() == {"unread": 0}
    posted = me.post(f"{API}/threads/{thread.pk}/messages/", {"text": "x", "internal": True})
    assert posted.status_code == 403


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"text": "hi", "attachments": ["0" * 24]}, "attachments"),
        ({"text": "hi", "attachments": ["not-a-file"]}, "attachments"),
        ({"text": "hi", "attachments": "abc"}, "attachments"),
    ],
)
def test_bad_input_is_400(api_as, patient_user, clinician, body, field):
    thread = make_thread(patient_user, patient_user.patient_record)
    response = api_as(clinician).post(f"{API}/threads/{thread.pk}/messages/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Message.objects.count() == 1


def test_attachments_of_this_patient_only(api_as, patient_user, clinician, patient, other_patient):
    thread = make_thread(patient_user, patient)
    same_clinic_other = PatientFactory(clinic=patient.clinic)
    for owner in (same_clinic_other, other_patient):
        uploader = clinician if owner.clinic_id == patient.clinic_id else None
        if uploader is None:
            from tests.factories import UserFactory

            uploader = UserFactory(clinic=owner.clinic, role="clinician")
        foreign = stored_file(uploader, owner, shared_with_patient=True)
        response = api_as(clinician).post(
            f"{API}/threads/{thread.pk}/messages/",
            {"text": "see attached", "attachments": [foreign.pk]},
            format="json",
        )
        assert response.status_code == 400
    unshared = stored_file(clinician, patient)
    refused = api_as(clinician).post(
        f"{API}/threads/{thread.pk}/messages/", {"attachments": [unshared.pk]}, format="json"
    )
    assert refused.status_code == 400  # the patient could not open it
    internal = api_as(clinician).post(
        f"{API}/threads/{thread.pk}/messages/",
        {"attachments": [unshared.pk], "internal": True},
        format="json",
    )
    assert internal.status_code == 201  # staff-only remark: fine
    shared = stored_file(
        clinician, patient, name="wound.png", data=png_bytes(), shared_with_patient=True
    )
    sent = api_as(clinician).post(
        f"{API}/threads/{thread.pk}/messages/", {"attachments": [shared.pk]}, format="json"
    )
    assert sent.status_code == 201
    [attachment] = sent.json()["attachments"]
    assert attachment["id"] == shared.pk and attachment["download"].endswith("/download")
    own = stored_file(patient_user, patient, category="photo")
    mine = api_as(patient_user).post(
        f"{API}/threads/{thread.pk}/messages/", {"attachments": [own.pk]}, format="json"
    )
    assert mine.status_code == 201
    assert api_as(patient_user).get(f"/api/v1/files/{shared.pk}/download").status_code == 200


def test_files_attach_to_a_thread_through_the_files_api(api_as, patient_user, patient):
    thread = make_thread(patient_user, patient)
    from files.services import file_upload
    from tests.files.factories import upload

    stored = file_upload(
        actor=patient_user,
        upload=upload(),
        category="other",
        target_type="message_thread",
        target_id=thread.pk,
    )
    assert stored.patient_id == patient.pk
    posted = api_as(patient_user).post(
        f"{API}/threads/{thread.pk}/messages/", {"attachments": [stored.pk]}, format="json"
    )
    assert posted.status_code == 201


def test_staff_start_a_thread_for_a_patient_of_their_clinic_only(
    api_as, clinician, patient, other_patient
):
    client = api_as(clinician)
    body = {"subject": "Your results", "category": "clinical", "text": "Please call us."}
    created = client.post(f"{API}/threads/", {**body, "patient": patient.pk}, format="json")
    assert created.status_code == 201
    foreign = client.post(f"{API}/threads/", {**body, "patient": other_patient.pk}, format="json")
    assert foreign.status_code == 400 and "patient" in foreign.json()["errors"]
    missing = client.post(f"{API}/threads/", body, format="json")
    assert missing.status_code == 400
    assert Thread.objects.count() == 1


def test_reads_and_writes_are_audited_with_the_patient(api_as, patient_user, clinician, patient):
    thread = make_thread(patient_user, patient)
    client = api_as(clinician)
    client.get(f"{API}/threads/{thread.pk}/")
    client.get(f"{API}/threads/{thread.pk}/messages/")
    client.post(f"{API}/threads/{thread.pk}/messages/", {"text": "ok"})
    rows = AuditEvent.objects.filter(actor=clinician, patient_id=patient.pk)
    assert sorted(rows.values_list("action", flat=True)) == ["create", "view", "view"]


def test_bad_since_is_400(api_as, patient_user):
    thread = make_thread(patient_user, patient_user.patient_record)
    url = f"{API}/threads/{thread.pk}/messages/"
    assert api_as(patient_user).get(url, {"since": "yesterday"}).status_code == 400
    assert api_as(patient_user).get(url, {"after": "x"}).status_code == 400
    superscript = api_as(patient_user).get(url, {"after": "²"})  # "²".isdigit() is true
    assert superscript.status_code == 400 and superscript.json()["errors"]["after"] == [
        "Not a number."
    ]
    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).isoformat()
    assert api_as(patient_user).get(url, {"since": later}).json() == []
