"""Replace secret values with placeholders before anything is stored: pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from urllib.parse import quote

from layers_conformance.core.exchange import Exchange

__all__ = ["redact", "redact_exchange", "redact_headers", "secret_forms"]


def secret_forms(secrets: Mapping[str, str]) -> dict[str, str]:
    """Each secret as written and as percent-encoded in a URL, mapped to its placeholder."""
    forms: dict[str, str] = {}
    for value, placeholder in secrets.items():
        if value:  # an empty value would match between every two characters
            forms[quote(value, safe="")] = placeholder
            forms[value] = placeholder
    return forms


def redact(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every secret value replaced by its placeholder."""
    forms = secret_forms(secrets)
    # Longest first, so a key that contains another key is replaced whole.
    for value in sorted(forms, key=len, reverse=True):
        text = text.replace(value, forms[value])
    return text


def redact_headers(
    headers: Iterable[tuple[str, str]], secrets: Mapping[str, str]
) -> dict[str, str]:
    """Headers as a dict, each value redacted; names are kept as given."""
    return {name: redact(value, secrets) for name, value in headers}


def redact_exchange(exchange: Exchange, secrets: Mapping[str, str]) -> Exchange:
    """The exchange with secrets replaced in its URL, headers, body and error."""
    return replace(
        exchange,
        url=redact(exchange.url, secrets),
        request_headers=redact_headers(exchange.request_headers.items(), secrets),
        response_headers=redact_headers(exchange.response_headers.items(), secrets),
        body_text=redact(exchange.body_text, secrets),
        error=None if exchange.error is None else redact(exchange.error, secrets),
    )
