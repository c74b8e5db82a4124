"""The layout's shortcuts (issue 19) change nothing a user sees: the cached navigation follows
the user's role and the current page, the filter fields are crispy's markup, and a long patient
list says "about" only when it no longer counts every row."""

import importlib
import re
from types import SimpleNamespace

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.apps import apps
from django.db import connection
from django.forms.renderers import get_default_renderer
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, register_converter
from django.utils.choices import flatten_choices

from appointments.forms import SlotSearchForm
from core import lists
from core.forms import FilterForm, FilterWidgetRenderer
from core.roles import Role
from core.templatetags.layout import filter_field
from labs.forms import ReviewFilterForm
from notes.forms import NoteFilterForm
from patients.forms import PatientFilterForm
from patients.models import Patient
from tests.notes.factories import install as install_notes
from tests.notes.factories import make_note
from tests.patients.factories import PatientFactory
from tests.patients.test_list_walk import rows


def squeezed(html) -> str:
    return re.sub(r"\s+", " ", str(html)).replace("> ", ">").replace(" <", "<").strip()


@pytest.mark.parametrize(
    ("form_class", "data"),
    [
        (PatientFilterForm, {}),
        (PatientFilterForm, {"q": "jo", "status": "nonsense", "sort": "-dob"}),
        (ReviewFilterForm, {"mine": "on", "severity": "wrong"}),
        (NoteFilterForm, {"date_from": "not a date", "q": "x" * 300}),
    ],
)
def test_filter_fields_are_drawn_as_crispy_draws_them(form_class, data):
    ours, crispys = form_class(data), form_class(data)
    ours.is_valid(), crispys.is_valid()

    for field, same in zip(ours.visible_fields(), crispys.visible_fields(), strict=True):
        assert squeezed(filter_field(field)) == squeezed(as_crispy_field(same))


def nav_links(response) -> str:
    html = response.content.decode()
    return html[html.index("<nav") : html.index("</nav>")]


