"""The layering of ARCHITECTURE.md holds: every import in the package is one its table allows.

The table in ARCHITECTURE.md is the rule; this test reads it, so the document and the code
cannot drift apart unnoticed.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "layers_conformance"
ROOT = "layers_conformance"
PYTEST_MODULES = {"pytest", "_pytest", "xdist", "pluggy"}
PYTEST_LAYERS = {"plugin", "verdicts"}
# Modules that talk to the network or start servers: checks judge what they are handed.
IO_MODULES = {"httpx", "uvicorn", "starlette", "socket", "urllib.request"}


def allowed_imports() -> dict[str, set[str]]:
    """Layer -> the layers it may import, read from ARCHITECTURE.md's table."""
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rules: dict[str, set[str]] = {}
    for row in re.findall(r"^\| (`.+?) \|.*\| ([a-z, ]+) \|$", text, re.MULTILINE):
        layers, allowed = re.findall(r"`(\w+)`", row[0]), {a.strip() for a in row[1].split(",")}
        for layer in layers:
            rules[layer] = allowed
    return rules


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imports_of(path: Path) -> list[str]:
    """Every module the file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def our_layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT or len(parts) < 2 or parts[1] == "__version__":
        return None
    return parts[1]


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join((ROOT, *(parts[:-1] if parts[-1] == "__init__" else parts)))


@functools.cache
def module_graph() -> dict[str, set[str]]:
    """Module -> the modules of the package it imports, at the top or inside a function."""
    modules = {module_of(path): path for path in PACKAGE.rglob("*.py")}
    return {
        module: {name for name in imports_of(path) if name in modules and name != module}
        for module, path in modules.items()
    }


def a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One chain of imports that comes back to where it started, or None."""
    done: set[str] = set()

    def walk(module: str, chain: list[str]) -> list[str] | None:
        if module in chain:
            return [*chain[chain.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            found = walk(imported, [*chain, module])
            if found:
                return found
        done.add(module)
        return None

    return next((found for module in sorted(graph) if (found := walk(module, []))), None)


def test_no_module_imports_itself_through_others():
    """No import cycle anywhere, inside a layer too: a cycle hidden in a function still ties
    two modules that cannot be understood, tested or moved apart."""
    cycle = a_cycle(module_graph())
    assert cycle is None, " -> ".join(cycle or ())


def test_the_cycle_guard_sees_a_cycle():
    """A guard that found nothing would pass everything: it finds a cycle of three, and it
    reads an import made inside a function."""
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert a_cycle({"a": {"b"}, "b": set()}) is None
    graph = module_graph()
    assert f"{ROOT}.run.replay" in graph[f"{ROOT}.run.options"]  # in `resolve_target`


def test_every_layer_is_in_the_table():
    """A new package or top-level module must be placed in ARCHITECTURE.md first."""
    assert {layer_of(p) for p in SOURCES} <= set(allowed_imports())


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path):
    """Each import of our own code goes to a layer the table allows."""
    layer, rules = layer_of(path), allowed_imports()
    allowed = rules[layer]
    if allowed == {"everything"}:
        return
    wrong = {m for m in imports_of(path) if (target := our_layer(m)) and target not in allowed}
    assert not wrong, f"{layer} may import only {sorted(allowed)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_plugin_layer_imports_pytest(path):
    """The layers below the plugin run outside pytest (commands, `verify`, benchmarks)."""
    if layer_of(path) in PYTEST_LAYERS:
        return
    used = {m.split(".")[0] for m in imports_of(path)}
    assert not used & PYTEST_MODULES


@pytest.mark.parametrize(
    "path", [p for p in SOURCES if layer_of(p) == "checks"], ids=lambda p: p.name
)
def test_checks_do_no_io(path):
    """Checks judge recorded answers; they never open a connection themselves."""
    modules = set(imports_of(path))
    assert not {m for m in modules if m in IO_MODULES or m.split(".")[0] in IO_MODULES}


def test_the_rules_are_read_from_the_document():
    """A guard that read nothing would pass everything: the table has every layer's row."""
    rules = allowed_imports()
    assert rules["core"] == {"core"}
    assert rules["checks"] == {"core", "checks"}
    assert rules["plugin"] == {"everything"}
    assert len(rules) >= 10
