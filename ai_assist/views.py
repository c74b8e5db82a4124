"""AI assist pages: the summary (from the patient page's panel), "Draft a note", the triage box
beside a thread, and the clinic's AI settings. Each calls one service; nothing is saved to the
chart except a draft note, which the clinician edits and signs in the notes writer."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ai_assist import services
from ai_assist.forms import AiSettingsForm
from core.decorators import staff_page
from core.errors import ServiceError
from core.forms import flash_errors


@require_POST
@staff_page()
def summary(request, pk: str):
    output = services.summary_generate(actor=request.user, patient_id=pk)
    return render(request, "ai_assist/summary.html", {"output": output, "patient_id": pk})


@require_POST
@staff_page()
def note_draft(request, pk: str):
    try:
        draft = services.note_draft_create(actor=request.user, patient_id=pk)
    except ServiceError as exc:
        flash_errors(request, exc)
        return redirect("patients:detail", pk=pk)
    messages.info(request, _("AI-drafted note created: check every line before you sign it."))
    if draft["notice"]:
        messages.warning(request, draft["notice"])
    return redirect(draft["url"])


@require_POST
@staff_page()
def triage(request, pk: str):
    output = services.thread_triage(actor=request.user, thread_id=pk)
    return render(request, "ai_assist/triage.html", {"output": output})


@require_http_methods(["GET", "POST"])
@staff_page("ai.configure")
def settings_page(request):
    row = services.settings_get(actor=request.user)
    form = AiSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        services.settings_update(
            actor=request.user,
            external_enabled=form.cleaned_data["external_enabled"],
            features=form.cleaned_data["features"],
        )
        messages.success(request, _("AI settings saved."))
        return redirect("ai_assist:settings")
    return render(request, "ai_assist/settings.html", {"form": form, "row": row})
