"""Writes of messaging: threads, messages, assignment, urgency, reading, and the unread counts.

No step relies on a transaction (MongoDB has none here):
- a message takes the thread's next `seq` by inserting under the unique (thread, seq) index; a
  writer that lost the race reads the new last message and tries the next number;
- reading moves a ReadState forward only (a conditional write), never back;
- a thread's part of a person's unread count (`ReadState.counted`) changes by compare-and-set,
  and their UnreadCounter moves by exactly that difference (`_sync_counts`).
Notifications never carry a message's text or subject (see contributions.py).
"""

import contextlib
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.access import is_patient_user, open_record
from core.audit import CREATE, DELETE, UPDATE, audit, audit_each
from core.contributions import call_service
from core.events import emit
from core.roles import Role, require
from core.services import only_fields, pages
from core.transactions import unit
from core.words import short_search_text
from messaging import selectors
from messaging.hours import working_deadline
from messaging.models import (
    MAX_TEXT,
    Message,
    MessageAttachment,
    MessagingSettings,
    ReadState,
    SavedReply,
    Thread,
    ThreadWord,
    UnreadCounter,
)

EVENT_PATIENT_MESSAGE = "messaging.patient_message"
EVENT_TEAM_MESSAGE = "messaging.team_message"
EVENT_STAFF_REPLY = "messaging.staff_reply"
EVENT_URGENT_OVERDUE = "messaging.urgent_overdue"
SEQ_ATTEMPTS = 50
CAS_ATTEMPTS = 5
OVERDUE_BATCH = 500
THREAD_FIELDS = ("assigned_to", "urgent", "status")
MAX_ATTACHMENTS = 10
Status = Thread.Status


def _ms(moment: datetime.datetime) -> datetime.datetime:
    """To the millisecond: what MongoDB stores, so every backend orders messages alike."""
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


# --- unread counts ------------------------------------------------------------------------------
def _counter_add(user_id, amount: int) -> None:
    """Move a user's counter by `amount` in one conditional write (created when missing)."""
    if not amount:
        return
    if UnreadCounter.objects.filter(user_id=user_id).update(unread=F("unread") + amount):
        return
    try:
        with transaction.atomic():  # a savepoint: the losing insert leaves the request usable
            UnreadCounter.objects.create(user_id=user_id, unread=amount)
    except IntegrityError:  # created meanwhile by another writer
        UnreadCounter.objects.filter(user_id=user_id).update(unread=F("unread") + amount)


def _in_inbox(user, thread: Thread) -> bool:
    """The thread counts for this user: their own (patient), or open and assigned to them or
    unassigned in their clinic with a category they read (staff)."""
    if is_patient_user(user):
        return thread.patient.user_id == user.pk
    if not thread.is_open or user.clinic_id != thread.clinic_id or not user.is_active:
        return False
    if not selectors.may_read_category(user, thread.category):
        return False
    return thread.assigned_to_id in (None, user.pk)


def _read_state(thread: Thread, user_id) -> ReadState:
    state = ReadState.objects.filter(thread=thread, user_id=user_id).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return ReadState.objects.create(thread=thread, user_id=user_id)
    except IntegrityError:  # created meanwhile
        return ReadState.objects.get(thread=thread, user_id=user_id)


def _set_counted(state: ReadState, user, thread: Thread) -> None:
    """Make the thread's part of the user's count what it is now: compare-and-set `counted`,
    then move the counter by the difference (a lost race re-reads and tries again)."""
    for _attempt in range(CAS_ATTEMPTS):
        want = selectors.unread_in(user, thread, state) if _in_inbox(user, thread) else 0
        if want == state.counted:
            return
        if ReadState.objects.filter(pk=state.pk, counted=state.counted).update(counted=want):
            _counter_add(user.pk, want - state.counted)
            state.counted = want
            return
        state.refresh_from_db()
        thread.refresh_from_db(fields=["seq", "visible_seq", "status", "assigned_to"])


