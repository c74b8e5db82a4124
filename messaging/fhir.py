"""A patient's messages as FHIR R4 Communication resources (internal remarks never leave)."""

from messaging.models import Message
from messaging.selectors import threads_in_reach

CATEGORY_SYSTEM = "https://healthpassport.example/fhir/CodeSystem/message-category"


def _reference(message) -> dict:
    if message.from_patient:
        return {"reference": f"Patient/{message.patient_id}"}
    author = message.author
    return {
        "reference": f"Practitioner/{message.author_id}",
        "display": author.name if author else "",
    }


def communication(message, clinic) -> dict:
    """`clinic`: the recipient of the patient's messages, named (a clinic is not an entry of the
    patient's bundle, so the export keeps its `display` and drops the reference)."""
    thread = message.thread
    patient = {"reference": f"Patient/{message.patient_id}"}
    resource = {
        "resourceType": "Communication",
        "id": message.pk,
        "status": "completed",
        "category": [
            {
                "coding": [{"system": CATEGORY_SYSTEM, "code": thread.category}],
                "text": thread.get_category_display(),
            }
        ],
        "priority": "urgent" if thread.urgent else "routine",
        "subject": patient,
        "topic": {"text": thread.subject},
        "sent": message.created_at.isoformat(timespec="milliseconds"),
        "sender": _reference(message),
        "recipient": [{"reference": f"Organization/{clinic.pk}", "display": clinic.name}]
        if message.from_patient
        else [patient],
        "identifier": [{"system": "urn:healthpassport:message-thread", "value": thread.pk}],
        "payload": [{"contentString": message.text}] if message.text else [],
    }
    files = getattr(message, "files", [])
    resource["payload"] += [
        {
            "contentAttachment": {
                "contentType": f.content_type,
                "title": f.title,
                "size": f.size,
                "url": f"/api/v1/files/{f.file_id}/download",
            }
        }
        for f in files
    ]
    return resource


def communications(*, actor, patient) -> list[dict]:
    """Every non-internal message of the patient's threads the actor may read, for the record
    export (whose one "export" row covers them)."""
    threads = threads_in_reach(actor).filter(patient_id=patient.pk)
    ids = list(threads.values_list("pk", flat=True))
    messages = list(
        Message.objects.filter(thread_id__in=ids, internal__in=[False])
        .select_related("thread", "author")
        .order_by("thread_id", "seq")
    )
    return [communication(m, patient.clinic) for m in messages]
