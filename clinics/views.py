"""HTML pages of the clinics app: clinic settings and staff management, for clinic admins."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import apply_service_errors
from clinics import selectors, services
from clinics.forms import ClinicSettingsForm, StaffEditForm, StaffFilterForm, StaffInviteForm
from core.roles import can, require

STAFF_PER_PAGE = 25


def _current_clinic(request):
    clinic = selectors.clinic_get_current(actor=request.user)
    if clinic is None:  # a platform superuser without a clinic: nothing to show here
        raise Http404(_("You do not belong to a clinic."))
    return clinic


@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    clinic = _current_clinic(request)
    require(request.user, "clinic.update")
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
            except ValidationError as exc:
                # The service set the values on the clinic before validating: restore the stored
                # ones, so that the navbar on the re-rendered page shows what is really saved.
                clinic.refresh_from_db()
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The clinic settings have been saved."))
                return redirect("clinics:settings")
    else:
        form = ClinicSettingsForm(initial=initial)
    return render(request, "clinics/settings.html", {"form": form})


@require_http_methods(["GET"])
def staff_list(request):
    filter_form = StaffFilterForm(request.GET)
    filters = filter_form.filters()
    users = selectors.staff_list(
        actor=request.user,
        search=(filters.get("q") or "").strip(),
        role=filters.get("role") or "",
        status=filters.get("status") or "",
    )
    page_obj = Paginator(users, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinics/staff_list.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "staff": page_obj.object_list,
            "is_filtered": any(filters.get(name) for name in ("q", "role", "status")),
        },
    )


@require_http_methods(["GET", "POST"])
def staff_invite(request):
    require(request.user, "staff.manage")
    if request.method == "POST":
        form = StaffInviteForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.staff_invite(
                    actor=request.user,
                    email=data["email"],
                    name=data["name"],
                    role=data["role"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s has been invited; an e-mail with a link to set a password was "
                        "sent to %(email)s."
                    )
                    % {"name": user.name, "email": user.email},
                )
                return redirect("clinics:staff_list")
    else:
        form = StaffInviteForm()
    return render(request, "clinics/staff_invite.html", {"form": form})


@require_http_methods(["GET", "POST"])
def staff_detail(request, pk: str):
    member = selectors.staff_get(actor=request.user, id=pk)
    initial = StaffEditForm.initial_for(member)
    form = StaffEditForm(initial=initial)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "deactivate":
                services.staff_deactivate(actor=request.user, user=member)
                messages.success(
                    request, _("%(name)s has been deactivated.") % {"name": member.name}
                )
            elif action == "reactivate":
                services.staff_update(actor=request.user, user=member, is_active=True)
                messages.success(
                    request, _("%(name)s has been reactivated.") % {"name": member.name}
                )
            else:
                form = StaffEditForm(request.POST, initial=initial)
                if not form.is_valid():
                    return render(
                        request, "clinics/staff_detail.html", {"form": form, "member": member}
                    )
                changes = form.changed_fields()
                if not changes:
                    messages.info(request, _("Nothing was changed."))
                    return redirect("clinics:staff_detail", pk=member.pk)
                services.staff_update(actor=request.user, user=member, **changes)
                messages.success(request, _("The changes have been saved."))
        except ValidationError as exc:
            member.refresh_from_db()
            if action in ("deactivate", "reactivate"):
                for message in exc.messages:
                    messages.error(request, message)
            else:
                apply_service_errors(form, exc)
        else:
            # An admin who just demoted themselves: `member` holds their new role.
            editor = member if member.pk == request.user.pk else request.user
            if not can(editor, "staff.view"):
                return redirect("home")
            return redirect("clinics:staff_detail", pk=member.pk)
    return render(request, "clinics/staff_detail.html", {"form": form, "member": member})
