"""The permission an HTML page declares when it loads no record (`@staff_page("perm")`)."""

import functools

from django.http import Http404
from django.utils.translation import gettext as _

from core.roles import STAFF_ROLES, require


def staff_page(permission: str | None = None):
    """For clinic staff pages: 404 for users of no clinic (platform superusers), 403 for
    non-staff, then 403 unless the role grants `permission` (when the page names one).

    Pages that load a record leave `permission` to the record's access call
    (`<thing>_get(..., permission=...)`), which answers 404 before 403.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if getattr(user, "clinic_id", None) is None:
                raise Http404(_("You do not belong to a clinic."))
            if user.role not in STAFF_ROLES:
                require(user, "clinic.view")  # raises: patients never use staff pages
            if permission is not None:
                require(user, permission)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
