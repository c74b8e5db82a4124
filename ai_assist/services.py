"""AI assist: chart summaries, note drafts, message triage and plain-language results.

Each feature runs the built-in engine (in process, no network). When the deployment configures
an external provider AND the clinic switches it on for that feature, the task's facts leave with
identifiers replaced and dates shifted (ai_assist.redaction), the answer is restored, checked
for citations, and any failure falls back to the built-in output with a visible notice.

Every request writes one audit row: who, which patient, which feature, which provider, and the
categories of data used and sent (never the data). Nothing is written into the chart here: a
note draft is a draft, which only its author can edit and sign.
"""

import hashlib
import json
import re
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from accounts.models import AuditEvent
from ai_assist import engine
from ai_assist.chart import categories, chart_facts, fingerprint
from ai_assist.models import ALL_FEATURES, AiSettings, Feature
from ai_assist.providers import ExternalProvider, ProviderError
from ai_assist.redaction import Redactor
from ai_assist.triage import LEVELS, more_urgent, triage
from core.access import is_patient_user
from core.audit import audit
from core.contributions import call_service
from core.errors import ServiceError
from core.models import without_direction_overrides
from core.roles import require
from patients.selectors import patient_get

Action = AuditEvent.Action
BANNER = gettext_lazy("AI-drafted — check before use")  # in the reader's language
# A patient reads an explanation of their own result: not a clinician's warning about a draft.
PATIENT_BANNER = gettext_lazy(
    "Written automatically from your result: ask your care team about anything unclear."
)
KEPT_SECONDS = 24 * 3600  # a summary or a triage suggestion, for its record as it is now
CITATION_MARK = re.compile(r"\[(\d+)\]")


# --- settings ------------------------------------------------------------------------------------
def clinic_settings(clinic_id) -> AiSettings:
    """The clinic's AI settings (defaults, unsaved, until an admin changes them)."""
    found = AiSettings.objects.filter(clinic_id=clinic_id).first()
    return found or AiSettings(clinic_id=clinic_id)


def settings_get(*, actor) -> AiSettings:
    require(actor, "ai.configure")
    return clinic_settings(actor.clinic_id)


def settings_update(*, actor, external_enabled=None, features=None) -> AiSettings:
    """Switch the external provider on or off and choose the features, for the actor's clinic."""
    require(actor, "ai.configure")
    row = clinic_settings(actor.clinic_id)
    if features is not None:
        unknown = [f for f in features if f not in ALL_FEATURES]
        if unknown:
            raise ServiceError(_("Unknown features: %s.") % ", ".join(map(str, unknown)))
        row.features = [f for f in ALL_FEATURES if f in features]
    if external_enabled is not None:
        row.external_enabled = bool(external_enabled)
    row.updated_by = actor
    row.save()
    cache.delete(_features_key(actor.clinic_id))
    audit(actor=actor, action=Action.UPDATE, obj=row, detail=gettext_noop("AI settings"))
    return row


class FeatureOff(PermissionDenied):
    """A 403 that is the clinic's choice, not the role's: pages say so instead of the role text."""


# How long a page may offer the buttons of a feature just turned off in another worker (using
# one still answers "turned off": _feature_on reads the settings afresh).
FEATURES_SHOWN_SECONDS = 60


def _features_key(clinic_id) -> str:
    return f"ai:features:{clinic_id}"


def features_on(clinic_id) -> set[str]:
    """The features the clinic switched on, for the buttons a page offers: cached, so the patient
    page does not read the AI settings on every view."""
    features = cache.get_or_set(
        _features_key(clinic_id),
        lambda: list(clinic_settings(clinic_id).features),
        FEATURES_SHOWN_SECONDS,
    )
    return set(features)


def _feature_on(clinic_id, feature: str) -> AiSettings:
    row = clinic_settings(clinic_id)
    if feature not in row.features:
        raise FeatureOff(_("This AI feature is turned off for your clinic."))
    return row


def _external(row: AiSettings):
    """The external provider when the deployment has one and the clinic switched it on."""
    return ExternalProvider.configured() if row.external_enabled else None