def _sync_counts(thread: Thread) -> None:
    """Bring every participant's count in line with the thread as it is now: its patient, the
    staff whose inbox holds it, and whoever it counted for before (a former assignee)."""
    thread.refresh_from_db(fields=["seq", "visible_seq", "status", "assigned_to"])
    states = {s.user_id: s for s in ReadState.objects.filter(thread=thread)}
    staff = User.objects.filter(clinic_id=thread.clinic_id, is_active=True).exclude(
        role__in=[Role.PATIENT, Role.LAB_TECH]
    )
    if thread.assigned_to_id:
        staff = staff.filter(pk=thread.assigned_to_id)
    users = {u.pk: u for u in staff if _in_inbox(u, thread)} if thread.is_open else {}
    before = [pk for pk, s in states.items() if s.counted and pk not in users]
    users.update({u.pk: u for u in User.objects.filter(pk__in=before)})
    if thread.patient.user_id and thread.patient.user_id not in users:
        patient_user = User.objects.filter(pk=thread.patient.user_id).first()
        if patient_user is not None:
            users[patient_user.pk] = patient_user
    for user in users.values():
        state = states.get(user.pk)
        if state is None:
            if not _in_inbox(user, thread) or not selectors.unread_in(user, thread, None):
                continue
            state = _read_state(thread, user.pk)
        _set_counted(state, user, thread)


def _mark_read(user, thread: Thread, *, seq: int, visible_seq: int) -> None:
    """Move the user's read position forward to (seq, visible_seq), never back."""
    state = _read_state(thread, user.pk)
    for _attempt in range(CAS_ATTEMPTS):
        if state.read_seq >= seq and state.read_visible >= visible_seq:
            break
        moved = ReadState.objects.filter(
            pk=state.pk, read_seq=state.read_seq, read_visible=state.read_visible
        ).update(
            read_seq=max(seq, state.read_seq), read_visible=max(visible_seq, state.read_visible)
        )
        if moved:
            state.read_seq = max(seq, state.read_seq)
            state.read_visible = max(visible_seq, state.read_visible)
            break
        state.refresh_from_db()
    _set_counted(state, user, thread)


def patient_account_linked(*, user) -> None:
    """A portal account was just given to a record: its threads start counting for it, with
    what the patient wrote themself (at the desk, before the account) already read, so the
    badge and the thread list agree from the first sign-in (set when the invitation links the
    account, whether or not its e-mail went out)."""
    for thread in Thread.objects.filter(patient__user=user):
        own = (
            Message.objects.filter(thread=thread, from_patient=True, internal__in=[False])
            .order_by("-seq")
            .values_list("visible_seq", flat=True)
            .first()
        )
        if own:
            _mark_read(user, thread, seq=0, visible_seq=own)
        else:
            _set_counted(_read_state(thread, user.pk), user, thread)


def thread_read(*, actor, thread: Thread) -> None:
    """Everything up to now is read for the actor (explicit in the API; opening the page)."""
    thread.refresh_from_db(fields=["seq", "visible_seq", "status", "assigned_to"])
    _mark_read(actor, thread, seq=thread.seq, visible_seq=thread.visible_seq)


def unread_recount(*, clinic_id=None) -> int:
    """Set every counter from the read states (nightly, or after bulk loads): repairs drift that
    a crash between two writes left. Returns how many counters changed."""
    threads = Thread.objects.select_related("patient")
    if clinic_id is not None:
        threads = threads.filter(clinic_id=clinic_id)
    for page in pages(threads.filter(status=Status.OPEN)):
        for thread in page:
            _sync_counts(thread)
    totals: dict = {}
    for user_id, counted in ReadState.objects.filter(counted__gt=0).values_list(
        "user_id", "counted"
    ):
        totals[user_id] = totals.get(user_id, 0) + counted
    fixed = 0
    for counter in UnreadCounter.objects.all():
        actual = totals.pop(counter.user_id, 0)
        if counter.unread != actual:
            UnreadCounter.objects.filter(pk=counter.pk).update(unread=actual)
            fixed += 1
    for user_id, actual in totals.items():
        _counter_add(user_id, actual)
        fixed += 1
    return fixed


