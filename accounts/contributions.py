"""What the accounts app adds to the rest: the event raised when staff are invited."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.contributions import NotificationEvent, contribute
from core.roles import Role


def _clinic_admins(user):
    return User.objects.filter(clinic_id=user.clinic_id, role=Role.ADMIN, is_active=True).exclude(
        pk=user.pk
    )


contribute(
    "accounts",
    # Raised by accounts.emails when a staff invitation is e-mailed.
    NotificationEvent(
        key="accounts.staff_invited",
        label=_("Staff member invited"),
        description=_("Someone was invited to join the clinic's staff."),
        default_channels=("in_app",),
        audience=(Role.ADMIN,),
        recipients=_clinic_admins,
        link=lambda user, _recipient: reverse("clinics:staff_detail", args=[user.pk]),
        order=50,
    ),
)
