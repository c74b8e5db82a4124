"""Rule-based triage of a patient's message: urgency with the phrases that triggered it, a
category and a suggested reply. Errs towards urgency: a missed emergency costs more than a
second look at a routine message."""

import re

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

EMERGENCY, URGENT, ROUTINE = "emergency", "urgent", "routine"
LEVELS = (ROUTINE, URGENT, EMERGENCY)
# What a reader sees for the codes the API returns.
URGENCY_LABELS = {EMERGENCY: _("Emergency"), URGENT: _("Urgent"), ROUTINE: _("Routine")}
CATEGORY_LABELS = {
    "symptoms": _("Symptoms"),
    "medication": _("Medication"),
    "appointment": _("Appointment"),
    "results": _("Results"),
    "administrative": _("Administrative"),
    "general": _("Other"),
}

# (pattern, the phrase shown as the reason). Patterns match lower-case text. The phrases stay
# English in the API (codes); gettext_noop marks them for the page, which translates them.
EMERGENCY_PHRASES = [
    (
        r"chest (pain|pains|tightness|pressure)|pain in (my|the) chest|crushing pain",
        gettext_noop("chest pain"),
    ),
    (
        r"short(ness)? of breath|can'?t (catch my )?breathe?|cannot breathe|"
        r"(trouble|difficulty|struggling) breathing|gasping|breathless",
        gettext_noop("shortness of breath"),
    ),
    (
        r"suicid\w*|kill (myself|me)|end (my|it all|my life)|want to die|"
        r"don'?t want to (live|be alive)|better off dead|hurt(ing)? myself|self[- ]harm",
        gettext_noop("suicidal thoughts or self-harm"),
    ),
    (r"overdos\w*|took (too many|all (my|the)) (pills|tablets)", gettext_noop("possible overdose")),
    (
        r"face (is )?(drooping|droops)|slurred speech|(weak|numb)(ness)? (on|in) one side|"
        r"can'?t (move|feel) (my )?(arm|leg)|sudden confusion|stroke",
        gettext_noop("signs of stroke"),
    ),
    (r"seizure|fitting|convulsi\w*", gettext_noop("seizure")),
    (
        r"unconscious|passed out|fainted|collapsed|unresponsive",
        gettext_noop("loss of consciousness"),
    ),
    (
        r"(throat|tongue|lips?) (is |are )?(swelling|swollen|closing)|anaphyla\w*",
        gettext_noop("severe allergic reaction"),
    ),
    (
        r"(heavy|severe|won'?t stop|uncontrolled) bleeding|bleeding (heavily|a lot|won'?t stop)|"
        r"coughing up blood|vomiting blood",
        gettext_noop("severe bleeding"),
    ),
    (r"worst headache|thunderclap", gettext_noop("sudden severe headache")),
]
URGENT_PHRASES = [
    (r"fever|temperature of|high temperature|febrile|chills", gettext_noop("fever")),
    (r"vomit\w*|throwing up|can'?t keep (anything|food|water) down", gettext_noop("vomiting")),
    (
        r"(severe|bad|terrible|intense|worsening) pain|pain is (getting )?worse",
        gettext_noop("severe pain"),
    ),
    (r"bleeding|blood in (my )?(urine|stool|pee|poo)", gettext_noop("bleeding")),
    (r"swollen (leg|calf|ankle)|(leg|calf) (is )?swollen", gettext_noop("swollen leg")),
    (r"dizz\w*|light[- ]headed", gettext_noop("dizziness")),
    (r"rash|hives", gettext_noop("rash")),
    (r"infect\w*|pus|red and hot|wound", gettext_noop("possible infection")),
    (
        r"(blood )?sugar (is |was )?(very )?(high|low)|hypo\b|glucose (of )?\d+",
        gettext_noop("blood sugar"),
    ),
    (r"getting worse|much worse|not improving", gettext_noop("symptoms getting worse")),
    (
        r"side effect|reaction to (the|my) (medication|tablets|pills)",
        gettext_noop("medication side effect"),
    ),
    (
        r"ran out|run out|none left|missed (several|two|three) doses",
        gettext_noop("out of medication"),
    ),
    (r"pregnan\w*", gettext_noop("pregnancy")),
]
REASONS = frozenset(reason for _pattern, reason in EMERGENCY_PHRASES + URGENT_PHRASES)
# "no", "without", "don't have any" ... up to three words before a phrase, unless a "but" or an
# "and" starts a new statement in between ("no idea why but chest pain" is not a negation).
NEGATIONS = re.compile(
    r"\b(no|not|without|denies|never|nor|don'?t have( any)?|haven'?t had( any)?)\s+"
    r"((?!but\b|and\b)\w+\s+){0,3}$"
)

