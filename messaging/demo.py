"""Demo threads for `manage.py seed_demo --message-threads N --messages-per-thread M`.

The demo clinic is topped up to N threads (never duplicated), each with M messages alternating
between the patient and the team, over the last two years: most closed, the newest few open,
some assigned to the demo clinician, a few urgent, now and then an internal remark. Inserted in
bulk batches with the numbering the service gives (seq, visible_seq, strictly later times),
each thread with the "create" audit row its service would write (what `manage.py reconcile`
checks); then the unread counters are set from the read states (services.unread_recount).
"""

import datetime
import random
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import CREATE, audit_model
from core.models import new_id
from core.roles import Role
from core.words import indexed_words, short_search_text
from messaging import services
from messaging.models import (
    Category,
    Message,
    SavedReply,
    Thread,
    ThreadWord,
)
from patients.models import Patient

DEFAULT_THREADS = 20
DEFAULT_MESSAGES = 4
BATCH = 2000
SEED = "health-passport-demo-messages"
OPEN_SHARE = 0.02  # of the threads, the newest ones are open

SUBJECTS = {
    Category.CLINICAL: ["Rash getting worse", "Cough not improving", "Side effects?", "Dizziness"],
    Category.REFILL: ["Refill request", "Repeat prescription", "Inhaler running out"],
    Category.APPOINTMENT: ["Change my appointment", "Can I come earlier?", "Running late"],
    Category.BILLING: ["Question about my invoice", "Insurance form"],
    Category.OTHER: ["Sick note", "Address change"],
}
PATIENT_LINES = [
    "Hello, my symptoms are the same as last week.",
    "Could you please have a look when you have a moment?",
    "Thank you, that helps.",
    "Is there anything I should do before then?",
]
STAFF_LINES = [
    "Thank you for your message. We will look into it today.",
    "Please book a review appointment this week.",
    "Your prescription is ready to collect at the pharmacy.",
    "Noted — let us know if anything changes.",
]
SAVED_REPLIES = {
    "Received": "Thank you for your message. The team will answer within one working day.",
    "Book a visit": "This needs a visit: please book an appointment in the app or call us.",
    "Refill ready": "Your repeat prescription has been sent to your pharmacy.",
}


