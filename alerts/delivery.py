"""Delivery: send due outbox rows through apprise, record every attempt, retry with back-off.

Exactly once: a deliverer first *claims* rows (status 'sending', claimed_by, claim_until) in a
write transaction, sends outside any transaction, then marks them 'sent' (or back to 'pending'
with a later due_at). Two deliverers never send the same row; a sent row is never picked again.
The one window left is a crash after the channel accepted a message and before the row is
marked: when the claim expires (alerts.lease seconds) the row is sent again. That duplicate is
the price of never losing a message; it needs a crash inside a sub-second window.

Each channel gets its own Apprise object, because Apprise.notify() returns one result for all
of its targets and we must know which channel failed. URLs are logged with secrets masked.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import apprise
from apprise.decorators import notify

from alerts import mailer, render
from alerts import message as outgoing
from alerts.config import AlertSettings, Channel, settings
from scraper.config import Config, ConfigError
from scraper.core.timeutil import now_iso
from scraper.db import connection as dbconn

log = logging.getLogger("filingwatch.delivery")

_print_lock = threading.Lock()
# Where console:// writes; tests and the demo may point it elsewhere.
CONSOLE_STREAM: Callable[[], object] = lambda: sys.stdout  # noqa: E731


@notify(on="console", name="filingwatch console")
def _console(body, title, notify_type, *args, **kwargs) -> bool:
    """console:// — apprise has no stdout target; the demo and first-time users want one."""
    stream = CONSOLE_STREAM()
    with _print_lock:
        print(f"┌─ {title}\n" + "\n".join(f"│ {line}" for line in body.split("\n")) + "\n└─",
              file=stream, flush=True)  # fmt: skip
    return True


def instantiate(url: str):
    """The apprise plugin for a URL, or None when apprise cannot use it."""
    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def masked(url: str) -> str:
    """The URL as apprise prints it with privacy on (passwords and tokens starred)."""
    plugin = instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://…"
    return plugin.url(privacy=True).split("?", 1)[0]


