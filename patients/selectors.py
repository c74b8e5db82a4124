"""Reads of patient data, built on the one access rule (core.access) and audited.

- `patient_list`: the patients in the actor's reach, searched, filtered and sorted (unaudited:
  other apps filter by it; a page of it shown to a user goes through `patient_page`).
- `patient_page`: one page of that list, one audit 'view' row per patient shown.
- `patient_get`: one patient, 404 out of reach, then 403 if the role may not, then audited.

Staff reach their clinic's patients; a patient user reaches only their own, non-archived record,
and reads it (its summary, its access log) under `own_record.view` instead of the staff reads.
"""

import contextlib
import re

from django.core.paginator import Page
from django.db import IntegrityError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.db.models.functions import Left
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import mfa
from accounts.models import AuditEvent
from accounts.selectors import audit_events_for_patient, detail_label
from core.access import get_in_reach, in_reach, is_patient_user
from core.audit import audit, audit_patients_read
from core.dates import typed_date
from core.errors import TooBroad
from core.lists import (
    ESTIMATE_SECONDS,
    PER_PAGE,
    Walk,
    audited_by_patient,
    cached_for,
    count_up_to,
    is_first_page,
    keyset_page,
    loaded_by_id,
    page_of,
    starts_with,
)
from core.roles import can
from core.transactions import savepoint, unit
from core.words import search_key
from patients import phones
from patients.models import (
    Allergy,
    Condition,
    Medication,
    Patient,
    RecentPatient,
    phone_digits,
)

