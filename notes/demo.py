"""Demo notes for `manage.py seed_demo --notes-per-patient K` (runs after the patients seeder).

Each demo patient is topped up to K notes over the last five years, as a clinic writes them:
mostly SOAP progress notes, some telephone encounters and nurse notes, written from small
phrase lists by the demo clinician or nurse, nearly all signed; about a third shared with the
patient; now and then an addendum. The newest note of a few patients is still the clinician's
draft, and a few of the nurse's recent notes wait for the clinician's co-signature, so the
home widget and the writer have something to show. Every note keeps one revision (its text when
it was saved) and the search text and word index the service would write.

`--notes-per-patient K` never duplicates: a patient with K or more notes gets none. Without it
each patient gets DEFAULT_NOTES_PER_PATIENT (quick for `make run`). A seeded random generator,
bulk inserts in batches, the stored times kept as generated.
"""

import datetime
import json
import random
import time
from collections import Counter

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from core.models import new_id
from core.roles import Role
from core.words import indexed_words
from notes.models import (
    COMMON_FROM,
    Addendum,
    CommonNoteWord,
    Note,
    NoteRevision,
    NoteTemplate,
    NoteType,
    NoteWord,
    search_text_of,
)
from notes.services import clinic_setup, word_made_common
from patients.models import Patient

DEFAULT_NOTES_PER_PATIENT = 2
BATCH = 2000
SEED = "health-passport-demo-notes"
YEARS = 5

COMPLAINTS = [
    "Cough for {n} days, productive of green sputum",
    "Headaches on waking for {n} weeks",
    "Low back pain after lifting, {n} days",
    "Sore throat and fever since {n} days",
    "Follow-up of hypertension; home readings around 14{n}/8{n}",
    "Tiredness and low mood for {n} months",
    "Rash on both forearms for {n} days, itchy",
    "Review of type 2 diabetes; no hypoglycaemia reported",
    "Knee pain when climbing stairs for {n} months",
    "Asthma review: reliever used {n} times a week",
]
FINDINGS = [
    "Chest clear, heart sounds normal. SpO2 9{n}% on air.",
    "BP 13{n}/8{n}, pulse {n}2 regular. BMI 2{n}.",
    "Throat erythematous, tonsils enlarged, no exudate.",
    "Tender over the lumbar paraspinal muscles; straight leg raise negative.",
    "Abdomen soft, non-tender. No organomegaly.",
    "Scattered eczematous patches, no signs of infection.",
    "Knee: small effusion, crepitus, full range of movement.",
    "Temperature 3{n}.{n} °C. Alert, well hydrated.",
]
ASSESSMENTS = [
    "Viral upper respiratory tract infection",
    "Tension-type headache",
    "Mechanical low back pain",
    "Hypertension, controlled",
    "Type 2 diabetes, HbA1c at target",
    "Atopic eczema flare",
    "Osteoarthritis of the knee",
    "Asthma, partly controlled",
    "Low mood; no risk identified",
]
PLANS = [
    "Rest, fluids, paracetamol. Return if breathless or fever persists beyond {n} days.",
    "Continue current medication. Review in {n} months.",
    "Emollients and a {n}-week course of topical steroid.",
    "Physiotherapy referral; simple analgesia.",
    "Bloods: HbA1c, U&E, lipids. Review with results.",
    "Step up inhaler therapy; asthma action plan given.",
    "Safety-netting advice given; follow up in {n} weeks.",
]
CALLS = [
    ("Patient", "Asking for blood results", "Results normal; explained", "None needed"),
    ("Daughter", "Medication query", "Take with food; do not double up", "Call back if worse"),
    ("Patient", "Worsening cough", "Advised to book an appointment", "Appointment booked"),
]
ADDENDA = [
    "Results received: within normal limits. Patient informed.",
    "Correction: the BP reading was taken seated, not standing.",
    "Discussed with the pharmacist; dose confirmed.",
]


def _phrase(rng, options) -> str:
    return rng.choice(options).format(n=rng.randint(2, 9))


