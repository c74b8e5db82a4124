"""HTML forms of the notes pages: parse input only; notes.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import FilterDateField, FilterForm
from notes.models import Note


class NoteFilterForm(FilterForm):
    DEFAULTS = {"q": "", "type": "", "author": "", "status": "", "date_from": None, "date_to": None}

    q = forms.CharField(label=_("Search the text"), required=False, max_length=200)
    # Plain fields rendered as selects: the page is read first (404 before 403), then the
    # options are filled in (`offer`); an id that matches nothing simply finds no notes.
    type = forms.CharField(label=_("Type"), required=False, max_length=64, widget=forms.Select)
    author = forms.CharField(label=_("Author"), required=False, max_length=64, widget=forms.Select)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(Note.Status.choices)
    )
    date_from = FilterDateField(label=_("From"))
    date_to = FilterDateField(label=_("To"))

    def offer(self, *, types, authors) -> None:
        """The options of the type and author selects."""
        self.fields["type"].widget.choices = [("", _("Any"))] + [(t.pk, t.name) for t in types]
        self.fields["author"].widget.choices = [("", _("Anyone"))] + [
            (u.pk, u.name or u.email) for u in authors
        ]

    def note_filters(self) -> dict:
        """The keywords of notes.selectors.note_list."""
        f = self.filters()
        return {
            "search": f["q"],
            "note_type": f["type"],
            "author": f["author"],
            "status": f["status"],
            "date_from": f["date_from"],
            "date_to": f["date_to"],
        }


class NoteStartForm(forms.Form):
    """Start a note from a template (its sections) or as a blank note of a type."""

    start = forms.ChoiceField(label=_("Template or type"))
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the template's or type's name."),
    )
    shared_with_patient = forms.BooleanField(
        label=_("Share with the patient once signed"), required=False
    )

    def __init__(self, *args, templates=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {f"template:{t.pk}": t for t in templates}
        self.types = {f"type:{t.pk}": t for t in types}
        self.fields["start"].choices = [
            (_("Templates"), [(key, t.name) for key, t in self.templates.items()]),
            (_("Blank note of type"), [(key, t.name) for key, t in self.types.items()]),
        ]

    def choice(self):
        """(note type, template or None) for the service."""
        key = self.cleaned_data["start"]
        if key in self.templates:
            template = self.templates[key]
            return template.note_type, template
        return self.types[key], None


class NoteWriterForm(forms.Form):
    """The writer: the title and one Markdown field per section of the note, in order."""

    title = forms.CharField(label=_("Title"), max_length=200)
    # The version the page was loaded with; only a page altered on the way loses it.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"),
            _("The page did not say which version of the draft it edits. Reload it."),
        ),
    )

    def __init__(self, *args, note: Note, **kwargs):
        # A template's prompt is shown as the field's placeholder, never as its text: a
        # section left as it came would otherwise be signed as a finding.
        prompts = note.section_prompts
        kwargs.setdefault(
            "initial",
            {
                "title": note.title,
                "version": note.version,
                **{
                    f"section_{i}": "" if s["text"].strip() == prompts.get(s["name"]) else s["text"]
                    for i, s in enumerate(note.sections)
                },
            },
        )
        super().__init__(*args, **kwargs)
        self.section_names = [s["name"] for s in note.sections]
        for index, name in enumerate(self.section_names):
            attrs = {"rows": 4, "data-section": name}
            if prompts.get(name):
                attrs["placeholder"] = prompts[name]
            self.fields[f"section_{index}"] = forms.CharField(
                label=name, required=False, strip=False, widget=forms.Textarea(attrs=attrs)
            )

    def section_fields(self):
        return [self[f"section_{i}"] for i in range(len(self.section_names))]

    def sections(self) -> list[dict]:
        return [
            {"name": name, "text": self.cleaned_data.get(f"section_{i}", "")}
            for i, name in enumerate(self.section_names)
        ]


class CosignRequestForm(forms.Form):
    cosigner = forms.ChoiceField(label=_("Co-signer"))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.pk, u.name or u.email) for u in candidates]
        # With no one to choose, the page says why instead of a form that can only fail.
        self.has_candidates = bool(choices)
        self.fields["cosigner"].choices = [("", _("Choose a clinician")), *choices]


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Addendum"),
        max_length=20_000,
        error_messages={"required": _("Write the addendum.")},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown. Added under the note with your name and the time; it cannot be "
                    "changed afterwards."),
    )  # fmt: skip
