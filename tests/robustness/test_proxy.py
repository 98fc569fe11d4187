"""A target behind the network's HTTP proxy, as partners and operations often reach one: the
run honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY like curl, and the proxy's credentials are
never written."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from harness import run_suite, suite_env

PROXY_SECRET = "proxy-pass-4f9c2e"


@dataclass
class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1 that sends every request to `upstream`, whatever
    host it names, and remembers each request line and Proxy-Authorization it saw."""

    url: str = ""
    upstream: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def forward_proxy(*, pass_credentials: bool = False) -> Iterator[ForwardProxy]:
    """The proxy; with `pass_credentials`, one that passes its Proxy-Authorization on."""
    proxy = ForwardProxy()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server calls it by this name
            proxy.seen.append((self.requestline, self.headers.get("Proxy-Authorization", "")))
            asked = urlsplit(self.path)
            upstream = urlsplit(proxy.upstream)
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
            headers = {
                k: v
                for k, v in self.headers.items()
                if pass_credentials or k.lower() != "proxy-authorization"
            }
            connection.request("GET", f"{asked.path}?{asked.query}", headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            connection.close()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.url = f"http://operator:{PROXY_SECRET}@127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


def test_a_remote_target_is_reached_through_the_environments_proxy(tmp_path, targets):
    """A target named by a host this machine cannot resolve is reached through HTTP_PROXY
    (the proxy resolves it): every request went through it with its credentials, the run
    passes, and the proxy's password is in no output and no report."""
    with forward_proxy() as proxy:
        target = targets.start(base_url="http://partner.test")
        proxy.upstream = target.served.base_url
        env = suite_env(HTTP_PROXY=proxy.url, NO_PROXY="")
        env.pop("no_proxy", None)
        run = run_suite(tmp_path, "--profile", "smoke", target=target, env=env)
    assert run.code == 0, run.explain()
    assert run.report["verdict"] == "pass"
    assert len(proxy.seen) == run.report["requests"]
    assert all(line.startswith("GET http://partner.test/v1/projects/") for line, _ in proxy.seen)
    assert all(auth.startswith("Basic ") for _, auth in proxy.seen)
    for where, text in run.written().items():
        assert PROXY_SECRET not in text, where


def test_a_target_on_this_machine_never_goes_through_a_proxy(tmp_path, targets):
    """The embedded reference, or any target on 127.0.0.1, is reached direct even when the
    environment names a proxy and NO_PROXY does not list it: no proxy elsewhere reaches it."""
    with forward_proxy() as proxy:
        target = targets.start()
        env = suite_env(HTTP_PROXY=proxy.url, NO_PROXY="")
        env.pop("no_proxy", None)
        run = run_suite(tmp_path, "--profile", "smoke", target=target, env=env)
    assert (run.code, proxy.seen) == (0, []), run.explain()