CATEGORIES = [
    (
        "medication",
        r"refill|prescription|medication|tablets|pills|dose|pharmacy|ran out|run out",
    ),
    ("appointment", r"appointment|reschedul\w*|book\w*|cancel\w*|visit|slot"),
    ("results", r"result|blood test|lab\w*|scan|x-ray|test"),
    ("administrative", r"form|letter|certificate|invoice|bill\w*|insurance|sick note|address"),
]

REPLIES = {
    EMERGENCY: _(
        "Thank you for your message. What you describe may need emergency care. Please call "
        "your local emergency number now or go to the nearest emergency department. We are "
        "also trying to reach you by phone."
    ),
    URGENT: _(
        "Thank you for your message. A member of our clinical team will call you today. If "
        "you feel worse before then, please call the clinic or your local emergency number."
    ),
    "medication": _(
        "Thank you for your message. We have passed your prescription request to your "
        "clinician, and we will let you know when it is ready."
    ),
    "appointment": _(
        "Thank you for your message. We will get back to you about your appointment shortly; "
        "you can also book or change appointments in the app."
    ),
    "results": _(
        "Thank you for your message. Your clinician will review your results and reply to you."
    ),
    "administrative": _("Thank you for your message. Our team will deal with your request."),
    "general": _("Thank you for your message. Our team will reply to you soon."),
}


def _found(patterns, text: str) -> list[str]:
    """The reason of each pattern that matches without a negation just before it."""
    reasons = []
    for pattern, reason in patterns:
        for match in re.finditer(pattern, text):
            if not NEGATIONS.search(text[: match.start()]):
                reasons.append(reason)
                break
    return list(dict.fromkeys(reasons))


def category_of(text: str) -> str:
    lowered = text.lower()
    for name, pattern in CATEGORIES:
        if re.search(pattern, lowered):
            return name
    return "general"


def triage(subject: str, text: str) -> dict:
    """`{"urgency", "reasons", "category", "suggested_reply", "call_emergency"}` for a message."""
    whole = f"{subject}\n{text}".lower().replace("’", "'")
    emergency = _found(EMERGENCY_PHRASES, whole)
    urgent = _found(URGENT_PHRASES, whole)
    urgency = EMERGENCY if emergency else URGENT if urgent else ROUTINE
    symptoms = emergency or urgent
    category = "symptoms" if symptoms else category_of(whole)
    reply = REPLIES.get(urgency) if urgency != ROUTINE else REPLIES.get(category)
    return {
        "urgency": urgency,
        "reasons": emergency + urgent,
        "category": category,
        "suggested_reply": str(reply or REPLIES["general"]),
        "call_emergency": urgency == EMERGENCY,
    }


def labels(output: dict) -> dict:
    """A suggestion's codes in the reader's language. A provider's own category or reasons
    (phrases quoted from the message) are not a fixed set: they are shown as they are."""
    return {
        "urgency": URGENCY_LABELS.get(output["urgency"], output["urgency"]),
        "category": CATEGORY_LABELS.get(output["category"], output["category"]),
        "reasons": [gettext(r) if r in REASONS else r for r in output["reasons"]],
    }


def more_urgent(first: str, second: str) -> str:
    """The more urgent of two levels (the rules keep the last word on emergencies)."""
    return max(first, second, key=lambda level: LEVELS.index(level) if level in LEVELS else 0)
