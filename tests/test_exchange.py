"""Exchange: a recorded request and answer, read back as JSON, excerpts and curl lines."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from layers_conformance.core.exchange import Exchange


def shell_words(line):
    """The words bash passes to the command of `line`, with LAYERS_API_KEY=lk_secret."""
    script = line.replace("curl", "printf '%s\\n'", 1)
    env = {"LAYERS_API_KEY": "lk_secret", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def request(url="https://api.test/v1/projects/p1/influencers?limit=25", **headers):
    return Exchange("GET", url, headers or {"x-api-key": "$LAYERS_API_KEY"})


class TestCurl:
    def test_quotes_the_url(self):
        """The URL is one shell word, so `&` and `?` reach curl unharmed."""
        url = "https://api.test/v1/projects/p1/influencers?limit=2&status=ready"
        line = request(url).curl()
        assert f"'{url}'" in line
        assert shlex.split(line)[3] == url

    def test_the_key_placeholder_stays_expandable(self):
        """`$LAYERS_API_KEY` sits inside double quotes, so the pasting shell expands it."""
        line = request().curl()
        assert line.endswith('-H "x-api-key: $LAYERS_API_KEY"')

    def test_bearer_header_keeps_the_placeholder_expandable(self):
        """A Bearer header holding the placeholder is double-quoted too."""
        line = request(authorization="Bearer $LAYERS_API_KEY").curl()
        assert '-H "authorization: Bearer $LAYERS_API_KEY"' in line

    def test_any_variable_a_key_came_from_stays_expandable(self):
        """A key read from `${PEER_KEY}` is `$PEER_KEY`: double-quoted, expanded when pasted;
        a lone `$` beside it is escaped, so nothing else expands."""
        line = request(**{"x-api-key": "$PEER_KEY", "x-note": "$5 $PEER_KEY"}).curl()
        assert '-H "x-api-key: $PEER_KEY"' in line
        words = shell_words(line.replace("PEER_KEY", "LAYERS_API_KEY"))
        assert words[-3:] == ["x-api-key: lk_secret", "-H", "x-note: $5 lk_secret"]

    def test_escapes_quotes_backslashes_and_backticks_next_to_the_key(self):
        """Characters special inside double quotes are escaped, so the line stays one word."""
        header = {"x-note": 'say "hi" \\ `id` $LAYERS_API_KEY'}
        line = Exchange("GET", "https://api.test/", header).curl()
        assert line.endswith('-H "x-note: say \\"hi\\" \\\\ \\`id\\` $LAYERS_API_KEY"')
        assert shell_words(line)[-1] == 'x-note: say "hi" \\ `id` lk_secret'

    def test_a_shell_reads_back_the_request_with_the_key(self):
        """Pasted into bash, the line is curl's words with the key from the environment."""
        line = request("https://api.test/p?a=1&b=$x").curl()
        assert shell_words(line) == [
            "-sS",
            "-i",
            "https://api.test/p?a=1&b=$x",
            "-H",
            "x-api-key: lk_secret",
        ]

    def test_other_headers_are_single_quoted(self):
        """A header without the placeholder is quoted so the shell expands nothing in it."""
        line = request(accept="application/json", **{"x-odd": "it's $HOME"}).curl()
        assert "-H 'accept: application/json'" in line
        assert shlex.split(line)[-1] == "x-odd: it's $HOME"

    def test_starts_as_a_plain_curl(self):
        """The line is curl, silent but showing errors, printing the response headers."""
        assert request().curl().startswith("curl -sS -i ")


class TestExcerpt:
    def test_truncates_a_long_body(self):
        """A body over the limit is cut there and marked with an ellipsis."""
        answer = Exchange("GET", "u", {}, 200, {"content-type": "text/plain"}, "x" * 50)
        assert answer.excerpt(limit=10) == "HTTP 200 text/plain\n" + "x" * 10 + "…"

    def test_keeps_a_short_body_whole(self):
        """A body within the limit is shown as it is."""
        answer = Exchange("GET", "u", {}, 404, {}, '{"error": {}}')
        assert answer.excerpt(limit=13) == 'HTTP 404 \n{"error": {}}'

    def test_says_when_there_was_no_response(self):
        """A transport error is shown instead of a status line."""
        answer = Exchange("GET", "u", {}, error="connection refused")
        assert answer.excerpt() == "no response: connection refused"


class TestJson:
    def test_parses_a_json_body(self):
        """A JSON body is returned parsed."""
        assert Exchange("GET", "u", {}, 200, body_text='{"items": []}').json() == {"items": []}

    @pytest.mark.parametrize("text", ["", "<html>oops</html>", "{items: []}", "{"])
    def test_none_for_a_non_json_body(self, text):
        """A body that is not JSON reads as None instead of raising."""
        assert Exchange("GET", "u", {}, 200, body_text=text).json() is None


class TestDescribe:
    def test_names_request_and_outcome(self):
        """One line: method, URL and status, or the transport error."""
        assert Exchange("GET", "u", {}, 500).describe() == "GET u -> HTTP 500"
        assert Exchange("GET", "u", {}, error="timed out").describe() == "GET u -> timed out"
