"""A patient's chart as facts, from every app that contributes a ChartSource; and its
fingerprint, which changes whenever any fact does (the summary cache's key)."""

import hashlib
import json

from core.contributions import chart_sources


def chart_facts(*, actor, patient, since=None) -> list:
    facts = []
    for source in chart_sources:
        facts.extend(source.facts(actor=actor, patient=patient, since=since))
    return facts


def fingerprint(facts) -> str:
    rows = sorted(
        json.dumps(
            [f.section, f.type, f.id, f.text, str(f.at), f.data], sort_keys=True, default=str
        )
        for f in facts
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def categories(facts) -> list[str]:
    """The kinds of data these facts carry (what an audit row says was used or sent)."""
    return sorted({f.section for f in facts})
