"""Redaction: secrets replaced by placeholders wherever an exchange stores text."""

from __future__ import annotations

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.redaction import redact, redact_exchange, redact_headers, secret_forms

KEY = "lk_live/0123+abcdef"
SECRETS = {KEY: "$LAYERS_API_KEY", "lk_noscope": "$LAYERS_API_KEY_NO_SCOPE"}


class TestSecretForms:
    def test_adds_the_percent_encoded_form(self):
        """A key as it appears in a query string is a secret too."""
        assert secret_forms({KEY: "$K"}) == {KEY: "$K", "lk_live%2F0123%2Babcdef": "$K"}

    def test_ignores_empty_values(self):
        """An empty value would match everywhere, so it is dropped."""
        assert secret_forms({"": "$K"}) == {}


class TestRedact:
    def test_replaces_every_occurrence(self):
        """Every occurrence of each secret becomes its placeholder."""
        text = f"{KEY} and lk_noscope and {KEY}"
        assert (
            redact(text, SECRETS)
            == "$LAYERS_API_KEY and $LAYERS_API_KEY_NO_SCOPE and $LAYERS_API_KEY"
        )

    def test_longest_secret_first(self):
        """A key that contains another key is replaced whole."""
        assert redact("abcdef abc", {"abc": "$SHORT", "abcdef": "$LONG"}) == "$LONG $SHORT"

    def test_leaves_other_text_alone(self):
        """Text without a secret is unchanged, and so is any text when there are no secrets."""
        assert redact("nothing here", SECRETS) == "nothing here"
        assert redact(KEY, {}) == KEY


class TestRedactHeaders:
    def test_values_redacted_names_kept(self):
        """Header names keep their case; values lose their secrets."""
        headers = [("X-Api-Key", KEY), ("Authorization", "Bearer lk_noscope")]
        assert redact_headers(headers, SECRETS) == {
            "X-Api-Key": "$LAYERS_API_KEY",
            "Authorization": "Bearer $LAYERS_API_KEY_NO_SCOPE",
        }


class TestRedactExchange:
    def test_every_stored_field(self):
        """URL, both header sets, an echoed body and the error lose the key; curl shows $VAR."""
        exchange = Exchange(
            method="GET",
            url="https://h.example/v1/projects/p/influencers?cursor=lk_live%2F0123%2Babcdef",
            request_headers={"X-Api-Key": KEY},
            status=400,
            response_headers={"x-echo": KEY},
            body_text=f'{{"error": {{"message": "bad key {KEY}"}}}}',
            error=f"connection dropped after {KEY}",
        )
        redacted = redact_exchange(exchange, SECRETS)
        assert KEY not in repr(redacted)
        assert "lk_live%2F0123%2Babcdef" not in repr(redacted)
        assert redacted.json() == {"error": {"message": "bad key $LAYERS_API_KEY"}}
        assert '-H "X-Api-Key: $LAYERS_API_KEY"' in redacted.curl()

    def test_no_error_stays_none(self):
        """An exchange without an error keeps error None."""
        exchange = Exchange(method="GET", url="https://h.example/", request_headers={})
        assert redact_exchange(exchange, SECRETS) == exchange
