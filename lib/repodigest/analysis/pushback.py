"""Yielding to a server that pushes back (HTTP 429): one pause for the whole run as long as the server
asks, fewer requests in flight while it pushes back, and a patience budget for the run.

The openai client already retries a 429 (``max_retries``) after the delay the server names
(``retry-after-ms``, else ``Retry-After`` in seconds or as a date, up to two minutes; else an
exponential backoff). :class:`Pushback` builds on that rather than beside it:

- it sees every answer (an httpx response hook on the client :func:`.client.make_client` builds), so
  a 429 to one request pauses the run's other requests too (the request hook holds them, the
  client's own retries included) and halves the requests in flight; each quiet round (as many
  answers as requests allowed in flight, none pushed back) allows one more, up to ``concurrency``;
- when the client has used its retries, :meth:`Pushback.again` says whether the run asks again,
  after the pause;
- the pauses add up (seconds of the run spent waiting, overlapping pauses counted once) against
  ``patience``: a pause that would overrun it is not taken, and the client is told not to retry that
  answer (``x-should-retry: false``, a header it obeys), so no request waits beyond the budget.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

BACKOFF_START = 0.5  # seconds: the pause after a 429 that names no delay, doubled per 429 in a row
BACKOFF_MAX = 8.0
AGAIN_MAX = 5  # times one request is asked again after the client gave up on a 429
DECIDED = "x-repodigest-pushback"  # set on a 429 answer by the response hook: "again" or "stop"


def retry_delay(headers: Mapping[str, str]) -> float | None:
    """The delay a 429's headers ask for, in seconds: ``retry-after-ms``, else ``Retry-After`` (seconds or
    an HTTP date); None when they name none, or none above 0 (the openai client then backs off: so do we)."""
    seconds: float | None = None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
            break
        except ValueError:
            continue
    if seconds is None:
        when = headers.get("retry-after")
        parsed = email.utils.parsedate_tz(when) if when else None
        seconds = email.utils.mktime_tz(parsed) - time.time() if parsed else None
    return seconds if seconds is not None and 0 < seconds < float("inf") else None


class Pushback:
    """The pauses and the requests in flight of one run against one server (module doc)."""

    def __init__(self, concurrency: int, patience: float):
        self.concurrency = max(1, concurrency)
        self.patience = max(0.0, patience)
        self.limit = self.concurrency  # requests allowed in flight now
        self.waited = 0.0  # seconds the run was paused (overlapping pauses once)
        self.pushed = 0  # 429 answers seen
        self.in_flight = 0
        self._until = 0.0  # monotonic time the current pause ends
        self._in_a_row = 0  # 429s since the last answer that was not one
        self._quiet = 0  # answers since the last 429
        self._spent = False
        self.watching = False  # set by client.make_client: the client's hooks observe every answer
        self._cond = threading.Condition()

    # -- what the server says ----------------------------------------------------------------
    def observe(self, status: int, headers: Mapping[str, str]) -> bool:
        """Take in one answer's status; for a 429, pause the run and return whether it may be asked again."""
        with self._cond:
            if status != 429:
                self._in_a_row = 0
                self._quiet += 1
                if self._quiet >= self.limit and self.limit < self.concurrency:
                    self.limit, self._quiet = self.limit + 1, 0
                    self._cond.notify_all()
                return True
            self.pushed += 1
            self._quiet = 0
            delay = retry_delay(headers)
            if delay is None:
                delay = min(BACKOFF_MAX, BACKOFF_START * 2**self._in_a_row)
            self._in_a_row += 1
            now = time.monotonic()
            fresh = now >= self._until  # the first 429 of a pause lowers the limit; the rest of it do not
            end = now + delay
            more = delay if fresh else max(0.0, end - self._until)  # a pause within a pause adds what it outlasts
            if self._spent or self.waited + more > self.patience:
                self._spent = True
                return False
            self.waited += more
            self._until = max(self._until, end)
            if fresh:
                self.limit = max(1, self.limit // 2)
            return True

    def on_response(self, response) -> None:
        """httpx response hook: every answer, the client's own retries included, is observed once."""
        again = self.observe(response.status_code, response.headers)
        if response.status_code == 429:  # the decision travels with the answer, to the client and to again()
            response.headers[DECIDED] = "again" if again else "stop"
            if not again:
                response.headers["x-should-retry"] = "false"  # the openai client obeys it: no retry

    def on_request(self, request) -> None:
        """httpx request hook: a request waits out the run's pause before it is sent."""
        self._wait_pause()

    def again(self, response) -> bool:
        """Whether a request the client gave up on (its last answer: ``response``, a 429) is asked again."""
        headers = response.headers if response is not None else {}
        decided = headers.get(DECIDED)
        if decided is None:  # a client without the hooks: observe it here
            return self.observe(429, headers)
        return decided == "again"

    # -- what the run does -------------------------------------------------------------------
    def _wait_pause(self) -> None:
        with self._cond:
            while (left := self._until - time.monotonic()) > 0:
                self._cond.wait(left)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the requests allowed in flight (after the pause) while the block runs."""
        with self._cond:
            while True:
                left = self._until - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                elif self.in_flight >= self.limit:
                    self._cond.wait()
                else:
                    break
            self.in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()
