"""/favicon.ico, which browsers ask for on pages that name no icon (the admin's, print pages),
leads to the project's icon: it is not a 404 audited as a refused request."""

import pytest

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_and_no_refusal_is_audited(client, clinician):
    client.force_login(clinician)

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert "/img/favicon" in response["Location"] and response["Location"].endswith(".svg")
    assert not AuditEvent.objects.filter(action="refused").exists()


def test_the_favicon_needs_no_login(client):
    assert client.get("/favicon.ico").status_code == 301
