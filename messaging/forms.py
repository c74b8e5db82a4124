"""HTML forms of the messaging pages: parse input only; messaging.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ChangedFieldsMixin, FilterForm
from messaging.models import MAX_TEXT, Category
from messaging.selectors import may_attach, may_read_category


class InboxFilterForm(FilterForm):
    """`patient` (an id, from the patient page's "More threads") keeps the patient's name out of
    the address; `tab=all` is every status, so their closed threads are listed too."""

    DEFAULTS = {"q": "", "category": "", "tab": "mine", "patient": ""}

    q = forms.CharField(label=_("Patient or subject"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any"))] + list(Category.choices)
    )
    tab = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[("mine", ""), ("team", ""), ("open", ""), ("closed", ""), ("all", "")],
    )
    patient = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor=None, **kwargs):
        """Only the categories the actor reads are offered: the front desk choosing "Clinical
        question" always found nothing, as if there were no such threads."""
        super().__init__(*args, **kwargs)
        if actor is not None:
            self.fields["category"].choices = [("", _("Any"))] + [
                (value, label)
                for value, label in Category.choices
                if may_read_category(actor, value)
            ]

    def thread_filters(self) -> dict:
        f = self.filters()
        return {
            "tab": f["tab"],
            "search": f["q"],
            "category": f["category"],
            "patient": f["patient"],
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; the files app checks each when the message is written."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def attachments_field():
    return AttachmentsField(
        label=_("Attach files"),
        required=False,
        help_text=_("Up to 10 files (photos, PDF, documents); each is checked before sending."),
    )


class FilesForRolesThatSendThem(forms.Form):
    """A message form's `attachments` only for the roles that may send files with messages (not
    the front desk, whose role may not store their category): for the others no field, and a
    file sent anyway (from a page opened before, or another tab) is a form error, not dropped."""

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_attach = may_attach(actor)
        if not self.may_attach:
            del self.fields["attachments"]

    def files_not_kept(self) -> None:
        """A page drawn again cannot hold the files that were chosen: say so by the field."""
        if self.may_attach and self.files.getlist("attachments") and self.errors:
            again = _("The files you chose were not sent: choose them again.")
            self.add_error("attachments", again)

    def clean(self):
        cleaned = super().clean()
        if not self.may_attach and self.files.getlist("attachments"):
            raise forms.ValidationError(
                _("Your role does not send files with messages: send it without them.")
            )
        return cleaned


class ThreadStartForm(FilesForRolesThatSendThem):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    text = forms.CharField(
        label=_("Message"), max_length=MAX_TEXT, required=False, widget=forms.Textarea
    )
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    attachments = attachments_field()

    def __init__(self, *args, actor, **kwargs):
        """Only the categories the actor's role may write in: the front desk starts
        appointment and billing threads, and its form opens on the first of those."""
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["category"].choices = [
            (value, label) for value, label in Category.choices if may_read_category(actor, value)
        ]


class ReplyForm(FilesForRolesThatSendThem):
    text = forms.CharField(
        label=_("Reply"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    internal = forms.BooleanField(
        label=_("Internal remark (never shown to the patient)"), required=False
    )
    attachments = attachments_field()


class ManageForm(forms.Form):
    """One of the thread's actions: assign (empty: unassign), urgent on/off, close, reopen."""

    ACTIONS = ("assign", "urgent", "not_urgent", "close", "reopen")
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    assigned_to = forms.CharField(label=_("Assigned to"), required=False, max_length=64)

    def fields_for_service(self) -> dict:
        action = self.cleaned_data["action"]
        if action == "assign":
            return {"assigned_to": self.cleaned_data["assigned_to"] or None}
        if action in ("urgent", "not_urgent"):
            return {"urgent": action == "urgent"}
        return {"status": "closed" if action == "close" else "open"}


WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class SettingsForm(ChangedFieldsMixin, forms.Form):
    FIELDS = ("response_target_minutes", "working_days", "day_start", "day_end")

    response_target_minutes = forms.IntegerField(
        label=_("Response target for urgent messages (working minutes)"),
        help_text=_(
            "Only the working days and hours below count: 60 minutes asked on Friday 16:30 "
            "are due on Monday 09:30."
        ),
        min_value=1,
        max_value=60 * 24 * 14,
    )
    working_days = forms.MultipleChoiceField(
        label=_("Working days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    day_start = forms.TimeField(
        label=_("Working day starts"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    day_end = forms.TimeField(
        label=_("Working day ends"),
        help_text=_("Times are the clinic's (its timezone)."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    @staticmethod
    def initial_for(row) -> dict:
        return {
            "response_target_minutes": row.response_target_minutes,
            "working_days": [str(d) for d in row.weekdays],
            "day_start": row.day_start.strftime("%H:%M"),
            "day_end": row.day_end.strftime("%H:%M"),
        }


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea)
