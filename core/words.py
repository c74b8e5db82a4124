"""Search by words: a record's words folded (lower-case, accent-free), kept in its search_text
and, for a list that can hold a whole clinic, in a word index of its own (notes, message threads,
documents), each row a word of one record of one clinic.

`word_matching` is the one search of such an index: the rarest search word is read from it as
record ids, however old the records (checking each record's text of a big clinic's list took
47-64 ms for a search that finds few or none); every other word is checked on search_text.
"""

import re
import unicodedata
from typing import NamedTuple

from django.db.models import Q

from core.lists import count_up_to, starts_with

WORD = re.compile(r"[^\W_]+")  # letters and digits: "blood_test" is two words
# A word index holds words this long at least, cut to the longest; shorter ones are in a
# record's search_text only ("a" or "8" would index nearly every record).
SHORTEST_INDEXED = 2
LONGEST_INDEXED = 40
SEARCH_WORDS = 8
# A word starting more of a clinic's records than this is checked on each record's search_text
# instead of read from the index: its records fill a page soon in the list's order, and their
# ids would make a long list.
RARE_UP_TO = 2_000


def search_key(text: str) -> str:
    """Lower-case, accent-free form of a name, indexed for prefix search on every backend."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def containing(rows, fields, text: str) -> Q:
    """The rows of `rows` (a queryset) whose `fields` hold `text`, case and accents ignored
    ("élodie" finds "Élodie", "ÚRICO" finds "Ácido úrico") alike on every backend: each value
    folded by search_key and compared here, one query of ids and those fields. For a clinic's
    short lists with no search column (its staff, its lab catalogue: hundreds of rows), where
    SQLite's own case folding knows ASCII only."""
    wanted = search_key(text)
    ids = [
        pk
        for pk, *values in rows.prefetch_related(None).order_by().values_list("pk", *fields)
        if any(wanted in search_key(value) for value in values)
    ]
    return Q(pk__in=ids)


def words_of(text: str) -> list[str]:
    """The words of `text`, lower-case and accent-free, each once, in order: what a word index
    holds and what a search of it is made of."""
    return list(dict.fromkeys(WORD.findall(search_key(text))))


def spaced_words(text: str) -> str:
    """The words of `text`, each after a space (" cough for days"): a record's search_text, in
    which " presc" finds a word that starts with the search word."""
    return "".join(f" {word}" for word in words_of(text))


# The search_text column of a short text (a message thread's subject, a document's title).
SEARCH_TEXT_LENGTH = 300


def short_search_text(text: str) -> str:
    """The search_text of a short text (its words, each after a space), cut to its column."""
    return spaced_words(text)[:SEARCH_TEXT_LENGTH]


def indexed_words(search_text: str) -> set[str]:
    """The words of a search_text a word index holds."""
    return {w[:LONGEST_INDEXED] for w in search_text.split() if len(w) >= SHORTEST_INDEXED}


class Matching(NamedTuple):
    condition: Q  # the records a search finds
    from_index: bool  # the rarest word's records were read from the index: a short list of ids


def word_matching(index, clinic_id, text: str, *, by_index: bool = True, common=None) -> Matching:
    """The records whose search_text has a word starting with each word of `text` (up to
    SEARCH_WORDS), case and accents ignored. `index`: the word index model (a ClinicWord). With
    `by_index` (a list across the clinic) the records of the rarest word the index holds are
    read from it by id, and every word is then checked on their search_text (a row a crash or
    two renames at once left behind finds nothing). Without, or when even the rarest word starts
    more than RARE_UP_TO records, every word is checked on search_text in the list's order.
    `common`: a ClinicWord model naming words whose records left the index (the notes', whose
    long texts would otherwise index every word of every note); a search word starting one of
    them counts as more than RARE_UP_TO."""
    words = words_of(text)[:SEARCH_WORDS]
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=f" {word}")
    rarest = _rarest(index, clinic_id, words, common) if by_index else None
    if rarest is None or rarest[0] > RARE_UP_TO:
        return Matching(condition, from_index=False)
    found, word = rarest
    # None found: a name or a typo (found, if at all, by what the caller ORs with this).
    rows = _rows_of(index, clinic_id, word) if found else index.objects.none()
    ids = set(rows.values_list(index.OWNER, flat=True))
    return Matching(Q(pk__in=ids) & condition, from_index=True)


def _rows_of(index, clinic_id, word: str):
    """The clinic's index rows of the words starting with `word` (the index holds each word's
    first LONGEST_INDEXED letters, and so is searched by as many)."""
    return index.objects.filter(starts_with("word", word[:LONGEST_INDEXED]), clinic_id=clinic_id)


def _rarest(index, clinic_id, words: list[str], common) -> tuple[int, str] | None:
    """(how many records the index lists for it, counted no further than RARE_UP_TO + 1; the
    word) for the search word the fewest records start; None when no word is long enough to be
    indexed."""
    rarest = None
    for word in words:
        if len(word) < SHORTEST_INDEXED:
            continue
        if common is not None and _rows_of(common, clinic_id, word).exists():
            found = RARE_UP_TO + 1
        else:
            found = count_up_to(_rows_of(index, clinic_id, word), RARE_UP_TO)
        if rarest is None or found < rarest[0]:
            rarest = (found, word)
    return rarest


def fill_index(records, index, text_field: str, owner: str, *, using: str, batch=2000) -> None:
    """Write every record's search_text (from `text_field`) and its word rows (`owner`: their
    record's column, as ClinicWord.OWNER, which a migration's models lack), `batch` records a
    unit: a migration's fill of an index added to existing records. Rerun after an interruption,
    it starts again from nothing."""
    from core.services import pages
    from core.transactions import unit

    index.objects.using(using).all().delete()
    texts = records.objects.using(using).values_list("pk", "clinic_id", text_field)
    for page in pages(texts, batch):
        with unit(using=using):
            rows = []
            for pk, clinic_id, text in page:
                search_text = short_search_text(text)
                records.objects.using(using).filter(pk=pk).update(search_text=search_text)
                rows += [
                    index(clinic_id=clinic_id, word=word, **{owner: pk})
                    for word in sorted(indexed_words(search_text))
                ]
            index.objects.using(using).bulk_create(rows, batch_size=5000)