# --- attachments ----------------------------------------------------------------------------------
def _stored_files():
    """The files app's StoredFile, by name: messaging sits beside files and does not import it;
    only the ids, owners and labels are read here (downloads go through the files app)."""
    from django.apps import apps

    return apps.get_model("files", "StoredFile")


def _attachments_checked(*, actor, thread_clinic_id, patient_id, file_ids, internal) -> list:
    """The files behind `file_ids`, each of this thread's patient and clinic, not deleted, and
    readable by the patient when the message is for them; anything else is a 400."""
    ids = list(dict.fromkeys(str(f) for f in file_ids or []))
    if len(ids) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [_("At most %d files.") % MAX_ATTACHMENTS]})
    if not ids:
        return []
    if any(len(pk) > 64 for pk in ids):
        raise ValidationError({"attachments": [_("Unknown file.")]})
    rows = {
        f.pk: f
        for f in _stored_files().objects.filter(
            pk__in=ids, clinic_id=thread_clinic_id, patient_id=patient_id, deleted_at__isnull=True
        )
    }
    for pk in ids:
        stored = rows.get(pk)
        if stored is None:
            raise ValidationError(
                {"attachments": [_("File %s does not exist or is not this patient's.") % pk]}
            )
        if is_patient_user(actor) and not (
            stored.uploaded_by_id == actor.pk or stored.shared_with_patient
        ):
            raise ValidationError({"attachments": [_("File %s is not yours to attach.") % pk]})
        if not is_patient_user(actor) and not internal and not stored.shared_with_patient:
            raise ValidationError(
                {
                    "attachments": [
                        _("Share file %s with the patient before sending it to them.") % pk
                    ]
                }
            )
    return [rows[pk] for pk in ids]


