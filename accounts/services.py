"""Account writes and the audit trail. Views and API call these; they never write directly."""

import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.emails import send_address_taken, send_password_link, send_signup_link
from accounts.models import AuditEvent, PendingSignup, RefreshTokenRecord, User, UserManager
from accounts.tasks import password_reset_send, signup_send
from accounts.tokens import (
    FAMILY_CLAIM,
    GENERATION_CLAIM,
    RecordedRefreshToken,
    family_revoke,
)
from core.audit import audit
from core.events import emit
from core.roles import Role, require
from core.services import model_update
from core.transactions import savepoint, unit

Action = AuditEvent.Action
logger = logging.getLogger(__name__)
SIGNUP_LINK_HOURS = 24


@dataclass(frozen=True)
class Invitation:
    """What inviting someone did: their account, and whether the e-mail went out (if not, the
    account is kept: tell the inviter and offer "resend")."""

    user: User | None  # None: the address has an account elsewhere; its holder was told
    sent: bool
    created: bool = True  # False: a pending invitation was sent again
    email: str = ""  # where the invitation (or the holder's notice) went


@unit
def invitation_send(
    *, actor, user: User, template: str, extra_context=None, detail: str = ""
) -> bool:
    """E-mail an invited user (staff or patient) the link that sets their password.

    The one invitation policy: the account is kept whether or not the e-mail went out; the
    answer says whether it did, so the inviter is told and offered "resend" (which calls this
    again). The invitation is audited either way, with the outcome after `detail`.
    """
    try:
        send_password_link(user, template=template, extra_context=extra_context)
        sent = True
    except (smtplib.SMTPException, OSError):
        logger.exception("Invitation e-mail could not be sent (user %s)", user.pk)
        sent = False
    patient_id = (extra_context or {}).get("patient_id", "")
    audit(
        actor=actor,
        action=Action.INVITE,
        obj=user,
        patient_id=patient_id,
        detail="; ".join(
            filter(
                None,
                [detail, gettext_noop("e-mail sent") if sent else gettext_noop("e-mail not sent")],
            )
        ),
    )
    return sent


def address_holder(email: str) -> User | None:
    """The account that has this address, if any. Only for code whose answer does not depend on
    it (workers, invitations that answer the same either way)."""
    return User.objects.filter(email=UserManager.normalize_email(email)).first()


def account_save_unless_taken(user: User, *, holder: User | None) -> User | None:
    """Save the new account `user` unless its address already has one (`holder`, as the caller
    looked it up): returns that holder, or None once `user` is saved. An address taken between
    the look-up and the write (the unique index) ends as if the look-up had found it."""
    if holder is not None:
        return holder
    try:
        with savepoint():
            user.save(force_insert=True)
    except IntegrityError:
        holder = address_holder(user.email)
        if holder is None:
            raise
    return holder


def invitation_to_taken_address(
    *, actor, holder: User, kind: str, patient_id: str = "", detail: str = ""
) -> bool:
    """An invitation to an address that already has an account: nothing is created in the
    inviting clinic; the holder is told a clinic tried to invite them (no link), and the
    inviter gets the same answer as for a new address. Returns whether the mail went out."""
    try:
        send_address_taken(
            holder, template="accounts/email/invitation_address_taken", inviting_clinic=actor.clinic
        )
        sent = True
    except (smtplib.SMTPException, OSError):
        logger.exception("Invitation notice could not be sent (user %s)", holder.pk)
        sent = False
    audit(
        actor=actor,
        action=Action.INVITE,
        patient_id=patient_id,
        detail="; ".join(
            filter(
                None,
                [
                    detail,
                    f"{kind}: the address has an account elsewhere, nothing created",
                    "holder told" if sent else "holder not told (e-mail not sent)",
                ],
            )
        ),
    )
    return sent


