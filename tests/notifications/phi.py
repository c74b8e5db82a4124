"""The "no PHI outside" check: what the system is about to send, against the patients' data.

Every outgoing e-mail (subject and every body part), push payload and webhook body is a row
before it leaves (notifications.models); tests/conftest.py checks each row as it is written,
in every test of the suite, against the names, birth dates, conditions, allergies, medications
and lab values of the patients in the database at that moment.
"""

import base64
import html
import re
from email import message_from_bytes, policy

from django.utils.html import strip_tags

from labs.models import LabResult
from notifications.models import OutboxMessage, PushMessage, WebhookDelivery
from patients.models import Allergy, Condition, Medication, Patient

ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")  # the recipient's own address is not a leak


STYLE = re.compile(r"<(style|script)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
SHOWN_ATTRIBUTES = re.compile(r"""\b(?:href|src|alt|title)\s*=\s*["']([^"']*)""", re.IGNORECASE)


def readable(part) -> str:
    """What a reader can see or follow in a body part: of an HTML part its text and its links'
    and images' addresses and labels, not its markup (a patient called "Text" must not match
    an inline style's `text-align`), entities decoded."""
    content = part.get_content()
    if part.get_content_subtype() != "html":
        return content
    shown = [strip_tags(STYLE.sub(" ", content)), *SHOWN_ATTRIBUTES.findall(content)]
    return html.unescape("\n".join(shown))


def outbound_text(row) -> str:
    if isinstance(row, OutboxMessage):
        message = message_from_bytes(base64.b64decode(row.mime), policy=policy.default)
        parts = [str(message["Subject"])]
        parts += [
            readable(part) for part in message.walk() if part.get_content_maintype() == "text"
        ]
        return "\n".join(parts)
    if isinstance(row, PushMessage):
        return row.payload
    if isinstance(row, WebhookDelivery):
        return row.body
    raise TypeError(row)


def phi_markers() -> set[str]:
    markers = set()
    for first, last, born in Patient.objects.values_list(
        "first_name", "last_name", "date_of_birth"
    ):
        markers |= {f"{first} {last}", last, born.isoformat(), born.strftime("%d/%m/%Y")}
    for model, field in ((Condition, "name"), (Allergy, "substance"), (Medication, "name")):
        markers |= set(model.objects.values_list(field, flat=True))
    markers |= {r.display_value for r in LabResult.objects.exclude(unit="")}
    return {m for m in markers if m and len(m) >= 4}


def phi_found(row) -> list[str]:
    """The PHI markers that appear in what `row` would send (empty: nothing found)."""
    text = ADDRESS.sub(" ", outbound_text(row))
    return sorted(
        marker
        for marker in phi_markers()
        if re.search(rf"(?<!\w){re.escape(marker)}(?!\w)", text, re.IGNORECASE)
    )
