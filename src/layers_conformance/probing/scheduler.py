"""Work run ahead of the tests in background threads, beside the warm-up that lists it.

The warm-up (`warmup.py`) says what a run will need; the scheduler runs it, a fixed number
of jobs at a time, the next job in its queue first, and knows which thread is running a job
(no test asked for what such a thread fetches: it is nobody's evidence yet).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

__all__ = ["Scheduler"]


class Scheduler:
    """Jobs in background threads, `workers` at a time; jobs not started wait in a queue."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None  # started with the first job
        self._queue: deque[Callable[[], object]] = deque()  # not started, next one first
        self._queue_lock = threading.Lock()
        self._closing = threading.Event()
        self._thread = threading.local()

    def submit(self, jobs: Sequence[Callable[[], object]], *, first: bool = False) -> None:
        """Queue `jobs`; `first` puts them before those not started yet."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="prefetch")
        with self._queue_lock:
            if first:
                self._queue.extendleft(reversed(jobs))
            else:
                self._queue.extend(jobs)
        for _ in jobs:  # each task runs whichever job is next when a thread is free
            self._pool.submit(self._next)

    @property
    def closing(self) -> bool:
        """The run is over: nothing more should start."""
        return self._closing.is_set()

    def in_job(self) -> bool:
        """Whether the calling thread is running one of the jobs (no test asked for it)."""
        return bool(getattr(self._thread, "in_job", False))

    def close(self) -> None:
        """Drop the jobs not started, and wait for those under way."""
        self._closing.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _next(self) -> None:
        with self._queue_lock:
            job = self._queue.popleft()
        self._thread.in_job = True
        try:
            job()
        finally:
            self._thread.in_job = False
