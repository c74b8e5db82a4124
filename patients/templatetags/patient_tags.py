"""Template helpers of the patient pages: panel contexts, badges, role names."""

import functools

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from core.roles import Role

register = template.Library()

SEVERITY_BADGES = {
    "severe": "text-bg-danger",
    "moderate": "text-bg-warning",
    "mild": "text-bg-info",
    "unknown": "text-bg-secondary",
}
STATUS_BADGES = {"active": "text-bg-primary", "inactive": "text-bg-secondary"}


class PanelContextNode(template.Node):
    def __init__(self, variable, nodelist):
        self.variable = variable
        self.nodelist = nodelist

    def render(self, context):
        values = self.variable.resolve(context) or {}
        with context.push(**values):
            return self.nodelist.render(context)


@register.tag
def panel_context(parser, token):
    """`{% panel_context item.context %}{% include item.template %}{% endpanel_context %}`:
    the panel's template sees its context function's keys as plain variables (panels.py)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("panel_context takes one argument: a dict")
    nodelist = parser.parse(("endpanel_context",))
    parser.delete_first_token()
    return PanelContextNode(parser.compile_filter(bits[1]), nodelist)


@register.filter
def severity_badge(severity: str) -> str:
    return SEVERITY_BADGES.get(severity, "text-bg-secondary")


@register.filter
def status_badge(status) -> str:
    if status is True:
        status = "active"
    elif status is False:
        status = "inactive"
    return STATUS_BADGES.get(status, "text-bg-light border")


@register.filter
def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role or ""


# The add forms' field widths on the summary panel, by kind.
ADD_FIELD_COLUMNS = {"allergies": "col-md-3", "conditions": "col-md-4", "medications": "col-md-4"}


@register.simple_tag
def clinical_add_fields(kind: str):
    """The fields of an empty add form for the clinical summary panel (ids prefixed so three
    fit on a page): the same HTML for every patient and user of one language."""
    return _clinical_add_fields(kind, get_language())


@functools.cache
def _clinical_add_fields(kind: str, language: str) -> str:
    """Drawn once per process and language (gunicorn's master draws them before it forks:
    patients/contributions.py): crispy's field templates cost ~4 ms a form."""
    from patients.forms import CLINICAL_FORMS

    form = CLINICAL_FORMS[kind](auto_id=f"id_{kind}_%s")
    context = {"form": form, "column_class": ADD_FIELD_COLUMNS[kind]}
    return render_to_string("patients/_clinical_add_fields.html", context)


@register.inclusion_tag("includes/patient_header.html", takes_context=True)
def patient_header(context, patient):
    """The chart's header on every page about one patient: who, and the allergy banner (active
    allergies with severity, "No known allergies", or "not yet recorded") for clinical roles.
    Read as part of the page's own audited view of the patient (once: the summary panel on the
    patient page shows the same rows)."""
    from core.roles import can
    from patients.selectors import banner_allergies

    user = context.get("user")
    shows_allergies = can(user, "clinical.view")
    return {
        "patient": patient,
        "user": user,
        "shows_allergies": shows_allergies,
        "allergies": banner_allergies(patient) if shows_allergies else [],
        "may_edit": can(user, "clinical.edit"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def phone_display(stored: str) -> str:
    """`+44 7381 283329` for a number stored in E.164; anything else as it was entered."""
    from patients.phones import display

    return display(stored)


@register.simple_tag
@functools.cache
def vocabulary_datalists():
    """The coded lists the substance and medication fields offer as you type (<datalist>):
    fixed data, so drawn once per process."""
    from patients import vocabulary

    context = {"allergens": vocabulary.ALLERGEN_NAMES, "medications": vocabulary.MEDICATION_NAMES}
    return render_to_string("patients/_vocabulary_datalists.html", context)