def _insert(model, rows: list[dict]) -> None:
    """Insert rows given as {attname: value} (their times kept). SQLite: one executemany of
    plain tuples, a fraction of bulk_create's cost at millions of rows; other backends (MongoDB:
    one insert_many per batch): bulk_create."""
    if not rows:
        return
    if connection.vendor != "sqlite":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    ops = connection.ops
    fields = model._meta.concrete_fields
    stamp = ops.adapt_datetimefield_value(timezone.now())
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    columns = []
    for f in fields:
        is_time = f.get_internal_type() == "DateTimeField"
        if f.attname in ("created_at", "updated_at"):
            default = stamp
        else:  # the field's default ("" for text, False ...), when it is not a function
            default = None if f.has_default() and callable(f.default) else f.get_default()
        columns.append((f.attname, is_time, default))
    adapt = ops.adapt_datetimefield_value
    values = [
        tuple(
            (adapt(row[name]) if is_time and row[name] is not None else row[name])
            if name in row
            else default
            for name, is_time, default in columns
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def audit_row(*, actor, clinic_id, at, obj, patient_id, detail) -> dict:
    """The "create" audit row a service writes for a thread or message, as a row to insert."""
    model, pk = obj
    return {
        "id": new_id(),
        "created_at": at,
        "actor_id": actor.pk if actor else None,
        "actor_label": actor.email if actor else "",
        "actor_role": actor.role if actor else "",
        "clinic_id": clinic_id,
        "action": CREATE,
        "object_type": model._meta.label,
        "object_id": pk,
        "patient_id": patient_id,
        "detail": detail,
    }


def add_arguments(parser):
    parser.add_argument(
        "--message-threads",
        type=int,
        default=DEFAULT_THREADS,
        metavar="N",
        help="Top the demo clinic up to N message threads.",
    )
    parser.add_argument(
        "--messages-per-thread",
        type=int,
        default=DEFAULT_MESSAGES,
        metavar="M",
        help="Messages in each new demo thread.",
    )


def seed(*, clinic, users, options, stdout):
    target = options.get("message_threads")
    per_thread = options.get("messages_per_thread") or DEFAULT_MESSAGES
    seed_threads(
        clinic=clinic,
        users=users,
        threads=DEFAULT_THREADS if target is None else target,
        per_thread=per_thread,
        stdout=stdout,
    )


def seed_threads(*, clinic, users, threads: int, per_thread: int, stdout=None) -> int:
    for title, text in SAVED_REPLIES.items():
        SavedReply.objects.get_or_create(clinic=clinic, title=title, defaults={"text": text})
    staff = users.get(Role.CLINICIAN) or users.get(Role.NURSE)
    missing = threads - Thread.objects.filter(clinic=clinic).count()
    patient_ids = list(
        Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True)
    )
    if missing <= 0 or staff is None or not patient_ids:
        return 0
    started = time.monotonic()
    rng = random.Random(f"{SEED}-{clinic.pk}-{missing}")  # noqa: S311 (demo data, not secrets)
    now = timezone.now().replace(microsecond=0)
    span = datetime.timedelta(days=730)
    open_from = int(missing * (1 - OPEN_SHARE))
    categories = list(SUBJECTS)
    made = 0
    while made < missing:
        count = min(BATCH, missing - made)
        thread_rows, word_rows, message_rows, audit_rows = [], [], [], []
        for i in range(made, made + count):
            start = now - span + span * (i / missing)
            is_open = i >= open_from
            category = rng.choice(categories)
            thread_id, patient_id = new_id(), patient_ids[i % len(patient_ids)]
            visible = 0
            at = start
            for seq in range(1, per_thread + 1):
                from_patient = seq % 2 == 1
                internal = not from_patient and rng.random() < 0.1
                visible += 0 if internal else 1
                at = at + datetime.timedelta(minutes=rng.randint(5, 600))
                message_id = new_id()
                message_rows.append(
                    {
                        "id": message_id,
                        "thread_id": thread_id,
                        "clinic_id": clinic.pk,
                        "patient_id": patient_id,
                        "seq": seq,
                        "visible_seq": visible,
                        "author_id": None if from_patient else staff.pk,
                        "from_patient": from_patient,
                        "text": rng.choice(PATIENT_LINES if from_patient else STAFF_LINES),
                        "internal": internal,
                        "created_at": at,
                    }
                )
                audit_rows.append(
                    audit_row(
                        actor=None if from_patient else staff,
                        clinic_id=clinic.pk,
                        at=at,
                        obj=(Message, message_id),
                        patient_id=patient_id,
                        detail=gettext_noop("internal remark")
                        if internal
                        else gettext_noop("message"),
                    )
                )
            thread_rows.append(
                {
                    "id": thread_id,
                    "clinic_id": clinic.pk,
                    "patient_id": patient_id,
                    "subject": (subject := rng.choice(SUBJECTS[category])),
                    "search_text": (search_text := short_search_text(subject)),
                    "category": category,
                    "status": Thread.Status.OPEN if is_open else Thread.Status.CLOSED,
                    "assigned_to_id": staff.pk if is_open and rng.random() < 0.5 else None,
                    "urgent": is_open and rng.random() < 0.1,
                    "urgent_requested": False,
                    "created_by_id": staff.pk,
                    "created_at": start,
                    "last_message_at": at,
                    "seq": per_thread,
                    "visible_seq": visible,
                }
            )
            word_rows += [
                {"id": new_id(), "clinic_id": clinic.pk, "thread_id": thread_id, "word": word}
                for word in sorted(indexed_words(search_text))
            ]
            # The thread's "create" audit row, like its messages' above: what reconcile checks.
            audit_rows.append(
                audit_row(
                    actor=staff,
                    clinic_id=clinic.pk,
                    at=start,
                    obj=(Thread, thread_id),
                    patient_id=patient_id,
                    detail=category,
                )
            )
        # One transaction a batch: in autocommit every row would be its own commit (and fsync).
        with transaction.atomic():
            _insert(Thread, thread_rows)
            _insert(ThreadWord, word_rows)
            _insert(Message, message_rows)
            _insert(audit_model(), audit_rows)
        made += count
        if stdout is not None and made % (BATCH * 10) == 0:
            stdout.write(
                f"  messages: {made}/{missing} threads ({time.monotonic() - started:.0f}s)"
            )
    services.unread_recount(clinic_id=clinic.pk)
    if stdout is not None:
        stdout.write(
            f"Seeded {made} message threads ({made * per_thread} messages) "
            f"in {time.monotonic() - started:.0f}s."
        )
    return made
