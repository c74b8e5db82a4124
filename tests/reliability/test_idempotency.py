"""Safe retries: an API create sent again with the same Idempotency-Key is carried out once."""

import datetime

import pytest
from django.utils import timezone

from core.idempotency import keys_prune
from core.models import IdempotencyKey
from labs.models import LabOrder
from tests.labs.factories import GLUCOSE, HEMOGLOBIN

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/labs/orders/"


def order_body(patient, catalogue, code=GLUCOSE):
    return {"patient": patient.pk, "tests": [catalogue[code].pk]}


def post(client, body, key):
    return client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_once(
    doctor_api, patient, catalogue
):
    first = post(doctor_api, order_body(patient, catalogue), "order-1")
    again = post(doctor_api, order_body(patient, catalogue), "order-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert LabOrder.objects.count() == 1


def test_without_a_key_each_post_creates(doctor_api, patient, catalogue):
    for _n in range(2):
        assert (
            doctor_api.post(ORDERS, order_body(patient, catalogue), format="json").status_code
            == 201
        )
    assert LabOrder.objects.count() == 2


def test_the_same_key_with_another_body_is_422_and_writes_nothing(doctor_api, patient, catalogue):
    post(doctor_api, order_body(patient, catalogue), "order-1")
    other = post(doctor_api, order_body(patient, catalogue, HEMOGLOBIN), "order-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert LabOrder.objects.count() == 1


def test_keys_belong_to_the_caller(api_as, staff, patient, catalogue):
    from core.roles import Role

    for role in (Role.CLINICIAN, Role.ADMIN):
        response = post(api_as(staff[role]), order_body(patient, catalogue), "shared-key")
        assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert LabOrder.objects.count() == 2


def test_a_key_still_in_flight_is_409_with_retry_after(doctor_api, clinician, patient, catalogue):
    IdempotencyKey.objects.create(
        scope=f"user:{clinician.pk}",
        key="busy",
        fingerprint=_print_of(doctor_api, order_body(patient, catalogue)),
        locked_until=timezone.now() + datetime.timedelta(minutes=1),
    )
    response = post(doctor_api, order_body(patient, catalogue), "busy")
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert not LabOrder.objects.exists()


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(
    doctor_api, clinician, patient, catalogue
):
    IdempotencyKey.objects.create(
        scope=f"user:{clinician.pk}",
        key="orphan",
        fingerprint=_print_of(doctor_api, order_body(patient, catalogue)),
        locked_until=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert post(doctor_api, order_body(patient, catalogue), "orphan").status_code == 201
    assert post(doctor_api, order_body(patient, catalogue), "orphan")["Idempotent-Replayed"]
    assert LabOrder.objects.count() == 1


def test_an_error_is_not_kept_so_the_corrected_retry_runs(doctor_api, patient, catalogue):
    bad = post(doctor_api, {"patient": patient.pk, "tests": []}, "fix-me")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(doctor_api, {"patient": patient.pk, "tests": []}, "fix-me").status_code == 400


def test_a_malformed_key_is_400(doctor_api, patient, catalogue):
    response = post(doctor_api, order_body(patient, catalogue), "x" * 256)
    assert response.status_code == 400 and not LabOrder.objects.exists()


def test_keys_are_forgotten_after_24_hours(doctor_api, patient, catalogue):
    post(doctor_api, order_body(patient, catalogue), "old")
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert keys_prune() == 1
    assert post(doctor_api, order_body(patient, catalogue), "old").status_code == 201
    assert LabOrder.objects.count() == 2


def test_a_key_older_than_24_hours_is_not_replayed_even_before_pruning(
    doctor_api, patient, catalogue
):
    post(doctor_api, order_body(patient, catalogue), "stale")
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    again = post(doctor_api, order_body(patient, catalogue), "stale")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert LabOrder.objects.count() == 2


def test_new_apps_are_covered_any_api_create_in_another_app(admin_api):
    body = {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1906-12-09"}
    first = admin_api.post("/api/v1/patients/", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    again = admin_api.post("/api/v1/patients/", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == 201 and again.status_code == 201  # not the duplicate 409
    assert again.json()["id"] == first.json()["id"]


def test_the_schema_documents_the_header_on_every_create(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    assert schema["components"]["parameters"]["IdempotencyKey"]["in"] == "header"
    creates = [
        (path, operations["post"])
        for path, operations in schema["paths"].items()
        if "201" in operations.get("post", {}).get("responses", {})
    ]
    assert creates
    reference = {"$ref": "#/components/parameters/IdempotencyKey"}
    error = {"$ref": "#/components/schemas/Error"}
    for path, operation in creates:
        assert reference in operation["parameters"], path
        # The key's refusals are Error bodies, documented beside the operation's own 409 (a
        # generated client parsed "still running" as a duplicates answer with no duplicates).
        for status in ("409", "422"):
            body = operation["responses"][status]["content"]["application/json"]["schema"]
            assert body == error or error in body.get("anyOf", []), (path, status)
    duplicates = schema["paths"]["/api/v1/patients/"]["post"]["responses"]["409"]
    assert duplicates["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/DuplicateConflict"},
        error,
    ]


def _print_of(client, body):
    """The fingerprint the middleware computes for this JSON POST."""
    import hashlib

    from rest_framework.renderers import JSONRenderer

    digest = hashlib.sha256(f"POST {ORDERS}\n".encode())
    digest.update(JSONRenderer().render(body))
    return digest.hexdigest()