SORTS = {
    "name": ["last_name_key", "first_name_key", "id"],
    "-name": ["-last_name_key", "-first_name_key", "-id"],
    "dob": ["date_of_birth", "id"],
    "-dob": ["-date_of_birth", "-id"],
    "mrn": ["mrn"],
    "-mrn": ["-mrn"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
}
ARCHIVED = {"active": [False], "archived": [True], "all": [False, True]}
STATUSES = tuple(ARCHIVED)
CLINICAL_MODELS = {"allergies": Allergy, "conditions": Condition, "medications": Medication}
# A read of one part of the summary, as its audit row words it (translated where it is shown).
CLINICAL_READS = {
    "allergies": gettext_noop("allergies"),
    "conditions": gettext_noop("conditions"),
    "medications": gettext_noop("medications"),
}
# What staff need to read a record; a patient user reads their own under `own_record.view`.
OWN_RECORD_READS = frozenset({"patients.view", "clinical.view", "patients.access_log"})
Action = AuditEvent.Action


def _permission_for(actor, permission: str | None) -> str | None:
    """The entry of the role table that decides `permission` for this actor."""
    if permission in OWN_RECORD_READS and is_patient_user(actor):
        return "own_record.view"
    return permission


def _patients_in_reach(actor):
    return in_reach(Patient.objects.all(), actor=actor, patient="")


def _phone_filter(query: str, country: str) -> Q:
    """A phone typed in any format (`07381 283329`, `+44 7381 283329`, `7381283329`)."""
    condition = Q()
    for key in phones.search_keys(query, country):
        condition |= starts_with("phone_key", key)
    return condition


def search_filter(query: str, clinic=None) -> Q:
    """What the free-text search means: a date of birth (typed as the reader's pages write
    dates, core.dates.typed_date), an MRN, a phone (read with `clinic`'s country), an e-mail, or
    a name.

    Names match by the start of any part (first, last or preferred name), every word must match,
    case and accents ignored: "jo smi" finds "Jo Smith" and "Smith, Joanna".
    """
    query = query.strip()
    if not query:
        return Q()
    other = _not_names(query, clinic)
    if other is not None:
        return other
    return Q.create([_any_name_starts(word) for word in _name_words(query)])


def _not_names(query: str, clinic) -> Q | None:
    """A search for a date of birth, an e-mail, an MRN or a phone; None for names."""
    born = typed_date(query, clinic)
    if born:
        return Q(date_of_birth=born)
    if "@" in query:
        return starts_with("email_key", query.lower())
    digits = phone_digits(query)
    if digits and re.fullmatch(r"[0-9 ()+\-.]+", query):
        mrn_or_phone = Q(mrn=query) | starts_with("mrn", digits)
        if len(digits) >= 6:
            return mrn_or_phone | _phone_filter(query, getattr(clinic, "country_code", ""))
        return mrn_or_phone
    return None


def _name_words(query: str) -> list[str]:
    # Longest first: SQLite walks the names starting with the first word and checks the
    # others, and a longer prefix starts fewer names ("jo smi" at 1,000,000 patients, 88
    # matches among 30,429 "jo" and 4,682 "smi": 49 -> 8 ms).
    return sorted(search_key(query).replace(",", " ").split(), key=len, reverse=True)


NAME_KEYS = ("last_name_key", "first_name_key", "preferred_name_key")


def _any_name_starts(word: str) -> Q:
    return Q.create([starts_with(key, word) for key in NAME_KEYS], connector=Q.OR)


# A one-word search of one or two letters starts a good share of a clinic's names ("a": 159,156
# of 1,000,000). Read through the name indexes, every match is fetched and sorted to keep one
# page: 74 ms by name at 1,000,000 patients, 466 by date of birth. When the first and preferred
# names alone start more than DENSE_FROM names, the page walks the list's own order instead and
# checks each entry's names, stopping at the end of the page: 0.1 ms. First and preferred names
# are spread through any order, so the walk reads at most about 25 x clinic / DENSE_FROM
# entries; a surname's matches sit together in the name order ("ng" of Nguyen), so they do not
# count towards it. Counts, and the other apps' filters, keep the name indexes.
SHORT_WORD = 2
DENSE_FROM = 5_000


def _dense_word(patients, query: str, clinic) -> str | None:
    """The one short word of a name search that starts more than DENSE_FROM first or preferred
    names of `patients`; None for any other search. One bounded count from two name indexes,
    kept as long as a list's count: it decides how the page is read, not what it holds."""
    query = query.strip()
    if not query or _not_names(query, clinic) is not None:
        return None
    words = _name_words(query)
    if len(words) != 1 or len(words[0]) > SHORT_WORD:
        return None
    [word] = words
    spread = patients.filter(
        starts_with("first_name_key", word) | starts_with("preferred_name_key", word)
    )
    dense = cached_for(
        "dense",
        spread.query,
        lambda: count_up_to(spread, DENSE_FROM) > DENSE_FROM,
        ESTIMATE_SECONDS,
    )
    return word if dense else None


def _names_checked(word: str) -> Q:
    """`_any_name_starts(word)` written so no index can answer it: checked on each entry of the
    index the list walks in its order."""
    return Q.create([Exact(Left(key, len(word)), word) for key in NAME_KEYS], connector=Q.OR)


# --- patients ------------------------------------------------------------------------------------
def _list_detail(search: str) -> str:
    """A list page's audit detail: the list, and the words searched."""
    words = search.strip()
    searched = "; " + gettext_noop("search") + ": " + words if words else ""
    return gettext_noop("patient list") + searched


def patient_list(
    *, actor, search: str = "", status: str = "active", sort: str = "name", may_walk=True
):
    """The patients in the actor's reach, searched, filtered and sorted (unaudited). A search of
    one common short word walks the list's order (see DENSE_FROM) unless `may_walk=False`: a
    count, every match in no order, or a page jumped to by number (a walk to page 100 reads
    everything before it), which keep the name indexes."""
    return _listed(actor, search, status, sort, may_walk)[0]


def _listed(actor, search: str, status: str, sort: str, may_walk: bool):
    """(`patient_list`; when it walks, the same rows as the name indexes count them, else None)."""
    # `__in` rather than `=`: SQLite matches `IN (0)` to the (clinic, is_archived, ...) indexes
    # but not the `NOT is_archived` that `=False` becomes, and would sort 100k rows per page.
    # "all" is `IN (0, 1)` rather than no condition, so that a search reads the name indexes
    # (at 1,000,000 patients 116 -> 0.8 ms) instead of walking every name of the clinic.
    archived = ARCHIVED.get(status, ARCHIVED["active"])
    patients = _patients_in_reach(actor).filter(is_archived__in=archived)
    order = SORTS.get(sort, SORTS["name"])
    if not search.strip():
        return patients.order_by(*order), None
    clinic = actor.clinic if getattr(actor, "clinic_id", None) else None
    indexed = patients.filter(search_filter(search, clinic)).order_by(*order)
    word = _dense_word(patients, search, clinic) if may_walk else None
    if word is None:
        return indexed, None
    return patients.filter(_names_checked(word)).order_by(*order), indexed


# How many patients a patient search in another app's list (lab orders, the review queue,
# files, messages) may stand for: the list filters by their ids, which stay a short read.
PATIENT_FILTER_LIMIT = 1_000


def ids_matching(*, actor, search: str) -> list[str]:
    """The ids of the patients in reach (active or archived) found by `search`, for another app's
    list filtered by patient; TooBroad past PATIENT_FILTER_LIMIT. (Keeping the first 500 left a
    search for "smith" at 100,000 patients without half the Smiths' results, and said nothing.)
    In no order: a name sort of every match took 6.4 ms for "a" at 100,000 patients, 0.4 without."""
    matches = patient_list(actor=actor, search=search, status="all", may_walk=False)
    matches = matches.order_by()
    ids = list(matches.values_list("pk", flat=True)[: PATIENT_FILTER_LIMIT + 1])
    if len(ids) > PATIENT_FILTER_LIMIT:
        raise TooBroad(
            _("More than %(limit)s patients match this search. Type more of the name, or the MRN.")
            % {"limit": number_format(PATIENT_FILTER_LIMIT, force_grouping=True)}
        )
    return ids


# The users an API row names (creator, updater, the patient's own account).
PEOPLE = ("created_by", "updated_by", "user")
# What an API row reads of those users (patients/serializers.py): the names and the account's
# state. Whole users made a row 76 columns, and the ORM spends ~20 µs on each selected column.
PEOPLE_COLUMNS = ("created_by__name", "updated_by__name", "user__is_active", "user__password")
# What the HTML patient list shows of each row (templates/patients/patient_list.html).
LIST_COLUMNS = (
    "mrn",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "is_archived",
)


def patient_page(
    *,
    actor,
    number=1,
    per_page: int = PER_PAGE,
    strict: bool = False,
    search: str = "",
    status: str = "active",
    sort: str = "name",
    columns: tuple[str, ...] = (),
    after: str = "",
    before: str = "",
) -> Page:
    """One page of `patient_list`, audited as one 'view' row per patient shown. `columns`: only
    those (e.g. LIST_COLUMNS, what the HTML list shows) and no joined users; else whole rows
    with their creator's and updater's names and their app account's state (PEOPLE_COLUMNS:
    the API serialises them; joined only for the page's 25 rows, never for every match before
    the sort). `after` / `before`: the HTML list's Next / Previous cursors (core.lists.Walk): a
    deep page costs what page 1 does."""
    jumped = not is_first_page(number) and not (after or before)  # read by OFFSET
    patients, counted = _listed(actor, search, status, sort, may_walk=not jumped)
    detail = _list_detail(search)
    order = SORTS.get(sort, SORTS["name"])
    walk = None if strict else Walk(order, after, before, edges=_cursor_edges(actor))
    load = None
    if columns:
        patients = patients.only(*columns)
    else:
        load = _api_rows(patients)
        patients = patients.only("id")
    return page_of(
        patients,
        number=number,
        per_page=per_page,
        strict=strict,
        estimate_count=True,  # "of about N" past 10,000 patients (HTML), count_estimated (API)
        counted=counted,
        walk=walk,
        load=load,
        on_page=audited_by_patient(actor=actor, patient_of=lambda p: p.pk, detail=detail),
    )


def _api_rows(patients):
    """A page's `load` for the API: its rows again by id, whole, with what it shows of PEOPLE."""
    own = [field.name for field in Patient._meta.concrete_fields]
    return loaded_by_id(patients.select_related(*PEOPLE).only(*own, *PEOPLE_COLUMNS))


def _cursor_edges(actor):
    """The rows a list's cursor may name: every patient in reach, so one archived mid-walk still
    leads on to the next page."""
    return patient_list(actor=actor, status="all")


def patient_keyset_page(
    *,
    actor,
    cursor: str = "",
    per_page: int = PER_PAGE,
    search: str = "",
    status: str = "active",
    sort: str = "name",
) -> tuple[list[Patient], str | None]:
    """`patient_page` walked by cursor (the API's `?cursor=`): the rows after `cursor` and the
    next cursor, with no count and no OFFSET, so a deep page costs what the first does. Audited
    the same way, one 'view' row per patient shown."""
    patients = patient_list(actor=actor, search=search, status=status, sort=sort)
    detail = _list_detail(search)
    return keyset_page(
        patients.only("id"),
        cursor=cursor,
        edges=_cursor_edges(actor),
        per_page=per_page,
        load=_api_rows(patients),
        on_page=audited_by_patient(actor=actor, patient_of=lambda p: p.pk, detail=detail),
    )


def patient_get(
    *,
    actor,
    id: str,
    permission: str | None = "patients.view",
    audited: bool = True,
    detail: str = "",
) -> Patient:
    """One patient: 404 out of reach, then 403 unless the role grants `permission` (None: reach
    alone), then one audited 'view' (so a refused request leaves no row). Writes pass
    `audited=False`: the service audits the write itself. A patient user asking for their own
    record is granted the staff reads (OWN_RECORD_READS) by `own_record.view`."""
    patient = get_in_reach(
        Patient.objects.select_related("user"),
        actor=actor,
        id=id,
        permission=_permission_for(actor, permission),
        patient="",
    )
    if audited:
        audit(actor=actor, action=Action.VIEW, obj=patient, patient_id=patient.pk, detail=detail)
    return patient


def patient_open(*, actor, id: str) -> Patient:
    """The patient page's read: `patient_get`, and the patient joins the actor's recently
    opened list (one conditional write; a first visit inserts under the unique index). The
    audit row and that write are one unit: one commit (on SQLite one fsync) instead of two.
    The record is read before it, so the unit holds SQLite's write lock only for the writes."""
    patient = patient_get(actor=actor, id=id, audited=False)
    with unit():
        audit(actor=actor, action=Action.VIEW, obj=patient, patient_id=patient.pk)
        if not is_patient_user(actor):
            now = timezone.now()
            recent = RecentPatient.objects.filter(user_id=actor.pk, patient_id=patient.pk)
            if not recent.update(opened_at=now):
                # The same user opened it twice at once: the other request's row stands.
                with contextlib.suppress(IntegrityError), savepoint():
                    RecentPatient.objects.create(
                        user_id=actor.pk,
                        patient=patient,
                        clinic_id=patient.clinic_id,
                        opened_at=now,
                    )
    return patient


RECENT_KEPT = 8


def recent_patients(*, actor, limit: int = RECENT_KEPT) -> list[Patient]:
    """The patients the actor opened lately, newest first, still in reach (one query; a list
    of names shown is audited like any other list page)."""
    if is_patient_user(actor) or not getattr(actor, "clinic_id", None):
        return []
    rows = (
        RecentPatient.objects.filter(
            user_id=actor.pk, clinic_id=actor.clinic_id, patient__is_archived__in=[False]
        )
        .select_related("patient")
        .order_by("-opened_at")[:limit]
    )
    patients = [row.patient for row in rows]
    audit_patients_read(
        actor=actor,
        patient_ids=[p.pk for p in patients],
        detail=gettext_noop("recently opened patients"),
    )
    return patients


def header_search(*, actor, query: str, limit: int = RECENT_KEPT) -> list[Patient]:
    """The header's as-you-type results: active patients first by name, audited per patient."""
    patients = list(patient_list(actor=actor, search=query[:100])[:limit])
    audit_patients_read(
        actor=actor,
        patient_ids=[p.pk for p in patients],
        detail=gettext_noop("header search") + ": " + query[:100],
    )
    return patients


def patient_export(*, actor, id: str, detail: str) -> Patient:
    """A patient read in order to leave the system (e.g. as FHIR): audited as an export."""
    patient = patient_get(actor=actor, id=id, audited=False)
    audit(actor=actor, action=Action.EXPORT, obj=patient, patient_id=patient.pk, detail=detail)
    return patient


def possible_duplicates(*, actor, first_name: str, last_name: str, date_of_birth):
    """Patients in the actor's reach with the same name and date of birth."""
    return _patients_in_reach(actor).filter(
        first_name_key=search_key(first_name),
        last_name_key=search_key(last_name),
        date_of_birth=date_of_birth,
    )


# --- the clinical summary: allergies, conditions (problems), medications ------------------------
def _clinical_records(patient: Patient, kind: str):
    return CLINICAL_MODELS[kind].objects.filter(patient=patient, clinic_id=patient.clinic_id)


def clinical_list(*, actor, patient_id: str, kind: str):
    """One part of a patient's clinical summary, newest first; one audited read of the record."""
    patient = patient_get(
        actor=actor, id=patient_id, permission="clinical.view", detail=CLINICAL_READS[kind]
    )
    model = CLINICAL_MODELS[kind]
    records = _clinical_records(patient, kind).select_related("recorded_by")
    return records.order_by(*model._meta.ordering, "id")


def clinical_get(
    *,
    actor,
    patient_id: str,
    kind: str,
    id: str,
    permission: str = "clinical.view",
    audited: bool = False,
    detail: str = "",
):
    """One record of a patient's clinical summary (its `patient` loaded with it): 404 out of
    reach or not this patient's, then 403 unless the role grants `permission`. `audited=True`
    for a read of it (the write services audit themselves)."""
    records = CLINICAL_MODELS[kind].objects.all()
    record = get_in_reach(
        records.filter(patient_id=patient_id).select_related("patient__user", "recorded_by"),
        actor=actor,
        id=id,
        permission=_permission_for(actor, permission),
    )
    if audited:
        audit(
            actor=actor,
            action=Action.VIEW,
            obj=record,
            patient_id=record.patient_id,
            detail=detail or CLINICAL_READS[kind],
        )
    return record


def clinical_summary(*, actor, patient: Patient) -> dict:
    """The patient page's summary panel: read as part of the page's one audited view."""
    return {
        "allergies": recorded_allergies(patient),  # shared with the header's banner
        "conditions": list(_clinical_records(patient, "conditions")),
        "medications": list(_clinical_records(patient, "medications")),
    }


def recorded_allergies(patient: Patient) -> list[Allergy]:
    """All the patient's allergies, read once per page: the chart header's banner and the
    summary panel show the same rows (kept on the patient as a Django prefetch)."""
    # The prefetch names the patient itself (a second patient filter cost ~0.1 ms).
    records = Prefetch("allergies", queryset=Allergy.objects.filter(clinic_id=patient.clinic_id))
    prefetch_related_objects([patient], records)
    return list(patient.allergies.all())


def banner_allergies(patient: Patient) -> list[Allergy]:
    """The chart header's banner: the active allergies, most severe first."""
    active = [a for a in recorded_allergies(patient) if a.status == Allergy.Status.ACTIVE]
    rank = Allergy.SEVERITY_RANK
    return sorted(active, key=lambda a: (rank.get(a.severity, len(rank)), a.substance, a.pk))


# --- who read or changed the record --------------------------------------------------------------
def app_mfa_resettable(*, actor, patient: Patient) -> bool:
    """The patient's app account has a second factor this actor may remove (a lost phone);
    read only for those who may."""
    return bool(
        patient.user_id and can(actor, "patients.mfa_reset") and mfa.has_device(patient.user_id)
    )


def access_log(*, actor, patient_id: str, own: bool = False):
    """Who read or changed this record, newest first; for clinic admins and for the patient
    themself. Reading it is one audited 'view' of the record.

    The patient's own reads are left out of their log unless `own`: each opening of their app
    writes some, and a page of them hid the staff who looked."""
    patient = patient_get(
        actor=actor,
        id=patient_id,
        permission="patients.access_log",
        detail=gettext_noop("access log"),
    )
    events = audit_events_for_patient(patient_id=patient.pk)
    if is_patient_user(actor) and not own:
        events = events.exclude(actor=actor)
    return events.order_by("-created_at", "-id")


def access_log_panel(*, actor, patient: Patient) -> dict:
    """The patient page's access-log panel (the panel's permission is checked by the hub)."""
    events = list(audit_events_for_patient(patient_id=patient.pk)[:50])
    for event in events:
        event.detail_label = detail_label(event.detail, event.object_type)
    return {"events": events}
