"""Helpers for writing services: the allowed-fields guard and the update of a model's fields."""

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
