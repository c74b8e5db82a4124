"""HTML pages of the labs app: parse input, call labs.selectors / labs.services, render.

Every page first asks for `labs.view` (receptionists see nothing of labs: 403), then looks the
record up in the actor's clinic (404 outside it), then asks for the action's own permission
(403). GET pages that show a record are audited by the selector they call; POSTs look records
up unaudited (`*_for_update`) because the service audits the write.
"""

import csv
import io
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import apply_service_errors
from core.roles import can, require
from labs import charts, selectors, services
from labs.forms import (
    CancelForm,
    CatalogueSearchForm,
    CorrectionForm,
    ImportUploadForm,
    LabTestForm,
    OrderFilterForm,
    OrderForm,
    OutsideResultForm,
    RangeForm,
    ResultRowForm,
    ReviewFilterForm,
    ReviewForm,
    csv_rows,
    without_extra_fields,
)
from labs.models import LabOrder
from patients import selectors as patient_selectors

PER_PAGE = 25
IMPORT_SESSION_KEY = "labs_import"


def _labs_staff(request, permission: str = "labs.view") -> None:
    """Receptionists and users without a clinic: nothing of labs here."""
    require(request.user, "labs.view")
    if request.user.clinic_id is None:
        raise Http404(_("You do not belong to a clinic."))
    if permission != "labs.view":
        require(request.user, permission)


def _error_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def patient_labs_url(patient) -> str:
    return reverse("patients:detail", kwargs={"pk": patient.pk}) + "#panel-labs"


# --- orders -----------------------------------------------------------------------------------
@require_http_methods(["GET"])
def order_list(request):
    _labs_staff(request)
    filter_form = OrderFilterForm(request.GET)
    filters = filter_form.filters()
    search = filters["q"].strip()
    # The page's default ("") is the open orders; "all" lifts the status filter.
    status = {"": "open", "all": ""}.get(filters["status"], filters["status"])
    orders = selectors.order_list(actor=request.user, status=status, search=search)
    page_obj = Paginator(orders, PER_PAGE).get_page(request.GET.get("page"))
    # One audit row per patient whose orders are on the page (a single write).
    selectors.audit_rows_read(actor=request.user, rows=page_obj.object_list, detail="lab orders")
    return render(
        request,
        "labs/order_list.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "orders": page_obj.object_list,
            "is_filtered": bool(search) or filters["status"] != "",
        },
    )


@require_http_methods(["GET", "POST"])
def order_create(request):
    _labs_staff(request)
    patient_id = request.GET.get("patient") or request.POST.get("patient") or ""
    if request.method == "GET":
        patient = patient_selectors.patient_get_for(
            actor=request.user, id=patient_id, permission="labs.order", detail="lab order form"
        )
    else:
        patient = patient_selectors.patient_for_update(actor=request.user, id=patient_id)
        require(request.user, "labs.order")
    options = {
        "panels": list(selectors.panel_list(actor=request.user)),
        "tests": list(selectors.labtest_list(actor=request.user, active_only=True)),
    }
    form = OrderForm(request.POST if request.method == "POST" else None, **options)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(actor=request.user, patient=patient, **form.chosen())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The order has been placed."))
            return redirect("labs:order_detail", pk=order.pk)
    return render(request, "labs/order_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET"])
def order_detail(request, pk: str):
    _labs_staff(request)
    order = selectors.order_get(actor=request.user, id=pk)  # audited
    results = list(
        selectors.result_list(actor=request.user, patient=order.patient, audited=False).filter(
            order=order
        )
    )
    by_test = {r.test_id: r for r in results}
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
            and any(row["result"] is None for row in items)
            and can(request.user, "labs.result.enter"),
            "cancel_form": CancelForm(),
        },
    )


@require_POST
def order_collect(request, pk: str):
    _labs_staff(request)
    order = selectors.order_for_update(actor=request.user, id=pk)
    require(request.user, "labs.collect")
    try:
        services.order_collect(actor=request.user, order=order)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("The sample has been marked collected."))
    return redirect("labs:order_detail", pk=order.pk)


@require_POST
def order_cancel(request, pk: str):
    _labs_staff(request)
    order = selectors.order_for_update(actor=request.user, id=pk)
    require(request.user, "labs.order")
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for cancelling the order."))
        return redirect("labs:order_detail", pk=order.pk)
    try:
        services.order_cancel(actor=request.user, order=order, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("The order has been cancelled."))
    return redirect("labs:order_detail", pk=order.pk)


