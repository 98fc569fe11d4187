"""Files handed over are input too: a targets or waivers file of nested aliases, a device in
place of a file, a value of a megabyte, a history input of the wrong types. Each is one
short line and the documented exit status, quickly and in little memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from harness import run_suite

from layers_conformance.reporting.history import main as history

PROJECT = "6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"
ENTRY = (
    "    base_url: http://127.0.0.1:9\n"
    "    auth: {{scheme: x-api-key, key: '${{LAYERS_API_KEY}}'}}\n"
    "    fixtures: {{project_id: {project}{extra}}}\n"
)


def alias_bomb(levels: int = 9) -> str:
    """A flow list of a few hundred bytes whose aliases expand to 9**levels strings."""
    lists = ['&a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lists.append(f"&a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    return f"[{', '.join(lists)}]"


def targets_file(tmp_path: Path, *, extra: str = "", head: str = "") -> Path:
    entry = ENTRY.format(project=PROJECT, extra=extra)
    path = tmp_path / "targets.yaml"
    path.write_text(f"{head}targets:\n  prod:\n{entry}")
    return path


def refused(run, *words: str) -> str:
    """The one line a refused run printed, holding `words`."""
    assert run.code == 4, run.output
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1, run.output
    assert "Traceback" not in run.output
    assert all(word in lines[0] for word in words), lines[0]
    assert len(lines[0]) < 400, lines[0][:400]
    assert run.peak_rss_mb < 200, f"peaked at {run.peak_rss_mb:.0f} MB"
    return lines[0]


class TestYaml:
    def test_an_alias_bomb_in_the_targets_file(self, tmp_path):
        path = tmp_path / "targets.yaml"
        path.write_text(f"targets:\n  prod: {alias_bomb()}\n")
        assert path.stat().st_size < 600
        run = run_suite(tmp_path, f"--targets-file={path}", "--target", "prod")
        refused(run, "targets.yaml", "aliases")

    def test_an_alias_bomb_in_the_waivers_file(self, tmp_path):
        path = tmp_path / "waivers.yaml"
        path.write_text(f"waivers: [{alias_bomb()}]\n")
        run = run_suite(tmp_path, f"--waivers={path}")
        refused(run, "waivers.yaml", "aliases")

    def test_a_deep_targets_file(self, tmp_path):
        path = tmp_path / "targets.yaml"
        path.write_text("targets:\n  prod: " + "[" * 2000 + "]" * 2000 + "\n")
        run = run_suite(tmp_path, f"--targets-file={path}", "--target", "prod")
        refused(run, "targets.yaml", "nested deeper")

    def test_a_megabyte_value_is_quoted_short(self, tmp_path):
        path = tmp_path / "targets.yaml"
        path.write_text(f"targets:\n  prod: {'x' * 900_000}\n")
        run = run_suite(tmp_path, f"--targets-file={path}", "--target", "prod")
        refused(run, "targets.yaml", "must be a mapping")

    def test_a_targets_file_larger_than_the_cap(self, tmp_path):
        path = targets_file(tmp_path, head=f"# {'x' * (2 << 20)}\n")
        run = run_suite(tmp_path, f"--targets-file={path}", "--target", "prod")
        refused(run, "targets.yaml", "larger than")


class TestDevices:
    @pytest.mark.parametrize("device", ["/dev/zero", "fifo"])
    def test_an_archived_ids_file_that_is_no_file(self, tmp_path, device):
        if device == "fifo":
            device = str(tmp_path / "fifo")
            os.mkfifo(device)
        path = targets_file(tmp_path, extra=f", archived_influencer_ids_file: {device}")
        run = run_suite(tmp_path, f"--targets-file={path}", "--target", "prod")
        refused(run, "archived_influencer_ids_file", "not a regular file")

    def test_a_targets_file_that_is_a_link_to_a_device(self, tmp_path):
        (tmp_path / "targets.yaml").symlink_to("/dev/zero")
        run = run_suite(tmp_path, "--targets-file=targets.yaml", "--target", "prod")
        refused(run, "targets.yaml", "not a regular file")


def report(**changes):
    base = {
        "verdict": "pass",
        "target": "t",
        "started_at": "2026-11-07T03:00:00Z",
        "requests": 3,
        "duration_s": 1.5,
        "requirements": [{"id": "A-1", "level": "MUST", "status": "pass"}],
    }
    return json.dumps(base | changes)


class TestHistoryInputs:
    @pytest.mark.parametrize(
        ("text", "words"),
        [
            (report(requests="many"), ["requests='many'", "whole number"]),
            (report(requests=None), ["requests=None"]),
            (report(duration_s="NaN"), ["duration_s='NaN'"]),
            (report().replace("1.5", "NaN"), ["NaN at byte"]),
            (report().replace("1.5", "1e999"), ["duration_s=inf"]),
            (report(target=["a"]), ["target=['a']"]),
        ],
        ids=["requests-text", "requests-null", "duration-text", "duration-nan", "inf", "target"],
    )
    def test_a_field_of_the_wrong_type_is_one_line_exit_2(self, tmp_path, capsys, text, words):
        (tmp_path / "conformance.json").write_text(text)
        code = history([str(tmp_path / "conformance.json"), f"--output={tmp_path / 'h.html'}"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1, err
        assert all(word in err for word in words), err

    def test_a_history_input_linked_to_a_device_is_one_line(self, tmp_path, capsys):
        (tmp_path / "conformance.json").symlink_to("/dev/zero")
        code = history([str(tmp_path), f"--output={tmp_path / 'h.html'}"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "not a regular file" in err


class TestSpecDiff:
    def test_a_page_s_terminal_escapes_are_shown_as_text(self, tmp_path, capsys):
        from layers_conformance.core.specdiff import main as spec_diff

        page = tmp_path / "page.md"
        page.write_text("Title\n\nA statement \x1b[2J\x1b[1;1Hnobody quotes.\n")
        assert spec_diff([str(page)]) == 1
        out = capsys.readouterr().out
        assert "\x1b" not in out
        assert "\\u001b[2J" in out

    def test_a_page_that_is_a_device_is_one_line(self, capsys):
        from layers_conformance.core.specdiff import main as spec_diff

        assert spec_diff(["/dev/zero"]) == 4
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert "not a regular file" in err
