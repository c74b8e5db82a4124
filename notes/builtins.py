"""The note types every clinic starts with (LOINC document codes) and its starter templates.

Plain data, read by the new-clinic hook (notes.services.clinic_setup) and by the migration that
gives clinics created before the notes app the same set.
"""

# (LOINC code, name)
NOTE_TYPES = [
    ("11506-3", "Progress note"),
    ("11488-4", "Consult note"),
    ("34117-2", "History and physical"),
    ("28570-0", "Procedure note"),
    ("34746-8", "Nurse note"),
    ("34748-4", "Telephone encounter"),
    ("18842-5", "Discharge summary"),
]
PROGRESS_NOTE = "11506-3"

# (name, type code, [(section name, starter text)])
TEMPLATES = [
    (
        "SOAP",
        "11506-3",
        [
            ("Subjective", "Presenting complaint and history in the patient's words."),
            ("Objective", "Examination findings, observations, results."),
            ("Assessment", "Working diagnosis and differential."),
            ("Plan", "Investigations, treatment, advice, follow-up."),
        ],
    ),
    (
        "History and physical",
        "34117-2",
        [
            ("Chief complaint", ""),
            ("History of present illness", ""),
            ("Past medical history", ""),
            ("Medications", ""),
            ("Allergies", ""),
            ("Social history", ""),
            ("Family history", ""),
            ("Review of systems", ""),
            ("Physical examination", ""),
            ("Assessment", ""),
            ("Plan", ""),
        ],
    ),
    (
        "Telephone encounter",
        "34748-4",
        [
            ("Caller", "Who called, and their relationship to the patient."),
            ("Reason for call", ""),
            ("Advice given", ""),
            ("Follow-up", ""),
        ],
    ),
]
