"""The run's reports (JSON, HTML), their diff, and Allure helpers, all fed by `results`."""

from __future__ import annotations

from layers_conformance.reporting.html_report import render_html, write_html
from layers_conformance.reporting.json_report import ReportError, read_json, to_json, write_json

__all__ = ["ReportError", "read_json", "render_html", "to_json", "write_html", "write_json"]
