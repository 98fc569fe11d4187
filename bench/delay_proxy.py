"""A TCP proxy on loopback that delays every byte by a fixed time in each direction.

It stands in for a remote server: a round trip through it costs 2 x `one_way_s` more than
the server alone, whatever the number of connections, and bytes keep their order. Each
chunk is stamped when it is read and written out `one_way_s` later, so throughput is not
capped by the delay (unlike sleeping before each read).

    python bench/delay_proxy.py --upstream 127.0.0.1:8080 --rtt-ms 50   # prints its port
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

CHUNK = 65536


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    delivering = asyncio.create_task(deliver())
    try:
        while data := await reader.read(CHUNK):
            queue.put_nowait((time.monotonic() + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait((time.monotonic() + delay, b""))
    with contextlib.suppress(ConnectionError):
        await delivering


async def _serve(upstream: tuple[str, int], one_way_s: float, ready: asyncio.Future[int]) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*upstream)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            _pump(client_r, server_w, one_way_s), _pump(server_r, client_w, one_way_s)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    ready.set_result(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def delay_proxy(upstream: str, rtt_ms: float) -> Iterator[str]:
    """Run the proxy in a daemon thread; yield its base URL (http://127.0.0.1:PORT)."""
    host, port = upstream.removeprefix("http://").rsplit(":", 1)
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[int] = loop.create_future()
    task = loop.create_task(_serve((host, int(port)), rtt_ms / 2000, ready))
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="delay-proxy")
    thread.start()
    while not ready.done():
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{ready.result()}"
    finally:
        loop.call_soon_threadsafe(task.cancel)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="host:port of the real server")
    parser.add_argument("--rtt-ms", type=float, required=True, help="added round trip, ms")
    args = parser.parse_args()
    with delay_proxy(args.upstream, args.rtt_ms) as url:
        print(url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
