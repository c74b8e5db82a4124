"""Set-up that domain apps contribute to a new clinic (e.g. the labs catalogue).

Apps register a callable from their AppConfig.ready(); accounts.services.clinic_signup runs
them once the clinic exists. The core never imports the domain apps.
"""

from collections.abc import Callable

_on_clinic_created: dict[str, Callable] = {}


def register_on_clinic_created(key: str, setup: Callable) -> None:
    _on_clinic_created[key] = setup


def clinic_created(clinic) -> None:
    for setup in _on_clinic_created.values():
        setup(clinic=clinic)
