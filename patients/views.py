"""HTML pages of the patients app: the list, the forms, and the patient page (the chart's hub).

Each view makes one call to load what it shows or changes and translates that call's errors:
reads through patients.selectors (404 out of reach, then 403 for the role; GET pages audit one
'view'), writes through patients.services (which audit the write, so POSTs load the record with
`audited=False`). Pages that load no record declare their permission with `@staff_page(...)`.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from core.contributions import panels_for
from core.decorators import staff_page
from core.errors import Conflict, ServiceError
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.roles import can
from patients import selectors, services
from patients.forms import CLINICAL_FORMS, PatientFilterForm, PatientForm

CLINICAL_KINDS = tuple(CLINICAL_FORMS)
CLINICAL_TITLES = {
    "allergies": (gettext_lazy("allergy"), gettext_lazy("Allergies")),
    "conditions": (gettext_lazy("problem"), gettext_lazy("Problems")),
    "medications": (gettext_lazy("medication"), gettext_lazy("Medications")),
}
# The audit detail of opening each clinical form: English words, read in the reader's language
# (accounts.selectors.detail_label).
CLINICAL_FORM_DETAILS = {
    "allergies": {
        "add": gettext_noop("allergy add form"),
        "edit": gettext_noop("allergy edit form"),
        "delete": gettext_noop("allergy delete form"),
    },
    "conditions": {
        "add": gettext_noop("problem add form"),
        "edit": gettext_noop("problem edit form"),
        "delete": gettext_noop("problem delete form"),
    },
    "medications": {
        "add": gettext_noop("medication add form"),
        "edit": gettext_noop("medication edit form"),
        "delete": gettext_noop("medication delete form"),
    },
}


# --- list and create ---------------------------------------------------------------------------
@require_http_methods(["GET"])
@staff_page("patients.view")
def patient_list(request):
    filter_form = PatientFilterForm(request.GET)
    filters = filter_form.filters()
    page_obj = selectors.patient_page(
        actor=request.user,
        number=request.GET.get("page"),
        search=filters["q"],
        status=filters["status"],
        sort=filters["sort"],
        columns=selectors.LIST_COLUMNS,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return render(
        request,
        "patients/patient_list.html",
        {
            "filter_form": filter_form,
            "filters": filters,
            "page_obj": page_obj,
            "is_filtered": filter_form.is_filtered(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page("patients.create")
def patient_create(request):
    duplicates = []
    if request.method == "POST":
        form = PatientForm(request.POST, creating=True)
        if form.is_valid():
            try:
                patient = services.patient_create(
                    actor=request.user,
                    confirm_duplicate=form.cleaned_data["create_anyway"],
                    **form.all_fields(),
                )
            except Conflict as exc:  # possible duplicates: shown with "Create anyway"
                duplicates = services.duplicates_shown(actor=request.user, conflict=exc)
            except SERVICE_ERRORS as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s has been added with MRN %(mrn)s.")
                    % {"name": patient.full_name, "mrn": patient.mrn},
                )
                return redirect("patients:detail", pk=patient.pk)
    else:
        form = PatientForm(creating=True)
    return render(
        request,
        "patients/patient_form.html",
        {"form": form, "duplicates": duplicates, "patient": None},
    )


# --- the patient page --------------------------------------------------------------------------
@require_http_methods(["GET"])
@staff_page()
def patient_detail(request, pk: str):
    patient = selectors.patient_open(actor=request.user, id=pk)  # the page's one audit row
    may_delete = can(request.user, "patients.delete") and not services.patient_delete_refusal(
        patient
    )
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "panels": panels_for(actor=request.user, patient=patient),
            "may_delete": may_delete,
            "app_mfa_resettable": selectors.app_mfa_resettable(actor=request.user, patient=patient),
        },
    )


def _patient_for(request, pk: str, permission: str, detail: str):
    """The record a form page shows (GET: one audited view) or changes (POST: unaudited, the
    service audits the write)."""
    return selectors.patient_get(
        actor=request.user,
        id=pk,
        permission=permission,
        audited=request.method == "GET",
        detail=detail,
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def patient_edit(request, pk: str):
    patient = _patient_for(request, pk, "patients.update", gettext_noop("edit form"))
    if request.method == "GET":
        form = PatientForm(initial=PatientForm.initial_for(patient))
        return render(request, "patients/patient_form.html", {"form": form, "patient": patient})
    form = PatientForm(request.POST, initial=PatientForm.initial_for(patient))
    duplicates = []
    if form.is_valid():
        changes = form.changed_fields()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("patients:detail", pk=patient.pk)
        try:
            services.patient_update(
                actor=request.user,
                patient=patient,
                confirm_duplicate=form.cleaned_data["create_anyway"],
                **changes,
            )
        except Conflict as exc:  # renamed like another patient: shown with "Save anyway"
            duplicates = services.duplicates_shown(actor=request.user, conflict=exc)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("patients:detail", pk=patient.pk)
    context = {"form": form, "patient": patient, "duplicates": duplicates}
    return render(request, "patients/patient_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_page()
def patient_archive(request, pk: str):
    """Archive or restore: a confirmation page, then the POST. The form names the state it
    asks for, so a second submit (or a tab opened before a colleague's change) cannot undo it."""
    patient = _patient_for(request, pk, "patients.archive", gettext_noop("archive form"))
    wanted = {"1": True, "0": False}.get(request.POST.get("archived", ""))
    if request.method == "GET":
        return render(request, "patients/patient_archive.html", {"patient": patient})
    if wanted is None:
        messages.error(request, _("Choose Archive or Restore on this page."))
        return render(request, "patients/patient_archive.html", {"patient": patient}, status=400)
    if patient.is_archived == wanted:
        if wanted:
            said = _("The record of %(name)s was already archived.")
        else:
            said = _("The record of %(name)s was already active.")
        messages.info(request, said % {"name": patient.full_name})
    else:
        services.patient_set_archived(actor=request.user, patient=patient, archived=wanted)
        if wanted:
            said = _("The record of %(name)s has been archived.")
        else:
            said = _("The record of %(name)s has been restored.")
        messages.success(request, said % {"name": patient.full_name})
    return redirect("patients:detail", pk=patient.pk)


@require_http_methods(["GET", "POST"])
@staff_page()
def patient_delete(request, pk: str):
    patient = _patient_for(request, pk, "patients.delete", gettext_noop("delete form"))
    if request.method == "GET":
        problem = services.patient_delete_refusal(patient)
        return render(
            request, "patients/patient_delete.html", {"patient": patient, "problem": problem}
        )
    name, mrn = patient.full_name, patient.mrn
    try:
        services.patient_delete(actor=request.user, patient=patient)
    except ServiceError as exc:
        flash_errors(request, exc)
        return redirect("patients:detail", pk=patient.pk)
    messages.success(
        request,
        _("The record of %(name)s (%(mrn)s) has been deleted.") % {"name": name, "mrn": mrn},
    )
    return redirect("patients:list")


@require_POST
@staff_page()
def patient_invite(request, pk: str):
    """Invite the patient to the patient app, or resend a pending invitation."""
    patient = _patient_for(request, pk, "patients.invite", "")
    try:
        invitation = services.patient_invite(actor=request.user, patient=patient)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.add_message(
            request,
            messages.SUCCESS if invitation.sent else messages.WARNING,
            services.patient_invitation_message(invitation),
        )
    return redirect("patients:detail", pk=patient.pk)


@require_http_methods(["GET", "POST"])
@staff_page()
def patient_mfa_reset(request, pk: str):
    """The patient lost their phone: a confirmation page (what it changes for them), then the
    POST removes their app's second factor. Already off (a colleague's reset), the page sends
    back to the record, which says so."""
    patient = _patient_for(request, pk, "patients.mfa_reset", gettext_noop("two-factor reset form"))
    if request.method == "GET":
        if selectors.app_mfa_resettable(actor=request.user, patient=patient):
            return render(request, "patients/patient_mfa_reset.html", {"patient": patient})
        messages.info(request, _("Two-factor authentication is not on for this patient."))
        return redirect("patients:detail", pk=patient.pk)
    try:
        services.patient_mfa_reset(actor=request.user, patient=patient)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, services.PATIENT_MFA_RESET_DONE)
    return redirect("patients:detail", pk=patient.pk)


