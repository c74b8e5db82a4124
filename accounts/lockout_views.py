"""The clinic admin's page of staff locked out of logging in, with a button to let them in."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from core.decorators import staff_page


@staff_page("staff.view")
def lockout_list(request):
    return render(
        request, "accounts/lockouts.html", {"lockouts": selectors.lockouts_list(actor=request.user)}
    )


@require_POST
@staff_page()
def lockout_clear(request, user_id):
    user = selectors.lockout_user(actor=request.user, id=user_id)
    services.lockout_clear(actor=request.user, user=user)
    messages.success(request, _("%(name)s may log in again.") % {"name": user.name})
    return redirect("accounts:lockouts")
