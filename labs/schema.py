"""The lab results' OpenAPI shape for both of their readers (a drf-spectacular postprocessing
hook, in SPECTACULAR_SETTINGS). A patient's own answer leaves out the clinic's working
(serializers.STAFF_ONLY_RESULT_FIELDS; a correction's reason and author), so those fields are
documented as present in every staff answer and absent from a patient's, not as required."""

from labs.serializers import STAFF_ONLY_RESULT_FIELDS

STAFF_ONLY = {
    "Result": STAFF_ONLY_RESULT_FIELDS,
    "ResultDetail": STAFF_ONLY_RESULT_FIELDS,
    "ResultRevision": ("reason", "changed_by"),
}
NOTE = "Staff only: absent from a patient's own answer."


def staff_only_fields_optional(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for name, fields in STAFF_ONLY.items():
        component = schemas.get(name)
        if component is None:
            continue
        component["required"] = [f for f in component.get("required", []) if f not in fields]
        for field in fields:
            described = component["properties"][field]
            described["description"] = f"{described.get('description', '')} {NOTE}".strip()
    return result
