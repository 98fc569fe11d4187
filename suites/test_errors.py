"""The error model: one envelope for every documented code."""

import pytest

from layers_conformance.checks import shapes
from layers_conformance.checks.violations import expect, inconclusive


@pytest.mark.smoke
@pytest.mark.requirement("ERR-ENVELOPE-001")
def test_errors_share_the_documented_envelope(conformance):
    """Each error is {"error": {"code", "message", "requestId"}} with a documented code."""
    samples = conformance.error_samples().values()
    expect([v for exchange in samples for v in shapes.error_envelope(exchange)])


@pytest.mark.requirement("ERR-REQID-PREFIX-001")
def test_request_ids_start_with_req(conformance):
    """Each error's requestId starts with req_."""
    samples = conformance.error_samples().values()
    expect([v for exchange in samples for v in shapes.request_id_prefixed(exchange)])


@pytest.mark.requirement("ERR-STATUS-001")
def test_error_codes_come_with_their_conventional_status(conformance):
    """UNAUTHENTICATED 401, FORBIDDEN_SCOPE 403, VALIDATION 400 or 422."""
    samples = conformance.error_samples().values()
    readable = [e for e in samples if shapes.error_field(e, "code") in shapes.ERROR_CODES]
    if not readable:
        # A pass needs evidence: a documented code to hold its status against.
        inconclusive("no error answer carried a readable documented code")
    expect([v for exchange in readable for v in shapes.conventional_status(exchange)])