class EdgeCasesFilterForm(FilterForm):
    """What no list's filter form has yet: groups of options, labels to escape, a number label."""

    grouped = forms.ChoiceField(
        choices=[("", "Any"), ("Group <1>", [("a&b", 'Say "hi" <b>'), ("c", "Ç")]), ("d", "D")],
        required=False,
    )
    numbered = forms.ChoiceField(choices=[(1, 1), (2, 2.5)], required=False)
    flagged = forms.BooleanField(required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def filter_forms() -> list[type[FilterForm]]:
    """Every list's filter form: each app's forms module, then FilterForm's subclasses."""
    for app in apps.get_app_configs():
        if importlib.util.find_spec(f"{app.name}.forms"):
            importlib.import_module(f"{app.name}.forms")
    found = sorted(
        (form for form in _subclasses(FilterForm) if not form.__module__.startswith("tests.")),
        key=lambda form: form.__qualname__,
    )
    assert len(found) >= 9, found  # patients, labs (3), notes, files, clinics, messaging, programs
    return found


def _subclasses(cls) -> set:
    return {sub for child in cls.__subclasses__() for sub in (child, *_subclasses(child))}


def filled(form_class) -> dict:
    """A value for every field: the last choice of a select, text to escape, a real date."""
    data = {}
    for name, field in form_class().fields.items():
        if isinstance(field, forms.ChoiceField):
            values = [v for v, _label in flatten_choices(field.choices)]
            data[name] = values[-1] if values else "nonsense"
        elif isinstance(field, forms.BooleanField):
            data[name] = "on"
        elif isinstance(field, forms.DateField):
            data[name] = "2026-12-03"
        else:
            data[name] = "\"><script>&amp; O'Brien"
    return data


@pytest.mark.parametrize("form_class", [*filter_forms(), EdgeCasesFilterForm])
@pytest.mark.parametrize("filling", ["empty", "filled", "malformed"])
def test_filter_widgets_are_drawn_as_djangos_templates_draw_them(form_class, filling, monkeypatch):
    data = {
        "empty": {},
        "filled": filled(form_class),
        "malformed": dict.fromkeys(form_class().fields, "2026-13-45"),
    }[filling]
    ours, djangos = form_class(data), form_class(data, renderer=get_default_renderer())
    assert isinstance(ours.renderer, FilterWidgetRenderer)
    ours.is_valid(), djangos.is_valid()
    templates = []  # what our renderer left to Django's templates
    loader = ours.renderer.get_template
    monkeypatch.setattr(ours.renderer, "get_template", lambda n: templates.append(n) or loader(n))

    for name in ours.fields:
        attrs = {"class": "form-select is-invalid", "aria-describedby": "x_help"}
        assert ours[name].as_widget(attrs=attrs) == djangos[name].as_widget(attrs=attrs), name
    left = ["django/forms/widgets/select.html"] if form_class is EdgeCasesFilterForm else []
    assert templates == left  # only the select whose labels are numbers


@pytest.mark.parametrize("filling", ["empty", "filled", "malformed"])
def test_the_slot_search_is_drawn_as_djangos_templates_draw_it(filling, monkeypatch):
    """The booking and moving pages' GET form (not a list filter: its day is required), drawn
    with `filter_field`."""
    types = [SimpleNamespace(pk="t1", name='Follow-up <"b">', duration_minutes=20)]
    providers = [
        SimpleNamespace(pk="p1", name="Dr O'Brien & Co"),
        SimpleNamespace(pk="p2", name="Ann"),
    ]
    data = {
        "empty": {},
        "filled": {"type": "t1", "provider": "p2", "date": "2026-12-16"},
        "malformed": {"type": "t9", "provider": "<p>", "date": "2026-13-45"},
    }[filling]
    options = {"types": types, "providers": providers}
    ours = SlotSearchForm(data, **options)
    djangos = SlotSearchForm(data, renderer=get_default_renderer(), **options)
    assert isinstance(ours.renderer, FilterWidgetRenderer)
    ours.is_valid(), djangos.is_valid()
    templates = []
    loader = ours.renderer.get_template
    monkeypatch.setattr(ours.renderer, "get_template", lambda n: templates.append(n) or loader(n))

    for name in ours.fields:
        attrs = {"class": "form-select is-invalid", "aria-describedby": "x_help"}
        assert ours[name].as_widget(attrs=attrs) == djangos[name].as_widget(attrs=attrs), name
    assert templates == []
    for name in ours.fields:  # the page draws each field, label and errors as crispy does
        assert squeezed(filter_field(ours[name])) == squeezed(as_crispy_field(djangos[name]))


def test_the_cached_navigation_follows_the_role_and_the_current_page(client, clinician, clinic):
    client.force_login(clinician)
    patients_page = nav_links(client.get("/patients/"))
    home_page = nav_links(client.get("/"))

    assert 'aria-current="page" href="/patients/"' in patients_page
    assert 'aria-current="page" href="/patients/"' not in home_page
    assert "Clinic settings" not in home_page

    clinician.role = Role.ADMIN
    clinician.save()
    assert "Clinic settings" in nav_links(client.get("/"))


def current_links(response) -> list[str]:
    nav = nav_links(response)
    return re.findall(r'class="(?:nav-link|dropdown-item)[^"]* active"[^>]*>([^<]+)<', nav)


def test_one_navigation_link_is_current(client, staff, clinic):
    """A patient's pages other apps keep are in the Patients section (the breadcrumb's), not
    in both Patients and that app's; an app's own pages mark its link alone (and the admin's
    Clinic menu, for the pages it holds)."""
    client.force_login(staff[Role.ADMIN])
    patient = PatientFactory(clinic=clinic)

    assert current_links(client.get(f"/files/patients/{patient.pk}/")) == ["Patients"]
    assert current_links(client.get(f"/notes/patients/{patient.pk}/")) == ["Patients"]
    install_notes(clinic)
    note = make_note(staff[Role.CLINICIAN], patient, signed=True)
    assert current_links(client.get(f"/notes/{note.pk}/")) == ["Patients"]  # a note's page
    assert current_links(client.get(f"/notes/{note.pk}/history/")) == ["Patients"]
    assert current_links(client.get("/notes/mine/")) == []  # one's own notes: no section
    assert current_links(client.get(f"/messages/patients/{patient.pk}/new/")) == ["Patients"]
    assert current_links(client.get("/messages/")) == ["Messages"]
    # Screen readers hear it too: the very page the link opens, or a page of its section.
    assert 'aria-current="page" href="/messages/"' in nav_links(client.get("/messages/"))
    files = nav_links(client.get(f"/files/patients/{patient.pk}/"))
    assert 'aria-current="true" href="/patients/"' in files
    assert files.count("aria-current") == 1
    assert current_links(client.get("/files/")) == ["Documents"]
    assert current_links(client.get("/labs/orders/")) == ["Labs"]
    assert current_links(client.get("/clinic/staff/")) == ["Clinic", "Staff"]
    assert current_links(client.get("/clinic/settings/")) == ["Clinic", "Clinic settings"]
    assert current_links(client.get("/")) == ["Home"]


def test_the_badges_are_not_cached_with_the_navigation(client, clinician, clinic, monkeypatch):
    client.force_login(clinician)
    client.get("/")
    monkeypatch.setattr("notifications.templatetags.notification_tags.unread_count", lambda **kw: 7)

    assert 'data-unread="7"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_list_is_counted_exactly_up_to_the_limit_then_about(clinic, monkeypatch):
    for _ in range(5):
        PatientFactory(clinic=clinic)
    patients = Patient.objects.filter(clinic=clinic).order_by("mrn")

    exact = lists.page_of(patients, per_page=2, estimate_count=True)
    assert (exact.paginator.count, exact.paginator.estimated) == (5, False)
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 3)
    about = lists.page_of(patients, per_page=2, estimate_count=True)

    assert (about.paginator.count, about.paginator.estimated) == (5, True)
    assert len(about.object_list) == 2


