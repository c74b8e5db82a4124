from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Max, Sum
from django.template.defaultfilters import yesno
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from accounts.models import AuditEvent, User
from core.access import get_in_reach, in_reach
from core.audit import audit_patients_read
from core.contributions import call_service, record_pages
from core.lists import PER_PAGE, keyset_page
from core.roles import STAFF_ROLES, Role, can, require


def audit_events_for_patient(*, patient_id: str):
    """Who touched a patient's record, newest first (callers check who may see it)."""
    return AuditEvent.objects.filter(patient_id=patient_id).select_related("actor")


def lockouts_list(*, actor) -> list[dict]:
    """The actor's clinic's staff who are locked out now (from at least one address):
    `{"user", "failures", "last_attempt_at", "sources"}`, newest lockout first."""
    require(actor, "staff.view")
    staff = {
        user.email: user
        for user in in_reach(User.objects.filter(role__in=STAFF_ROLES), actor=actor, patient=None)
    }
    if not staff:
        return []
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=list(staff), attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    locked: dict[str, dict] = {}
    for row in rows:
        if row["failures"] < settings.AXES_FAILURE_LIMIT:
            continue
        entry = locked.setdefault(
            row["username"],
            {
                "user": staff[row["username"]],
                "failures": 0,
                "last_attempt_at": row["last"],
                "sources": 0,
            },
        )
        entry["failures"] += row["failures"]
        entry["sources"] += 1
        entry["last_attempt_at"] = max(entry["last_attempt_at"], row["last"])
    return sorted(locked.values(), key=lambda e: e["last_attempt_at"], reverse=True)


def lockout_user(*, actor, id: str) -> User:
    """A staff member of the actor's clinic whose lockouts the actor may clear (404, then 403)."""
    return get_in_reach(
        User.objects.filter(role__in=STAFF_ROLES),
        actor=actor,
        id=id,
        permission="staff.manage",
        patient=None,
    )


# --- the clinic's audit trail (/accounts/audit/) -------------------------------------------------
# Newest first, walked by cursor on `audit_clinic_time` (clinic, -created_at), or the index
# that begins with a filter (an action, a staff member, a patient): no count and no OFFSET, so
# the millionth row costs what the first does. The id breaks ties of one write.
AUDIT_ORDER = ["-created_at", "-id"]
# What the page shows of each row (templates/accounts/audit_trail.html).
AUDIT_COLUMNS = (
    "created_at",
    "action",
    "actor_label",
    "actor_role",
    "actor__name",
    "object_type",
    "object_id",
    "patient_id",
    "detail",
)
PATIENT_MODEL = "patients.Patient"


def audit_trail_staff(*, actor) -> list[User]:
    """The clinic's staff, former ones included (the trail names them), for the "who" filter."""
    require(actor, "audit.view")
    staff = User.objects.filter(role__in=STAFF_ROLES).only("name", "email", "is_active")
    return list(in_reach(staff, actor=actor, patient=None).order_by("name", "email"))


def audit_trail_list(
    *,
    actor,
    action: str = "",
    actor_id: str = "",
    patient_search: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
):
    """The rows of the actor's clinic (never another's, never the platform's rows of no clinic),
    filtered; unaudited and unordered (pages go through `audit_trail_page`). `patient_search` is
    the patients app's patient filter: TooBroad past its limit, none for another clinic's.
    `since` <= time < `until`."""
    require(actor, "audit.view")
    events = in_reach(AuditEvent.objects.all(), actor=actor, patient=None)
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if patient_search.strip():
        ids = call_service("patients.ids_matching", actor=actor, search=patient_search)
        events = events.filter(patient_id__in=ids)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events


@dataclass
class AuditTrailPage:
    """One page of the trail: its rows and the cursors of the older and newer pages (None at
    either end)."""

    object_list: list
    older: str | None = None
    newer: str | None = None


def audit_trail_page(
    *, actor, after: str = "", before: str = "", per_page: int = PER_PAGE, **filters
) -> AuditTrailPage:
    """The page of `audit_trail_list` older than the row `after` names, or newer than `before`'s
    (the newest page for neither, or for a cursor that names no row of the clinic). Each patient
    shown is audited as read (the list policy)."""
    events = audit_trail_list(actor=actor, **filters)
    edges = in_reach(AuditEvent.objects.all(), actor=actor, patient=None)  # any row of the clinic
    newer_first = not before
    order = AUDIT_ORDER if newer_first else [field.lstrip("-") for field in AUDIT_ORDER]
    cursor = after or before
    try:
        rows, next_cursor = keyset_page(
            events.select_related("actor").only(*AUDIT_COLUMNS),
            order=order,
            cursor=cursor,
            per_page=per_page,
            edges=edges,
        )
    except ValidationError:  # a stale or made-up cursor: the newest page
        return audit_trail_page(actor=actor, per_page=per_page, **filters)
    if newer_first:
        page = AuditTrailPage(
            rows,
            older=next_cursor,
            newer=(cursor_of(rows[0]) if rows else after) if after else None,
        )
    elif next_cursor is None:  # back at the newest rows: the first page
        return audit_trail_page(actor=actor, per_page=per_page, **filters)
    else:
        rows.reverse()
        page = AuditTrailPage(
            rows, older=cursor_of(rows[-1]) if rows else before, newer=next_cursor
        )
    _describe(actor, page.object_list)
    return page


