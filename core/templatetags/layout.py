"""The layout's tags: `{% nav_state %}` for the cached navigation, `|filter_field` for list filters
(and the booking page's slot search), `{% check_options %}` for the options of radio buttons
and check boxes, `{% pk_url %}` for the link of each row of a list.

`{% nav_state as nav_state %}`: what of the request's path the cached navigation depends on.

base.html caches its navigation fragments (`{% cache %}`, varied on the user, role, clinic
branding and language they read) instead of rendering ~20 links, URL reversals, permission
checks and translations on every page. The only per-request input left is which link is the
current one: this tag reduces the path to that link (NavState), so every page of a section shares
one cached fragment, and nothing else does.
"""

import functools
from typing import NamedTuple

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import forms, template
from django.conf import settings
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.forms import html_attrs

register = template.Library()


class NavState(NamedTuple):
    """Which link of the navigation is current: `section`, the name base.html compares, and
    `page`, whether this is the very page the link opens (aria-current). Its text is part of
    the cached fragments' key."""

    section: str
    page: bool


# The links base.html marks as current, in its order (keep in step with the template): the
# name it compares, and the page the link opens, whose address begins every page of its section.
NAV_SECTIONS = (
    ("patients", "patients:list"),
    ("labs", "labs:order_list"),  # the section is /labs/: its link opens orders or reviews
    ("appointments", "appointments:calendar"),
    ("programs", "programs:dashboard"),
    ("documents", "files:documents"),
    ("staff", "clinics:staff_list"),
    ("audit", "accounts:audit_trail"),
    ("settings", "clinics:settings"),
)
WHOLE_APP = {"labs"}
# Apps whose pages are each a patient's record (a note, its history): the Patients section's,
# as their breadcrumb says. Named by one of their pages; the app's list of one's own work (that
# page itself) marks no section.
RECORD_APPS = ("notes:mine",)


@register.simple_tag(takes_context=True)
def nav_state(context) -> NavState:
    """One link at most is current. A patient's pages that other apps keep (a lab trend at
    /labs/patients/…, a patient's files at /files/patients/…) are the Patients section's: the
    user is in that patient's record, as the breadcrumb says."""
    request = context.get("request")
    path = getattr(request, "path", "")
    home, sections, records = _nav_urls(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language()
    )
    if path == home:
        return NavState("home", True)
    patients = sections["patients"]
    if patients in path:
        return NavState("patients", path == patients)
    for app, own_page in records:
        if path.startswith(app) and path != own_page:
            return NavState("patients", False)
    for name, url in sections.items():
        if path.startswith(url):
            return NavState(name, path == url)
    return NavState("", False)


@functools.lru_cache(maxsize=16)
def _nav_urls(urlconf: str, script_prefix: str, language: str | None) -> tuple[str, dict, list]:
    """Home's address, each section's, and each record app's (with its own page), reversed
    once per URL configuration, prefix and language (what `reverse` reads; ~80 Python calls
    each, and the tag runs on every page)."""

    def app_of(url: str) -> str:
        return url[: url.index("/", len(script_prefix)) + 1]

    sections = {}
    for name, url_name in NAV_SECTIONS:
        url = reverse(url_name, urlconf=urlconf)
        sections[name] = app_of(url) if name in WHOLE_APP else url
    records = []
    for url_name in RECORD_APPS:
        url = reverse(url_name, urlconf=urlconf)
        records.append((app_of(url), url))
    return reverse("home", urlconf=urlconf), sections, records


# --- a record's page in a list's rows ------------------------------------------------------------
# Stands in for the id while the route is reversed once: letters of both cases and digits, so
# a converter that would not give a plain id back unchanged shows it here.
RECORD_ID = "HpRecord0Id9"


@register.simple_tag
def pk_url(name: str, pk) -> str:
    """`{% url name pk=pk %}` for a list's rows: the route is reversed once per URL
    configuration, prefix and language (as the navigation's links are) and each row puts its
    id in (a reversal is ~130 Python calls; a list page of 25 rows made 3,400). An id that is
    not plain letters and digits, or a route that does not take any text as its `pk`
    unchanged (an int converter, one that rewrites it), goes to `reverse` itself."""
    text = str(pk)
    parts = None
    if text.isascii() and text.isalnum():
        parts = _pk_path(
            name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language()
        )
    if parts is None:
        return reverse(name, kwargs={"pk": pk})
    return f"{parts[0]}{text}{parts[1]}"


@functools.lru_cache(maxsize=64)
def _pk_path(name: str, urlconf: str, script_prefix: str, language: str | None):
    """The route's address before and after its `pk`, or None where `reverse` must do it."""
    try:
        path = reverse(name, kwargs={"pk": RECORD_ID}, urlconf=urlconf)
    except NoReverseMatch:
        return None
    if path.count(RECORD_ID) != 1:
        return None
    before, _id, after = path.partition(RECORD_ID)
    return before, after


