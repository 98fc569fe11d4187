"""Authentication and scope: who may list a project's influencers."""

import pytest

from layers_conformance.checks.params import UNKNOWN_KEY
from layers_conformance.checks.shapes import answers_error, answers_page
from layers_conformance.checks.violations import expect
from layers_conformance.plugin import smoke_params


@pytest.mark.smoke
@pytest.mark.requirement("AUTH-MISSING-001")
def test_a_request_without_key_is_unauthenticated(conformance):
    """No key at all is UNAUTHENTICATED."""
    answer = conformance.get(credentials=conformance.no_credentials)
    expect(answers_error(answer, {"UNAUTHENTICATED"}))


@pytest.mark.requirement("AUTH-INVALID-001")
@pytest.mark.parametrize("scheme", ["configured", "other"])
@pytest.mark.parametrize("bad_key", smoke_params(["unknown", "empty", "extended"], {"unknown"}))
def test_an_invalid_key_is_unauthenticated(conformance, scheme, bad_key):
    """An unknown, empty or extended key is UNAUTHENTICATED, whichever way it travels."""
    keys = conformance.keys
    key = {"unknown": UNKNOWN_KEY, "empty": "", "extended": keys.extended}[bad_key]
    answer = conformance.get(credentials=keys.sent_as(scheme, key))
    expect(answers_error(answer, {"UNAUTHENTICATED"}))


@pytest.mark.requirement("AUTH-BEARER-001")
def test_a_bearer_key_is_accepted(conformance):
    """The key is accepted as `Authorization: Bearer`."""
    expect(answers_page(conformance.get(credentials=conformance.keys.sent_as("bearer"))))


@pytest.mark.requirement("AUTH-APIKEY-001")
def test_an_x_api_key_header_is_accepted(conformance):
    """The key is accepted in an `X-Api-Key` header."""
    expect(answers_page(conformance.get(credentials=conformance.keys.sent_as("x-api-key"))))


@pytest.mark.requirement("AUTH-SCOPE-001")
def test_a_key_without_scope_is_forbidden(conformance):
    """A key lacking influencers:write is FORBIDDEN_SCOPE."""
    answer = conformance.get(credentials=conformance.keys.without_scope)
    expect(answers_error(answer, {"FORBIDDEN_SCOPE"}))
