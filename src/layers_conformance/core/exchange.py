"""One recorded HTTP exchange: what was asked, what came back, and how to ask it again.

Everything here is already redacted: an `Exchange` never holds an API key, so any report
or message built from it is safe to write anywhere.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

KEY_PLACEHOLDER = "$LAYERS_API_KEY"  # a key's placeholder when its variable is not known
PLACEHOLDER = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")  # `$NAME`: a key, redacted
LONE_DOLLAR = re.compile(r"\$(?![A-Za-z_])")
BODY_EXCERPT_CHARS = 2_000


@dataclass(frozen=True)
class Exchange:
    """A request and its response (or the transport error that replaced it)."""

    method: str
    url: str
    request_headers: dict[str, str]
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body_text: str = ""
    elapsed_s: float = 0.0
    error: str | None = None
    # The answer stopped before its end (a timeout, a dropped connection): what came is no
    # statement of the server's, so it is no evidence either way.
    cut_short: bool = False

    @property
    def answered(self) -> bool:
        """The server sent a status line and a whole body (possibly one too large to keep)."""
        return self.status is not None and not self.cut_short

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    def json(self) -> Any:
        """The parsed body, or None when the body is not JSON."""
        try:
            return json.loads(self.body_text)
        except ValueError:
            return None

    def curl(self) -> str:
        """A shell line that repeats the request, with the key as its variable (`$NAME`)."""
        parts = ["curl", "-sS", "-i", shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            parts += ["-H", _quote_header(f"{name}: {value}")]
        return " ".join(parts)

    def excerpt(self, limit: int = BODY_EXCERPT_CHARS) -> str:
        """The response as a person reads it: status line and the start of the body."""
        if self.error is not None:
            return f"no response: {self.error}"
        body = self.body_text if len(self.body_text) <= limit else self.body_text[:limit] + "…"
        return f"HTTP {self.status} {self.content_type}\n{body}"

    def describe(self) -> str:
        """One line naming the request and its outcome, for failure messages."""
        outcome = self.error if self.error is not None else f"HTTP {self.status}"
        return f"{self.method} {self.url} -> {outcome}"


def _quote_header(header: str) -> str:
    # Double quotes keep a key's `$NAME` expandable by the shell that pastes the line; any
    # other `$` is escaped, so that nothing else is expanded.
    if PLACEHOLDER.search(header):
        escaped = header.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        escaped = LONE_DOLLAR.sub(r"\\$", escaped)
        return f'"{escaped}"'
    return shlex.quote(header)
