"""Demo data: the accounts part, plus seeders other apps register from AppConfig.ready().

`manage.py seed_demo` runs every registered seeder after creating the demo clinic, so adding a
domain's demo data never edits this command.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    name: str
    # add_arguments(parser): the options this seeder understands.
    add_arguments: Callable
    # seed(clinic=..., users=..., options=..., stdout=...): idempotent where it can be.
    seed: Callable
    order: int = 100


_seeders: dict[str, Seeder] = {}


def register(seeder: Seeder) -> None:
    _seeders[seeder.name] = seeder


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.name))
