"""`layers-conformance`: the command line; each subcommand lives beside what it runs."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module, one-line help); modules are imported only when their command runs,
# so `layers-conformance diff` does not pay for starting a server.
SUBCOMMANDS = {
    "run": ("layers_conformance.standalone", "run the conformance suites (pytest options)"),
    "serve": ("layers_conformance.reference.serve", "run the reference server"),
    "selftest": ("layers_conformance.selftest", "score the suite against the fault catalogue"),
    "diff": ("layers_conformance.reporting.diff", "compare two conformance.json reports"),
    "spec-diff": (
        "layers_conformance.core.specdiff",
        "compare a newly published documentation page with the catalogue",
    ),
    "history": (
        "layers_conformance.reporting.history",
        "one HTML page of many runs: over time, and across targets",
    ),
    "verify": ("layers_conformance.verify", "re-derive an evidence bundle's verdict, offline"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="layers-conformance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in SUBCOMMANDS.items():
        commands.add_parser(name, help=help_text, add_help=False)
    args, rest = parser.parse_known_args(argv)
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    status: int = module.main(rest)
    return status


if __name__ == "__main__":
    sys.exit(main())
