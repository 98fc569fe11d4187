"""Redaction: one redactor, every form a server can give a key back in, and visible controls."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from layers_conformance.core.exchange import Exchange
from layers_conformance.core.redaction import (
    Redactor,
    _fold,
    _replace,
    escape_controls,
    redact,
    redact_exchange,
    redact_headers,
    secret_forms,
)

KEY = "lk_live/0123+abcdef"
SECRETS = {KEY: "$LAYERS_API_KEY", "lk_noscope": "$LAYERS_API_KEY_NO_SCOPE"}
REDACTOR = Redactor(SECRETS)


def json_escaped(text: str, every: int = 1) -> str:
    """Every `every`-th character as a \\u escape, hex digits in alternating case."""
    return "".join(
        (f"\\u{ord(c):04X}" if i % 2 else f"\\u{ord(c):04x}") if i % every == 0 else c
        for i, c in enumerate(text)
    )


def base64_at(offset: int, urlsafe: bool = False) -> str:
    """The key's base64 inside a longer value: `offset` bytes before it, two after."""
    raw = b"\x01" * offset + KEY.encode() + b"\xff\xfe"
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(raw).decode()


def base32_at(offset: int) -> str:
    """The key's base32 inside a longer value: `offset` bytes before it, two after."""
    return base64.b32encode(b"\x01" * offset + KEY.encode() + b"\xff\xfe").decode()


class TestSecretForms:
    def test_the_plain_forms(self):
        """As written, percent-encoded, hex, UTF-16 and UTF-32 (both byte orders), its base64
        at three alignments (both alphabets) and its base32 at five."""
        forms = secret_forms({KEY: "$K"})
        assert forms[KEY] == forms[quote(KEY, safe="")] == forms[KEY.encode().hex()] == "$K"
        assert forms[KEY.encode("utf-16-be").decode("latin-1")] == "$K"
        # this key's base64 has no '+' or '/': one alphabet
        assert len([form for form, place in forms.items() if place == "$K"]) == 3 + 4 + 3 + 5
        for offset in range(3):
            assert any(form in base64_at(offset) for form in forms)
        for offset in range(5):
            assert any(form in base32_at(offset) for form in forms)

    def test_a_key_cut_by_one_character_is_a_form_of_it(self):
        """The key one character short, at either end, in each of its forms, goes to the
        shell expansion that cuts it, so a curl line still says which key it was."""
        forms = secret_forms({KEY: "$K"})
        assert forms[KEY[:-1]] == forms[quote(KEY[:-1], safe="")] == "${K%?}"
        assert forms[KEY[1:]] == forms[KEY[1:].encode().hex()] == "${K#?}"
        assert secret_forms({"lk_1234": "literal"})["lk_123"] == "literal"

    def test_ignores_empty_values(self):
        """An empty value would match everywhere, so it is dropped."""
        assert secret_forms({"": "$K"}) == {}

    def test_a_short_key_keeps_only_its_raw_form(self):
        """A 2-character key's base64 is one or two characters: matched by chance everywhere."""
        assert secret_forms({"ab": "$K"}) == {"ab": "$K"}


