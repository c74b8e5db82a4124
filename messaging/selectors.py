"""Reads of threads and messages, built on the one access rule (core.access) and audited.

Reach: staff reach their clinic's threads, a patient user their own. In reach, the role table
decides (lab technicians: 403), and receptionists read only the appointment and billing threads
(`messaging.all_categories`): lists leave the others out, opening one directly is a 403.
Patients never receive an internal remark, from any list, page or sync.

- `thread_list` / `thread_page`: the threads in reach, filtered, urgent first then the latest
  message; a page writes one 'view' row per patient shown.
- `thread_get`: one thread, 404 then 403, then one audited 'view'.
- `messages_of`: a thread's messages in order (optionally only those after a time or a seq).
- `unread_count`: the caller's unread messages, one primary-key read.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.access import get_in_reach, in_reach, is_patient_user
from core.audit import VIEW, audit
from core.contributions import call_service
from core.lists import PER_PAGE, audited_by_patient, page_of
from core.roles import Role, can
from core.words import word_matching, words_of
from messaging.models import (
    FRONT_DESK_CATEGORIES,
    INBOX_ORDER,
    Message,
    MessageAttachment,
    MessagingSettings,
    ReadState,
    SavedReply,
    Thread,
    ThreadWord,
    UnreadCounter,
)
from patients.selectors import ids_matching

Status = Thread.Status
TABS = ("mine", "team", "open", "closed")
ASSIGNED = ("me", "none", "any")
PANEL_SIZE = 10


def may_read_category(user, category: str) -> bool:
    """Patients (their own threads) and the clinical roles read every category; the front desk
    reads appointment and billing threads."""
    return (
        is_patient_user(user)
        or can(user, "messaging.all_categories")
        or (can(user, "messaging.view") and category in FRONT_DESK_CATEGORIES)
    )


UPLOAD_CATEGORY = "other"  # the files app's category for files sent with a message


def may_attach(user) -> bool:
    """Whether the user may send files with a message: the files app's rule for their category
    (the front desk may not, so its forms offer none). No files app, no attachments."""
    try:
        return call_service("files.may_use_category", actor=user, category=UPLOAD_CATEGORY)
    except LookupError:
        return False


def threads_in_reach(actor):
    threads = in_reach(Thread.objects.all(), actor=actor)
    if not is_patient_user(actor) and not can(actor, "messaging.all_categories"):
        threads = threads.filter(category__in=list(FRONT_DESK_CATEGORIES))
    return threads


def _bool(value):
    return None if value is None else bool(value)


def thread_list(
    *,
    actor,
    tab: str = "",
    status: str = "",
    assigned: str = "any",
    patient: str = "",
    urgent=None,
    unread=None,
    category: str = "",
    search: str = "",
):
    """The threads in the actor's reach, filtered, urgent first then latest (unaudited)."""
    threads = threads_in_reach(actor)
    if tab == "mine":
        status, assigned = Status.OPEN, "me"
    elif tab == "team":
        status, assigned = Status.OPEN, "none"
    elif tab == "open":
        status = Status.OPEN
    elif tab == "closed":
        status = Status.CLOSED
    if status:
        threads = threads.filter(status=status)
    if assigned == "me":
        threads = threads.filter(assigned_to_id=actor.pk)
    elif assigned == "none":
        threads = threads.filter(assigned_to__isnull=True)
    if patient:
        threads = threads.filter(patient_id=patient[:64])
    if _bool(urgent) is not None:
        threads = threads.filter(urgent__in=[bool(urgent)])
    if category:
        threads = threads.filter(category=category)
    if _bool(unread) is not None:
        ids = ReadState.objects.filter(user=actor, counted__gt=0).values_list("thread_id")
        ids = [pk for (pk,) in ids]
        threads = threads.filter(pk__in=ids) if unread else threads.exclude(pk__in=ids)
    text = search.strip()[:100]
    if words_of(text):  # "?" or "—" alone is no search (as the notes' search)
        own = is_patient_user(actor)
        # One patient's few threads are checked on their subjects; across the clinic the
        # rarest word's threads are read from the index (core.words).
        matching = word_matching(
            ThreadWord, actor.clinic_id, text, by_index=not (patient or own)
        ).condition
        if not own:
            matching |= Q(patient_id__in=ids_matching(actor=actor, search=text))
        threads = threads.filter(matching)
    return threads.order_by(*INBOX_ORDER)


