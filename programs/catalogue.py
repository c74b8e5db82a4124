"""The measurement catalogue: what a `measurement` step may ask for, with LOINC codes, UCUM
units, the bounds outside which a value cannot be real (a typo: 400), and the default alert
limits outside which the care manager is told at once.

Mood has no LOINC code for a 1–5 self-rating, so it carries the project's own code system.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core import units

LOINC = "http://loinc.org"
LOCAL = "urn:health-passport:measurement"


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    unit: str  # UCUM
    low: float  # physiological bounds: outside them a value is refused (400)
    high: float
    alert_low: float | None = None  # outside these: the care manager is alerted
    alert_high: float | None = None
    system: str = LOINC

    def alerting(self, value: float) -> bool:
        return (self.alert_low is not None and value < self.alert_low) or (
            self.alert_high is not None and value >= self.alert_high
        )


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    components: tuple[Component, ...]


MEASURES = {
    m.key: m
    for m in (
        Measure(
            "blood_pressure",
            _("Blood pressure"),
            (
                Component("8480-6", _("Systolic"), "mm[Hg]", 40, 300, 70, 180),
                Component("8462-4", _("Diastolic"), "mm[Hg]", 20, 200, 40, 120),
            ),
        ),
        Measure("weight", _("Weight"), (Component("29463-7", _("Weight"), "kg", 1, 500),)),
        Measure(
            "blood_glucose",
            _("Blood glucose"),
            (Component("2339-0", _("Glucose"), "mg/dL", 10, 1500, 54, 400),),
        ),
        Measure("steps", _("Steps"), (Component("55423-8", _("Steps"), "{steps}", 0, 100000),)),
        Measure(
            "heart_rate",
            _("Heart rate"),
            (Component("8867-4", _("Heart rate"), "/min", 20, 300, 40, 150),),
        ),
        Measure(
            "peak_flow",
            _("Peak flow"),
            (Component("19935-6", _("Peak flow"), "L/min", 30, 1000, 100, None),),
        ),
        Measure(
            "pain",
            _("Pain score"),
            (Component("72514-3", _("Pain score"), "{score}", 0, 10, None, 9),),
        ),
        Measure(
            "mood",
            _("Mood"),
            (Component("mood", _("Mood"), "{score}", 1, 5, system=LOCAL),),
        ),
    )
}
COMPONENTS = {c.code: c for m in MEASURES.values() for c in m.components}
MEASURE_OF_CODE = {c.code: m for m in MEASURES.values() for c in m.components}
MEASURE_CHOICES = [(m.key, m.label) for m in MEASURES.values()]


def unit_shown(unit: str) -> str:
    """A measurement's UCUM unit as the lab pages write units (mm[Hg] → mmHg; an annotation like
    {steps} is a count, no unit); the only measure "per minute" here is a heart rate. The API
    keeps the UCUM."""
    return "bpm" if unit == "/min" else units.display(unit)
