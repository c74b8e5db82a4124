"""Two-factor authentication: TOTP (django-otp) and single-use backup codes (otp_static).

Who must pass a second factor: anyone with a confirmed device; staff their clinic's policy names
(Clinic.mfa_policy: admins, or all staff); platform superusers always. A web session passes it
once (SESSION_KEY holds the user id); the API answers a password login with a short-lived
`mfa_token` that /api/v1/auth/mfa/verify exchanges, with a code, for the tokens.
"""

import base64
import math

import segno
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.emails import send_mfa_removed
from accounts.models import AuditEvent, User
from core.audit import audit
from core.errors import Conflict
from core.roles import STAFF_ROLES, Role, require

Action = AuditEvent.Action
SESSION_KEY = "mfa_passed"  # the id of the user whose second factor this session passed
BACKUP_CODE_COUNT = 10
TOKEN_MAX_AGE = 5 * 60
TOKEN_SALT = "accounts.mfa.token"
VERIFY, ENROL = "verify", "enrol"

POLICY_OFF, POLICY_ADMINS, POLICY_STAFF = "off", "admins", "staff"


# --- who needs what ---------------------------------------------------------------------------
def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required_by_policy(user) -> bool:
    """Whether the user must enrol: superusers always; staff as their clinic's policy says."""
    if user.is_superuser:
        return True
    if user.role not in STAFF_ROLES or user.clinic_id is None:
        return False
    policy = user.clinic.mfa_policy
    return policy == POLICY_STAFF or (policy == POLICY_ADMINS and user.role == Role.ADMIN)


def login_step(user) -> str:
    """What a password login still needs: "" (nothing), VERIFY (a code) or ENROL (a device)."""
    if has_device(user):
        return VERIFY
    if required_by_policy(user):
        return ENROL
    return ""


# --- the API's half-signed-in token -----------------------------------------------------------
def token_for(user, purpose: str) -> str:
    # The password hash's tail: a password change voids tokens handed out before it.
    return signing.dumps(
        {"u": user.pk, "p": purpose, "h": user.password[-12:]}, salt=TOKEN_SALT, compress=True
    )


def user_from_token(token: str, purpose: str) -> User:
    invalid = ValidationError({"mfa_token": _("This sign-in has expired; log in again.")})
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise invalid
    if data.get("p") != purpose:
        raise invalid
    user = User.objects.filter(pk=data.get("u"), is_active=True).select_related("clinic").first()
    if user is None or user.password[-12:] != data.get("h"):
        raise invalid
    return user


