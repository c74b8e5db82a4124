"""Secure messages between a clinic's team and its patients: threads, messages, read state.

Counting stays exact and cheap at millions of messages without a transaction:
- every message of a thread gets the next `seq` (1, 2, 3 ...) under a unique (thread, seq)
  index, so two writers never take the same number, and its `created_at` is strictly later
  (to the millisecond) than the one before, so `?since=<time>` sync has no gaps or repeats;
  `visible_seq` numbers the messages a patient sees (internal remarks keep the previous one);
- a participant's ReadState holds how far they have read (`read_seq` / `read_visible`), so a
  thread's unread messages for them are a subtraction, never a count over messages;
- `counted` is what the thread adds to that person's UnreadCounter (one row per user, read by
  primary key for the navigation bar); it moves only through a compare-and-set of `counted`,
  so the counter changes by exactly the difference each time.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, ClinicWord
from core.words import SEARCH_TEXT_LENGTH

MAX_TEXT = 10_000
DEFAULT_WORKING_DAYS = "01234"  # Monday to Friday


class Category(models.TextChoices):
    CLINICAL = "clinical", _("Clinical question")
    REFILL = "refill", _("Prescription refill")
    APPOINTMENT = "appointment", _("Appointment")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


# What receptionists read and answer (every other staff role but lab technicians: all of them).
FRONT_DESK_CATEGORIES = (Category.APPOINTMENT, Category.BILLING)


class MessagingSettings(BaseModel):
    """A clinic's messaging settings: how soon (in working time) an urgent patient message must
    be answered, and the clinic's working days and hours that count."""

    clinic = models.OneToOneField(
        "clinics.Clinic", models.CASCADE, related_name="+", verbose_name=_("clinic")
    )
    response_target_minutes = models.PositiveIntegerField(
        _("response target for urgent messages (minutes)"),
        default=60,
        help_text=_(
            "Counted in working hours: clinic admins are alerted when an urgent message waits "
            "longer than this much of the clinic's working time."
        ),
    )
    # The clinic's working time, in its timezone: weekdays as digits (0 = Monday ... 6 = Sunday)
    # and one start/end time for each of them. No clinic-level schedule exists elsewhere.
    working_days = models.CharField(
        _("working days"), max_length=7, default=DEFAULT_WORKING_DAYS, blank=False
    )
    day_start = models.TimeField(_("working day starts"), default=datetime.time(9, 0))
    day_end = models.TimeField(_("working day ends"), default=datetime.time(17, 0))

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    @property
    def weekdays(self) -> list[int]:
        return sorted({int(d) for d in self.working_days if d in "0123456"})

    def clean(self):
        errors = {}
        if not self.weekdays or any(d not in "0123456" for d in self.working_days):
            errors["working_days"] = _("Choose at least one working day.")
        if self.day_start and self.day_end and self.day_end <= self.day_start:
            errors["day_end"] = _("The working day must end after it starts.")
        if errors:
            raise ValidationError(errors)


