"""The staff home is a hub too: apps contribute widgets here from their AppConfig.ready().

A widget is a template rendered with whatever its `context` function returns (as `data`);
`permission` (from accounts.roles) decides who sees it. The core never imports the apps.
"""

from collections.abc import Callable
from dataclasses import dataclass

from accounts.roles import can


@dataclass(frozen=True)
class Widget:
    key: str
    template: str
    permission: str
    order: int = 100
    # context(actor=...) -> dict; reads through the owning app's selectors.
    context: Callable[..., dict] | None = None


_widgets: dict[str, Widget] = {}


def register(widget: Widget) -> None:
    _widgets[widget.key] = widget


def widgets_for(*, actor) -> list[dict]:
    """The widgets this actor may see, in order, each with its context (staff of a clinic only)."""
    if getattr(actor, "clinic_id", None) is None:
        return []
    visible = []
    for widget in sorted(_widgets.values(), key=lambda w: (w.order, w.key)):
        if not can(actor, widget.permission):
            continue
        data = widget.context(actor=actor) if widget.context else {}
        visible.append({"widget": widget, "data": data})
    return visible
