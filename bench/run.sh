#!/usr/bin/env bash
# The benchmarks: gunicorn with production settings on loopback, seeded SQLite (bench/README.md).
#   bench/run.sh [options]        the patients benchmark, 100,000 seeded patients
#   bench/run.sh labs [options]   the labs benchmark, 1,000,000 lab results on those patients
# Options are passed through: bench/run.sh --help, bench/run.sh labs --help
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "labs" ]]; then
    shift
    exec .venv/bin/python -m bench.labs "$@"
fi
exec .venv/bin/python bench/patients.py "$@"
