from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.models import Clinic
from clinics.tenancy import get_or_404, scope_to_clinic
from core.roles import STAFF_ROLES, require


def clinic_get_current(*, actor) -> Clinic:
    require(actor, "clinic.view")
    if actor.clinic is None:  # platform superusers belong to no clinic
        raise Http404(_("You do not belong to a clinic."))
    return actor.clinic


def staff_list(*, actor, search: str = "", role: str = "", status: str = ""):
    """The actor's clinic's staff; `status` is "active", "inactive" or empty for both."""
    require(actor, "staff.view")
    users = scope_to_clinic(User.objects.filter(role__in=STAFF_ROLES), actor)
    if search:
        users = users.filter(Q(name__icontains=search) | Q(email__icontains=search))
    if role:
        users = users.filter(role=role)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return users.order_by("name", "email")


def staff_get(*, actor, id: str) -> User:
    require(actor, "staff.view")
    return get_or_404(scope_to_clinic(User.objects.filter(role__in=STAFF_ROLES), actor), id)
