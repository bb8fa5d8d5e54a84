"""Failed sign-ins slow the guesser, not everyone else.

After `serve.sign_in_failures` failed password sign-ins from one client address, or for one
user name, each further attempt from that address or for that name must wait:
`serve.sign_in_wait_s` (1 s), then twice that, four times ... up to `serve.sign_in_wait_max_s`,
answered 429 with Retry-After and without checking the password (so guessing costs the
server nothing). A correct password clears both; a key with
no failure for a while is forgotten. Held in memory, per app process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_KEPT = 10_000  # keys remembered at most; the quietest are dropped first


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0  # when the latest failure was
    until: float = 0.0  # no attempt before this


class SignInThrottle:
    """Counts failed sign-ins per key ('addr:...', 'user:...') and says how long to wait."""

    def __init__(
        self, free: int, first_wait: float, max_wait: float, clock: Callable[[], float] = time.monotonic
    ):
        self.free = free
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.forget_after = max(60.0, 2 * max_wait)  # quiet this long: the failures are forgotten
        self._clock = clock
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait(self, keys: list[str]) -> float:
        """Seconds before an attempt for these keys may be checked; 0 now."""
        now = self._clock()
        with self._lock:
            records = [self._fresh(key, now) for key in keys]
        return max([r.until - now for r in records if r is not None] + [0.0])

    def failed(self, keys: list[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                record = self._fresh(key, now) or self._keys.setdefault(key, _Failures())
                record.count += 1
                record.last = now
                if record.count >= self.free:
                    wait = self.first_wait * 2.0 ** (record.count - self.free)
                    record.until = now + min(self.max_wait, wait)
            self._trim()

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._keys.pop(key, None)

    def _fresh(self, key: str, now: float) -> _Failures | None:
        record = self._keys.get(key)
        if record is not None and now - record.last > self.forget_after and now >= record.until:
            del self._keys[key]
            return None
        return record

    def _trim(self) -> None:
        if len(self._keys) > _KEPT:  # trimmed to 90%, so the sort runs once per thousand new keys
            by_age = sorted(self._keys, key=lambda k: self._keys[k].last)
            for key in by_age[: len(by_age) - _KEPT * 9 // 10]:
                del self._keys[key]
