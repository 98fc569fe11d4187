"""Exchange: a recorded request and answer, read back as JSON, excerpts and curl lines."""

from __future__ import annotations

import gc
import json
import shlex
import subprocess
import tracemalloc
from dataclasses import replace

import pytest

from layers_conformance.core.exchange import (
    SET_ASIDE_CHARS,
    Address,
    Bodies,
    Exchange,
    RawQuery,
    Stored,
    address_of,
    expand,
    expansion,
    held_exchange,
    hold,
    why_unsendable,
)
from layers_conformance.core.redaction import redact_exchange


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

    @pytest.mark.parametrize(
        ("shown", "sent"),
        [
            ("Bearer ${LAYERS_API_KEY%?}", "Bearer lk_secre"),
            ("${LAYERS_API_KEY#?}", "k_secret"),
            ("Bearer ${LAYERS_API_KEY~~}", "Bearer LK_SECRET"),
            ("${LAYERS_API_KEY} ${OTHER", "lk_secret ${OTHER"),
        ],
    )
    def test_a_form_of_the_key_is_the_shell_expansion_that_makes_it(self, shown, sent):
        """A key cut short or in another case is written as bash makes it from the key's
        variable, so the pasted line sends that very form; `expand` reads it as bash does,
        and any other `${` is escaped."""
        line = request(authorization=shown).curl()
        assert shell_words(line)[-1] == f"authorization: {sent}"
        assert expand(shown, {"LAYERS_API_KEY": "lk_secret"}.__getitem__) == sent
        assert expansion("$LAYERS_API_KEY", "%?") == "${LAYERS_API_KEY%?}"
        # the key with a character more is recorded `$LAYERS_API_KEYx`: that key and an x
        assert expand("$LAYERS_API_KEYx", {"LAYERS_API_KEY": "lk"}.__getitem__) == "lkx"
        assert expansion("lk_literal", "%?") is None

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

    def test_a_body_cut_short_says_so_above_what_arrived(self):
        """A status with a transport problem shows both: what came, and why no more did."""
        answer = Exchange("GET", "u", {}, 401, {}, '{"err', error="body cut after 5 bytes")
        assert answer.excerpt() == 'HTTP 401  (body cut after 5 bytes)\n{"err'


def answer(text: str, **fields) -> Exchange:
    return Exchange("GET", "u", {}, 200, body=text, **fields)


class TestJson:
    def test_parses_a_json_body(self):
        """A JSON body is returned parsed, and has no JSON problem."""
        assert answer('{"items": []}').json() == {"items": []}
        assert answer('{"items": []}').json_error is None

    @pytest.mark.parametrize("text", ["", "<html>oops</html>", "{items: []}", "{"])
    def test_none_for_a_non_json_body(self, text):
        """A body that is not JSON reads as None instead of raising."""
        assert answer(text).json() is None

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ('{"items": [], "x": NaN}', "NaN at byte 19 is not a JSON value"),
            ('{"é": Infinity}', "Infinity at byte 7 is not a JSON value"),  # é is 2 bytes
            ("[1, -Infinity]", "-Infinity at byte 4 is not a JSON value"),
            ('{"NaN": "NaN"}', None),  # inside strings it is only text
            ("[1,]", "invalid JSON at byte 3: Expecting value"),
            ('\ufeff{"a": 1}', None),  # a leading byte order mark, as fetch and httpx allow
            ('"\\ud800"', None),  # a lone surrogate escape is JSON (RFC 8259 §8.2)
        ],
        ids=["nan", "infinity", "minus-infinity", "in-strings", "invalid", "bom", "surrogate"],
    )
    def test_strict_json_names_the_byte(self, text, problem):
        """NaN and Infinity are not JSON (RFC 8259 §6); a problem names its byte offset."""
        assert answer(text).json_error == problem
        assert (answer(text).json() is None) == (problem is not None)

    @pytest.mark.parametrize("depth", [65, 1_000, 100_000])
    def test_nesting_is_bounded_without_recursion(self, depth):
        """Deeper than 64 levels is refused, at the byte where it goes too deep: no
        RecursionError, however deep (json itself gives up past about a thousand)."""
        text = "[" * depth + "]" * depth
        assert answer(text).json_error == "nested deeper than 64 levels at byte 64"
        assert answer("[" * 64 + "]" * 64).json_error is None

    def test_a_body_that_is_not_utf8_is_not_json(self):
        """The client says why the bytes were not UTF-8; that is the JSON problem too."""
        problem = "the body is not UTF-8: byte 0xff at byte 9"
        assert answer('{"a": "b\ufffd"}', encoding_error=problem).json_error == problem

    def test_parsed_once(self):
        """Every check reads the same body: it is parsed once, not once per check."""
        exchange = answer('{"items": []}')
        assert exchange.json() is exchange.json()


