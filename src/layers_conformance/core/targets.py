"""Load and validate `targets.yaml`: where the suite points, with which key and fixtures.

Every problem is a `ConfigError` whose message is one line naming the file, the target,
the value and the rule, so a run stops before its first request with something to fix.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

import yaml

from layers_conformance.core.inputs import MAX_CONFIG_BYTES, InputError, load_yaml, read_text
from layers_conformance.core.redaction import excerpt

__all__ = ["Auth", "ConfigError", "EmbeddedReference", "Fixtures", "Secret", "Target"]
__all__ += ["TargetFlags", "check_target_name", "load_embedded", "load_target", "load_targets"]
__all__ += ["resolve_env"]
__all__ += ["target_from_flags"]

SCHEMES = ("x-api-key", "bearer")
# Each section's keys: the required ones, then the optional ones.
SectionKeys = tuple[tuple[str, ...], tuple[str, ...]]
TOP_KEYS: SectionKeys = (("targets",), ())
TARGET_KEYS: SectionKeys = (
    ("base_url", "auth", "fixtures"),
    ("rate_limit_rps", "request_budget", "timeout_s", "waivers"),
)
AUTH_KEYS: SectionKeys = (("scheme", "key"), ("key_without_scope",))
FIXTURE_KEYS: SectionKeys = (
    ("project_id",),
    (
        "empty_project_id",
        "foreign_project_id",
        "archived_influencer_ids",
        "archived_influencer_ids_file",
    ),
)
# An entry that is the embedded reference, started by the run: `name: {reference: {...}}`.
EMBEDDED_KEYS: SectionKeys = (("reference",), ())
REFERENCE_KEYS: SectionKeys = ((), ("live", "size"))
KEY_VARIABLE, KEY_NO_SCOPE_VARIABLE = "LAYERS_API_KEY", "LAYERS_API_KEY_NO_SCOPE"
T = TypeVar("T")
_Check = Callable[[str, Any], T]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# A target's name names its report folder: one path segment, never `.`, `..` or an option.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
WHOLE_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


class ConfigError(Exception):
    """`targets.yaml` cannot be used as it stands; the message is one line."""


class _Invalid(ValueError):
    """One rule broken inside a target; `_target` adds the file and the target's name."""


@dataclass(frozen=True)
class Secret:
    """A credential whose value never appears in a repr, a log line or a report."""

    value: str = field(repr=False)
    # The environment variable the value was read from, when it was one `${VAR}`: curl lines
    # name it so that they work when pasted. Not part of a secret's identity.
    variable: str | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True)
class Auth:
    """How the key travels, and the keys themselves."""

    scheme: Literal["x-api-key", "bearer"]
    key: Secret
    key_without_scope: Secret | None

    def secrets(self) -> dict[str, str]:
        """Each key's value, mapped to its placeholder: the variable it was read from, so a
        pasted curl line works."""
        secrets = {self.key.value: f"${self.key.variable or KEY_VARIABLE}"}
        if self.key_without_scope is not None:
            variable = self.key_without_scope.variable or KEY_NO_SCOPE_VARIABLE
            secrets[self.key_without_scope.value] = f"${variable}"
        return secrets


@dataclass(frozen=True)
class Fixtures:
    """Known data on the target; None means not provided, so its checks are skipped."""

    project_id: str
    empty_project_id: str | None
    foreign_project_id: str | None
    archived_influencer_ids: tuple[str, ...] | None


@dataclass(frozen=True)
class Target:
    """One deployment of the endpoint under test."""

    name: str
    base_url: str
    auth: Auth
    fixtures: Fixtures
    rate_limit_rps: float | None
    request_budget: int | None
    timeout_s: float | None
    waivers: Path | None = None  # a waivers file, relative to the targets file


@dataclass(frozen=True)
class EmbeddedReference:
    """A targets entry that names no deployment but the embedded reference, as the run should
    start it: live (one change about every `live` requests) or still, of `size` influencers."""

    live: float | None
    size: int | None


@dataclass(frozen=True)
class TargetFlags:
    """A target given by command-line options instead of a targets file, values as typed;
    its keys come from LAYERS_API_KEY and (when set) LAYERS_API_KEY_NO_SCOPE."""

    base_url: str
    project_id: str | None = None
    empty_project_id: str | None = None
    foreign_project_id: str | None = None
    archived_ids_file: Path | None = None
    auth_scheme: str = "x-api-key"


def load_targets(path: Path) -> dict[str, Target]:
    """Every deployment the file names, validated, by name (entries of the embedded reference
    are read by `load_embedded`)."""
    entries = _entries(path)
    return {
        name: _target(path, name, raw) for name, raw in entries.items() if not _is_embedded(raw)
    }


def load_target(path: Path, name: str) -> Target:
    """The named target, validated; the other entries' environment variables may be unset."""
    entries = _entries(path)
    if name not in entries:
        known = ", ".join(repr(known) for known in entries)
        raise ConfigError(f"{path}: no target {name!r}{_suggest(name, entries)}; known: {known}")
    return _target(path, name, entries[name])


