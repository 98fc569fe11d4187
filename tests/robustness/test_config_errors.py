"""A bad configuration stops the run before its first request: exit 4 and one line that
names the file, the target and the problem, never a traceback."""

from __future__ import annotations

import os

import pytest
from harness import run_suite, suite_env

GOOD = {
    "base_url": "http://127.0.0.1:9",
    "scheme": "x-api-key",
    "key": "${LAYERS_API_KEY}",
    "project_id": "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11",
    "extra": "",
}
ENTRY = """targets:
  prod:
    base_url: {base_url}
    auth:
      scheme: {scheme}
      key: "{key}"
    fixtures:
      project_id: "{project_id}"
{extra}"""


def entry(**changes: str) -> str:
    return ENTRY.format(**(GOOD | changes))


# (id, targets file text or None for no file, extra options, words the line must hold)
CASES = [
    ("malformed-yaml", "targets:\n  prod: [\n", (), ["targets.yaml", "malformed YAML"]),
    ("unknown-target", entry(), ("--target", "staging"), ["targets.yaml", "'staging'", "prod"]),
    (
        "unknown-key",
        entry(extra="    rate_limit_rsp: 5\n"),
        (),
        ["targets.yaml", "'prod'", "unknown key 'rate_limit_rsp'", "rate_limit_rps"],
    ),
    (
        "missing-key",
        entry().split("    fixtures:")[0],
        (),
        ["targets.yaml", "'prod'", "missing required key 'fixtures'"],
    ),
    (
        "unset-variable",
        entry(key="${LC_UNSET_VARIABLE_FOR_TEST}"),
        (),
        ["targets.yaml", "'prod'", "LC_UNSET_VARIABLE_FOR_TEST", "not set"],
    ),
    (
        "base-url-not-http",
        entry(base_url="ftp://example.com"),
        (),
        ["targets.yaml", "'prod'", "base_url", "http"],
    ),
    (
        "project-id-not-uuid",
        entry(project_id="project-1"),
        (),
        ["targets.yaml", "'prod'", "project_id", "uuid"],
    ),
    (
        "negative-budget",
        entry(extra="    request_budget: -5\n"),
        (),
        ["targets.yaml", "'prod'", "request_budget", "positive"],
    ),
    ("no-such-file", None, (), ["targets.yaml", "cannot read"]),
    ("bogus-profile", entry(), ("--profile", "bogus"), ["--profile", "bogus"]),
    ("unknown-fault", None, ("--reference-fault", "nope"), ["--reference-fault", "'nope'"]),
    ("negative-rate-limit", entry(), ("--rate-limit", "-1"), ["--rate-limit", "positive"]),
]


@pytest.mark.parametrize(
    ("text", "options", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_configuration_is_a_usage_error_in_one_line(tmp_path, text, options, words):
    """Exit status 4, one stderr line holding `words`, no traceback, no report."""
    path = tmp_path / "targets.yaml"
    if text is not None:
        path.write_text(text)
    target = () if "--reference-fault" in options else ("--targets-file", str(path))
    if "--target" not in options and target:
        target += ("--target", "prod")
    env = {k: v for k, v in suite_env().items() if k != "LC_UNSET_VARIABLE_FOR_TEST"}
    run = run_suite(tmp_path, *target, *options, env=env, timeout=60)
    assert run.code == 4, run.explain()
    assert "Traceback" not in run.output
    lines = [line for line in run.stderr.splitlines() if all(w in line for w in words)]
    assert len(lines) == 1, run.stderr
    assert not (tmp_path / "reports").exists()
    assert "LC_UNSET_VARIABLE_FOR_TEST" not in os.environ
