"""OpenAPI post-processing: what every paginated list answers, documented once; the fields some
readers' answers leave out, documented as such.

`?page=` and `?page_size=` are checked by core.api.page_params: a value that is not a whole
number from 1 is a 400, a page past the last a 404. Each list operation documents both here, so
no view has to remember them (the contract test, tests/test_schema_contract.py, holds them to it).
"""

ERROR_REF = {"$ref": "#/components/schemas/Error"}
PAGE_ERRORS = {
    "400": "`page` or `page_size` is not a whole number from 1 (or another filter is invalid).",
    "404": "The page is past the last one.",
}


def document_page_errors(result, generator, request, public):
    """A drf-spectacular postprocessing hook: 400 and 404 on every operation with `?page=`."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            names = {
                p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"
            }
            if "page" not in names:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in PAGE_ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "content": {"application/json": {"schema": ERROR_REF}},
                        "description": description,
                    },
                )
    return result


# Fields a patient's own answer leaves out (the clinic's working: who reviewed, from where, the
# staff's wording): component name -> fields. Each app names its own beside the serializer that
# leaves them out (`staff_only`); the schema lists them for staff, not as required.
STAFF_ONLY: dict[str, tuple[str, ...]] = {}
STAFF_ONLY_NOTE = "Staff only: absent from a patient's own answer."


def staff_only(component: str, fields) -> None:
    STAFF_ONLY[component] = tuple(fields)


def staff_only_fields_optional(result, generator, request, public):
    """A drf-spectacular postprocessing hook: STAFF_ONLY's fields not required, and said so."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, fields in STAFF_ONLY.items():
        component = schemas.get(name)
        if component is None:
            continue
        component["required"] = [f for f in component.get("required", []) if f not in fields]
        for field in fields:
            described = component.get("properties", {}).get(field)
            if described is not None:
                text = f"{described.get('description', '')} {STAFF_ONLY_NOTE}"
                described["description"] = text.strip()
    return result
