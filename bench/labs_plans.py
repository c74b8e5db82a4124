"""Query plans of the lab reads at benchmark scale (run inside Django by bench/labs.py):

    manage.py shell -c "from bench.labs_plans import main; main()"

For each read the patient page, the trend and the review queue make, prints the SQL planner's
plan (QuerySet.explain()), the index it uses and the median time of a few runs, as Markdown.
The querysets are the selectors' own (the lists behind the audited pages).
"""

from django.db import connection

from accounts.models import User
from bench.harness import EMAIL, explain_table, print_plans, timed
from labs import selectors
from labs.models import LabResult
from patients.models import Patient

DECLARED = ("result_patient_test", "result_patient_time", "result_review_queue")


def _busiest(clinic_id):
    """A patient with a test repeated most often (the longest trend) among the first 2000."""
    sample = list(
        Patient.objects.filter(clinic_id=clinic_id)
        .order_by("mrn")
        .values_list("pk", flat=True)[:2000]
    )
    rows = (
        LabResult.objects.filter(patient_id__in=sample)
        .order_by()
        .values_list("patient_id", "test_id")
    )
    counts = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    (patient_id, test_id), _count = max(counts.items(), key=lambda item: item[1])
    return Patient.objects.get(pk=patient_id), test_id


def main() -> None:
    actor = User.objects.get(email=EMAIL)
    patient, test_id = _busiest(actor.clinic_id)
    test = selectors.labtest_get(actor=actor, id=test_id)
    latest = selectors.result_list(actor=actor, patient_id=patient.pk).order_by("-collected_at")
    trend = selectors.result_list(actor=actor, patient_id=patient.pk, test_id=test.pk).order_by(
        "collected_at", "id"
    )
    queue = selectors.review_queue(actor=actor, mine=False)
    mine = selectors.review_queue(actor=actor, mine=True)
    reads = [
        ("latest per test (patient page panel)", latest, "result_patient_time"),
        ("trend of one test", trend, "result_patient_test"),
        ("review queue, first page (25)", queue[:25], "result_review_queue"),
        ("review queue, clinician's home widget (9, mine)", mine[:9], "result_review_queue"),
    ]
    total = LabResult.objects.count()
    unreviewed = LabResult.objects.filter(reviewed_at__isnull=True).count()
    print(
        f"- {connection.vendor}, {total} results, {unreviewed} unreviewed; patient with "
        f"{LabResult.objects.filter(patient=patient).count()} results, "
        f"{trend.count()} of {test.name}"
    )
    print()
    plans = explain_table(reads)
    count_ms = timed(queue.count)
    print(f"| review queue, the paginator's count | `result_review_queue` | | | {count_ms:.1f} |")
    print_plans(plans)
