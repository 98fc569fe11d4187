"""targets.yaml: loading, env resolution, and one clear error per broken rule."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from layers_conformance.core.targets import (
    Auth,
    ConfigError,
    EmbeddedReference,
    Fixtures,
    Secret,
    Target,
    TargetFlags,
    load_embedded,
    load_target,
    load_targets,
    resolve_env,
    target_from_flags,
)

PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
OTHER = "0b3f6a2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c"
KEY = "lk_live_0123456789abcdef"

ENTRY: dict[str, Any] = {
    "base_url": "https://staging.example.com/",
    "auth": {"scheme": "x-api-key", "key": "${LAYERS_API_KEY}"},
    "fixtures": {"project_id": PROJECT},
}
EXAMPLE = Path(__file__).resolve().parents[1] / "targets.example.yaml"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("LAYERS_API_KEY", KEY)
    monkeypatch.delenv("LAYERS_UNSET", raising=False)


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(
        document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    )
    return path


def entry_with(dotted: str, value: Any) -> dict[str, Any]:
    """ENTRY with one key set (or removed, for `...`) at a dotted path."""
    entry = copy.deepcopy(ENTRY)
    *parents, last = dotted.split(".")
    section = entry
    for name in parents:
        section = section[name]
    if value is ...:
        del section[last]
    else:
        section[last] = value
    return entry


def error_for(tmp_path: Path, entry: Any) -> str:
    path = write(tmp_path, {"targets": {"staging": entry}})
    with pytest.raises(ConfigError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: target 'staging': ")
    return message.removeprefix(f"{path}: target 'staging': ")


class TestLoadTargets:
    def test_minimal_entry(self, tmp_path):
        """A minimal entry loads with the key resolved, the slash stripped, optionals None."""
        target = load_targets(write(tmp_path, {"targets": {"staging": ENTRY}}))["staging"]
        assert target == Target(
            name="staging",
            base_url="https://staging.example.com",
            auth=Auth(scheme="x-api-key", key=Secret(KEY), key_without_scope=None),
            fixtures=Fixtures(PROJECT, None, None, None),
            rate_limit_rps=None,
            request_budget=None,
            timeout_s=None,
        )

    def test_full_entry(self, tmp_path, monkeypatch):
        """Every optional key is read and typed."""
        monkeypatch.setenv("LAYERS_API_KEY_NO_SCOPE", "lk_noscope")
        entry = copy.deepcopy(ENTRY)
        entry["auth"] |= {"scheme": "bearer", "key_without_scope": "${LAYERS_API_KEY_NO_SCOPE}"}
        entry["fixtures"] |= {
            "empty_project_id": OTHER,
            "foreign_project_id": OTHER.upper(),
            "archived_influencer_ids": ["inf_1", "inf_2"],
        }
        entry |= {"rate_limit_rps": 5, "request_budget": 500, "timeout_s": 2.5}
        entry |= {"waivers": "ci/waivers.yaml"}
        target = load_targets(write(tmp_path, {"targets": {"staging": entry}}))["staging"]
        assert target.waivers == tmp_path / "ci" / "waivers.yaml"  # beside the targets file
        assert target.auth.key_without_scope == Secret("lk_noscope")
        assert target.fixtures.archived_influencer_ids == ("inf_1", "inf_2")
        assert (target.rate_limit_rps, target.request_budget, target.timeout_s) == (5.0, 500, 2.5)

    def test_empty_archived_list_is_provided(self, tmp_path):
        """An empty archived list means 'none archived', distinct from not provided."""
        path = write(
            tmp_path, {"targets": {"s": entry_with("fixtures.archived_influencer_ids", [])}}
        )
        assert load_targets(path)["s"].fixtures.archived_influencer_ids == ()

    def test_example_file_loads(self, monkeypatch):
        """The documented example is valid once its variables are set."""
        for name in ("LAYERS_API_KEY_NO_SCOPE", "LAYERS_PROD_API_KEY"):
            monkeypatch.setenv(name, "lk_example")
        assert set(load_targets(EXAMPLE)) == {"staging", "production"}
        assert load_embedded(EXAMPLE, "reference-live") == EmbeddedReference(10.0, 160)


class TestKeyVariables:
    @pytest.mark.parametrize(
        ("written", "variable"),
        [("${PEER_KEY}", "PEER_KEY"), ("$PEER_KEY", "PEER_KEY"), ("k_${PEER_KEY}", None)],
    )
    def test_a_key_remembers_the_variable_it_was_read_from(
        self, tmp_path, monkeypatch, written, variable
    ):
        """A key that is one ${VAR} names it (for curl lines); a composed key names none."""
        monkeypatch.setenv("PEER_KEY", KEY)
        path = write(tmp_path, {"targets": {"s": entry_with("auth.key", written)}})
        assert load_targets(path)["s"].auth.key.variable == variable


class TestArchivedIdsFile:
    def test_ids_are_read_one_a_line_relative_to_the_targets_file(self, tmp_path):
        """Comments and blank lines are skipped; the path is the targets file's neighbour."""
        (tmp_path / "ids").mkdir()
        (tmp_path / "ids" / "archived.txt").write_text("# ids\ninf_1\n\n  inf_2  # old\n")
        entry = entry_with("fixtures.archived_influencer_ids_file", "ids/archived.txt")
        path = write(tmp_path, {"targets": {"s": entry}})
        assert load_targets(path)["s"].fixtures.archived_influencer_ids == ("inf_1", "inf_2")

    def test_the_inline_list_and_the_file_add_up(self, tmp_path):
        """Both given: the inline ids, then the file's, each once."""
        (tmp_path / "archived.txt").write_text("inf_2\ninf_3\n")
        entry = entry_with("fixtures.archived_influencer_ids_file", "archived.txt")
        entry["fixtures"]["archived_influencer_ids"] = ["inf_1", "inf_2"]
        ids = load_targets(write(tmp_path, {"targets": {"s": entry}}))["s"].fixtures
        assert ids.archived_influencer_ids == ("inf_1", "inf_2", "inf_3")

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (None, "fixtures.archived_influencer_ids_file='{path}': cannot read the file"),
            ("inf_1\ninf_2 inf_3\n", "'{path}' line 2: one id a line, got 'inf_2 inf_3'"),
        ],
    )
    def test_a_bad_file_is_one_line_naming_it(self, tmp_path, content, expected):
        """A missing file, or a line holding two ids, names the file (and the line)."""
        ids = tmp_path / "archived.txt"
        if content is not None:
            ids.write_text(content)
        entry = entry_with("fixtures.archived_influencer_ids_file", "archived.txt")
        assert expected.format(path=ids) in error_for(tmp_path, entry)