# --- what every output carries -------------------------------------------------------------------
def _envelope(generated_by: dict, notice: str = "", *, for_patient: bool = False) -> dict:
    return {
        "generated_by": generated_by,
        "generated_at": timezone.now().isoformat(timespec="milliseconds"),
        "banner": str(PATIENT_BANNER if for_patient else BANNER),
        "notice": notice,
    }


def _limit(text: str) -> int | float | None:
    """A range limit as a JSON number, as the labs API gives it (0.4000 → 0.4; none → null)."""
    if not text:
        return None
    number = Decimal(text).normalize()
    return int(number) if number == number.to_integral_value() else float(number)


def _fallback_notice(error: ProviderError) -> str:
    return _(
        "The external AI provider did not answer (%(reason)s); this is the built-in engine's "
        "output."
    ) % {"reason": error}


def _kept_or_made(key: str, *, make: bool, provider, feature: str, audited: dict, produce):
    """The output kept under `key` (the record as it is now), else `produce()`'s, kept.

    `make` is a click (a POST, the API): without one, as on the page a POST redirects to (Back,
    a login's return), nothing is sent to an external `provider`, so with one and nothing kept
    the answer is None. A fallback kept is shown again, but a click asks the provider again.
    Each answer writes one audit row (`audited`: actor, patient_id, clinic_id, used);
    `produce()` answers (output, categories sent)."""
    output = cache.get(key)
    if output is not None and output["notice"] and make:
        output = None
    if output is None and provider is not None and not make:
        return None
    if output is not None:
        _audit_request(
            **audited, feature=f"{feature} (cached)",
            provider=output["generated_by"]["engine"], sent=[],
        )  # fmt: skip
        return {**output, "cached": True}
    output, sent = produce()
    cache.set(key, output, KEPT_SECONDS)
    _audit_request(**audited, feature=feature, provider=output["generated_by"]["engine"], sent=sent)
    return {**output, "cached": False}


def _audit_request(*, actor, feature, patient_id, clinic_id, provider, used, sent, obj=None):
    detail = "AI %s; provider %s; data used: %s; sent: %s" % (  # noqa: UP031
        feature,
        provider,
        ", ".join(used) or "none",
        ", ".join(sent) or "none",
    )
    audit(
        actor=actor,
        action=Action.CREATE if obj is not None else Action.VIEW,
        obj=obj,
        patient_id=patient_id,
        clinic=clinic_id,
        detail=detail,
    )


def _numbered_facts(facts) -> tuple[list[str], dict[int, object]]:
    by_number = dict(enumerate(facts, start=1))
    lines = [f"[{n}] {fact.section}: {fact.text}" for n, fact in by_number.items()]
    return lines, by_number


def _generated_external(provider) -> dict:
    return engine.generated_by(engine=provider.name, model=provider.model)


# --- chart summary -------------------------------------------------------------------------------
SUMMARY_SYSTEM = (
    "You summarise a patient's chart for a clinician before a visit. Use only the numbered "
    "facts given; never add facts. Write short sentences under the headings given. End every "
    "sentence with the [n] markers of the facts it rests on. Placeholders in square brackets "
    "stand for identifiers: keep them as they are."
)


def _summary_external(provider, patient, sections, facts) -> tuple[str, list]:
    by_record = {(f.type, str(f.id)): f for f in facts}
    # In the order of the page's [n], so that the provider's [n] are the page's.
    used = [by_record[(c["type"], c["id"])] for c in engine.all_citations(sections)]
    lines, by_number = _numbered_facts(used)
    headings = ", ".join(section["title"] for section in sections)
    redactor = Redactor(patient)
    answer = provider.complete(
        system=SUMMARY_SYSTEM,
        user=redactor.redact(f"Headings: {headings}\nFacts:\n" + "\n".join(lines)),
    )
    numbers = dict.fromkeys(int(n) for n in CITATION_MARK.findall(answer) if int(n) in by_number)
    if not numbers:
        raise ProviderError(_("an answer without citations"))
    cited = [{"n": n, **engine.citation(by_number[n])} for n in numbers]
    return redactor.restore(answer), used, cited