class TestRepr:
    def test_is_one_short_line_whatever_the_body(self):
        """pytest may show an exchange in a failure's locals: never its 5 MB body."""
        exchange = answer("x" * 5_000_000)
        assert repr(exchange) == "Exchange(GET u -> HTTP 200, 5,000,000 characters)"

    def test_a_long_url_is_shortened_in_descriptions(self):
        """A URL carrying a 1 MB cursor is named by its start and its length."""
        exchange = Exchange("GET", "https://h/?cursor=" + "c" * 1_000_000, {}, 200)
        assert len(exchange.describe()) < 400
        assert "more characters" in exchange.describe()


class TestWhyUnsendable:
    def test_a_value_any_url_can_carry(self):
        assert why_unsendable("https://h/x", (("cursor", "abc"), ("limit", "7"))) is None

    def test_a_lone_surrogate(self):
        """No URL can carry a lone surrogate: it has no UTF-8 form."""
        problem = why_unsendable("https://h/x", (("cursor", "ab\ud800"),))
        assert problem == (
            "the cursor holds a lone surrogate (U+D800 at character 2), which no URL can carry"
        )

    def test_a_url_longer_than_the_pages_own_client_sends(self):
        """Over 65,536 characters, httpx (the page's Python example) refuses to send."""
        problem = why_unsendable("https://h/x", (("cursor", "c" * 65_536),))
        assert problem is not None
        assert problem.startswith("the URL would be too long: 65,555 characters")


class TestAddress:
    ENDPOINT = "https://api.test/v1/projects/p1/influencers"

    def test_kept_as_parts_when_they_write_the_url(self):
        """The URL an exchange keeps as its endpoint and query reads back as sent."""
        url = f"{self.ENDPOINT}?limit=10&cursor=a%2Fb%3D"
        query = (("limit", "10"), ("cursor", "a/b="))
        address = address_of(url, query)
        assert isinstance(address, Address)
        assert (address.query, address.cursor) == ((("limit", "10"),), "a/b=")
        assert address == url
        assert url == address
        assert hash(address) == hash(url)
        assert Exchange("GET", address, {}) == Exchange("GET", url, {})
        assert Exchange("GET", address, {}).url == url

    def test_kept_as_text_when_they_do_not(self):
        """A URL its query does not write out as sent (another client's encoding, a value
        abbreviated in an unsent request) stays as its text."""
        url = f"{self.ENDPOINT}?cursor=a/b"
        assert address_of(url, (("cursor", "a/b"),)) is url
        shown = f"{self.ENDPOINT}?q=<9 characters>"
        assert address_of(shown, (("q", "x" * 9),)) is shown

    def test_raw_query_and_none(self):
        """A raw query is kept as written; a URL without one is one string for all."""
        raw = RawQuery("limit=1&limit=2")
        assert isinstance(address_of(f"{self.ENDPOINT}?limit=1&limit=2", raw), Address)
        assert address_of(self.ENDPOINT, ()) == self.ENDPOINT


class TestStored:
    """Where a body set aside on disk is: one integer for every page."""

    def test_a_body_whose_run_is_gone_is_not_read_from_another(self, tmp_path):
        ended = Bodies.in_folder(tmp_path / "a")
        stored = ended.set_aside("x" * 300)
        ended.close()
        del ended
        gc.collect()  # the run's `Bodies`, and its file, are gone
        later = Bodies.in_folder(tmp_path / "b")
        later.set_aside("y" * 300)
        with pytest.raises(LookupError, match="gone with its run"):
            stored.read()
        later.close()

    def test_its_file_place_and_lengths_read_back(self, bodies):
        for offset, size, chars in [(0, 0, 0), (7, 300, 300), (2**45, 2**31, 2**31 - 5)]:
            stored = Stored(bodies, offset, size, chars)
            assert (stored.offset, stored.size, stored.chars) == (offset, size, chars)
            assert stored.bodies is bodies
        with pytest.raises(OverflowError):
            Stored(bodies, 0, 2**32, 2**32)

    def test_the_files_of_two_runs_are_told_apart(self, tmp_path):
        first, second = Bodies.in_folder(tmp_path / "a"), Bodies.in_folder(tmp_path / "b")
        try:
            one, other = first.set_aside("x" * 300), second.set_aside("x" * 300)
            assert (one.offset, one.size) == (other.offset, other.size)
            assert one != other
            assert (one.bodies, other.bodies) == (first, second)
        finally:
            first.close()
            second.close()

    def test_few_bytes_stay_in_memory(self, bodies):
        """Memory flat in the length of a run (issue 23): a run keeps one or two for every
        page it read (its body, its items), each at an offset of a file of hundreds of
        megabytes."""
        tracemalloc.start()
        try:  # its numbers made as a run makes them: each its own int
            kept = [Stored(bodies, 2**28 + 1_000 * n, 2_000 + n, 2_000 + n) for n in range(1_000)]
            retained, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert [(s.offset, s.size, s.chars) for s in kept[:2]] == [
            (2**28, 2_000, 2_000),
            (2**28 + 1_000, 2_001, 2_001),
        ]
        assert retained < 1_000 * 85  # CPython 3.11: 73 bytes each; an object and an int: 97


