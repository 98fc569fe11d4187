"""Faults of access: keys, scope, project visibility and cursor trust."""

from __future__ import annotations

from dataclasses import dataclass

from layers_conformance.reference.cursor import UnsignedCodec
from layers_conformance.reference.hooks import Fault, with_rules


def _is_empty(key: str | None) -> bool:
    return key == ""


def _is_present(key: str | None) -> bool:
    return key is not None


def _is_absent(key: str | None) -> bool:
    return key is None


@dataclass(frozen=True)
class MissingKeyAllowed(Fault):
    """A request without a key is served as the org's service account."""

    name = "missing_key_allowed"
    breaks = ("AUTH-MISSING-001",)
    # The request without a key gets a page: the error sample the error checks read is that
    # page. An empty `Authorization:` carries no key either, so the key header's near miss
    # "empty value" is served too.
    also = ("ERR-ENVELOPE-001", "ERR-REQID-PREFIX-001", "AUTH-INVALID-001")
    knobs = with_rules(trusted_key=_is_absent)


@dataclass(frozen=True)
class EmptyKeyAccepted(Fault):
    """An empty key skips validation and is served as the service account."""

    name = "empty_key_accepted"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(trusted_key=_is_empty)


@dataclass(frozen=True)
class AnyKeyAccepted(Fault):
    """Any key at all is accepted: only its presence is checked."""

    name = "any_key_accepted"
    breaks = ("AUTH-INVALID-001",)
    knobs = with_rules(trusted_key=_is_present)


@dataclass(frozen=True)
class ScopeNotEnforced(Fault):
    """Keys without `influencers:write` are served."""

    name = "scope_not_enforced"
    breaks = ("AUTH-SCOPE-001",)
    # The key without scope gets a page: the error sample the error checks read is that page.
    also = ("ERR-ENVELOPE-001", "ERR-REQID-PREFIX-001")
    knobs = with_rules(required_scope=None)


@dataclass(frozen=True)
class BearerNotSupported(Fault):
    """Only `X-Api-Key` is read; `Authorization: Bearer` is ignored."""

    name = "bearer_not_supported"
    breaks = ("AUTH-BEARER-001",)
    # Cases that send the key as Bearer to another org's project get UNAUTHENTICATED too.
    also = ("PROJ-FOREIGN-001",)
    knobs = with_rules(schemes=("x-api-key",))


@dataclass(frozen=True)
class ForeignProjectVisible(Fault):
    """The project's org is never compared with the key's."""

    name = "foreign_project_visible"
    breaks = ("PROJ-FOREIGN-001",)
    knobs = with_rules(foreign_project="visible")


@dataclass(frozen=True)
class ForeignProjectForbiddenScope(Fault):
    """Another org's project answers 403 FORBIDDEN_SCOPE, revealing that it exists."""

    name = "foreign_project_forbidden_scope"
    breaks = ("PROJ-FOREIGN-001",)
    # Another org's project answers FORBIDDEN_SCOPE whatever the query: with our cursor too.
    also = ("PROJ-FOREIGN-CURSOR-001",)
    knobs = with_rules(foreign_project="forbidden")


@dataclass(frozen=True)
class UnknownProjectEmptyPage(Fault):
    """An unknown project answers an empty page instead of NOT_FOUND."""

    name = "unknown_project_empty_page"
    breaks = ("PROJ-UNKNOWN-001",)
    # An unknown project gets a page: the error sample the error checks read is that page.
    # Another org's project and a malformed id are unknown to it too: the same empty page.
    also = ("ERR-ENVELOPE-001", "ERR-REQID-PREFIX-001", "PROJ-FOREIGN-001", "PROJ-MALFORMED-001")
    knobs = with_rules(unknown_project="empty")


@dataclass(frozen=True)
class MalformedProjectId500(Fault):
    """A project id that is not a uuid crashes the uuid cast: 500."""

    name = "malformed_project_id_500"
    breaks = ("PROJ-MALFORMED-001",)
    # Near misses of a project id, another org's or an unknown one, are malformed to it too:
    # the same 500.
    also = ("PROJ-FOREIGN-001", "PROJ-UNKNOWN-001")
    knobs = with_rules(malformed_project="crash")


@dataclass(frozen=True)
class CursorOverridesPathProject(Fault):
    """A cursor's project wins over the path's: another org's URL plus our cursor lists ours."""

    name = "cursor_overrides_path_project"
    breaks = ("PROJ-FOREIGN-CURSOR-001",)
    # With a cursor, whatever project the path names lists the cursor's: the query space's
    # unknown, malformed and sibling projects too.
    also = ("PROJ-MALFORMED-001", "PROJ-SCOPE-001", "PROJ-UNKNOWN-001")
    knobs = with_rules(project_from_cursor="always")


@dataclass(frozen=True)
class GarbageCursorRestarts(Fault):
    """A cursor that does not decode is ignored: the first page comes back."""

    name = "garbage_cursor_restarts"
    breaks = ("CURSOR-INVALID-001",)
    # An edited cursor is garbage to it too: the first page again.
    # The query space's cases with a spoiled cursor, and a cursor's near misses, get the
    # first page too.
    also = ("CURSOR-TAMPER-001", "QUERY-VALIDATION-001", "QUERY-STRICT-001")
    knobs = with_rules(bad_cursor="restart")


@dataclass(frozen=True)
class GarbageCursor500(Fault):
    """A cursor that does not decode crashes the handler: 500."""

    name = "garbage_cursor_500"
    breaks = ("CURSOR-INVALID-001",)
    # An edited cursor is garbage to it too: the same 500.
    # The query space's cases with a spoiled cursor, and a cursor's near misses, get the 500
    # too.
    also = ("CURSOR-TAMPER-001", "QUERY-VALIDATION-001", "QUERY-STRICT-001")
    knobs = with_rules(bad_cursor="crash")


@dataclass(frozen=True)
class UnsignedCursor(Fault):
    """Cursors are unsigned base64 JSON: an edited one is trusted if it still decodes."""

    name = "unsigned_cursor"
    breaks = ("CURSOR-TAMPER-001",)
    knobs = with_rules(codec=UnsignedCodec)


ALL: tuple[Fault, ...] = (
    MissingKeyAllowed(),
    EmptyKeyAccepted(),
    AnyKeyAccepted(),
    ScopeNotEnforced(),
    BearerNotSupported(),
    ForeignProjectVisible(),
    ForeignProjectForbiddenScope(),
    UnknownProjectEmptyPage(),
    MalformedProjectId500(),
    CursorOverridesPathProject(),
    GarbageCursorRestarts(),
    GarbageCursor500(),
    UnsignedCursor(),
)
