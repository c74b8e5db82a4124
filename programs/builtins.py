"""The two programmes every new clinic starts with, published (clinics adapt them as new
versions): 12 weeks of blood-pressure control and 12 weeks of type-2 diabetes care."""

from django.utils.translation import gettext_lazy as _

WEEKLY_CHECK_IN = [
    {"key": "medication", "text": str(_("Did you take your medication every day?")),
     "type": "yes_no"},
    {"key": "feeling", "text": str(_("How do you feel overall (1–5)?")), "type": "scale"},
    {"key": "notes", "text": str(_("Anything you want your care team to know?")), "type": "text"},
]  # fmt: skip

BUILTINS = [
    {
        "name": "Hypertension — 12 weeks",
        "description": "Home blood-pressure monitoring with a weekly check-in and two visits.",
        "duration_days": 84,
        "steps": [
            {
                "day": 0,
                "kind": "education",
                "title": "Measuring your blood pressure at home",
                "body": "Sit quietly for **5 minutes**, arm supported at heart level.",
            },
            {
                "day": 0,
                "repeat": "daily",
                "kind": "measurement",
                "title": "Blood pressure",
                "measure": "blood_pressure",
                "targets": {"8480-6": {"low": 90, "high": 130}, "8462-4": {"low": 60, "high": 80}},
            },
            {
                "day": 6,
                "repeat": "weekly",
                "kind": "check_in",
                "title": "Weekly check-in",
                "questions": WEEKLY_CHECK_IN,
            },
            {
                "day": 28,
                "kind": "appointment",
                "title": "Review visit",
                "appointment_type": "Follow-up",
                "window_days": 7,
            },
            {
                "day": 77,
                "kind": "appointment",
                "title": "Final review",
                "appointment_type": "Follow-up",
                "window_days": 7,
            },
        ],
        "goals": [
            {
                "kind": "average",
                "description": "Average systolic below 130 over 14 days",
                "code": "8480-6",
                "comparator": "lt",
                "value": 130,
                "window_days": 14,
            },
            {
                "kind": "count",
                "description": "Blood pressure measured 5 times a week",
                "task_kind": "measurement",
                "comparator": "ge",
                "value": 5,
                "window_days": 7,
            },
        ],
    },
    {
        "name": "Type 2 diabetes — 12 weeks",
        "description": "Glucose and weight tracking, education and a weekly check-in.",
        "duration_days": 84,
        "steps": [
            {
                "day": 0,
                "kind": "education",
                "title": "Understanding your glucose readings",
                "body": "Fasting glucose is measured **before breakfast**.",
            },
            {
                "day": 0,
                "repeat": "daily",
                "kind": "measurement",
                "title": "Fasting glucose",
                "measure": "blood_glucose",
                "targets": {"2339-0": {"low": 80, "high": 130}},
            },
            {
                "day": 0,
                "repeat": "weekly",
                "kind": "measurement",
                "title": "Weight",
                "measure": "weight",
            },
            {
                "day": 6,
                "repeat": "weekly",
                "kind": "check_in",
                "title": "Weekly check-in",
                "questions": WEEKLY_CHECK_IN,
            },
            {
                "day": 42,
                "kind": "appointment",
                "title": "HbA1c review",
                "appointment_type": "Follow-up",
                "window_days": 7,
            },
        ],
        "goals": [
            {
                "kind": "average",
                "description": "Average fasting glucose below 130 over 14 days",
                "code": "2339-0",
                "comparator": "lt",
                "value": 130,
                "window_days": 14,
            },
            {
                "kind": "count",
                "description": "One check-in a week",
                "task_kind": "check_in",
                "comparator": "ge",
                "value": 1,
                "window_days": 7,
            },
        ],
    },
]
