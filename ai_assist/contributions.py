"""What AI assist adds to the rest: the "Summary" panel on the patient page and the triage box
beside a message thread (rendered by the messaging app's thread page through asides_for)."""

from django.utils.translation import gettext_lazy as _

from core.contributions import Aside, Panel, contribute

contribute(
    "ai_assist",
    Panel(
        key="ai_summary",
        title=_("Summary"),
        template="ai_assist/panels/summary.html",
        permission="ai.use",
        order=5,
    ),
    Aside(
        key="ai_triage",
        record="messaging.thread",
        template="ai_assist/asides/triage.html",
        permission="ai.triage",
        order=50,
        context=lambda *, actor, obj: {"thread_id": str(obj.pk)},
    ),
)
