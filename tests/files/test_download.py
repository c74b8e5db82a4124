"""Downloading: streamed with headers that keep a hostile file inert, ranges for PDFs and
images, and one audit row with the patient's id per download."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from tests.files.factories import pdf_bytes, png_bytes, stored_file

pytestmark = pytest.mark.django_db


def downloads(stored) -> int:
    return AuditEvent.objects.filter(
        object_id=stored.pk, detail="download", patient_id=stored.patient_id
    ).count()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def pdf(staff, patient):
    return stored_file(staff[Role.CLINICIAN], patient, name="Letter from Dr Ünal.pdf")


@pytest.mark.parametrize("front_door", ["/api/v1/files/{}/download", "/files/{}/download/"])
def test_headers_and_bytes(client, api_as, staff, pdf, front_door):
    client.force_login(staff[Role.NURSE])
    caller = client if front_door.startswith("/files") else api_as(staff[Role.NURSE])
    response = caller.get(front_door.format(pdf.pk))
    assert response.status_code == 200
    assert response.streaming  # never read whole into memory
    assert body(response) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(pdf_bytes()))
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Letter%20from%20Dr%20%C3%9Cnal.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Accept-Ranges"] == "bytes"


def test_inline_only_for_images_and_pdfs(api_as, staff, patient, pdf):
    client = api_as(staff[Role.CLINICIAN])
    text = stored_file(
        staff[Role.CLINICIAN], patient, name="notes.txt", data=b"plain words\n", category="other"
    )
    assert client.get(f"/api/v1/files/{pdf.pk}/download?inline=1")["Content-Disposition"] == (
        "inline; filename*=utf-8''Letter%20from%20Dr%20%C3%9Cnal.pdf"
    )
    response = client.get(f"/api/v1/files/{text.pk}/download?inline=1")
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_ranges_for_pdfs_and_images(api_as, staff, patient, pdf):
    client = api_as(staff[Role.CLINICIAN])
    data = pdf_bytes()
    url = f"/api/v1/files/{pdf.pk}/download"
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert body(part) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert part["Content-Length"] == "10"
    tail = client.get(url, HTTP_RANGE="bytes=-5")
    assert (tail.status_code, body(tail)) == (206, data[-5:])
    rest = client.get(url, HTTP_RANGE=f"bytes={len(data) - 3}-")
    assert (rest.status_code, body(rest)) == (206, data[-3:])
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(data)}"
    # Several ranges, or a stale If-Range: the whole file (RFC 9110 allows it).
    assert client.get(url, HTTP_RANGE="bytes=0-1,5-6").status_code == 200
    assert client.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"stale"').status_code == 200
    text = stored_file(
        staff[Role.CLINICIAN], patient, name="a.csv", data=b"a,b\n1,2\n", category="other"
    )
    whole = client.get(f"/api/v1/files/{text.pk}/download", HTTP_RANGE="bytes=0-1")
    assert (whole.status_code, body(whole)) == (200, b"a,b\n1,2\n")
    image = stored_file(
        staff[Role.CLINICIAN], patient, name="w.png", data=png_bytes(), category="photo"
    )
    assert (
        client.get(f"/api/v1/files/{image.pk}/download", HTTP_RANGE="bytes=0-7").status_code == 206
    )


def test_each_download_is_audited_once_with_the_patient(api_as, staff, pdf):
    client = api_as(staff[Role.CLINICIAN])
    url = f"/api/v1/files/{pdf.pk}/download"
    body(client.get(url))
    assert downloads(pdf) == 1
    body(client.get(url))
    assert downloads(pdf) == 2
    # A viewer fetching ranges of the file it has just downloaded: still one download each.
    for start in (0, 100, 200):
        body(client.get(url, HTTP_RANGE=f"bytes={start}-{start + 99}"))
    assert downloads(pdf) == 2
    # Someone else's range request is their own download.
    body(api_as(staff[Role.NURSE]).get(url, HTTP_RANGE="bytes=0-9"))
    assert downloads(pdf) == 3


def test_metadata_read_is_audited_and_a_refused_download_is_not(api_as, staff, pdf):
    api_as(staff[Role.CLINICIAN]).get(f"/api/v1/files/{pdf.pk}/")
    assert AuditEvent.objects.filter(object_id=pdf.pk, action="view", detail="").count() == 1
    refused = api_as(staff[Role.RECEPTIONIST]).get(f"/api/v1/files/{pdf.pk}/download")
    assert refused.status_code == 403
    assert downloads(pdf) == 0