def _sections(rng, kind: str) -> list[dict]:
    if kind == "telephone":
        caller, reason, advice, follow_up = rng.choice(CALLS)
        texts = [caller, reason, advice, follow_up]
        names = ["Caller", "Reason for call", "Advice given", "Follow-up"]
    elif kind == "nurse":
        return [{"name": "Note", "text": f"{_phrase(rng, FINDINGS)}\n\n{_phrase(rng, PLANS)}"}]
    else:
        texts = [
            _phrase(rng, COMPLAINTS) + ".",
            _phrase(rng, FINDINGS),
            rng.choice(ASSESSMENTS) + ".",
            "- " + _phrase(rng, PLANS) + "\n- " + _phrase(rng, PLANS),
        ]
        names = ["Subjective", "Objective", "Assessment", "Plan"]
    return [{"name": name, "text": text} for name, text in zip(names, texts, strict=True)]


def _visit_time(rng, now) -> datetime.datetime:
    """A weekday in clinic hours within the last YEARS years (recent visits more likely)."""
    days = int(rng.triangular(0, 365 * YEARS, 0))
    moment = now - datetime.timedelta(days=days)
    while moment.weekday() >= 5:
        moment -= datetime.timedelta(days=1)
    return moment.replace(hour=rng.randint(8, 17), minute=rng.choice((0, 15, 30, 45)))


