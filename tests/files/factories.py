"""Files test data: real bytes of every allowed type, uploaded through the real service."""

import functools
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from files import services
from files.scanning import EICAR
from tests.patients.factories import PatientFactory

EICAR_TEXT = EICAR  # the EICAR test string: harmless, flagged by every virus scanner


def image_bytes(fmt: str = "PNG", size=(40, 20), colour="red", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


def png_bytes() -> bytes:
    return image_bytes("PNG")


def jpeg_bytes(**save) -> bytes:
    return image_bytes("JPEG", **save)


@functools.cache
def pdf_bytes() -> bytes:
    """A real one-page PDF (Pillow writes the page as an image; made once: it is dated)."""
    return image_bytes("PDF", size=(200, 280), colour="white")


def dicom_bytes() -> bytes:
    """A DICOM Part 10 header: 128-byte preamble, "DICM", one group-2 element."""
    return b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00\x1a\x00\x00\x00" + b"\x00" * 64


@functools.cache
def heic_bytes() -> bytes:
    """A real HEIC photo, as phones take them (pillow-heif encodes it)."""
    import files.previews  # noqa: F401  (registers pillow-heif with Pillow)

    return image_bytes("HEIF", size=(64, 32), colour="green")


SAMPLES = {
    "scan.pdf": (pdf_bytes, "application/pdf"),
    "wound.png": (png_bytes, "image/png"),
    "rash.jpg": (jpeg_bytes, "image/jpeg"),
    "photo.webp": (lambda: image_bytes("WEBP"), "image/webp"),
    "xray.tiff": (lambda: image_bytes("TIFF"), "image/tiff"),
    "IMG_0001.HEIC": (heic_bytes, "image/heic"),
    "ct.dcm": (dicom_bytes, "application/dicom"),
    "IM000001": (dicom_bytes, "application/dicom"),
    "notes.txt": (lambda: "BP < 140/90 — café\n".encode(), "text/plain"),
    "glucose.csv": (lambda: b"date,value\n2024-01-01,5.4\n", "text/csv"),
}


def upload(name: str = "letter.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data)


def stored_file(actor, patient, *, name="letter.pdf", data=None, category="referral", **fields):
    """A file uploaded by `actor` to `patient`'s record through the upload service."""
    return services.file_upload(
        actor=actor,
        upload=upload(name, data),
        category=category,
        target_type="patient",
        target_id=patient.pk,
        **fields,
    )


def make_patient(clinic, **fields):
    return PatientFactory(clinic=clinic, **fields)


def flashed(response) -> list[str]:
    """The messages a page flashed (the upload's one per file)."""
    return [str(m) for m in response.wsgi_request._messages]
