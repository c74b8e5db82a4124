"""HTML pages of the accounts app: parse input, call a service, render or redirect."""

import datetime
import logging

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.generic import FormView

from accounts import mfa, selectors, services
from accounts.forms import (
    AuditFilterForm,
    EmailAuthenticationForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
)
from accounts.language import activate_for
from core.contributions import widgets_for
from core.decorators import staff_page
from core.forms import apply_service_errors
from core.lists import filtered_page
from core.roles import Role

logger = logging.getLogger(__name__)
RESET_FOR_APP = "password_reset_for_app"  # session: the password just set was a patient's


def home(request):
    """The staff home: the clinic, who is signed in, where they can go, and the apps' widgets."""
    user = request.user
    # Admins are asked to turn on two-factor authentication until they have.
    recommend_mfa = user.role == Role.ADMIN and not mfa.has_device(user)
    return render(
        request,
        "accounts/home.html",
        {"widgets": widgets_for(actor=user), "mfa_recommended": recommend_mfa},
    )


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@method_decorator(login_not_required, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """POST only. Public, so an expired session's "Log out" button still lands on the login."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(FormView):
    """Ask for a reset link; the answer is the same whether or not the e-mail has an account."""

    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            services.password_reset_request(email=form.cleaned_data["email"])
        except OSError:  # SMTP trouble: log it, but answer as always (no account enumeration)
            logger.exception("Could not send a password reset e-mail")
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's link check (token moved into the session), then the accounts service writes."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    title = gettext_lazy("Choose a new password")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        try:
            services.password_reset_confirm(
                user=form.user, new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"new_password": "new_password2"})
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        # Patients' invitations and resets end here too, but they sign in in the app.
        self.request.session[RESET_FOR_APP] = form.user.role == Role.PATIENT
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    """Staff get the login button; patients are told to sign in in the app (the staff login
    refuses them). Only a valid link sets the flag, so nothing about an e-mail leaks."""

    template_name = "registration/password_reset_complete.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "for_app": self.request.session.get(RESET_FOR_APP),
        }


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        try:
            services.password_change(
                actor=self.request.user,
                current_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=self.request,
            )
        except ValidationError as exc:
            apply_service_errors(
                form, exc, {"current_password": "old_password", "new_password": "new_password2"}
            )
            return self.form_invalid(form)
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())


def profile(request):
    """The signed-in user's own name, phone and language: only what they changed is saved (a
    clinic admin may have changed their name or phone meanwhile)."""
    user = request.user
    initial = ProfileForm.initial_for(user)
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=initial, user=user)
        if form.is_valid():
            changes = form.changed_fields()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("accounts:profile")
            try:
                services.profile_update(actor=user, **changes)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                activate_for(request, user)  # the message below in the language just chosen
                messages.success(request, _("Your profile has been saved."))
                return redirect("accounts:profile")
    else:
        form = ProfileForm(initial=initial, user=user)
    return render(request, "accounts/profile.html", {"form": form})


@require_GET
@staff_page("audit.view")
def audit_trail(request):
    """The clinic's audit trail for its admins: newest first, filtered, walked by cursor."""
    staff = selectors.audit_trail_staff(actor=request.user)
    filter_form = AuditFilterForm(request.GET, staff=staff)
    filters = filter_form.filters()
    until = filters["until"]
    page_obj = filtered_page(
        filter_form,
        selectors.audit_trail_page,
        actor=request.user,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        action=filters["action"],
        actor_id=filters["who"],
        patient_search=filters["patient"],
        since=_day_start(filters["since"]),
        until=_day_start(until + datetime.timedelta(days=1)) if until else None,
    )
    return render(
        request,
        "accounts/audit_trail.html",
        {
            "page_obj": page_obj,
            "filter_form": filter_form,
            "is_filtered": filter_form.is_filtered(),
        },
    )


def _day_start(day: datetime.date | None):
    """Midnight starting `day` in the clinic's timezone (the one the middleware activated)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if day else None
