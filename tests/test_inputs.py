"""`core.inputs`: files read as hostile input, only regular files under a cap, YAML measured
with its aliases expanded before it is built."""

from __future__ import annotations

import os

import pytest

from layers_conformance.core.inputs import MAX_YAML_DEPTH, InputError, load_yaml, read_text


class TestReadText:
    def test_a_regular_file_under_the_cap_is_read(self, tmp_path):
        (tmp_path / "f").write_text("é")
        assert read_text(tmp_path / "f", 2) == "é"

    def test_a_file_over_the_cap_is_refused(self, tmp_path):
        (tmp_path / "f").write_text("abc")
        with pytest.raises(InputError, match="larger than 2 bytes"):
            read_text(tmp_path / "f", 2)

    @pytest.mark.parametrize("kind", ["device", "link-to-device", "fifo", "folder"])
    def test_what_is_no_regular_file_is_refused_unread(self, tmp_path, kind):
        path = tmp_path / "f"
        if kind == "device":
            path = "/dev/zero"
        elif kind == "link-to-device":
            path.symlink_to("/dev/zero")
        elif kind == "fifo":
            os.mkfifo(path)  # opened for reading without a writer: would block
        else:
            path.mkdir()
        with pytest.raises(InputError, match="not a regular file"):
            read_text(path, 1 << 20)

    def test_bytes_that_are_not_utf8_are_named(self, tmp_path):
        (tmp_path / "f").write_bytes(b"ab\xff")
        with pytest.raises(InputError, match=r"not UTF-8 text \(byte 2\)"):
            read_text(tmp_path / "f", 10)


class TestLoadYaml:
    def test_a_plain_document(self):
        assert load_yaml("a: [1, &x {b: 2}, *x]") == {"a": [1, {"b": 2}, {"b": 2}]}

    def test_aliases_that_expand_too_far_are_refused_before_they_are_built(self):
        lists = ["&a0 [1,1,1,1,1,1,1,1,1]"]
        lists += [f"&a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
        with pytest.raises(InputError, match="aliases are expanded"):
            load_yaml(f"[{', '.join(lists)}]")

    @pytest.mark.parametrize(
        "text", ["[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1), "&a [*a]", "[" * 5000]
    )
    def test_nesting_deeper_than_the_bound_is_refused(self, text):
        with pytest.raises(InputError, match="nested deeper"):
            load_yaml(text)
