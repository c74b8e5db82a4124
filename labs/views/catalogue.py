"""The clinic's catalogue (clinic admins): search, edit a test, its reference ranges."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors
from labs import selectors, services
from labs.forms import CatalogueSearchForm, LabTestForm, RangeForm, UnitSystemForm
from labs.models import ValueType

EDIT = "labs.catalogue.edit"


@require_http_methods(["GET"])
@staff_page(EDIT)
def catalogue(request):
    filter_form = CatalogueSearchForm(request.GET)
    preferences = services.lab_settings_get(clinic=request.user.clinic)
    page_obj = selectors.labtest_page(
        actor=request.user, number=request.GET.get("page"), **filter_form.catalogue_filters()
    )
    return render(
        request,
        "labs/catalogue.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "is_filtered": filter_form.is_filtered(),
            "units_form": UnitSystemForm(initial={"unit_system": preferences.unit_system}),
        },
    )


@require_POST
@staff_page(EDIT)
def catalogue_units(request):
    """Switch the catalogue between SI and conventional units (tests without results)."""
    form = UnitSystemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose SI or conventional units."))
        return redirect("labs:catalogue")
    converted, kept = services.catalogue_units_set(
        actor=request.user, unit_system=form.cleaned_data["unit_system"]
    )
    n = len(converted)
    messages.success(
        request,
        ngettext("%(count)d test converted.", "%(count)d tests converted.", n) % {"count": n},
    )
    if kept:
        messages.warning(
            request,
            _("Kept in their unit because they already have results: %(tests)s.")
            % {"tests": ", ".join(t.name for t in kept)},
        )
    return redirect("labs:catalogue")


@require_http_methods(["GET", "POST"])
@staff_page()
def test_edit(request, pk: str):
    test = selectors.labtest_get(actor=request.user, id=pk, permission=EDIT)
    form = LabTestForm(
        request.POST if request.method == "POST" else None,
        initial=LabTestForm.initial_for(test),
        numeric=test.value_type == ValueType.NUMERIC,
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changed_fields()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("labs:test_edit", pk=test.pk)
        try:
            services.labtest_update(actor=request.user, test=test, **changes)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(test)s has been saved.") % {"test": test.name})
            return redirect("labs:test_edit", pk=test.pk)
    return render(
        request,
        "labs/test_edit.html",
        {"form": form, "test": test, "ranges": list(test.ranges.all())},
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def range_edit(request, pk: str, rid: str | None = None):
    """A new reference range of a test (no `rid`), or one of its ranges."""
    if rid is None:
        reference, test = None, selectors.labtest_get(actor=request.user, id=pk, permission=EDIT)
    else:
        reference = selectors.reference_range_get(actor=request.user, test_id=pk, id=rid)
        test = reference.test
    initial = RangeForm.initial_for(reference) if reference else {}
    form = RangeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if reference is None:
                services.range_create(actor=request.user, test=test, **form.all_fields())
            else:
                services.range_update(actor=request.user, reference=reference, **form.all_fields())
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The reference range has been saved."))
            return redirect("labs:test_edit", pk=test.pk)
    return render(
        request, "labs/range_form.html", {"form": form, "test": test, "reference": reference}
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def range_delete(request, pk: str, rid: str):
    reference = selectors.reference_range_get(actor=request.user, test_id=pk, id=rid)
    if request.method == "POST":
        services.range_delete(actor=request.user, reference=reference)
        messages.success(request, _("The reference range has been deleted."))
        return redirect("labs:test_edit", pk=pk)
    return render(
        request, "labs/range_delete.html", {"test": reference.test, "reference": reference}
    )
