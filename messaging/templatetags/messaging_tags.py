"""The navigation bar's Messages link with the user's unread count (one primary-key read)."""

from django import template

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
        # A patient's new-message page is in their record (base.html's nav_state), not here.
        "active": show
        and request.path.startswith("/messages/")
        and getattr(context.get("nav_state"), "section", "") != "patients",
    }
