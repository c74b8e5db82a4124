"""What leaves the deployment for an external provider: identifiers replaced by placeholders and
dates shifted by a random number of days, both undone in the answer.

The placeholders name what they hide ("[PATIENT_NAME]"), so the model can still write "the
patient"; one Redactor serves one request, so its shift is consistent within it.
"""

import datetime
import re
import secrets

ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()./-]{6,}\d(?!\w)")
MAX_SHIFT_DAYS = 180


def _phone_or_kept(match) -> str:
    """A phone number's placeholder; dates and short numbers (lab values) stay."""
    found = match.group()
    if ISO_DATE.search(found) or sum(c.isdigit() for c in found) < 7:
        return found
    return "[PHONE]"


class Redactor:
    def __init__(self, patient, *, shift_days: int | None = None):
        self.shift = shift_days if shift_days is not None else secrets.choice(
            [d for d in range(-MAX_SHIFT_DAYS, MAX_SHIFT_DAYS + 1) if abs(d) >= 7]
        )  # fmt: skip
        self.values: list[tuple[str, str]] = []  # (real value, placeholder), longest first
        if patient is None:
            return
        full = f"{patient.first_name} {patient.last_name}"
        people = [
            (full, "[PATIENT_NAME]"),
            (f"{patient.last_name}, {patient.first_name}", "[PATIENT_NAME]"),
            (patient.first_name, "[PATIENT_FIRST_NAME]"),
            (patient.last_name, "[PATIENT_LAST_NAME]"),
            (patient.preferred_name, "[PATIENT_FIRST_NAME]"),
            (patient.emergency_contact_name, "[CONTACT_NAME]"),
            (patient.mrn, "[MRN]"),
            (patient.email, "[EMAIL]"),
            (patient.phone, "[PHONE]"),
            (patient.emergency_contact_phone, "[CONTACT_PHONE]"),
            (patient.date_of_birth.isoformat() if patient.date_of_birth else "", "[DATE_OF_BIRTH]"),
        ]
        address = [line.strip(" ,") for line in re.split(r"[\n,]", patient.address or "")]
        people += [(line, "[ADDRESS]") for line in address if len(line) > 3]
        seen = set()
        for value, placeholder in sorted(people, key=lambda p: -len(p[0] or "")):
            value = (value or "").strip()
            if len(value) >= 2 and value.lower() not in seen:
                seen.add(value.lower())
                self.values.append((value, placeholder))
        self.restorable = {}  # placeholder -> the value it stands for (the first one named)
        for value, placeholder in people:
            if (value or "").strip():
                self.restorable.setdefault(placeholder, value.strip())

    def _shift(self, text: str, days: int) -> str:
        def moved(match):
            try:
                day = datetime.date(*(int(g) for g in match.groups()))
            except ValueError:
                return match.group(0)
            return (day + datetime.timedelta(days=days)).isoformat()

        return ISO_DATE.sub(moved, text)

    def redact(self, text: str) -> str:
        for value, placeholder in self.values:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", placeholder, text, flags=re.I)
        text = EMAIL.sub("[EMAIL]", text)
        text = PHONE.sub(_phone_or_kept, text)
        return self._shift(text, self.shift)

    def restore(self, text: str) -> str:
        text = self._shift(text, -self.shift)
        for placeholder, value in self.restorable.items():
            text = text.replace(placeholder, value)
        return text
