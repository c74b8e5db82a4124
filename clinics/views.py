"""HTML pages of the clinics app: signup, clinic settings and staff management."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import mfa
from accounts import services as accounts_services
from accounts.language import activate_for
from accounts.services import SIGNUP_LINK_HOURS
from clinics import selectors, services
from clinics.forms import (
    ClinicSettingsForm,
    SignupForm,
    StaffEditForm,
    StaffFilterForm,
    StaffInviteForm,
)
from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.lists import page_of
from core.roles import can

# Without this, login() cannot tell which of the configured backends vouched for a new user.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_not_required
@sensitive_post_parameters("password", "password_confirm")
@never_cache
def signup(request):
    """Start a sign-up: the answer is "check your e-mail" whether or not the address has an
    account; the e-mailed link creates the clinic (`signup_confirm`)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.clinic_signup_request(
                name=data["name"],
                email=data["email"],
                password=data["password"],
                clinic_name=data["clinic_name"],
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("accounts:signup_sent")
    return render(request, "clinics/signup.html", {"form": form})


@login_not_required
@require_http_methods(["GET"])
def signup_sent(request):
    return render(request, "clinics/signup_sent.html", {"hours": SIGNUP_LINK_HOURS})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request, token: str):
    """The e-mailed link: GET asks to confirm (mail scanners open links, and must not use them
    up), POST creates the clinic and its admin, who is then signed in."""
    if request.user.is_authenticated:
        return redirect("home")
    pending = accounts_services.pending_signup_find(token=token)
    if pending is None:
        return render(request, "clinics/signup_invalid.html", status=400)
    if request.method == "POST":
        try:
            user = services.clinic_signup_confirm(token=token)
        except SERVICE_ERRORS as exc:
            flash_errors(request, exc)
            return render(request, "clinics/signup_invalid.html", status=400)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request,
            _("Welcome! Your clinic “%(clinic)s” is ready.") % {"clinic": user.clinic.name},
        )
        return redirect("home")
    return render(request, "clinics/signup_confirm.html", {"pending": pending})


@staff_page()
@require_http_methods(["GET"])
def clinic_root(request):
    """/clinic/ has no page of its own: admins land on the settings, other staff at home."""
    return redirect("clinics:settings" if can(request.user, "clinic.update") else "home")


@staff_page()
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    clinic = selectors.clinic_get_current(actor=request.user, permission="clinic.update")
    initial = ClinicSettingsForm.initial_for(clinic)
    if request.method == "POST":
        form = ClinicSettingsForm(request.POST, request.FILES, initial=initial)
        if form.is_valid():
            changes = form.changed_fields()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("clinics:settings")
            try:
                services.clinic_update(actor=request.user, clinic=clinic, **changes)
            except SERVICE_ERRORS as exc:
                apply_service_errors(form, exc)
            else:
                activate_for(request, request.user)  # the message in the language just chosen
                messages.success(request, _("The clinic settings have been saved."))
                return redirect("clinics:settings")
    else:
        form = ClinicSettingsForm(initial=initial)
    return render(request, "clinics/settings.html", {"form": form})


@staff_page("staff.view")
@require_http_methods(["GET"])
def staff_list(request):
    filter_form = StaffFilterForm(request.GET)
    filters = filter_form.filters()
    users = selectors.staff_list(
        actor=request.user, search=filters["q"], role=filters["role"], status=filters["status"]
    )
    return render(
        request,
        "clinics/staff_list.html",
        {
            "filter_form": filter_form,
            "page_obj": page_of(users, number=request.GET.get("page")),
            "is_filtered": filter_form.is_filtered(),
        },
    )


