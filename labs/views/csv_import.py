"""CSV import of results: a preview of every row (a dry run), then the import of exactly what
was previewed, all rows or none. labs.services.results_import parses and checks the file."""

import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.decorators import staff_page
from labs import services
from labs.forms import ImportUploadForm

IMPORT_SESSION_KEY = "labs_import"


@require_http_methods(["GET", "POST"])
@staff_page("labs.result.import")
def results_import(request):
    context = {"form": ImportUploadForm(), "report": None}
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
            context.update(report=report, token=token, filename=name)
    elif request.method == "POST" and action == "import":
        stored = request.session.get(IMPORT_SESSION_KEY) or {}
        token = request.POST.get("token", "")
        if not stored or not token or not secrets.compare_digest(stored.get("token", ""), token):
            messages.error(
                request, _("The preview has expired or was replaced; upload the file again.")
            )
            return redirect("labs:import")
        report = services.results_import(actor=request.user, data=stored["text"], dry_run=False)
        if report.written:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request, _("%(count)d result(s) imported.") % {"count": report.written}
            )
            return redirect("labs:import")
        # Something changed since the preview (or the file has errors): nothing was written.
        messages.error(request, _("Nothing was imported: the file has errors."))
        context.update(report=report, token=token, filename=stored.get("name", ""))
    return render(request, "labs/import.html", context)
