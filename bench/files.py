"""Benchmark file upload and download against gunicorn with production settings (stdlib only).

    bench/run.sh files                     # 200 MB, 3 rounds
    bench/run.sh files --size-mb 50 --rounds 1

What it does, on loopback (127.0.0.1) only and bounded (rounds, a timeout per request):
1. prepares its own SQLite file (bench/results/bench-files.sqlite3; `migrate`, `seed_demo`
   with a handful of patients) and a private MEDIA_ROOT under bench/results/;
2. writes a DICOM-like file of --size-mb MB (random bytes behind a DICOM header) once;
3. starts gunicorn with ONE sync worker (so one process serves every request and its peak
   memory is the figure) with DEBUG=False and FILE_MAX_MB just above the file's size;
4. per round: uploads the file through `POST /api/v1/patients/{id}/files/` as a streamed
   multipart body (never held in the client's memory either), then downloads it through
   `GET /api/v1/files/{id}/download` in 1 MB reads, checking the SHA-256;
5. reports MB/s for each direction and the worker's resident memory (VmRSS) before the first
   upload and its peak (VmHWM) after the uploads and after the downloads: with streaming, the
   peak stays near the idle size whatever the file size. Written to bench/results/latest-files.md.
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import sys
import time
from pathlib import Path

from bench.harness import (
    HOST,
    PASSWORD,
    RESULTS,
    free_port,
    login_api,
    machine,
    manage,
    request,
    server_env,
    start_gunicorn,
    stop,
    versions,
)

MB = 1024 * 1024
DICOM_HEADER = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00\x1a\x00\x00\x00"


def make_file(path: Path, size_mb: int) -> None:
    if path.exists() and path.stat().st_size == size_mb * MB:
        return
    block = os.urandom(MB)
    with path.open("wb") as out:
        out.write(DICOM_HEADER)
        out.write(block[len(DICOM_HEADER) :])
        for _ in range(size_mb - 1):
            out.write(block)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def memory_kb(pid: int) -> dict:
    """VmRSS and VmHWM (the peak) of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def megabytes(values: dict, key: str) -> str:
    return f"{values[key] / 1024:.0f} MB"


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise SystemExit(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def upload(port, token, patient_id, path: Path) -> tuple[float, dict]:
    """A streamed multipart POST: the body goes out in 1 MB pieces, Content-Length known."""
    boundary = secrets.token_hex(16)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nimaging\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: application/dicom\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    started = time.perf_counter()
    conn.putrequest("POST", f"/api/v1/patients/{patient_id}/files/")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.endheaders()
    conn.send(head)
    with path.open("rb") as source:
        while chunk := source.read(MB):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    conn.close()
    if response.status != 201:
        raise SystemExit(f"upload answered {response.status}: {body[:300]!r}")
    return seconds, json.loads(body)


def download(port, token, file_id) -> tuple[float, str, int]:
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    digest = hashlib.sha256()
    received = 0
    started = time.perf_counter()
    conn.request(
        "GET", f"/api/v1/files/{file_id}/download", headers={"Authorization": f"Bearer {token}"}
    )
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"download answered {response.status}: {response.read(300)!r}")
    while chunk := response.read(MB):
        digest.update(chunk)
        received += len(chunk)
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, digest.hexdigest(), received


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="file size in MB (200)")
    parser.add_argument("--rounds", type=int, default=3, help="uploads and downloads (3)")
    parser.add_argument("--db", type=Path, default=RESULTS / "bench-files.sqlite3")
    parser.add_argument("--skip-seed", action="store_true", help="reuse its rows (still migrated)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest-files.md")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    env = server_env(args.db.resolve())
    env["MEDIA_ROOT"] = str(RESULTS / "files-media")
    env["FILE_MAX_MB"] = str(args.size_mb + 1)
    manage(env, "migrate", "--noinput", "-v0")  # a reused file gets the code's schema
    if not args.skip_seed:
        print(f"Preparing {args.db}…", flush=True)
        manage(
            env, "seed_demo", "--patients", "5", "--labs-per-patient", "0", "--password", PASSWORD
        )
    sample = RESULTS / f"sample-{args.size_mb}mb.dcm"
    make_file(sample, args.size_mb)
    expected = sha256_of(sample)

    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_gunicorn(env, port, 1, RESULTS / "gunicorn-files.log")
    uploads, downloads, peaks = [], [], {}
    try:
        token = login_api(port)
        auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        status, _headers, body = request(port, "GET", "/api/v1/patients/?page_size=1", headers=auth)
        if status != 200:
            raise SystemExit(f"patient list answered {status}")
        patient_id = json.loads(body)["results"][0]["id"]
        worker = worker_pid(server.pid)
        peaks["idle"] = memory_kb(worker)
        file_ids = []
        for number in range(args.rounds):
            seconds, stored = upload(port, token, patient_id, sample)
            if stored["sha256"] != expected:
                raise SystemExit("the stored SHA-256 differs from the file's")
            uploads.append(seconds)
            file_ids.append(stored["id"])
            print(f"  upload {number + 1}: {args.size_mb / seconds:.0f} MB/s", flush=True)
        peaks["after uploads"] = memory_kb(worker)
        for number, file_id in enumerate(file_ids):
            seconds, digest, received = download(port, token, file_id)
            if received != args.size_mb * MB or digest != expected:
                raise SystemExit("the downloaded bytes differ from the file")
            downloads.append(seconds)
            print(f"  download {number + 1}: {args.size_mb / seconds:.0f} MB/s", flush=True)
        peaks["after downloads"] = memory_kb(worker)
    finally:
        stop(server)

    load_after = os.getloadavg()[0]

    def rate(times):
        best = min(times)
        median = sorted(times)[len(times) // 2]
        return f"{args.size_mb / median:.0f} MB/s median, {args.size_mb / best:.0f} MB/s best"

    rows = [
        "| measure | value |",
        "|---|---|",
        f"| upload ({args.rounds}× {args.size_mb} MB) | {rate(uploads)} |",
        f"| download ({args.rounds}× {args.size_mb} MB) | {rate(downloads)} |",
        f"| worker RSS, idle (after login) | {megabytes(peaks['idle'], 'VmRSS')} |",
        f"| worker peak RSS after the uploads | {megabytes(peaks['after uploads'], 'VmHWM')} |",
        f"| worker peak RSS after the downloads | {megabytes(peaks['after downloads'], 'VmHWM')} |",
    ]
    report = (
        "\n".join(
            [
                "# Files benchmark — latest run",
                "",
                f"- When: {time.strftime('%Y-%m-%d %H:%M %Z')}",
                f"- Machine: {machine()}; {versions()}",
                "- Server: gunicorn, 1 sync worker, DEBUG=False, filesystem storage, no scanner; "
                "client on the same machine over loopback (streamed multipart upload, 1 MB reads)",
                f"- File: {args.size_mb} MB DICOM-like (random bytes), SHA-256 checked both ways",
                f"- Load average (1 min) before/after: {load_before:.1f} / {load_after:.1f} "
                "(the client shares the machine; other work moves the throughput, not the memory)",
                "",
                *rows,
            ]
        )
        + "\n"
    )
    args.output.write_text(report)
    print()
    print("\n".join(rows))
    print(f"\nWritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
