"""UCUM units the way a page writes them: one reading for the labs and the programmes' pages
(the API keeps the UCUM)."""

import re

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _annotation(match: re.Match) -> str:
    """UCUM annotations in braces: `{1.73_m2}` is read as "1.73 m²"; a bare label like `{INR}`
    is no unit at all."""
    text = match.group(1)
    if not any(ch.isdigit() for ch in text):
        return ""
    return re.sub(r"([a-z])(\d)$", lambda m: m.group(1) + m.group(2).translate(SUPERSCRIPT), text)


def display(ucum: str) -> str:
    """`10*3/uL` → `×10³/µL`; `mL/min/{1.73_m2}` → `mL/min/1.73 m²`; `m[IU]/L` → `mIU/L`."""
    if not ucum:
        return ""
    text = re.sub(r"\{([^}]*)\}", _annotation, ucum).replace("_", " ")
    text = re.sub(r"10\*(-?\d+)", lambda m: "×10" + m.group(1).translate(SUPERSCRIPT), text)
    text = re.sub(r"10\^(-?\d+)", lambda m: "×10" + m.group(1).translate(SUPERSCRIPT), text)
    text = re.sub(r"(^|/|×10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+/?)u(?=[a-zA-Z])", r"\1µ", text)
    text = text.replace("[", "").replace("]", "")
    return text.strip("/ ") if text.strip() else ""
