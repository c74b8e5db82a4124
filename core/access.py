"""The one access rule for records: reach decides 404, then the role table decides 403.

- Reach: staff see the rows of their own clinic; a patient user sees the rows about their own
  patient record while it is not archived; anyone else sees nothing. A record outside reach is
  a 404, the same answer as for an id that does not exist, so its existence is never revealed.
- Role: a record in reach that the role may not act on is a 403 (`core.roles.require`).

Every app's `<thing>_get` / `<thing>_list` selectors are built on `in_reach` and `get_in_reach`,
so a view makes one call to load a record it may act on.
"""

from django.core.exceptions import PermissionDenied
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.http import Http404
from django.utils.translation import gettext as _

from core.audit import audit_refused
from core.roles import Role, require

MAX_ID_LENGTH = 64


def is_patient_user(actor) -> bool:
    return getattr(actor, "role", None) == Role.PATIENT


def open_record(actor):
    """A patient user's own patient record while it is open to them (not archived); None for
    anyone else, a patient user with none, or one whose record is archived."""
    if not is_patient_user(actor) or not getattr(actor, "is_authenticated", False):
        return None
    record = getattr(actor, "patient_record", None)
    return record if record is not None and not record.is_archived else None


def in_reach(queryset, *, actor, patient: str | None = "patient"):
    """The rows of `queryset` the actor may reach at all.

    `patient` is the lookup from a row to its Patient ("patient" for most models, "" for the
    Patient model itself, None for rows patients never see, such as a clinic's catalogue).
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return queryset.none()
    if is_patient_user(actor):
        if patient is None:
            return queryset.none()
        # An archived record is closed to its patient, in every app (`__in`: see the patient
        # list's filter).
        of = f"{patient}__" if patient else ""
        return queryset.filter(**{f"{of}user_id": actor.pk, f"{of}is_archived__in": [False]})
    if actor.clinic_id is None:  # platform superusers belong to no clinic
        return queryset.none()
    return queryset.filter(clinic_id=actor.clinic_id)


def get_or_404(queryset, id):
    """The row with this opaque id, or 404 for unknown, malformed or filtered-out ids.

    `get`, not `filter(pk=id).first()`: a read by key needs no order, and `first` orders by the
    model's default, which makes Django hash every selected column (a patient with its user:
    3,741 → 2,762 Python calls, on every record page)."""
    if not isinstance(id, str) or not id or len(id) > MAX_ID_LENGTH:
        raise Http404(_("Not found."))
    try:
        return queryset.get(pk=id)
    except queryset.model.DoesNotExist:
        raise Http404(_("Not found.")) from None


def get_in_reach(queryset, *, actor, id, permission: str | None, patient: str | None = "patient"):
    """One record the actor may act on: 404 outside reach, then 403 if the role may not.

    Give it the model's rows with the app's own rules, not rows already `in_reach`: it applies
    the reach itself, and a second one costs a quarter of a record read."""
    obj = get_or_404(in_reach(queryset, actor=actor, patient=patient), id)
    _share_clinic(obj, actor)
    if permission is not None:
        try:
            require(actor, permission)
        except PermissionDenied:
            audit_refused(actor=actor, obj=obj, patient_id=_patient_id(obj, patient))
            raise
    return obj


def _share_clinic(obj, actor) -> None:
    """A record's clinic is the actor's when the ids match, and the middleware has already loaded
    the actor's: pages that read `record.clinic` (its timezone, its name) are spared a query."""
    if (
        isinstance(getattr(type(obj), "clinic", None), ForwardManyToOneDescriptor)
        and obj.clinic_id == actor.clinic_id
        and actor.__class__.clinic.is_cached(actor)  # request.user is a lazy proxy
    ):
        obj.clinic = actor.clinic


def _patient_id(obj, patient: str | None) -> str:
    if patient == "":
        return str(obj.pk)
    return str(getattr(obj, "patient_id", "") or "") if patient is not None else ""
