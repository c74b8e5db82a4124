"""SQLite's query-planner statistics, kept current (a no-op on other backends).

SQLite picks an index from the row counts `ANALYZE` stores in sqlite_stat1. Without them it
guesses, and guesses a patient name search into a walk of the whole clinic in name order
(1,000,000 patients: seconds, against ~1 ms with statistics); an index created by a migration
starts without any. So the statistics are refreshed nightly (settings.PERIODIC_TASKS), and
after every `migrate` for the indexes that have none. PostgreSQL's autovacuum and MongoDB's plan
trials need no help.

Each index is counted from up to ROWS_SAMPLED of its entries, one index at a time. SQLite's
usual sample of about a thousand entries counts any clinic as at most a thousand rows, so it
walked a clinic's whole review queue, or every patient a one-letter search finds, rather than
seek 25 patients by id; at 100,000 entries its plans are those of a full count here
(docs/performance.md, "Twenty-eighth round"). One index at a time, because ANALYZE holds the
write lock while it reads: a whole-file ANALYZE without a limit held it 17 s at 100,000 patients
and would pass the 20 s writers wait at 1,000,000, where its longest index alone took 11 s.
"""

from django.db import connections

ROWS_SAMPLED = 100_000


def _indexes(cursor, *, only_missing: bool) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
    names = [name for (name,) in cursor.fetchall()]
    if only_missing and names:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT DISTINCT idx FROM sqlite_stat1 WHERE idx IS NOT NULL")
            known = {name for (name,) in cursor.fetchall()}
            names = [name for name in names if name not in known]
    return names


def statistics_refresh(using: str = "default", *, only_missing: bool = False) -> bool:
    """Count every index anew (or only those never counted); False where SQLite's statistics
    do not apply."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ROWS_SAMPLED}")
        for name in _indexes(cursor, only_missing=only_missing):
            quoted = name.replace('"', '""')
            cursor.execute(f'ANALYZE "{quoted}"')  # its own transaction: the lock, briefly
    return True


def statistics_refresh_after_migrate(*, using: str = "default", **kwargs) -> None:
    """post_migrate: new indexes get statistics before the first request; the others keep the
    night's, so a deploy does not read every index of a large file again."""
    statistics_refresh(using, only_missing=True)
