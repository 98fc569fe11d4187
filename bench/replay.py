"""The overhead baseline: start the reference as the suite does, then send the recorded requests.

`python bench/replay.py REQUESTS.json` prints one JSON line: how many requests were sent
and how many answers had another status than in the recorded run (0 when the replay
really repeated the run). Nothing else happens per request: no parsing, no checks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from layers_conformance.reference import build_dataset, reference_app, serve_in_thread
from layers_conformance.reference.dataset import ReferenceFixtures

# The suite's embedded reference: the default size, faults none.
REFERENCE_SIZE = 160


def real_keys(fixtures: ReferenceFixtures) -> dict[str, str]:
    """Placeholders the client wrote for the keys, longest first so neither eats the other."""
    return {
        "$LAYERS_API_KEY_NO_SCOPE": fixtures.key_without_scope,
        "$LAYERS_API_KEY": fixtures.key,
    }


def unredact(text: str, keys: dict[str, str]) -> str:
    """`text` with each placeholder replaced by the key it stands for."""
    for placeholder, key in keys.items():
        text = text.replace(placeholder, key)
    return text


def replay(requests: list[dict[str, object]]) -> dict[str, int]:
    """Serve the reference in a thread and send every request in order; count mismatches."""
    dataset = build_dataset(REFERENCE_SIZE)
    keys = real_keys(dataset.fixtures)
    mismatched = 0
    # The suite's client settings: no redirects, same timeouts.
    timeout = httpx.Timeout(10, connect=5, pool=None)
    with (
        serve_in_thread(reference_app(dataset)) as base_url,
        httpx.Client(timeout=timeout, follow_redirects=False) as client,
    ):
        for request in requests:
            headers = {k: unredact(v, keys) for k, v in request["headers"].items()}  # type: ignore[attr-defined]
            url = base_url + unredact(str(request["target"]), keys)
            response = client.request(str(request["method"]), url, headers=headers)
            mismatched += response.status_code != request["status"]
    return {"sent": len(requests), "status_mismatches": mismatched}


def main(argv: list[str]) -> int:
    requests = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    print(json.dumps(replay(requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