# --- the clinical summary: one set of views for allergies, problems and medications ------------
def _clinical_context(kind: str, **context) -> dict:
    singular, plural = CLINICAL_TITLES[kind]
    return {"kind": kind, "kind_singular": singular, "kind_plural": plural, **context}


def _clinical_record_for(request, pk: str, kind: str, rid: str, detail: str):
    """The clinical record a form page shows (GET: audited) or changes (POST: the service
    audits), loaded with its patient."""
    return selectors.clinical_get(
        actor=request.user,
        patient_id=pk,
        kind=kind,
        id=rid,
        permission="clinical.edit",
        audited=request.method == "GET",
        detail=detail,
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def clinical_add(request, pk: str, kind: str):
    form_class = CLINICAL_FORMS[kind]
    patient = _patient_for(request, pk, "clinical.edit", CLINICAL_FORM_DETAILS[kind]["add"])
    form = form_class(request.POST) if request.method == "POST" else form_class()
    conflicts = []
    if request.method == "POST" and form.is_valid():
        try:
            record = services.clinical_create(
                actor=request.user,
                patient=patient,
                kind=kind,
                **form.all_fields(),
                **_override(form),
            )
        except Conflict as exc:  # a medication matching an allergy: a reason is needed
            form, conflicts = _with_conflicts(form_class, request, exc)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            _record_saved(request, record, _("“%(record)s” has been added."))
            return redirect(_panel_url(patient, kind))
    return render(
        request,
        "patients/clinical_form.html",
        _clinical_context(kind, patient=patient, form=form, record=None, conflicts=conflicts),
    )


def _override(form) -> dict:
    """The override reason of a medication form (the services' keyword), if the form has one."""
    if "override_reason" not in form.fields:
        return {}
    return {"override_reason": form.cleaned_data.get("override_reason", "")}


def _with_conflicts(form_class, request, exc):
    """The form again, its override reason shown and the allergy conflicts listed above it."""
    conflicts = exc.extra.get("conflicts", [])
    form = form_class(request.POST, conflicts=conflicts)
    form.is_valid()  # the warning above the form says why (exc.message and each conflict)
    return form, conflicts


def _record_saved(request, record, message: str) -> None:
    messages.success(request, message % {"record": record})
    if getattr(record, "allergy_override_reason", ""):
        messages.warning(
            request,
            _("Prescribed despite a matching allergy; the reason is kept with the record."),
        )


@require_http_methods(["GET", "POST"])
@staff_page()
def clinical_edit(request, pk: str, kind: str, rid: str):
    form_class = CLINICAL_FORMS[kind]
    record = _clinical_record_for(request, pk, kind, rid, CLINICAL_FORM_DETAILS[kind]["edit"])
    patient = record.patient
    conflicts = []
    if request.method == "GET":
        form = form_class(initial=form_class.initial_for(record))
    else:
        form = form_class(request.POST, initial=form_class.initial_for(record))
        if form.is_valid():
            changes = form.changed_fields()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect(_panel_url(patient, kind))
            try:
                services.clinical_update(
                    actor=request.user, record=record, **changes, **_override(form)
                )
            except Conflict as exc:
                form, conflicts = _with_conflicts(form_class, request, exc)
                form.initial = form_class.initial_for(record)
            except SERVICE_ERRORS as exc:
                apply_service_errors(form, exc)
            else:
                _record_saved(request, record, _("“%(record)s” has been saved."))
                return redirect(_panel_url(patient, kind))
    return render(
        request,
        "patients/clinical_form.html",
        _clinical_context(kind, patient=patient, form=form, record=record, conflicts=conflicts),
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def clinical_delete(request, pk: str, kind: str, rid: str):
    record = _clinical_record_for(request, pk, kind, rid, CLINICAL_FORM_DETAILS[kind]["delete"])
    patient = record.patient
    if request.method == "GET":
        return render(
            request,
            "patients/clinical_delete.html",
            _clinical_context(kind, patient=patient, record=record),
        )
    label = str(record)
    services.clinical_delete(actor=request.user, record=record)
    messages.success(request, _("“%(record)s” has been deleted.") % {"record": label})
    return redirect(_panel_url(patient, kind))


@require_POST
@staff_page()
def allergy_status(request, pk: str):
    """Record "no known allergies" (asked, none) or go back to "not yet asked"."""
    patient = _patient_for(request, pk, "clinical.edit", "")
    try:
        services.allergy_status_set(
            actor=request.user, patient=patient, status=request.POST.get("allergy_status", "")
        )
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Allergy status: %(status)s.") % {"status": patient.get_allergy_status_display()},
        )
    return redirect(_panel_url(patient, "allergies"))


@require_http_methods(["GET"])
@staff_page("patients.view")
def patient_search(request):
    """The header search's results as you type (an HTML fragment): recently opened patients
    when nothing is typed yet."""
    query = request.GET.get("q", "").strip()
    if query:
        found = selectors.header_search(actor=request.user, query=query)
    else:
        found = selectors.recent_patients(actor=request.user)
    return render(
        request,
        "patients/_search_results.html",
        {"found": found, "query": query, "recent": not query},
    )


def _panel_url(patient, kind: str) -> str:
    return reverse("patients:detail", kwargs={"pk": patient.pk}) + f"#{kind}"
