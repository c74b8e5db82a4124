from accounts.models import AuditEvent


def audit_events_for_patient(*, patient_id: str):
    """Who touched a patient's record, newest first (callers check who may see it)."""
    return AuditEvent.objects.filter(patient_id=patient_id).select_related("actor")
