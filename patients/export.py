"""The patient's whole record, portable: a FHIR R4 `Bundle` (type `collection`) of every resource
the installed apps hold about the patient, and the same record as a printable page.

Each app contributes its own resources (`core.contributions.FhirResources`), read through its own
selectors, so an app that lands later joins the bundle without a change here. The patient reads
their own record (right of access), staff with clinical access any of their clinic's; the read is
one audit row, an "export".
"""

import base64
import binascii
import uuid

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AuditEvent
from core.api import READ_ERRORS, FhirJSONRenderer
from core.audit import audit
from core.contributions import fhir_resources
from core.decorators import staff_page
from core.models import new_id
from patients.models import Patient
from patients.selectors import patient_get

# Fixed for the project: an entry's fullUrl (urn:uuid) is a name-based UUID under it.
FULL_URL_NAMESPACE = uuid.UUID("d80ea318-69c5-4f5d-9d43-ce5c57c36fed")
# The sections of the printable page, in the order a clinician reads a record.
SECTIONS = {
    "AllergyIntolerance": gettext_lazy("Allergies"),
    "Condition": gettext_lazy("Problems"),
    "MedicationStatement": gettext_lazy("Medications"),
    "Observation": gettext_lazy("Lab results"),
    "DiagnosticReport": gettext_lazy("Lab reports"),
    "DocumentReference": gettext_lazy("Clinical notes"),
    "Appointment": gettext_lazy("Appointments"),
    "CarePlan": gettext_lazy("Care programmes"),
    "Goal": gettext_lazy("Goals"),
    "Communication": gettext_lazy("Messages"),
}

# The FHIR status codes the apps write, in the words (and msgids) their own pages use.
STATUS_WORDS = {
    "active": gettext_lazy("Active"),
    "inactive": gettext_lazy("Inactive"),
    "resolved": gettext_lazy("Resolved"),
    "stopped": gettext_lazy("Stopped"),
    "completed": gettext_lazy("Completed"),
    "fulfilled": gettext_lazy("Completed"),  # an appointment that took place
    "registered": gettext_lazy("Ordered"),  # a lab order with no result yet
    "partial": gettext_lazy("Preliminary"),  # a lab order with some results still to come
    "preliminary": gettext_lazy("Preliminary"),
    "final": gettext_lazy("Final"),
    "amended": gettext_lazy("Corrected"),  # a corrected lab result
    "corrected": gettext_lazy("Corrected"),
    "cancelled": gettext_lazy("Cancelled"),
    "booked": gettext_lazy("Booked"),
    "checked-in": gettext_lazy("Checked in"),
    "noshow": gettext_lazy("No-show"),
    "on-hold": gettext_lazy("Paused"),  # a paused care programme
    "revoked": gettext_lazy("Withdrawn"),  # a programme the patient left
    "unknown": gettext_lazy("Unknown"),
}
# Where a kind's code reads better otherwise: the patient page says "Stopped" of any medication
# no longer taken, a message is sent, and only signed notes are exported ("current").
KIND_STATUS_WORDS = {
    ("MedicationStatement", "completed"): gettext_lazy("Stopped"),
    ("Communication", "completed"): gettext_lazy("Sent"),
    ("DocumentReference", "current"): gettext_lazy("Signed"),
}

# HL7 interpretation codes (labs.fhir) and FHIR reaction severities, in the words the lab and
# patient pages use: a printed "H" or "mild" would be a code, and English to a Spanish reader.
INTERPRETATION_WORDS = {
    "N": gettext_lazy("Normal"),
    "L": gettext_lazy("Low"),
    "H": gettext_lazy("High"),
    "LL": gettext_lazy("Critically low"),
    "HH": gettext_lazy("Critically high"),
    "A": gettext_lazy("Abnormal"),
}
SEVERITY_WORDS = {
    "mild": gettext_lazy("Mild"),
    "moderate": gettext_lazy("Moderate"),
    "severe": gettext_lazy("Severe"),
}


# --- reading the record --------------------------------------------------------------------------
def record_export(*, actor, id: str, detail: str) -> tuple[Patient, list[dict]]:
    """(the patient, every resource about them): 404 out of reach, 403 unless the role has
    clinical access (a patient user: their own record), then one audited "export"."""
    patient = patient_get(actor=actor, id=id, permission="clinical.view", audited=False)
    audit(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=patient,
        patient_id=patient.pk,
        detail=detail,
    )
    resources = []
    for source in fhir_resources:
        resources.extend(source.resources(actor=actor, patient=patient))
    return patient, resources


