"""E-mails the accounts app sends: links into Django's own password-reset flow."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def password_link_token(user) -> str:
    """`<uidb64>/<token>`: the tail of the e-mailed link and the API's reset token alike."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uidb64}/{default_token_generator.make_token(user)}"


def send_password_link(user, *, template: str, extra_context=None) -> None:
    """Send `<template>_subject.txt` + `<template>.txt` with the set-password link."""
    token = password_link_token(user)
    context = {
        "user": user,
        "app_name": settings.APP_NAME,
        "link": f"{settings.SITE_URL}/accounts/reset/{token}/",
        "token": token,
        "expiry_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        **(extra_context or {}),
    }
    subject = render_to_string(f"{template}_subject.txt", context)
    body = render_to_string(f"{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
