"""The documents benchmark's rows (run inside Django by bench/documents.py through
`manage.py shell`): file records without their bytes, enough to page the clinic's list."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.reconcile import audit_seeded, seeding_mark
from core.words import short_search_text
from files.models import FileWord, StoredFile
from patients.models import Patient

KEY_PREFIX = "bench-documents/"  # storage keys of rows written here: never a stored file
CATEGORIES = ("lab_report", "imaging", "referral", "other", "consent")
YEARS = 3
BATCH = 5_000


def top_up(total: int, email: str = "nurse@demo.clinic") -> None:
    """The demo clinic's files topped up to `total` (never duplicated): titles "Scan N" (with
    their words, as an upload writes them), five categories in turn, upload times spread over
    YEARS years, random patients."""
    uploader = User.objects.get(email=email)
    mine = StoredFile.objects.filter(storage_key__startswith=KEY_PREFIX)
    have = mine.count()
    patients = list(
        Patient.objects.filter(clinic_id=uploader.clinic_id).values_list("pk", flat=True)
    )
    rng = random.Random(have)  # noqa: S311 - test data
    now, span = timezone.now(), YEARS * 365 * 24 * 3600
    mark = seeding_mark()
    for start in range(have, total, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, total)):
            patient_id = rng.choice(patients)
            rows.append(
                StoredFile(
                    clinic_id=uploader.clinic_id,
                    patient_id=patient_id,
                    target_type="patient",
                    target_id=patient_id,
                    category=CATEGORIES[n % len(CATEGORIES)],
                    title=f"Scan {n}",
                    search_text=short_search_text(f"Scan {n}"),
                    original_name=f"scan-{n}.pdf",
                    content_type="application/pdf",
                    size=100_000 + n,
                    sha256=f"{n:064x}",
                    storage_key=f"{KEY_PREFIX}{n}",
                    uploaded_by=uploader,
                    scan_status=StoredFile.Scan.CLEAN,
                )
            )
        with transaction.atomic():
            made = StoredFile.objects.bulk_create(rows)
            for row in made:  # `created_at` is set on save: spread the uploads over the years
                row.created_at = now - timedelta(seconds=rng.randrange(span))
            StoredFile.objects.bulk_update(made, ["created_at"], batch_size=BATCH)
            FileWord.objects.bulk_create(FileWord.rows_for(made), batch_size=BATCH)
    audit_seeded(mark=mark, clinic_id=uploader.clinic_id)  # reconcile does not report them
    print(mine.count())
