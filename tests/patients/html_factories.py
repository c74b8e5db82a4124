"""Helpers for reading the patient pages in tests.

The file began with the pages' test data; tests/patients/factories.py now holds that.
"""

import html
import re


# --- helpers for reading the pages ---------------------------------------------------------------
def page_text(response) -> str:
    """The page as a person reads it: unescaped, without the per-response CSP nonces, CSRF
    tokens and form keys, whose random letters would otherwise match a test's search now and
    then."""
    page = re.sub(r'nonce="[^"]*"', "", response.content.decode())
    page = re.sub(r'name="(csrfmiddlewaretoken|_submission)" value="[^"]*"', "", page)
    return html.unescape(page)


def field_error(response, field: str) -> str:
    """The error crispy shows under a field (empty when there is none)."""
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


def list_rows(response) -> list[str]:
    """The MRNs of the patient table, in order."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", response.content.decode(), re.S)
    return re.findall(r'<td class="hp-mrn"><code>([^<]+)</code></td>', body[1]) if body else []


def patient_url(patient, suffix: str = "") -> str:
    return f"/patients/{patient.pk}/{suffix}"
