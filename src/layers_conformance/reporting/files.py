"""The names of the files a run writes in its report folder (`reports/<target>/`), in one
place: the writers, the terminal's summary, `verify` and the bundle all read them here."""

from __future__ import annotations

__all__ = ["ALLURE_DIR", "BUNDLE_FILE", "HAR_FILE", "HTML_FILE", "JUNIT_FILE", "REPORT_FILE"]
__all__ += ["RUN_FILE"]

REPORT_FILE = "conformance.json"  # the verdicts (`reporting/json_report.py`)
HTML_FILE = "index.html"  # the same for people (`reporting/html_report.py`)
HAR_FILE = "exchanges.har"  # every exchange (`reporting/har.py`)
JUNIT_FILE = "junit.xml"  # written by pytest, swept by `reporting/sweep.py`
ALLURE_DIR = "allure-results"  # written by allure-pytest when installed, swept too
BUNDLE_FILE = "evidence.zip"  # a certification's evidence (`reporting/bundle.py`)
RUN_FILE = "run.json"  # inside the bundle: what a replay needs (`run/replay.py`)