@staff_page("staff.manage")
@require_http_methods(["GET", "POST"])
def staff_invite(request):
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.staff_invite(actor=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.add_message(
                request,
                messages.SUCCESS if invitation.sent else messages.WARNING,
                services.staff_invitation_message(invitation),
            )
            return redirect("clinics:staff_list")
    return render(request, "clinics/staff_invite.html", {"form": form})


@staff_page()
@require_http_methods(["GET", "POST"])
def staff_detail(request, pk: str):
    """A colleague's details; POST `action` = save (the default), reactivate, resend (the
    invitation) or mfa_reset. Deactivating asks first (`staff_deactivate`)."""
    permission = "staff.manage" if request.method == "POST" else "staff.view"
    member = selectors.staff_get(actor=request.user, id=pk, permission=permission)
    form = StaffEditForm(initial=StaffEditForm.initial_for(member))
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "deactivate":  # a page drawn before deactivating asked first
            return redirect("clinics:staff_deactivate", pk=member.pk)
        if action in STAFF_ACTIONS:
            done = _staff_action(request, member, action)
        else:
            form = StaffEditForm(request.POST, initial=form.initial)
            done = _staff_save(request, member, form)
        if done:
            return _after_change(request, member)
    # Only a confirmed device is "on": opening the set-up page leaves an unconfirmed one.
    context = {
        "form": form,
        "member": member,
        "mfa_on": mfa.has_device(member),
        "mfa_required": mfa.required_by_policy(member),
    }
    return render(request, "clinics/staff_detail.html", context)


def _staff_save(request, member, form) -> bool:
    """Save the edit form; False re-renders it with its errors."""
    if not form.is_valid():
        return False
    changes = form.changed_fields()
    if not changes:
        messages.info(request, _("Nothing was changed."))
        return True
    try:
        services.staff_update(actor=request.user, user=member, **changes)
    except SERVICE_ERRORS as exc:
        apply_service_errors(form, exc)
        return False
    messages.success(request, _("The changes have been saved."))
    return True


@staff_page()
@require_http_methods(["GET", "POST"])
def staff_deactivate(request, pk: str):
    """Asked first (GET), as the patient pages' archive and resets are: one stray tap on the
    colleague's page locked them out of the web and the apps."""
    member = selectors.staff_get(actor=request.user, id=pk, permission="staff.manage")
    if not member.is_active:  # from another tab, or twice: nothing to do, nothing written
        messages.info(request, _("%(name)s is already deactivated.") % {"name": member.name})
        return redirect("clinics:staff_detail", pk=member.pk)
    if request.method == "GET":
        return render(request, "clinics/staff_deactivate.html", {"member": member})
    try:
        services.staff_deactivate(actor=request.user, user=member)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
        return redirect("clinics:staff_detail", pk=member.pk)
    messages.success(request, _("%(name)s has been deactivated.") % {"name": member.name})
    return _after_change(request, member)


def _reactivate(request, member):
    services.staff_update(actor=request.user, user=member, is_active=True)
    messages.success(request, _("%(name)s has been reactivated.") % {"name": member.name})


def _resend(request, member):
    if services.staff_invitation_resend(actor=request.user, user=member):
        messages.success(
            request, _("A new invitation has been sent to %(email)s.") % {"email": member.email}
        )
    else:
        messages.error(
            request,
            _("The invitation e-mail could not be sent. Use “Resend invitation” to try again."),
        )


def _mfa_reset(request, member):
    """Only the clinic's policy makes them set it up again; otherwise it is simply off."""
    mfa.mfa_reset(actor=request.user, user=member)
    if mfa.required_by_policy(member):
        text = _(
            "%(name)s's second factor was removed; they set it up again at their next sign-in."
        )
    else:
        text = _(
            "%(name)s's second factor was removed: two-factor authentication is now off for "
            "them. They can turn it on again from their profile."
        )
    messages.success(request, text % {"name": member.name})


STAFF_ACTIONS = {
    "reactivate": _reactivate,
    "resend": _resend,
    "mfa_reset": _mfa_reset,
}


def _staff_action(request, member, action: str) -> bool:
    """One of the page's buttons; a refusal is shown as a message on the page (False)."""
    try:
        STAFF_ACTIONS[action](request, member)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
        return False
    return True


def _after_change(request, member):
    """Back to the colleague's page, or home for an admin who just gave up the staff pages."""
    editor = member if member.pk == request.user.pk else request.user
    if not can(editor, "staff.view"):
        return redirect("home")
    return redirect("clinics:staff_detail", pk=member.pk)
