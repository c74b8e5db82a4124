"""The built-in engine: summaries, SOAP drafts and plain-language results from chart facts, with
rules and templates. In process, no network, no model; the same facts give the same text.

Facts are `core.contributions.ChartFact`s contributed by each app (see ai_assist.chart); every
line this engine writes carries the citations of the facts it rests on.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ai_assist import bm25
from core import units

ENGINE = "builtin"
# Part of the summary cache's key: a new version when the same facts are written otherwise.
ENGINE_VERSION = "rules-2"
# A trend: the newest values of a test (at least 3), each moving the same way.
TREND_POINTS = 3
# Results worth mentioning in a summary: abnormal ones, and trends, of the last this many days.
RECENT_DAYS = 365
# The labs app's flags of a value that needs action now (listed first in a summary).
CRITICAL_FLAGS = ("critical_low", "critical_high")
# Care gaps: (problem words, test words, months, the test's name for the sentence).
CARE_GAPS = [
    (("diabet", "e10", "e11", "44054006", "73211009"), ("hba1c", "a1c", "4548-4"), 6, "HbA1c"),
    (
        ("hypertension", "i10", "38341003"),
        ("creatinine", "egfr", "2160-0", "potassium"),
        12,
        gettext_lazy("kidney function (creatinine)"),
    ),
    (
        ("hyperlipid", "cholesterol", "dyslipid", "e78"),
        ("ldl", "cholesterol", "lipid", "13457-7", "2089-1"),
        12,
        gettext_lazy("cholesterol (lipids)"),
    ),
    (("chronic kidney", "ckd", "n18"), ("egfr", "creatinine", "33914-3"), 6, "eGFR"),
    (("hypothyroid", "e03", "thyroid"), ("tsh", "3016-3"), 12, "TSH"),
]
SECTION_TITLES = {
    "problems": gettext_lazy("Active problems"),
    "medications": gettext_lazy("Medications and allergies"),
    "results": gettext_lazy("Recent results and trends"),
    "care_gaps": gettext_lazy("Care gaps"),
    "appointments": gettext_lazy("Upcoming visits"),
    "programs": gettext_lazy("Programmes"),
    "messages": gettext_lazy("Open messages"),
    "notes": gettext_lazy("From the notes"),
}
SUMMARY_ORDER = list(SECTION_TITLES)


def citation(fact) -> dict:
    return {"type": fact.type, "id": str(fact.id), "url": fact.url}


def item(text: str, facts) -> dict:
    return {"text": text, "citations": [citation(f) for f in facts]}


def generated_by(engine: str = ENGINE, model: str = ENGINE_VERSION) -> dict:
    return {"engine": engine, "model": model}


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, datetime.date) else None


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    """A limit as the result's value is written beside it: the reader's decimal separator."""
    return formats.number_format(Decimal(format(value.normalize(), "f")))


def _months_between(first: datetime.date, last: datetime.date) -> int:
    return max(0, round((last - first).days / 30.44))


def _newest_first(fact) -> int:
    """A sort key: the fact's day, newest first (undated last)."""
    return -(_date(fact.at) or datetime.date.min).toordinal()


# --- results: trends and abnormal values --------------------------------------------------------
def results_by_test(facts) -> dict[str, list]:
    """Result facts grouped by test, oldest first."""
    groups: dict[str, list] = {}
    for fact in facts:
        if fact.section == "results":
            groups.setdefault(fact.data.get("test") or fact.text, []).append(fact)
    for group in groups.values():
        group.sort(key=lambda f: f.at or datetime.datetime.min.replace(tzinfo=datetime.UTC))
    return groups


def trend_of(test: str, results: list) -> dict | None:
    """ "HbA1c rising: 6.9 → 7.4 → 8.1 % over 9 months" from the newest numeric values."""
    numeric = [(f, _number(f.data.get("value"))) for f in results]
    numeric = [(f, v) for f, v in numeric if v is not None]
    if len(numeric) < TREND_POINTS:
        return None
    points = numeric[-TREND_POINTS:]
    values = [v for _f, v in points]
    if all(b > a for a, b in zip(values, values[1:], strict=False)):
        direction = _("rising")
    elif all(b < a for a, b in zip(values, values[1:], strict=False)):
        direction = _("falling")
    else:
        return None
    unit = points[-1][0].data.get("unit", "")
    first, last = _date(points[0][0].at), _date(points[-1][0].at)
    months = _months_between(first, last) if first and last else 0
    text = _("%(test)s %(direction)s: %(values)s %(unit)s over %(months)d months") % {
        "test": test,
        "direction": direction,
        "values": " → ".join(format(v, "f") for v in values),  # as written: 1.10 stays 1.10
        "unit": unit,
        "months": months,
    }
    return item(" ".join(text.split()), [f for f, _v in points])


