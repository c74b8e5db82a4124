"""Two-factor pages: the code after the password, enrolment from the profile, and the guard.

MfaMiddleware keeps a signed-in web session that has not passed its second factor (or must
still enrol) on these pages: everything else redirects here, and the API (session auth) answers
403 with `mfa_required` / `mfa_enrollment_required`.
"""

from django import forms
from django.contrib import auth
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import mfa
from core.forms import apply_service_errors


class CodeForm(forms.Form):
    """The sign-in code: no numeric keypad, as a backup code has letters."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=gettext_lazy("From your authenticator app, or one of your backup codes."),
    )


class SetupCodeForm(CodeForm):
    """The set-up code: only the app's digits (there are no backup codes yet)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]  # a copy per form: the class's field is left as it is
        code.widget.attrs["inputmode"] = "numeric"
        code.help_text = ""


def pass_session(request) -> None:
    request.session[mfa.SESSION_KEY] = request.user.pk


def _next_url(request) -> str:
    """A path on this site to go on to, else home. Only a path: `redirect()` reads a bare word
    ("foo") as the name of a URL pattern, and a link with `?next=foo` answered 500."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("home")


def mfa_verify(request):
    """The second step of the HTML login: a code, after the password."""
    if mfa.login_step(request.user) != mfa.VERIFY:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = mfa.verify_error(user=request.user, code=form.cleaned_data["code"])
        if not error:
            pass_session(request)
            return redirect(_next_url(request))
        form.add_error("code", error)
    return render(request, "accounts/mfa_verify.html", {"form": form})


def mfa_setup(request):
    """Enrol an authenticator app: the QR code, then a code to confirm, then the backup codes."""
    user = request.user
    if mfa.has_device(user):
        return render(request, "accounts/mfa_setup.html", {"enrolled": True})
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.totp_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            pass_session(request)  # the page itself says it is on, above the backup codes
            return render(request, "accounts/mfa_setup.html", {"backup_codes": codes})
    # The key already shown, as long as it waits for its code: a phone's browser reloads the
    # tab after a switch to the authenticator app, and a new key made the scanned one useless.
    setup = mfa.totp_pending(user=user) or mfa.totp_begin(user=user)
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "setup": setup, "required": mfa.required_by_policy(user)},
    )


def mfa_cancel(request):
    """Leave a half-finished sign-in: log out (POST)."""
    if request.method == "POST":
        logout(request)
    return redirect("accounts:login")


# Pages a session may reach before its second factor: these, log out, and static files.
OPEN_URL_NAMES = ("accounts:mfa_verify", "accounts:mfa_setup", "accounts:mfa_cancel")


class MfaMiddleware:
    """Holds a web session at the second step until it has passed it (see module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.session.get(mfa.SESSION_KEY) == user.pk
        ):
            return self.get_response(request)
        step = mfa.login_step(user)
        if not step:
            pass_session(request)
            return self.get_response(request)
        open_paths = [reverse(name) for name in OPEN_URL_NAMES] + [reverse("accounts:logout")]
        if request.path in open_paths or request.path.startswith("/static/"):
            return self.get_response(request)
        code = "mfa_required" if step == mfa.VERIFY else "mfa_enrollment_required"
        if request.path.startswith("/api/"):
            detail = _("Finish signing in with your second factor first.")
            return JsonResponse({"detail": detail, "code": code}, status=403)
        target = "accounts:mfa_verify" if step == mfa.VERIFY else "accounts:mfa_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def on_login(sender, request, user, **kwargs):
    """A web login that needs no second step passes at once (the guard then costs no query).
    API logins have no signed-in session, so they write none."""
    session = getattr(request, "session", None)
    if session is None or session.get(auth.SESSION_KEY) != str(user.pk):
        return
    if not mfa.login_step(user):
        session[mfa.SESSION_KEY] = user.pk
