"""Results: entry per order, outside results, a result's page, corrections and sign-off."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.numbers import clinic_decimal_comma
from core.roles import can
from labs import selectors, services
from labs.flags import applicable_range
from labs.forms import (
    CorrectionForm,
    CriticalCommunicationForm,
    GridRowForm,
    OrderEntryForm,
    OutsideResultForm,
    ReviewForm,
)
from labs.models import LabOrder
from patients.selectors import patient_get


def redirect_back(request, default: str) -> HttpResponseRedirect:
    """To the form's `next` when it is a path of this site, else to `default`. A URL, never
    handed to redirect(), which reads a bare word ("queue") as the name of a URL and fails
    after the write."""
    target = request.POST.get("next") or ""
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if local else default)


@require_http_methods(["GET", "POST"])
@staff_page()
def order_results(request, pk: str):
    """Result entry for an order as a grid: one row per test still without a result (value and
    unit; range and a live flag shown), the collection time and lab entered once. All rows or
    none; a critical value saved leads straight to recording who was told."""
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
    data = request.POST if request.method == "POST" else None
    collected = order.collected_at
    head = OrderEntryForm(
        data,
        initial={
            "collected_at": timezone.localtime(collected).strftime("%Y-%m-%dT%H:%M")
            if collected
            else None,
            "status": "final",
        },
    )
    rows = [
        GridRowForm(data, prefix=f"r{index}", test=item.test) for index, item in enumerate(items)
    ]
    if request.method == "POST":
        filled = [(item, form) for item, form in zip(items, rows, strict=True) if not form.is_blank]
        head_ok = head.is_valid()
        if not filled:
            messages.error(request, _("Enter at least one result."))
        elif not head_ok or not all(form.is_valid() for _item, form in filled):
            _grid_refused(request, [form for _item, form in filled])
        else:
            entries = [
                {
                    "patient": order.patient,
                    "test": item.test,
                    "order": order,
                    "value": form.cleaned_data["value"],
                    "unit": form.cleaned_data["unit"] or None,
                    **head.cleaned_data,
                }
                for item, form in filled
            ]
            try:
                saved = services.results_enter(actor=request.user, rows=entries)
            except services.RowsInvalid as exc:
                for index, error in exc.row_errors.items():
                    _row_errors(filled[index][1], head, error)
                _grid_refused(request, [form for _item, form in filled])
            except SERVICE_ERRORS as exc:
                flash_errors(request, exc)
            else:
                return _after_entry(request, order, saved)
    grid = [
        {"item": item, "form": form, "reference": _reference(order.patient, item.test)}
        for item, form in zip(items, rows, strict=True)
    ]
    return render(
        request,
        "labs/order_results.html",
        {
            "order": order,
            "patient": order.patient,
            "head": head,
            "grid": grid,
            "decimal_comma": clinic_decimal_comma(order.clinic),
        },
    )


def _row_errors(form, head, error) -> None:
    """A row's service error: on the grid row, or on the shared fields it names (once: every
    row finds the same fault in a collection time in the future)."""
    if hasattr(error, "error_dict"):
        for key, texts in error.message_dict.items():
            if key not in form.fields and key in head.fields:
                new = [text for text in texts if text not in head.errors.get(key, [])]
                if new:
                    head.add_error(key, new)
            else:
                form.add_error(key if key in form.fields else None, texts)
        return
    apply_service_errors(form, error)


def _grid_refused(request, rows) -> None:
    """The banner: how many rows have errors of their own, or else that the fields entered
    once for the order have (shown next to them)."""
    count = sum(1 for form in rows if form.errors)
    if count:
        text = ngettext(
            "%(count)d row has an error; nothing was saved.",
            "%(count)d rows have errors; nothing was saved.",
            count,
        ) % {"count": count}
    else:
        text = _("Check the collection time, lab and status above; nothing was saved.")
    messages.error(request, text)


def _reference(patient, test):
    """The range that applies to this patient (shown on the grid and used by the live flag)."""
    return applicable_range(test.ranges.all(), sex=patient.sex, age=patient.age())


def _after_entry(request, order, saved):
    critical = [result for result in saved if result.needs_communication]
    if not critical:
        n = len(saved)
        messages.success(
            request,
            ngettext("%(count)d result saved.", "%(count)d results saved.", n) % {"count": n},
        )
        return redirect("labs:order_detail", pk=order.pk)
    if len(critical) == 1:
        text = ngettext(
            "%(count)d result saved, a CRITICAL value: %(values)s. Record who was told and "
            "when; it cannot be signed off before.",
            "%(count)d results saved, including a CRITICAL value: %(values)s. Record who was "
            "told and when; it cannot be signed off before.",
            len(saved),
        )
    else:  # several critical values: the plural follows their number (the saved ones are more)
        text = ngettext(
            "%(count)d results saved, including %(critical)d CRITICAL value: %(values)s. "
            "Record who was told and when for each; they cannot be signed off before.",
            "%(count)d results saved, including %(critical)d CRITICAL values: %(values)s. "
            "Record who was told and when for each; they cannot be signed off before.",
            len(critical),
        )
    values = ", ".join(f"{r.test.name} {r.display_value}" for r in critical)
    messages.warning(
        request, text % {"count": len(saved), "critical": len(critical), "values": values}
    )
    return redirect("labs:critical_communication", pk=critical[0].pk)


@require_http_methods(["GET", "POST"])
@staff_page()
def critical_communication(request, pk: str):
    """Who was told of a critical value, how and when; then the next one of the same order."""
    result = selectors.result_get(
        actor=request.user,
        id=pk,
        permission="labs.critical.communicate",
        audited=request.method == "GET",  # a POST is audited by the record it writes
    )
    form = CriticalCommunicationForm(
        request.POST if request.method == "POST" else None,
        initial={
            "communicated_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "shown": services.value_shown(result),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.critical_communication_record(
                actor=request.user, result=result, **form.cleaned_data
            )
        except SERVICE_ERRORS as exc:
            if _corrected_meanwhile(request, exc):
                return redirect("labs:critical_communication", pk=result.pk)
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Recorded: the critical %(test)s was communicated to %(who)s.")
                % {"test": result.test.name, "who": result.critical_communicated_to},
            )
            waiting = selectors.critical_waiting(actor=request.user, result=result)
            if waiting:
                return redirect("labs:critical_communication", pk=waiting[0].pk)
            return redirect("labs:result_detail", pk=result.pk)
    return render(
        request,
        "labs/critical_communication.html",
        {"form": form, "result": result, "patient": result.patient},
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
        detail=gettext_noop("lab result form"),
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
            if result.needs_communication:
                messages.warning(
                    request,
                    _(
                        "%(result)s has been saved as a CRITICAL value (%(value)s). Record who "
                        "was told and when; it cannot be signed off before."
                    )
                    % {"result": result.test.name, "value": result.display_value},
                )
                return redirect("labs:critical_communication", pk=result.pk)
            messages.success(
                request, _("%(result)s has been saved.") % {"result": result.test.name}
            )
            return redirect(reverse("patients:detail", kwargs={"pk": patient.pk}) + "#panel-labs")
    return render(request, "labs/outside_result.html", {"form": form, "patient": patient})


@require_http_methods(["GET"])
@staff_page()
def result_detail(request, pk: str):
    result = selectors.result_get(actor=request.user, id=pk, permission="labs.view")
    form = ReviewForm(initial={"shown": services.value_shown(result)})
    return _result_page(request, result, form)


def _corrected_meanwhile(request, exc) -> bool:
    """A refusal because the result was corrected since the page was drawn: said as a message
    over the page drawn afresh, with the new value (the form's own copy is the old one)."""
    if getattr(exc, "code", "") != "changed":
        return False
    flash_errors(request, exc)
    return True


def _result_page(request, result, review_form):
    return render(
        request,
        "labs/result_detail.html",
        {
            "result": result,
            "patient": result.patient,
            "history": selectors.result_history(result=result),
            "review_form": review_form,
            # waiting for sign-off (not preliminary, not yet reviewed), and the role may
            "may_review": result.review_priority is not None
            and not result.needs_communication
            and can(request.user, "labs.review"),
            "may_communicate": result.needs_communication
            and can(request.user, "labs.critical.communicate"),
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
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        initial={"shown": services.value_shown(result)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.result_correct(
                actor=request.user,
                result=result,
                value=data["value"],
                unit=data["unit"] or None,
                reason=data["reason"],
                shown=data["shown"],
            )
        except SERVICE_ERRORS as exc:
            if _corrected_meanwhile(request, exc):
                return redirect("labs:result_correct", pk=result.pk)
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
    if not form.is_valid():  # the page again: the comment kept, what is wrong next to it
        return _result_page(request, result, form)
    try:
        services.result_review(
            actor=request.user,
            result=result,
            comment=form.cleaned_data["comment"],
            shown=form.cleaned_data["shown"],
        )
    except SERVICE_ERRORS as exc:  # about the result, not the comment (e.g. already signed off)
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("%(test)s of %(name)s has been signed off.")
            % {"test": result.test.name, "name": result.patient.full_name},
        )
    return redirect_back(request, reverse("labs:result_detail", kwargs={"pk": result.pk}))