def full_url(resource: dict) -> str:
    """The entry's `fullUrl`: a `urn:uuid:` derived from the record's type and id, so the same
    record has the same one in every export. Not a URL on this server: it serves no FHIR REST
    API (`[base]/Observation/{id}`), and FHIR allows only such URLs or a urn:uuid/urn:oid."""
    return f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, _local(resource))}"


def _local(resource: dict) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def _is_local(reference: str) -> bool:
    """A relative "Type/id" reference (not a URL, a urn or a "#contained" one)."""
    kind, _slash, id = reference.partition("/")
    return kind.isalpha() and kind[:1].isupper() and bool(id) and "/" not in id


def _linked(value, urls: dict[str, str]):
    """`value` with every `reference` to a resource in the bundle ("Type/id", as the apps
    write them) replaced by that entry's fullUrl. A "Type/id" held nowhere in the bundle (the
    staff, as Practitioner) could not be resolved by the receiver: it keeps its `display` only."""
    if isinstance(value, dict):
        linked = {key: _linked(item, urls) for key, item in value.items()}
        reference = linked.get("reference")
        if isinstance(reference, str) and reference in urls:
            linked["reference"] = urls[reference]
        elif isinstance(reference, str) and _is_local(reference) and linked.get("display"):
            del linked["reference"]
        return linked
    if isinstance(value, list):
        return [_linked(item, urls) for item in value]
    return value


def bundle(resources: list[dict]) -> dict:
    """The resources as a FHIR R4 `collection` Bundle: each entry has its `fullUrl`, and
    references between entries use it (a urn:uuid reference resolves only inside the bundle)."""
    now = timezone.now().isoformat(timespec="milliseconds")
    urls = {_local(resource): full_url(resource) for resource in resources}
    return {
        "resourceType": "Bundle",
        "id": new_id(),
        "meta": {"lastUpdated": now},
        "type": "collection",
        "timestamp": now,
        "entry": [
            {"fullUrl": urls[_local(resource)], "resource": _linked(resource, urls)}
            for resource in resources
        ],
    }


# --- the API: GET /api/v1/patients/{id}/export --------------------------------------------------
class FhirBundleSerializer(serializers.Serializer):
    """A FHIR R4 Bundle of type `collection` (each entry's `resource` is a FHIR resource)."""

    resourceType = serializers.CharField(default="Bundle")
    id = serializers.CharField()
    meta = serializers.DictField()
    type = serializers.CharField(default="collection")
    timestamp = serializers.DateTimeField()
    entry = serializers.ListField(child=serializers.DictField())


class PatientExportView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are the API's usual JSON (`detail`), not FHIR resources: say so.
        if response.status_code >= 400 and hasattr(request, "accepted_renderer"):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="The patient's whole record as a FHIR R4 Bundle (right of access)",
        description="A `collection` Bundle of every resource held about the patient: Patient, "
        "AllergyIntolerance, Condition, MedicationStatement, Observation, DiagnosticReport, "
        "DocumentReference, Appointment and those of the other installed apps (CarePlan, Goal, "
        "Communication). A patient user fetches their own record; staff need clinical access. "
        "`application/fhir+json` by default, `application/json` on request. Recorded in the "
        "audit trail as an export.",
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, description="The patient's id.")
        ],
        responses={200: OpenApiResponse(FhirBundleSerializer), **READ_ERRORS},
    )
    def get(self, request, pk):
        _patient, resources = record_export(actor=request.user, id=pk, detail="FHIR Bundle")
        return Response(bundle(resources))


# --- the printable page: /patients/{id}/record/ -------------------------------------------------
def _when(text: str | None):
    if not text:
        return None
    return parse_datetime(text) or parse_date(text[:10])


def _text(concept: dict | None) -> str:
    concept = concept or {}
    codings = concept.get("coding") or [{}]
    return concept.get("text") or codings[0].get("display") or codings[0].get("code", "")


def _interpretation(concept: dict) -> str:
    code = ((concept or {}).get("coding") or [{}])[0].get("code", "")
    return str(INTERPRETATION_WORDS.get(code) or _text(concept))


def _status_code(resource: dict) -> str:
    for key in ("clinicalStatus", "verificationStatus"):
        if key in resource:
            return _text(resource[key])
    return resource.get("status") or resource.get("lifecycleStatus") or ""


def _status(resource: dict) -> str:
    """The status in words: the apps write FHIR codes ("final", "booked"), which a reader of
    the printed record should not have to know. A code not listed is printed as written."""
    code = _status_code(resource)
    word = KIND_STATUS_WORDS.get((resource.get("resourceType"), code)) or STATUS_WORDS.get(code)
    return str(word or code)


