"""Benchmark only: every response says how many SQL statements it took (`X-Queries`), how long
the server spent on it (`X-Server-Ms`: from this outermost middleware in, so not the time it
waited for a free worker) and how much of that was writing (`X-Write-Ms`: waiting for the write
lock in `BEGIN` and committing, on SQLite the fsync). The report puts them beside the client's
timings, so a slow page shows whether it is work, writes or a queue for the workers."""

import time

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0
        writing = 0.0

        def timed(call):
            def run(*args):
                nonlocal writing
                started = time.perf_counter()
                try:
                    return call(*args)
                finally:
                    writing += time.perf_counter() - started

            return run

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            run = timed(execute) if sql.startswith("BEGIN") else execute
            return run(sql, params, many, context)

        started = time.perf_counter()
        # A commit is the driver's commit(), which execute wrappers do not see: timed here, for
        # this request only (the instance attribute hides the method until it is deleted).
        connection._commit = timed(connection._commit)
        try:
            with connection.execute_wrapper(counted):
                response = self.get_response(request)
        finally:
            del connection._commit
        response["X-Queries"] = str(count)
        response["X-Server-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        response["X-Write-Ms"] = f"{writing * 1000:.2f}"
        return response
