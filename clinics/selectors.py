"""Clinic reads, built on the one access call (core.access): staff rows are never a patient's."""

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.models import Clinic
from core.access import get_in_reach, in_reach
from core.roles import STAFF_ROLES, require
from core.words import containing


def clinic_get_current(*, actor, permission: str | None = "clinic.view") -> Clinic:
    """The actor's own clinic (loaded with the user): 404 for users of no clinic, such as
    platform superusers, then 403 unless the role grants `permission`."""
    if getattr(actor, "clinic_id", None) is None:
        raise Http404(_("You do not belong to a clinic."))
    if permission is not None:
        require(actor, permission)
    return actor.clinic


def _staff():
    return User.objects.filter(role__in=STAFF_ROLES)


def staff_list(*, actor, search: str = "", role: str = "", status: str = ""):
    """The actor's clinic's staff; `status` is "active", "inactive" or empty for both.

    Reach only: the pages and endpoints that list staff declare "staff.view" themselves.
    """
    users = in_reach(_staff(), actor=actor, patient=None)
    if search:
        users = users.filter(containing(users, ["name", "email"], search))
    if role:
        users = users.filter(role=role)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return users.order_by("name", "email")


def staff_get(*, actor, id: str, permission: str | None = "staff.view") -> User:
    """One staff member: 404 outside the actor's clinic, then 403 unless the role may."""
    return get_in_reach(_staff(), actor=actor, id=id, permission=permission, patient=None)
