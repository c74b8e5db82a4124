"""AI assist pages: the summary (from the patient page's panel), "Draft a note", the triage box
beside a thread, and the clinic's AI settings. Each calls one service; nothing is saved to the
chart except a draft note, which the clinician edits and signs in the notes writer."""

import datetime
import functools

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ai_assist import engine, services
from ai_assist.forms import AiSettingsForm
from ai_assist.providers import ExternalProvider
from ai_assist.triage import labels as triage_labels
from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, flash_errors

PROVIDER_LABELS = {
    engine.ENGINE: gettext_lazy("the built-in engine"),
    ExternalProvider.name: gettext_lazy("the external AI provider"),
}


def feature_off_page(view):
    """A feature the clinic turned off is the clinic's choice: say so, not "your role" (403)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.FeatureOff:
            return render(request, "ai_assist/feature_off.html", status=403)

    return wrapper


def _for_reader(output: dict) -> dict:
    """The banner's facts for a reader: a datetime (shown in the clinic's timezone, which the
    request activated) instead of the API's UTC ISO text, and the provider by name."""
    code = output["generated_by"]["engine"]
    return {
        **output,
        "generated_at": datetime.datetime.fromisoformat(output["generated_at"]),
        "provider": PROVIDER_LABELS.get(code, code),
    }


def _made_then_shown(request, output, *, back: str, unchanged: str, template: str, context):
    """Post/Redirect/Get: a POST made `output` (or found it kept: `unchanged` says so) and
    redirects to `back`, whose GET shows it; so Back from a link on the page and a login's
    return land on a page, never a 405 or "Confirm form resubmission"."""
    if request.method == "POST":
        if output["cached"]:
            messages.info(request, unchanged)
        return redirect(back)
    return render(request, template, {"output": output and _for_reader(output), **context})


@require_http_methods(["GET", "POST"])
@staff_page()
@feature_off_page
def summary(request, pk: str):
    """The summary kept for the chart as it is now, or the "Summarise the chart" button when
    there is none (_made_then_shown)."""
    made = request.method == "POST"
    patient, output = services.summary_with_patient(actor=request.user, patient_id=pk, make=made)
    return _made_then_shown(
        request,
        output,
        back=reverse("ai_assist:summary", kwargs={"pk": patient.pk}),
        unchanged=_("Unchanged chart: the summary made earlier."),
        template="ai_assist/summary.html",
        context={"patient": patient},
    )


@require_POST
@staff_page()
@feature_off_page
def note_draft(request, pk: str):
    try:
        draft = services.note_draft_create(actor=request.user, patient_id=pk)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
        return redirect("patients:detail", pk=pk)
    messages.info(request, _("AI-drafted note created: check every line before you sign it."))
    if draft["notice"]:
        messages.warning(request, draft["notice"])
    return redirect(draft["url"])


@require_http_methods(["GET", "POST"])
@staff_page()
@feature_off_page
def triage(request, pk: str):
    """The suggestion kept for the thread's messages as they are now, or the "Suggest triage"
    button when there is none (_made_then_shown)."""
    made = request.method == "POST"
    patient, output = services.triage_with_patient(actor=request.user, thread_id=pk, make=made)
    return _made_then_shown(
        request,
        output,
        back=reverse("ai_assist:triage", kwargs={"pk": pk}),
        unchanged=_("Unchanged messages: the suggestion made earlier."),
        template="ai_assist/triage.html",
        context={"labels": output and triage_labels(output), "patient": patient, "thread_id": pk},
    )


@require_http_methods(["GET", "POST"])
@staff_page("ai.configure")
def settings_page(request):
    row = services.settings_get(actor=request.user)
    form = AiSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_fields()  # only these: another admin may have saved meanwhile
        if changes:
            services.settings_update(actor=request.user, **changes)
            messages.success(request, _("AI settings saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("ai_assist:settings")
    return render(request, "ai_assist/settings.html", {"form": form, "row": row})