def result_items(facts, *, today: datetime.date) -> list[dict]:
    """Critical values first (a trend ending in one too), then trends, then the latest value
    of each test that is outside its range; newest first within each."""
    ranked = []
    for test, results in results_by_test(facts).items():
        latest = results[-1]
        day = _date(latest.at)
        if day and (today - day).days > RECENT_DAYS:
            continue
        trend = trend_of(test, results)
        if trend is None and not latest.data.get("abnormal"):
            continue
        critical = latest.data.get("flag") in CRITICAL_FLAGS
        group = 0 if critical else 1 if trend else 2
        rank = (group, _newest_first(latest), test)
        ranked.append((rank, trend or item(latest.text, [latest])))
    return [entry for _rank, entry in sorted(ranked, key=lambda pair: pair[0])]


# --- care gaps -----------------------------------------------------------------------------------
def _matches(words, *texts) -> bool:
    haystack = " ".join(t.lower() for t in texts if t)
    return any(word in haystack for word in words)


def care_gaps(facts, *, today: datetime.date) -> list[dict]:
    """Overdue tests for an active problem: "No HbA1c in the last 6 months (diabetes)"."""
    gaps = []
    problems = [f for f in facts if f.section == "problems"]
    results = [f for f in facts if f.section == "results"]
    for problem_words, test_words, months, test_name in CARE_GAPS:
        problem = next(
            (
                p
                for p in problems
                if _matches(problem_words, p.text, p.data.get("code", ""), p.data.get("name", ""))
            ),
            None,
        )
        if problem is None:
            continue
        done = [
            r
            for r in results
            if _matches(test_words, r.data.get("test", ""), r.data.get("loinc", ""))
        ]
        last = max(done, key=lambda r: _date(r.at) or datetime.date.min, default=None)
        last_day = _date(last.at) if last else None
        if last_day and (today - last_day).days <= months * 30.44:
            continue
        name = problem.data.get("name") or problem.text
        if last_day:
            text = _(
                "No %(test)s in the last %(months)d months for %(problem)s (last: %(day)s)."
            ) % {"test": test_name, "months": months, "problem": name, "day": last_day.isoformat()}
        else:
            text = _("No %(test)s on record for %(problem)s (due every %(months)d months).") % {
                "test": test_name,
                "problem": name,
                "months": months,
            }
        gaps.append(item(text, [problem, last] if last else [problem]))
    return gaps


# --- notes: extractive selection --------------------------------------------------------------
def note_sentences(facts) -> list[tuple[str, list]]:
    """Each sentence of the notes once, with the notes it is in (newest first): a sentence
    carried forward from note to note is one sentence, not one per note."""
    found: dict[str, tuple[str, list]] = {}
    for fact in sorted((f for f in facts if f.section == "notes"), key=_newest_first):
        for sentence in fact.data.get("sentences", []):
            _text, notes = found.setdefault(" ".join(sentence.casefold().split()), (sentence, []))
            if fact not in notes:
                notes.append(fact)
    return list(found.values())


def from_notes(facts, question: str, *, limit: int = 3) -> list[dict]:
    chosen = bm25.best(question, note_sentences(facts), text=lambda pair: pair[0], limit=limit)
    return [item(f"“{sentence}” ({_date(notes[0].at)})", notes) for sentence, notes in chosen]


def _without_repeats(items: list[dict]) -> list[dict]:
    """One item per text: the same line from two records is said once, citing both."""
    merged: dict[str, dict] = {}
    for entry in items:
        kept = merged.setdefault(entry["text"], {"text": entry["text"], "citations": []})
        kept["citations"] += [c for c in entry["citations"] if c not in kept["citations"]]
    return list(merged.values())


def _numbered_citations(sections: list[dict]) -> list[dict]:
    """Each cited record's [n] on the page, in order of first mention (a record cited again
    keeps its number): the order in which a provider is shown the facts, too."""
    numbers: dict[tuple, int] = {}
    for section in sections:
        for entry in section["items"]:
            entry["citations"] = [
                {"n": numbers.setdefault((c["type"], c["id"]), len(numbers) + 1), **c}
                for c in entry["citations"]
            ]
    return sections


# --- the summary ------------------------------------------------------------------------------
def summary_sections(facts, *, today: datetime.date | None = None) -> list[dict]:
    """Sections of the chart summary (those with something to say), each a list of items."""
    today = today or timezone.localdate()
    simple = {
        key: [item(f.text, [f]) for f in facts if f.section == key]
        for key in ("problems", "appointments", "programs", "messages")
    }
    medications = [item(f.text, [f]) for f in facts if f.section in ("medications", "allergies")]
    question = " ".join(
        [f.data.get("name") or f.text for f in facts if f.section == "problems"]
        + ["plan follow up review"]
    )
    items = {
        **simple,
        "medications": medications,
        "results": result_items(facts, today=today),
        "care_gaps": care_gaps(facts, today=today),
        "notes": from_notes(facts, question),
    }
    return _numbered_citations(
        [
            {"key": key, "title": str(SECTION_TITLES[key]), "items": _without_repeats(items[key])}
            for key in SUMMARY_ORDER
            if items[key]
        ]
    )