# --- sign-up: a pending row and a queued e-mail, the same for any address ----------------------
def _token_digest(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def pending_signup_create(*, email: str, name: str, clinic_name: str, password: str) -> None:
    """Keep a sign-up until its address is proven and queue the mail. The request does the same
    work whatever the address (no lookup of accounts here): the worker decides what to send."""
    pending = PendingSignup(
        email=UserManager.normalize_email(email),
        name=name.strip(),
        clinic_name=clinic_name.strip(),
        password_hash=make_password(password),
        language=get_language() or "",
        expires_at=timezone.now() + timedelta(hours=SIGNUP_LINK_HOURS),
    )
    pending.save(force_insert=True)
    signup_send.enqueue(pending.pk)


def unsolicited_mail_allowed(address: str) -> bool:
    """Anyone may make us mail an address (a sign-up, a password reset): at most
    UNSOLICITED_MAILS_PER_HOUR such mails an hour per address, so these forms cannot flood an
    inbox. Counted by the worker, so the request's answer and timing do not change. The count
    lives in the cache (share it across machines with CACHE_URL), keyed by a hash, not the
    address."""
    key = "unsolicited-mail:" + hashlib.sha256(address.lower().encode()).hexdigest()
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    return sent <= settings.UNSOLICITED_MAILS_PER_HOUR


def pending_signup_deliver(*, pending_id: str) -> None:
    """The worker's half: a new address gets the link that creates the clinic; an address with
    an account gets a mail to its holder instead, and the pending sign-up is dropped."""
    pending = PendingSignup.objects.filter(pk=pending_id, used_at__isnull=True).first()
    if pending is None:
        return
    if not unsolicited_mail_allowed(pending.email):
        logger.warning("Sign-up e-mail not sent: hourly cap for its address (%s)", pending.pk)
        pending.delete()
        return
    holder = address_holder(pending.email)
    try:
        if holder is not None:
            pending.delete()
            send_address_taken(holder, template="accounts/email/signup_address_taken")
            audit(
                actor=None,
                action=Action.SIGNUP,
                obj=holder,
                clinic=holder.clinic,
                detail=gettext_noop(
                    "sign-up tried with this address: holder told, nothing created"
                ),
            )
            return
        token = secrets.token_urlsafe(32)
        PendingSignup.objects.filter(pk=pending.pk).update(token_hash=_token_digest(token))
        send_signup_link(pending, token=token, expiry_hours=SIGNUP_LINK_HOURS)
    except (smtplib.SMTPException, OSError):
        # The sign-up's answer is already given; the person signs up again if nothing arrives.
        logger.exception("Sign-up e-mail could not be sent (pending sign-up %s)", pending.pk)


def pending_signup_find(*, token: str) -> PendingSignup | None:
    """The unused, unexpired sign-up a link belongs to (for the page that asks to confirm)."""
    if not token:
        return None
    return PendingSignup.objects.filter(
        token_hash=_token_digest(token), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def pending_signup_claim(*, token: str) -> PendingSignup:
    """Use a sign-up link: one conditional write, so a link works once even when two requests
    race (no transaction needed on any backend)."""
    invalid = ValidationError({"token": _("This sign-up link is invalid, used or expired.")})
    pending = pending_signup_find(token=token)
    if pending is None:
        raise invalid
    now = timezone.now()
    claimed = PendingSignup.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=now)
    if not claimed:
        raise invalid
    pending.used_at = now
    return pending


def pending_signups_prune() -> int:
    """Forget sign-ups whose link expired or was used a day ago: they can never be used again."""
    cutoff = timezone.now() - timedelta(days=1)
    deleted, _by_model = PendingSignup.objects.filter(expires_at__lt=timezone.now()).delete()
    used, _by_model = PendingSignup.objects.filter(used_at__lt=cutoff).delete()
    return deleted + used


def email_check_available(email: str, *, exclude=None) -> str:
    """Refuse an address that has an account. Only where the asker has proven the address (a
    followed sign-up link): elsewhere the answer would tell strangers who has an account."""
    email = UserManager.normalize_email(email)
    users = User.objects.filter(email=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    if users.exists():
        raise ValidationError({"email": _("An account with this e-mail already exists.")})
    return email


def tokens_issue(*, user: User, family: str = "") -> dict:
    """A token pair: a new family (a login), or the next pair of `family` (a rotation)."""
    refresh = RecordedRefreshToken.for_user(user, family=family)
    return {"access_token": str(refresh.access_token), "refresh_token": str(refresh)}


def tokens_rotate(*, refresh_token: str) -> dict:
    """A new token pair for a valid refresh token, which stops working (used once).

    A genuine token that was already rotated, presented again while its family lives on, means
    two parties hold it: the whole family is revoked (the thief's tokens and the user's alike;
    the user logs in again) and the reuse is audited as a suspected theft.
    """
    invalid = ValidationError(_("The refresh token is invalid, expired or revoked."), "invalid")
    try:
        refresh = RecordedRefreshToken(refresh_token)
    except TokenError:
        _refresh_reuse_check(refresh_token)
        raise invalid
    user = User.objects.filter(pk=refresh.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if (
        user is None
        or refresh.get(GENERATION_CLAIM, 0) != user.token_generation
        or not refresh.revoke()
    ):
        raise invalid
    return tokens_issue(user=user, family=refresh.family)


def _refresh_reuse_check(refresh_token: str) -> None:
    try:  # signature and expiry only: is it a genuine token that was revoked?
        genuine = RefreshToken(refresh_token)
    except TokenError:
        return
    family = genuine.get(FAMILY_CLAIM, "")
    if family and family_revoke(family):
        user = User.objects.filter(pk=genuine.get(jwt_settings.USER_ID_CLAIM)).first()
        logger.warning(  # by id: a User prints as name and e-mail
            "Rotated refresh token reused: token family revoked (user %s)", user.pk if user else "-"
        )
        audit(
            actor=None,
            action=Action.TOKEN_REUSE,
            obj=user,
            clinic=user.clinic if user else None,
            detail=gettext_noop("suspected theft: every token of this login revoked"),
        )


def token_revoke(*, actor: User, refresh_token: str) -> None:
    """Log out one device: its refresh token stops working."""
    try:
        refresh = RecordedRefreshToken(refresh_token)
    except TokenError:
        raise ValidationError({"refresh_token": _("This refresh token is invalid or revoked.")})
    if str(refresh.get(jwt_settings.USER_ID_CLAIM)) != str(actor.pk):
        raise ValidationError({"refresh_token": _("This refresh token is not yours.")})
    refresh.revoke()
    family_revoke(refresh.family)  # the access tokens of this login stop working too
    logout_record(user=actor)


# Raised when a staff member's role or active flag changes (the clinic's staff page, the API,
# the Django admin): apps hand on what that person can no longer act on (threads assigned to
# them, critical alerts waiting for them to read).
STAFF_CHANGED = "accounts.staff_changed"


def staff_changed(*, actor, user: User) -> None:
    emit(STAFF_CHANGED, obj=user, actor=actor)


def refresh_tokens_revoke(user) -> None:
    """End every token and web session the user holds (password changed, account deactivated):
    refresh tokens are revoked and the token generation moves on, so access tokens and tokens
    issued before a deactivation never work again, even after a reactivation."""
    RefreshTokenRecord.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
    user.refresh_from_db(fields=["token_generation"])


@unit
def password_set(*, user: User, new_password: str, action: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password", "is_verified", "updated_at"])
    refresh_tokens_revoke(user)
    audit(actor=user, action=action, obj=user)


def password_change(*, actor: User, current_password: str, new_password: str, request) -> None:
    """The current password is checked as a login is (`request`: the page's or the API's), so a
    stolen token or an unlocked phone gives no unlimited guesses at it: each wrong one is a
    failed login (audited, counted by django-axes and the source's throttle) and, past the
    limit, the answer is the lockout's 429. Not a unit: the refusal must keep those rows
    (`password_set` is the unit)."""
    if authenticate(request, username=actor.email, password=current_password) is None:
        raise ValidationError({"current_password": _("Your current password is not correct.")})
    try:
        password_set(user=actor, new_password=new_password, action=Action.PASSWORD_CHANGE)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages})


def password_reset_request(*, email: str) -> None:
    """Queue the reset link for this address; the answer and the work done in the request are
    the same whether or not it has an account (no enumeration by content or timing)."""
    password_reset_send.enqueue(UserManager.normalize_email(email))


def password_reset_deliver(*, email: str) -> None:
    """E-mail a reset link if an active account has this address (the worker's half)."""
    user = User.objects.filter(email=UserManager.normalize_email(email), is_active=True).first()
    if user is None:
        return
    if not unsolicited_mail_allowed(user.email):
        logger.warning("Password-reset e-mail not sent: hourly cap (user %s)", user.pk)
        return
    try:
        send_password_link(user, template="accounts/email/password_reset")
    except (smtplib.SMTPException, OSError):
        # The answer must not reveal whether the account exists, so the failure is only logged.
        logger.exception("Password-reset e-mail could not be sent (user %s)", user.pk)
        return
    audit(actor=None, action=Action.PASSWORD_RESET_REQUEST, obj=user, clinic=user.clinic)


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The user a reset link belongs to, or None when the link is wrong, used or expired."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@unit
def password_reset_confirm(*, user: User, new_password: str) -> None:
    """Finish a reset or an invitation: following the e-mailed link proves the address, so a
    locked-out user gets in again from anywhere (the account's login lockouts are cleared)."""
    user.is_verified = True
    try:
        password_set(user=user, new_password=new_password, action=Action.PASSWORD_RESET)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages})
    axes_reset(username=user.email)


