"""Clinic settings and staff management, for clinic admins."""

import logging
import smtplib

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from accounts.emails import send_password_link
from accounts.models import AuditEvent, User
from accounts.services import email_check_available, refresh_tokens_revoke
from clinics.models import Clinic
from core.audit import audit
from core.roles import STAFF_ROLES, Role, require

Action = AuditEvent.Action
logger = logging.getLogger(__name__)
CLINIC_EDITABLE_FIELDS = (
    "name",
    "logo",
    "primary_color",
    "timezone",
    "address",
    "phone",
    "email",
    "website",
)


def clinic_update(*, actor, clinic: Clinic, **fields) -> Clinic:
    require(actor, "clinic.update")
    unknown = set(fields) - set(CLINIC_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    old_logo = clinic.logo.name if clinic.logo else ""
    for name, value in fields.items():
        setattr(clinic, name, value)
    clinic.full_clean()
    clinic.save()
    if old_logo and "logo" in fields and clinic.logo.name != old_logo:
        clinic.logo.storage.delete(old_logo)
    audit(actor=actor, action=Action.UPDATE, obj=clinic, detail=", ".join(sorted(fields)))
    return clinic


def _validate_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise ValidationError({"role": _("Choose one of the staff roles.")})


def staff_invite(*, actor, email: str, name: str, role: str, phone: str = "") -> User:
    """Create an inactive-password staff account and e-mail its set-password link."""
    require(actor, "staff.manage")
    _validate_staff_role(role)
    email = email_check_available(email)
    user = User(email=email, name=name.strip(), role=role, phone=phone, clinic=actor.clinic)
    user.set_unusable_password()
    user.full_clean()
    try:
        user.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"email": _("An account with this e-mail already exists.")})
    try:
        send_password_link(
            user, template="accounts/email/invitation", extra_context={"inviter": actor}
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("Invitation e-mail could not be sent (user %s)", user.pk)
        user.delete()  # an invitation nobody received is not kept
        raise ValidationError(
            {"email": _("The invitation e-mail could not be sent; nothing was saved. Try again.")}
        )
    audit(actor=actor, action=Action.INVITE, obj=user, detail=f"role={role}")
    return user


def _admins_left_without(user: User) -> int:
    return (
        User.objects.filter(clinic_id=user.clinic_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .count()
    )


def staff_update(*, actor, user: User, **fields) -> User:
    """Change a staff member's role, name, phone or active flag, keeping one admin at least."""
    require(actor, "staff.manage")
    allowed = {"role", "name", "phone", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    if "role" in fields:
        _validate_staff_role(fields["role"])
    losing_admin = (
        user.role == Role.ADMIN
        and user.is_active
        and (fields.get("role", Role.ADMIN) != Role.ADMIN or fields.get("is_active") is False)
    )
    if losing_admin and _admins_left_without(user) == 0:
        raise ValidationError(
            _("A clinic needs at least one active admin: make someone else an admin first.")
        )
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save()
    if fields.get("is_active") is False:
        refresh_tokens_revoke(user)
    changes = ", ".join(f"{k}={v}" for k, v in sorted(fields.items()) if k in ("role", "is_active"))
    audit(actor=actor, action=Action.UPDATE, obj=user, detail=changes)
    return user


def staff_deactivate(*, actor, user: User) -> User:
    return staff_update(actor=actor, user=user, is_active=False)