def with_unread(actor, threads: list) -> list:
    """Set `unread` (the actor's unread messages) on each thread: one query for the page."""
    states = {
        rs.thread_id: rs
        for rs in ReadState.objects.filter(user=actor, thread_id__in=[t.pk for t in threads])
    }
    for thread in threads:
        thread.unread = unread_in(actor, thread, states.get(thread.pk))
    return threads


UNREAD_TABS_READ = 100  # a tab's count is read up to this: past it the tab says "99+"


def unread_tabs(*, actor, patient: str = "") -> dict[str, int]:
    """How many open threads with something unread each tab holds for a staff member, so the
    badge's messages can be found (it covers the team inbox too; the inbox opens on "Assigned
    to me"). Only open threads of their inbox count for them (read states, their index):
    "All open" is those, "Assigned to me" those of the threads assigned to them, the team
    inbox the rest. "All open" stops at UNREAD_TABS_READ (`more`: the team inbox's count is
    then at least what it says). `patient`: only that patient's threads, as the list shows."""
    counting = ReadState.objects.filter(user=actor, counted__gt=0).order_by()
    if patient:
        return _patient_unread_tabs(actor, counting, patient)
    every = len(counting.values_list("pk", flat=True)[:UNREAD_TABS_READ])
    if not every:
        return {"mine": 0, "team": 0, "open": 0, "more": False}
    assigned = Thread.objects.filter(
        clinic_id=actor.clinic_id, status=Status.OPEN, assigned_to=actor
    ).order_by()
    mine_ids = list(assigned.values_list("pk", flat=True)[:UNREAD_TABS_READ])
    mine = counting.filter(thread_id__in=mine_ids).count() if mine_ids else 0
    more = every >= UNREAD_TABS_READ
    return {"mine": mine, "team": max(every - mine, 0), "open": every, "more": more}


def _patient_unread_tabs(actor, counting, patient: str) -> dict[str, int]:
    """The tabs' counts within one patient's open threads (their latest UNREAD_TABS_READ): two
    reads, their threads by the patient index and which of them the actor has unread; whose
    they are comes with the threads."""
    open_threads = Thread.objects.filter(
        clinic_id=actor.clinic_id, status=Status.OPEN, patient_id=patient[:64]
    ).order_by("-last_message_at")
    assignee = dict(open_threads.values_list("pk", "assigned_to_id")[:UNREAD_TABS_READ])
    unread = list(counting.filter(thread_id__in=list(assignee)).values_list("thread_id", flat=True))
    mine = sum(1 for pk in unread if assignee[pk] == actor.pk)
    every = len(unread)
    more = every >= UNREAD_TABS_READ
    return {"mine": mine, "team": every - mine, "open": every, "more": more}


def unread_in(user, thread, state) -> int:
    """The user's unread messages in this thread: how far they read, subtracted from the end.
    A closed thread has none for staff (it left every inbox; a new message reopens it)."""
    if is_patient_user(user):
        return max(thread.visible_seq - (state.read_visible if state else 0), 0)
    if not thread.is_open:
        return 0
    return max(thread.seq - (state.read_seq if state else 0), 0)


def thread_page(*, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, **filters):
    """One page of threads (each with `unread`), one audited 'view' row per patient shown."""
    threads = thread_list(actor=actor, **filters).select_related("patient", "assigned_to")
    across_clinic = not filters.get("patient")
    page = page_of(
        threads,
        number=number,
        per_page=per_page,
        strict=strict,
        # The closed tab of a big clinic holds 200,000 threads: counted "about" past 10,000, as
        # every list that can hold a whole clinic (an exact count took 67 ms a page); one
        # patient's are counted.
        estimate_count=across_clinic,
        by_id=across_clinic,
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("messages")),
    )
    with_unread(actor, page.object_list)
    return page


def thread_get(
    *,
    actor,
    id: str,
    permission: str | None = "messaging.view",
    audited: bool = True,
    detail: str = "",
) -> Thread:
    """One thread: 404 out of reach, 403 for a role (or a category) the actor may not read,
    then one audited 'view' (writes pass `audited=False`: the service audits the write)."""
    thread = get_in_reach(
        Thread.objects.select_related("patient", "assigned_to", "clinic"),
        actor=actor,
        id=id,
        permission=permission,
    )
    if not may_read_category(actor, thread.category):
        raise PermissionDenied(_("Your role does not allow threads of this category."))
    if audited:
        audit(actor=actor, action=VIEW, obj=thread, patient_id=thread.patient_id, detail=detail)
    return thread