def lockout_clear(*, actor: User, user: User) -> int:
    """A clinic admin lets a locked-out staff member try again (from every address).

    `user` comes from accounts.selectors.lockout_user (in the admin's clinic)."""
    require(actor, "staff.manage")
    cleared = axes_reset(username=user.email)
    audit(actor=actor, action=Action.UNLOCK, obj=user, detail=f"{cleared} lockout(s) cleared")
    return cleared


@unit
def password_reset_with_token(*, token: str, new_password: str) -> None:
    """The API's variant: `token` is the link's `<uidb64>/<token>` tail."""
    uidb64, _sep, reset_token = (token or "").strip().strip("/").partition("/")
    user = password_reset_user(uidb64=uidb64, token=reset_token)
    if user is None:
        raise ValidationError({"token": _("This reset link is invalid, used or expired.")})
    password_reset_confirm(user=user, new_password=new_password)


def login_record(*, user: User) -> None:
    audit(actor=user, action=Action.LOGIN, obj=user)


def login_failed_record(*, email: str) -> None:
    user = User.objects.filter(email=UserManager.normalize_email(email)).first()
    audit(
        actor=None,
        action=Action.LOGIN_FAILED,
        obj=user,
        clinic=user.clinic if user else None,
        detail="" if user else gettext_noop("unknown account"),
    )


def logout_record(*, user: User) -> None:
    audit(actor=user, action=Action.LOGOUT, obj=user)


@unit
def profile_update(
    *, actor: User, name: str | None = None, phone: str | None = None, language: str | None = None
) -> User:
    """Change one's own name, phone and language, those given; on invalid input nothing is
    written or kept in memory."""
    fields = {"name": name, "phone": phone, "language": language}
    fields = {key: value.strip() for key, value in fields.items() if value is not None}
    if actor.role == Role.PATIENT and fields.get("name", actor.name) != actor.name:
        # Staff read it beside the patient's messages: "Dr …" must not be theirs to choose.
        refusal = _("Your name is the one on your clinic's record: ask your clinic to change it.")
        raise ValidationError({"name": refusal})
    model_update(
        actor, fields=fields, allowed=("name", "phone", "language"), exclude_clean=["password"]
    )
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=actor,
        detail=gettext_noop("profile") + ": " + ", ".join(fields),
    )
    return actor


def refresh_tokens_prune() -> int:
    """Forget refresh-token records that expired: they can never be used again."""
    deleted, _by_model = RefreshTokenRecord.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
