"""Per-channel send rate: chat robots take about 20 messages a minute, then refuse or ban.

Coalescing and splitting (alerts/message.py) keep one delivery round to a few messages, but a
steady trickle over many rounds can still pass the robot's limit. A `Window` remembers when
the channel's recent messages went out (each split part counts: each is one POST) and says
how long the next message must wait. The caller passes the clock, so rounds run on an injected
`now` (tests, catch-up) need no sleeps. The window lives in the deliverer's memory: a fresh
process starts with an empty one.
"""

from __future__ import annotations

import threading
from collections import deque

WINDOW = 60.0  # seconds: the limits are stated per minute
CHAT_PER_MINUTE = 20  # default for batching (chat robot) families


class Window:
    """At most `per_minute` sends in any rolling WINDOW seconds."""

    def __init__(self, per_minute: int, window: float = WINDOW):
        self.per_minute = per_minute
        self.window = window
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    def wait_until(self, now: float, need: int = 1) -> float | None:
        """None when `need` sends fit now, else the time at which they will.

        A message with more parts than the whole limit waits for an empty window and then
        goes out whole (a part never waits alone: the message is marked sent or not as one).
        """
        need = max(1, min(need, self.per_minute))
        with self._lock:
            self._expire(now)
            over = len(self._sent) - (self.per_minute - need)
            if over <= 0:
                return None
            return self._sent[over - 1] + self.window

    def record(self, now: float, n: int = 1) -> None:
        with self._lock:
            self._sent.extend([now] * n)
