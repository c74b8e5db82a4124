"""How fast the audit rows that pages write are sealed into their clinic's hash chain
(accounts.audit_chain, the worker's `accounts.audit_seal` every minute), against how fast
pages write them. A sealer slower than the pages falls behind for good at a busy hour, and
takes a core from them while it tries.

    DJANGO_SETTINGS_MODULE=bench.settings \
      DATABASE_URL=sqlite:///bench/results/appointments.sqlite3 ENV_FILE= DEBUG=False \
      SECRET_KEY=... ALLOWED_HOSTS=testserver SECURE_SSL_REDIRECT=False \
      .venv/bin/python manage.py shell -c "from bench.audit_seal import main; main()"

It writes `pages` list pages' audit rows (`per_page` patients each, as the demo clinician),
then seals every unsealed row of the file (the benchmarks' own pages leave many) and checks
the chains. The rows stay in the file, sealed, as a worker would leave them.
"""

import time

from accounts import audit_chain
from accounts.models import AuditEvent, User
from bench.harness import EMAIL
from core.audit import audit_patients_read


def main(pages: int = 400, per_page: int = 25) -> None:
    actor = User.objects.get(email=EMAIL)
    started = time.perf_counter()
    for page in range(pages):
        patient_ids = [f"bench-seal-{page}-{n}" for n in range(per_page)]
        audit_patients_read(actor=actor, patient_ids=patient_ids, detail="bench audit seal")
    written = time.perf_counter() - started
    pending = AuditEvent.objects.filter(seq__isnull=True).count()

    started = time.perf_counter()
    sealed = audit_chain.seal()
    sealing = time.perf_counter() - started
    checked, breaks = audit_chain.verify()

    print(f"pages' audit writes: {pages * per_page:,} rows in {written:.2f} s, ", end="")
    print(f"{pages * per_page / written:,.0f} rows/s (one process, {per_page} a page)")
    print(f"sealed: {sealed:,} of {pending:,} unsealed rows in {sealing:.2f} s, ", end="")
    print(f"{sealed / sealing:,.0f} rows/s")
    print(f"verified: {checked:,} rows, {len(breaks)} breaks", *breaks, sep="\n  ")