def as_text(sections: list[dict]) -> str:
    lines = []
    for section in sections:
        lines.append(f"{section['title']}:")
        lines.extend(f"- {entry['text']}" for entry in section["items"])
        lines.append("")
    return "\n".join(lines).strip() or str(_("Nothing recorded in this chart yet."))


def all_citations(sections: list[dict]) -> list[dict]:
    seen = {}
    for section in sections:
        for entry in section["items"]:
            for cited in entry["citations"]:
                seen.setdefault((cited["type"], cited["id"]), cited)
    return list(seen.values())


# --- the SOAP note draft -------------------------------------------------------------------------
def draft_sections(facts, *, since, today: datetime.date | None = None) -> list[dict]:
    """SOAP sections from what is new since the last signed note (`since`; None: everything)."""
    today = today or timezone.localdate()

    def new(fact) -> bool:
        return since is None or fact.at is None or _date(fact.at) >= _date(since)

    recent = [f for f in facts if new(f)]
    subjective = [item(f.text, [f]) for f in recent if f.section in ("messages", "programs")]
    objective = result_items([f for f in facts if f.section == "results"], today=today)
    objective += [
        item(f.text, [f])
        for f in recent
        if f.section == "results"
        and not any(f.id == c["id"] for o in objective for c in o["citations"])
    ]
    assessment = [item(f.text, [f]) for f in facts if f.section == "problems"]
    plan = [
        item(_("Medication: %s") % f.text, [f])
        for f in recent
        if f.section == "medications" and since is not None
    ]
    plan += care_gaps(facts, today=today)
    plan += [item(f.text, [f]) for f in facts if f.section == "appointments"]
    return [
        {"name": "Subjective", "items": subjective},
        {"name": "Objective", "items": objective},
        {"name": "Assessment", "items": assessment},
        {"name": "Plan", "items": plan},
    ]


def numbered(sections: list[dict]) -> tuple[list[dict], list[dict]]:
    """Note sections in Markdown, each line ending in [n] markers, and the numbered sources."""
    sources: dict[tuple, dict] = {}
    written = []
    for section in sections:
        lines = []
        for entry in section["items"]:
            marks = []
            for cited in entry["citations"]:
                key = (cited["type"], cited["id"])
                if key not in sources:
                    sources[key] = {"n": len(sources) + 1, **cited}
                marks.append(f"[{sources[key]['n']}]")
            lines.append(f"- {entry['text']} {''.join(marks)}".rstrip())
        text = "\n".join(lines) or str(_("Nothing new recorded; to complete."))
        written.append({"name": section["name"], "text": text})
    return written, list(sources.values())


# --- plain-language results ---------------------------------------------------------------------
def explain(result: dict, *, for_patient: bool) -> str:
    """A short explanation of one final result, about grade-8 reading level, with its range and
    no diagnosis."""
    you = _("Your") if for_patient else _("The patient's")
    test, value = result["test"], result.get("display_value", "")
    unit = units.display(result.get("unit", ""))  # as the value shows it: mIU/L, not m[IU]/L
    low, high = _number(result.get("low")), _number(result.get("high"))
    flag = result.get("flag", "")
    if low is not None and high is not None:
        usual = _("between %(low)s and %(high)s %(unit)s") % {
            "low": _plain(low), "high": _plain(high), "unit": unit,
        }  # fmt: skip
    elif high is not None:
        usual = _("below %(high)s %(unit)s") % {"high": _plain(high), "unit": unit}
    elif low is not None:
        usual = _("above %(low)s %(unit)s") % {"low": _plain(low), "unit": unit}
    else:
        usual = result.get("reference_text", "")
    where = {
        "high": _("above the usual range"),
        "critical_high": _("well above the usual range"),
        "low": _("below the usual range"),
        "critical_low": _("well below the usual range"),
        "normal": _("within the usual range"),
        "abnormal": _("outside the usual result"),
    }.get(flag, "")
    sentences = [
        _("%(you)s %(test)s result is %(value)s.") % {"you": you, "test": test, "value": value}
    ]  # noqa: E501
    if where and usual:
        sentences.append(_("That is %(where)s (%(usual)s).") % {"where": where, "usual": usual})
    elif usual:
        sentences.append(_("The usual range for this test is %(usual)s.") % {"usual": usual})
    if flag in ("critical_high", "critical_low") and result.get("communicated"):
        sentences.append(_("Your care team has been told about this result and will contact you."))
    elif flag in ("critical_high", "critical_low"):  # not yet recorded as passed on: no promise
        sentences.append(
            _("If your clinic has not contacted you about this result today, call them.")
        )
    elif flag in ("high", "low", "abnormal"):
        sentences.append(
            _("One result outside the range does not mean you are ill. Many things can change it.")
        )
    else:
        sentences.append(_("This result is what we usually see in healthy people."))
    sentences.append(
        _("This is not a diagnosis. Your clinician will look at it together with your health.")
    )
    return " ".join(" ".join(str(s).split()) for s in sentences)
