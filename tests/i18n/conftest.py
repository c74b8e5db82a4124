"""The appointments fixtures, for the reminder written in the patient's language."""

from tests.appointments.conftest import (  # noqa: F401
    book,
    follow_up,
    monday,
    patient,
    provider,
    types,
    tz,
)