def summary_generate(*, actor, patient_id: str) -> dict:
    """The chart summary: cached until any fact of the chart changes (or the provider does)."""
    return summary_with_patient(actor=actor, patient_id=patient_id)[1]


def summary_with_patient(*, actor, patient_id: str, make: bool = True) -> tuple:
    """`(patient, summary)`: the page shows whom it is about from the one audited read.

    `make=False` is for showing a summary again (the page a POST redirects to, Back, a login):
    the kept summary of the chart as it is now, else the built-in engine's (the same facts give
    the same text), but nothing is sent to a provider without a click: None instead.
    """
    patient = patient_get(
        actor=actor,
        id=patient_id,
        permission="ai.use",
        detail=gettext_noop("chart read for the AI summary"),
    )
    row = _feature_on(patient.clinic_id, Feature.SUMMARY)
    provider = _external(row)
    facts = chart_facts(actor=actor, patient=patient)
    model = provider.model if provider else ""
    # Titles and banner are kept as finished text: one entry per language.
    key = (
        f"ai:summary:{patient.pk}:{fingerprint(facts)}:{engine.ENGINE_VERSION}:{model}:"
        f"{get_language()}"
    )
    audited = {
        "actor": actor, "patient_id": patient.pk, "clinic_id": patient.clinic_id,
        "used": categories(facts),
    }  # fmt: skip
    output = _kept_or_made(
        key, make=make, provider=provider, feature="summary", audited=audited,
        produce=lambda: _summary_made(provider, patient, facts),
    )  # fmt: skip
    return patient, output


def _summary_made(provider, patient, facts) -> tuple[dict, list[str]]:
    sections = engine.summary_sections(facts)
    text, generated, notice, sent = engine.as_text(sections), engine.generated_by(), "", []
    citations = engine.all_citations(sections)
    if provider is not None:
        try:
            # The provider's text cites by [n]: its citations say which record each n is.
            text, sent_facts, citations = _summary_external(provider, patient, sections, facts)
            generated, sent = _generated_external(provider), categories(sent_facts)
        except ProviderError as error:
            notice, sent = _fallback_notice(error), categories(facts)
    output = {
        "text": text,
        "sections": sections,
        "citations": citations,
        **_envelope(generated, notice),
        "fingerprint": fingerprint(facts),
    }
    return output, sent


# --- note draft ----------------------------------------------------------------------------------
DRAFT_SYSTEM = (
    "You improve the wording of a draft SOAP progress note for a clinician. Keep every fact and "
    "every [n] marker; add no facts. Answer with one JSON object whose keys are exactly "
    "Subjective, Objective, Assessment, Plan and whose values are Markdown text. Placeholders "
    "in square brackets stand for identifiers: keep them."
)


def _draft_external(provider, patient, written) -> list[dict]:
    redactor = Redactor(patient)
    draft = json.dumps({s["name"]: s["text"] for s in written}, ensure_ascii=False)
    answer = provider.complete(system=DRAFT_SYSTEM, user=redactor.redact(draft))
    match = re.search(r"\{.*\}", answer, re.S)
    try:
        improved = json.loads(match.group(0)) if match else None
    except ValueError:
        improved = None
    names = [s["name"] for s in written]
    if not isinstance(improved, dict) or sorted(improved) != sorted(names):
        raise ProviderError(_("an answer in the wrong shape"))
    return [{"name": name, "text": redactor.restore(str(improved[name]))} for name in names]


