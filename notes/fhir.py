"""A clinical note as a FHIR R4 DocumentReference (a plain JSON-ready dict).

The note travels as two attachments of the same text: Markdown (what the clinician wrote) and
sanitised HTML (what the pages show), each with its addenda after the sections. Built by hand so
the runtime needs no FHIR library; the tests validate the output with `fhir.resources`.
"""

import base64

from django.utils.html import escape

from notes.markdown import render
from notes.models import Addendum, Note

LOINC = "http://loinc.org"
CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"


def _instant(moment) -> str:
    return moment.isoformat(timespec="milliseconds")


def _person(user) -> dict:
    return {"reference": f"Practitioner/{user.pk}", "display": user.name or user.email}


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def markdown_document(note: Note, addenda: list[Addendum]) -> str:
    parts = [f"# {note.title}"]
    for section in note.sections:
        parts.append(f"## {section['name']}\n\n{section['text'].strip()}")
    for addendum in addenda:
        who = addendum.author.name or addendum.author.email
        parts.append(f"## Addendum — {who}, {_instant(addendum.created_at)}\n\n{addendum.text}")
    return "\n\n".join(parts) + "\n"


def html_document(note: Note, addenda: list[Addendum]) -> str:
    parts = [f"<h1>{escape(note.title)}</h1>"]
    for section in note.sections:
        parts.append(f"<h2>{escape(section['name'])}</h2>\n{render(section['text'])}")
    for addendum in addenda:
        who = escape(addendum.author.name or addendum.author.email)
        when = _instant(addendum.created_at)
        parts.append(f"<h2>Addendum — {who}, {when}</h2>\n{render(addendum.text)}")
    return "\n".join(parts)


def document_reference(note: Note, addenda: list[Addendum]) -> dict:
    note_type = note.note_type
    type_concept = {"text": note_type.name}
    if note_type.is_loinc:
        type_concept["coding"] = [
            {"system": LOINC, "code": note_type.code, "display": note_type.name}
        ]
    doc_status = ("amended" if addenda else "final") if note.is_signed else "preliminary"
    created = _instant(note.created_at)
    resource = {
        "resourceType": "DocumentReference",
        "id": str(note.pk),
        "meta": {"lastUpdated": _instant(note.updated_at)},
        "status": "current",
        "docStatus": doc_status,
        "type": type_concept,
        "category": [
            {"coding": [{"system": CATEGORY, "code": "clinical-note", "display": "Clinical Note"}]}
        ],
        "subject": {
            "reference": f"Patient/{note.patient_id}",
            "display": note.patient.full_name,
        },
        "date": _instant(note.signed_at or note.updated_at),
        "author": [_person(note.author)],
        "description": note.title,
        "content": [
            {
                "attachment": {
                    "contentType": "text/markdown",
                    "data": _base64(markdown_document(note, addenda)),
                    "title": note.title,
                    "creation": created,
                }
            },
            {
                "attachment": {
                    "contentType": "text/html",
                    "data": _base64(html_document(note, addenda)),
                    "title": note.title,
                    "creation": created,
                }
            },
        ],
    }
    if note.signed_by_id:
        resource["authenticator"] = _person(note.signed_by)
    if note.cosigned_by_id:
        resource["author"].append(_person(note.cosigned_by))
    if note.appointment_id:
        resource["context"] = {"related": [{"reference": f"Appointment/{note.appointment_id}"}]}
    return resource