class SavedReply(BaseModel):
    """A clinic's ready-made answer, inserted into the reply box and edited before sending."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), max_length=MAX_TEXT)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "title"], name="savedreply_unique_title")
        ]

    def __str__(self):
        return self.title


# Urgent first, then the latest message (thread_list); and what a list's filters check besides
# it: the front desk's categories, a search's subject and patient.
INBOX_ORDER = ["-urgent", "-last_message_at", "-id"]
FILTERED = ["category", "search_text", "patient"]


class Thread(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    clinic = models.ForeignKey("clinics.Clinic", models.PROTECT, related_name="+", db_index=False)
    patient = models.ForeignKey(
        "patients.Patient",
        models.CASCADE,
        related_name="+",
        verbose_name=_("patient"),
        db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=200)
    # The subject's words, lower-case and accent-free, each after a space (" repeat
    # prescription"): a search word is the start of one of them (core.words).
    search_text = models.CharField(max_length=SEARCH_TEXT_LENGTH, default="", editable=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    # The patient asked for urgency; staff confirm (urgent) or clear it.
    urgent_requested = models.BooleanField(_("marked urgent by the patient"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)  # messages so far (the last one's seq)
    visible_seq = models.PositiveIntegerField(default=0)  # of them, not internal
    # Set when a patient writes and no staff reply followed yet; cleared by a staff reply.
    awaiting_since = models.DateTimeField(null=True, blank=True)
    # When admins are told of an unanswered urgent thread; cleared when they were (the claim).
    reply_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = INBOX_ORDER
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        # A list's order, then what its filters check: a search of the 196,000 closed threads
        # that finds few reads index entries, not table rows (97 → 37 ms a page at 200,000).
        indexes = [
            models.Index(fields=["clinic", "status", *INBOX_ORDER, *FILTERED], name="thread_inbox"),
            # The lists of every status (the API's default, a category, the urgent ones): in
            # order off an index rather than a sort of the clinic's threads (153 → 8 ms a page);
            # "assigned to me" of every status is checked on its entries too (74 → 21 ms).
            models.Index(
                fields=["clinic", *INBOX_ORDER, *FILTERED, "assigned_to"], name="thread_clinic"
            ),
            models.Index(
                fields=["clinic", "status", "assigned_to", *INBOX_ORDER], name="thread_assigned"
            ),
            # One patient's threads in the list's order, whatever the planner's statistics say
            # of thread_clinic (which holds the patient too).
            models.Index(fields=["patient", *INBOX_ORDER], name="thread_patient"),
            models.Index(fields=["reply_due_at"], name="thread_reply_due"),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ThreadWord(ClinicWord):
    """One word of a thread's subject (core.words): a search across the clinic finds a rare
    word's threads here, where checking every subject of a big clinic's 196,000 closed threads
    took 47 ms. Written with the thread (a subject is never edited)."""

    thread = models.ForeignKey(Thread, models.CASCADE, related_name="+", db_index=False)

    OWNER = "thread_id"

    class Meta:
        indexes = [
            # A word's threads (a prefix: a range), counted and read from the index alone.
            models.Index(fields=["clinic", "word", "thread"], name="threadword_clinic_word"),
            models.Index(fields=["thread"], name="threadword_thread"),  # deleted with it
        ]


class Message(BaseModel):
    thread = models.ForeignKey(Thread, models.CASCADE, related_name="messages", db_index=False)
    # Set by the service (strictly after the thread's previous message), not by auto_now_add.
    created_at = models.DateTimeField(default=timezone.now)
    # Copied from the thread so the one access rule (clinic / patient) reads a message alone.
    clinic = models.ForeignKey("clinics.Clinic", models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    visible_seq = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    from_patient = models.BooleanField(default=False)
    text = models.TextField(_("text"), max_length=MAX_TEXT, blank=True)
    internal = models.BooleanField(_("internal remark"), default=False)

    class Meta:
        ordering = ["thread", "seq"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["thread", "seq"], name="message_unique_seq"),
        ]
        indexes = [models.Index(fields=["thread", "created_at"], name="message_since")]

    def __str__(self):
        return f"{self.thread_id} #{self.seq}"


class MessageAttachment(BaseModel):
    """A file of the files app attached to a message (by id: messaging never imports files)."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="attachments", db_index=False)
    thread = models.ForeignKey(Thread, models.CASCADE, related_name="+", db_index=False)
    file_id = models.CharField(max_length=24)
    title = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["message", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "file_id"], name="attachment_unique_file")
        ]
        indexes = [models.Index(fields=["thread"], name="attachment_thread")]


class ReadState(BaseModel):
    """How far one participant has read one thread, and what it adds to their unread count."""

    thread = models.ForeignKey(Thread, models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False
    )
    read_seq = models.PositiveIntegerField(default=0)
    read_visible = models.PositiveIntegerField(default=0)
    counted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="readstate_unique"),
        ]
        indexes = [models.Index(fields=["user", "counted"], name="readstate_unread")]


class UnreadCounter(BaseModel):
    """A user's unread messages over their inbox: the navigation bar reads one row."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    unread = models.IntegerField(default=0)
