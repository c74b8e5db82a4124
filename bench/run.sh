#!/usr/bin/env bash
# The benchmarks: gunicorn with production settings on loopback, seeded SQLite (bench/README.md).
#   bench/run.sh [options]        the patients benchmark, 100,000 seeded patients
#   bench/run.sh labs [options]   the labs benchmark, 1,000,000 lab results on those patients
#   bench/run.sh notes [options]  the notes benchmark, 2,000,000 notes on those patients
#   bench/run.sh messaging [options]  the messaging benchmark, 200,000 threads / 2,000,000 messages
#   bench/run.sh programs [options]  the programmes benchmark, 10,000 enrolments, ~1M tasks
#   bench/run.sh appointments [options]  the appointments benchmark, 50 providers, a year each
#   bench/run.sh files [options]  upload/download throughput and server memory, a 200 MB file
#   bench/run.sh documents [options]  the clinic's documents list, 200,000 file records
#   bench/run.sh tasks [options]  tasks/s through the database and Redis queues; the unread count
#   bench/run.sh soak [options]   10 minutes of mixed traffic at 32 clients: 5xx, p50/p99, worker memory
# Options are passed through: bench/run.sh --help, bench/run.sh labs --help
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "files" ]]; then
    shift
    exec .venv/bin/python -m bench.files "$@"
fi
if [[ "${1:-}" == "documents" ]]; then
    shift
    exec .venv/bin/python -m bench.documents "$@"
fi
if [[ "${1:-}" == "soak" ]]; then
    shift
    exec .venv/bin/python -m bench.soak "$@"
fi
if [[ "${1:-}" == "tasks" ]]; then
    shift
    exec .venv/bin/python -m bench.tasks "$@"
fi
if [[ "${1:-}" == "labs" ]]; then
    shift
    exec .venv/bin/python -m bench.labs "$@"
fi
if [[ "${1:-}" == "programs" ]]; then
    shift
    exec .venv/bin/python -m bench.programs "$@"
fi
if [[ "${1:-}" == "messaging" ]]; then
    shift
    exec .venv/bin/python -m bench.messaging "$@"
fi
if [[ "${1:-}" == "appointments" ]]; then
    shift
    exec .venv/bin/python -m bench.appointments "$@"
fi
if [[ "${1:-}" == "notes" ]]; then
    shift
    exec .venv/bin/python -m bench.notes "$@"
fi
exec .venv/bin/python -m bench.patients "$@"