class TestTargetFromFlags:
    def test_the_options_make_a_target_with_the_keys_of_the_environment(self, monkeypatch):
        """Keys from LAYERS_API_KEY and LAYERS_API_KEY_NO_SCOPE, named for curl lines."""
        monkeypatch.setenv("LAYERS_API_KEY_NO_SCOPE", "lk_noscope")
        flags = TargetFlags("https://peer.example/", PROJECT, empty_project_id=OTHER)
        target = target_from_flags(flags, "peer")
        assert target.base_url == "https://peer.example"
        assert target.fixtures == Fixtures(PROJECT, OTHER, None, None)
        assert target.auth.key == Secret(KEY)
        assert target.auth.key.variable == "LAYERS_API_KEY"
        assert target.auth.key_without_scope is not None
        assert target.auth.key_without_scope.variable == "LAYERS_API_KEY_NO_SCOPE"

    def test_without_the_no_scope_variable_there_is_no_such_key(self, monkeypatch):
        """LAYERS_API_KEY_NO_SCOPE unset: its requirement will be skipped, not failed."""
        monkeypatch.delenv("LAYERS_API_KEY_NO_SCOPE", raising=False)
        target = target_from_flags(TargetFlags("https://peer.example", PROJECT), "peer")
        assert target.auth.key_without_scope is None

    @pytest.mark.parametrize(
        ("flags", "expected"),
        [
            (TargetFlags("https://p.example"), "--base-url needs --project-id"),
            (TargetFlags("https://p.example", "x"), "--project-id='x' must be a uuid"),
            (TargetFlags("p.example", PROJECT), "--base-url='p.example' must be an http(s) URL"),
            (
                TargetFlags("https://p.example", PROJECT, foreign_project_id="f"),
                "--foreign-project-id='f' must be a uuid",
            ),
            (
                TargetFlags("https://p.example", PROJECT, auth_scheme="basic"),
                "--auth-scheme='basic' must be one of 'x-api-key', 'bearer'",
            ),
        ],
    )
    def test_each_broken_rule_names_the_option(self, flags, expected):
        """The targets file's validators, naming the option instead of the key."""
        with pytest.raises(ConfigError) as caught:
            target_from_flags(flags, "peer")
        assert str(caught.value).startswith(f"command line: {expected}")


