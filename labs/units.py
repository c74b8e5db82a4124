"""Units: stored as UCUM, shown the human way, converted where the catalogue knows the factor.

Conversions are linear, `si = conventional × factor + offset`, keyed by the test's LOINC code,
so a glucose entered in mmol/L is stored in the clinic's mg/dL (and the other way round).
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core import units as core_units

CONVENTIONAL, SI = "conventional", "si"


@dataclass(frozen=True)
class Conversion:
    conventional: str  # UCUM
    si: str  # UCUM
    factor: Decimal
    offset: Decimal = Decimal(0)
    places: int = 2  # decimals kept in SI units
    conventional_places: int = 0  # and in conventional units

    def to_si(self, value: Decimal) -> Decimal:
        return _round(value * self.factor + self.offset, self.places)

    def to_conventional(self, value: Decimal) -> Decimal:
        return _round((value - self.offset) / self.factor, self.conventional_places)

    def convert(self, value: Decimal, *, given: str, wanted: str) -> Decimal | None:
        """`value` in `given` expressed in `wanted`; None when this conversion does not apply."""
        given, wanted = normalise(given), normalise(wanted)
        if given == wanted:
            return value
        if (given, wanted) == (normalise(self.conventional), normalise(self.si)):
            return self.to_si(value)
        if (given, wanted) == (normalise(self.si), normalise(self.conventional)):
            return self.to_conventional(value)
        return None


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


D = Decimal
LIPID = Conversion("mg/dL", "mmol/L", D("0.02586"))
# LOINC code -> conversion (IFCC formula for HbA1c: mmol/mol = (% − 2.15) × 10.929).
CONVERSIONS = {
    "2345-7": Conversion("mg/dL", "mmol/L", D("0.0555"), places=1),  # glucose
    "2160-0": Conversion("mg/dL", "umol/L", D("88.42"), 0, 0, 2),  # creatinine
    "2093-3": LIPID,  # cholesterol, total
    "2085-9": LIPID,  # HDL cholesterol
    "13457-7": LIPID,  # LDL cholesterol
    "2571-8": Conversion("mg/dL", "mmol/L", D("0.01129")),  # triglycerides
    "4548-4": Conversion("%", "mmol/mol", D("10.929"), D("-23.49735"), 0, 1),  # HbA1c
    "3094-0": Conversion("mg/dL", "mmol/L", D("0.357"), places=1),  # urea nitrogen → urea
    "17861-6": Conversion("mg/dL", "mmol/L", D("0.2495"), conventional_places=1),  # calcium
}


def conversion_for(test) -> Conversion | None:
    return CONVERSIONS.get(getattr(test, "loinc_code", "") or "")


def convert(test, value: Decimal, given_unit: str) -> Decimal | None:
    """`value` given in `given_unit` in the test's own unit; None if no factor is known."""
    if normalise(given_unit) == normalise(test.unit):
        return value
    conversion = conversion_for(test)
    if conversion is None:
        return None
    return conversion.convert(value, given=given_unit, wanted=test.unit)


def other_unit(test) -> str:
    """The unit a value of this test may also be entered in (converted), or ""."""
    conversion = conversion_for(test)
    if conversion is None:
        return ""
    if normalise(test.unit) == normalise(conversion.conventional):
        return conversion.si
    return conversion.conventional if normalise(test.unit) == normalise(conversion.si) else ""


# --- display (core.units: the programmes' pages write units the same way) --------------------
display = core_units.display


def normalise(unit: str) -> str:
    """A unit as typed (UCUM or the human form) reduced to compare: case, µ/u, ×10³/10*3."""
    text = (unit or "").strip().replace("µ", "u").replace("μ", "u").replace(" ", "")
    text = re.sub(
        r"×?10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)",
        lambda m: "10*" + m.group(1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")),
        text,
    )
    text = text.replace("^", "*").replace("[", "").replace("]", "").replace("{", "")
    return text.replace("}", "").replace("_", "").replace("²", "2").lower()


# --- recognising a unit ---------------------------------------------------------------------
# The UCUM units of lab medicine (lower case: a unit is compared without its case, as
# `normalise` does). Metric ones take a prefix (mg, umol, mU, 10*3/uL's uL); the others do not.
METRIC_ATOMS = ("g", "l", "mol", "eq", "u", "[iu]", "iu", "kat", "m", "s", "pa", "osm", "cal")
METRIC_ATOMS += ("bar", "m[hg]", "mhg", "m[h2o]", "mh2o", "k")
PLAIN_ATOMS = ("%", "min", "h", "d", "wk", "mo", "a", "[ph]", "ph", "[ppm]", "ppm", "[ppb]")
PLAIN_ATOMS += ("ppb", "[ppth]", "[arb'u]", "[hpf]", "hpf", "[lpf]", "lpf", "cel", "[degf]")
PLAIN_ATOMS += ("[lb_av]", "[in_i]", "[drp]", "[s]", "cells")
PREFIXES = ("da", "y", "z", "e", "p", "t", "g", "m", "k", "h", "d", "c", "u", "n", "f")


def _alternatives(words) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_FACTOR = r"\d+(?:\.\d+)?"
_COMPONENT = (  # a bare number is whole (1.73 only before a unit: "/1.73m2"), so "." parses once
    rf"(?:10\*[-+]?\d+|\d+"
    rf"|(?:{_FACTOR})?(?:(?:{_alternatives(PREFIXES)})?(?:{_alternatives(METRIC_ATOMS)})"
    rf"|{_alternatives(PLAIN_ATOMS)})[-+]?\d*)"
)
_UNIT = re.compile(rf"/?{_COMPONENT}(?:[./]{_COMPONENT})*")


def recognised(unit: str) -> bool:
    """A unit as typed (UCUM or its human form) is one of lab medicine's: metric units with
    their prefixes (mg/dL, umol/L, mIU/L), counts (10*3/uL, ×10³/µL), time, %, mm[Hg], and
    UCUM annotations (`{INR}`, `mL/min/{1.73_m2}`). An empty unit is none, and is recognised."""
    text = (unit or "").strip()
    if not text:
        return True
    if len(text) > 40:  # LabTest.unit's length
        return False
    text = re.sub(r"\{[^{}]*\}", "1", text)  # an annotation is read as the unit 1
    text = text.replace("µ", "u").replace("μ", "u").replace(" ", "").replace("^", "*")
    text = (
        re.sub(
            r"×?10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)",
            lambda m: "10*" + m.group(1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")),
            text,
        )
        .replace("²", "2")
        .replace("³", "3")
    )
    return _UNIT.fullmatch(text.lower()) is not None