def thread_get_for_attachment(*, actor, id: str) -> Thread:
    """The files app's access call for "attach to a thread" (an AttachmentTarget)."""
    return thread_get(actor=actor, id=id, permission="messaging.write", audited=False)


def messages_of(*, actor, thread: Thread, since=None, after_seq: int | None = None) -> list:
    """The thread's messages in order, with `files` (their attachments) and authors; a patient
    never gets an internal remark. `since`/`after_seq`: only the newer ones (for sync)."""
    rows = Message.objects.filter(thread=thread)
    patient = is_patient_user(actor)
    if patient:
        rows = rows.filter(internal__in=[False])
    if since is not None:
        rows = rows.filter(created_at__gt=since)
    if after_seq is not None:  # a patient counts only what they see (PatientThreadMessage)
        rows = rows.filter(**{"visible_seq__gt" if patient else "seq__gt": after_seq})
    rows = list(rows.select_related("author").order_by("seq"))
    files: dict = {}
    if rows:
        attachments = MessageAttachment.objects.filter(message_id__in=[m.pk for m in rows])
        for attachment in attachments.order_by("created_at", "id"):
            files.setdefault(attachment.message_id, []).append(attachment)
    for message in rows:
        message.files = files.get(message.pk, [])
    return rows


def unread_count(*, actor) -> int:
    """The actor's unread messages over their inbox: one row read by its key (`get`: unordered,
    as core.access.get_or_404 says why)."""
    try:
        return max(UnreadCounter.objects.values_list("unread", flat=True).get(user_id=actor.pk), 0)
    except UnreadCounter.DoesNotExist:
        return 0


def clinic_settings(clinic_id) -> MessagingSettings:
    """The clinic's messaging settings, or the defaults (60 working minutes, Mon–Fri 9–17)."""
    return MessagingSettings.objects.filter(clinic_id=clinic_id).first() or MessagingSettings(
        clinic_id=clinic_id
    )


def messaging_settings(*, actor) -> MessagingSettings:
    return clinic_settings(actor.clinic_id)


def saved_replies(*, actor) -> list:
    """The clinic's saved replies (staff only; patients never see them)."""
    if is_patient_user(actor) or actor.clinic_id is None:
        return []
    return list(SavedReply.objects.filter(clinic_id=actor.clinic_id).order_by("title", "id"))


def saved_reply_get(*, actor, id: str) -> SavedReply:
    """One of the clinic's saved replies, for its admins: 404 outside the clinic, then 403."""
    return get_in_reach(
        SavedReply.objects.all(),
        actor=actor,
        id=id,
        permission="messaging.settings.edit",
        patient=None,
    )


def assignable_staff(*, thread) -> list:
    """Who a thread may be assigned to: active staff of its clinic who read its category."""
    users = User.objects.filter(clinic_id=thread.clinic_id, is_active=True)
    users = users.exclude(role__in=[Role.PATIENT, Role.LAB_TECH]).order_by("name", "email")
    return [u for u in users if may_read_category(u, thread.category)]


def patient_panel(*, actor, patient) -> dict:
    """The patient page's Messages panel: the patient's latest threads the actor may read."""
    # The columns the panel shows and its unread counts read (the ORM spends ~20 µs on each).
    threads = thread_list(actor=actor, patient=patient.pk).only(
        "subject", "urgent", "category", "status", "last_message_at", "seq", "visible_seq"
    )
    latest = with_unread(actor, list(threads[: PANEL_SIZE + 1]))
    return {
        "threads": latest[:PANEL_SIZE],
        "more": len(latest) > PANEL_SIZE,
        "can_write": can(actor, "messaging.write"),
        "some_unreadable": not can(actor, "messaging.all_categories"),
    }


def thread_for_triage(*, actor, id: str) -> dict:
    """A thread as ai_assist triages it (the normal, audited access call: 404 / 403): the
    patient's latest messages since the team last answered, joined."""
    thread = thread_get(actor=actor, id=id, detail=gettext_noop("triage"))
    messages = [m for m in messages_of(actor=actor, thread=thread) if not m.internal]
    latest = []
    for message in reversed(messages):
        if not message.from_patient:
            break
        latest.append(message.text)
    if not latest:
        latest = [m.text for m in messages if m.from_patient][-3:][::-1]
    return {
        "thread_id": thread.pk,
        "patient_id": thread.patient_id,
        "clinic_id": thread.clinic_id,
        "subject": thread.subject,
        "category": thread.category,
        "text": "\n\n".join(reversed(latest)),
        "url": reverse("messaging:thread", args=[thread.pk]),
    }
