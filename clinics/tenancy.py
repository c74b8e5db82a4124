"""The one tenancy mechanism: every clinical read is scoped to the actor's clinic.

A record outside the actor's reach is a 404 (its existence is not revealed); an action the
role may not take on a record in reach is a 403 (core.roles.require).
"""

from django.http import Http404
from django.utils.translation import gettext as _


def scope_to_clinic(queryset, actor, *, field: str = "clinic"):
    """Rows of the actor's own clinic; nothing at all for users without one."""
    clinic_id = getattr(actor, "clinic_id", None)
    if not getattr(actor, "is_authenticated", False) or clinic_id is None:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": clinic_id})


def get_or_404(queryset, pk):
    """The row with this opaque id, or 404 for unknown, malformed or out-of-reach ids."""
    if not isinstance(pk, str) or not pk or len(pk) > 64:
        raise Http404(_("Not found."))
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Not found."))
    return obj
