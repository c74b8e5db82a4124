"""`{% if user|can:"staff.manage" %}`: templates ask the same permission table as services."""

from django import template

from core.roles import can as role_can

register = template.Library()


@register.filter
def can(user, permission: str) -> bool:
    return role_can(user, permission)
