"""Files a user, a colleague or a partner hands over, read as the hostile input they may be.

Only a regular file is read (a FIFO, `/dev/zero` or a link to one is refused before a byte
is read), at most up to a size, and as UTF-8. YAML is composed before it is built, and
refused when its aliases would expand it past a number of nodes or a depth (a few hundred
bytes of nested aliases expand to gigabytes). Each problem is one `InputError` line; the
caller adds the file and what it expected there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_CONFIG_BYTES", "MAX_REPORT_BYTES", "InputError", "load_yaml", "read_text"]

# A targets or waivers file, a list of ids: hand-written, far below this.
MAX_CONFIG_BYTES = 1 << 20
# A report, a run's description, a HAR: written by the suite; its HAR can be tens of MB.
MAX_REPORT_BYTES = 128 << 20
# A YAML document, its aliases expanded: a targets or waivers file has a few hundred nodes.
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64


class InputError(ValueError):
    """A file that cannot be read as bounded text; the message is one line."""


def read_text(path: Path, limit: int) -> str:
    """The text of the regular file at `path`, if it holds at most `limit` bytes of UTF-8."""
    try:
        # Non-blocking: opening a FIFO nobody writes to would wait forever.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InputError("cannot read the file: not a regular file")
    with os.fdopen(descriptor, "rb") as file:
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise InputError(f"cannot read the file: {error.strerror or error}") from None
    if len(data) > limit:
        raise InputError(f"the file is larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start})") from None


def load_yaml(text: str) -> Any:
    """The value of one YAML document (the safe loader's types), refused with an InputError
    when it would expand past MAX_YAML_NODES or MAX_YAML_DEPTH; a syntax error is PyYAML's
    own `yaml.YAMLError`, which names the line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded(node, 1, {})
        return loader.construct_document(node)
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_YAML_DEPTH} levels") from None
    finally:
        loader.dispose()


def _expanded(node: yaml.Node, depth: int, known: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """The nodes and the height of `node` with its aliases expanded, each shared node
    counted once per use but walked once (so a bomb is measured, never built)."""
    if id(node) in known:
        nodes, height = known[id(node)]
    else:
        if depth > MAX_YAML_DEPTH:  # also ends an alias that holds itself
            raise InputError(f"nested deeper than {MAX_YAML_DEPTH} levels")
        children = _children(node)
        sizes = [_expanded(child, depth + 1, known) for child in children]
        nodes = 1 + sum(size for size, _ in sizes)
        height = 1 + max((child_height for _, child_height in sizes), default=0)
        known[id(node)] = nodes, height
    if nodes > MAX_YAML_NODES:
        raise InputError(f"more than {MAX_YAML_NODES} values once its aliases are expanded")
    if depth + height - 1 > MAX_YAML_DEPTH:
        raise InputError(f"nested deeper than {MAX_YAML_DEPTH} levels")
    return nodes, height


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
