"""Notes test data, written through the services (revisions, search text and audit as in use)."""

from accounts.models import AuditEvent
from notes import services
from notes.models import Note, NoteTemplate, NoteType

SOAP_TEXT = {
    "Subjective": "Cough for three days, no fever.",
    "Objective": "Chest clear. SpO2 98%.",
    "Assessment": "Viral upper respiratory infection.",
    "Plan": "Rest and fluids; return if breathless.",
}


def install(clinic) -> None:
    services.clinic_setup(clinic=clinic)


def note_type(clinic, code="11506-3") -> NoteType:
    return NoteType.objects.get(clinic=clinic, code=code)


def template(clinic, name="SOAP") -> NoteTemplate:
    return NoteTemplate.objects.get(clinic=clinic, name=name)


def soap_sections(**texts) -> list[dict]:
    return [{"name": name, "text": texts.get(name, text)} for name, text in SOAP_TEXT.items()]


def make_note(
    author, patient, *, signed=False, shared=False, title="", sections=None, **texts
) -> Note:
    """A SOAP note by `author` about `patient`; signed and/or shared when asked."""
    note = services.note_create(
        actor=author,
        patient=patient,
        note_type=note_type(patient.clinic),
        template=template(patient.clinic),
        title=title,
        sections=sections if sections is not None else soap_sections(**texts),
        shared_with_patient=shared,
    )
    if signed:
        note = services.note_sign(actor=author, note=note)
    return Note.objects.get(pk=note.pk)


def audit_mark() -> set[str]:
    """The audit rows that exist now (ids, not a time: MongoDB keeps only milliseconds)."""
    return set(AuditEvent.objects.values_list("pk", flat=True))


def audit_rows_since(mark: set[str]):
    return AuditEvent.objects.exclude(pk__in=mark)