@pytest.mark.django_db
def test_a_list_counted_past_the_limit_keeps_its_count_without_counting_again(clinic, monkeypatch):
    """Past the limit a page shows the recent count; it used to count up to the limit first on
    every page (10,001 index entries: 1-3 ms a page at 100,000 patients) only to learn that."""
    for _ in range(5):
        PatientFactory(clinic=clinic)
    patients = Patient.objects.filter(clinic=clinic).order_by("mrn")
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 3)
    first = lists.page_of(patients, per_page=2, estimate_count=True)
    assert (first.paginator.count, first.paginator.estimated) == (5, True)
    PatientFactory(clinic=clinic)  # within the ten minutes the count is kept

    with CaptureQueriesContext(connection) as queries:
        again = lists.page_of(patients, per_page=2, estimate_count=True)
        counted = (again.paginator.count, again.paginator.estimated)

    assert counted == (5, True)
    assert not [q for q in queries.captured_queries if "COUNT" in q["sql"].upper()]


def test_a_list_near_the_limit_that_falls_under_it_is_counted_and_paged_exactly(
    client, clinician, clinic, monkeypatch
):
    """Counted at 30 with a limit of 25, then 20 archived: the list says 10 and has one page.
    Were the 30 kept, page 2 would be read from the end and repeat page 1."""
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 25)
    patients = [PatientFactory(clinic=clinic) for _ in range(30)]
    client.force_login(clinician)
    assert "Showing 1–25 of about 30" in client.get("/patients/").content.decode()
    Patient.objects.filter(pk__in=[p.pk for p in patients[:20]]).update(is_archived=True)

    response = client.get("/patients/", {"page": 2})

    assert sorted(rows(response)) == sorted(p.pk for p in patients[20:])  # page 1 of 1
    assert "of about" not in response.content.decode()


def test_the_patient_list_says_about_past_the_limit(client, clinician, clinic, monkeypatch):
    for _ in range(26):
        PatientFactory(clinic=clinic)
    client.force_login(clinician)
    assert "Showing 1–25 of 26" in client.get("/patients/").content.decode()

    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 10)
    assert "Showing 1–25 of about 26" in client.get("/patients/").content.decode()


