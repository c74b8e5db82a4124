"""All or nothing: the one way a service writes several rows (its audit row included) as a unit.

`@unit` (or `with unit():`) is `transaction.atomic` on SQL databases and the MongoDB backend's
own transaction (`django_mongodb_backend.transaction.atomic`) when the server is a replica set
or a sharded cluster. A standalone MongoDB server has no transactions: there the unit degrades
to plain writes, a system check (core.W001) warns, and `manage.py reconcile` reports any unit a
crash left half-written. The CongoDB stand-in used by the test suite is such a server.

`savepoint()` marks a write whose failure the service catches and handles (a unique-constraint
retry): on SQL a failed statement inside a transaction needs its own savepoint to be survivable.
"""

from contextlib import nullcontext
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections, transaction


def mongo_transactions(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the MongoDB server behind `using` can run transactions (asks it once)."""
    connection = connections[using]
    return connection.vendor == "mongodb" and connection.features._supports_transactions


def _begin(using: str | None):
    using = using or DEFAULT_DB_ALIAS
    connection = connections[using]
    if connection.vendor != "mongodb":
        return transaction.atomic(using=using)
    if mongo_transactions(using):
        from django_mongodb_backend.transaction import atomic

        return atomic(using)
    return nullcontext()


def unit(func=None, *, using: str | None = None):
    """`@unit` on a service, or `with unit():` around a block: its writes commit together."""
    if callable(func):

        @wraps(func)
        def wrapper(*args, **kwargs):
            with _begin(using):
                return func(*args, **kwargs)

        return wrapper
    return _begin(using)


def savepoint(using: str | None = None):
    """A write that may fail and be handled inside a unit (SQL savepoint; MongoDB: as is)."""
    using = using or DEFAULT_DB_ALIAS
    if connections[using].vendor == "mongodb":
        return nullcontext()
    return transaction.atomic(using=using)


def current(instance):
    """`instance` read again inside the service's unit, and locked until the unit ends.

    A view reads its record before the service's unit begins, so a rule checked on that copy (not
    yet reviewed, not archived, a draft) can be stale by the time the service writes: call this
    first. PostgreSQL holds the row (SELECT … FOR UPDATE); on SQLite the unit already holds the
    write lock, so the read is fresh. Related records already loaded stay loaded (Django's
    refresh drops them) while their id is unchanged.
    """
    model = type(instance)
    loaded = {
        field: (getattr(instance, field.attname), field.get_cached_value(instance))
        for field in model._meta.concrete_fields
        if field.is_relation and field.is_cached(instance)
    }
    instance.refresh_from_db(from_queryset=model._base_manager.select_for_update())
    for field, (pk, related) in loaded.items():
        if getattr(instance, field.attname) == pk:
            field.set_cached_value(instance, related)
    return instance
