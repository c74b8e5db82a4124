"""Clinic writes: signup (a new clinic and its first admin), settings, staff management."""

import io
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from accounts.models import AuditEvent, User
from accounts.services import (
    Invitation,
    email_check_available,
    invitation_send,
    refresh_tokens_revoke,
)
from clinics.models import LOGO_STORED_SIDE, Clinic, validate_logo
from core.audit import audit
from core.contributions import clinic_created
from core.errors import ServiceError
from core.roles import STAFF_ROLES, Role, require
from core.services import model_update, only_fields
from core.transactions import savepoint, unit

Action = AuditEvent.Action
CLINIC_EDITABLE_FIELDS = (
    "name",
    "logo",
    "primary_color",
    "timezone",
    "country",
    "locale",
    "address",
    "phone",
    "email",
    "website",
    "min_notice_hours",
    "cancel_cutoff_hours",
    "mfa_policy",
)
STAFF_EDITABLE_FIELDS = ("role", "name", "phone", "is_active")
INVITATION_TEMPLATE = "accounts/email/invitation"


# --- signup ------------------------------------------------------------------------------------
def unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "clinic"
    slug, n = base, 1
    while Clinic.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@unit
def clinic_signup(*, name: str, email: str, password: str, clinic_name: str) -> User:
    """Create a clinic and its first user, a clinic admin; nothing is kept if either fails."""
    email = email_check_available(email)
    clinic = Clinic(name=clinic_name.strip(), slug=unique_slug(clinic_name))
    user = User(email=email, name=name.strip(), role=Role.ADMIN)
    errors = {}
    try:
        clinic.full_clean()
    except ValidationError as exc:
        errors["clinic_name"] = exc.message_dict.get("name", exc.messages)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    clinic.save()
    user.clinic = clinic
    user.set_password(password)
    try:
        user.full_clean()
        with savepoint():
            user.save(force_insert=True)
    except (ValidationError, IntegrityError) as exc:
        clinic.delete()  # no orphan clinic when the user could not be written (e.g. a race)
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError({"email": _("An account with this e-mail already exists.")})
    clinic_created(clinic)
    audit(actor=user, action=Action.SIGNUP, obj=clinic)
    return user


# --- the clinic's settings ---------------------------------------------------------------------
def logo_reencoded(file):
    """The uploaded logo decoded and written again by Pillow, scaled to LOGO_STORED_SIDE a side:
    what is stored and served is pixels we wrote (no metadata, no trailing payload, a size that
    suits a navbar). Anything Pillow cannot read, or too large, is left for validate_logo."""
    try:
        validate_logo(file)
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image = ImageOps.exif_transpose(image)
            image.thumbnail((LOGO_STORED_SIDE, LOGO_STORED_SIDE))
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            output = io.BytesIO()
            image.save(output, format=image_format)
    except (ValidationError, OSError, ValueError):
        file.seek(0)
        return file
    return ContentFile(output.getvalue(), name=os.path.basename(file.name or "logo"))


@unit
def clinic_update(*, actor, clinic: Clinic, **fields) -> Clinic:
    """Change the clinic's settings; a replaced logo's old file is deleted once the new is saved."""
    require(actor, "clinic.update")
    old_logo = clinic.logo.name if clinic.logo else ""
    if fields.get("logo"):
        fields["logo"] = logo_reencoded(fields["logo"])
    changed = model_update(clinic, fields=fields, allowed=CLINIC_EDITABLE_FIELDS)
    if old_logo and "logo" in changed and clinic.logo.name != old_logo:
        clinic.logo.storage.delete(old_logo)
    audit(actor=actor, action=Action.UPDATE, obj=clinic, detail=", ".join(sorted(fields)))
    return clinic


# --- staff -------------------------------------------------------------------------------------
def _validate_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise ValidationError({"role": _("Choose one of the staff roles.")})


@unit
def staff_invite(*, actor, email: str, name: str, role: str, phone: str = "") -> Invitation:
    """Create a staff account without a password and e-mail the link that sets it.

    The account is kept even when the e-mail cannot be sent (`Invitation.sent` is False): the
    inviter is told and can resend it (`staff_invitation_resend`), as for patients.
    """
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
    return Invitation(user, sent=_send_invitation(actor=actor, user=user, detail=f"role={role}"))


@unit
def staff_invitation_resend(*, actor, user: User) -> bool:
    """E-mail a new set-password link to a colleague who has not chosen a password yet."""
    require(actor, "staff.manage")
    if user.has_usable_password():
        raise ServiceError(
            _("%(name)s has already set a password: there is no invitation to resend.")
            % {"name": user.name}
        )
    if not user.is_active:
        raise ServiceError(_("Reactivate the account before resending the invitation."))
    return _send_invitation(actor=actor, user=user, detail=f"role={user.role}; resent")


def _send_invitation(*, actor, user: User, detail: str) -> bool:
    return invitation_send(
        actor=actor,
        user=user,
        template=INVITATION_TEMPLATE,
        extra_context={"inviter": actor},
        detail=detail,
    )


def _admins_left_without(user: User) -> int:
    return (
        User.objects.filter(clinic_id=user.clinic_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .count()
    )


@unit
def staff_update(*, actor, user: User, **fields) -> User:
    """Change a staff member's role, name, phone or active flag, keeping one admin at least."""
    require(actor, "staff.manage")
    only_fields(fields, STAFF_EDITABLE_FIELDS)
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
    model_update(user, fields=fields, allowed=STAFF_EDITABLE_FIELDS)
    if fields.get("is_active") is False:
        refresh_tokens_revoke(user)
    changes = ", ".join(f"{k}={v}" for k, v in sorted(fields.items()) if k in ("role", "is_active"))
    audit(actor=actor, action=Action.UPDATE, obj=user, detail=changes)
    return user


@unit
def staff_deactivate(*, actor, user: User) -> User:
    return staff_update(actor=actor, user=user, is_active=False)
