"""Schemathesis hooks for tests/fuzz/run.

`positive_data_acceptance` (ST202) assumes a request is accepted or refused on
what it says alone. A few of Wix's refusals depend on what the emulator holds
instead, so no schema can tell them from the request; the OpenAPI document
describes them in prose. Exactly those refusals are dropped here, and only
when they carry the error that says so; any other failure stands, and the run
summary counts what was dropped.
"""

import json

import schemathesis

UPDATE = "PATCH /ecom/v1/checkout-templates/{id}"
QUERY = "POST /ecom/v1/checkout-templates/query"
CREATE_CHECKOUT = "POST /ecom/v1/checkout-templates/{id}/create-checkout-from-template"

# A template the update would leave without items, or an externalReference it
# would change: both are decided by the stored template.
STORED_TEMPLATE_DECIDES = {
    "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_EMPTY_ITEMS",
}
EXTERNAL_REFERENCE_PATHS = {"externalReference", "externalReference.appId", "externalReference.resourceId"}
# 428: the template is INACTIVE, or the configured catalog says no.
PRECONDITIONS = {
    "CANNOT_CREATE_CHECKOUT_FROM_INACTIVE_TEMPLATE",
    "ITEM_NOT_FOUND_IN_CATALOG",
    "INSUFFICIENT_INVENTORY",
}


def _body(response):
    try:
        return json.loads(response.content)
    except (ValueError, TypeError):
        return None


def _depends_on_state(operation, status, body):
    details = body.get("details") if isinstance(body, dict) else None
    if not isinstance(details, dict):
        return False
    app = details.get("applicationError") or {}
    code = app.get("code")
    if operation == UPDATE and status == 400:
        if code in STORED_TEMPLATE_DECIDES:
            return True
        field = (app.get("data") or {}).get("field")
        return code == "CANNOT_UPDATE_CHECKOUT_TEMPLATE_WITH_UNSUPPORTED_FIELD" and field in EXTERNAL_REFERENCE_PATHS
    if operation == CREATE_CHECKOUT and status == 428:
        return code in PRECONDITIONS
    if operation == QUERY and status == 400:
        # A cursor is valid only if the emulator made it; a generated one never is.
        violations = (details.get("validationError") or {}).get("fieldViolations") or []
        return len(violations) == 1 and violations[0].get("field") == "query.cursorPaging.cursor" and violations[
            0
        ].get("description") == "is not a valid cursor"
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code != "ST202":
        return True
    return not _depends_on_state(case.operation.label, response.status_code, _body(response))
