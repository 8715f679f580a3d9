"""Schemathesis hooks for tests/fuzz/run.

`positive_data_acceptance` (ST202) assumes a request is accepted or refused on
what it says alone. A few of Wix's refusals depend on what the emulator holds
instead, so no schema can tell them from the request; the OpenAPI document
describes them in prose. Exactly those refusals are dropped here, and only
when they carry the error that says so; any other failure stands, and the run
summary counts what was dropped.
"""

import json
import re

import schemathesis

UPDATE = "PATCH /ecom/v1/checkout-templates/{id}"
DELETE_SITE = "DELETE /_emulator/sites/{siteId}"
CLOCK = "POST /_emulator/clock"
RESTORE = "PUT /_emulator/snapshot"
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
    if operation == DELETE_SITE and status == 409:
        # The fuzzed site comes from the first start, so it cannot be deleted.
        return code == "SITE_IS_CONFIGURED"
    violations = (details.get("validationError") or {}).get("fieldViolations") or []
    if operation == CLOCK and status == 400:
        # The site's clock cannot go back before what the site wrote.
        return len(violations) == 1 and violations[0].get("field") in ("set", "reset") and "cannot go back" in (
            violations[0].get("description") or ""
        )
    if operation == RESTORE and status == 400:
        # An id given twice in one list: JSON Schema cannot say "unique by a
        # nested field", so the document says it in prose.
        return bool(violations) and all("appears twice" in (v.get("description") or "") for v in violations)
    if operation == QUERY and status == 400:
        # A cursor is valid only if the emulator made it; a generated one never is.
        violations = (details.get("validationError") or {}).get("fieldViolations") or []
        return len(violations) == 1 and violations[0].get("field") == "query.cursorPaging.cursor" and violations[
            0
        ].get("description") == "is not a valid cursor"
    return False


@schemathesis.hook
def before_call(context, case, **kwargs):
    """A wait on the delivery log (waitFor) is held up to timeoutMs, 10 s by
    default: longer than the fuzzer waits for an answer. Valid waits are kept
    short here; an invalid timeoutMs is left as generated, to be refused.
    Done just before each request, so every phase's cases are covered (the
    coverage phase builds its cases without the map_* hooks)."""
    query = case.query
    if isinstance(query, dict) and "waitFor" in query:
        timeout = query.get("timeoutMs")
        if timeout is None or 500 < (_milliseconds(timeout) or 0) <= MAX_WAIT_MS:
            query["timeoutMs"] = 500


# The longest wait the delivery log accepts; a longer one is refused at once.
MAX_WAIT_MS = 60_000


def _milliseconds(value):
    """timeoutMs as the emulator reads it (Rust's u64 parse: digits, an optional
    leading +), or None. The coverage phase sends it as a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\+?[0-9]+", value):
        return int(value)
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code != "ST202":
        return True
    return not _depends_on_state(case.operation.label, response.status_code, _body(response))