# --- results ------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def order_results(request, pk: str):
    """Result entry for an order: one row per test still without a result; all rows or none."""
    _labs_staff(request)
    if request.method == "GET":
        order = selectors.order_get(actor=request.user, id=pk)
    else:
        order = selectors.order_for_update(actor=request.user, id=pk)
    require(request.user, "labs.result.enter")
    if order.status == LabOrder.Status.CANCELLED:
        messages.error(request, _("This order was cancelled; it takes no results."))
        return redirect("labs:order_detail", pk=order.pk)
    resulted = {
        r.test_id
        for r in selectors.result_list(
            actor=request.user, patient=order.patient, audited=False
        ).filter(order=order)
    }
    items = [item for item in order.items.all() if item.test_id not in resulted]
    if not items:
        messages.info(request, _("Every test of this order has a result."))
        return redirect("labs:order_detail", pk=order.pk)
    tests = {t.pk: t for t in selectors.labtest_list(actor=request.user)}
    collected = order.collected_at
    initial = {
        "collected_at": collected.strftime("%Y-%m-%dT%H:%M") if collected else None,
        "status": "final",
    }
    data = request.POST if request.method == "POST" else None
    rows = [
        ResultRowForm(data, prefix=f"r{index}", test=tests[item.test_id], initial=initial)
        for index, item in enumerate(items)
    ]
    if request.method == "POST":
        filled = [(item, form) for item, form in zip(items, rows, strict=True) if not form.is_blank]
        if not filled:
            messages.error(request, _("Enter at least one result."))
        elif all(form.is_valid() for _item, form in filled):
            try:
                services.results_enter(
                    actor=request.user,
                    rows=[
                        {
                            "patient": order.patient,
                            "test": tests[item.test_id],
                            "order": order,
                            **form.result_fields(),
                        }
                        for item, form in filled
                    ],
                )
            except services.RowsInvalid as exc:
                for index, error in exc.row_errors.items():
                    apply_service_errors(filled[index][1], error)
                messages.error(request, exc.messages[0])
            except ValidationError as exc:
                _error_messages(request, exc)
            else:
                messages.success(
                    request,
                    _("%(count)d result(s) saved.") % {"count": len(filled)},
                )
                return redirect("labs:order_detail", pk=order.pk)
        else:
            messages.error(request, _("Some rows have errors; nothing was saved."))
    return render(
        request,
        "labs/order_results.html",
        {
            "order": order,
            "patient": order.patient,
            "rows": list(zip(items, rows, strict=True)),
        },
    )


@require_http_methods(["GET", "POST"])
def outside_result(request, pid: str):
    """A result from elsewhere (no order here)."""
    _labs_staff(request)
    if request.method == "GET":
        patient = patient_selectors.patient_get_for(
            actor=request.user, id=pid, permission="labs.result.enter", detail="lab result form"
        )
    else:
        patient = patient_selectors.patient_for_update(actor=request.user, id=pid)
        require(request.user, "labs.result.enter")
    tests = list(selectors.labtest_list(actor=request.user, active_only=True))
    form = OutsideResultForm(
        request.POST if request.method == "POST" else None,
        tests=tests,
        initial={"collected_at": None, "status": "final"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.result_create(
                actor=request.user, patient=patient, **form.result_fields()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(result)s has been saved.") % {"result": f"{result.test.name}"}
            )
            return redirect(patient_labs_url(patient))
    return render(request, "labs/outside_result.html", {"form": form, "patient": patient})


@require_http_methods(["GET"])
def result_detail(request, pk: str):
    _labs_staff(request)
    result = selectors.result_get(actor=request.user, id=pk)  # audited
    return render(
        request,
        "labs/result_detail.html",
        {
            "result": result,
            "patient": result.patient,
            "history": list(selectors.result_history(result=result)),
            "review_form": ReviewForm(),
            "may_review": result.reviewed_at is None
            and result.status != "preliminary"
            and can(request.user, "labs.review"),
        },
    )


@require_http_methods(["GET", "POST"])
def result_correct(request, pk: str):
    _labs_staff(request)
    if request.method == "GET":
        result = selectors.result_get(actor=request.user, id=pk)
    else:
        result = selectors.result_for_update(actor=request.user, id=pk)
    require(request.user, "labs.result.enter")
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
        except ValidationError as exc:
            result.refresh_from_db()
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
            "history": list(selectors.result_history(result=result)),
        },
    )


