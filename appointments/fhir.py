"""An appointment as a FHIR R4 `Appointment` (a plain JSON-ready dict), for the patient's
whole-record export. Staff notes stay in the clinic: they are not part of the patient's record.

Built by hand (no FHIR library at runtime); the tests validate it with `fhir.resources`.
"""

from appointments.models import Appointment, Status

STATUSES = {
    Status.BOOKED: "booked",
    Status.CONFIRMED: "booked",
    Status.CHECKED_IN: "checked-in",
    Status.COMPLETED: "fulfilled",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "noshow",
}


def _instant(moment) -> str:
    return moment.isoformat(timespec="milliseconds")


def appointment(record: Appointment) -> dict:
    """One appointment (`patient`, `provider` and `type` loaded)."""
    provider = record.provider
    resource = {
        "resourceType": "Appointment",
        "id": str(record.pk),
        "meta": {"lastUpdated": _instant(record.updated_at)},
        "status": STATUSES.get(record.status, "booked"),
        "serviceType": [{"text": record.type.name}],
        "start": _instant(record.start),
        "end": _instant(record.end),
        "created": _instant(record.created_at),
        "participant": [
            {
                "actor": {
                    "reference": f"Patient/{record.patient_id}",
                    "display": record.patient.full_name,
                },
                "status": "accepted",
            },
            {
                "actor": {
                    "reference": f"Practitioner/{provider.pk}",
                    "display": provider.name or provider.email,
                },
                "status": "accepted",
            },
        ],
    }
    if record.reason:
        resource["description"] = record.reason
    if record.status == Status.CANCELLED and record.cancel_reason:
        resource["cancelationReason"] = {"text": record.cancel_reason}
    if record.location:
        resource["comment"] = record.location
    return resource
