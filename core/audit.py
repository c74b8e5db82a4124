"""The one audit policy: every read or write of patient data appends one row.

The row model is a setting (`AUDIT_EVENT_MODEL`, "accounts.AuditEvent"), looked up the way
Django looks up the user model, so the kit writes the trail without importing an app.
IP address and user agent come from the current request (core.middleware), when there is one.

- A record read or written: `audit(actor=..., action=..., obj=..., patient_id=...)`.
- A page of a list: one "view" row per patient shown, in one write (`audit_patients_read`),
  called by the selector or paginator that produced the page, never by a view.
"""

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from core.middleware import request_meta

VIEW, CREATE, UPDATE, DELETE, EXPORT = "view", "create", "update", "delete", "export"
REFUSED = "refused"
REFUSED_STATUSES = (403, 404)


def audit_model():
    return apps.get_model(settings.AUDIT_EVENT_MODEL, require_ready=False)


def _row(*, actor, action, obj, patient_id, clinic, detail, meta):
    user = actor if getattr(actor, "is_authenticated", False) else None
    clinic_id = getattr(clinic, "pk", clinic)
    if clinic_id is None and obj is not None:
        clinic_id = getattr(obj, "clinic_id", None)
    if clinic_id is None and user is not None:
        clinic_id = user.clinic_id
    return audit_model()(
        actor=user,
        actor_label=user.email if user else "",
        actor_role=user.role if user else "",
        clinic_id=clinic_id,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=str(patient_id or ""),
        ip_address=meta.get("ip_address"),
        user_agent=_storable(meta.get("user_agent", "")),
        detail=_storable((detail or "")[:300]),
    )


def _storable(text: str) -> str:
    """Text every backend stores: PostgreSQL refuses NUL in text, and a request for a path
    with `%00` in it is refused (and audited) like any other."""
    return text.replace("\x00", "\ufffd")


def audit(*, actor, action: str, obj=None, patient_id="", clinic=None, detail: str = ""):
    """Append one audit row and return it."""
    row = _row(
        actor=actor,
        action=action,
        obj=obj,
        patient_id=patient_id,
        clinic=clinic,
        detail=detail,
        meta=request_meta.get() or {},
    )
    row.save(force_insert=True)
    return row


def audit_patients_read(*, actor, patient_ids, detail: str = "") -> None:
    """One 'view' row per distinct patient shown on a page of a list, in a single write."""
    patient_ids = list(dict.fromkeys(str(pk) for pk in patient_ids if pk))
    if patient_ids:
        row = _row(
            actor=actor,
            action=VIEW,
            obj=None,
            patient_id="",
            clinic=None,
            detail=detail,
            meta=request_meta.get() or {},
        )
        _insert(row, varying={"patient_id": patient_ids})


def audit_each(*, actor, action: str, objects, detail: str = "") -> None:
    """One row per record of one kind and clinic (`objects`, each with its `patient_id`), in a
    single write: a service that changes many records at once (a colleague's threads handed on)
    audits each without an insert apiece."""
    objects = list(objects)
    if objects:
        row = _row(
            actor=actor,
            action=action,
            obj=objects[0],
            patient_id="",
            clinic=None,
            detail=detail,
            meta=request_meta.get() or {},
        )
        _insert(
            row,
            varying={
                "object_id": [str(obj.pk) for obj in objects],
                "patient_id": [str(getattr(obj, "patient_id", "") or "") for obj in objects],
            },
        )


def _insert(row, *, varying: dict[str, list]) -> None:
    """Append audit rows in one write: one per position of the `varying` columns' lists, each
    with a new id and the rest of `row`. On SQLite one executemany of plain tuples, the shared
    values prepared once: bulk_create compiles each value into its SQL (a list page's 25 rows:
    3.0 ms against 1.1 ms; at the millions of rows of a seeding, most of its time), and a model
    instance a row cost ~120 Python calls more (a list page's 25: 7 % of its calls). Elsewhere
    bulk_create."""
    model = audit_model()
    fields, pk = model._meta.concrete_fields, model._meta.pk
    count = len(next(iter(varying.values())))
    varying = {pk.attname: [pk.get_default() for _ in range(count)], **varying}
    if connection.vendor != "sqlite":
        shared = {field.attname: getattr(row, field.attname) for field in fields}
        rows = [
            model(**{**shared, **{name: values[n] for name, values in varying.items()}})
            for n in range(count)
        ]
        model.objects.bulk_create(rows, batch_size=1000)
        return
    shared = [field for field in fields if field.attname not in varying]
    prepared = tuple(  # the same for every row: computed once (pre_save stamps created_at)
        field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in shared
    )
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column for field in fields}
    columns = [column_of[name] for name in varying] + [field.column for field in shared]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model, quoted)
        quote(model._meta.db_table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    values = [(*own, *prepared) for own in zip(*varying.values(), strict=True)]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:  # one commit
        cursor.executemany(sql, values)


def audit_created_in_bulk(*, object_type: str, rows, detail: str) -> int:
    """One "create" row, with no actor, per record written in bulk outside any service (demo
    and benchmark seeding): `rows` are (object id, clinic id, patient id). Each record then has
    its create row like a service write, and `reconcile` tells seeded data from a crash."""
    rows = list(rows)
    if rows:
        object_ids, clinic_ids, patient_ids = zip(*rows, strict=True)
        _insert(
            audit_model()(action=CREATE, object_type=object_type, detail=detail[:300]),
            varying={
                "clinic_id": list(clinic_ids),
                "object_id": [str(object_id) for object_id in object_ids],
                "patient_id": [str(patient_id or "") for patient_id in patient_ids],
            },
        )
    return len(rows)


def audit_refused(*, actor, obj=None, patient_id="", detail: str = ""):
    """A request the actor was refused (a record in reach the role may not act on): audited
    as refused, never as a view, and only once per request (see RefusedAuditMiddleware). Its
    detail says what was tried (method and path) unless the caller says more."""
    meta = request_meta.get()
    if meta is not None:
        detail = detail or f"403 {meta.get('request', '')}".strip()
    row = audit(actor=actor, action=REFUSED, obj=obj, patient_id=patient_id, detail=detail)
    if meta is not None:
        meta["refused_row"] = row
    return row


class RefusedAuditMiddleware:
    """Every 403/404 answered to a signed-in user is one 'refused' row (method, path, status);
    the query string is left out, since searches carry names. Runs inside
    core.middleware.RequestContextMiddleware, so a selector that already audited the refusal
    with its record (`audit_refused`) is not counted twice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code in REFUSED_STATUSES and getattr(user, "is_authenticated", False):
            row = (request_meta.get() or {}).get("refused_row")
            if row is None:
                detail = f"{response.status_code} {request.method} {request.path}"
                audit(actor=user, action=REFUSED, detail=detail)
            elif not type(row).objects.filter(pk=row.pk).exists():
                # Written inside a service's unit and rolled back with it by the refusal: the
                # row was never stored, so it is added again (as new: audit rows are append-only).
                row._state.adding = True
                row.save(force_insert=True)
        return response