def _value(observation: dict) -> str:
    if "valueQuantity" in observation:
        quantity = observation["valueQuantity"]
        return f"{quantity.get('value', '')} {quantity.get('unit', '')}".strip()
    if "valueCodeableConcept" in observation:
        return _text(observation["valueCodeableConcept"])
    return str(observation.get("valueString", ""))


def _markdown(document: dict) -> str:
    for content in document.get("content", []):
        attachment = content.get("attachment", {})
        if attachment.get("contentType") == "text/markdown" and attachment.get("data"):
            try:
                return base64.b64decode(attachment["data"]).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return ""
    return ""


def summary(resource: dict) -> dict:
    """What a reader needs of one resource: title, details, date, status (and a note's text)."""
    kind = resource.get("resourceType", "")
    title, details, when, body = "", [], None, ""
    if kind == "AllergyIntolerance":
        title = _text(resource.get("code"))
        for reaction in resource.get("reaction", []):
            details += [_text(m) for m in reaction.get("manifestation", [])]
            severity = reaction.get("severity", "")
            details.append(str(SEVERITY_WORDS.get(severity, severity)))
        when = _when(resource.get("recordedDate"))
    elif kind == "Condition":
        title = _text(resource.get("code"))
        details = [coding.get("code", "") for coding in resource.get("code", {}).get("coding", [])]
        when = _when(resource.get("onsetDateTime") or resource.get("recordedDate"))
    elif kind == "MedicationStatement":
        title = _text(resource.get("medicationCodeableConcept"))
        details = [dosage.get("text", "") for dosage in resource.get("dosage", [])]
        when = _when(resource.get("effectivePeriod", {}).get("start"))
    elif kind == "Observation":
        title = _text(resource.get("code"))
        details = [_value(resource)]
        details += [_interpretation(i) for i in resource.get("interpretation", [])]
        details += [r.get("text", "") for r in resource.get("referenceRange", [])]
        when = _when(resource.get("effectiveDateTime"))
    elif kind == "DiagnosticReport":
        title = _text(resource.get("code"))
        details = [result.get("display", "") for result in resource.get("result", [])]
        when = _when(resource.get("effectiveDateTime") or resource.get("issued"))
    elif kind == "DocumentReference":
        title = resource.get("description") or _text(resource.get("type"))
        details = [_text(resource.get("type"))]
        when = _when(resource.get("date"))
        body = _markdown(resource)
    elif kind == "Appointment":
        title = ", ".join(_text(service) for service in resource.get("serviceType", []))
        details = [resource.get("description", ""), resource.get("comment", "")]
        details += [p["actor"].get("display", "") for p in resource.get("participant", [])[1:]]
        when = _when(resource.get("start"))
    elif kind == "Communication":
        details = [p.get("contentString", "") for p in resource.get("payload", [])]
        title = _text(resource.get("topic")) or (details.pop(0) if details else "")
        when = _when(resource.get("sent"))
    elif kind == "CarePlan":
        title = resource.get("title") or resource.get("description", "")
        when = _when(resource.get("period", {}).get("start"))
    elif kind == "Goal":
        title = _text(resource.get("description"))
        when = _when(resource.get("startDate"))
    else:
        title = _text(resource.get("code")) or resource.get("id", "")
    return {
        "title": title or kind,
        "details": [detail for detail in details if detail],
        "when": when,
        "status": _status(resource),
        "body": body,
    }


def sections(resources: list[dict]) -> list[dict]:
    """The resources other than the Patient, summarised and grouped by kind in SECTIONS order
    (kinds the page does not know yet come last under their FHIR name)."""
    grouped: dict[str, list] = {}
    for resource in resources:
        kind = resource.get("resourceType", "")
        if kind != "Patient":
            grouped.setdefault(kind, []).append(summary(resource))
    order = [kind for kind in SECTIONS if kind in grouped]
    order += sorted(kind for kind in grouped if kind not in SECTIONS)
    return [{"title": SECTIONS.get(kind, kind), "items": grouped[kind]} for kind in order]


@require_http_methods(["GET"])
@staff_page()
def record_print(request, pk: str) -> HttpResponse:
    """The whole record on one page, styled for paper (print CSS, no script)."""
    patient, resources = record_export(
        actor=request.user, id=pk, detail=gettext_noop("printable record")
    )
    return render(
        request,
        "patients/export.html",
        {"patient": patient, "sections": sections(resources), "printed_at": timezone.now()},
    )