# --- messages -------------------------------------------------------------------------------------
def _clean_text(text, has_files: bool) -> str:
    text = (text or "").strip()
    if not text and not has_files:
        raise ValidationError({"text": [_("Write a message or attach a file.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": [_("A message has at most %(max)d characters.") % {"max": MAX_TEXT}]}
        )
    return text


def _insert_message(*, actor, thread: Thread, text: str, internal: bool) -> Message:
    """Insert the next message of the thread: seq under the unique index, time strictly after
    the previous message's (so a `since` cursor never skips or repeats one)."""
    for _attempt in range(SEQ_ATTEMPTS):
        last = Message.objects.filter(thread=thread).order_by("-seq").first()
        now = _ms(timezone.now())
        if last is not None and now <= last.created_at:
            now = last.created_at + datetime.timedelta(milliseconds=1)
        message = Message(
            thread=thread,
            clinic_id=thread.clinic_id,
            patient_id=thread.patient_id,
            seq=(last.seq if last else 0) + 1,
            visible_seq=(last.visible_seq if last else 0) + (0 if internal else 1),
            author=actor,
            from_patient=is_patient_user(actor),
            text=text,
            internal=internal,
            created_at=now,
        )
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:  # another writer took this seq: read the new last one
            continue
        return message
    raise IntegrityError("Could not number the message: too many concurrent writers.")


def _reply_due(thread: Thread, awaiting_since):
    """When the clinic's response target runs out, counted in its working hours."""
    if awaiting_since is None or not thread.urgent:
        return None
    policy = selectors.clinic_settings(thread.clinic_id)
    return working_deadline(
        awaiting_since,
        policy.response_target_minutes,
        weekdays=policy.weekdays,
        day_start=policy.day_start,
        day_end=policy.day_end,
        tz=thread.clinic.timezone,
    )


def message_post(
    *, actor, thread: Thread, text: str = "", attachments=(), internal: bool = False
) -> Message:
    """Add a message to a thread (reopening it; an internal remark leaves it as it was). Staff
    may write internal remarks; writing marks the whole thread read for the writer; the other
    side is notified (without any content)."""
    require(actor, "messaging.write")
    if internal and is_patient_user(actor):
        raise PermissionDenied(_("Only staff write internal remarks."))
    files = _attachments_checked(
        actor=actor,
        thread_clinic_id=thread.clinic_id,
        patient_id=thread.patient_id,
        file_ids=attachments,
        internal=internal,
    )
    text = _clean_text(text, bool(files))
    message = _insert_message(actor=actor, thread=thread, text=text, internal=internal)
    MessageAttachment.objects.bulk_create(
        [
            MessageAttachment(
                message=message,
                thread=thread,
                file_id=f.pk,
                title=f.title[:200],
                content_type=f.content_type,
                size=f.size,
            )
            for f in files
        ]
    )
    message.files = list(message.attachments.all()) if files else []
    # An internal remark moves neither the thread's time nor its status: the patient sees both,
    # and would learn of a remark they are never shown.
    changes = {} if internal else {"last_message_at": message.created_at, "status": Status.OPEN}
    if message.from_patient:
        awaiting = thread.awaiting_since or message.created_at
        changes.update(awaiting_since=awaiting, reply_due_at=_reply_due(thread, awaiting))
    elif not internal:
        changes.update(awaiting_since=None, reply_due_at=None)
    newer = Thread.objects.filter(pk=thread.pk, seq__lt=message.seq)
    newer.update(seq=message.seq, visible_seq=message.visible_seq, **changes)
    if not internal:
        Thread.objects.filter(pk=thread.pk).exclude(status=Status.OPEN).update(status=Status.OPEN)
    for name, value in changes.items():
        setattr(thread, name, value)
    _mark_read(actor, thread, seq=message.seq, visible_seq=message.visible_seq)
    _sync_counts(thread)
    audit(
        actor=actor,
        action=CREATE,
        obj=message,
        patient_id=thread.patient_id,
        detail=gettext_noop("internal remark") if internal else gettext_noop("message"),
    )
    if message.from_patient:
        emit(EVENT_PATIENT_MESSAGE, obj=message)
        emit(EVENT_TEAM_MESSAGE, obj=message)
    elif not internal:
        emit(EVENT_STAFF_REPLY, obj=message)
    return message


def _discard(actor, stored_files) -> None:
    """Undo uploads whose message was not written: their rows (already gone where the unit
    rolled back; where it could not, each removal is audited beside the upload's create row)
    and their bytes in the files storage."""
    if not stored_files:
        return
    left = _stored_files().objects.filter(pk__in=[f.pk for f in stored_files])
    for stored in left:
        audit(
            actor=actor,
            action=DELETE,
            obj=stored,
            patient_id=stored.patient_id or "",
            detail=gettext_noop("upload undone: the message was refused"),
        )
    left.delete()
    for key in [k for f in stored_files for k in (f.storage_key, f.thumbnail_key) if k]:
        with contextlib.suppress(OSError):
            storages["files"].delete(key)


def _with_uploads(*, actor, uploads, internal: bool, target_type: str, target_id, write):
    """Store each upload through the files app (its type, size and scanning rules), then
    `write(file_ids)`. All or nothing: when a file or the write is refused, no file row and no
    stored bytes remain."""
    uploads = [f for f in uploads or () if f]
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [_("At most %d files.") % MAX_ATTACHMENTS]})
    if not uploads:
        return write([])
    stored = []
    try:
        with unit():
            for upload in uploads:
                stored.append(
                    call_service(
                        "files.upload",
                        actor=actor,
                        upload=upload,
                        category=selectors.UPLOAD_CATEGORY,
                        shared_with_patient=not internal,
                        target_type=target_type,
                        target_id=target_id,
                    )
                )
            return write([f.pk for f in stored])
    except BaseException:
        _discard(actor, stored)
        raise


def message_post_with_uploads(
    *, actor, thread: Thread, text: str = "", uploads=(), internal: bool = False
) -> Message:
    """A reply from the HTML reply box with the files chosen there, attached to the thread."""
    require(actor, "messaging.write")
    _clean_text(text, any(uploads))
    return _with_uploads(
        actor=actor,
        uploads=uploads,
        internal=internal,
        target_type="message_thread",
        target_id=thread.pk,
        write=lambda ids: message_post(
            actor=actor, thread=thread, text=text, attachments=ids, internal=internal
        ),
    )


