"""Secrets in the forms a server or a proxy may echo beyond escapes and base64: another case,
hex, UTF-16 and UTF-32, percent-encoded twice, base32, one character short; and the proxy's
own credentials.

Each echo server sends one form of the key it received into an item, an error code and a
header; the run's output and every file it wrote are searched for that very form (its
middle, in either case, in the decoded views `test_secrets.py` reads).
"""

from __future__ import annotations

import base64
import json

import pytest
from harness import KEY, Run, Seen, respond, run_suite, suite_env
from test_proxy import PROXY_SECRET, forward_proxy
from test_secrets import decoded_views

ENCODINGS = {
    "upper": lambda raw: raw.decode().upper(),
    "swapped-case": lambda raw: raw.decode().swapcase(),
    "hex": lambda raw: raw.hex(),
    "HEX": lambda raw: raw.hex().upper(),
    "utf-16": lambda raw: raw.decode().encode("utf-16-le").decode("latin-1"),
    "utf-16-be": lambda raw: raw.decode().encode("utf-16-be").decode("latin-1"),
    "utf-32": lambda raw: raw.decode().encode("utf-32-le").decode("latin-1"),
    "double-percent": lambda raw: "".join(f"%25{byte:02X}" for byte in raw),
    "base32": lambda raw: base64.b32encode(raw).decode(),
    "base32-offset": lambda raw: base64.b32encode(b"xy" + raw).decode(),
    # A key one character short (at either end, in another case too) is as secret as the key.
    "cut-last": lambda raw: raw.decode()[:-1],
    "cut-first": lambda raw: raw.decode()[1:],
    "cut-last-swapped": lambda raw: raw.decode()[:-1].swapcase(),
    "cut-last-base64": lambda raw: base64.b64encode(raw[:-1]).decode(),
}


def echo_as(encode):
    def answer(number: int, seen: Seen):
        key = seen.headers.get("x-api-key") or seen.headers.get("authorization", "none")
        form = encode(key.removeprefix("Bearer ").encode())
        header = {"x-echo": form} if form.isprintable() else {}
        if "cursor=" in seen.query or number % 2:
            return respond(400, {"error": {"code": form, "message": form}}, header)
        item = {"influencerId": form, "name": form, "status": "active"}
        return respond(200, {"items": [item], "nextCursor": form}, header)

    return answer


def leaked(run: Run, forms: list[str]) -> list[str]:
    """Where the middle of any of `forms` (in any case, in any decoded view) was written."""
    probes = {form: form[len(form) // 4 : -len(form) // 4].lower() for form in forms}
    return [
        f"{where}: {form!r}"
        for where, text in run.written().items()
        for form, probe in probes.items()
        if any(probe in view.lower() for view in decoded_views(text))
    ]


@pytest.mark.parametrize("encoding", ENCODINGS, ids=ENCODINGS)
def test_a_key_echoed_in_another_form_is_written_nowhere(tmp_path, targets, encoding):
    encode = ENCODINGS[encoding]
    target = targets.start(answer=echo_as(encode))
    # smoke looks at a failing MUST again after a pause: this server fails most, on purpose
    run = run_suite(
        tmp_path, "--profile", "smoke", "--recheck-pause", "0", "-vv", "-rA", target=target
    )
    assert run.report["verdict"] == "fail", run.explain()
    assert leaked(run, [encode(KEY.encode())]) == []


def test_the_proxy_s_credentials_echoed_are_written_nowhere(tmp_path, targets):
    """A proxy that passes its Proxy-Authorization on, and a server that echoes every header:
    neither the proxy's password nor its Basic credentials reach any output."""
    with forward_proxy(pass_credentials=True) as proxy:
        target = targets.start(base_url="http://partner.test", answer=echo_headers)
        proxy.upstream = target.served.base_url
        env = suite_env(HTTP_PROXY=proxy.url, NO_PROXY="")
        env.pop("no_proxy", None)
        run = run_suite(
            tmp_path, "--profile", "smoke", "--recheck-pause", "0", target=target, env=env
        )
    basic = base64.b64encode(f"operator:{PROXY_SECRET}".encode()).decode()
    assert any(basic in seen.headers.get("proxy-authorization", "") for seen in target.seen)
    assert leaked(run, [PROXY_SECRET, basic]) == []


def test_the_key_forms_the_suite_sends_are_written_nowhere(tmp_path, targets):
    """The key header's near misses send the key in another case and cut short, in both
    headers; a server that repeats every header it got into its answers gets them back into
    the run: no output holds either form (the recording writes them as `${NAME~~}` and
    `${NAME%?}`)."""
    target = targets.start(answer=echo_headers)
    only = "near_miss_of_the_key_header"
    run = run_suite(tmp_path, "--profile", "standard", "-k", only, "-vv", "-rA", target=target)
    sent = [" ".join(seen.headers.values()) for seen in target.seen]
    assert any(KEY.swapcase() in headers for headers in sent), run.explain()
    assert any(KEY[:-1] in headers and KEY not in headers for headers in sent)
    assert leaked(run, [KEY.swapcase(), KEY[:-1], KEY]) == []
    har = next(text for where, text in run.written().items() if where.endswith(".har"))
    assert "${LAYERS_API_KEY%?}" in har
    assert "${LAYERS_API_KEY~~}" in har


def echo_headers(number: int, seen: Seen):
    item = {"influencerId": "x", "name": json.dumps(seen.headers), "status": "active"}
    return respond(200, {"items": [item], "nextCursor": None})