@require_POST
def result_review(request, pk: str):
    _labs_staff(request)
    result = selectors.result_for_update(actor=request.user, id=pk)
    require(request.user, "labs.review")
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if not form.is_valid():
        messages.error(request, _("The comment is too long."))
    else:
        try:
            services.result_review(actor=request.user, result=result, comment=comment)
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(
                request,
                _("%(test)s of %(name)s has been signed off.")
                % {"test": result.test.name, "name": result.patient.full_name},
            )
    return redirect(_safe_next(request, reverse("labs:result_detail", kwargs={"pk": result.pk})))


@require_http_methods(["GET"])
def trend(request, pid: str, tid: str):
    """Every result of one test for one patient: an SVG chart next to a table of the values."""
    _labs_staff(request)
    patient = patient_selectors.patient_for_update(actor=request.user, id=pid)
    test = selectors.labtest_get(actor=request.user, id=tid)
    results = selectors.trend(actor=request.user, patient=patient, test=test)  # audited
    latest = results[-1] if results else None
    svg = ""
    if latest is not None and test.value_type == "numeric":
        points = [
            charts.Point(
                when=timezone.localtime(r.collected_at),
                value=r.value_numeric,
                flag=r.flag,
                label=r.display_value,
            )
            for r in results
            if r.value_numeric is not None
        ]
        svg = charts.trend_svg(
            points,
            low=latest.reference_low,
            high=latest.reference_high,
            unit=test.unit,
            title=_("%(test)s of %(name)s over time")
            % {"test": test.name, "name": patient.full_name},
        )
    return render(
        request,
        "labs/trend.html",
        {
            "patient": patient,
            "test": test,
            "results": list(reversed(results)),
            "chart": mark_safe(svg),  # noqa: S308 - built by labs.charts, every text escaped
            "latest": latest,
        },
    )


# --- review queue -------------------------------------------------------------------------------
@require_http_methods(["GET"])
def review_queue(request):
    _labs_staff(request, "labs.review")
    filter_form = ReviewFilterForm(request.GET)
    filters = filter_form.filters()
    search = filters["q"].strip()
    queue = selectors.review_queue_for(
        actor=request.user, mine=filters["mine"], severity=filters["severity"], search=search
    )
    page_obj = Paginator(queue, PER_PAGE).get_page(request.GET.get("page"))
    selectors.audit_rows_read(
        actor=request.user, rows=page_obj.object_list, detail="lab review queue"
    )
    return render(
        request,
        "labs/review_queue.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "results": page_obj.object_list,
            "is_filtered": bool(search) or bool(filters["severity"]) or filters["mine"],
        },
    )


# --- catalogue ----------------------------------------------------------------------------------
@require_http_methods(["GET"])
def catalogue(request):
    _labs_staff(request, "labs.catalogue.edit")
    form = CatalogueSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {"q": "", "active": ""}
    tests = selectors.labtest_list(
        actor=request.user, search=data["q"].strip(), active_only=data["active"] == "1"
    )
    page_obj = Paginator(tests, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "labs/catalogue.html",
        {
            "filter_form": form,
            "page_obj": page_obj,
            "tests": page_obj.object_list,
            "is_filtered": bool(data["q"].strip() or data["active"]),
        },
    )


@require_http_methods(["GET", "POST"])
def test_edit(request, pk: str):
    _labs_staff(request, "labs.catalogue.edit")
    test = selectors.labtest_get(actor=request.user, id=pk)
    initial = LabTestForm.initial_for(test)
    form = LabTestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_fields()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("labs:test_edit", pk=test.pk)
        try:
            services.labtest_save(actor=request.user, test=test, **changes)
        except ValidationError as exc:
            test.refresh_from_db()
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(test)s has been saved.") % {"test": test.name})
            return redirect("labs:test_edit", pk=test.pk)
    return render(
        request,
        "labs/test_edit.html",
        {"form": form, "test": test, "ranges": list(test.ranges.all())},
    )


def _range_of(test, rid: str):
    for reference in test.ranges.all():
        if str(reference.pk) == rid:
            return reference
    raise Http404(_("Not found."))


