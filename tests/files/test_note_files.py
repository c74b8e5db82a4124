"""Files on a clinical note: the note page's Files box (the files app's aside), its upload, and
`GET/POST /api/v1/notes/{id}/files`. A draft's files are its author's; once signed, anyone who
may read the note sees its files and attaches more. Another clinic's note is 404."""

import html

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from core.planner import statistics_refresh
from core.roles import Role
from files import selectors, services
from files.models import StoredFile
from tests.files.conftest import stored_paths
from tests.files.factories import flashed, jpeg_bytes, pdf_bytes, png_bytes, upload
from tests.notes.factories import audit_mark, audit_rows_since, install, make_note
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(staff):
    install(staff[Role.CLINICIAN].clinic)
    return staff[Role.CLINICIAN]


@pytest.fixture
def draft(clinician, patient):
    return make_note(clinician, patient, title="Wound review")


@pytest.fixture
def signed(clinician, patient):
    return make_note(clinician, patient, title="Wound review", signed=True)


@pytest.fixture
def elsewhere(other_staff, other_patient):
    install(other_patient.clinic)
    return make_note(other_staff[Role.CLINICIAN], other_patient, signed=True)


def attach(actor, note, name="letter.pdf", data=None, **fields) -> StoredFile:
    return services.file_upload(
        actor=actor,
        upload=upload(name, data),
        category=fields.pop("category", "referral"),
        target_type="note",
        target_id=note.pk,
        **fields,
    )


