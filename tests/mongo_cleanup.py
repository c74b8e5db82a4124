"""On MongoDB, empty only the collections a test wrote to, instead of flushing every one.

The backend has no transactions, so Django ends every test with `flush`: an options() and a
delete_many() round trip for each of ~70 collections, then post_migrate re-creating every content
type and permission — about 0.7 s a test, most of the MongoDB run. A pymongo command listener
records the collections this process writes to; the teardown empties those. It falls back to the
full flush when it cannot know what was written: a subprocess was started (a worker or server
writes through its own client), or the content types / permissions that post_migrate restores were
touched.
"""

import subprocess

from django.db import connections
from django.test import TransactionTestCase
from pymongo import monitoring

WRITE_COMMANDS = {"insert", "update", "delete", "findAndModify"}
RESTORED_BY_POST_MIGRATE = {"django_content_type", "auth_permission"}


class WrittenCollections(monitoring.CommandListener):
    def __init__(self):
        self.names: set[str] = set()
        self.unknown = False

    def started(self, event):
        name = event.command_name
        if name in WRITE_COMMANDS:
            self.names.add(event.command[name])
        elif name == "bulkWrite":
            self.names.update(ns["ns"].split(".", 1)[1] for ns in event.command.get("nsInfo", []))
        elif name == "aggregate":
            self.unknown |= any(
                "$out" in stage or "$merge" in stage for stage in event.command.get("pipeline", [])
            )

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def reset(self):
        self.names.clear()
        self.unknown = False


written = WrittenCollections()


def install():
    """Call before the first connection is opened (listeners apply to clients created later)."""
    monitoring.register(written)

    popen_init = subprocess.Popen.__init__

    def tracked_popen_init(self, *args, **kwargs):
        written.unknown = True
        popen_init(self, *args, **kwargs)

    subprocess.Popen.__init__ = tracked_popen_init

    full_flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        try:
            if written.unknown or written.names & RESTORED_BY_POST_MIGRATE:
                full_flush(self)
                return
            for alias in self._databases_names(include_mirrors=False):
                connection = connections[alias]
                models = set(connection.introspection.django_table_names(only_existing=True))
                for name in written.names & models:
                    connection.database[name].delete_many({})
        finally:
            written.reset()

    TransactionTestCase._fixture_teardown = _fixture_teardown
