"""The virus-scan hook: a scanner flags the EICAR test string; pending scans are 423, found
malware 409 and quarantined (listed for admins, an event for notifications); clamd is spoken
to over its INSTREAM protocol."""

import socket
import struct
import threading

import pytest

from core import events
from core.roles import Role
from files import services
from files.models import StoredFile
from files.scanning import EICAR, ClamdScanner, ScannerUnavailable
from tests.files.factories import png_bytes, stored_file

pytestmark = pytest.mark.django_db
Scan = StoredFile.Scan


@pytest.fixture
def eicar_scanner(settings):
    settings.FILE_SCANNER = "files.scanning.EicarScanner"


@pytest.fixture
def heard():
    """The events emitted during the test."""
    seen = []
    events.listen("tests.files", lambda key, **payload: seen.append((key, payload)))
    yield seen
    events.handlers._items.pop("tests.files", None)


def test_infected_file_is_quarantined_and_reported(
    eicar_scanner, heard, client, api_as, staff, patient
):
    infected = stored_file(
        staff[Role.NURSE], patient, name="note.txt", data=b"hello " + EICAR, category="other"
    )
    clean = stored_file(staff[Role.NURSE], patient, name="w.png", data=png_bytes())
    assert (infected.scan_status, infected.scan_detail) == (Scan.INFECTED, "Eicar-Test-Signature")
    assert clean.scan_status == Scan.CLEAN and clean.thumbnail_key
    api = api_as(staff[Role.CLINICIAN])
    refused = api.get(f"/api/v1/files/{infected.pk}/download")
    assert refused.status_code == 409
    assert "quarantined" in refused.json()["detail"]
    assert api.get(f"/api/v1/files/{clean.pk}/download").status_code == 200
    client.force_login(staff[Role.CLINICIAN])
    assert client.get(f"/files/{infected.pk}/download/").status_code == 409
    assert ("files.quarantined", {"obj": infected}) in heard
    client.force_login(staff[Role.ADMIN])
    assert "Quarantined files" in client.get("/").content.decode()
    listed = client.get("/files/?status=quarantined").content.decode()
    assert f'href="/files/{infected.pk}/"' in listed
    assert f'href="/files/{clean.pk}/"' not in listed


class Unreachable:
    def scan(self, chunks):
        raise ScannerUnavailable("clamd is down")


def test_a_pending_scan_is_423_until_a_later_scan(settings, api_as, staff, patient):
    settings.FILE_SCANNER = f"{__name__}.Unreachable"
    stored = stored_file(staff[Role.CLINICIAN], patient)
    assert stored.scan_status == Scan.PENDING
    api = api_as(staff[Role.CLINICIAN])
    response = api.get(f"/api/v1/files/{stored.pk}/download")
    assert response.status_code == 423
    assert "being checked" in response.json()["detail"]
    settings.FILE_SCANNER = "files.scanning.EicarScanner"
    assert services.file_scan(file_id=stored.pk) == Scan.CLEAN
    assert api.get(f"/api/v1/files/{stored.pk}/download").status_code == 200


# --- clamd ---------------------------------------------------------------------------------------
class FakeClamd:
    """clamd's INSTREAM protocol on a unix socket, answering FOUND for the EICAR string."""

    def __init__(self, path):
        self.path = str(path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                stream = conn.makefile("rb")
                assert stream.read(10) == b"zINSTREAM\0"
                data = b""
                while size := struct.unpack("!L", stream.read(4))[0]:
                    data += stream.read(size)
                found = (
                    b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
                )
                conn.sendall(found)

    def close(self):
        self.server.close()


def test_clamd_over_its_socket(settings, tmp_path):
    clamd = FakeClamd(tmp_path / "clamd.sock")
    try:
        scanner = ClamdScanner(clamd.path)
        assert scanner.scan([b"clean ", b"bytes"]).infected is False
        found = scanner.scan([b"x" * 10, EICAR[:20], EICAR[20:]])
        assert (found.infected, found.detail) == (True, "Eicar-Test-Signature")
    finally:
        clamd.close()
    with pytest.raises(ScannerUnavailable):
        ClamdScanner(str(tmp_path / "missing.sock")).scan([b"x"])


def test_uploads_are_scanned_by_clamd(settings, tmp_path, staff, patient):
    clamd = FakeClamd(tmp_path / "clamd.sock")
    settings.CLAMAV_SOCKET = clamd.path
    settings.FILE_SCANNER = "clamd"
    try:
        stored = stored_file(
            staff[Role.CLINICIAN], patient, name="e.txt", data=EICAR, category="other"
        )
    finally:
        clamd.close()
    assert stored.scan_status == Scan.INFECTED