def page_of(client, note) -> str:
    response = client.get(f"/notes/{note.pk}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def post_files(client, note, *files, category="photo", **fields):
    body = {"files": list(files), "category": category, **fields}
    return client.post(f"/files/notes/{note.pk}/upload/", body)


def queries_of(client, url) -> int:
    """How many queries one GET of `url` makes (a 200)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- the Files box on the note's page ------------------------------------------------------------
def test_the_box_lists_the_notes_files_and_offers_the_upload(client, clinician, draft, patient):
    photo = attach(clinician, draft, "wound.png", png_bytes(), category="photo", title="Wound")
    letter = attach(clinician, draft, title="Referral letter")
    readings = attach(clinician, draft, "bp.csv", b"date,value\n2024-01-01,140\n", title="BP")
    services.file_upload(  # on the patient's record, not on the note: not in its box
        actor=clinician, upload=upload(), category="referral", title="Other letter",
        target_id=patient.pk,
    )  # fmt: skip
    client.force_login(clinician)

    page = page_of(client, draft)

    assert 'id="note-files"' in page
    assert f'href="/files/{photo.pk}/"' in page and f'href="/files/{letter.pk}/"' in page
    assert "Referral letter" in page and "Other letter" not in page
    assert f"Photo · PNG · {filesizeformat(photo.size)}" in page  # category · type · size
    assert f"Referral letter · PDF · {filesizeformat(letter.size)}" in page
    assert clinician.name in page  # who uploaded it
    assert f'src="/files/{photo.pk}/preview/"' in page  # a thumbnail, or a PDF's first page
    assert f'src="/files/{letter.pk}/preview/"' in page
    assert f'src="/files/{readings.pk}/preview/"' not in page  # CSV: none
    assert f'action="/files/notes/{draft.pk}/upload/"' in page
    assert 'type="file"' in page and "multiple" in page
    assert 'name="shared_with_patient"' in page
    assert f'data-api-url="/api/v1/notes/{draft.pk}/files"' in page
    assert "<script>" not in page.replace('<script src="', "")  # no inline script


def test_a_note_without_files_says_so(client, clinician, signed):
    client.force_login(clinician)
    page = page_of(client, signed)
    assert 'id="note-files"' in page and "No files yet." in page


def test_a_colleague_reading_a_draft_sees_its_files_but_no_upload(client, clinician, draft, staff):
    attach(clinician, draft, title="Referral letter")
    client.force_login(staff[Role.NURSE])

    page = page_of(client, draft)

    assert draft.title in page  # the draft itself is readable, and so are its files
    assert 'id="note-files"' in page and "Referral letter" in page
    assert "/upload/" not in page  # only the draft's author attaches


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.LAB_TECH])
def test_roles_that_may_not_read_notes_never_see_a_notes_files_elsewhere(
    client, api_as, clinician, signed, patient, staff, role
):
    """The patient's files, the clinic's Documents, the patient page and the API list the
    patient's own files but none of a note's (the note is 403 to them: so is its file)."""
    category = "id_insurance" if role == Role.RECEPTIONIST else "lab_report"  # theirs to read
    on_note = attach(clinician, signed, category=category, title="Scanned on the note")
    own = services.file_upload(
        actor=clinician, upload=upload("card.pdf"), category=category,
        title="Filed on the record", target_id=patient.pk,
    )  # fmt: skip
    reader = staff[role]
    client.force_login(reader)
    api = api_as(reader)

    listings = [
        client.get(f"/files/patients/{patient.pk}/").content.decode(),
        client.get("/files/").content.decode(),
        str(api.get(f"/api/v1/patients/{patient.pk}/files/").json()),
    ]
    if role == Role.RECEPTIONIST:  # the patient page (lab technicians have their own pages)
        listings.append(client.get(f"/patients/{patient.pk}/").content.decode())

    for listing in listings:
        assert own.title in listing
        assert on_note.title not in listing
    assert client.get(f"/files/{on_note.pk}/").status_code == 403
    assert api.get(f"/api/v1/files/{on_note.pk}/").status_code == 403
    assert api.get(f"/api/v1/files/{on_note.pk}/download").status_code == 403
    assert client.get(f"/files/{own.pk}/").status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN, Role.NURSE])
def test_every_role_that_reads_a_signed_note_sees_its_files_and_attaches(
    client, clinician, signed, staff, role
):
    attach(clinician, signed, title="Referral letter")
    client.force_login(staff[role])

    page = page_of(client, signed)

    assert "Referral letter" in page
    assert f'action="/files/notes/{signed.pk}/upload/"' in page


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.LAB_TECH])
def test_roles_that_may_not_read_notes_see_no_note_and_upload_nothing(client, signed, staff, role):
    client.force_login(staff[role])
    assert client.get(f"/notes/{signed.pk}/").status_code == 403
    refused = post_files(client, signed, upload("card.png", png_bytes()), category="id_insurance")
    assert refused.status_code == 403
    assert not StoredFile.objects.exists()


def test_the_note_page_costs_the_same_with_1_or_7_files(client, clinician, signed, staff):
    attach(clinician, signed, "w.png", png_bytes(), category="photo")
    client.force_login(clinician)
    url = f"/notes/{signed.pk}/"
    client.get(url)  # warm the session and per-process caches

    one = queries_of(client, url)
    for n in range(5):  # images with thumbnails and PDFs, by two people
        uploader = staff[Role.NURSE] if n % 2 else clinician
        attach(uploader, signed, f"w{n}.png", png_bytes(), category="photo", title=f"Photo {n}")
    attach(clinician, signed, title="Letter")
    assert StoredFile.objects.filter(target_id=signed.pk).count() == 7
    assert queries_of(client, url) == one


# --- uploading from the box ----------------------------------------------------------------------
def test_upload_attaches_every_file_to_the_note_and_goes_back_to_it(
    client, clinician, draft, patient
):
    client.force_login(clinician)

    response = post_files(
        client,
        draft,
        upload("wound.png", png_bytes()),
        upload("scan.pdf", pdf_bytes()),
        shared_with_patient="on",
    )

    assert response.status_code == 302 and response["Location"] == f"/notes/{draft.pk}/"
    assert "“wound” was uploaded." in flashed(response)
    rows = StoredFile.objects.order_by("original_name")
    assert [(f.original_name, f.target_type, f.target_id, f.patient_id) for f in rows] == [
        ("scan.pdf", "note", draft.pk, patient.pk),
        ("wound.png", "note", draft.pk, patient.pk),
    ]
    assert all(f.shared_with_patient and f.category == "photo" for f in rows)
    created = AuditEvent.objects.filter(action="create", object_type="files.StoredFile")
    assert sorted(created.values_list("patient_id", flat=True)) == [patient.pk, patient.pk]
    page = page_of(client, draft)
    assert "wound" in page and "scan" in page


def test_a_wrong_type_is_refused_with_its_reason_and_nothing_kept(
    client, clinician, draft, private_storage
):
    client.force_login(clinician)

    response = post_files(client, draft, upload("evil.jpg", b"<html><script>x</script></html>"))

    assert response.status_code == 302 and response["Location"] == f"/notes/{draft.pk}/"
    assert any(text.startswith("evil.jpg: ") for text in flashed(response))
    assert not StoredFile.objects.exists() and stored_paths(private_storage) == []


def test_a_file_over_the_limit_is_refused_with_the_limit(
    client, clinician, draft, settings, private_storage
):
    settings.FILE_MAX_MB = 1
    client.force_login(clinician)

    response = post_files(client, draft, upload("big.jpg", jpeg_bytes() + b"\0" * 1024 * 1024))

    assert "big.jpg: The file is larger than the limit of 1 MB." in flashed(response)
    assert not StoredFile.objects.exists() and stored_paths(private_storage) == []


def test_an_unknown_category_is_refused(client, clinician, draft):
    client.force_login(clinician)
    response = post_files(client, draft, upload("w.png", png_bytes()), category="gossip")
    assert "w.png: Unknown category." in flashed(response)
    assert not StoredFile.objects.exists()


def test_a_colleague_cannot_attach_to_a_draft(client, draft, staff, private_storage):
    client.force_login(staff[Role.NURSE])

    refused = post_files(client, draft, upload("w.png", png_bytes()))

    assert refused.status_code == 403
    assert "Only the author of a draft note may attach files" in html.unescape(
        refused.content.decode()
    )
    assert not StoredFile.objects.exists() and stored_paths(private_storage) == []


def test_another_clinics_note_is_404(client, clinician, elsewhere):
    client.force_login(clinician)
    assert post_files(client, elsewhere, upload("w.png", png_bytes())).status_code == 404
    assert not StoredFile.objects.exists()


# --- the API -------------------------------------------------------------------------------------
def api_path(note) -> str:
    return f"/api/v1/notes/{note.pk}/files"


def test_api_lists_the_notes_files_as_a_page_and_audits_the_patient_once(
    api_as, clinician, signed, patient
):
    first = attach(clinician, signed, title="Referral letter")
    second = attach(clinician, signed, "w.png", png_bytes(), category="photo")
    services.file_upload(
        actor=clinician, upload=upload(), category="referral", target_id=patient.pk
    )
    mark = audit_mark()

    body = api_as(clinician).get(f"{api_path(signed)}?page_size=1").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2 and body["next"] and body["previous"] is None
    assert [row["id"] for row in body["results"]] == [second.pk]
    assert body["results"][0]["preview_url"].endswith(f"/api/v1/files/{second.pk}/preview")
    views = audit_rows_since(mark).filter(action="view")
    assert list(views.values_list("patient_id", "detail")) == [(patient.pk, "files")]
    filtered = api_as(clinician).get(f"{api_path(signed)}/?category=referral").json()
    assert [row["id"] for row in filtered["results"]] == [first.pk]


def test_api_upload_attaches_to_the_note(api_as, staff, signed, patient):
    answer = api_as(staff[Role.NURSE]).post(
        api_path(signed),
        {"file": upload("w.png", png_bytes()), "category": "photo", "title": "Day 3"},
        format="multipart",
    )

    assert answer.status_code == 201, answer.content
    assert (answer.json()["title"], answer.json()["patient"]) == ("Day 3", patient.pk)
    stored = StoredFile.objects.get()
    assert (stored.target_type, stored.target_id) == ("note", signed.pk)


def test_api_lists_a_colleagues_draft_but_refuses_attaching(api_as, clinician, draft, staff):
    attach(clinician, draft)
    nurse = api_as(staff[Role.NURSE])

    listed = nurse.get(api_path(draft))
    posted = nurse.post(
        api_path(draft), {"file": upload(), "category": "referral"}, format="multipart"
    )

    assert (listed.status_code, posted.status_code) == (200, 403)
    assert listed.json()["count"] == 1  # read like the note; attached to by its author only
    assert "Only the author of a draft note" in posted.json()["detail"]
    assert StoredFile.objects.count() == 1
    assert api_as(clinician).get(api_path(draft)).json()["count"] == 1


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.LAB_TECH])
def test_api_refuses_roles_that_may_not_read_notes(api_as, staff, signed, role):
    client = api_as(staff[role])
    assert client.get(api_path(signed)).status_code == 403
    posted = client.post(
        api_path(signed), {"file": upload(), "category": "lab_report"}, format="multipart"
    )
    assert posted.status_code == 403 and posted.json()["detail"]
    assert not StoredFile.objects.exists()


def test_api_another_clinics_note_is_404(api_as, clinician, elsewhere):
    client = api_as(clinician)
    assert client.get(api_path(elsewhere)).status_code == 404
    posted = client.post(
        api_path(elsewhere), {"file": upload(), "category": "referral"}, format="multipart"
    )
    assert posted.status_code == 404
    assert not StoredFile.objects.exists()


def test_api_wrong_type_is_400_and_too_large_413(api_as, clinician, signed, settings):
    client = api_as(clinician)
    wrong = client.post(
        api_path(signed),
        {"file": upload("a.pdf", png_bytes()), "category": "referral"},
        format="multipart",
    )
    settings.FILE_MAX_MB = 1
    big = client.post(
        api_path(signed),
        {"file": upload("big.jpg", jpeg_bytes() + b"\0" * 1024 * 1024), "category": "photo"},
        format="multipart",
    )
    assert (wrong.status_code, big.status_code) == (400, 413)
    assert not StoredFile.objects.exists()


def test_a_patient_reads_the_shared_files_of_a_note_shared_with_them(api_as, clinician, patient):
    note = make_note(clinician, patient, signed=True, shared=True)
    shared = attach(clinician, note, title="Exercises", shared_with_patient=True)
    attach(clinician, note, title="Internal letter")
    draft = make_note(clinician, patient)
    client = api_as(portal_user(patient))

    listed = client.get(api_path(note)).json()["results"]

    assert [row["id"] for row in listed] == [shared.pk]
    assert client.get(api_path(draft)).status_code == 404  # drafts never reach the patient
    added = client.post(api_path(note), {"file": upload(), "category": "other"}, format="multipart")
    assert added.status_code == 403  # the note is the clinic's record; theirs is their own
    assert added.json()["detail"] == "Patients add files to their own record or messages only."
    assert StoredFile.objects.filter(target_type="note").count() == 2


def test_a_patient_never_reaches_a_file_of_a_draft_or_unshared_note(api_as, clinician, patient):
    """Ticking "share with the patient" on a file does not share the note: the file reaches
    the patient through the note only, once it is signed and shared with them."""
    draft = make_note(clinician, patient, shared=True)
    unshared = make_note(clinician, patient, signed=True)
    shared = make_note(clinician, patient, signed=True, shared=True)
    hidden = [
        attach(clinician, note, title=f"Photo {n}", shared_with_patient=True)
        for n, note in enumerate([draft, unshared])
    ]
    visible = attach(clinician, shared, title="Exercises", shared_with_patient=True)
    client = api_as(portal_user(patient))

    own_list = client.get(f"/api/v1/patients/{patient.pk}/files/").json()["results"]

    assert own_list == []  # a note's files are read through the note
    for stored in hidden:
        assert client.get(f"/api/v1/files/{stored.pk}/").status_code == 404
        assert client.get(f"/api/v1/files/{stored.pk}/download").status_code == 404
    assert [row["id"] for row in client.get(api_path(shared)).json()["results"]] == [visible.pk]
    assert client.get(f"/api/v1/files/{visible.pk}/download").status_code == 200


def test_the_note_files_endpoints_are_in_the_schema(api_as, clinician):
    schema = api_as(clinician).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/v1/notes/{id}/files/"]
    assert set(operations) >= {"get", "post"}
    assert "multipart/form-data" in operations["post"]["requestBody"]["content"]
    assert {"201", "403", "404", "413"} <= set(operations["post"]["responses"])


@pytest.mark.parametrize("bad_id", ["0" * 24, "not-an-id", "x" * 100])
def test_unknown_and_malformed_note_ids_are_404(client, api_as, clinician, bad_id):
    client.force_login(clinician)
    page = client.post(f"/files/notes/{bad_id}/upload/", {"files": upload(), "category": "other"})
    listed = api_as(clinician).get(f"/api/v1/notes/{bad_id}/files")
    assert (page.status_code, listed.status_code) == (404, 404)
    assert listed.json()["detail"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_the_box_reads_the_notes_files_off_their_index(clinician, signed, patient):
    """Not every live file of the clinic checked for its target: a clinic keeps millions."""
    attach(clinician, signed)
    StoredFile.objects.bulk_create(
        StoredFile(
            clinic_id=patient.clinic_id, patient=patient, target_type="patient",
            target_id=patient.pk, category="other", title=f"scan {n}", original_name="s.pdf",
            content_type="application/pdf", size=1, sha256="0" * 64, storage_key=f"seeded/{n}",
        )
        for n in range(3_000)
    )  # fmt: skip
    assert statistics_refresh() is True
    target = services.resolve_target(actor=clinician, target_type="note", target_id=signed.pk)

    plan = selectors.file_list(actor=clinician, target=target).explain()

    assert "USING INDEX file_target (target_type=? AND target_id=? AND deleted_at=?)" in plan
    assert "TEMP B-TREE" not in plan  # newest first, the id's tie-break included


# --- many files: the box shows the newest, the note's files page lists them all ------------------
def attach_many(actor, note, n) -> list[StoredFile]:
    """`n` small text files on the note (no previews to make), newest first."""
    for i in range(n):
        attach(actor, note, f"page{i}.csv", b"page\n", title=f"Scan {i:02d}", category="other")
    return list(StoredFile.objects.filter(target_id=note.pk).order_by("-created_at", "-id"))


def files_page(client, note, query=""):
    return client.get(f"/files/notes/{note.pk}/{query}")


def test_the_box_shows_the_newest_10_and_links_to_all_of_the_notes_files(client, clinician, signed):
    newest_first = attach_many(clinician, signed, 12)
    client.force_login(clinician)

    page = page_of(client, signed)

    shown = [f for f in newest_first if f'href="/files/{f.pk}/"' in page]
    assert shown == newest_first[:10]
    assert "Showing the newest 10 of 12 files." in page
    assert f'href="/files/notes/{signed.pk}/">All files</a>' in page


def test_a_box_with_10_files_shows_them_all_and_no_more_line(client, clinician, signed):
    newest_first = attach_many(clinician, signed, 10)
    client.force_login(clinician)

    page = page_of(client, signed)

    assert all(f'href="/files/{f.pk}/"' in page for f in newest_first)
    assert "Showing the newest" not in page and f'/files/notes/{signed.pk}/"' not in page


def test_the_box_count_is_bounded(client, clinician, signed, monkeypatch):
    """Past the project's bounded count, "more than" that many, not a count of every file."""
    monkeypatch.setattr(selectors, "EXACT_COUNT_UP_TO", 12)
    attach_many(clinician, signed, 14)
    client.force_login(clinician)

    assert "Showing the newest 10 of more than 12 files." in page_of(client, signed)


def test_the_note_page_costs_the_same_with_11_or_30_files(client, clinician, signed):
    attach_many(clinician, signed, 11)
    client.force_login(clinician)
    url = f"/notes/{signed.pk}/"
    client.get(url)  # warm the session and per-process caches

    eleven = queries_of(client, url)
    for n in range(19):
        attach(clinician, signed, f"more{n}.csv", b"page\n", category="other")
    assert queries_of(client, url) == eleven


def test_the_notes_files_page_lists_them_all_in_pages(client, clinician, signed, patient):
    newest_first = attach_many(clinician, signed, 27)
    services.file_upload(  # on the patient's record, not on the note: not listed
        actor=clinician, upload=upload(), category="referral", title="Other letter",
        target_id=patient.pk,
    )  # fmt: skip
    client.force_login(clinician)
    mark = audit_mark()

    first = files_page(client, signed)
    second = files_page(client, signed, "?page=2")

    assert first.status_code == second.status_code == 200
    first_text, second_text = (html.unescape(r.content.decode()) for r in (first, second))
    assert f"Files of {signed.title}" in first_text
    assert f'href="/notes/{signed.pk}/"' in first_text  # back to the note
    assert "Showing 1–25 of 27" in first_text and "Other letter" not in first_text
    listed = [f for f in newest_first if f'href="/files/{f.pk}/"' in first_text]
    assert listed == newest_first[:25]
    assert [f for f in newest_first if f'href="/files/{f.pk}/"' in second_text] == newest_first[25:]
    views = audit_rows_since(mark).filter(action="view")  # each page: one row for its patient
    assert list(views.values_list("patient_id", "detail")) == [(patient.pk, "files")] * 2
    searched = html.unescape(files_page(client, signed, "?q=Scan+03").content.decode())
    assert [f for f in newest_first if f'href="/files/{f.pk}/"' in searched] == [
        f for f in newest_first if f.title == "Scan 03"
    ]


def test_an_empty_files_page_still_audits_the_patient_it_names(client, clinician, signed, patient):
    """The page shows the patient's header and the note's title with no file listed (none yet,
    or none the filters match): a read of the patient, one row each time."""
    client.force_login(clinician)
    mark = audit_mark()

    assert "No files yet." in files_page(client, signed).content.decode()
    assert files_page(client, signed, "?q=nothing+like+it").status_code == 200
    assert client.get(f"/files/patients/{patient.pk}/").status_code == 200

    views = audit_rows_since(mark).filter(action="view", detail="files")
    assert list(views.values_list("patient_id", flat=True)) == [patient.pk] * 3


def test_the_notes_files_page_costs_the_same_with_26_or_60_files(client, clinician, signed):
    """(A list its first page holds is not counted: one query fewer under 25.)"""
    attach_many(clinician, signed, 26)
    client.force_login(clinician)
    url = f"/files/notes/{signed.pk}/"
    client.get(url)  # warm the session and per-process caches

    some = queries_of(client, url)
    attach_many(clinician, signed, 34)
    assert queries_of(client, url) == some


def test_a_colleague_reading_a_draft_reaches_its_files_page(client, clinician, draft, staff):
    attach(clinician, draft, title="Referral letter")
    client.force_login(staff[Role.NURSE])
    response = files_page(client, draft)
    assert response.status_code == 200 and "Referral letter" in response.content.decode()


def test_another_clinics_note_files_page_is_404(client, clinician, elsewhere):
    attach(elsewhere.author, elsewhere, title="Their letter")
    client.force_login(clinician)
    response = files_page(client, elsewhere)
    assert response.status_code == 404 and "Their letter" not in response.content.decode()


@pytest.mark.parametrize("bad_id", ["0" * 24, "not-an-id", "x" * 100])
def test_the_files_page_of_an_unknown_or_malformed_note_id_is_404(client, clinician, bad_id):
    client.force_login(clinician)
    assert client.get(f"/files/notes/{bad_id}/").status_code == 404


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.LAB_TECH])
def test_roles_that_may_not_read_notes_get_403_on_the_files_page(
    client, clinician, signed, staff, role
):
    attach(clinician, signed, title="Referral letter", category="id_insurance")
    client.force_login(staff[role])
    response = files_page(client, signed)
    assert response.status_code == 403 and "Referral letter" not in response.content.decode()


def test_the_patient_never_reaches_the_files_page_of_a_note(client, clinician, patient):
    """Staff pages are not theirs (the note's files reach them through the API, once the note
    is signed and shared with them): refused before any note is looked up."""
    draft = make_note(clinician, patient, shared=True)
    shared = make_note(clinician, patient, signed=True, shared=True)
    for note in (draft, shared):
        attach(clinician, note, title="Exercises", shared_with_patient=True)
    client.force_login(portal_user(patient))
    for note in (draft, shared):
        response = files_page(client, note)
        assert response.status_code == 403 and "Exercises" not in response.content.decode()


def test_the_api_refuses_an_empty_file_in_the_pages_words(api_as, clinician, signed):
    answer = api_as(clinician).post(
        api_path(signed), {"file": upload("empty.pdf", b""), "category": "referral"},
        format="multipart",
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"file": ["The file is empty."]}
    assert not StoredFile.objects.exists()