def note_draft_create(*, actor, patient_id: str) -> dict:
    """A SOAP draft from what is new since the last signed note, created in the notes app as a
    draft of `actor` labelled AI-drafted with its citations (never signed here)."""
    patient = patient_get(
        actor=actor,
        id=patient_id,
        permission="ai.use",
        detail=gettext_noop("chart read for an AI note draft"),
    )
    row = _feature_on(patient.clinic_id, Feature.NOTE_DRAFT)
    provider = _external(row)
    facts = chart_facts(actor=actor, patient=patient)
    signed = [f.at for f in facts if f.section == "notes" and f.at]
    since = max(signed) if signed else None
    written, sources = engine.numbered(engine.draft_sections(facts, since=since))
    generated, notice, sent = engine.generated_by(), "", []
    if provider is not None:
        try:
            written = _draft_external(provider, patient, written)
            generated, sent = _generated_external(provider), categories(facts)
        except ProviderError as error:
            notice, sent = _fallback_notice(error), categories(facts)
    envelope = _envelope(generated, notice)
    # Chart text may hold direction overrides (a name pasted from another program) that the
    # notes refuse: the draft quotes it without them.
    written = [{**s, "text": without_direction_overrides(s["text"])} for s in written]
    try:
        note = call_service(
            "notes.draft_create",
            actor=actor,
            patient_id=patient.pk,
            sections=written,
            title=_("Progress note (AI-drafted)"),
            citations={
                "generated_by": generated,
                "generated_at": envelope["generated_at"],
                "sources": sources,
            },
        )
    except LookupError:
        raise Http404(_("Clinical notes are not available.")) from None
    _audit_request(
        actor=actor, feature="note draft", patient_id=patient.pk, clinic_id=patient.clinic_id,
        provider=generated["engine"], used=categories(facts), sent=sent, obj=note,
    )  # fmt: skip
    return {
        "id": str(note.pk),
        "url": reverse("notes:edit", args=[note.pk]),
        "sections": written,
        "citations": [{k: s[k] for k in ("type", "id", "url")} for s in sources],
        "since": since.isoformat() if since else None,
        **envelope,
    }


# --- message triage ------------------------------------------------------------------------------
TRIAGE_SYSTEM = (
    "You triage a patient's message to their clinic. Answer with one JSON object: "
    '{"urgency": "emergency|urgent|routine", "reasons": [phrases from the message], '
    '"category": one word, "suggested_reply": a short, kind reply that gives no diagnosis}. '
    "Placeholders in square brackets stand for identifiers: keep them."
)


def _triage_external(provider, patient, thread) -> dict:
    redactor = Redactor(patient)
    message = f"Subject: {thread.get('subject', '')}\n\n{thread.get('text', '')}"
    answer = provider.complete(system=TRIAGE_SYSTEM, user=redactor.redact(message))
    match = re.search(r"\{.*\}", answer, re.S)
    try:
        parsed = json.loads(match.group(0)) if match else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or parsed.get("urgency") not in LEVELS:
        raise ProviderError(_("an answer in the wrong shape"))
    return {
        "urgency": parsed["urgency"],
        "reasons": [redactor.restore(str(r)) for r in parsed.get("reasons") or []][:10],
        "category": str(parsed.get("category") or "general")[:40],
        "suggested_reply": redactor.restore(str(parsed.get("suggested_reply") or "")),
    }


def thread_triage(*, actor, thread_id: str) -> dict:
    """Suggested urgency (with the phrases behind it), category and reply for a thread the actor
    can read (the messaging app's access call: 404/403); never sent, never saved: kept a day
    for the thread's messages as they are now, like the summary for its chart."""
    return _thread_triage(actor=actor, thread_id=thread_id)[1]


def triage_with_patient(*, actor, thread_id: str, make: bool = True) -> tuple:
    """`(patient, suggestion)`: the page shows whose message it is. The thread's access call
    audited the read, so the patient is loaded unaudited. `make=False` shows a suggestion
    again, as summary_with_patient does (None: none kept, and a provider waits for a click)."""
    thread, output = _thread_triage(actor=actor, thread_id=thread_id, make=make)
    patient = patient_get(actor=actor, id=thread["patient_id"], permission=None, audited=False)
    return patient, output


