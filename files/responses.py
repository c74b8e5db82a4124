"""The one way file bytes leave the server (HTML views and API alike).

Streamed from storage (never read whole), with headers that keep a hostile file inert:
`Content-Disposition: attachment` (inline only for images and PDFs asked for inline, and for
previews), `X-Content-Type-Options: nosniff`, `Cache-Control: private, no-store` and
`Content-Security-Policy: sandbox`, so an HTML or SVG payload never runs in our origin.
Single byte ranges are served for PDFs and images (206, or 416 when unsatisfiable).
"""

import re

from django.http import FileResponse, HttpResponse

from files import storage
from files.types import INLINE_TYPES, RANGE_TYPES

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
TEXT_CHARSET = "; charset=utf-8"


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a single `bytes=` range; None to send the whole file (no
    header, several ranges, or a header we do not understand, as RFC 9110 allows)."""
    match = RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable
    return start, end


def secure_headers(response) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"


def served_type(content_type: str) -> str:
    return content_type + TEXT_CHARSET if content_type.startswith("text/") else content_type


def file_response(request, stored, *, inline: bool = False):
    """The file's bytes: 200 whole, 206 for a satisfiable range, 416 otherwise."""
    size = stored.size
    as_inline = inline and stored.content_type in INLINE_TYPES
    start, end = 0, size - 1
    status = 200
    if stored.content_type in RANGE_TYPES:
        etag = f'"{stored.sha256}"'
        if_range = request.headers.get("If-Range")
        try:
            wanted = (
                None
                if if_range and if_range != etag
                else parse_range(request.headers.get("Range", ""), size)
            )
        except Unsatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            secure_headers(response)
            return response
        if wanted is not None:
            start, end = wanted
            status = 206
    reader = storage.open_reader(stored.storage_key, start, end if status == 206 else None)
    response = FileResponse(
        reader,
        status=status,
        as_attachment=not as_inline,
        filename=stored.original_name,
        content_type=served_type(stored.content_type),
    )
    response.block_size = storage.CHUNK  # FileResponse's 4 kB default costs a syscall each
    response["Content-Length"] = str(end - start + 1)
    if stored.content_type in RANGE_TYPES:
        response["Accept-Ranges"] = "bytes"
        response["ETag"] = f'"{stored.sha256}"'
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    secure_headers(response)
    return response


def preview_response(stored):
    """The file's preview JPEG (made by files.previews), inline."""
    data = storage.read_all(stored.thumbnail_key)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    secure_headers(response)
    return response
