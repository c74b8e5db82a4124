"""PHI is never cached, and every page runs under a CSP without 'unsafe-inline'."""

import pytest

pytestmark = pytest.mark.django_db


def assert_no_store(response):
    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


@pytest.mark.parametrize("path", ["/", "/patients/", "/labs/orders/", "/accounts/profile/"])
def test_signed_in_pages_are_never_cached(admin_web, path):
    response = admin_web.get(path)
    assert response.status_code == 200
    assert_no_store(response)


@pytest.mark.parametrize("path", ["/api/v1/patients/", "/api/v1/auth/me", "/api/v1/nothing"])
def test_api_answers_are_never_cached(api_as, clinician, path):
    assert_no_store(api_as(clinician).get(path))


def test_api_answers_without_login_are_never_cached(api_client):
    assert_no_store(api_client.post("/api/v1/auth/login", {}, format="json"))


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/api/docs/", "/api/redoc/", "/api/v1/auth/me"]
)
def test_every_page_has_a_csp_without_unsafe_inline(admin_web, path):
    policy = admin_web.get(path)["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_inline_style_of_the_page_carries_the_nonce(admin_web):
    response = admin_web.get("/")
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()


def test_no_template_has_inline_handlers_or_style_attributes():
    """What a nonce cannot cover: style="..." and on...= attributes, and un-nonced blocks."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        if "email" in template.parts:  # mail clients, not browsers under our CSP
            continue
        text = template.read_text()
        if re.search(r"\sstyle=|\son[a-z]+=\s*[\"']|<script>|<style>", text):
            offenders.append(str(template.relative_to(root)))
    assert offenders == [], offenders
