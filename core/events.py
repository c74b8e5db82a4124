"""Domain events: an app says what happened; whoever listens acts on it.

The app that owns a fact raises it (`emit("labs.critical_result", obj=result)`) without knowing
who listens, so it never imports the listener (notifications sits on the same floor as labs).
Listeners register a handler once, from their contributions.py. Handlers run in the caller's
step, in registration order; a handler that needs slow work enqueues it.
"""

from collections.abc import Callable

from core.registry import Registry

handlers: Registry[Callable[..., None]] = Registry("event handlers")


def listen(key: str, handler: Callable[..., None]) -> None:
    """Call `handler(event_key, **payload)` for every event emitted (`key` names the listener)."""
    handlers.register(key, handler)


def emit(event_key: str, **payload) -> None:
    """Tell every listener that `event_key` happened; `payload` is usually `obj=<the record>`."""
    for handler in handlers:
        handler(event_key, **payload)
