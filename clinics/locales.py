"""A clinic's country and locale, and what follows from them: date formats, phone parsing.

Both are defaulted from the clinic's timezone when not set: the tz database says which country
a zone is in (zone.tab), and the country which of the supported locales reads naturally there.
"""

import functools
import zoneinfo
from collections import defaultdict
from pathlib import Path

import phonenumbers
from django.utils.translation import gettext_lazy as _

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
COUNTRY_CHOICES = [(code, code) for code in COUNTRY_CODES]
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


def country_for_timezone(tz: str) -> str:
    """The country a timezone is in ("" for UTC and other zones of no country)."""
    return _zone_countries().get(tz, "")


def locale_for_country(country: str) -> str:
    if country in US_STYLE:
        return "en-US"
    if country in SPANISH:
        return "es"
    if country in FRENCH:
        return "fr"
    return DEFAULT_LOCALE


def timezone_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Timezones grouped by region ("Europe", "America", ...) for the settings page's picker."""
    groups: dict[str, list] = defaultdict(list)
    for tz in sorted(zoneinfo.available_timezones()):
        region, _sep, city = tz.partition("/")
        if not city or tz.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/")):
            region, city = "Other", tz
        groups[region].append((tz, city.replace("_", " ")))
    return sorted(groups.items(), key=lambda item: (item[0] == "Other", item[0]))