def test_the_patients_api_says_when_its_count_is_the_recent_one(admin_api, clinic, monkeypatch):
    for _ in range(12):
        PatientFactory(clinic=clinic)
    body = admin_api.get("/api/v1/patients/", {"page_size": 5}).json()
    assert (body["count"], body["count_estimated"]) == (12, False)

    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 8)
    body = admin_api.get("/api/v1/patients/", {"page_size": 5}).json()
    assert (body["count"], body["count_estimated"]) == (12, True)
    assert len(body["results"]) == 5 and body["next"]

    # The recent count is kept for a while: archive two (ten left), and a page past the real end
    # is a 404 even where the recent count still reaches.
    for patient in Patient.objects.filter(clinic=clinic).order_by("mrn")[:2]:
        patient.is_archived = True
        patient.save()
    body = admin_api.get("/api/v1/patients/", {"page_size": 5, "page": 2}).json()
    assert body["count"] == 12 and len(body["results"]) == 5
    assert admin_api.get("/api/v1/patients/", {"page_size": 5, "page": 3}).status_code == 404


@pytest.mark.parametrize("per_page", [3, 5])
def test_a_list_its_first_page_holds_is_counted_by_that_page(clinic, per_page):
    """Most searches find a handful of rows: when page 1 is shorter than a page it is the whole
    list, so no count query is made. A full first page is counted as before."""
    for _ in range(4):
        PatientFactory(clinic=clinic)
    patients = Patient.objects.filter(clinic=clinic).order_by("mrn")

    with CaptureQueriesContext(connection) as queries:
        page = lists.page_of(patients, per_page=per_page)
        shown = (page.paginator.count, len(page.object_list), page.has_next())

    assert shown == (4, min(per_page, 4), per_page < 4)
    assert len(queries) == (2 if per_page < 4 else 1)


@pytest.mark.django_db
def test_the_clinic_settings_widgets_are_drawn_as_djangos_templates_draw_them(clinic):
    """Its three selects hold 853 options (timezones, countries, locales), drawn in Python."""
    from clinics.forms import ClinicSettingsForm

    initial = ClinicSettingsForm.initial_for(clinic)
    ours = ClinicSettingsForm(initial=initial)
    djangos = ClinicSettingsForm(initial=initial, renderer=get_default_renderer())
    assert isinstance(ours.renderer, FilterWidgetRenderer)
    for name in ours.fields:
        assert str(ours[name]) == str(djangos[name]), name
    options = [flatten_choices(f.choices) for f in ours.fields.values() if hasattr(f, "choices")]
    assert sum(len(list(found)) for found in options) > 800


class ChoicesForm(forms.Form):
    """Radio buttons and check boxes as the booking page, the lab order and the ward hours have
    them: escaped values and labels, a group, a number label, one chosen."""

    slot = forms.ChoiceField(
        choices=[("p1|2026-12-16T08:00:00+00:00", "08:00–08:20 · Dr O'Brien & <Co>"), ("x", "X")],
        widget=forms.RadioSelect,
    )
    panels = forms.MultipleChoiceField(
        choices=[("Blood <1>", [("a&b", 'Say "hi"'), ("c", "Ç")]), ("d", 4)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def crispys_options(bound_field, context) -> str:
    """crispy-bootstrap5's own radio_checkbox_select.html, not the project's copy of it."""
    from crispy_bootstrap5 import __file__ as package
    from django.template import Context, Engine
    from django.template.backends.django import get_installed_libraries

    engine = Engine(
        dirs=[f"{package.rsplit('/', 1)[0]}/templates"], libraries=get_installed_libraries()
    )
    template = engine.get_template("bootstrap5/layout/radio_checkbox_select.html")
    return template.render(Context({"field": bound_field, **context}))


@pytest.mark.parametrize("inline", [False, True])
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"slot": "x", "panels": ["a&b", "d"]},
        {"slot": "gone", "panels": ["nope"]},
    ],
)
def test_radio_buttons_and_check_boxes_are_drawn_as_crispy_draws_them(data, inline):
    """The options are drawn in Python (`{% check_options %}`): the same inputs, labels, groups
    and errors as crispy's template, bound or not, with errors under the last option."""
    from django.template.loader import get_template

    form = ChoicesForm(data or None)
    form.is_valid()
    context = {"form_show_errors": True, "inline_class": "inline" if inline else ""}
    ours = get_template("bootstrap5/layout/radio_checkbox_select.html")
    for name in form.fields:
        drawn = ours.render({"field": form[name], **context})
        assert squeezed(drawn) == squeezed(crispys_options(form[name], context)), name
        assert ("is-invalid" in drawn) == (name in form.errors)
        # white space between options, as crispy's loop leaves: inline ones are spaced by it
        assert not re.search(r"</div><div class=\"form-check", drawn), name


