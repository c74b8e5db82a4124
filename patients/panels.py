"""The patient page is a hub: apps contribute panels here from their AppConfig.ready().

A panel is a template rendered with the patient and whatever its `context` function returns;
`permission` (from accounts.roles) decides who sees it. Adding a domain never edits the page.
"""

from collections.abc import Callable
from dataclasses import dataclass

from accounts.roles import can


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    permission: str
    order: int = 100
    # context(actor=..., patient=...) -> dict; reads through the owning app's selectors.
    context: Callable[..., dict] | None = None


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels_for(*, actor, patient) -> list[dict]:
    """The panels this actor may see, in order, each with its rendered context."""
    visible = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if not can(actor, panel.permission):
            continue
        extra = panel.context(actor=actor, patient=patient) if panel.context else {}
        visible.append({"panel": panel, "context": {"patient": patient, **extra}})
    return visible


def register_clinical_summary() -> None:
    from django.utils.translation import gettext_lazy as _

    from patients import selectors

    register(
        Panel(
            key="clinical_summary",
            title=_("Clinical summary"),
            template="patients/panels/clinical_summary.html",
            permission="clinical.view",
            order=10,
            context=selectors.clinical_summary,
        )
    )
    register(
        Panel(
            key="access_log",
            title=_("Access log"),
            template="patients/panels/access_log.html",
            permission="patients.access_log",
            order=900,
            context=selectors.access_log_panel,
        )
    )
