"""The log never holds a client's data or a traceback of a client's mistake."""

import logging

import pytest

pytestmark = pytest.mark.django_db

PHI = "Zebediah Quartermaine HIV-positive 1962-03-14"


def bad_requests(api_as, clinician, api_client):
    signed_in = api_as(clinician)
    deep = "[" * 5000 + f'"{PHI}"' + "]" * 5000
    return [
        api_client.post("/api/v1/auth/forgot-password", deep, content_type="application/json"),
        api_client.post(
            "/api/v1/auth/login", f'{{"email": "{PHI}', content_type="application/json"
        ),
        api_client.post("/api/v1/auth/login", {"email": PHI, "password": PHI}, format="json"),
        signed_in.post("/api/v1/patients/", {"first_name": PHI * 10}, format="json"),
        signed_in.post("/api/v1/patients/", deep, content_type="application/json"),
        signed_in.patch("/api/v1/patients/not-an-id", {"staff_notes": PHI}, format="json"),
        signed_in.put(f"/api/v1/{PHI}/", {"x": PHI}, format="json"),
        signed_in.get("/api/v1/patients/", {"search": PHI, "page": PHI}),
        signed_in.post(
            "/api/v1/patients/", PHI.encode() * 200_000, content_type="application/json"
        ),
    ]


def test_client_mistakes_leave_no_phi_and_no_traceback_in_the_log(
    api_as, clinician, api_client, caplog
):
    caplog.set_level(logging.DEBUG)
    responses = bad_requests(api_as, clinician, api_client)

    assert all(400 <= r.status_code < 500 for r in responses), [r.status_code for r in responses]
    assert all(r["Content-Type"].startswith("application/json") for r in responses)
    assert PHI not in caplog.text
    assert "Zebediah" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text