def cursor_of(event) -> str:
    return str(event.pk)


def _describe(actor, rows) -> None:
    """What each row shows beyond its columns: the type in words, the patient's name and the
    links the admin may follow (two reads for the page: a patient or colleague is linked if in
    reach, another app's record if it declared its page, a RecordPage); the patients shown are
    audited."""
    patient_ids = {row.patient_id for row in rows if row.patient_id}
    patient_ids |= {row.object_id for row in rows if row.object_type == PATIENT_MODEL}
    patients = {}
    if patient_ids:
        found = call_service("patients.patient_list", actor=actor, status="all").order_by()
        found = found.filter(pk__in=patient_ids).only("first_name", "last_name", "mrn")
        patients = {patient.pk: patient for patient in found}
        audit_patients_read(
            actor=actor, patient_ids=list(patients), detail=gettext_noop("audit trail")
        )
    users = {row.object_id for row in rows if row.object_type == User._meta.label}
    staff = {}
    if users and can(actor, "staff.view"):
        colleagues = User.objects.filter(pk__in=users, role__in=STAFF_ROLES)
        named = in_reach(colleagues, actor=actor, patient=None).values_list("pk", "name", "email")
        staff = {pk: name or email for pk, name, email in named}
    for row in rows:
        row.role_label = _role_label(row.actor_role)
        row.object_label = _type_label(row.object_type)
        row.detail_label = detail_label(row.detail, row.object_type)
        row.patient = patients.get(row.patient_id)
        row.patient_url = reverse("patients:detail", args=[row.patient_id]) if row.patient else ""
        row.object_url = ""
        page = record_pages.get(row.object_type) if row.object_id else None
        if row.object_type == PATIENT_MODEL and row.object_id in patients:
            row.object_url = reverse("patients:detail", args=[row.object_id])
        elif row.object_type == User._meta.label and row.object_id in staff:
            row.object_url = reverse("clinics:staff_detail", args=[row.object_id])
            row.object_label = staff[row.object_id]  # whose account: a failed login's target
        elif page is not None:
            row.object_url = _record_url(page, row.object_id)


def _record_url(page, object_id: str) -> str:
    try:
        return reverse(page.url_name, args=[object_id])
    except NoReverseMatch:  # an id no URL takes (written by an older version): no link
        return ""


def _role_label(role: str) -> str:
    """The role the row recorded, in words (a role since retired: as recorded)."""
    return Role(role).label if role in Role.values else role


def _model_of(label: str):
    """The model a row's record type names ("labs.LabResult"), None for none or an unknown one."""
    try:
        return apps.get_model(label) if label else None
    except (LookupError, ValueError):
        return None


def _type_label(label: str) -> str:
    """A model label ("labs.LabResult") in words ("Lab result"); an unknown one as written."""
    model = _model_of(label)
    return model._meta.verbose_name if model is not None else label


# The words a service writes before a list of field names ("profile: email, phone"); after
# any other ("archived: ", "search: ") comes what a user typed, shown as typed even where it
# is a field's name (a reason "email" is not the E-mail field).
FIELDS_LISTED_AFTER = {"", "profile", "appointment", "admin"}


def detail_label(detail: str, object_type: str) -> str:
    """The detail in the reader's language: services write the record's field names
    ("date_of_birth, first_name", "is_active=False, role=lab_tech", alone or after one of
    FIELDS_LISTED_AFTER, in parts joined by "; "), shown by the field's label and a value by its
    choice's ("Role: Lab technician"). Only at display: the stored row is hash-chained. A part
    that is not all field names of the row's record, and any row of an unknown type, is its
    writer's words, stored in English (marked with gettext_noop) and translated here."""
    model = _model_of(object_type)
    if model is None:
        return "; ".join(_writers_words(part) for part in detail.split("; "))
    fields = {field.name: field for field in model._meta.fields}
    parts, typed = [], False
    for part in detail.split("; "):
        prefix, colon, listed = part.rpartition(": ")
        # After typed text every part may be more of it ("moved; email" as a reason).
        if typed or prefix not in FIELDS_LISTED_AFTER:
            parts.append(_writers_words(part))
            typed = typed or bool(colon)
            continue
        labels = []
        for item in listed.split(", "):
            name, equals, value = item.partition("=")
            field = fields.get(name)
            if field is None:
                parts.append(_writers_words(part))
                break
            choices = {str(key): label for key, label in field.flatchoices}
            if isinstance(field, BooleanField):
                choices = {str(flag): yesno(flag) for flag in (True, False)}
            value = capfirst(choices[value]) if value in choices else value
            label = str(capfirst(field.verbose_name))
            labels.append(f"{label}: {value}" if equals else label)
        else:
            parts.append((gettext(prefix) if prefix else "") + colon + ", ".join(labels))
    return "; ".join(parts)


def _writers_words(part: str) -> str:
    """A service's words, marked with gettext_noop. Words followed by what a user typed
    ("header search: smi", "archived: moved abroad") translate their words alone."""
    translated = gettext(part)
    words, colon, typed = part.partition(": ")
    if translated != part or not colon:
        return translated
    return gettext(words) + colon + typed