def check_target_name(name: object, where: str) -> str:
    """`name` if it is a safe target name (it names a folder under the report directory),
    else a ConfigError saying so; the one rule for the targets file, --target and a bundle."""
    if isinstance(name, str) and SAFE_NAME.fullmatch(name):
        return name
    raise ConfigError(
        f"{where}: target name {excerpt(name)} must be 1 to 100 letters, digits, '.', '_' or "
        "'-', starting with a letter or digit (it names the target's report folder)"
    )


def load_embedded(path: Path, name: str) -> EmbeddedReference | None:
    """The named entry's settings when it is the embedded reference (`reference:` its only
    key), else None; an unknown or invalid setting, or a file that cannot be read, is a
    ConfigError."""
    document = _read_yaml(path)
    entries = document.get("targets") if isinstance(document, dict) else None
    raw = entries.get(name) if isinstance(entries, dict) else None
    if not _is_embedded(raw):
        return None  # `load_target` says what is wrong with the file, if anything
    try:
        settings = _section(
            "reference.", _section("", raw, EMBEDDED_KEYS)["reference"] or {}, REFERENCE_KEYS
        )
        live = _optional(_positive, "reference.live", settings)
        if live is not None and live < 1:
            raise _Invalid(f"reference.live={live:g} must be a number of requests, at least 1")
        return EmbeddedReference(live, _optional(_positive_int, "reference.size", settings))
    except _Invalid as error:
        raise ConfigError(f"{path}: target {name!r}: {error}") from None


def _is_embedded(raw: Any) -> bool:
    return isinstance(raw, dict) and "reference" in raw


def target_from_flags(flags: TargetFlags, name: str) -> Target:
    """The target the command-line options describe, validated as a targets entry is."""
    values = {
        "--empty-project-id": flags.empty_project_id,
        "--foreign-project-id": flags.foreign_project_id,
        "--archived-ids-file": flags.archived_ids_file,
    }
    try:
        if flags.project_id is None:
            raise _Invalid("--base-url needs --project-id (a project the key can see)")
        return Target(
            name=name,
            base_url=_base_url("--base-url", flags.base_url),
            auth=_auth_from_environment(_one_of("--auth-scheme", flags.auth_scheme, SCHEMES)),
            fixtures=Fixtures(
                project_id=_uuid("--project-id", flags.project_id),
                empty_project_id=_optional(_uuid, "--empty-project-id", values),
                foreign_project_id=_optional(_uuid, "--foreign-project-id", values),
                archived_influencer_ids=_optional(_ids_file, "--archived-ids-file", values),
            ),
            rate_limit_rps=None,
            request_budget=None,
            timeout_s=None,
        )
    except _Invalid as error:
        raise ConfigError(f"command line: {error}") from None


def _auth_from_environment(scheme: str) -> Auth:
    without_scope = f"${{{KEY_NO_SCOPE_VARIABLE}}}" if KEY_NO_SCOPE_VARIABLE in os.environ else None
    return Auth(
        scheme=cast(Literal["x-api-key", "bearer"], scheme),
        key=_key("the key", f"${{{KEY_VARIABLE}}}"),
        key_without_scope=_optional(
            _key, "the key without scope", {"the key without scope": without_scope}
        ),
    )


def resolve_env(text: str, where: str) -> str:
    """`text` with each `${VAR}` replaced from the environment (`$$` is a literal `$`)."""
    try:
        return _substitute(text)
    except _Invalid as error:
        raise ConfigError(f"{where}: {error}") from None


def _substitute(text: str) -> str:
    try:
        return string.Template(text).substitute(os.environ)
    except KeyError as error:
        raise _Invalid(f"environment variable {error.args[0]} is not set") from None
    except ValueError:
        # The text is not quoted back: it may be a key.
        raise _Invalid("a '$' that is not a ${VAR} (write $$ for a '$')") from None


def _entries(path: Path) -> dict[str, Any]:
    document = _read_yaml(path)
    if not isinstance(document, dict) or "targets" not in document:
        raise ConfigError(f"{path}: the top level must be a mapping with a 'targets' key")
    try:
        entries = _section("", document, TOP_KEYS)["targets"]
    except _Invalid as error:
        raise ConfigError(f"{path}: {error}") from None
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(
            f"{path}: 'targets' must map target names to entries, got {excerpt(entries)}"
        )
    return {check_target_name(name, str(path)): entry for name, entry in entries.items()}


