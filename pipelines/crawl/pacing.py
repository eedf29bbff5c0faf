"""Per-host politeness: a delay between requests and a limit on requests in flight.

A request waits for a free slot (`host_concurrency`) and for its start time. Starts are at
least `delay` apart; with one request at a time (the default) the delay also runs from the
end of the previous response, so a slow server is not hit again the moment it answers. A
Retry-After from the server pushes every later request to the host back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class HostPacer:
    def __init__(self, delay_s: float, concurrency: int, last_request_at: float | None = None):
        self.delay_s = delay_s
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._next = time.monotonic()
        if last_request_at is not None:  # a request of an earlier task (wall-clock time)
            self._next += max(0.0, last_request_at + delay_s - time.time())

    def slow_down(self, delay_s: float) -> None:
        """Adopt a larger delay (robots.txt Crawl-delay) for the requests still to come."""
        if delay_s > self.delay_s:
            self._next += delay_s - self.delay_s
            self.delay_s = delay_s

    def defer(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._slots:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.delay_s
            if start > now:
                await asyncio.sleep(start - now)
            try:
                yield
            finally:
                if self.concurrency == 1:
                    self._next = max(self._next, time.monotonic() + self.delay_s)
