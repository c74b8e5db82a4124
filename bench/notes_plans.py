"""Inside Django, for bench/notes.py (run through `manage.py shell -c`):

    from bench.notes_plans import heavy; heavy(500)   # one patient topped up to 500 notes
    from bench.notes_plans import main; main()        # query plans of the notes reads

`main` prints, as Markdown, the planner's plan (QuerySet.explain()) of each read the notes pages
make, the index it uses, whether SQLite sorts in a temporary B-tree, and the median time of a
few runs — for the patient with the most notes and for the whole clinic. The querysets are the
selectors' own.
"""

from django.db import connection
from django.db.models import Count

from accounts.models import User
from bench.harness import EMAIL, explain_table, print_plans, timed
from core.lists import starts_with
from core.reconcile import audit_seeded, seeding_mark
from notes import demo, selectors
from notes.models import Note, NoteWord
from patients.models import Patient


def heavy_patient(clinic_id) -> Patient:
    """The demo clinic's first patient by MRN: the one given hundreds of notes."""
    return Patient.objects.filter(clinic_id=clinic_id).order_by("mrn").first()


def heavy(count: int) -> None:
    actor = User.objects.get(email=EMAIL)
    users = {u.role: u for u in User.objects.filter(email__in=[EMAIL, "nurse@demo.clinic"])}
    patient = heavy_patient(actor.clinic_id)
    mark = seeding_mark()
    demo.seed_notes(
        clinic=actor.clinic,
        users=users,
        per_patient=count,
        patients=Patient.objects.filter(pk=patient.pk),
    )
    audit_seeded(mark=mark, clinic_id=actor.clinic_id)  # reconcile does not report them
    print(patient.pk)


def main() -> None:
    actor = User.objects.get(email=EMAIL)
    patient = heavy_patient(actor.clinic_id)

    def notes(**filters):
        return selectors.note_list(actor=actor, **filters)

    reads = [
        ("patient's notes, first page (25)", notes(patient=patient)[:25], "note_patient_time"),
        (
            "patient's notes, search 'sputum' (25)",
            notes(patient=patient, search="sputum")[:25],
            "note_patient_time",
        ),
        ("patient page panel (11)", notes(patient=patient)[:11], "note_patient_time"),
        ("clinic's notes, first page (25)", notes()[:25], "note_clinic_time"),
        ("clinic's notes, search 'asthma' (25)", notes(search="asthma")[:25], "note_clinic_time"),
        (
            "word index: the clinic's notes with a word starting 'salbutamol' (none)",
            NoteWord.objects.filter(
                starts_with("word", "salbutamol"), clinic_id=actor.clinic_id
            ).values("note_id"),
            "noteword_clinic_word",
        ),
        (
            "clinician's drafts (home widget, 9)",
            Note.objects.filter(author=actor, status="draft").order_by("-updated_at", "-id")[:9],
            "note_drafts",
        ),
    ]
    counts = [
        ("patient's notes", notes(patient=patient)),
        ("clinic's notes", notes()),
        ("clinic's notes, search 'asthma'", notes(search="asthma")),
    ]
    total = Note.objects.count()
    busiest = Note.objects.values("patient_id").annotate(n=Count("id")).order_by("-n").first() or {}
    print(
        f"- {connection.vendor}, {total} notes; the heavy patient has "
        f"{notes(patient=patient).count()} (most of any patient: {busiest.get('n', 0)})"
    )
    print()
    plans = explain_table(reads)
    for name, queryset in counts:
        print(f"| {name}: the paginator's count | | | | {timed(queryset.count, runs=3):.1f} |")
    for word in ("salbutamol", "asthma"):  # the word index read, then the page
        ms = timed(lambda w=word: list(notes(search=w)[:25]), runs=3)
        print(f"| clinic's notes, search '{word}': index counts and the page | | | | {ms:.1f} |")
    print_plans(plans)
