"""Repository-level pytest settings, shared by the suites and the self-tests.

The conformance plugin itself is registered through the `pytest11` entry point; this file
only says how to install it when it is missing, and lends the self-tests `pytester`.
"""

import pytest

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds or installs something (tens of seconds); runs in every self-test"
    )
    if not config.pluginmanager.hasplugin("layers_conformance"):
        raise pytest.UsageError(
            "layers-conformance is not installed in this Python: "
            "run `python -m pip install -e .` in the repository first"
        )
