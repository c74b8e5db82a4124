"""SQLite's query-planner statistics, kept current (a no-op on other backends).

SQLite picks an index from the row counts `ANALYZE` stores in sqlite_stat1. Without them it
guesses, and guesses a patient name search into a walk of the whole clinic in name order
(1,000,000 patients: seconds, against ~1 ms with statistics); an index created by a migration
starts without any. So the statistics are refreshed after every `migrate` and nightly
(settings.PERIODIC_TASKS). PostgreSQL's autovacuum and MongoDB's plan trials need no help.
"""

from django.db import connections

# Rows sampled per index (SQLite's analysis_limit): statistics good enough to choose between
# indexes in about a second on a 2.5 GB database, instead of a read of every index.
ROWS_SAMPLED = 1000


def statistics_refresh(using: str = "default") -> bool:
    """Refresh the planner's statistics of the whole database; False where there are none."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ROWS_SAMPLED}")
        cursor.execute("ANALYZE")
    return True


def statistics_refresh_after_migrate(*, using: str = "default", **kwargs) -> None:
    """post_migrate: new indexes (and new tables) get statistics before the first request."""
    statistics_refresh(using)
