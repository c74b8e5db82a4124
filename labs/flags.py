"""Which reference range applies to a patient, and how a value is flagged against it.

Boundaries: a value equal to a reference limit is normal; equal to a critical limit is
critical (panic values are reported from the limit itself, as most labs do).
"""

from decimal import Decimal

from labs.models import (
    ABNORMAL_FLAGS,
    CRITICAL_FLAGS,
    Flag,
    LabResult,
    LabTest,
    ReferenceRange,
    ValueType,
)


def applicable_range(ranges, *, sex: str, age: int) -> ReferenceRange | None:
    """The most specific range for this sex and age: sex-specific beats 'any', then narrowest."""
    candidates = [r for r in ranges if r.applies_to(sex=sex, age=age)]
    if not candidates:
        return None

    def specificity(r):
        width = (r.age_max if r.age_max is not None else 200) - r.age_min
        return (r.sex == ReferenceRange.Sex.ANY, width)

    return min(candidates, key=specificity)


def stored_range(result: LabResult) -> ReferenceRange | None:
    """The range copied onto a result when it was entered, rebuilt (unsaved) so a correction is
    flagged against the range the result shows, not the catalogue's current one (edited or
    deleted since: "results already recorded keep the range they were flagged against")."""
    low, high, text = result.reference_low, result.reference_high, result.reference_text
    if low is None and high is None and not text:
        return None
    # reference_text is the range's display: its normal text if it had one, else its limits
    normal_text = text if text != ReferenceRange(low=low, high=high).display else ""
    return ReferenceRange(low=low, high=high, normal_text=normal_text)


def flag_for(test: LabTest, reference: ReferenceRange | None, value) -> str:
    if test.value_type != ValueType.NUMERIC:
        if reference is None or not reference.normal_text:
            return Flag.NONE
        same = str(value).strip().lower() == reference.normal_text.strip().lower()
        return Flag.NORMAL if same else Flag.ABNORMAL
    number = Decimal(value)
    if test.critical_low is not None and number <= test.critical_low:
        return Flag.CRITICAL_LOW
    if test.critical_high is not None and number >= test.critical_high:
        return Flag.CRITICAL_HIGH
    if reference is None or (reference.low is None and reference.high is None):
        return Flag.NONE
    if reference.low is not None and number < reference.low:
        return Flag.LOW
    if reference.high is not None and number > reference.high:
        return Flag.HIGH
    return Flag.NORMAL


# A waiting result's place in the queue: its severity, stored so the queue's index holds it.
CRITICAL_PRIORITY, ABNORMAL_PRIORITY, OTHER_PRIORITY = 0, 1, 2


def review_priority(result: LabResult) -> int | None:
    """Where a result waits for sign-off: critical first, then abnormal, then the rest; None
    when there is nothing to review (already reviewed, or still preliminary)."""
    if result.reviewed_at is not None or result.status == LabResult.Status.PRELIMINARY:
        return None
    if result.flag in CRITICAL_FLAGS:
        return CRITICAL_PRIORITY
    return ABNORMAL_PRIORITY if result.flag in ABNORMAL_FLAGS else OTHER_PRIORITY
