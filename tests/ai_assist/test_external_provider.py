"""The external provider, against a real OpenAI-compatible HTTP server on loopback: what leaves
carries no identifier (checked in every recorded request body), answers are restored, and a
time-out or an error falls back to the built-in engine with a visible notice."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ai_assist.models import AiSettings
from core.roles import Role
from notes.models import Note
from tests.notes.factories import audit_mark, audit_rows_since
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FakeProvider(ThreadingHTTPServer):
    """Answers chat completions by task (read from the system prompt); records every body."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.bodies: list[str] = []
        self.headers_seen: list[dict] = []
        self.mode = "ok"
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def answer_for(system: str, user: str) -> str:
    first_date = (ISO_DATE.findall(user) or ["2000-01-01"])[0]
    if "summarise" in system:
        return f"[PATIENT_NAME] has diabetes [1]; HbA1c measured on {first_date} [2]."
    if "SOAP" in system:
        return json.dumps(
            {
                "Subjective": "Seen for review [1].",
                "Objective": f"HbA1c on {first_date} [2].",
                "Assessment": "[PATIENT_FIRST_NAME]: diabetes, control worsening [1].",
                "Plan": "Recheck in 3 months [2].",
            }
        )
    if "triage" in system:
        return json.dumps(
            {
                "urgency": "routine",
                "reasons": ["unwell"],
                "category": "symptoms",
                "suggested_reply": "Dear [PATIENT_FIRST_NAME], please call us now.",
            }
        )
    return "Your result is a little high. This is not a diagnosis."


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.bodies.append(body)
        self.server.headers_seen.append(dict(self.headers))
        if self.server.mode == "hang":
            self.server.release.wait(10)
            return
        if self.server.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        request = json.loads(body)
        system, user = (m["content"] for m in request["messages"])
        reply = {
            "choices": [{"message": {"role": "assistant", "content": answer_for(system, user)}}]
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = FakeProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.AI_PROVIDER_URL = server.url
    settings.AI_MODEL = "local-test-model"
    settings.AI_API_KEY = "sk-test"
    settings.AI_PROVIDER_TIMEOUT = 2
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def switched_on(ai_clinic):
    return AiSettings.objects.create(clinic=ai_clinic, external_enabled=True)


def identifiers(patient) -> list[str]:
    return [
        patient.first_name, patient.last_name, patient.mrn, patient.email, patient.phone,
        "7946 0321", patient.date_of_birth.isoformat(), "Larkspur", "Brackenford",
    ]  # fmt: skip


def assert_no_identifiers(bodies, patient, chart=None):
    assert bodies
    for body in bodies:
        lowered = body.lower()
        for value in identifiers(patient):
            assert value.lower() not in lowered, value
        if chart:
            assert_no_real_dates(body, chart)


def assert_no_real_dates(body, chart):
    """No result leaves with its real date. (A shifted date may equal another result's real
    date by chance: the shift is random, so only each result's own date is checked.)"""
    text = json.loads(body)["messages"][1]["content"]
    dated = 0
    for result in [*chart["hba1c"], chart["ldl"]]:
        value = re.escape(str(result.value))
        for sent in re.findall(rf"\b{value} [^\n\\\[]*? on ([\d-]+)", text):
            dated += 1
            assert sent != result.collected_at.date().isoformat(), result.value
    assert dated, "no dated result was sent"


def test_summary_through_the_provider_is_redacted_restored_and_cited(
    api_as, clinician, chart, provider, switched_on
):
    mark = audit_mark()
    response = api_as(clinician).post(
        f"/api/v1/ai/patients/{chart['patient'].pk}/summary", format="json"
    )
    body = response.json()
    assert body["generated_by"] == {"engine": "external", "model": "local-test-model"}
    assert body["notice"] == ""
    assert body["text"].startswith("Margarethe Quixley has diabetes [1]")
    # The first date the provider saw was the (shifted) onset of diabetes: restored exactly.
    assert ISO_DATE.findall(body["text"]) == [chart["diabetes"].onset_date.isoformat()]
    # [1] and [2] of the text are the records the provider was shown as facts 1 and 2.
    assert [c["n"] for c in body["citations"]] == [1, 2]
    assert body["citations"][0]["type"] == "patients.condition"
    assert_no_identifiers(provider.bodies, chart["patient"], chart)
    assert provider.headers_seen[0]["Authorization"] == "Bearer sk-test"
    row = next(r for r in audit_rows_since(mark) if r.detail.startswith("AI summary"))
    assert "provider external" in row.detail
    assert "sent: allergies, medications, notes, problems, results" in row.detail


def test_note_draft_through_the_provider(api_as, clinician, chart, provider, switched_on):
    response = api_as(clinician).post(
        f"/api/v1/ai/patients/{chart['patient'].pk}/note-draft", format="json"
    )
    assert response.status_code == 201
    note = Note.objects.get(pk=response.json()["id"])
    assert note.sections[2]["text"].startswith("Margarethe: diabetes")
    assert note.ai_citations["generated_by"]["engine"] == "external"
    assert_no_identifiers(provider.bodies, chart["patient"], chart)


def test_triage_through_the_provider_keeps_the_rules_emergency(
    api_as, staff, chart, fake_thread, provider, switched_on
):
    response = api_as(staff[Role.NURSE]).post(
        f"/api/v1/ai/messages/threads/{fake_thread['thread_id']}/triage", format="json"
    )
    body = response.json()
    assert body["urgency"] == "emergency" and body["call_emergency"]
    assert body["suggested_reply"] == "Dear Margarethe, please call us now."
    assert_no_identifiers(provider.bodies, chart["patient"])


def test_explanation_through_the_provider_sends_no_identifier(api_as, chart, provider, switched_on):
    response = api_as(portal_user(chart["patient"])).get(
        f"/api/v1/ai/labs/results/{chart['ldl'].pk}/explain"
    )
    assert response.json()["text"] == "Your result is a little high. This is not a diagnosis."
    assert_no_identifiers(provider.bodies, chart["patient"])


def test_a_provider_time_out_falls_back_to_the_built_in_summary_with_a_notice(
    api_as, clinician, chart, provider, switched_on, settings
):
    provider.mode = "hang"
    settings.AI_PROVIDER_TIMEOUT = 0.3
    body = (
        api_as(clinician)
        .post(f"/api/v1/ai/patients/{chart['patient'].pk}/summary", format="json")
        .json()
    )
    assert body["generated_by"]["engine"] == "builtin"
    assert "did not answer (timeout)" in body["notice"]
    assert "Hemoglobin A1c rising" in body["text"]


def test_a_provider_error_falls_back_everywhere(
    api_as, clinician, chart, provider, switched_on, client
):
    provider.mode = "error"
    body = (
        api_as(clinician)
        .post(f"/api/v1/ai/patients/{chart['patient'].pk}/summary", format="json")
        .json()
    )
    assert body["generated_by"]["engine"] == "builtin" and body["notice"]
    client.force_login(clinician)
    page = client.post(f"/ai/patients/{chart['patient'].pk}/summary/", follow=True)
    assert "did not answer" in page.content.decode()


def test_nothing_is_sent_while_the_clinic_has_not_switched_it_on(
    api_as, clinician, chart, provider
):
    body = (
        api_as(clinician)
        .post(f"/api/v1/ai/patients/{chart['patient'].pk}/summary", format="json")
        .json()
    )
    assert body["generated_by"]["engine"] == "builtin"
    assert provider.bodies == []


def test_the_summary_page_shown_again_sends_nothing(
    client, clinician, chart, provider, switched_on
):
    """Back, a login or a bookmark shows the provider's summary kept for the chart; with none
    kept, the page offers the button: only a click sends the chart out."""
    url = f"/ai/patients/{chart['patient'].pk}/summary/"
    client.force_login(clinician)
    page = client.get(url).content.decode()
    assert "No summary of the chart as it is now." in page and "Summarise the chart" in page
    assert provider.bodies == []

    client.post(url)
    again = client.get(url).content.decode()
    assert "As written by the provider" in again and "Margarethe Quixley has diabetes" in again
    assert len(provider.bodies) == 1


def test_a_fallback_is_shown_again_and_the_next_click_asks_the_provider_again(
    client, clinician, chart, provider, switched_on
):
    provider.mode = "error"
    url = f"/ai/patients/{chart['patient'].pk}/summary/"
    client.force_login(clinician)
    client.post(url)
    assert "did not answer" in client.get(url).content.decode()
    tried = len(provider.bodies)

    provider.mode = "ok"
    client.post(url)
    assert len(provider.bodies) > tried
    assert "As written by the provider" in client.get(url).content.decode()