def _thread_triage(*, actor, thread_id: str, make: bool = True) -> tuple[dict, dict | None]:
    try:
        thread = call_service("messaging.thread_for_triage", actor=actor, id=thread_id)
    except LookupError:
        raise Http404(_("Messaging is not available.")) from None
    require(actor, "ai.triage")
    row = _feature_on(thread["clinic_id"], Feature.TRIAGE)
    provider = _external(row)
    model = provider.model if provider else ""
    messages = json.dumps([thread.get("subject", ""), thread.get("text", "")])
    key = (
        f"ai:triage:{thread['thread_id']}:{hashlib.sha256(messages.encode()).hexdigest()}:"
        f"{engine.ENGINE_VERSION}:{model}:{get_language()}"
    )
    audited = {
        "actor": actor, "patient_id": thread["patient_id"], "clinic_id": thread["clinic_id"],
        "used": ["messages"],
    }  # fmt: skip
    output = _kept_or_made(
        key, make=make, provider=provider, feature="triage", audited=audited,
        produce=lambda: _triage_made(actor, provider, thread),
    )  # fmt: skip
    return thread, output


def _triage_made(actor, provider, thread) -> tuple[dict, list[str]]:
    result = triage(thread.get("subject", ""), thread.get("text", ""))
    generated, notice, sent = engine.generated_by(), "", []
    if provider is not None:
        patient = patient_get(actor=actor, id=thread["patient_id"], permission=None, audited=False)
        try:
            suggested = _triage_external(provider, patient, thread)
            urgency = more_urgent(result["urgency"], suggested["urgency"])
            result = {
                **suggested,
                "urgency": urgency,  # the rules keep the last word on emergencies
                "reasons": list(dict.fromkeys(result["reasons"] + suggested["reasons"])),
                "call_emergency": urgency == "emergency",
            }
            generated, sent = _generated_external(provider), ["messages"]
        except ProviderError as error:
            notice, sent = _fallback_notice(error), ["messages"]
    citation = {"type": "messaging.thread", "id": str(thread["thread_id"]), "url": thread["url"]}
    output = {
        "thread_id": str(thread["thread_id"]),
        **result,
        "citations": [citation],
        **_envelope(generated, notice),
    }
    return output, sent


# --- plain-language results ----------------------------------------------------------------------
EXPLAIN_SYSTEM = (
    "Explain one lab result in plain language at about a grade 8 reading level, in at most five "
    "short sentences: the value, the usual range, whether it is inside it. Give no diagnosis "
    "and no treatment advice. Address the reader as '{reader}'."
)


def result_explain(*, actor, result_id: str) -> dict:
    """A short explanation of a final result: patients their own (the labs app's access call
    reaches only those), clinical staff their clinic's."""
    try:
        result = call_service(
            "labs.result_for_explain", actor=actor, id=result_id, permission="ai.explain"
        )
    except LookupError:
        raise Http404(_("Lab results are not available.")) from None
    if not result["final"]:
        raise ServiceError(_("Only final results are explained."), code="not_final")
    row = _feature_on(result["clinic_id"], Feature.EXPLAIN)
    provider = _external(row)
    for_patient = is_patient_user(actor)
    text, notice, sent = engine.explain(result, for_patient=for_patient), "", []
    generated = engine.generated_by()
    if provider is not None:
        facts = (
            f"Test: {result['test']}\nValue: {result['display_value']}\n"
            f"Usual range: {result['low'] or '-'} to {result['high'] or '-'} {result['unit']} "
            f"{result['reference_text']}\nFlag: {result['flag'] or 'none'}"
        )
        try:
            reader = "you" if for_patient else "the patient"
            answer = provider.complete(system=EXPLAIN_SYSTEM.format(reader=reader), user=facts)
            if not answer.strip():
                raise ProviderError(_("an empty answer"))
            text, generated, sent = answer.strip(), _generated_external(provider), ["results"]
        except ProviderError as error:
            notice, sent = _fallback_notice(error), ["results"]
    url = result["patient_url"] if for_patient else result["url"]
    _audit_request(
        actor=actor, feature="result explanation", patient_id=result["patient_id"],
        clinic_id=result["clinic_id"], provider=generated["engine"], used=["results"], sent=sent,
    )  # fmt: skip
    return {
        "result_id": result["id"],
        "text": text,
        "range": {"low": _limit(result["low"]), "high": _limit(result["high"]),
                  "unit": result["unit"], "text": result["reference_text"]},
        "flag": result["flag"],
        "citations": [{"type": "labs.result", "id": result["id"], "url": url}],
        **_envelope(generated, notice, for_patient=for_patient),
    }  # fmt: skip
