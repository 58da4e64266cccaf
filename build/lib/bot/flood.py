"""Per-user flood protection: a sliding window of recent message times."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FloodGuard:
    """``allow(user)`` is False once a user sent more than ``limit`` messages within ``window`` seconds.

    ``warn(user)`` is True once per burst, so the "slow down" reply is not itself a flood.
    Memory stays bounded: idle users are forgotten when the table grows.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def allow(self, user: int) -> bool:
        now = self.clock()
        times = self._seen.setdefault(user, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self._seen) > 50_000:
            self._forget_idle(now)
        return True

    def warn(self, user: int) -> bool:
        now = self.clock()
        if now - self._warned.get(user, -self.window - 1) > self.window:
            self._warned[user] = now
            return True
        return False

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, t in self._seen.items() if not t or now - t[-1] > self.window]
        for user in idle:
            self._seen.pop(user, None)
            self._warned.pop(user, None)
