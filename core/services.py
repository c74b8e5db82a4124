"""Helpers for writing services: the allowed-fields guard, the update of a model's fields, and
the page-by-page read of a loop that writes as it goes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def only_fields(fields: dict, allowed) -> dict:
    """`fields` unchanged if every name is allowed; otherwise a 400 naming the unknown ones."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    return fields


def model_update(instance, *, fields: dict, allowed, exclude_clean=None) -> list[str]:
    """Set the allowed `fields`, validate, save; the names that really changed are returned.

    On invalid input nothing is written and the instance is left as it was.
    """
    only_fields(fields, allowed)
    old = {name: getattr(instance, name) for name in fields}
    changed = [name for name, value in fields.items() if old[name] != value]
    for name, value in fields.items():
        setattr(instance, name, value)
    try:
        instance.full_clean(exclude=exclude_clean)
    except ValidationError:
        for name, value in old.items():
            setattr(instance, name, value)
        raise
    instance.save()
    return changed


def pages(queryset, size: int = 500):
    """`queryset` in primary-key order, `size` rows at a time, each page read whole before the
    caller gets it: a loop that writes as it reads uses this, never `.iterator()`.

    `.iterator()` keeps its read open between chunks, and on SQLite a connection with an open read
    cannot write once another connection has committed: "database is locked" at once, whatever the
    timeout — a nightly job over a busy clinic failed. Rows may be models, `values_list()` tuples
    whose first value is the primary key, or the keys themselves (`flat=True`).
    """
    queryset = queryset.order_by("pk")
    page = list(queryset[:size])
    while page:
        yield page
        if len(page) < size:
            return
        last = page[-1]
        last = last[0] if isinstance(last, tuple) else getattr(last, "pk", last)
        page = list(queryset.filter(pk__gt=last)[:size])