class TestDescribe:
    def test_names_request_and_outcome(self):
        """One line: method, URL and status, or the transport error."""
        assert Exchange("GET", "u", {}, 500).describe() == "GET u -> HTTP 500"
        assert Exchange("GET", "u", {}, error="timed out").describe() == "GET u -> timed out"


@pytest.fixture
def bodies(tmp_path):
    kept = Bodies.in_folder(tmp_path / "run")
    yield kept
    kept.close()


class TestBodies:
    """A run's large bodies on disk, read back whole when a check reads one."""

    def test_a_large_body_is_read_back_as_it_was(self, bodies, tmp_path):
        """Its text (a lone surrogate too), its JSON, its repr and excerpt are the same; in
        memory it is empty, and the folder shows no file."""
        text = json.dumps({"items": [{"name": "Zoë \ud800"}] * 200, "nextCursor": None})
        kept = bodies.keep(answer(text, number=3))
        assert (kept.body, kept.body_text, kept.stored is not None) == ("", text, True)
        assert kept.json() == answer(text).json()
        assert kept.json() is not kept.json()  # parsed afresh: a long run keeps no pages
        assert repr(kept) == repr(answer(text, number=3))
        assert kept.excerpt() == answer(text).excerpt()
        assert list((tmp_path / "run").iterdir()) == []

    def test_many_bodies_each_keep_their_own_place(self, bodies):
        texts = [json.dumps({"items": [n] * (SET_ASIDE_CHARS // 2 + n)}) for n in range(50)]
        kept = [bodies.keep(answer(text)) for text in texts]
        assert [exchange.body_text for exchange in kept] == texts

    def test_what_stays_in_memory_of_a_body_set_aside_is_small(self, bodies):
        """Memory flat in the length of a run (issue 23): a run keeps every page it judged,
        so of each exchange kept on disk it holds where it is (`hold`): one integer, no
        object with headers and numbers."""
        headers = {"content-type": "application/json"}
        text = json.dumps({"items": ["x"] * SET_ASIDE_CHARS})
        bodies.keep(Exchange("GET", "u", headers, 200, headers, text))  # the file's buffers
        tracemalloc.start()
        try:
            held = [
                hold(bodies.keep(Exchange("GET", "u", headers, 200, headers, text)))
                for _ in range(1000)
            ]
            retained, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert held_exchange(held[-1]).body_text == text
        assert retained < 1000 * 100  # CPython 3.11: ~50 bytes each; 217 holding exchanges

    def test_a_kept_exchange_is_on_disk_whole_and_reads_back_as_it_was(self, bodies):
        """What a page or a memo holds of a kept exchange is where it is on disk; read back,
        it is the same exchange (headers, a lone surrogate, its numbers, its body), the same
        object while any holds it, and a changed copy of it claims no place on disk."""
        text = json.dumps({"items": [{"name": "Zo\u00eb"}] * 40, "nextCursor": "c\ud800"})
        asked = {"x-api-key": "$LAYERS_API_KEY"}
        given = {"date": "Mon, 07 Dec 2026 17:38:27 GMT", "x-odd": "\ud800"}
        sent = Exchange("GET", "http://h/v1?limit=7", asked, 200, given, text, 0.25, number=9)
        kept = bodies.keep(replace(sent, answered_at=11, error="cut", cut_short=True))
        held = hold(kept)
        assert isinstance(held, Stored)
        assert held_exchange(held) is kept
        read_back = held_exchange(Stored.of(int(held)))
        assert read_back == kept
        assert (read_back.url, read_back.body_text, read_back.json()) == (
            kept.url,
            text,
            json.loads(text),
        )
        assert (read_back.number, read_back.answered_at, read_back.elapsed_s) == (9, 11, 0.25)
        changed, small = replace(kept, status=500), bodies.keep(answer("{}"))
        assert hold(changed) is changed  # not what the disk holds
        assert hold(small) is small  # never on disk

    def test_a_small_body_stays_in_memory(self, bodies):
        """An error's body, or a page of a few items: kept as it is."""
        small = answer('{"error": {"code": "VALIDATION"}}')
        assert bodies.keep(small) is small

    def test_redacting_a_kept_exchange_redacts_its_body(self, bodies):
        text = '{"message": "lk_secret"}' + " " * SET_ASIDE_CHARS
        redacted = redact_exchange(bodies.keep(answer(text)), {"lk_secret": "$LAYERS_API_KEY"})
        assert "lk_secret" not in redacted.body_text
