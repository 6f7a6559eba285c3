"""Stopping a crawl in the middle of a long write: run_timeout and SIGTERM, checked between rows.

Scrapy's run_timeout (CLOSESPIDER_TIMEOUT) and its SIGTERM handler only act when the reactor
gets control back, which a write of a 60,000-row page did not give it for 900 s. The pipeline
hands a StopCheck to the write path (ingest.WriteContext.check); company resolution calls it
every few names, and it raises RunStopped once the run is past its deadline or a SIGTERM came.
The write's transaction then rolls back whole: nothing half-written, the run ends interrupted.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable


class RunStopped(Exception):
    """The run must stop now (deadline or signal); the write in progress is rolled back."""


class StopCheck:
    def __init__(self, timeout: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.timeout = timeout
        self.deadline = clock() + timeout if timeout else None
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason

    def __call__(self) -> None:
        if self.reason is None and self.deadline is not None and self.clock() > self.deadline:
            self.reason = f"run_timeout ({self.timeout:g} s) reached during a write"
        if self.reason is not None:
            raise RunStopped(self.reason)

    def install_signal_handlers(self) -> None:
        """Note SIGTERM/SIGINT, then hand the signal on to the handler that was there (Scrapy's)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                previous = signal.getsignal(sig)

                def handler(signum, frame, previous=previous):
                    self.stop(f"{signal.Signals(signum).name} received during a write")
                    if callable(previous):
                        previous(signum, frame)
                    elif previous == signal.SIG_DFL and signum == signal.SIGTERM:
                        raise SystemExit(128 + signum)

                signal.signal(sig, handler)
            except ValueError:  # not the main thread (scrapyd embeds, tests): the deadline holds
                return
