"""The navigation bar's Messages link with the user's unread count (one primary-key read)."""

from django import template
from django.urls import reverse

from core.roles import STAFF_ROLES, can
from messaging.selectors import unread_count

register = template.Library()


@register.inclusion_tag("messaging/nav.html", takes_context=True)
def messages_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(
        user is not None
        and getattr(user, "clinic_id", None)
        and user.role in STAFF_ROLES
        and can(user, "messaging.view")
    )
    return {
        "show": show,
        "unread": unread_count(actor=user) if show else 0,
        "active": _current(request.path, context.get("nav_state")) if show else "",
    }


def _current(path: str, nav_state) -> str:
    """ "page" on the inbox, "section" on the other messaging pages, "" elsewhere: a patient's
    new-message page is in their record (base.html's nav_state), not here."""
    inbox = reverse("messaging:inbox")
    if not path.startswith(inbox) or getattr(nav_state, "section", "") == "patients":
        return ""
    return "page" if path == inbox else "section"