class TestLoadTarget:
    def test_only_the_named_target_is_resolved(self, tmp_path):
        """Another target's unset variable does not stop the one asked for."""
        other = entry_with("auth.key", "${LAYERS_UNSET}")
        path = write(tmp_path, {"targets": {"staging": ENTRY, "production": other}})
        assert load_target(path, "staging").name == "staging"

    def test_unknown_name_lists_known_and_suggests(self, tmp_path):
        """An unknown name is one line naming the known targets and the close match."""
        path = write(tmp_path, {"targets": {"staging": ENTRY, "production": ENTRY}})
        with pytest.raises(ConfigError) as caught:
            load_target(path, "stagign")
        assert str(caught.value) == (
            f"{path}: no target 'stagign' (did you mean 'staging'?); known: 'staging', 'production'"
        )


class TestResolveEnv:
    def test_substitutes(self):
        """${VAR} is replaced and $$ is a literal dollar."""
        assert resolve_env("k=${LAYERS_API_KEY} $$5", "here") == f"k={KEY} $5"

    def test_unset_variable(self):
        """An unset variable is named in the error."""
        with pytest.raises(
            ConfigError, match=r"^here: environment variable LAYERS_UNSET is not set$"
        ):
            resolve_env("${LAYERS_UNSET}", "here")

    def test_stray_dollar(self):
        """A '$' that is not a placeholder says how to write one."""
        with pytest.raises(ConfigError, match=r"write \$\$ for a '\$'"):
            resolve_env("abc$", "here")

    def test_secret_never_shows_its_value(self):
        """repr and str of a Secret hide the value."""
        assert repr(Secret(KEY)) == str(Secret(KEY)) == "Secret('***')"
        assert KEY not in repr(Auth("bearer", Secret(KEY), None))


class TestFileErrors:
    def test_missing_file(self, tmp_path):
        with pytest.raises(
            ConfigError, match=r"targets\.yaml: cannot read the file: .*No such file"
        ):
            load_targets(tmp_path / "targets.yaml")

    def test_malformed_yaml_names_the_line(self, tmp_path):
        path = write(tmp_path, "targets:\n  staging:\n    base_url: [unclosed\n")
        with pytest.raises(ConfigError, match=r"malformed YAML at line \d+: "):
            load_targets(path)

    @pytest.mark.parametrize("document", ["- a list\n", "other: 1\n", ""])
    def test_top_level_without_targets(self, tmp_path, document):
        with pytest.raises(ConfigError, match="top level must be a mapping with a 'targets' key"):
            load_targets(write(tmp_path, document))

    def test_unknown_top_level_key(self, tmp_path):
        path = write(tmp_path, {"targets": {"s": ENTRY}, "target": 1})
        with pytest.raises(ConfigError, match=r"unknown key 'target' \(did you mean 'targets'\?\)"):
            load_targets(path)

    @pytest.mark.parametrize("targets", [{}, None, ["staging"]])
    def test_targets_not_a_mapping_of_entries(self, tmp_path, targets):
        with pytest.raises(ConfigError, match="'targets' must map target names to entries"):
            load_targets(write(tmp_path, {"targets": targets}))


