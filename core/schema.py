"""OpenAPI post-processing: what every paginated list answers, documented once.

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