def thread_create_with_uploads(*, actor, patient, uploads=(), **fields) -> Thread:
    """ "Start a thread" from the patient page with files (attached to the patient's record)."""
    require(actor, "messaging.write")
    _clean_text(fields.get("text"), any(uploads))
    return _with_uploads(
        actor=actor,
        uploads=uploads,
        internal=False,
        target_type="patient",
        target_id=patient.pk,
        write=lambda ids: thread_create(actor=actor, patient=patient, attachments=ids, **fields),
    )


def _patient_for(actor, patient):
    """A patient user writes about themselves (not once their record is archived); staff name a
    patient of their clinic."""
    if is_patient_user(actor):
        own = open_record(actor)
        if own is None:
            raise Http404(_("Not found."))
        return own
    if patient is None:
        raise ValidationError({"patient": [_("Choose the patient.")]})
    return patient


def thread_create(
    *,
    actor,
    subject: str,
    category: str,
    text: str = "",
    patient=None,
    attachments=(),
    urgent: bool = False,
) -> Thread:
    """Start a thread with its first message. The thread, its subject's words and its audit row
    are one unit; the message is posted after it, as every message is, outside a transaction
    (its counters move by compare-and-set: see messaging.models). A patient's `urgent` is a
    request staff confirm; staff set it directly."""
    require(actor, "messaging.write")
    patient = _patient_for(actor, patient)
    if not is_patient_user(actor) and not selectors.may_read_category(actor, category):
        raise PermissionDenied(_("Your role does not allow threads of this category."))
    thread = Thread(
        clinic_id=patient.clinic_id,
        patient=patient,
        subject=(subject or "").strip(),
        search_text=short_search_text(subject or ""),
        category=category,
        urgent=bool(urgent) and not is_patient_user(actor),
        urgent_requested=bool(urgent) and is_patient_user(actor),
        created_by=actor,
        last_message_at=_ms(timezone.now()),
    )
    thread.full_clean(exclude=["clinic", "patient", "created_by", "assigned_to"])
    _attachments_checked(
        actor=actor,
        thread_clinic_id=patient.clinic_id,
        patient_id=patient.pk,
        file_ids=attachments,
        internal=False,
    )
    _clean_text(text, bool(attachments))
    with unit():
        thread.save(force_insert=True)
        ThreadWord.objects.bulk_create(ThreadWord.rows_for([thread]))
        audit(actor=actor, action=CREATE, obj=thread, patient_id=patient.pk, detail=thread.category)
    message_post(actor=actor, thread=thread, text=text, attachments=attachments)
    thread.refresh_from_db()
    return thread


def thread_update(*, actor, thread: Thread, **fields) -> list[str]:
    """Staff assign (None unassigns), mark or clear urgent, close or reopen a thread."""
    require(actor, "messaging.manage")
    only_fields(fields, THREAD_FIELDS)
    if "assigned_to" in fields:
        fields["assigned_to"] = _assignee(thread, fields["assigned_to"])
    if "status" in fields and fields["status"] not in Status.values:
        raise ValidationError({"status": [_("Must be one of: %s.") % ", ".join(Status.values)]})
    changed = []
    for name, value in fields.items():
        if getattr(thread, name) != value:
            setattr(thread, name, value)
            changed.append(name)
    if "urgent" in fields and not fields["urgent"] and thread.urgent_requested:
        thread.urgent_requested = False
        changed.append("urgent_requested")
    if not changed:
        return []
    write = {name: getattr(thread, name) for name in changed}
    if "urgent" in changed:
        write["reply_due_at"] = _reply_due(thread, thread.awaiting_since)
        write["urgent_requested"] = False
    Thread.objects.filter(pk=thread.pk).update(**write)
    _sync_counts(thread)
    audit(
        actor=actor,
        action=UPDATE,
        obj=thread,
        patient_id=thread.patient_id,
        detail=", ".join(sorted(set(changed) - {"urgent_requested"}) or changed),
    )
    return [name for name in changed if name in THREAD_FIELDS]