class TestRedact:
    @pytest.mark.parametrize(
        ("form", "shown"),
        [
            (KEY.swapcase(), "$LAYERS_API_KEY"),
            (KEY.upper(), "$LAYERS_API_KEY"),
            (KEY[:-1], "${LAYERS_API_KEY%?}"),
            (KEY[1:], "${LAYERS_API_KEY#?}"),
            (KEY + "x", "$LAYERS_API_KEYx"),
            (KEY[:-1].upper(), "${LAYERS_API_KEY%?}"),
            (quote(KEY[:-1], safe=""), "${LAYERS_API_KEY%?}"),
            (base64.b64encode(KEY[:-1].encode()).decode(), "${LAYERS_API_KEY%?}"),
        ],
        ids=[
            "swapped",
            "upper",
            "cut-last",
            "cut-first",
            "extended",
            "cut-upper",
            "cut-quoted",
            "cut-base64",
        ],
    )
    def test_a_near_form_of_a_key_is_a_secret_too(self, form, shown):
        """A key in another case, one character short at either end, or one longer, is
        redacted wherever it stands, in its forms too."""
        redacted = REDACTOR.redact(f"Bearer {form}; key={form}")
        assert KEY[1:-1].lower() not in redacted.lower()
        assert shown in redacted

    def test_replaces_every_occurrence(self):
        """Every occurrence of each secret becomes its placeholder."""
        text = f"{KEY} and lk_noscope and {KEY}"
        assert (
            redact(text, SECRETS)
            == "$LAYERS_API_KEY and $LAYERS_API_KEY_NO_SCOPE and $LAYERS_API_KEY"
        )

    def test_longest_secret_first(self):
        """A key that contains another key is replaced whole."""
        assert redact("abcdef abc", {"abc": "$SHORT", "abcdef": "$LONG"}) == "$LONG $SHORT"

    def test_leaves_other_text_alone(self):
        """Text without a secret is unchanged, and so is any text when there are no secrets."""
        assert REDACTOR.redact('nothing "\\u00e9" %41 &amp; here') == (
            'nothing "\\u00e9" %41 &amp; here'
        )
        assert redact(KEY, {}) == KEY

    @pytest.mark.parametrize(
        "spelled",
        [
            json_escaped(KEY),  # every character escaped
            json_escaped(KEY, every=3),  # a mix of escapes and plain characters
            json.dumps(json_escaped(KEY))[1:-1],  # escaped twice over: \\u006c...
            quote(KEY, safe=""),
            "lk%5flive%2F0123%2babcdef",  # percent-encoding in either case, any mix
            "lk_live&#47;0123&#x2B;abcdef",  # HTML character references
            KEY.upper(),
            KEY.swapcase(),
            KEY.encode().hex(),
            KEY.encode().hex().upper(),
            KEY.encode("utf-16-le").decode("latin-1"),
            KEY.encode("utf-32-be").decode("latin-1"),
            json.dumps(KEY.encode("utf-16-le").decode("latin-1"))[1:-1],  # \u0000 between
            quote(quote(KEY, safe=""), safe=""),
            "".join(f"%25{byte:02x}" for byte in KEY.encode()),  # every byte, twice over
            base64.b32encode(KEY.encode()).decode()[: len(KEY) * 8 // 5],  # its whole characters
        ],
        ids=[
            "json",
            "json-mixed",
            "json-twice",
            "percent",
            "percent-mixed",
            "html",
            "upper",
            "swapped-case",
            "hex",
            "HEX",
            "utf-16",
            "utf-32",
            "utf-16-json",
            "percent-twice",
            "percent-twice-whole",
            "base32",
        ],
    )
    def test_a_key_spelled_with_escapes(self, spelled):
        """Any mix of escapes is decoded, matched, and replaced where it was spelled."""
        assert REDACTOR.redact(f'{{"code": "{spelled}"}}') == '{"code": "$LAYERS_API_KEY"}'

    @pytest.mark.parametrize("urlsafe", [False, True], ids=["standard", "url-safe"])
    @pytest.mark.parametrize("offset", [0, 1, 2])
    def test_a_key_in_base64_at_any_alignment(self, offset, urlsafe):
        """The key's base64 inside a longer value loses every character the key decides."""
        encoded = base64_at(offset, urlsafe)
        redacted = REDACTOR.redact(encoded)
        assert "$LAYERS_API_KEY" in redacted
        # What is left is at most the characters the neighbouring bytes share with the key.
        assert len(redacted) - len("$LAYERS_API_KEY") <= 8

    def test_base64_spelled_with_escapes(self):
        """Base64 whose '+' or '/' is percent-encoded is found in the decoded view too."""
        encoded = base64.b64encode(b"\x00" + b"lk_live/0123+abcdef?>").decode()
        assert "+" in encoded or "/" in encoded
        spelled = encoded.replace("+", "%2B").replace("/", "%2F")
        assert "$LAYERS_API_KEY" in REDACTOR.redact(spelled)

    def test_a_key_holding_a_backslash_escaped_as_json_does(self):
        """`\\\\` is a backslash, escaped: read as one (it once raised IndexError)."""
        redactor = Redactor({"ab\\cdefg": "$K"})
        assert redactor.redact('{"x": "ab\\\\cdefg", "y": "\\\\"}') == '{"x": "$K", "y": "\\\\"}'

    def test_added_secrets_are_known_from_then_on(self):
        """The run adds its keys when it knows them; the redactor before knows none."""
        redactor = Redactor()
        assert redactor.redact(KEY) == KEY
        redactor.add({KEY: "$K"})
        assert redactor.redact(json_escaped(KEY)) == "$K"
        assert repr(redactor) == "Redactor(1 secrets)"


class TestEscapeControls:
    def test_controls_bidi_and_surrogates_are_shown_as_escapes(self):
        """ANSI escapes, a carriage return, a bidi override and a lone surrogate become text;
        newlines and tabs stay."""
        text = "a\x1b[32mb\rc\u202ed\ud800e\x9bf\n\tg"
        assert escape_controls(text) == "a\\u001b[32mb\\u000dc\\u202ed\\ud800e\\u009bf\n\tg"

    def test_clean_text_is_unchanged(self):
        assert escape_controls("Zoë Müller, 日本") == "Zoë Müller, 日本"


class TestRedactHeaders:
    def test_values_redacted_names_kept(self):
        """Header names keep their case; values lose their secrets."""
        headers = [("X-Api-Key", KEY), ("Authorization", "Bearer lk_noscope")]
        assert redact_headers(headers, SECRETS) == {
            "X-Api-Key": "$LAYERS_API_KEY",
            "Authorization": "Bearer $LAYERS_API_KEY_NO_SCOPE",
        }


class TestRedactExchange:
    def test_every_stored_field(self):
        """URL, both header sets, an echoed body and the error lose the key; curl shows $VAR."""
        exchange = Exchange(
            method="GET",
            address="https://h.example/v1/projects/p/influencers?cursor=lk_live%2F0123%2Babcdef",
            request_headers={"X-Api-Key": KEY},
            status=400,
            response_headers={"x-echo": KEY},
            body=f'{{"error": {{"message": "bad key {json_escaped(KEY, 2)}"}}}}',
            error=f"connection dropped after {KEY}",
        )
        redacted = redact_exchange(exchange, SECRETS)
        for value in (redacted.url, redacted.body_text, redacted.error, redacted.curl()):
            assert "lk_live" not in value
        assert redacted.json() == {"error": {"message": "bad key $LAYERS_API_KEY"}}
        assert '-H "X-Api-Key: $LAYERS_API_KEY"' in redacted.curl()

    def test_no_error_stays_none(self):
        """An exchange without an error keeps error None."""
        exchange = Exchange(method="GET", address="https://h.example/", request_headers={})
        assert redact_exchange(exchange, SECRETS) == exchange


def _spelled(c: str) -> st.SearchStrategy[str]:
    """`c` as written or in one of the escapes a server may use."""
    code = ord(c)  # the keys here are ASCII
    spelled = (
        c,
        f"\\u{code:04x}",
        f"\\\\u{code:04X}",
        f"\\x{code:02x}",
        f"%{code:02X}",
        f"&#{code};",
        f"&#x{code:x};",
    )
    return st.sampled_from(spelled)


# Other text around a key: escapes of characters no key holds, marks, a key's characters.
NOISE = st.lists(
    st.sampled_from(
        [
            *['\\"', "%2C", "%C3%A9", "&amp;", "\\n", " ", '"', "é", "%", "&", "\\", "l", "0"],
            *[",", ":", "{", "\n", "#", ";", "u", "x"],  # characters that end a stretch, or not
        ]
    )
).map("".join)


def spelled_key(key: str) -> st.SearchStrategy[str]:
    """The key with each character written as it is or escaped, one way or another."""
    return st.tuples(*(_spelled(c) for c in key)).map("".join)


class TestTheShortCut:
    """A text with no escape of a key's character and no `\\`, `%` or `&` that a key holds
    is not decoded stretch by stretch (the whole HAR, 3 MB of `\\"`, took 0.3 s that way),
    and of one that has one, only the stretches between the hard characters around it."""

    @given(
        keys=st.sampled_from([SECRETS, {"abcdefgh": "$K"}, {"ab%c&d\\ef": "$M"}]),
        data=st.data(),
    )
    @settings(max_examples=300, deadline=None, database=None)
    def test_redacts_as_decoding_every_stretch_does(self, keys, data):
        key = data.draw(st.sampled_from(sorted(keys)))
        text = data.draw(NOISE) + data.draw(spelled_key(key)) + data.draw(NOISE)
        redactor = Redactor(keys)
        stretch = redactor._stretch
        slow = [*redactor._plain_spans(text), *redactor._escaped_spans(text, stretch)]
        assert redactor.redact(text) == _replace(text, slow)
        assert key not in redactor.redact(text)


class TestTheFold:
    """A text is searched form by form only when its lowered fold holds a lowered form: the
    fold must hold every form the case-insensitive regex would match."""

    def test_every_character_matching_an_ascii_one_folds_to_its_lower_case(self):
        everything = "".join(map(chr, range(0x110000)))
        for code in range(128):
            c = chr(code)
            for found in re.finditer(re.escape(c), everything, re.IGNORECASE):
                assert _fold(found.group()) == c.lower(), hex(ord(found.group()))

    @pytest.mark.parametrize(
        "spelled",
        ["\u212aiss_keys", "k\u0130ss_keys", "k\u0131\u017fs_keys", "KI\u017f\u017f_KEY\u017f"],
        ids=["kelvin", "dotted-capital-i", "dotless-i-long-s", "upper-long-s"],
    )
    def test_a_key_in_letters_only_the_regex_folds_is_found(self, spelled):
        redactor = Redactor({"kiss_keys": "$K"})
        assert redactor.redact(f'{{"x": "{spelled}"}}') == '{"x": "$K"}'

    def test_a_key_not_in_ascii_is_searched_for_in_every_text(self):
        redactor = Redactor({"ключ-ключ": "$K"})
        assert redactor.redact("a КЛЮЧ-ключ b") == "a $K b"