class Senders:
    """One Apprise object per channel, built on first use."""

    def __init__(self, channels: dict[str, Channel]):
        self.channels = channels
        self._cache: dict[str, tuple[apprise.Apprise, str]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> tuple[apprise.Apprise | None, str]:
        with self._lock:
            if name not in self._cache:
                channel = self.channels.get(name)
                if channel is None:
                    return None, f"channel {name!r} is not configured"
                url = channel.expanded_url()
                app = apprise.Apprise()
                if not app.add(url):
                    return None, f"apprise cannot use the URL of channel {name!r} ({masked(url)})"
                self._cache[name] = (app, masked(url))
            return self._cache[name]

    def send(self, name: str, title: str, body: str) -> tuple[bool, str | None]:
        return self.deliver(name, outgoing.Outgoing(title, body))

    def deliver(self, name: str, out: outgoing.Outgoing) -> tuple[bool, str | None]:
        """Send one rendered message: mail as our own MIME (alerts/mailer.py), others via apprise."""
        app, where = self.get(name)
        if app is None:
            return False, where
        url = self.channels[name].expanded_url()
        if outgoing.family(url).name == "mail":
            return mailer.send(url, out)
        try:
            result = app.notify(title=out.title, body=out.body, body_format=out.body_format,
                                attach=out.attachments or None)  # fmt: skip
        except Exception as exc:  # a plugin bug must not kill the deliverer
            return False, f"{type(exc).__name__}: {exc}"
        if result:
            return True, None
        errors = [e.message for e in result.logs() if str(e.level) in ("WARNING", "ERROR")]
        return False, "; ".join(errors[-3:]) or f"apprise reported failure ({where})"


@dataclass
class Message:
    channel: str
    kind: str
    ids: list[int]
    items: list[dict]
    attempts: int
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass
class Report:
    sent: int = 0  # outbox rows delivered
    messages: int = 0
    failed: int = 0  # outbox rows that failed this round (they stay pending)
    errors: list[str] = field(default_factory=list)


class Deliverer:
    def __init__(self, db, settings: AlertSettings, worker: str | None = None):
        self.db = db
        self.settings = settings
        self.worker = worker or f"deliverer-{uuid.uuid4().hex[:8]}"
        self.senders = Senders(settings.channels)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="send")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # -- claiming

    def _cap(self, rule: str | None) -> int:
        for r in self.settings.rules:
            if r.name == rule and r.max_per_message:
                return r.max_per_message
        return self.settings.options.max_per_message

    def claim(self, now: float | None = None) -> list[Message]:
        """Claim every due row (and expired claims), grouped into messages of at most the cap."""
        now = time.time() if now is None else now
        lease = self.settings.options.lease
        with dbconn.transaction(self.db):
            due = self.db.conn.execute(
                "SELECT id, kind, rule, channel, digest_key, payload, attempts FROM outbox"
                " WHERE (status = 'pending' AND due_at <= ?) OR (status = 'sending' AND claim_until < ?)"
                " ORDER BY id LIMIT 1000", [now, now],
            ).fetchall()  # fmt: skip
            keys = sorted({r[4] for r in due if r[4]})
            if keys:  # a digest goes out whole once any of its rows is due
                marks = ", ".join("?" for _ in keys)
                seen = {r[0] for r in due}
                due += [r for r in self.db.conn.execute(
                    "SELECT id, kind, rule, channel, digest_key, payload, attempts FROM outbox"
                    f" WHERE status = 'pending' AND digest_key IN ({marks}) ORDER BY id", keys,
                ) if r[0] not in seen]  # fmt: skip
            groups: dict[str, list] = {}
            for row in sorted(due, key=lambda r: r[0]):
                groups.setdefault(row[4] or f"#{row[0]}", []).append(row)
            messages: list[Message] = []
            for rows in groups.values():
                cap = self._cap(rows[0][2])
                for i in range(0, len(rows), cap):
                    part = rows[i : i + cap]
                    messages.append(Message(
                        channel=part[0][3], kind=part[0][1], ids=[r[0] for r in part],
                        items=[json.loads(r[5]) for r in part], attempts=max(r[6] for r in part) + 1,
                    ))  # fmt: skip
            claimed = [m.ids for m in messages]
            flat = [i for ids in claimed for i in ids]
            for j in range(0, len(flat), 500):
                part = flat[j : j + 500]
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'sending', claimed_by = ?, claim_until = ?,"
                    f" attempts = attempts + 1 WHERE id IN ({', '.join('?' for _ in part)})",
                    [self.worker, now + lease, *part],
                )
        return messages

    # -- sending

    def render(self, message: Message) -> tuple[str, str]:
        """(title, body) of the first part, for callers that only want to look at the text."""
        first = self.outgoing(message)[0]
        return first.title, first.body

    def outgoing(self, message: Message) -> list[outgoing.Outgoing]:
        """What the channel receives (alerts/message.py picks format, template and splitting)."""
        channel = self.settings.channels.get(message.channel)
        lang = (channel.language if channel else None) or self.settings.options.language
        o = self.settings.options
        return outgoing.build(message.kind, message.items, channel.expanded_url() if channel else "",
                              lang, o.templates, o.template_dir, message.channel)  # fmt: skip

    def _send(self, messages: list[Message]) -> list[tuple[Message, bool, str | None, float]]:
        out = []
        channel = self.settings.channels.get(messages[0].channel) if messages else None
        if channel is not None:  # chat robots: due events coalesce into few messages
            messages = outgoing.coalesce(messages, channel.expanded_url())
        for m in messages:
            started = time.monotonic()
            try:
                parts = self.outgoing(m)
            except Exception as exc:  # a bad template must not stop other messages
                out.append((m, False, f"render failed: {exc}", 0.0))
                continue
            ok, error = True, None
            for part in parts:  # a split message: stop at the first part that fails
                ok, error = self.senders.deliver(m.channel, part)
                if not ok:
                    break
            out.append((m, ok, error, time.monotonic() - started))
        return out

    def deliver_due(self, now: float | None = None) -> Report:
        """One round: claim, send (channels in parallel, each channel in order), mark."""
        report = Report()
        messages = self.claim(now)
        if not messages:
            return report
        by_channel: dict[str, list[Message]] = {}
        for m in messages:
            by_channel.setdefault(m.channel, []).append(m)
        futures = [self._pool.submit(self._send, ms) for ms in by_channel.values()]
        for future in as_completed(futures):
            for m, ok, error, seconds in future.result():
                self.mark(m, ok, error, seconds)
                report.messages += ok
                if ok:
                    report.sent += len(m.ids)
                else:
                    report.failed += len(m.ids)
                    report.errors.append(f"{m.channel}: {error}")
        return report

    def backoff(self, attempts: int) -> float:
        o = self.settings.options
        return min(o.retry_max, o.retry_base * 2 ** max(0, attempts - 1))

    def mark(self, m: Message, ok: bool, error: str | None, seconds: float) -> None:
        now = now_iso()
        marks = ", ".join("?" for _ in m.ids)
        with dbconn.transaction(self.db):
            if ok:
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, claim_until = NULL,"
                    f" last_error = NULL WHERE id IN ({marks}) AND claimed_by = ? AND status = 'sending'",
                    [now, m.message_id, *m.ids, self.worker],
                )
            else:
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'pending', due_at = ?, claim_until = NULL, last_error = ?"
                    f" WHERE id IN ({marks}) AND claimed_by = ? AND status = 'sending'",
                    [time.time() + self.backoff(m.attempts), error, *m.ids, self.worker],
                )
            self.db.conn.executemany(
                "INSERT INTO alert_attempts (outbox_id, attempt, at, ok, seconds, error, message_id)"
                " VALUES (?, (SELECT attempts FROM outbox WHERE id = ?), ?, ?, ?, ?, ?)",
                [(i, i, now, int(ok), round(seconds, 3), error, m.message_id) for i in m.ids],
            )
        _, where = self.senders.get(m.channel)
        if ok:
            log.info("event=alert_sent channel=%s url=%s rows=%d kind=%s message=%s seconds=%.2f",
                     m.channel, where, len(m.ids), m.kind, m.message_id, seconds)  # fmt: skip
        else:
            log.warning("event=alert_failed channel=%s url=%s rows=%d attempt=%d retry_in=%.0fs error=%s",
                        m.channel, where, len(m.ids), m.attempts, self.backoff(m.attempts),
                        json.dumps(error, ensure_ascii=False))  # fmt: skip

    def release_claims(self, worker_like: str) -> int:
        """Return rows claimed by dead deliverers (LIKE pattern) to 'pending' without waiting for the lease.

        Only the daemon calls this, holding the lock that proves the previous daemon is gone.
        A row it had already sent but not marked goes out again: the documented window.
        """
        with dbconn.transaction(self.db):
            cur = self.db.conn.execute(
                "UPDATE outbox SET status = 'pending', claim_until = NULL, due_at = min(due_at, ?)"
                " WHERE status = 'sending' AND claimed_by LIKE ? AND claimed_by != ?",
                [time.time(), worker_like, self.worker],
            )
            return cur.rowcount

    def pending(self) -> int:
        return self.db.conn.execute(
            "SELECT count(*) FROM outbox WHERE status != 'sent'"
        ).fetchone()[0]

    def drain(self, timeout: float = 30.0, interval: float = 0.2) -> Report:
        """Deliver until nothing is due now (rows in back-off or digest windows stay pending)."""
        total = Report()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.deliver_due()
            total.sent += r.sent
            total.messages += r.messages
            total.failed += r.failed
            total.errors += r.errors
            if not r.sent and not r.failed:
                break
            time.sleep(interval if r.failed else 0)
        return total


