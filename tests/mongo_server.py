"""Run the CongoDB MongoDB stand-in (tools/congodb/server.mjs) for tests.

Usage::

    with MongoStandIn() as url:      # "mongodb://127.0.0.1:PORT/"
        ...

or ``python tests/mongo_server.py [PORT]`` to run it in the foreground.

It does not fetch CongoDB: run ``tools/congodb/fetch.sh`` once beforehand.
No pytest (or Django) import here, so any harness can use it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_JS = REPO_ROOT / "tools" / "congodb" / "server.mjs"
READY_RE = re.compile(rb"^CONGODB_READY port=(\d+)\s*$")


class MongoStandInError(RuntimeError):
    pass


class MongoStandIn:
    """Context manager: start server.mjs, yield its URL, stop it on exit."""

    def __init__(self, port: int = 0, timeout: float = 30.0, node: str | None = None):
        self.port = port
        self.timeout = timeout
        self.node = node or os.environ.get("NODE") or shutil.which("node") or "node"
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        # Open for the server's whole life; closed in stop().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115

    def start(self) -> str:
        if not (SERVER_JS.parent / "dist" / "index.js").exists():
            raise MongoStandInError(
                f"CongoDB is not fetched; run {SERVER_JS.parent / 'fetch.sh'} first"
            )
        # stdin stays a pipe: server.mjs exits when it closes, so a crashed
        # test run cannot leave the server behind.
        self.proc = subprocess.Popen(
            [self.node, str(SERVER_JS), str(self.port), "--exit-with-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=SERVER_JS.parent,
        )
        port = self._wait_ready()
        self.url = f"mongodb://127.0.0.1:{port}/"
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        return self.url

    def _wait_ready(self) -> int:
        result: list[bytes] = []

        def read_first_line():
            result.append(self.proc.stdout.readline())

        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(self.timeout)
        match = READY_RE.match(result[0]) if result else None
        if match:
            return int(match.group(1))
        proc = self.proc
        self.stop()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode(errors="replace").strip()
        if not result:
            why = f"no ready line within {self.timeout:g}s"
        elif not result[0]:
            why = "it exited before printing the ready line"
        else:
            why = f"unexpected first line {result[0]!r}"
        raise MongoStandInError(
            f"CongoDB stand-in did not start ({why}); exit code {proc.returncode}; "
            f"stderr:\n{stderr or '(empty)'}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdin:
            proc.stdin.close()
        # proc.stdout is left to the drain thread, which ends at EOF.

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    port = int(argv[1]) if len(argv) > 1 else int(os.environ.get("CONGODB_PORT", "0"))
    server = MongoStandIn(port=port)
    print(server.start(), flush=True)
    try:
        server.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
