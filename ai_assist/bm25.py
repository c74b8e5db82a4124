"""BM25 ranking of note sentences against a question: extractive, deterministic, no model."""

import math
import re
from collections import Counter

WORD = re.compile(r"[a-z0-9]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "he", "her",
     "his", "i", "in", "is", "it", "its", "of", "on", "or", "she", "that", "the", "their", "them",
     "they", "this", "to", "was", "were", "will", "with")
)  # fmt: skip


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS]


def sentences(text: str) -> list[str]:
    """The sentences of a text (Markdown bullets and lines count as sentences too)."""
    parts = (part.strip(" -*#\t") for part in SENTENCE_END.split(text or ""))
    return [part for part in parts if len(words(part)) >= 3]


def rank(query: str, documents: list[str], *, k1: float = 1.5, b: float = 0.75) -> list[float]:
    """The Okapi BM25 score of each document for `query` (same order as `documents`)."""
    tokenised = [words(doc) for doc in documents]
    if not tokenised:
        return []
    average = sum(len(doc) for doc in tokenised) / len(tokenised) or 1.0
    frequency = Counter(term for doc in tokenised for term in set(doc))
    total = len(tokenised)
    scores = []
    for doc in tokenised:
        counts = Counter(doc)
        score = 0.0
        for term in set(words(query)):
            if term not in counts:
                continue
            idf = math.log(1 + (total - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = counts[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average))
        scores.append(score)
    return scores


def best(query: str, candidates: list, *, text=lambda c: c, limit: int = 3) -> list:
    """The `limit` candidates that answer `query` best (ties keep the given order); none that
    share no word with it."""
    scores = rank(query, [text(c) for c in candidates])
    ordered = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    return [candidates[i] for i in ordered[:limit] if scores[i] > 0]
