"""System checks of the kit: all-or-nothing writes need a MongoDB replica set."""

from django.core.checks import Tags, Warning, register
from django.db import connections


@register(Tags.database)
def mongodb_transactions(app_configs=None, databases=None, **kwargs):
    """Run with `migrate` and `check --database default` (it asks the server)."""
    from core.transactions import mongo_transactions

    warnings = []
    for alias in databases or []:
        if connections[alias].vendor != "mongodb":
            continue
        try:
            supported = mongo_transactions(alias)
        except Exception:  # noqa: BLE001, S112 - an unreachable server is reported elsewhere
            continue
        if not supported:
            warnings.append(
                Warning(
                    "MongoDB is not a replica set: writes of several rows are not atomic.",
                    hint="Run MongoDB as a replica set (a single-node one is enough) and run "
                    "`manage.py reconcile` to find units a crash left half-written.",
                    id="core.W001",
                )
            )
    return warnings
