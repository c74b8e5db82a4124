"""The e-mails the system sends: HTML and plain text, in the clinic's colours, with a footer that
says why the person got it, and nothing a stranger reading the mail could learn a patient's health
or name from.

Sending goes through Django's mail API, whose backend (settings.EMAIL_BACKEND) is the outbox:
the message is stored in the same step as the action and a worker delivers it, so no request
waits on SMTP and a mail server that is down loses nothing.
"""

import contextlib
import zoneinfo

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.language import recipient_language
from core.events import emit
from core.roles import Role

# Invitations raise these events (declared in accounts' and patients' contributions) once the
# mail is on its way, so admins and integrations hear of them.
INVITATION_EVENTS = {
    "accounts/email/invitation": "accounts.staff_invited",
    "patients/email/invitation": "patients.portal_invited",
}


@contextlib.contextmanager
def written_for(user=None, clinic=None):
    """Write a mail as `user` reads it at `clinic` (default: theirs) while the block runs: in
    their language and the clinic's locale formats (clinics/formats), times in the clinic's
    timezone. Every e-mail is rendered inside this, as every page is under the clinic's
    middleware. (The clinic is read, not imported: clinics sits above accounts.)"""
    if clinic is None:
        clinic = getattr(user, "clinic", None)
    zone = getattr(clinic, "timezone", "") or ""
    with contextlib.ExitStack() as stack:
        if zone:
            stack.enter_context(timezone.override(zoneinfo.ZoneInfo(zone)))
        stack.enter_context(recipient_language(user, clinic))
        yield


def absolute_url(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


def patient_app_url(path: str) -> str:
    """The patient app's own link to `path` (e.g. "/labs"): patients have only the app, and a
    phone's browser answers an API path with a 401 page. Empty while PATIENT_APP_LINK is unset."""
    base = settings.PATIENT_APP_LINK
    if not base:
        return ""
    # One slash between: "healthpassport://" + "/labs" is healthpassport://labs.
    return base + path.removeprefix("/") if base.endswith("/") else base + path


def branded_message(
    *,
    to: list[str],
    subject: str,
    text: str,
    clinic=None,
    reason: str = "",
    action_url: str = "",
    action_label: str = "",
) -> EmailMultiAlternatives:
    """A plain-text + HTML message with the clinic's name, logo and colour and a "why you got
    this" footer (`reason`). `text` is the plain body; the HTML shows the same paragraphs."""
    context = {
        "app_name": settings.APP_NAME,
        "clinic": clinic,
        "logo_url": absolute_url(clinic.logo.url) if clinic is not None and clinic.logo else "",
        "colour": getattr(clinic, "primary_color", "") or "#0d6efd",
        "text": text.strip(),
        "reason": reason,
        "action_url": action_url,
        "action_label": action_label,
    }
    plain = render_to_string("accounts/email/branded.txt", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), plain, None, to)
    message.attach_alternative(
        render_to_string("accounts/email/branded.html", context), "text/html"
    )
    # Files the stored message under the clinic (its admins see failed mail); never a header.
    message.clinic_id = getattr(clinic, "pk", None)
    return message


def password_link_token(user) -> str:
    """`<uidb64>/<token>`: the tail of the e-mailed link and the API's reset token alike."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uidb64}/{default_token_generator.make_token(user)}"


def send_password_link(user, *, template: str, extra_context=None) -> None:
    """Send `<template>_subject.txt` + `<template>.txt` with the set-password link, as the
    recipient reads it (`written_for`)."""
    clinic = (extra_context or {}).get("clinic") or user.clinic
    with written_for(user, clinic):
        _send_password_link(user, template=template, extra_context=extra_context)


def _send_password_link(user, *, template: str, extra_context=None) -> None:
    token = password_link_token(user)
    link = f"{settings.SITE_URL}/accounts/reset/{token}/"
    extra_context = extra_context or {}
    clinic = extra_context.get("clinic") or user.clinic
    context = {
        "user": user,
        "app_name": settings.APP_NAME,
        "link": link,
        "token": token,
        "expiry_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        **extra_context,
    }
    if template in INVITATION_EVENTS:
        reason = _("You got this e-mail because %(clinic)s invited %(email)s to %(app)s.")
    else:
        reason = _(
            "You got this e-mail because a password reset was asked for %(email)s on %(app)s."
        )
    message = branded_message(
        to=[user.email],
        subject=render_to_string(f"{template}_subject.txt", context),
        text=render_to_string(f"{template}.txt", context),
        clinic=clinic,
        reason=reason
        % {
            "clinic": clinic.name if clinic else settings.APP_NAME,
            "email": user.email,
            "app": settings.APP_NAME,
        },
        action_url=link,
        action_label=_("Choose your password"),
    )
    message.send()
    if template in INVITATION_EVENTS:
        emit(INVITATION_EVENTS[template], obj=user, clinic=clinic)


# --- sign-up and invitations to an address that may already have an account ---------------------
def send_signup_link(pending, *, token: str, expiry_hours: int) -> None:
    """The link that creates the clinic: only ever sent to an address without an account."""
    link = absolute_url(reverse("accounts:signup_confirm", args=[token]))
    with translation.override(pending.language or settings.LANGUAGE_CODE):
        context = {
            "app_name": settings.APP_NAME,
            "name": pending.name,
            "clinic_name": pending.clinic_name,
            "link": link,
            "token": token,
            "expiry_hours": expiry_hours,
        }
        branded_message(
            to=[pending.email],
            subject=render_to_string("accounts/email/signup_confirm_subject.txt", context),
            text=render_to_string("accounts/email/signup_confirm.txt", context),
            reason=_("You got this e-mail because %(email)s was used to sign up on %(app)s.")
            % {"email": pending.email, "app": settings.APP_NAME},
            action_url=link,
            action_label=_("Create my clinic"),
        ).send()


def send_address_taken(holder, *, template: str, inviting_clinic=None) -> None:
    """Tell the holder of an address that someone tried to sign up or invite it: no link that
    creates anything, only the way back into their own account."""
    with recipient_language(holder, holder.clinic):
        context = {
            "app_name": settings.APP_NAME,
            "email": holder.email,
            "inviting_clinic": inviting_clinic.name if inviting_clinic else "",
            "login_url": absolute_url(reverse("accounts:login")),
            "reset_url": absolute_url(reverse("accounts:password_reset")),
        }
        branded_message(
            to=[holder.email],
            subject=render_to_string(f"{template}_subject.txt", context),
            text=render_to_string(f"{template}.txt", context),
            reason=_("You got this e-mail because %(email)s was used on %(app)s.")
            % {"email": holder.email, "app": settings.APP_NAME},
            action_url=context["login_url"],
            action_label=_("Log in"),
        ).send()


def send_mfa_removed(user, *, by_clinic: bool) -> None:
    """Tell an account's holder that its second factor was removed (by the clinic, or with a
    code of theirs): a reset talked out of the desk would otherwise leave them no trace."""
    with recipient_language(user, user.clinic):
        context = {
            "app_name": settings.APP_NAME,
            "email": user.email,
            "by_clinic": by_clinic,
            "for_patient": user.role == Role.PATIENT,  # no web profile: the app only
            "reset_url": absolute_url(reverse("accounts:password_reset")),
        }
        branded_message(
            to=[user.email],
            subject=render_to_string("accounts/email/mfa_removed_subject.txt", context),
            text=render_to_string("accounts/email/mfa_removed.txt", context),
            clinic=user.clinic,
            reason=_("You got this e-mail because the security of %(email)s changed on %(app)s.")
            % {"email": user.email, "app": settings.APP_NAME},
        ).send()