def seed_notes(*, clinic, users, per_patient: int, patients=None, stdout=None) -> int:
    """Top every patient (of the clinic, or `patients`) up to `per_patient` notes."""
    clinic_setup(clinic=clinic)
    clinician = users.get(Role.CLINICIAN)
    nurse = users.get(Role.NURSE) or clinician
    if clinician is None or per_patient <= 0:
        return 0
    types = {t.code: t.pk for t in NoteType.objects.filter(clinic=clinic)}
    templates = {t.name: t.pk for t in NoteTemplate.objects.filter(clinic=clinic)}
    # (kind, type id, template id, title, author id, weight)
    kinds = [
        ("soap", types["11506-3"], templates.get("SOAP"), "SOAP", clinician.pk, 70),
        (
            "telephone",
            types["34748-4"],
            templates.get("Telephone encounter"),
            "Telephone encounter",
            clinician.pk,
            15,
        ),
        ("nurse", types["34746-8"], None, "Nurse note", nurse.pk, 15),
    ]
    weights = [kind[-1] for kind in kinds]
    patients = patients if patients is not None else Patient.objects.filter(clinic=clinic)
    have = dict(
        Note.objects.filter(clinic=clinic)
        .values("patient_id")
        .annotate(n=Count("id"))
        .values_list("patient_id", "n")
    )
    ids = list(patients.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(f"{SEED}-{per_patient}")  # noqa: S311 (demo data, not secrets)
    now = timezone.now()
    started = time.monotonic()
    created = 0
    rows = {Note: [], NoteWord: [], NoteRevision: [], Addendum: []}
    word_index = _WordIndex(clinic.pk)
    for index, patient_id in enumerate(ids):
        missing = per_patient - have.get(patient_id, 0)
        moments = sorted(_visit_time(rng, now) for _ in range(max(missing, 0)))
        for number, moment in enumerate(moments):
            kind, type_id, template_id, title, author_id, _weight = rng.choices(kinds, weights)[0]
            sections = _sections(rng, kind)
            newest = number == len(moments) - 1
            draft = newest and kind == "soap" and index % 7 == 0
            signed_at = None if draft else moment + datetime.timedelta(minutes=rng.randint(5, 90))
            asks_cosign = kind == "nurse" and newest and not draft and nurse != clinician
            asks_cosign = asks_cosign and index % 5 == 0
            note_id = new_id()
            search_text = search_text_of(title, sections)
            rows[Note].append(
                {
                    "id": note_id,
                    "created_at": moment,
                    "updated_at": signed_at or moment,
                    "clinic_id": clinic.pk,
                    "patient_id": patient_id,
                    "note_type_id": type_id,
                    "template_id": template_id,
                    "author_id": author_id,
                    "appointment_id": "",
                    "title": title,
                    "sections": sections,
                    "status": Note.Status.DRAFT if draft else Note.Status.SIGNED,
                    "signed_by_id": None if draft else author_id,
                    "signed_at": signed_at,
                    "cosigner_id": clinician.pk if asks_cosign else None,
                    "cosign_requested_at": signed_at if asks_cosign else None,
                    "cosigned_by_id": None,
                    "cosigned_at": None,
                    "shared_with_patient": not draft and rng.random() < 0.35,
                    "version": 1,
                    "search_text": search_text,
                }
            )
            rows[NoteWord] += [
                {"id": new_id(), "clinic_id": clinic.pk, "note_id": note_id, "word": word}
                for word in word_index.rare_words(search_text)
            ]
            rows[NoteRevision].append(
                {
                    "id": new_id(),
                    "created_at": moment,
                    "updated_at": moment,
                    "note_id": note_id,
                    "clinic_id": clinic.pk,
                    "editor_id": author_id,
                    "version": 1,
                    "title": title,
                    "sections": sections,
                    "autosave": False,
                }
            )
            if not draft and rng.random() < 0.04:
                rows[Addendum].append(
                    {
                        "id": new_id(),
                        "created_at": signed_at + datetime.timedelta(days=rng.randint(1, 10)),
                        "updated_at": signed_at,
                        "note_id": note_id,
                        "clinic_id": clinic.pk,
                        "author_id": author_id,
                        "text": rng.choice(ADDENDA),
                    }
                )
        if len(rows[Note]) >= BATCH or index == len(ids) - 1:
            created += len(rows[Note])
            with transaction.atomic():
                for model, batch in rows.items():
                    _insert(model, batch)
                word_index.settle()
            rows = {model: [] for model in rows}
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if stdout is not None:
        stdout.write(
            f"Notes: {created} new for {len(ids)} patients in {time.monotonic() - started:.1f} s."
        )
    return created


class _WordIndex:
    """The word index as notes.services keeps it, for notes inserted in bulk: a word's notes
    are written until it is in more than COMMON_FROM of them, then it is made common."""

    def __init__(self, clinic_id):
        self.clinic_id = clinic_id
        self.common = set(
            CommonNoteWord.objects.filter(clinic_id=clinic_id).values_list("word", flat=True)
        )
        self.indexed = Counter()  # a word's notes in the index (read once, then counted here)
        self.grown = set()

    def rare_words(self, search_text: str) -> list[str]:
        rare = sorted(indexed_words(search_text) - self.common - self.grown)
        for word in rare:
            if word not in self.indexed:
                words = NoteWord.objects.filter(clinic_id=self.clinic_id, word=word)
                self.indexed[word] = words.count()
            self.indexed[word] += 1
            if self.indexed[word] > COMMON_FROM:
                self.grown.add(word)
        return rare

    def settle(self) -> None:
        """Make the words that grew past COMMON_FROM common (after the batch is inserted)."""
        for word in sorted(self.grown):
            word_made_common(clinic_id=self.clinic_id, word=word)
        self.common |= self.grown
        self.grown = set()


def _insert(model, rows: list[dict]) -> None:
    """Insert rows given as column values, keeping the generated created/updated times.

    SQLite: one executemany of plain tuples (model instances and bulk_create's per-value
    preparation cost more than the insert itself at millions of rows); datetimes and JSON
    are adapted as Django would. Other backends: bulk_create with auto_now switched off.
    """
    if not rows:
        return
    fields = model._meta.concrete_fields
    if connection.vendor != "sqlite":
        stamps = [f for f in fields if f.name in ("created_at", "updated_at")]
        for field in stamps:
            field.auto_now = field.auto_now_add = False
        try:
            model.objects.bulk_create([model(**row) for row in rows], batch_size=500)
        finally:
            for field in stamps:
                field.auto_now_add = field.name == "created_at"
                field.auto_now = field.name == "updated_at"
        return
    ops = connection.ops
    adapt = {
        "DateTimeField": ops.adapt_datetimefield_value,
        "JSONField": json.dumps,
    }
    columns = [(f.attname, adapt.get(f.get_internal_type())) for f in fields]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    # Columns a row leaves out (fields added since this seeder was written) take their defaults.
    defaults = {f.attname: f.get_default() for f in fields}
    rows = [{**defaults, **row} for row in rows]
    values = [
        tuple(
            row[name] if convert is None or row[name] is None else convert(row[name])
            for name, convert in columns
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def add_arguments(parser):
    parser.add_argument(
        "--notes-per-patient",
        type=int,
        default=DEFAULT_NOTES_PER_PATIENT,
        metavar="K",
        help=f"Top every demo patient up to K clinical notes over the last {YEARS} years "
        f"(default {DEFAULT_NOTES_PER_PATIENT}; 0 adds none). Never duplicates.",
    )


def seed(*, clinic, users, options, stdout):
    per_patient = options.get("notes_per_patient")
    if per_patient is None:
        per_patient = DEFAULT_NOTES_PER_PATIENT
    seed_notes(clinic=clinic, users=users, per_patient=per_patient, stdout=stdout)
