"""What AI assist adds to the rest: the "Summary" panel on the patient page and the triage box
beside a message thread (rendered by the messaging app's thread page through asides_for).
Each offers only the features the clinic switched on: a turned-off one would only answer 403."""

from django.utils.translation import gettext_lazy as _

from core.contributions import Aside, Panel, contribute
from core.roles import can


def _summary_panel(*, actor, patient) -> dict:
    from ai_assist.models import Feature
    from ai_assist.services import features_on

    on = features_on(patient.clinic_id)
    return {
        "offers_summary": Feature.SUMMARY in on,
        "offers_draft": Feature.NOTE_DRAFT in on and can(actor, "notes.write"),
    }


def _triage_aside(*, actor, obj) -> dict:
    from ai_assist.models import Feature
    from ai_assist.services import features_on

    return {"thread_id": str(obj.pk), "on": Feature.TRIAGE in features_on(obj.clinic_id)}


contribute(
    "ai_assist",
    Panel(
        key="ai_summary",
        title=_("Summary"),
        template="ai_assist/panels/summary.html",
        permission="ai.use",
        order=5,
        context=_summary_panel,
    ),
    Aside(
        key="ai_triage",
        record="messaging.thread",
        template="ai_assist/asides/triage.html",
        permission="ai.triage",
        order=50,
        context=_triage_aside,
    ),
)
