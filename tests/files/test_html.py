"""The staff pages: the patient page's Files panel, uploading several files, the preview page,
rename / recategorise, soft delete and restore, and the clinic-wide Documents list."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from files import services
from files.models import StoredFile
from tests.files.factories import (
    SAMPLES,
    make_patient,
    pdf_bytes,
    png_bytes,
    stored_file,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, staff):
    client.force_login(staff[Role.CLINICIAN])
    return client


def text(response) -> str:
    return response.content.decode()


def test_patient_page_has_a_files_panel(web, staff, patient):
    stored_file(staff[Role.CLINICIAN], patient, title="Cardiology referral")
    stored_file(
        staff[Role.CLINICIAN], patient, name="card.png", data=png_bytes(), category="id_insurance"
    )
    page = text(web.get(f"/patients/{patient.pk}/"))
    assert 'id="panel-files"' in page
    assert "Cardiology referral" in page
    assert "2 files" in page
    assert f"/files/patients/{patient.pk}/?category=id_insurance" in page


def test_files_panel_counts_every_file_and_names_the_clinics_own_categories(web, staff, patient):
    services.category_create(actor=staff[Role.ADMIN], slug="dental", label="Dental records")
    stored_file(staff[Role.CLINICIAN], patient, title="Old dental chart", category="dental")
    page = text(web.get(f"/patients/{patient.pk}/"))
    assert "1 file" in page and "Dental records" in page  # its label, not its slug

    for n in range(11):  # the panel shows the newest 10; the counts are of all 12
        stored_file(staff[Role.CLINICIAN], patient, title=f"Letter {n}")
    page = text(web.get(f"/patients/{patient.pk}/"))
    assert "12 files" in page
    assert "Letter 10" in page and "Old dental chart" not in page
    assert "Dental records" in page  # the oldest file's category, counted and named
    assert page.count('class="nav-link py-1"') == 2  # referral (11) and dental (1)


def test_upload_page_sends_several_files_and_reports_each(web, patient):
    page = text(web.get(f"/files/patients/{patient.pk}/"))
    assert 'type="file"' in page and "multiple" in page
    assert "/static/files/upload.js" in page
    assert "<script>" not in page.replace('<script src="', "")  # no inline script
    response = web.post(
        f"/files/patients/{patient.pk}/upload/",
        {
            "files": [
                upload("a.pdf", pdf_bytes()),
                upload("b.png", png_bytes()),
                upload("evil.jpg", b"<html><script>alert(1)</script></html>"),
            ],
            "category": "referral",
        },
        follow=True,
    )
    shown = text(response)
    assert sorted(StoredFile.objects.values_list("original_name", flat=True)) == ["a.pdf", "b.png"]
    assert "evil.jpg: The file" in shown
    assert "“a” was uploaded." in shown


def test_preview_page_shows_the_preview_and_duplicates(web, staff, patient):
    first = stored_file(staff[Role.CLINICIAN], patient, name="w.png", data=png_bytes())
    second = stored_file(staff[Role.NURSE], patient, name="again.png", data=png_bytes())
    page = text(web.get(f"/files/{second.pk}/"))
    assert f'src="/files/{second.pk}/preview/"' in page
    assert f'href="/files/{first.pk}/"' in page  # "the same file was also uploaded as"
    assert f'href="/files/{second.pk}/download/?inline=1"' in page


@pytest.mark.parametrize("suffix", ["", "edit/", "delete/"])
def test_a_patients_file_pages_open_with_the_patient_header(web, staff, patient, suffix):
    """Who the file belongs to, with the allergy banner, as on every page about one patient."""
    stored = stored_file(staff[Role.CLINICIAN], patient, name="w.png", data=png_bytes())

    page = text(web.get(f"/files/{stored.pk}/{suffix}"))

    assert 'class="hp-patient-header' in page
    assert f'<span class="hp-mrn">{patient.mrn}</span>' in page


@pytest.mark.parametrize("name", ["scan.pdf", "wound.png", "xray.tiff", "IMG_0001.HEIC", "ct.dcm"])
def test_open_in_the_browser_is_offered_for_what_a_browser_shows(web, staff, patient, name):
    """HEIC and TIFF are served as downloads (browsers do not show them): no button that would
    promise otherwise."""
    data, content_type = SAMPLES[name]
    stored = stored_file(staff[Role.CLINICIAN], patient, name=name, data=data())

    page = text(web.get(f"/files/{stored.pk}/"))
    opened = web.get(f"/files/{stored.pk}/download/?inline=1")

    offered = "Open in the browser" in page
    assert offered == opened["Content-Disposition"].startswith("inline")
    assert offered == (content_type in {"application/pdf", "image/png"})


def test_rename_and_recategorise(web, staff, patient):
    stored = stored_file(staff[Role.CLINICIAN], patient)
    response = web.post(
        f"/files/{stored.pk}/edit/",
        {"title": "Discharge letter", "category": "other", "shared_with_patient": "on"},
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.title, stored.category, stored.shared_with_patient) == (
        "Discharge letter",
        "other",
        True,
    )
    change = AuditEvent.objects.get(object_id=stored.pk, action="update")
    assert change.detail == "title, category, shared_with_patient"
    refused = web.post(f"/files/{stored.pk}/edit/", {"title": "x", "category": "gossip"})
    assert refused.status_code == 200
    assert "Unknown category." in text(refused)


def test_delete_asks_first_with_a_way_back(web, staff, patient):
    stored = stored_file(staff[Role.CLINICIAN], patient, title="Cardiology referral")

    page = text(web.get(f"/files/{stored.pk}/delete/"))

    assert "Delete “Cardiology referral”?" in page
    # The breadcrumb leads back through the patient's files; Cancel to the file itself.
    assert f'href="/files/patients/{patient.pk}/"' in page
    assert page.count(f'href="/files/{stored.pk}/"') == 2
    assert StoredFile.objects.get(pk=stored.pk).deleted_at is None


def test_soft_delete_and_admin_restore(client, staff, patient):
    stored = stored_file(staff[Role.CLINICIAN], patient)
    client.force_login(staff[Role.CLINICIAN])
    assert client.post(f"/files/{stored.pk}/delete/").status_code == 302
    assert f'href="/files/{stored.pk}/"' not in text(client.get(f"/files/patients/{patient.pk}/"))
    assert client.get(f"/files/{stored.pk}/download/").status_code == 404
    assert StoredFile.objects.filter(pk=stored.pk).exists()  # soft: the row and bytes stay
    client.force_login(staff[Role.ADMIN])
    assert f'href="/files/{stored.pk}/"' in text(client.get("/files/?status=deleted"))
    assert client.post(f"/files/{stored.pk}/restore/").status_code == 302
    assert client.get(f"/files/{stored.pk}/download/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(object_id=stored.pk, action__in=["delete", "update"])
        .order_by("created_at")
        .values_list("action", "detail")
    )
    assert actions == [("delete", ""), ("update", "restored")]


def test_documents_search_by_title_patient_category_and_date(client, staff, clinic, patient):
    other = make_patient(clinic, first_name="Zed", last_name="Quinn")
    admin = staff[Role.ADMIN]
    stored_file(admin, patient, title="Echo report", category="imaging")
    stored_file(
        admin,
        other,
        title="Insurance card",
        name="c.png",
        data=png_bytes(),
        category="id_insurance",
    )
    old = stored_file(admin, other, title="Old consent", category="consent")
    StoredFile.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    services.file_upload(
        actor=admin, upload=upload(), category="consent", title="Consent template", target_type=""
    )
    client.force_login(admin)

    def titles(query):
        page = text(client.get(f"/files/?{query}"))
        return {
            t
            for t in ("Echo report", "Insurance card", "Old consent", "Consent template")
            if t in page
        }

    assert titles("") == {"Echo report", "Insurance card", "Old consent", "Consent template"}
    assert titles("q=echo") == {"Echo report"}
    assert titles("patient=quinn") == {"Insurance card", "Old consent"}
    assert titles("category=consent") == {"Old consent", "Consent template"}
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert titles(f"uploaded_from={since}") == {"Echo report", "Insurance card", "Consent template"}
    client.force_login(staff[Role.RECEPTIONIST])  # reads ID/insurance and consent only
    assert titles("") == {"Insurance card", "Old consent", "Consent template"}


def test_list_pages_audit_one_row_per_patient_shown(client, staff, clinic, patient):
    other = make_patient(clinic)
    for owner in (patient, patient, other):
        stored_file(staff[Role.ADMIN], owner)
    client.force_login(staff[Role.NURSE])
    client.get("/files/")
    rows = AuditEvent.objects.filter(actor=staff[Role.NURSE], detail="files")
    assert sorted(rows.values_list("patient_id", flat=True)) == sorted([patient.pk, other.pk])


def test_list_pages_cost_the_same_for_1_or_20_files(
    client, staff, clinic, patient, django_assert_max_num_queries
):
    client.force_login(staff[Role.CLINICIAN])
    stored_file(staff[Role.CLINICIAN], patient)

    def cost(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = ["/files/", f"/files/patients/{patient.pk}/", f"/patients/{patient.pk}/"]
    one = {url: cost(url) for url in urls}
    for number in range(19):
        stored_file(staff[Role.CLINICIAN], make_patient(clinic) if number % 2 else patient)
    for url in urls:
        with django_assert_max_num_queries(one[url]):
            client.get(url)
