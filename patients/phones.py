"""Phone numbers read with the clinic's country and stored in E.164; odd ones kept as entered.

A number libphonenumber recognises as valid for its region is stored as `+447381283329`; one it
cannot read (an old extension, a typo) is kept exactly as typed, and the page says it could not
be checked, so no data is ever refused or lost. Search keys are the national significant
number, so `07381 283329`, `+44 7381 283329` and `7381283329` all find the same patient.
"""

from functools import lru_cache

import phonenumbers

E164 = phonenumbers.PhoneNumberFormat.E164
INTERNATIONAL = phonenumbers.PhoneNumberFormat.INTERNATIONAL
MAX_INPUT = 64


def _parse(text: str, country: str):
    text = (text or "").strip()
    if not text or len(text) > MAX_INPUT:
        return None
    try:
        number = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    return number


def normalize(text: str, country: str) -> tuple[str, bool]:
    """(what to store, whether it was understood): E.164 when valid, else the text as entered."""
    text = (text or "").strip()
    number = _parse(text, country)
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, E164), True
    return text, not text


@lru_cache(maxsize=4096)  # the patient page asks of two numbers on every view (~240 calls each)
def is_e164(stored: str) -> bool:
    number = _parse(stored, "") if (stored or "").startswith("+") else None
    return number is not None and phonenumbers.is_valid_number(number)


@lru_cache(maxsize=4096)  # a list page formats 25 numbers per request; parsing is the cost
def display(stored: str) -> str:
    """`+44 7381 283329` for a stored E.164 number; anything else as it was entered."""
    number = _parse(stored, "") if (stored or "").startswith("+") else None
    if number is None or not phonenumbers.is_valid_number(number):
        return stored or ""
    return phonenumbers.format_number(number, INTERNATIONAL)


def digits(text: str) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def search_key(stored: str, country: str) -> str:
    """What the phone index holds: the national significant number, else the bare digits."""
    number = _parse(stored, country)
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.national_significant_number(number)
    return digits(stored)


def search_keys(query: str, country: str) -> set[str]:
    """The index prefixes a typed number may match (its digits and its national number)."""
    keys = {digits(query)}
    metadata = phonenumbers.PhoneMetadata.metadata_for_region((country or "").upper(), None)
    trunk = getattr(metadata, "national_prefix", None)
    if trunk and digits(query).startswith(trunk) and not query.strip().startswith("+"):
        keys.add(digits(query)[len(trunk) :])  # "07381" (GB) is typed before the number 7381…
    number = _parse(query, country)
    if number is not None:
        keys.add(phonenumbers.national_significant_number(number))
    return {key for key in keys if key}
