"""CSV import of results: a preview of every row (a dry run), then the import of exactly what
was previewed: all rows, or after an explicit confirmation only the valid ones. The same file
twice, or a row equal to a recorded result, is never imported again.
labs.services.results_import parses and checks the file."""

import csv
import io
import secrets
from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.decorators import staff_page
from labs import selectors, services
from labs.forms import ImportUploadForm
from patients.services import MRN_WIDTH

IMPORT_SESSION_KEY = "labs_import"


@require_http_methods(["GET", "POST"])
@staff_page("labs.result.import")
def results_import(request):
    context = {"form": ImportUploadForm(), "report": None, "date_example": _date_example(request)}
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "preview":
        form = ImportUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            text = form.cleaned_data["file"]
            name = request.FILES["file"].name[:200]
            report = services.results_import(actor=request.user, data=text, dry_run=True)
            token = secrets.token_urlsafe(16)
            # Kept on the server (the session), never in the page: the import runs on exactly
            # what was previewed. The form's 2 MB limit caps its size.
            request.session[IMPORT_SESSION_KEY] = {"token": token, "name": name, "text": text}
            preview = selectors.import_preview(actor=request.user, report=report)
            context.update(preview, token=token, filename=name)
    elif request.method == "POST" and action in ("import", "import_valid"):
        stored = request.session.get(IMPORT_SESSION_KEY) or {}
        token = request.POST.get("token", "")
        if not stored or not token or not secrets.compare_digest(stored.get("token", ""), token):
            messages.error(
                request, _("The preview has expired or was replaced; upload the file again.")
            )
            return redirect("labs:import")
        valid_only = action == "import_valid"
        if valid_only and request.POST.get("confirm") != "yes":
            messages.error(
                request, _("Tick the box to confirm that the rows with errors are left out.")
            )
            report = services.results_import(actor=request.user, data=stored["text"])
            preview = selectors.import_preview(actor=request.user, report=report)
            context.update(preview, token=token, filename=stored.get("name", ""))
            return render(request, "labs/import.html", context)
        report = services.results_import(
            actor=request.user,
            data=stored["text"],
            dry_run=False,
            valid_only=valid_only,
            filename=stored.get("name", ""),
        )
        if report.written:
            del request.session[IMPORT_SESSION_KEY]
            _imported_messages(request, report)
            return redirect("labs:import")
        if report.already is None and report.ok and not report.importable:
            del request.session[IMPORT_SESSION_KEY]
            messages.info(request, _("Nothing to import: every row is already recorded."))
            return redirect("labs:import")
        messages.error(request, _("Nothing was imported."))
        preview = selectors.import_preview(actor=request.user, report=report)
        context.update(preview, token=token, filename=stored.get("name", ""))
    elif request.method == "POST":  # an action no button of the page sends
        messages.error(request, _("Upload a file to preview, then import it with its buttons."))
        return render(request, "labs/import.html", context, status=400)
    return render(request, "labs/import.html", context)


def _imported_messages(request, report) -> None:
    n = report.written
    text = ngettext("%(count)d result imported.", "%(count)d results imported.", n) % {"count": n}
    skipped = len(report.already_recorded)
    if skipped:
        text += " " + ngettext(
            "%(count)d row already recorded was skipped.",
            "%(count)d rows already recorded were skipped.",
            skipped,
        ) % {"count": skipped}
    repeated = len(report.repeated)
    if repeated:
        text += " " + ngettext(
            "%(count)d row repeated in the file was skipped.",
            "%(count)d rows repeated in the file were skipped.",
            repeated,
        ) % {"count": repeated}
    left = sum(1 for row in report.rows if row.errors)
    if left:
        text += " " + ngettext(
            "%(count)d row with errors was left out.",
            "%(count)d rows with errors were left out.",
            left,
        ) % {"count": left}
    messages.success(request, text)
    if report.critical:  # each linked to the page that records who was told
        links = format_html_join(
            ", ",
            '<a href="{}">{}: {} {}</a>',
            (
                (
                    reverse("labs:critical_communication", kwargs={"pk": r.pk}),
                    r.patient.full_name,
                    r.test.name,
                    r.display_value,
                )
                for r in report.critical
            ),
        )
        messages.warning(
            request,
            format_html(
                "{} {}",
                _(
                    "CRITICAL values were imported. Record who was told of each; they cannot be "
                    "signed off before:"
                ),
                links,
            ),
        )


def _date_example(request) -> str:
    accepted = services.clinic_date_formats(request.user.clinic)
    return datetime(2026, 9, 24, 14, 5).strftime(accepted[0])


@require_http_methods(["GET"])
@staff_page("labs.result.import")
def import_template(request):
    """A CSV to fill in: the columns, and two example rows in the clinic's date format."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(services.CSV_COLUMNS)
    example = _date_example(request)
    mrn = "1".zfill(MRN_WIDTH)  # written as the clinic's are
    writer.writerow([mrn, "2345-7", "5.4", "mmol/L", example, "City Lab"])
    writer.writerow([mrn, "Potassium", "4.2", "", "2026-09-24T14:05:00", "City Lab"])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lab-results-template.csv"'
    return response
