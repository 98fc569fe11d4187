"""Faults of the key headers: a wrong key let in because it is nearly the key (another case,
one character short), and hand-written header parsers that crash on a spelling of the header.

Each class has several instances, each shown by another form of the key (another case in
either header or only in the Bearer one, a key cut short; a doubled space, no scheme, the
header repeated), so that no single special case of the suite catches them all."""

from __future__ import annotations

from dataclasses import dataclass

from layers_conformance.reference.hooks import Fault, with_rules
from layers_conformance.reference.model import first_value


def _unpacked(value: str) -> str | None:
    # `scheme, key = value.split(" ")`: no scheme, an empty value or two spaces do not unpack.
    scheme, key = value.split(" ")
    return key if scheme.lower() == "bearer" else None


def _second_word(value: str) -> str | None:
    # `value.split()[1]`: any whitespace between; no word, or the scheme alone, is an IndexError.
    words = value.split()
    return words[1] if words[0].lower() == "bearer" else None


def _bearer_lowered(value: str) -> str | None:
    # The Bearer path lower-cases what it reads (the keys it compares with are lower-case, as
    # the reference's are): a key in another case passes there, not in X-Api-Key.
    scheme, _, key = value.partition(" ")
    return key.lstrip(" ").lower() if scheme.lower() == "bearer" else None


def _only_one(values: list[str]) -> str | None:
    # The framework hands a list where one header was expected: `values.strip()` raises.
    if len(values) > 1:
        raise TypeError("'list' object has no attribute 'strip'")
    return first_value(values)


@dataclass(frozen=True)
class KeyCaseBlind(Fault):
    """Keys are compared case-blind (`COLLATE NOCASE`): the key in another case lists."""

    name = "key_case_blind"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(key_match="case-blind")


@dataclass(frozen=True)
class BearerKeyLowered(Fault):
    """The Bearer path lower-cases the key it reads: the key in another case lists there."""

    name = "bearer_key_lowered"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(read_authorization=_bearer_lowered)


@dataclass(frozen=True)
class KeyPrefixAccepted(Fault):
    """A key is found by the stored key it starts (`LIKE key || '%'`): one cut short lists."""

    name = "key_prefix_accepted"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(key_match="prefix")


@dataclass(frozen=True)
class AuthorizationUnpacked500(Fault):
    """`scheme, key = value.split(" ")`: two spaces, no scheme or an empty value is 500."""

    name = "authorization_unpacked_500"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(read_authorization=_unpacked)


@dataclass(frozen=True)
class AuthorizationSecondWord500(Fault):
    """The key is `value.split()[1]`: an empty `Authorization`, or `Bearer` alone, is 500."""

    name = "authorization_second_word_500"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(read_authorization=_second_word)


@dataclass(frozen=True)
class RepeatedKeyHeader500(Fault):
    """An X-Api-Key header sent twice reaches the handler as a list: 500."""

    name = "repeated_key_header_500"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(read_api_key=_only_one)


ALL: tuple[Fault, ...] = (
    KeyCaseBlind(),
    BearerKeyLowered(),
    KeyPrefixAccepted(),
    AuthorizationUnpacked500(),
    AuthorizationSecondWord500(),
    RepeatedKeyHeader500(),
)
