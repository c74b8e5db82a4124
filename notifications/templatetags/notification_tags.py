"""`{% notification_bell %}`: the navigation's bell with the unread count (one primary-key read)."""

from django import template

from notifications.services import unread_count

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context):
    user = context["user"]
    return {"unread": unread_count(actor=user) if user.is_authenticated else 0}