def assignments_of_departed(*, actor, user) -> int:
    """A colleague deactivated or given a role that does not read a thread's category: the
    threads assigned to them go back to the team inbox, so a patient's next message reaches
    someone (an assignee alone is told, and only their inbox holds the thread)."""
    assigned = Thread.objects.filter(assigned_to=user).only("pk", "category", "status", "patient")
    handed_on = [
        thread
        for thread in assigned
        if not user.is_active or not selectors.may_read_category(user, thread.category)
    ]
    Thread.objects.filter(pk__in=[t.pk for t in handed_on], assigned_to=user).update(
        assigned_to=None
    )
    for thread in handed_on:
        if thread.is_open:  # a closed thread counts for no one's inbox
            _sync_counts(thread)
    audit_each(
        actor=actor,
        action=UPDATE,
        objects=handed_on,
        detail=gettext_noop("assigned_to (its assignee left or changed role)"),
    )
    return len(handed_on)


def _assignee(thread: Thread, value):
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    user = User.objects.filter(pk=str(pk)[:64], clinic_id=thread.clinic_id, is_active=True).first()
    if (
        user is None
        or is_patient_user(user)
        or not selectors.may_read_category(user, thread.category)
    ):
        raise ValidationError(
            {"assigned_to": [_("Choose a staff member of this clinic who reads this thread.")]}
        )
    return user


# --- urgent threads left unanswered ---------------------------------------------------------------
def urgent_overdue_run(now=None) -> int:
    """Urgent open threads whose patient waited past the clinic's response target: the clinic's
    admins are told, once per wait (claimed by clearing `reply_due_at`)."""
    now = now or timezone.now()
    due = Thread.objects.filter(
        reply_due_at__lte=now, urgent__in=[True], status=Status.OPEN
    ).select_related("clinic")[:OVERDUE_BATCH]
    raised = 0
    for thread in due:
        claimed = Thread.objects.filter(pk=thread.pk, reply_due_at=thread.reply_due_at).update(
            reply_due_at=None
        )
        if claimed:
            emit(EVENT_URGENT_OVERDUE, obj=thread)
            raised += 1
    return raised


# --- the clinic's settings and saved replies ------------------------------------------------------
SETTINGS_FIELDS = ("response_target_minutes", "working_days", "day_start", "day_end")


def settings_update(*, actor, **fields) -> MessagingSettings:
    """The clinic's response target and working time (days as digits 0-6 or a list of them).
    Targets already running keep their due time; new waits use the new settings."""
    require(actor, "messaging.settings.edit")
    only_fields(fields, SETTINGS_FIELDS)
    if "working_days" in fields and not isinstance(fields["working_days"], str):
        fields["working_days"] = "".join(str(d) for d in sorted(set(fields["working_days"])))
    row = selectors.clinic_settings(actor.clinic_id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean(exclude=["clinic"])
    if row._state.adding:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:  # created meanwhile: update that one
            row = MessagingSettings.objects.get(clinic_id=actor.clinic_id)
            MessagingSettings.objects.filter(pk=row.pk).update(**fields)
            for name, value in fields.items():
                setattr(row, name, value)
    else:
        MessagingSettings.objects.filter(pk=row.pk).update(**fields, updated_at=timezone.now())
    audit(actor=actor, action=UPDATE, obj=row, detail=", ".join(sorted(fields)))
    return row


def saved_reply_create(*, actor, title: str, text: str) -> SavedReply:
    require(actor, "messaging.settings.edit")
    reply = SavedReply(clinic_id=actor.clinic_id, title=(title or "").strip(), text=text or "")
    reply.full_clean(exclude=["clinic"])
    try:
        with transaction.atomic():
            reply.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"title": [_("A saved reply with this title exists.")]})
    audit(actor=actor, action=CREATE, obj=reply, detail=gettext_noop("saved reply"))
    return reply


def saved_reply_delete(*, actor, reply: SavedReply) -> None:
    require(actor, "messaging.settings.edit")
    SavedReply.objects.filter(pk=reply.pk).delete()
    audit(actor=actor, action=DELETE, obj=reply, detail=gettext_noop("saved reply"))
