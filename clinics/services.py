"""Clinic writes: signup (a new clinic and its first admin), settings, staff management."""

import io
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from accounts.language import LANGUAGE_CHOICES
from accounts.models import AuditEvent, User, UserManager
from accounts.services import (
    Invitation,
    account_save_unless_taken,
    address_holder,
    email_check_available,
    invitation_send,
    invitation_to_taken_address,
    pending_signup_claim,
    pending_signup_create,
    refresh_tokens_revoke,
    staff_changed,
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


def _signup_validate(*, name: str, email: str, password: str, clinic_name: str) -> str:
    """The checks that do not depend on whether the address has an account: malformed input
    is refused at once; whether the address is free is only learnt from the e-mail."""
    email = UserManager.normalize_email(email)
    errors = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    try:
        Clinic(name=(clinic_name or "").strip(), slug="signup").full_clean(exclude=["slug"])
    except ValidationError as exc:
        errors["clinic_name"] = exc.message_dict.get("name", exc.messages)
    try:
        User(email=email, name=(name or "").strip(), role=Role.ADMIN).clean_fields(
            exclude=["password", "clinic", "email"]
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, User(email=email, name=(name or "").strip()))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return email


@unit
def clinic_signup_request(*, name: str, email: str, password: str, clinic_name: str) -> None:
    """Start a sign-up: check the input, keep it as a pending sign-up and queue the e-mail that
    proves the address. The answer is the same whether or not the address has an account."""
    email = _signup_validate(name=name, email=email, password=password, clinic_name=clinic_name)
    pending_signup_create(email=email, name=name, clinic_name=clinic_name, password=password)


@unit
def clinic_signup_confirm(*, token: str) -> User:
    """Follow a sign-up link: the clinic and its admin are created, once per link."""
    pending = pending_signup_claim(token=token)
    return clinic_signup(
        name=pending.name,
        email=pending.email,
        password_hash=pending.password_hash,
        clinic_name=pending.clinic_name,
        language=pending.language,
    )


@unit
def clinic_signup(
    *, name: str, email: str, password_hash: str, clinic_name: str, language: str = ""
) -> User:
    """Create a clinic and its first user, a clinic admin; nothing is kept if either fails.

    Only for an address its owner has proven (a followed sign-up link): then saying that it
    already has an account tells nobody else anything. `language`: the one the sign-up was made
    in, kept as the admin's own where it is not the new clinic's."""
    email = email_check_available(email)
    clinic = Clinic(name=clinic_name.strip(), slug=unique_slug(clinic_name))
    user = User(email=email, name=name.strip(), role=Role.ADMIN, is_verified=True)
    code = (language or "").split("-")[0].lower()
    if code in dict(LANGUAGE_CHOICES) and code != clinic.locale_code.split("-")[0].lower():
        user.language = code
    try:
        clinic.full_clean()
    except ValidationError as exc:
        raise ValidationError({"clinic_name": exc.message_dict.get("name", exc.messages)})
    clinic.save()
    user.clinic = clinic
    user.password = password_hash
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
    """Invite a colleague: a new address gets a staff account without a password and the link
    that sets it; an address that has an account elsewhere gets a notice to its holder and
    nothing is created here. The inviter gets the same answer either way (`Invitation.email`,
    `Invitation.sent`; never branch on `user` in an answer).

    A new account is kept even when the e-mail cannot be sent (`sent` is False): the inviter
    is told and can resend it (`staff_invitation_resend`), as for patients.
    """
    require(actor, "staff.manage")
    _validate_staff_role(role)
    email = UserManager.normalize_email(email)
    user = User(email=email, name=name.strip(), role=role, phone=phone, clinic=actor.clinic)
    user.set_unusable_password()
    user.full_clean(validate_unique=False)
    holder = address_holder(email)
    if holder is not None and holder.clinic_id == actor.clinic_id and holder.role in STAFF_ROLES:
        # Already in the inviter's own staff list: saying so tells them nothing new.
        raise ValidationError({"email": _("This person is already on your clinic's staff.")})
    holder = account_save_unless_taken(user, holder=holder)
    if holder is not None:
        sent = invitation_to_taken_address(
            actor=actor, holder=holder, kind="staff", detail=f"role={role}"
        )
        return Invitation(None, sent=sent, email=email)
    sent = _send_invitation(actor=actor, user=user, detail=f"role={role}")
    return Invitation(user, sent=sent, email=email)


def staff_invitation_message(invitation) -> str:
    """The inviter's answer, the same whether or not the address has an account elsewhere."""
    if invitation.sent:
        return _(
            "An invitation is on its way to %(email)s. If this address already has an account, "
            "its holder is told instead and no colleague is added."
        ) % {"email": invitation.email}
    return _(
        "The invitation e-mail to %(email)s could not be sent. If they are listed as invited, "
        "use “Resend invitation” on their page; otherwise invite them again later."
    ) % {"email": invitation.email}


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
    changed = model_update(user, fields=fields, allowed=STAFF_EDITABLE_FIELDS)
    if fields.get("is_active") is False:
        refresh_tokens_revoke(user)
    if {"role", "is_active"} & set(changed):
        staff_changed(actor=actor, user=user)
    changes = ", ".join(f"{k}={v}" for k, v in sorted(fields.items()) if k in ("role", "is_active"))
    audit(actor=actor, action=Action.UPDATE, obj=user, detail=changes)
    return user


@unit
def staff_deactivate(*, actor, user: User) -> User:
    return staff_update(actor=actor, user=user, is_active=False)
