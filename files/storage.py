"""The bytes of stored files: written as a stream, read back whole or by range.

Everything goes through the "files" entry of STORAGES (filesystem or S3-compatible, see
settings). Reads from S3 use the object's own streaming body (with an HTTP Range when asked),
because django-storages' S3File downloads the whole object into memory before the first read.
"""

import contextlib
import io
import secrets

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages

CHUNK = 64 * 1024


def file_storage():
    return storages["files"]


def new_key(clinic_id: str, kind: str = "f") -> str:
    """A random key: nothing of the user's file name, unguessable, one folder per clinic."""
    return f"{clinic_id}/{kind}-{secrets.token_hex(16)}"


class ChunkReader(io.RawIOBase):
    """A read-only, non-seekable file over an iterator of byte chunks (errors pass through)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


class LimitedReader(io.RawIOBase):
    """At most `length` bytes of an open file (a byte range), closing it when closed."""

    def __init__(self, raw, length: int | None):
        self._raw = raw
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        size = len(target) if self._left is None else min(len(target), self._left)
        if size <= 0:
            return 0
        data = self._raw.read(size)
        target[: len(data)] = data
        if self._left is not None:
            self._left -= len(data)
        return len(data)

    def close(self):
        try:
            self._raw.close()
        finally:
            super().close()


def save_stream(key: str, chunks) -> str:
    """Write the chunks under `key` as they come; an exception raised by the iterator (a
    refused type, a size limit) or by the storage stops the write and propagates."""
    return file_storage().save(key, File(ChunkReader(chunks), name=key))


def save_bytes(key: str, data: bytes) -> str:
    return file_storage().save(key, ContentFile(data, name=key))


def _s3_object(storage, key: str):
    try:
        from storages.backends.s3 import S3Storage
        from storages.utils import clean_name
    except ImportError:  # django-storages not installed: filesystem only
        return None
    if not isinstance(storage, S3Storage):
        return None
    return storage.bucket.Object(storage._normalize_name(clean_name(key)))


def open_reader(key: str, start: int = 0, end: int | None = None):
    """A streaming reader of bytes `start`..`end` (inclusive; None: to the end) of `key`."""
    storage = file_storage()
    s3_object = _s3_object(storage, key)
    length = None if end is None else end - start + 1
    if s3_object is not None:
        ranged = start > 0 or end is not None
        params = {"Range": f"bytes={start}-{'' if end is None else end}"} if ranged else {}
        return LimitedReader(s3_object.get(**params)["Body"], length)
    handle = storage.open(key, "rb")
    if start == 0 and length is None and hasattr(handle, "file"):
        # The whole local file: a real file object, which WSGI servers send with sendfile().
        return handle.file
    if start:
        handle.seek(start)
    return LimitedReader(handle, length)


def iter_chunks(key: str, chunk_size: int = CHUNK):
    """Every byte of `key`, in chunks (for scanning and hashing checks)."""
    with open_reader(key) as reader:
        while chunk := reader.read(chunk_size):
            yield chunk


def read_all(key: str) -> bytes:
    """The whole object, for previews of files already known to be small enough."""
    with open_reader(key) as reader:
        return reader.read()


def delete_quietly(key: str) -> None:
    """Remove the bytes if they are there; a key never written is not an error."""
    if not key:
        return
    storage = file_storage()
    with contextlib.suppress(FileNotFoundError):
        storage.delete(key)


def exists(key: str) -> bool:
    return file_storage().exists(key)
