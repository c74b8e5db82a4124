"""The DRF side of the role table (its own module: DRF imports it while loading its settings)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from core.roles import can


class RolePermission(permissions.BasePermission):
    """For API views that load no record (a list, a "create"): `required_permission` names the
    entry of the role table the view needs, or a dict of them by HTTP method."""

    message = _("Your role does not allow this action.")

    def has_permission(self, request, view):
        required = getattr(view, "required_permission", None)
        if isinstance(required, dict):
            required = required.get(request.method)
        return required is None or can(request.user, required)
