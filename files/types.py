"""What a file is, decided by its bytes: the allow-list, the name's extension, text checks.

Binary types are recognised by their magic numbers with `filetype` (pure Python, no system
libmagic; it knows every binary type of the allow-list, HEIC's `mif1` brand and DICOM's
preamble included). Text has no magic number, so plain text and CSV are our own check: valid
UTF-8, no NUL byte, and nothing a browser would run (HTML, SVG, XML, script tags). The name's
extension must agree with what the bytes are, and a binary file whose first bytes look like
markup (a PNG/HTML polyglot) is refused too.
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

import filetype
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEAD_BYTES = 8192  # what the type is judged by (filetype reads this much)

# content type -> (label, extensions the name may have; "" = no extension)
ALLOWED = {
    "application/pdf": (gettext_lazy("PDF"), ("pdf",)),
    "image/png": (gettext_lazy("PNG image"), ("png",)),
    "image/jpeg": (gettext_lazy("JPEG image"), ("jpg", "jpeg", "jpe", "jfif")),
    "image/webp": (gettext_lazy("WebP image"), ("webp",)),
    "image/heic": (gettext_lazy("HEIC photo"), ("heic", "heif")),
    "image/tiff": (gettext_lazy("TIFF image"), ("tif", "tiff")),
    # Scanners and PACS exports often write DICOM files with no extension at all.
    "application/dicom": (gettext_lazy("DICOM image"), ("dcm", "dicom", "")),
    "text/plain": (gettext_lazy("plain text"), ("txt", "text")),
    "text/csv": (gettext_lazy("CSV"), ("csv",)),
}
TEXT_TYPES = ("text/plain", "text/csv")
# What filetype may call the allowed types.
ALIASES = {"image/heif": "image/heic", "image/x-tiff": "image/tiff"}
# Served inline on request (a browser displays them itself); everything else is an attachment.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/webp"})
# Ranges are served for these (PDF viewers and media elements ask for parts).
RANGE_TYPES = frozenset({"application/pdf", *(t for t in ALLOWED if t.startswith("image/"))})

# Markup a browser would render or run, anywhere in a text file.
# (A tag name right after "<", as HTML parsers read it: "BP < 140" or "x<y" are plain text.)
MARKUP = re.compile(
    rb"<(?:script|html|head|body|svg|iframe|frame|object|embed|meta|link|style|form|math|xml"
    rb"|!doctype|\?xml)\b",
    re.IGNORECASE,
)
# In a binary file's head only what makes a page on its own: image and PDF metadata (XMP) is
# XML and must pass.
HEAD_MARKUP = re.compile(
    rb"<(?:script|html|body|svg|iframe|object|embed|!doctype\s+html)\b", re.IGNORECASE
)
MARKUP_OVERLAP = 32


class Refused(Exception):
    """The bytes are not an allowed type, or do not match the name; `message` says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def allowed_description() -> str:
    """ "PDF (.pdf), PNG image (.png), ...": what a refusal tells the user they may send."""
    parts = []
    for label, extensions in ALLOWED.values():
        shown = ", ".join(f".{e}" for e in extensions if e)
        parts.append(f"{label} ({shown})")
    return ", ".join(parts)


def not_allowed(reason: str) -> Refused:
    return Refused(
        _("%(reason)s Allowed types: %(allowed)s.")
        % {"reason": reason, "allowed": allowed_description()}
    )


def extension_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.lstrip(".") else ""


UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def sanitise_name(name: str, *, max_length: int = 200) -> str:
    """A display name safe in headers, paths and pages: no directories, control characters or
    reserved characters, no leading dots, at most `max_length` characters (extension kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = UNSAFE_NAME_CHARS.sub("_", name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: max_length - len(extension) - 1] + "." + extension
        else:
            name = name[:max_length]
    return name or "file"


def binary_type(head: bytes) -> str | None:
    """The type filetype recognises in the first bytes, mapped to our names (None: unknown)."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    return ALIASES.get(kind.mime, kind.mime)


def type_for_head(head: bytes, name: str) -> str:
    """The allowed content type of a file starting with `head` and named `name`, or Refused.

    Text types are provisional: the whole file must pass `TextCheck` as it streams.
    """
    extension = extension_of(name)
    detected = binary_type(head)
    if detected is not None:
        if detected not in ALLOWED:
            raise not_allowed(_kind_refused(extension))
        if extension not in ALLOWED[detected][1] and not extension:
            raise not_allowed(
                _("The file's name needs an extension that matches its contents (%(type)s).")
                % {"type": ALLOWED[detected][0]}
            )
        if extension not in ALLOWED[detected][1]:
            raise not_allowed(
                _("The file's name (.%(extension)s) does not match its contents (%(type)s).")
                % {"extension": extension, "type": ALLOWED[detected][0]}
            )
        if HEAD_MARKUP.search(head):
            raise not_allowed(_("The file contains web page markup as well as its own format."))
        return detected
    text_type = next((t for t in TEXT_TYPES if extension in ALLOWED[t][1]), None)
    if text_type is None:
        if extension and any(extension in exts for _label, exts in ALLOWED.values()):
            raise not_allowed(
                _("The file's name (.%(extension)s) does not match its contents.")
                % {"extension": extension}
            )
        raise not_allowed(_kind_refused(extension))
    return text_type


def _kind_refused(extension: str) -> str:
    """Named by what the person sees, its extension, not by a MIME type."""
    if extension:
        return _("This kind of file (.%(extension)s) is not accepted.") % {"extension": extension}
    return _("This kind of file is not accepted.")


@dataclass
class TextCheck:
    """Checks text as it streams: UTF-8 throughout, no NUL byte, nothing a browser would run."""

    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="strict")
    )
    tail: bytes = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if b"\x00" in chunk:
            raise not_allowed(_("The file is not plain text (it contains binary data)."))
        try:
            self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            raise not_allowed(_("The text is not valid UTF-8."))
        window = self.tail + chunk
        if MARKUP.search(window):
            raise not_allowed(_("The text contains web page markup or script."))
        self.tail = window[-MARKUP_OVERLAP:]
