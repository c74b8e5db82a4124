"""Results: entry per order, outside results, a result's page, corrections and sign-off."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.roles import can
from labs import selectors, services
from labs.forms import CorrectionForm, OutsideResultForm, ResultRowForm, ReviewForm
from labs.models import LabOrder
from patients.selectors import patient_get


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_http_methods(["GET", "POST"])
@staff_page()
def order_results(request, pk: str):
    """Result entry for an order: one row per test still without a result; all rows or none."""
    order = selectors.order_get(
        actor=request.user,
        id=pk,
        permission="labs.result.enter",
        audited=request.method == "GET",  # a POST is audited by the results it writes
        with_ranges=True,
    )
    if order.status == LabOrder.Status.CANCELLED:
        messages.error(request, _("This order was cancelled; it takes no results."))
        return redirect("labs:order_detail", pk=order.pk)
    items = order.items_awaiting(selectors.order_results(actor=request.user, order=order))
    if not items:
        messages.info(request, _("Every test of this order has a result."))
        return redirect("labs:order_detail", pk=order.pk)
    collected = order.collected_at
    initial = {
        "collected_at": collected.strftime("%Y-%m-%dT%H:%M") if collected else None,
        "status": "final",
    }
    data = request.POST if request.method == "POST" else None
    rows = [
        ResultRowForm(data, prefix=f"r{index}", test=item.test, initial=initial)
        for index, item in enumerate(items)
    ]
    if request.method == "POST":
        filled = [(item, form) for item, form in zip(items, rows, strict=True) if not form.is_blank]
        if not filled:
            messages.error(request, _("Enter at least one result."))
        elif not all(form.is_valid() for _item, form in filled):
            messages.error(request, _("Some rows have errors; nothing was saved."))
        else:
            entries = [
                {
                    "patient": order.patient,
                    "test": item.test,
                    "order": order,
                    **form.result_fields(),
                }
                for item, form in filled
            ]
            try:
                services.results_enter(actor=request.user, rows=entries)
            except services.RowsInvalid as exc:
                for index, error in exc.row_errors.items():
                    apply_service_errors(filled[index][1], error)
                messages.error(request, exc.messages[0])
            except SERVICE_ERRORS as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, _("%(count)d result(s) saved.") % {"count": len(filled)})
                return redirect("labs:order_detail", pk=order.pk)
    return render(
        request,
        "labs/order_results.html",
        {"order": order, "patient": order.patient, "rows": list(zip(items, rows, strict=True))},
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def outside_result(request, pid: str):
    """A result from elsewhere (no order here)."""
    patient = patient_get(
        actor=request.user,
        id=pid,
        permission="labs.result.enter",
        audited=request.method == "GET",  # a POST is audited by the result it writes
        detail="lab result form",
    )
    form = OutsideResultForm(
        request.POST if request.method == "POST" else None,
        tests=list(selectors.labtest_list(actor=request.user, active_only=True)),
        initial={"collected_at": None, "status": "final"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.result_create(
                actor=request.user, patient=patient, **form.result_fields()
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(result)s has been saved.") % {"result": result.test.name}
            )
            return redirect(reverse("patients:detail", kwargs={"pk": patient.pk}) + "#panel-labs")
    return render(request, "labs/outside_result.html", {"form": form, "patient": patient})


@require_http_methods(["GET"])
@staff_page()
def result_detail(request, pk: str):
    result = selectors.result_get(actor=request.user, id=pk, permission="labs.view")
    return render(
        request,
        "labs/result_detail.html",
        {
            "result": result,
            "patient": result.patient,
            "history": selectors.result_history(result=result),
            "review_form": ReviewForm(),
            # waiting for sign-off (not preliminary, not yet reviewed), and the role may
            "may_review": result.review_priority is not None and can(request.user, "labs.review"),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def result_correct(request, pk: str):
    result = selectors.result_get(
        actor=request.user,
        id=pk,
        permission="labs.result.enter",
        audited=request.method == "GET",  # a POST is audited by the correction it writes
    )
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.result_correct(
                actor=request.user,
                result=result,
                value=data["value"],
                unit=data["unit"] or None,
                reason=data["reason"],
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The result has been corrected."))
            return redirect("labs:result_detail", pk=result.pk)
    return render(
        request,
        "labs/result_correct.html",
        {
            "form": form,
            "result": result,
            "patient": result.patient,
            "history": selectors.result_history(result=result),
        },
    )


@require_POST
@staff_page()
def result_review(request, pk: str):
    result = selectors.result_get(
        actor=request.user, id=pk, permission="labs.review", audited=False
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The comment is too long."))
    else:
        try:
            services.result_review(
                actor=request.user, result=result, comment=form.cleaned_data["comment"]
            )
        except SERVICE_ERRORS as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("%(test)s of %(name)s has been signed off.")
                % {"test": result.test.name, "name": result.patient.full_name},
            )
    return redirect(_safe_next(request, reverse("labs:result_detail", kwargs={"pk": result.pk})))
