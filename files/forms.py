"""HTML forms of the files app: they parse input; files.services checks and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ChangedFieldsMixin, FilterDateField, FilterForm
from files.models import CATEGORY_SLUG


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the upload service, not here (an empty
    one too: refused by name, the others still stored). Required (the default): no file chosen
    is the field's error, as for one file."""

    default_error_messages = {"required": _("Choose a file to upload.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        clean_one = super().clean
        return [clean_one(item, initial) for item in items]


def category_choices(categories) -> list[tuple[str, str]]:
    """The categories (files.selectors.category_list) the actor may use, as choices."""
    return [(c["slug"], c["label"]) for c in categories if c["allowed"]]


def category_field() -> forms.CharField:
    """A select of the categories the actor may use; the service decides what a posted value
    means (400 unknown, 403 not for this role), as it does for the API."""
    return forms.CharField(label=_("Category"), max_length=40, widget=forms.Select)


class UploadForm(forms.Form):
    MAX_FILES = 10

    files = MultipleFileField(label=_("Files"))
    category = category_field()
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_(
            "Leave empty to use each file's name. With several files, each gets the title and a "
            "number."
        ),
    )
    shared_with_patient = forms.BooleanField(
        label=_("Share with the patient (shown in their app)"), required=False
    )

    def __init__(self, *args, categories=(), patient_level=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = category_choices(categories)
        if not patient_level:
            del self.fields["shared_with_patient"]

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > self.MAX_FILES:
            raise forms.ValidationError(
                _("Upload at most %(n)s files at once.") % {"n": self.MAX_FILES}
            )
        return files

    def titles(self) -> list[str]:
        """The title of each file, in order: the typed one, numbered when there are several
        ("Wound check (1)", "Wound check (2)"), as static/files/upload.js numbers them; empty:
        the service uses each file's name."""
        title, files = self.cleaned_data["title"], self.cleaned_data["files"]
        if not title or len(files) == 1:
            return [title] * len(files)
        return [numbered(title, n) for n in range(1, len(files) + 1)]


def numbered(title: str, n: int) -> str:
    """`title` with " (n)", shortened to fit the title's 200 characters."""
    suffix = f" ({n})"
    return title[: 200 - len(suffix)].rstrip() + suffix


class FileEditForm(ChangedFieldsMixin, forms.Form):
    FIELDS = ("title", "category", "shared_with_patient")

    title = forms.CharField(label=_("Title"), max_length=200)
    category = category_field()
    shared_with_patient = forms.BooleanField(label=_("Shared with the patient"), required=False)

    def __init__(self, *args, categories=(), patient_level=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = category_choices(categories)
        if not patient_level:
            del self.fields["shared_with_patient"]


class FileFilterForm(FilterForm):
    DEFAULTS = {
        "q": "",
        "patient": "",
        "category": "",
        "uploaded_from": None,
        "uploaded_to": None,
        "status": "active",
    }
    STATUSES = [
        ("active", _("Current")),
        ("deleted", _("Deleted")),
        ("quarantined", _("Quarantined")),
    ]

    q = forms.CharField(label=_("Title"), required=False, max_length=100)
    patient = forms.CharField(label=_("Patient"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    uploaded_from = FilterDateField(label=_("From"))
    uploaded_to = FilterDateField(label=_("To"))
    status = forms.ChoiceField(label=_("Show"), required=False)

    def __init__(self, *args, categories=(), statuses=("active",), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + category_choices(categories)
        self.fields["status"].choices = [s for s in self.STATUSES if s[0] in statuses]


class CategoryForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=80)
    slug = forms.CharField(
        label=_("Code"),
        max_length=40,
        validators=[CATEGORY_SLUG],
        help_text=_("Lower-case letters, digits and underscores, e.g. dental_chart."),
    )