def _read_yaml(path: Path) -> Any:
    try:
        return load_yaml(read_text(path, MAX_CONFIG_BYTES))
    except InputError as error:
        raise ConfigError(f"{path}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or error
        raise ConfigError(f"{path}: malformed YAML{line}: {_one_line(problem)}") from None


def _target(path: Path, name: str, raw: Any) -> Target:
    try:
        return _build(name, raw, path.parent)
    except _Invalid as error:
        raise ConfigError(f"{path}: target {name!r}: {error}") from None


def _build(name: str, raw: Any, here: Path) -> Target:
    target = _section("", raw, TARGET_KEYS)
    return Target(
        name=name,
        base_url=_base_url("base_url", target["base_url"]),
        auth=_auth(_section("auth.", target["auth"], AUTH_KEYS)),
        fixtures=_fixtures(_section("fixtures.", target["fixtures"], FIXTURE_KEYS), here),
        rate_limit_rps=_optional(_positive, "rate_limit_rps", target),
        request_budget=_optional(_positive_int, "request_budget", target),
        timeout_s=_optional(_positive, "timeout_s", target),
        waivers=_optional(lambda n, v: here / _text(n, v), "waivers", target),
    )


def _auth(auth: dict[str, Any]) -> Auth:
    scheme = _one_of("auth.scheme", auth["auth.scheme"], SCHEMES)
    return Auth(
        scheme=cast(Literal["x-api-key", "bearer"], scheme),
        key=_key("auth.key", auth["auth.key"]),
        key_without_scope=_optional(_key, "auth.key_without_scope", auth),
    )


def _fixtures(fixtures: dict[str, Any], here: Path) -> Fixtures:
    listed = _optional(_ids, "fixtures.archived_influencer_ids", fixtures)
    name = "fixtures.archived_influencer_ids_file"
    if fixtures.get(name) is not None:  # relative to the targets file, not to where pytest runs
        fixtures = fixtures | {name: here / _text(name, fixtures[name])}
    in_file = _optional(_ids_file, name, fixtures)
    return Fixtures(
        project_id=_uuid("fixtures.project_id", fixtures["fixtures.project_id"]),
        empty_project_id=_optional(_uuid, "fixtures.empty_project_id", fixtures),
        foreign_project_id=_optional(_uuid, "fixtures.foreign_project_id", fixtures),
        archived_influencer_ids=_either(listed, in_file),
    )


def _either(
    listed: tuple[str, ...] | None, in_file: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The inline ids and the file's, in that order, each once; None when neither is given."""
    if listed is None and in_file is None:
        return None
    return tuple(dict.fromkeys((*(listed or ()), *(in_file or ()))))


def _section(prefix: str, value: Any, keys: SectionKeys) -> dict[str, Any]:
    """A mapping with only known keys and every required one, keyed by dotted name."""
    if not isinstance(value, dict):
        section = prefix.rstrip(".") or "the entry"
        raise _Invalid(f"{section} must be a mapping, got {excerpt(value)}")
    required, optional = keys
    for name in value:
        if name not in required + optional:
            hint = _suggest(str(name), required + optional, prefix)
            raise _Invalid(f"unknown key {excerpt(prefix + str(name))}{hint}")
    for name in required:
        if name not in value:
            raise _Invalid(f"missing required key {prefix + name!r}")
    return {prefix + name: item for name, item in value.items()}


def _optional(check: _Check[T], name: str, section: dict[str, Any]) -> T | None:
    value = section.get(name)
    return None if value is None else check(name, value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{name}={excerpt(value)} must be a string")
    try:
        return _substitute(value)
    except _Invalid as error:
        raise _Invalid(f"{name}: {error}") from None


def _base_url(name: str, value: Any) -> str:
    url = _text(name, value).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Invalid(f"{name}={excerpt(url)} must be an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise _Invalid(f"{name}={excerpt(url)} must not have a query or a fragment")
    return url


def _key(name: str, value: Any) -> Secret:
    if not isinstance(value, str):
        raise _Invalid(f"{name} must be a string (its value is not shown)")
    text = _text(name, value)
    if not text.strip():
        raise _Invalid(f"{name} must not be empty (is its environment variable set to ''?)")
    whole = WHOLE_VARIABLE.fullmatch(value.strip())
    return Secret(text, variable=whole.group(1) if whole else None)


def _uuid(name: str, value: Any) -> str:
    text = _text(name, value)
    if not UUID.fullmatch(text):
        raise _Invalid(f"{name}={excerpt(text)} must be a uuid (8-4-4-4-12 hex digits)")
    return text


def _ids(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise _Invalid(f"{name}={excerpt(value)} must be a list of non-empty strings")
    return tuple(_text(name, item) for item in value)


def _ids_file(name: str, value: Any) -> tuple[str, ...]:
    """One id a line; `#` starts a comment; blank lines are skipped."""
    path = Path(value)
    try:
        lines = read_text(path, MAX_CONFIG_BYTES).splitlines()
    except InputError as error:
        raise _Invalid(f"{name}={excerpt(str(path), 300)}: {error}") from None
    ids: list[str] = []
    for number, line in enumerate(lines, start=1):
        ident = line.split("#", 1)[0].strip()
        if len(ident.split()) > 1:
            where = f"{name}={excerpt(str(path), 300)} line {number}"
            raise _Invalid(f"{where}: one id a line, got {excerpt(ident)}")
        if ident:
            ids.append(ident)
    return tuple(ids)


def _one_of(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _Invalid(f"{name}={excerpt(value)} must be one of {', '.join(map(repr, allowed))}")
    return cast(str, value)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise _Invalid(f"{name}={excerpt(value)} must be a positive number")
    return float(value)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _Invalid(f"{name}={excerpt(value)} must be a positive integer")
    return value


def _suggest(name: str, known: Iterable[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {prefix + close[0]!r}?)" if close else ""


def _one_line(problem: object) -> str:
    return " ".join(str(problem).split())
