"""Template helpers of the patient pages: panel contexts, badges, role names."""

from django import template

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
    """`{% panel_context item.context %}{% include item.panel.template %}{% endpanel_context %}`:
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


@register.simple_tag
def clinical_form(kind: str):
    """An empty add form for the clinical summary panel; ids prefixed so three fit on a page."""
    from patients.forms import CLINICAL_FORMS

    return CLINICAL_FORMS[kind](auto_id=f"id_{kind}_%s")