def send_test(
    settings: AlertSettings, names: list[str] | None = None
) -> list[tuple[str, str, bool, str | None]]:
    """Send a test message to each (or the named) channel: (name, masked url, ok, error)."""
    senders = Senders(settings.channels)
    out = []
    for name, channel in settings.channels.items():
        if names and name not in names:
            continue
        lang = channel.language or settings.options.language
        title, body = render.render_test(name, lang, settings.options.templates)
        ok, error = senders.send(name, title, body)
        out.append((name, masked(channel.expanded_url()), ok, error))
    return out


def check_channels(cfg: Config, names: list[str] | None = None) -> None:
    """Instantiate each channel's apprise URL: an invalid one is a ConfigError naming its key."""
    for channel in settings(cfg).channels.values():
        if names is not None and channel.name not in names:
            continue
        url = channel.expanded_url()
        missing = channel.missing_vars()  # ${VAR}/$VAR unset; $$ is a literal $
        if missing:
            raise ConfigError(cfg.path, channel.key, f"environment variable {missing[0]} is not set "
                              f"(channel {channel.name!r})", channel.line)  # fmt: skip
        if instantiate(url) is None:
            raise ConfigError(cfg.path, channel.key, f"apprise cannot use this URL (channel {channel.name!r}); "
                              "see https://github.com/caronc/apprise/wiki", channel.line)  # fmt: skip
