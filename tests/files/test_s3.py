"""The same files on S3-compatible object storage (django-storages' S3Storage), against moto's
S3 server on loopback: upload, streamed and ranged download, previews, and a write killed half
way (a multipart upload aborted: no object, no row)."""

import io

import pytest
from django.core.files import File

from core.roles import Role
from files.models import StoredFile
from tests.conftest import free_port
from tests.files.factories import pdf_bytes, stored_file

boto3 = pytest.importorskip("boto3", reason="boto3 (django-storages[s3]) is not installed")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
from storages.backends.s3 import S3Storage  # noqa: E402

pytestmark = pytest.mark.django_db
BUCKET = "hp-files-test"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )


@pytest.fixture
def bucket(settings, s3_endpoint):
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "files": s3_settings(s3_endpoint)}
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def s3_settings(endpoint, backend="storages.backends.s3.S3Storage"):
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": endpoint,
            "access_key": "test",
            "secret_key": "test",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "file_overwrite": True,
        },
    }


def keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_upload_download_and_ranges_on_s3(bucket, api_as, staff, patient):
    stored = stored_file(staff[Role.CLINICIAN], patient, data=pdf_bytes())
    assert sorted(keys(bucket)) == sorted([stored.storage_key, stored.thumbnail_key])
    stored_bytes = bucket.get_object(Bucket=BUCKET, Key=stored.storage_key)["Body"].read()
    assert stored_bytes == pdf_bytes()
    api = api_as(staff[Role.CLINICIAN])
    whole = api.get(f"/api/v1/files/{stored.pk}/download")
    assert b"".join(whole.streaming_content) == pdf_bytes()
    part = api.get(f"/api/v1/files/{stored.pk}/download", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == pdf_bytes()[100:200]
    assert api.get(f"/api/v1/files/{stored.pk}/preview").status_code == 200


class FailAfter(io.RawIOBase):
    def __init__(self, source, limit):
        self.source, self.left = source, limit

    def readable(self):
        return True

    def readinto(self, target):
        if self.left <= 0:
            raise OSError("connection reset while uploading")
        data = self.source.read(min(len(target), self.left))
        target[: len(data)] = data
        self.left -= len(data)
        return len(data)


class DiesHalfwayS3(S3Storage):
    """Sends the first 9 MB (one 8 MB part of a multipart upload), then loses the client."""

    def _save(self, name, content):
        return super()._save(name, File(FailAfter(content, 9 * MB), name=name))


def test_a_write_killed_half_way_leaves_nothing_on_s3(
    settings, bucket, s3_endpoint, staff, patient
):
    settings.STORAGES = {
        **settings.STORAGES,
        "files": s3_settings(s3_endpoint, backend=f"{__name__}.DiesHalfwayS3"),
    }
    with pytest.raises(OSError, match="connection reset"):
        stored_file(staff[Role.CLINICIAN], patient, name="big.csv", data=b"1,2\n" * (3 * MB))
    assert not StoredFile.objects.exists()
    assert keys(bucket) == []
    assert bucket.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
