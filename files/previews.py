"""Thumbnails of images and first-page previews of PDFs: small JPEGs with no metadata.

Images go through Pillow with their EXIF orientation applied, then are copied pixel by pixel
into a fresh image, so nothing of the original's metadata (EXIF, GPS, ICC, comments) reaches
the thumbnail. PDFs are rendered by pypdfium2 (PDFium in a registry wheel). HEIC photos need
pillow-heif, when installed. Anything that cannot be rendered gets no preview.
"""

import io
import logging

from PIL import Image, ImageOps, UnidentifiedImageError

from files import storage

logger = logging.getLogger(__name__)

SIZE = (480, 480)
PREVIEW_MAX_BYTES = 40 * 1024 * 1024  # larger files are not read into memory for a preview
PILLOW_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/tiff", "image/heic"})

try:  # HEIC/HEIF decoding, when pillow-heif is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - optional
    pass


def _thumbnail(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)
    image.thumbnail(SIZE)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def _pdf_first_page(data: bytes) -> Image.Image | None:
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - optional
        return None
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        width, height = page.get_size()
        scale = min(SIZE[0] / max(width, 1), SIZE[1] / max(height, 1), 2.0)
        return page.render(scale=scale).to_pil()
    finally:
        pdf.close()


def render(stored) -> bytes | None:
    """The preview JPEG of a stored file, or None."""
    if stored.size > PREVIEW_MAX_BYTES:
        return None
    if stored.content_type not in PILLOW_TYPES and stored.content_type != "application/pdf":
        return None
    try:
        data = storage.read_all(stored.storage_key)
        if stored.content_type == "application/pdf":
            image = _pdf_first_page(data)
            return _thumbnail(image) if image is not None else None
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return _thumbnail(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        logger.info("No preview for file %s", stored.pk)
        return None
    except Exception as exc:  # PDFium's errors, broken files of every kind
        logger.info("No preview for file %s: %s", stored.pk, exc)
        return None