# Each case: the dotted key changed (`...` removes it), its new value, the expected message.
CASES = [
    ("base_ulr", "x", "unknown key 'base_ulr' (did you mean 'base_url'?)"),
    ("auth.schema", "bearer", "unknown key 'auth.schema' (did you mean 'auth.scheme'?)"),
    (
        "fixtures.project",
        PROJECT,
        "unknown key 'fixtures.project' (did you mean 'fixtures.project_id'?)",
    ),
    ("colour", "red", "unknown key 'colour'"),
    ("base_url", ..., "missing required key 'base_url'"),
    ("auth.key", ..., "missing required key 'auth.key'"),
    ("fixtures.project_id", ..., "missing required key 'fixtures.project_id'"),
    ("auth", "x-api-key", "auth must be a mapping, got 'x-api-key'"),
    ("auth.key", "${LAYERS_UNSET}", "auth.key: environment variable LAYERS_UNSET is not set"),
    (
        "base_url",
        "ftp://example.com",
        "base_url='ftp://example.com' must be an http(s) URL with a host",
    ),
    ("base_url", "https://", "base_url='https:' must be an http(s) URL with a host"),
    ("base_url", "staging.example.com", "must be an http(s) URL with a host"),
    ("base_url", "https://h.example/?a=1", "must not have a query or a fragment"),
    ("base_url", 8080, "base_url=8080 must be a string"),
    ("auth.scheme", "basic", "auth.scheme='basic' must be one of 'x-api-key', 'bearer'"),
    ("auth.key", "", "auth.key must not be empty"),
    ("auth.key_without_scope", "  ", "auth.key_without_scope must not be empty"),
    ("fixtures.project_id", "6f1c", "fixtures.project_id='6f1c' must be a uuid"),
    ("fixtures.empty_project_id", "p-1", "fixtures.empty_project_id='p-1' must be a uuid"),
    ("fixtures.foreign_project_id", 42, "fixtures.foreign_project_id=42 must be a string"),
    ("fixtures.archived_influencer_ids", "inf_1", "must be a list of non-empty strings"),
    ("fixtures.archived_influencer_ids", ["inf_1", 2], "must be a list of non-empty strings"),
    ("rate_limit_rps", 0, "rate_limit_rps=0 must be a positive number"),
    ("rate_limit_rps", "5", "rate_limit_rps='5' must be a positive number"),
    ("timeout_s", -1.5, "timeout_s=-1.5 must be a positive number"),
    ("timeout_s", True, "timeout_s=True must be a positive number"),
    ("request_budget", -10, "request_budget=-10 must be a positive integer"),
    ("request_budget", 2.5, "request_budget=2.5 must be a positive integer"),
    ("waivers", ["a.yaml"], "waivers=['a.yaml'] must be a string"),
]


@pytest.mark.parametrize(("dotted", "value", "expected"), CASES, ids=[c[2] for c in CASES])
def test_entry_error(tmp_path, dotted, value, expected):
    """Each broken rule is one line naming the file, the target, the key and the rule."""
    assert expected in error_for(tmp_path, entry_with(dotted, value))


def test_entry_not_a_mapping(tmp_path):
    assert error_for(tmp_path, "https://x") == "the entry must be a mapping, got 'https://x'"


@pytest.mark.parametrize("key", [1234567890123, "lk_live_$ecret"])
def test_rejected_key_is_not_quoted(tmp_path, key):
    """A key the rules reject is named, never echoed."""
    message = error_for(tmp_path, entry_with("auth.key", key))
    assert message.startswith("auth.key")
    assert str(key) not in message


class TestEmbeddedReference:
    """An entry `name: {reference: {live, size}}` is the embedded reference, started so."""

    def test_settings_are_read(self, tmp_path):
        document = {"targets": {"live": {"reference": {"live": 10, "size": 500}}, "s": ENTRY}}
        path = write(tmp_path, document)
        assert load_embedded(path, "live") == EmbeddedReference(live=10.0, size=500)
        assert load_embedded(path, "s") is None
        assert set(load_targets(path)) == {"s"}

    def test_an_empty_reference_entry_is_the_still_reference(self, tmp_path):
        path = write(tmp_path, {"targets": {"ref": {"reference": None}}})
        assert load_embedded(path, "ref") == EmbeddedReference(live=None, size=None)

    @pytest.mark.parametrize(
        ("entry", "expected"),
        [
            ({"reference": {"live": 0.5}}, "reference.live=0.5 must be a number of requests"),
            ({"reference": {"live": "often"}}, "reference.live='often' must be a positive"),
            ({"reference": {"size": 0}}, "reference.size=0 must be a positive integer"),
            ({"reference": {"lve": 3}}, "unknown key 'reference.lve' (did you mean"),
            ({"reference": {}, "base_url": "x"}, "unknown key 'base_url'"),
        ],
    )
    def test_a_bad_setting_is_one_line(self, tmp_path, entry, expected):
        path = write(tmp_path, {"targets": {"ref": entry}})
        with pytest.raises(ConfigError) as caught:
            load_embedded(path, "ref")
        assert str(caught.value).startswith(f"{path}: target 'ref': {expected}")
