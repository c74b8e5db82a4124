"""Typed errors services raise and both front doors render the same way.

A plain `django.core.exceptions.ValidationError` is bad input (400, field errors next to the
fields). The classes here are the other rule-breaks a user must see explained: the API answers
with `status` and a JSON body of `detail` plus `extra`; HTML views show `message` (and what
`extra` carries, e.g. the possible duplicates to confirm against).
"""


class ServiceError(Exception):
    """`field`: the input the refusal is about (a page shows it there), when there is one."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str = "", **extra):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.code
        self.field = field
        self.extra = extra

    def body(self, serialize=None) -> dict:
        """The JSON body: `detail` plus the extra fields (serialized by `serialize` if given)."""
        extra = serialize(self.extra) if serialize else self.extra
        return {"detail": self.message, **extra}


class Conflict(ServiceError):
    """The request clashes with what exists (a duplicate, an allergy); confirm or change it."""

    status = 409
    code = "conflict"


class Locked(ServiceError):
    """The record exists but cannot be used yet (e.g. a file still being scanned)."""

    status = 423
    code = "locked"


class TooBroad(ServiceError):
    """A filter that finds more than a list can filter by (a patient search matching thousands):
    narrow it. Refused rather than applied to some of the matches, which would hide the rest."""

    code = "too_broad"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"
