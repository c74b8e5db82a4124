"""A clinic's country and locale, and what follows from them: date formats, phone parsing.

Both are defaulted from the clinic's timezone when not set: the tz database says which country
a zone is in (zone.tab), and the country which of the supported locales reads naturally there.
"""

import functools
import unicodedata
import zoneinfo
from collections import defaultdict
from pathlib import Path

import phonenumbers
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from phonenumbers.geodata.locale import LOCALE_DATA

LOCALE_CHOICES = [
    ("en-GB", _("English (United Kingdom): 24/09/2004, 1 Dec 2026, 21:05")),
    ("en-US", _("English (United States): 09/24/2004, Dec 1, 2026, 9:05 PM")),
    ("es", _("Spanish: 24/09/2004, 1 dic 2026, 21:05")),
    ("fr", _("French: 24/09/2004, 1 déc. 2026 21:05")),
]
LOCALES = frozenset(code for code, _label in LOCALE_CHOICES)
DEFAULT_LOCALE = "en-GB"
# ISO 3166-1 alpha-2 codes: every region libphonenumber knows (all assigned countries).
COUNTRY_CODES = sorted(phonenumbers.SUPPORTED_REGIONS)
_COUNTRIES = frozenset(COUNTRY_CODES)
COUNTRY_CHOICES = [(code, code) for code in COUNTRY_CODES]
# The regions libphonenumber's own table of names leaves out.
UNNAMED_REGIONS = {
    "AC": _("Ascension Island"),
    "TA": _("Tristan da Cunha"),
    "XK": _("Kosovo"),
}
US_STYLE = {"US", "PR", "GU", "AS", "VI", "MP", "UM", "PH", "FM", "MH", "PW"}
SPANISH = {
    "ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU", "BO", "DO", "HN", "PY", "SV",
    "NI", "CR", "PA", "UY", "GQ",
}  # fmt: skip
FRENCH = {"FR", "MC", "LU", "SN", "CI", "ML", "BF", "NE", "TG", "BJ", "GA", "CG", "CD", "CM",
          "MG", "HT", "RE", "GP", "MQ", "GF", "YT", "PF", "NC", "PM", "BL", "MF", "WF"}  # fmt: skip
ZONE_TABLES = ("/usr/share/zoneinfo/zone1970.tab", "/usr/share/zoneinfo/zone.tab")


@functools.cache
def _zone_countries() -> dict[str, str]:
    """timezone -> ISO country, from the system's tz database (zone.tab wins: one country)."""
    countries: dict[str, str] = {}
    for table in ZONE_TABLES:
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            codes, _coords, zone = line.split("\t")[:3]
            countries[zone] = codes.split(",")[0]
    return countries


def zone_region(tz: str) -> str:
    """The region the tz database puts a zone in ("" for UTC): a country, or a region no country
    list has (Antarctica's AQ, the US minor islands' UM, PN, GS, TF), which still says how dates
    read there (UM: as in the US)."""
    return _zone_countries().get(tz, "")


def country_for_timezone(tz: str) -> str:
    """The country a timezone is in, among COUNTRY_CODES ("" for zones of no listed country), so
    a clinic's country is always one it could choose."""
    region = zone_region(tz)
    return region if region in _COUNTRIES else ""


def locale_for_country(country: str) -> str:
    if country in US_STYLE:
        return "en-US"
    if country in SPANISH:
        return "es"
    if country in FRENCH:
        return "fr"
    return DEFAULT_LOCALE


def _region_name(code: str, language: str) -> str:
    """A region's name in `language` from libphonenumber's geocoding data (a dependency already:
    no country package is installed), "" when it has none; "*en" there means "as in English"."""
    names = LOCALE_DATA.get(code, {})
    name = names.get(language, "")
    if name.startswith("*"):
        name = names.get(name[1:], "")
    return name


def _sort_key(label: str) -> str:
    """Accents ignored, so "Émirats" sorts among the E's."""
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    choices = []
    for code in COUNTRY_CODES:
        name = (
            _region_name(code, language)
            or _region_name(code, "en")
            or str(UNNAMED_REGIONS.get(code, ""))
        )
        choices.append((code, f"{name} ({code})" if name else code))
    return sorted(choices, key=lambda choice: _sort_key(choice[1]))


def country_choices() -> list[tuple[str, str]]:
    """Every country as "Spain (ES)", named and sorted in the reader's language."""
    language = (translation.get_language() or "en").split("-")[0]
    with translation.override(language):  # the few names of our own, in the same language
        return _country_choices(language)


def timezone_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Timezones grouped by region ("Europe", "America", ...) for the settings page's picker."""
    groups: dict[str, list] = defaultdict(list)
    for tz in sorted(zoneinfo.available_timezones()):
        region, _sep, city = tz.partition("/")
        if not city or tz.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/")):
            region, city = "Other", tz
        groups[region].append((tz, city.replace("_", " ")))
    return sorted(groups.items(), key=lambda item: (item[0] == "Other", item[0]))