RECORD_ROUTES = [
    "patients:detail",
    "programs:enrollment",
    "notes:detail",
    "notes:edit",
    "clinics:staff_detail",
    "messaging:thread",
    "labs:order_detail",
    "labs:test_edit",
    "labs:result_detail",
    "files:detail",
]


@pytest.mark.parametrize("prefix", ["/", "/clinic/"])
def test_a_rows_record_link_is_the_address_reverse_gives(prefix):
    """`{% pk_url %}` reverses each route once, yet every row's link is what `{% url %}`
    gives, under a script prefix too; an id that is not plain goes to `reverse` itself (quoted,
    or refused)."""
    from django.urls import NoReverseMatch, reverse, set_script_prefix

    from core.templatetags.layout import pk_url

    set_script_prefix(prefix)
    try:
        for name in RECORD_ROUTES:
            for pk in ("6b14ba3dc979d8938b27f614", "abc", "Ωmega", "a b"):
                assert pk_url(name, pk) == reverse(name, kwargs={"pk": pk})
            with pytest.raises(NoReverseMatch):
                pk_url(name, "a/b")
    finally:
        set_script_prefix("/")


def _page(request, pk):
    raise AssertionError("never requested")


class Lowered:
    """A converter that rewrites the id on the way out."""

    regex = "[a-z0-9-]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value).lower()


register_converter(Lowered, "lowered")
urlpatterns = [
    path("numbered/<int:pk>/", _page, name="numbered"),
    path("lowered/<lowered:pk>/", _page, name="lowered"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_route_that_does_not_take_the_id_as_it_is_goes_to_reverse():
    from core.templatetags.layout import pk_url

    assert pk_url("numbered", 42) == "/numbered/42/"
    assert pk_url("lowered", "ABC123") == "/lowered/abc123/"


DJANGOS_PAGE_NUMBERS = (  # the loop includes/pagination.html had
    "{% for number in numbers %}"
    "{% if number == page_obj.paginator.ELLIPSIS %}"
    '<li class="page-item disabled"><span class="page-link">{{ number }}</span></li>'
    "{% elif number == page_obj.number %}"
    '<li class="page-item active" aria-current="page">'
    '<span class="page-link">{{ number }}</span></li>'
    "{% else %}"
    '<li class="page-item"><a class="page-link" '
    'href="{% querystring page=number after=None before=None %}">{{ number }}</a></li>'
    "{% endif %}"
    "{% endfor %}"
)


@pytest.mark.parametrize("number", [1, 7, 200, 400])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=7&after=6b14ba3dc979d8938b27f614",
        "q=o%27brien+%26+co&status=all&status=x&before=y",
    ],
)
def test_the_page_numbers_link_as_djangos_querystring_did(number, query):
    """`{% page_numbers %}` keeps the other parameters (repeated, quoted), drops the keyset's
    `after` and `before`, marks the current page and the gaps, as the template's loop did."""
    from django.core.paginator import Paginator
    from django.template import Context, RequestContext, Template
    from django.test import RequestFactory

    page_obj = Paginator(range(10_000), 25).page(number)
    request = RequestFactory().get(f"/patients/?{query}")
    context = {"request": request, "page_obj": page_obj}
    ours = Template("{% load paging %}{% page_numbers page_obj %}").render(Context(context))
    numbers = page_obj.paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
    djangos = Template(DJANGOS_PAGE_NUMBERS).render(
        RequestContext(request, {**context, "numbers": numbers})
    )

    assert squeezed(ours) == squeezed(djangos)
    assert 'aria-current="page"><span class="page-link">' + str(number) in ours
    assert "after=" not in ours and "before=" not in ours
