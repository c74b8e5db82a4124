"""Orders: the list, placing an order, its detail, collecting and cancelling."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.lists import filtered_page, page_size
from core.roles import can
from labs import selectors, services
from labs.forms import CancelForm, OrderFilterForm, OrderForm
from labs.models import LabOrder
from patients.selectors import patient_get


@require_http_methods(["GET"])
@staff_page("labs.view")
def order_list(request):
    filter_form = OrderFilterForm(request.GET)
    page_obj = filtered_page(
        filter_form,
        selectors.order_page,
        actor=request.user,
        number=request.GET.get("page"),
        per_page=page_size(request.GET.get("page_size")),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        **filter_form.order_filters(),
    )
    return render(
        request,
        "labs/order_list.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "is_filtered": filter_form.is_filtered(),
        },
    )


@require_http_methods(["GET"])
@staff_page("labs.order")
def test_search(request):
    """The order form's type-ahead: panels first, then tests, by name or LOINC code (JSON)."""
    found = selectors.orderable_search(actor=request.user, query=request.GET.get("q", ""))
    return JsonResponse({"results": found})


@require_http_methods(["GET", "POST"])
@staff_page()
def order_create(request):
    patient = patient_get(
        actor=request.user,
        id=request.GET.get("patient") or request.POST.get("patient") or "",
        permission="labs.order",
        audited=request.method == "GET",  # a POST is audited by the order it writes
        detail=gettext_noop("lab order form"),
    )
    form = OrderForm(
        request.POST if request.method == "POST" else None,
        panels=list(selectors.panel_list(actor=request.user)),
        tests=list(selectors.labtest_list(actor=request.user, active_only=True)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(actor=request.user, patient=patient, **form.chosen())
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The order has been placed."))
            return redirect("labs:order_detail", pk=order.pk)
    return render(request, "labs/order_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET"])
@staff_page()
def order_detail(request, pk: str):
    order = selectors.order_get(actor=request.user, id=pk)
    return _order_page(request, order, CancelForm())


def _order_page(request, order, cancel_form):
    results = selectors.order_results(actor=request.user, order=order)
    by_test = {result.test_id: result for result in results}
    items = [{"item": item, "result": by_test.get(item.test_id)} for item in order.items.all()]
    return render(
        request,
        "labs/order_detail.html",
        {
            "order": order,
            "patient": order.patient,
            "items": items,
            "may_collect": order.status == LabOrder.Status.ORDERED
            and can(request.user, "labs.collect"),
            "may_cancel": order.status in selectors.OPEN_ORDER_STATUSES
            and can(request.user, "labs.order"),
            "may_enter": order.status != LabOrder.Status.CANCELLED
            and bool(order.items_awaiting(results))
            and can(request.user, "labs.result.enter"),
            "cancel_form": cancel_form,
        },
    )


@require_POST
@staff_page()
def order_collect(request, pk: str):
    order = selectors.order_get(actor=request.user, id=pk, permission="labs.collect", audited=False)
    try:
        services.order_collect(actor=request.user, order=order)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The sample has been marked collected."))
    return redirect("labs:order_detail", pk=order.pk)


@require_POST
@staff_page()
def order_cancel(request, pk: str):
    order = selectors.order_get(actor=request.user, id=pk, permission="labs.order", audited=False)
    form = CancelForm(request.POST)
    if not form.is_valid():  # the page again, the reason kept and what is wrong next to it
        return _order_page(request, order, form)
    try:
        services.order_cancel(actor=request.user, order=order, reason=form.cleaned_data["reason"])
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The order has been cancelled."))
    return redirect("labs:order_detail", pk=order.pk)