# --- enrolment --------------------------------------------------------------------------------
def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def totp_begin(*, user) -> dict:
    """Start enrolment: a new secret (any earlier unfinished one is dropped) and its QR code."""
    if has_device(user):
        raise Conflict(_("Two-factor authentication is already on; reset it first."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return totp_pending(user=user)


def totp_pending(*, user) -> dict | None:
    """The enrolment started and not yet confirmed (its secret and QR code), if any."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        return None
    url = device.config_url
    return {
        "secret": base64.b32encode(device.bin_key).decode(),
        "otpauth_url": url,
        "qr_svg": qr_svg(url),
    }


def totp_confirm(*, user, code: str) -> list[str]:
    """Finish enrolment with a code from the app; returns the backup codes (shown once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationError({"code": _("Start the set-up again: no pending authenticator.")})
    wait = _wait_seconds(device)
    if wait:
        raise ValidationError({"code": wait_message(wait)})
    if not device.verify_token(_digits(code)):
        raise ValidationError({"code": _("That code is not right; check the app's clock.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_regenerate(user=user)
    audit(actor=user, action=Action.MFA_ENROL, obj=user, clinic=user.clinic_id)
    return codes


def backup_codes_regenerate(*, user) -> list[str]:
    """A fresh set of single-use backup codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    StaticToken.objects.filter(device=device).delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


# --- verification -----------------------------------------------------------------------------
def _digits(code) -> str:
    return "".join(str(code or "").split())


def _wait_seconds(device) -> int:
    """Seconds until django-otp checks this device's codes again (0: now). After a wrong code it
    refuses every code, the right one too, for 1, 2, 4… seconds: people must be told to wait."""
    allowed, info = device.verify_is_allowed()
    locked_until = (info or {}).get("locked_until")
    if allowed or locked_until is None:
        return 0
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes: wait %(seconds)s second, then try again.",
        "Too many wrong codes: wait %(seconds)s seconds, then try again.",
        seconds,
    ) % {"seconds": seconds}


def verify_error(*, user, code: str) -> str:
    """Nothing ("") when the code passes, else what to tell the person. A TOTP code (each
    works once: django-otp keeps the last time step used) or a backup code (deleted as it is
    used: only one of two racing requests deletes it); a locked authenticator still lets a
    backup code in."""
    code = _digits(code)
    wait = 0
    if code:
        # Only digits can be a TOTP code: a backup code must not count as a wrong one.
        totp = TOTPDevice.objects.filter(user=user, confirmed=True) if code.isdigit() else []
        for device in totp:
            wait = max(wait, _wait_seconds(device))  # before the try, which locks it a moment
            if device.verify_token(code):
                return ""
        # Backup codes have their own throttle, so guessing them is as slow as guessing TOTP
        # codes; a digits-only code is a TOTP code typed wrong, not a guess at a backup code.
        for device in StaticDevice.objects.filter(user=user, confirmed=True):
            device_wait = _wait_seconds(device)
            if device_wait:
                wait = max(wait, device_wait)
                continue
            # No join in a delete (MongoDB refuses one). Backup codes are made in lower case
            # (StaticToken.random_token); people type capitals.
            used, _by_model = StaticToken.objects.filter(
                device_id=device.pk, token=code.lower()
            ).delete()
            if used:
                device.throttle_reset()
                return ""
            if not code.isdigit():
                device.throttle_increment()
    audit(actor=None, action=Action.MFA_FAILED, obj=user, clinic=user.clinic_id)
    return wait_message(wait) if wait else _("That code is not right, or was already used.")


def verify_or_raise(*, user, code: str) -> None:
    error = verify_error(user=user, code=code)
    if error:
        raise ValidationError({"code": error})


# --- recovery ---------------------------------------------------------------------------------
def _second_factor_removed(*, actor, user, detail: str, patient_id: str = "") -> None:
    """The one way a second factor goes: its devices deleted, its holder told by e-mail (a reset
    talked out of the desk leaves them a trace), one audit row."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    send_mfa_removed(user, by_clinic=actor.pk != user.pk)
    audit(
        actor=actor,
        action=Action.MFA_RESET,
        obj=user,
        patient_id=patient_id,
        clinic=user.clinic_id,
        detail=detail,
    )


def mfa_reset(*, actor, user, permission: str = "staff.manage", patient_id: str = "") -> None:
    """The clinic removes someone's second factor (a lost phone): an admin a colleague's, the
    desk or a clinician a patient's (`permission` "patients.mfa_reset", `patient_id` their record,
    whose access log then shows it). Staff enrol again where their clinic's policy says so."""
    require(actor, permission)
    _second_factor_removed(
        actor=actor, user=user, patient_id=patient_id, detail=gettext_noop("second factor removed")
    )


def mfa_turn_off(*, user, code: str) -> None:
    """The holder turns their own second factor off, proving it with a code (from the app, or
    a backup code); not where their clinic's policy requires one."""
    if not has_device(user):
        raise Conflict(_("Two-factor authentication is not on."))
    if required_by_policy(user):
        raise PermissionDenied(
            _("Your clinic requires two-factor authentication: it cannot be turned off.")
        )
    verify_or_raise(user=user, code=code)
    _second_factor_removed(
        actor=user, user=user, detail=gettext_noop("second factor turned off by its holder")
    )