# --- the list pages' filter fields ---------------------------------------------------------------
def _is_plain(field) -> bool:
    """A widget `filter_field` draws itself: one input, a select or a checkbox."""
    widget = field.field.widget
    return not (
        getattr(widget, "widgets", None)
        or getattr(widget, "use_fieldset", False)
        or getattr(widget, "needs_multipart_form", False)
        or widget.is_hidden
    )


def _widget(field, extra: str) -> str:
    """The widget with crispy-forms' classes: the widget's own, its lower-cased class name, then
    `extra` (and is-invalid with errors)."""
    widget = field.field.widget
    name = widget.__class__.__name__.lower()
    own = widget.attrs.get("class", "")
    css = f"{own} {name}" if own and name not in own else (own or name)
    for part in (extra + (" is-invalid" if field.errors else "")).split():
        if part not in css.split():
            css += f" {part}"
    return field.as_widget(attrs={"class": css})


def _errors_and_help(field) -> str:
    parts = []
    if field.errors:
        lines = format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((n, field.auto_id, error) for n, error in enumerate(field.errors, 1)),
        )
        parts.append(
            format_html(
                '<div id="{}_error" class="invalid-feedback">{}</div>',
                getattr(field.errors, "field_id", None) or field.auto_id,
                lines,
            )
        )
    if field.help_text:
        parts.append(
            format_html(
                '<div id="{}_helptext" class="form-text">{}</div>',
                field.auto_id,
                mark_safe(field.help_text),  # noqa: S308 - the form's own text, as crispy does
            )
        )
    return "".join(parts)


@register.filter
def filter_field(field):
    """One field of a list's filter form (or another GET search form: the booking page's slot
    search) with crispy-bootstrap5's markup (templates/bootstrap5 field.html: label, widget,
    errors, help), drawn in Python: the crispy template tree cost a list page ~15 ms. Widgets
    it does not draw (files, radios, multi-widgets) go to crispy."""
    if not _is_plain(field):
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(field)
    required = " requiredField" if field.field.required else ""
    css = f" {field.css_classes()}" if field.css_classes() else ""
    if isinstance(field.field.widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check{}">{}'
            '<label for="{}" class="form-check-label{}">{}</label>{}</div></div>',
            field.auto_id,
            css,
            _widget(field, "form-check-input"),
            field.id_for_label,
            required,
            field.label,
            mark_safe(_errors_and_help(field)),  # noqa: S308 - built by format_html
        )
    extra = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    label = ""
    if field.label:
        label = format_html(
            '<label for="{}" class="form-label{}">{}</label>',
            field.id_for_label,
            required,
            field.label,
        )
    return format_html(
        '<div id="div_{}" class="mb-3{}">{}{}{}</div>',
        field.auto_id,
        css,
        label,
        _widget(field, extra),
        mark_safe(_errors_and_help(field)),  # noqa: S308 - built by format_html
    )


# --- radio buttons and check boxes ---------------------------------------------------------------
CHECK_OPTION = (
    '<div class="form-check{}"><input type="{}" class="form-check-input{}" name="{}" value="{}"{}>'
    '<label for="{}" class="form-check-label">{}</label>{}</div>'
)


@register.simple_tag(takes_context=True)
def check_options(context, field):
    """The options of a radio or check-box field as crispy-bootstrap5 draws them
    (bootstrap5/layout/radio_checkbox_select.html's loop, which templates/bootstrap5 replaces
    with this tag), drawn in Python: the template includes a file per option for its
    attributes, and a busy day's booking page offers 84 slots (~25,000 Python calls).
    tests/core/test_layout_performance.py compares both drawings."""
    inline = " form-check-inline" if context.get("inline_class") else ""
    invalid = " is-invalid" if field.errors else ""
    groups = optgroups(field)
    last = (len(groups[-1][1]), len(groups)) if groups else None
    html = []
    for group_number, (group, options, _index) in enumerate(groups, 1):
        if group:
            html.append(format_html("<strong>{}</strong>", group))
        for number, option in enumerate(options, 1):
            errors = ""
            if field.errors and not inline and (number, group_number) == last:
                errors = get_template("bootstrap5/layout/field_errors_block.html").render(
                    context.flatten()
                )  # under the last option, as the template draws them
            html.append(
                format_html(
                    CHECK_OPTION,
                    inline,
                    option["type"],
                    invalid,
                    field.html_name,
                    localize(option["value"], use_l10n=False),
                    mark_safe(html_attrs(option["attrs"])),  # noqa: S308 - escaped there
                    option["attrs"].get("id", ""),
                    localize(option["label"], use_l10n=False),
                    mark_safe(errors),  # noqa: S308 - a template's output
                )
            )
    # A line between options, as the template leaves: inline options are inline-blocks, spaced
    # by that white space.
    return mark_safe("\n".join(html))  # noqa: S308 - each part built by format_html