@require_http_methods(["GET", "POST"])
def range_edit(request, pk: str, rid: str | None = None):
    _labs_staff(request, "labs.catalogue.edit")
    test = selectors.labtest_get(actor=request.user, id=pk)
    reference = _range_of(test, rid) if rid else None
    initial = RangeForm.initial_for(reference) if reference else {}
    form = RangeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.range_save(
                actor=request.user, test=test, reference=reference, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The reference range has been saved."))
            return redirect("labs:test_edit", pk=test.pk)
    return render(
        request, "labs/range_form.html", {"form": form, "test": test, "reference": reference}
    )


@require_http_methods(["GET", "POST"])
def range_delete(request, pk: str, rid: str):
    _labs_staff(request, "labs.catalogue.edit")
    test = selectors.labtest_get(actor=request.user, id=pk)
    reference = _range_of(test, rid)
    if request.method == "POST":
        services.range_delete(actor=request.user, reference=reference)
        messages.success(request, _("The reference range has been deleted."))
        return redirect("labs:test_edit", pk=test.pk)
    return render(request, "labs/range_delete.html", {"test": test, "reference": reference})


# --- CSV import ---------------------------------------------------------------------------------
def _import_preview(request, text: str):
    """Check every row (nothing written): (rows for the table, file-level errors, report)."""
    header, rows = csv_rows(text)
    extra_lines = {line for line, _row, extra in rows if extra}
    report = services.results_import(
        actor=request.user,
        data=without_extra_fields(text) if extra_lines else text,
        dry_run=True,
    )
    errors_by_line: dict[int, list[str]] = {}
    for line, message in report.errors:
        errors_by_line.setdefault(line, []).append(message)
    for line in extra_lines:
        errors_by_line.setdefault(line, []).insert(0, _("The row has more fields than the header."))
    file_errors = errors_by_line.pop(1, [])
    service_error_lines = {line for line, _message in report.errors}
    valid = iter(report.rows)
    table = []
    for line, row, _extra in rows:
        errors = errors_by_line.get(line, [])
        result = None
        if line not in service_error_lines:
            result = next(valid, None)
        table.append({"line": line, "row": row, "errors": errors, "result": result})
    ok = not file_errors and not any(r["errors"] for r in table) and bool(table)
    return table, file_errors, ok


@require_http_methods(["GET", "POST"])
def results_import(request):
    _labs_staff(request, "labs.result.import")
    context = {"form": ImportUploadForm(), "table": None}
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "preview":
        form = ImportUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            text = form.cleaned_data["file"]
            try:
                table, file_errors, ok = _import_preview(request, text)
            except csv.Error as exc:
                form.add_error("file", _("The file is not valid CSV: %s") % exc)
            else:
                token = secrets.token_urlsafe(16)
                # Kept on the server (the session), never in the page: the import runs on
                # exactly what was previewed. The form's 2 MB limit caps its size.
                request.session[IMPORT_SESSION_KEY] = {
                    "token": token,
                    "name": request.FILES["file"].name[:200],
                    "text": text,
                }
                context.update(
                    table=table,
                    file_errors=file_errors,
                    ok=ok,
                    token=token,
                    filename=request.FILES["file"].name,
                    error_count=len(file_errors) + sum(1 for r in table if r["errors"]),
                )
    elif request.method == "POST" and action == "import":
        stored = request.session.get(IMPORT_SESSION_KEY) or {}
        token = request.POST.get("token", "")
        if not stored or not token or not secrets.compare_digest(stored.get("token", ""), token):
            messages.error(
                request, _("The preview has expired or was replaced; upload the file again.")
            )
            return redirect("labs:import")
        text = stored["text"]
        if "\x00" in text or any(extra for _l, _r, extra in csv_rows(text)[1]):
            report = None
        else:
            report = services.results_import(actor=request.user, data=text, dry_run=False)
        if report is not None and report.ok and report.written:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request, _("%(count)d result(s) imported.") % {"count": report.written}
            )
            return redirect("labs:import")
        # Something changed since the preview (or the file has errors): nothing was written.
        table, file_errors, ok = _import_preview(request, text)
        messages.error(request, _("Nothing was imported: the file has errors."))
        context.update(
            table=table,
            file_errors=file_errors,
            ok=False,
            token=token,
            filename=stored.get("name", ""),
            error_count=len(file_errors) + sum(1 for r in table if r["errors"]),
        )
    return render(request, "labs/import.html", context)


def example_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["mrn", "test", "value", "unit", "collected_at", "lab"])
    writer.writerow(["00000001", "2345-7", "92", "mg/dL", "2025-01-15T08:30:00", "Central Lab"])
    writer.writerow(["00000001", "Hemoglobin A1c", "6.1", "%", "2025-01-15T08:30", "Central Lab"])
    return out.getvalue()
