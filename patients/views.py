"""HTML pages of the patients app: the list, the forms, and the patient page (the chart's hub).

Reads go through patients.selectors and writes through patients.services, which check the role,
scope to the clinic (404 outside it) and audit. GET pages showing a record audit one view
(`patient_get` / `patient_get_for`); POSTs look the record up unaudited (`patient_for_update`)
because the service audits the write itself.
"""

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import apply_service_errors
from core.contributions import panels_for
from core.roles import can, require
from patients import selectors, services
from patients.forms import CLINICAL_FORMS, PatientFilterForm, PatientForm

PATIENTS_PER_PAGE = 25
CLINICAL_KINDS = tuple(CLINICAL_FORMS)
CLINICAL_TITLES = {
    "allergies": (gettext_lazy("allergy"), gettext_lazy("Allergies")),
    "conditions": (gettext_lazy("problem"), gettext_lazy("Problems")),
    "medications": (gettext_lazy("medication"), gettext_lazy("Medications")),
}


def staff_page(view):
    """Every page here is for clinic staff: a patient user (who cannot log in to these pages
    anyway) or a user without a clinic gets nothing, whatever the URL."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        require(request.user, "patients.view")
        if request.user.clinic_id is None:  # a platform superuser without a clinic
            raise Http404(_("You do not belong to a clinic."))
        return view(request, *args, **kwargs)

    return wrapper


def _error_messages(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


# --- list and create ---------------------------------------------------------------------------
@require_http_methods(["GET"])
@staff_page
def patient_list(request):
    filter_form = PatientFilterForm(request.GET)
    filters = filter_form.filters()
    patients = selectors.patient_list(
        actor=request.user,
        search=filters["q"],
        status=filters["status"],
        sort=filters["sort"],
        audited=True,  # a list of patients is a read of patient data too
    )
    page_obj = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/patient_list.html",
        {
            "filter_form": filter_form,
            "filters": filters,
            "page_obj": page_obj,
            "patients": page_obj.object_list,
            "is_filtered": bool(filters["q"]) or filters["status"] != "active",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page
def patient_create(request):
    require(request.user, "patients.create")
    duplicates = []
    if request.method == "POST":
        form = PatientForm(request.POST, creating=True)
        if form.is_valid():
            data = form.all_fields()
            duplicates = list(
                selectors.possible_duplicates(
                    actor=request.user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                )[:10]
            )
            if not duplicates or form.cleaned_data["create_anyway"]:
                try:
                    patient = services.patient_create(actor=request.user, **data)
                except ValidationError as exc:
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
@staff_page
def patient_detail(request, pk: str):
    patient = selectors.patient_get(actor=request.user, id=pk)  # the page's one audit row
    may_delete = (
        patient.is_archived
        and can(request.user, "patients.delete")
        and not services.has_clinical_data(patient)
    )
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "panels": panels_for(actor=request.user, patient=patient),
            "may_delete": may_delete,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page
def patient_edit(request, pk: str):
    if request.method == "GET":
        patient = selectors.patient_get_for(
            actor=request.user, id=pk, permission="patients.update", detail="edit form"
        )
        form = PatientForm(initial=PatientForm.initial_for(patient))
        return render(request, "patients/patient_form.html", {"form": form, "patient": patient})
    patient = selectors.patient_for_update(actor=request.user, id=pk)
    require(request.user, "patients.update")
    form = PatientForm(request.POST, initial=PatientForm.initial_for(patient))
    if form.is_valid():
        changes = form.changed_fields()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("patients:detail", pk=patient.pk)
        try:
            services.patient_update(actor=request.user, patient=patient, **changes)
        except ValidationError as exc:
            patient.refresh_from_db()
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
@staff_page
def patient_archive(request, pk: str):
    """Archive or restore (the record says which): a confirmation page, then the POST."""
    if request.method == "GET":
        patient = selectors.patient_get_for(
            actor=request.user, id=pk, permission="patients.archive", detail="archive form"
        )
        return render(request, "patients/patient_archive.html", {"patient": patient})
    patient = selectors.patient_for_update(actor=request.user, id=pk)
    require(request.user, "patients.archive")
    archive = not patient.is_archived
    try:
        services.patient_set_archived(actor=request.user, patient=patient, archived=archive)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        if archive:
            message = _("The record of %(name)s has been archived.")
        else:
            message = _("The record of %(name)s has been restored.")
        messages.success(request, message % {"name": patient.full_name})
    return redirect("patients:detail", pk=patient.pk)


@require_http_methods(["GET", "POST"])
@staff_page
def patient_delete(request, pk: str):
    if request.method == "GET":
        patient = selectors.patient_get_for(
            actor=request.user, id=pk, permission="patients.delete", detail="delete form"
        )
        problem = None
        if not patient.is_archived:
            problem = _("Archive the record before deleting it.")
        elif services.has_clinical_data(patient):
            problem = _("This record holds clinical data, so it can only be archived, not deleted.")
        return render(
            request, "patients/patient_delete.html", {"patient": patient, "problem": problem}
        )
    patient = selectors.patient_for_update(actor=request.user, id=pk)
    require(request.user, "patients.delete")
    name, mrn = patient.full_name, patient.mrn
    try:
        services.patient_delete(actor=request.user, patient=patient)
    except ValidationError as exc:
        _error_messages(request, exc)
        return redirect("patients:detail", pk=patient.pk)
    messages.success(
        request,
        _("The record of %(name)s (%(mrn)s) has been deleted.") % {"name": name, "mrn": mrn},
    )
    return redirect("patients:list")


@require_POST
@staff_page
def patient_invite(request, pk: str):
    patient = selectors.patient_for_update(actor=request.user, id=pk)
    require(request.user, "patients.invite")
    try:
        user = services.patient_invite(actor=request.user, patient=patient)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(
            request,
            _("An invitation to the patient app has been sent to %(email)s.")
            % {"email": user.email},
        )
    return redirect("patients:detail", pk=patient.pk)


# --- the clinical summary: one set of views for allergies, problems and medications ------------
def _clinical_context(kind: str, **context) -> dict:
    singular, plural = CLINICAL_TITLES[kind]
    return {"kind": kind, "kind_singular": singular, "kind_plural": plural, **context}


@require_http_methods(["GET", "POST"])
@staff_page
def clinical_add(request, pk: str, kind: str):
    form_class = CLINICAL_FORMS[kind]
    if request.method == "GET":
        patient = selectors.patient_get_for(
            actor=request.user, id=pk, permission="clinical.edit", detail=f"{kind} add form"
        )
        form = form_class()
    else:
        patient = selectors.patient_for_update(actor=request.user, id=pk)
        require(request.user, "clinical.edit")
        form = form_class(request.POST)
        if form.is_valid():
            try:
                record = services.clinical_create(
                    actor=request.user, patient=patient, kind=kind, **form.all_fields()
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("“%(record)s” has been added.") % {"record": record})
                return redirect(_panel_url(patient, kind))
    return render(
        request,
        "patients/clinical_form.html",
        _clinical_context(kind, patient=patient, form=form, record=None),
    )


@require_http_methods(["GET", "POST"])
@staff_page
def clinical_edit(request, pk: str, kind: str, rid: str):
    form_class = CLINICAL_FORMS[kind]
    if request.method == "GET":
        patient = selectors.patient_get_for(
            actor=request.user, id=pk, permission="clinical.edit", detail=f"{kind} edit form"
        )
        record = selectors.clinical_get(actor=request.user, patient=patient, kind=kind, id=rid)
        form = form_class(initial=form_class.initial_for(record))
    else:
        patient = selectors.patient_for_update(actor=request.user, id=pk)
        require(request.user, "clinical.edit")
        record = selectors.clinical_get(actor=request.user, patient=patient, kind=kind, id=rid)
        form = form_class(request.POST, initial=form_class.initial_for(record))
        if form.is_valid():
            changes = form.changed_fields()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect(_panel_url(patient, kind))
            try:
                services.clinical_update(actor=request.user, record=record, **changes)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("“%(record)s” has been saved.") % {"record": record})
                return redirect(_panel_url(patient, kind))
    return render(
        request,
        "patients/clinical_form.html",
        _clinical_context(kind, patient=patient, form=form, record=record),
    )


@require_http_methods(["GET", "POST"])
@staff_page
def clinical_delete(request, pk: str, kind: str, rid: str):
    if request.method == "GET":
        patient = selectors.patient_get_for(
            actor=request.user, id=pk, permission="clinical.edit", detail=f"{kind} delete form"
        )
    else:
        patient = selectors.patient_for_update(actor=request.user, id=pk)
        require(request.user, "clinical.edit")
    record = selectors.clinical_get(actor=request.user, patient=patient, kind=kind, id=rid)
    if request.method == "GET":
        return render(
            request,
            "patients/clinical_delete.html",
            _clinical_context(kind, patient=patient, record=record),
        )
    label = str(record)
    try:
        services.clinical_delete(actor=request.user, record=record)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("“%(record)s” has been deleted.") % {"record": label})
    return redirect(_panel_url(patient, kind))


def _panel_url(patient, kind: str) -> str:
    return reverse("patients:detail", kwargs={"pk": patient.pk}) + f"#{kind}"
