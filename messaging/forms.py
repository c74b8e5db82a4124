"""HTML forms of the messaging pages: parse input only; messaging.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import FilterForm
from messaging.models import MAX_TEXT, Category


class InboxFilterForm(FilterForm):
    DEFAULTS = {"q": "", "category": "", "tab": "mine"}

    q = forms.CharField(label=_("Patient or subject"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any"))] + list(Category.choices)
    )
    tab = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[("mine", ""), ("team", ""), ("open", ""), ("closed", "")],
    )

    def thread_filters(self) -> dict:
        f = self.filters()
        return {"tab": f["tab"], "search": f["q"], "category": f["category"]}


class ThreadStartForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    text = forms.CharField(label=_("Message"), max_length=MAX_TEXT, widget=forms.Textarea)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    internal = forms.BooleanField(
        label=_("Internal remark (never shown to the patient)"), required=False
    )


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


class SettingsForm(forms.Form):
    response_target_minutes = forms.IntegerField(
        label=_("Response target for urgent messages (minutes)"),
        min_value=1,
        max_value=60 * 24 * 14,
    )


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea)
