"""Delivery: send due outbox rows through apprise, one message at a time, each outcome committed at once.

Every outbox row moves through a small state machine, each step its own short transaction:

    pending/uncertain --claim--> claimed --start--> sending --answer--> sent
                                                              \\--error--> pending (back-off)
                                                              \\--timeout--> uncertain (long back-off)

* `claimed`: a deliverer holds the row but has not sent it. A crash here loses nothing and
  sends nothing twice: the row returns to `pending` as soon as its owner is seen dead (same host,
  pid gone) or its lease expires.
* `sending`: the request is on the wire. The row is marked `sent` (or failed) the moment the
  channel answers, before the next message is sent. A crash here is the one duplicate window:
  the receiver may or may not have taken the message, so the row becomes `uncertain` and is
  sent again only after `[alerts] uncertain_retry` seconds, with the same idempotency key.
* A send that times out (the channel did not answer within its `timeout`) is also `uncertain`,
  not failed: the receiver may well process it late, and re-sending at once is what made one
  slow receiver get every alert on every retry.

Each channel has its own worker thread (`run_workers`, `drain`), so a slow or dead channel delays
only itself; within a channel, ops (health) rows are claimed before chat rows, and only one
message is claimed at a time, so an incident never waits behind a queue of chat alerts.

Webhook channels (json/form/xml) get `X-Filingwatch-Event` and `Idempotency-Key` headers, stable
across retries of the same rows, so a receiver can collapse the rare repeat. Issue 12 owns what
a message says (`compose` is the one place that asks for it); this module owns how and when.
URLs are logged through scraper.core.textsafe.mask_url.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import apprise
from apprise.decorators import notify

from alerts import attachments, mailer, ratelimit, render
from alerts import message as outgoing
from alerts.config import AlertSettings, Channel, settings
from scraper.config import Config, ConfigError
from scraper.core.textsafe import mask_url, mask_urls_in, strip_controls
from scraper.core.timeutil import now_iso
from scraper.db import connection as dbconn

log = logging.getLogger("filingwatch.delivery")

_print_lock = threading.Lock()
# Where console:// writes; tests and the demo may point it elsewhere.
CONSOLE_STREAM: Callable[[], object] = lambda: sys.stdout  # noqa: E731
HOST = socket.gethostname()
# Webhook plugins whose `headers` dict apprise sends with each request.
_HEADER_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")


@notify(on="console", name="filingwatch console")
def _console(body, title, notify_type, *args, **kwargs) -> bool:
    """console:// — apprise has no stdout target; the demo and first-time users want one."""
    stream = CONSOLE_STREAM()
    title, body = strip_controls(title, newlines=False), strip_controls(body)
    with _print_lock:
        print(f"┌─ {title}\n" + "\n".join(f"│ {line}" for line in body.split("\n")) + "\n└─",
              file=stream, flush=True)  # fmt: skip
    return True


def instantiate(url: str):
    """The apprise plugin for a URL, or None when apprise cannot use it."""
    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def masked(url: str) -> str:
    """The URL fit to print: apprise's privacy view, then our own masking of path tokens."""
    plugin = instantiate(url)
    if plugin is None:
        return mask_url(url.split("?", 1)[0])
    return mask_url(plugin.url(privacy=True).split("?", 1)[0])


def idempotency_key(dedupe_keys: list[str]) -> str:
    """Stable for the same rows across every retry: what a receiver collapses repeats on."""
    return "fw-" + hashlib.sha256("\n".join(sorted(dedupe_keys)).encode()).hexdigest()[:32]


def _looks_uncertain(error: str, seconds: float, timeout: float) -> bool:
    """The request may have reached the receiver: no answer within the timeout, or cut mid-way.

    apprise reports every transport problem as the same "connection error" warning, so the
    timeout is recognised by the time it took: a refused connection fails at once, a channel
    that did not answer fails at the read timeout.
    """
    e = error.lower()
    if "connection refused" in e:
        return False
    return seconds >= 0.9 * timeout or any(
        s in e for s in ("timed out", "remotedisconnected", "connection aborted")
    )


@dataclass
class Outcome:
    ok: bool
    error: str | None = None
    uncertain: bool = False  # the channel may have the message: retry late, same key


class Sender:
    """One channel's apprise object, used by one thread at a time (its worker)."""

    def __init__(self, channel: Channel | None, name: str):
        self.name = name
        self.channel = channel
        self.app: apprise.Apprise | None = None
        self.url = ""
        self.mail = False
        self.takes_files = False  # mail, or a non-webhook plugin declaring attachment_support
        self.where = name
        self.problem: str | None = None
        if channel is None:
            self.problem = f"channel {name!r} is not configured"
            return
        url = self.url = channel.expanded_url()
        self.mail = outgoing.family(url).name == "mail"
        self.where = masked(url)
        app = apprise.Apprise()
        if not app.add(url):
            self.problem = f"apprise cannot use the URL of channel {name!r} ({self.where})"
            return
        self.app = app
        plugin = app[0]
        # generic webhooks are read by programs: their payload keeps its shape (no base64 files)
        self.takes_files = self.mail or (
            outgoing.family(url).name != "webhook"
            and bool(getattr(plugin, "attachment_support", False))
        )
        timeout = channel.timeout
        plugin.socket_read_timeout = timeout
        # connect timeouts stay below 0.9 x timeout, so they never look like "no answer"
        plugin.socket_connect_timeout = min(timeout / 2, 10.0)
        scheme = url.split("://", 1)[0].lower()
        self.headers = plugin.headers if scheme in _HEADER_SCHEMES and isinstance(
            getattr(plugin, "headers", None), dict) else None  # fmt: skip

    def send(
        self, out: outgoing.Outgoing, key: str | None = None, event: str | None = None
    ) -> Outcome:
        """One rendered part: mail as our own MIME (alerts/mailer.py), the rest through apprise."""
        if self.app is None:
            return Outcome(False, self.problem)
        if self.headers is not None and key:
            self.headers["Idempotency-Key"] = key
            self.headers["X-Filingwatch-Event"] = event or key
        started = time.monotonic()
        if self.mail:
            ok, error = mailer.send(self.url, out, timeout=self.channel.timeout)
            if ok:
                return Outcome(True)
            shown = [error or f"mail not sent ({self.where})"]
        else:
            try:
                result = self.app.notify(title=out.title, body=out.body, body_format=out.body_format,
                                         attach=out.attachments or None)  # fmt: skip
            except Exception as exc:  # a plugin bug must not kill the deliverer
                return Outcome(False, f"{type(exc).__name__}: {exc}")
            if result:
                return Outcome(True)
            shown = [e.message for e in result.logs() if str(e.level) in ("WARNING", "ERROR")]
        uncertain = _looks_uncertain(
            " ".join(shown), time.monotonic() - started, self.channel.timeout
        )
        error = "; ".join(shown[-3:]) or f"apprise reported failure ({self.where})"
        if uncertain:
            error = f"no answer within {self.channel.timeout:g} s (outcome unknown): {error}"
        return Outcome(False, strip_controls(mask_urls_in(error), newlines=False), uncertain)


class Senders:
    """A Sender per channel name, built on first use (one per worker thread)."""

    def __init__(self, channels: dict[str, Channel]):
        self.channels = channels
        self._cache: dict[str, Sender] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Sender:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = Sender(self.channels.get(name), name)
            return self._cache[name]

    def send(self, name: str, title: str, body: str) -> tuple[bool, str | None]:
        out = self.get(name).send(outgoing.Outgoing(title, body))
        return out.ok, out.error


@dataclass
class Message:
    channel: str
    kind: str
    ids: list[int]
    items: list[dict]
    attempts: int
    keys: list[str] = field(default_factory=list)  # the rows' dedupe keys
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def key(self) -> str:
        return idempotency_key(self.keys or [str(i) for i in self.ids])


@dataclass
class Report:
    sent: int = 0  # outbox rows delivered
    messages: int = 0
    failed: int = 0  # outbox rows that failed this round (they stay pending)
    uncertain: int = 0  # outbox rows whose send timed out (retried late, same key)
    errors: list[str] = field(default_factory=list)
    deferred: int = 0  # outbox rows held back by the channel's rate limit (not failures)
    wait_until: float | None = None  # rate-limited: when the channel's window has room again

    def add(self, other: Report) -> None:
        self.sent += other.sent
        self.messages += other.messages
        self.failed += other.failed
        self.uncertain += other.uncertain
        self.errors += other.errors
        self.deferred += other.deferred


_ROW = "SELECT id, kind, rule, channel, digest_key, payload, attempts, dedupe_key FROM outbox"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _db_folder(db) -> Path:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2]).parent if row and row[2] else Path(tempfile.gettempdir())


def owner_dead(claimed_by: str | None) -> bool:
    """A claim made on this host by a process that no longer exists (worker ids name host and pid)."""
    m = re.search(r"@([^:]+):(\d+):", claimed_by or "")
    return bool(m) and m[1] == HOST and not _pid_alive(int(m[2]))


class Deliverer:
    """Claims, sends and marks outbox rows; `run_workers` keeps one thread per channel going."""

    def __init__(self, db, settings: AlertSettings, worker: str | None = None,
                 data_dir: Path | str | None = None):  # fmt: skip
        self.db = db
        self.settings = settings
        # temp files (digest attachments) go under the data dir; default: the database's folder
        self.data_dir = Path(data_dir) if data_dir else _db_folder(db)
        self._windows: dict[str, ratelimit.Window | None] = {}
        name = worker or "deliverer"
        self.worker = f"{name}@{HOST}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.senders = Senders(settings.channels)
        self._db_lock = threading.RLock()  # one connection, many channel threads
        self._report_lock = threading.Lock()
        self._wake = threading.Condition()
        self._woken = 0
        self._threads: list[threading.Thread] = []
        self.stop_event = threading.Event()

    def close(self, timeout: float | None = None) -> None:
        """Stop the channel workers; one stuck in a send is bounded by its channel timeout."""
        self.stop_event.set()
        self.wake()
        for t in self._threads:
            t.join(timeout)
        self._threads = []

    # -- the database, serialised between channel threads, patient with a busy writer

    def _write(self, fn: Callable[[], object], patience: float = 600.0):
        """Run `fn` in one write transaction; retry while another process holds the write lock.

        A crawl's long write can hold SQLite's lock past the busy timeout; losing a 'sent' mark
        to "database is locked" would turn a delivered alert into a duplicate, so keep trying.
        """
        deadline = time.monotonic() + patience
        while True:
            try:
                with self._db_lock, dbconn.transaction(self.db):
                    return fn()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                log.warning("event=db_busy %s", "retrying=1")
                time.sleep(0.5)

    def _cap(self, rule: str | None) -> int:
        for r in self.settings.rules:
            if r.name == rule and r.max_per_message:
                return r.max_per_message
        return self.settings.options.max_per_message

    def _timeout(self, channel: str) -> float:
        ch = self.settings.channels.get(channel)
        return ch.timeout if ch else 30.0

    # -- recovery of dead or stalled deliverers' rows

    def recover(self, now: float | None = None) -> tuple[int, int]:
        """Claims of dead owners or past their lease: claimed → pending, sending → uncertain.

        Returns (released, uncertain). A row that was `sending` may have reached the channel,
        so it waits `uncertain_retry` seconds before it is sent again (with the same key).
        """
        now = time.time() if now is None else now
        later = self.settings.options.uncertain_retry

        def run():
            rows = self.db.conn.execute(
                "SELECT id, status, claimed_by, claim_until FROM outbox"
                " WHERE status IN ('claimed', 'sending') AND claimed_by != ?", [self.worker],
            ).fetchall()  # fmt: skip
            gone = [(i, s) for i, s, by, until in rows if (until or 0) < now or owner_dead(by)]
            claimed = [i for i, s in gone if s == "claimed"]
            sending = [i for i, s in gone if s == "sending"]
            for part in dbconn.chunks(claimed):
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'pending', claimed_by = NULL, claim_until = NULL"
                    f" WHERE status = 'claimed' AND id IN ({dbconn.marks(part)})", list(part),
                )  # fmt: skip
            for part in dbconn.chunks(sending):
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'uncertain', claimed_by = NULL, claim_until = NULL,"
                    " due_at = ?, last_error = 'the deliverer stopped while sending: outcome unknown'"
                    f" WHERE status = 'sending' AND id IN ({dbconn.marks(part)})", [now + later, *part],
                )  # fmt: skip
            return len(claimed), len(sending)

        released, uncertain = self._write(run)
        if released or uncertain:
            log.warning("event=claims_recovered released=%d uncertain=%d", released, uncertain)
        return released, uncertain

    def release_claims(self, worker_like: str) -> int:
        """Recover rows of dead deliverers matching a LIKE pattern now, without waiting for leases.

        Only the daemon calls this, holding the lock that proves the previous daemon is gone:
        its `claimed` rows go back to pending, its `sending` rows become `uncertain`.
        """
        later = self.settings.options.uncertain_retry
        now = time.time()

        def run():
            a = self.db.conn.execute(
                "UPDATE outbox SET status = 'pending', claim_until = NULL, claimed_by = NULL"
                " WHERE status = 'claimed' AND claimed_by LIKE ? AND claimed_by != ?",
                [worker_like, self.worker],
            ).rowcount
            b = self.db.conn.execute(
                "UPDATE outbox SET status = 'uncertain', claim_until = NULL, claimed_by = NULL,"
                " due_at = ?, last_error = 'the daemon died while sending: outcome unknown'"
                " WHERE status = 'sending' AND claimed_by LIKE ? AND claimed_by != ?",
                [now + later, worker_like, self.worker],
            ).rowcount
            return a + b

        return self._write(run)

    # -- claiming

    def claim(
        self, now: float | None = None, channel: str | None = None, limit: int | None = None
    ) -> list[Message]:
        """Claim due rows (ops rows first), grouped into messages of at most the cap.

        `channel` limits the claim to one channel (a channel worker), `limit` to that many
        messages (workers claim one at a time so a new ops row is next, not behind a batch).
        """
        now = time.time() if now is None else now
        lease = self.settings.options.lease

        def run() -> list[Message]:
            # an expired claim was never sent ('sending' rows go through recover() instead)
            where = ("(status IN ('pending', 'uncertain') AND due_at <= ?"
                     " OR status = 'claimed' AND claim_until < ?)")  # fmt: skip
            params: list = [now, now]
            if channel is not None:
                where += " AND channel = ?"
                params.append(channel)
            cap = 1000 if limit is None else limit
            # ops rows first (a separate query: sorting every due row by kind on each claim
            # made a 1,000-row queue quadratic)
            due = self.db.conn.execute(
                f"{_ROW} WHERE kind = 'health' AND {where} ORDER BY id LIMIT ?", [*params, cap]
            ).fetchall()
            if len(due) < cap:
                due += self.db.conn.execute(
                    f"{_ROW} WHERE kind != 'health' AND {where} ORDER BY id LIMIT ?",
                    [*params, cap - len(due)],
                ).fetchall()
            keys = sorted({r[4] for r in due if r[4]})
            if keys:  # a digest goes out whole once any of its rows is due
                seen = {r[0] for r in due}
                due += [r for r in self.db.conn.execute(
                    f"{_ROW} WHERE status IN ('pending', 'uncertain') AND digest_key IN"
                    f" ({dbconn.marks(keys)}) ORDER BY id", keys,
                ) if r[0] not in seen]  # fmt: skip
            groups: dict[str, list] = {}
            for row in sorted(due, key=lambda r: (r[1] != "health", r[0])):
                groups.setdefault(row[4] or f"#{row[0]}", []).append(row)
            messages: list[Message] = []
            for rows in groups.values():
                cap = self._cap(rows[0][2])
                for i in range(0, len(rows), cap):
                    part = rows[i : i + cap]
                    messages.append(Message(
                        channel=part[0][3], kind=part[0][1], ids=[r[0] for r in part],
                        items=[json.loads(r[5]) for r in part], attempts=max(r[6] for r in part) + 1,
                        keys=[r[7] for r in part],
                    ))  # fmt: skip
            if limit is not None:
                messages = messages[:limit]
            flat = [i for m in messages for i in m.ids]
            for part in dbconn.chunks(flat):
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'claimed', claimed_by = ?, claim_until = ?"
                    f" WHERE id IN ({dbconn.marks(part)})", [self.worker, now + lease, *part],
                )  # fmt: skip
            return messages

        return self._write(run)

    def start_send(self, m: Message) -> bool:
        """claimed → sending, just before the request; False if another deliverer took the rows."""
        until = time.time() + self._timeout(m.channel) + self.settings.options.lease

        def run() -> bool:
            cur = self.db.conn.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claim_until = ?"
                f" WHERE id IN ({dbconn.marks(m.ids)}) AND claimed_by = ? AND status = 'claimed'",
                [until, *m.ids, self.worker],
            )
            return cur.rowcount == len(m.ids)

        return self._write(run)

    def unclaim(self, messages: list[Message]) -> None:
        """Give back claimed rows we will not send now (stopping): they were never sent."""
        ids = [i for m in messages for i in m.ids]

        def run():
            for part in dbconn.chunks(ids):
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'pending', claimed_by = NULL, claim_until = NULL"
                    f" WHERE id IN ({dbconn.marks(part)}) AND claimed_by = ? AND status = 'claimed'",
                    [*part, self.worker],
                )  # fmt: skip

        if ids:
            self._write(run)

    # -- sending

    def render(self, message: Message) -> tuple[str, str]:
        """(title, body) of the first part: the one place delivery asks what a message says."""
        first = self.outgoing(message)[0]
        return first.title, first.body

    def outgoing(self, message: Message) -> list[outgoing.Outgoing]:
        """What the channel receives (alerts/message.py picks format, template and splitting)."""
        channel = self.settings.channels.get(message.channel)
        lang = (channel.language if channel else None) or self.settings.options.language
        o = self.settings.options
        return outgoing.build(message.kind, message.items, channel.expanded_url() if channel else "",
                              lang, o.templates, o.template_dir, message.channel)  # fmt: skip

    def window(self, channel: str) -> ratelimit.Window | None:
        """The channel's rate window: `per_minute`, or 20 for chat robots; None when uncapped."""
        with self._report_lock:
            if channel not in self._windows:
                ch = self.settings.channels.get(channel)
                per = ch.per_minute if ch is not None else 0
                if ch is not None and per is None:
                    chat = outgoing.family(ch.expanded_url()).batch
                    per = ratelimit.CHAT_PER_MINUTE if chat else 0
                self._windows[channel] = ratelimit.Window(per) if per else None
            return self._windows[channel]

    def _attach(self, m: Message, parts: list[outgoing.Outgoing], sender: Sender) -> Path | None:
        """A digest to a channel that takes files carries its sectors' pipeline charts.

        Returns the temp folder to remove after the send. A chart that cannot be made is
        logged and left out: the digest itself must not wait for it.
        """
        if not (self.settings.options.attach_report and sender.takes_files):
            return None
        if m.kind != "event" or len(m.items) < 2:
            return None
        sectors = attachments.digest_sectors(m.items)
        if not sectors:
            return None
        folder = None
        try:
            root = self.data_dir / "tmp"
            root.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="attach-", dir=root))
            taxonomy = self.settings.taxonomy
            with self._db_lock:
                files = [attachments.pipeline_file(self.db.conn, s, taxonomy.label(s, "en"), folder)
                         for s in sectors]  # fmt: skip
            parts[0].attachments = [str(f) for f in files if f is not None]
        except Exception as exc:  # noqa: BLE001 - a chart is a bonus, never a reason not to send
            log.warning("event=attachment_failed channel=%s error=%s", m.channel,
                        json.dumps(f"{type(exc).__name__}: {exc}", ensure_ascii=False))  # fmt: skip
            parts[0].attachments = []
        return folder

    def send_one(self, m: Message, now: float | None = None) -> Report:
        """Send one claimed message and commit its outcome before returning.

        A channel whose rate window is full sends nothing: the report says when it has room
        (`wait_until`) and the caller gives the rows back for then, no attempt used.
        """
        report = Report()
        started = time.monotonic()
        try:
            parts = self.outgoing(m)
        except Exception as exc:  # a bad template must not stop other messages
            if self.start_send(m):
                self.mark(m, False, f"render failed: {exc}", 0.0)
            report.failed += len(m.ids)
            report.errors.append(f"{m.channel}: render failed: {exc}")
            return report
        window = self.window(m.channel)
        clock = time.time() if now is None else now
        if window is not None:
            report.wait_until = window.wait_until(clock, len(parts))
            if report.wait_until is not None:
                report.deferred += len(m.ids)
                return report
        sender = self.senders.get(m.channel)
        folder = self._attach(m, parts, sender)
        try:
            if not self.start_send(m):
                return report  # taken over (our lease expired): the other deliverer sends it
            event = m.keys[0] if len(m.keys) == 1 else None
            for n, part in enumerate(parts):  # a split message: stop at the first part that fails
                key = m.key if n == 0 else f"{m.key}-{n}"  # each part its own stable key
                if window is not None:
                    window.record(clock)  # a refused POST counts too: the robot saw it
                out = sender.send(part, key=key, event=event)
                if not out.ok:
                    break
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.mark(m, out.ok, out.error, time.monotonic() - started, uncertain=out.uncertain)
        if out.ok:
            report.messages += 1
            report.sent += len(m.ids)
        else:
            if out.uncertain:
                report.uncertain += len(m.ids)
            else:
                report.failed += len(m.ids)
            report.errors.append(f"{m.channel}: {out.error}")
        return report

    def backoff(self, attempts: int) -> float:
        o = self.settings.options
        return min(o.retry_max, o.retry_base * 2 ** max(0, attempts - 1))

    def mark(
        self, m: Message, ok: bool, error: str | None, seconds: float, *, uncertain: bool = False
    ) -> None:
        """Commit one message's outcome. Refused when another deliverer holds the rows now.

        A late success is still taken for a row left `uncertain` (nobody holds it): the channel
        did take it, and recording that saves the repeat.
        """
        now = now_iso()
        marks = dbconn.marks(m.ids)
        held = f"id IN ({marks}) AND claimed_by = ? AND status IN ('claimed', 'sending')"
        retry_in = self.settings.options.uncertain_retry if uncertain else self.backoff(m.attempts)

        def run():
            if ok:
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, claim_until = NULL,"
                    f" last_error = NULL WHERE ({held}) OR (id IN ({marks}) AND status = 'uncertain')",
                    [now, m.message_id, *m.ids, self.worker, *m.ids],
                )  # fmt: skip
            else:
                self.db.conn.execute(
                    "UPDATE outbox SET status = ?, due_at = ?, claim_until = NULL, last_error = ?"
                    f" WHERE {held}",
                    ["uncertain" if uncertain else "pending", time.time() + retry_in, error,
                     *m.ids, self.worker],
                )  # fmt: skip
            self.db.conn.executemany(
                "INSERT INTO alert_attempts (outbox_id, attempt, at, ok, seconds, error, message_id)"
                " VALUES (?, (SELECT attempts FROM outbox WHERE id = ?), ?, ?, ?, ?, ?)",
                [(i, i, now, int(ok), round(seconds, 3), error, m.message_id) for i in m.ids],
            )

        self._write(run)
        where = self.senders.get(m.channel).where
        if ok:
            log.info("event=alert_sent channel=%s url=%s rows=%d kind=%s message=%s seconds=%.2f",
                     m.channel, where, len(m.ids), m.kind, m.message_id, seconds)  # fmt: skip
        else:
            log.warning("event=%s channel=%s url=%s rows=%d attempt=%d retry_in=%.0fs error=%s",
                        "alert_uncertain" if uncertain else "alert_failed", m.channel, where,
                        len(m.ids), m.attempts, retry_in, json.dumps(error, ensure_ascii=False))  # fmt: skip

    # -- one round, many rounds, and the long-running workers

    def _channels_due(self, now: float) -> list[str]:
        with self._db_lock:
            return [r[0] for r in self.db.conn.execute(
                "SELECT DISTINCT channel FROM outbox WHERE status IN ('pending', 'uncertain')"
                " AND due_at <= ?", [now],
            )]  # fmt: skip

    def defer_rate(self, channel: str, held: list[Message], until: float) -> int:
        """The channel's rate window is full: held rows and its other due rows wait until `until`.

        Not a failure: no attempt is used, last_error is untouched, the rows stay pending.
        """
        ids = [i for m in held for i in m.ids]

        def run() -> int:
            for part in dbconn.chunks(ids):
                self.db.conn.execute(
                    "UPDATE outbox SET status = 'pending', claimed_by = NULL, claim_until = NULL,"
                    f" due_at = max(due_at, ?) WHERE id IN ({dbconn.marks(part)}) AND claimed_by = ?"
                    " AND status = 'claimed'", [until, *part, self.worker],
                )  # fmt: skip
            return self.db.conn.execute(
                "UPDATE outbox SET due_at = ? WHERE channel = ? AND status = 'pending' AND due_at < ?",
                [until, channel, until],
            ).rowcount

        n = self._write(run)
        log.info("event=channel_rate_limited channel=%s rows=%d retry_at=%.0f", channel,
                 max(n, len(ids)), until)  # fmt: skip
        return n

    def defer_channel(self, channel: str, seconds: float, error: str) -> int:
        """A channel that keeps failing: its other due rows wait `seconds` without being tried.

        Trying each of a dead channel's 1,000 queued rows in turn costs 1,000 failed connections
        a round; after FAILS_BEFORE_DEFER failures in a row the rest simply wait for the back-off.
        """
        until = time.time() + seconds

        def run() -> int:
            return self.db.conn.execute(
                "UPDATE outbox SET due_at = max(due_at, ?), last_error = coalesce(last_error, ?)"
                " WHERE channel = ? AND status = 'pending' AND due_at < ?",
                [until, f"not tried: the channel failed just before ({error})", channel, until],
            ).rowcount

        n = self._write(run)
        if n:
            log.warning(
                "event=channel_deferred channel=%s rows=%d retry_in=%.0fs", channel, n, seconds
            )
        return n

    FAILS_BEFORE_DEFER = 3
    CLAIM_BATCH = 10  # messages a channel worker claims at once (ops rows still go next)
    CHAT_BATCH = 200  # a chat channel claims more: they are merged, then split under its limit

    def _channel_round(self, channel: str, now: float | None, deadline: float | None) -> Report:
        """Send what is due on one channel, one message at a time; each row at most once a round."""
        report = Report()
        tried: set[int] = set()
        failures = 0
        ops = channel in self.settings.options.ops_channels
        while not self.stop_event.is_set():
            ch = self.settings.channels.get(channel)
            url = ch.expanded_url() if ch else ""
            batch = outgoing.family(url).batch if url else False
            limit = self.CHAT_BATCH if batch else self.CLAIM_BATCH
            messages = self.claim(now, channel=channel, limit=limit)
            if not messages:
                break
            if batch:  # chat robots (~20 messages a minute): due events go out as few messages
                messages = outgoing.coalesce(messages, url)
            reason = None
            until = 0.0
            while messages and reason is None:
                m = messages[0]
                if deadline is not None and time.monotonic() > deadline or self.stop_event.is_set():
                    reason = "stop"
                elif tried & set(m.ids):  # failed earlier this round and due again at `now`
                    reason = "stop"
                elif ops and m.kind != "health" and self._ops_due(channel, now):
                    reason = "ops"  # give the chat rows back, claim again: ops rows come first
                else:
                    r = self.send_one(m, now)
                    report.add(r)
                    if r.wait_until is not None:  # the rate window is full: m stays held
                        reason, until = "rate", r.wait_until
                        report.wait_until = until
                        break
                    messages.pop(0)
                    tried.update(m.ids)
                    failures = failures + 1 if r.failed else 0
                    if failures >= self.FAILS_BEFORE_DEFER:
                        reason = "failing"
            if reason == "rate":
                self.defer_rate(channel, messages, until)
                break
            self.unclaim(messages)  # the rest was never sent
            if reason == "failing":
                self.defer_channel(channel, self.backoff(1), report.errors[-1])
            if reason in ("stop", "failing"):
                break
        return report

    def _ops_due(self, channel: str, now: float | None) -> bool:
        """An ops row arrived on this channel while we hold chat rows: it goes next."""
        clock = time.time() if now is None else now
        with self._db_lock:
            return bool(self.db.conn.execute(
                "SELECT 1 FROM outbox WHERE channel = ? AND kind = 'health' AND status IN"
                " ('pending', 'uncertain') AND due_at <= ? LIMIT 1", [channel, clock],
            ).fetchone())  # fmt: skip

    def _parallel(self, channels: list[str], fn: Callable[[str], Report]) -> Report:
        total = Report()
        results: list[Report] = []

        def run(ch: str) -> None:
            try:
                r = fn(ch)
            except Exception as exc:  # keep the other channels going; rows stay in the outbox
                log.exception("event=deliver_error channel=%s", ch)
                r = Report(errors=[f"{ch}: {type(exc).__name__}: {exc}"])
            with self._report_lock:
                results.append(r)

        threads = [threading.Thread(target=run, args=(ch,), name=f"send-{ch}") for ch in channels]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            total.add(r)
        return total

    def deliver_due(self, now: float | None = None) -> Report:
        """One round: every channel with due rows in its own thread, each message marked as answered."""
        self.recover(now)
        clock = time.time() if now is None else now
        return self._parallel(
            self._channels_due(clock), lambda ch: self._channel_round(ch, now, None)
        )

    def pending(self) -> int:
        with self._db_lock:
            return self.db.conn.execute(
                "SELECT count(*) FROM outbox WHERE status != 'sent'"
            ).fetchone()[0]

    def drain(self, timeout: float = 30.0, interval: float = 0.2) -> Report:
        """Deliver until nothing is due now; each channel independently (rows in back-off stay)."""
        deadline = time.monotonic() + timeout
        self.recover()

        def channel_drain(ch: str) -> Report:
            total = Report()
            while time.monotonic() < deadline and not self.stop_event.is_set():
                r = self._channel_round(ch, None, deadline)
                total.add(r)
                if not r.sent and not r.failed:
                    break
                if r.failed:
                    time.sleep(interval)
            return total

        return self._parallel(self._channels_due(time.time()), channel_drain)

    def wake(self) -> None:
        """New rows were queued (a crawl finished): every channel worker looks now."""
        with self._wake:
            self._woken += 1
            self._wake.notify_all()

    def run_workers(self, interval: float) -> None:
        """Start one long-running worker thread per configured channel (the daemon's delivery)."""
        self.recover()

        def loop(ch: str) -> None:
            while not self.stop_event.is_set():
                with self._wake:
                    seen = self._woken
                try:
                    self._channel_round(ch, None, None)
                    self.recover()
                except Exception:  # keep delivering; the rows stay in the outbox
                    log.exception("event=deliver_error channel=%s", ch)
                with self._wake:
                    if self._woken == seen and not self.stop_event.is_set():
                        self._wake.wait(interval)

        for ch in self.settings.channels:
            t = threading.Thread(target=loop, args=(ch,), name=f"deliver-{ch}", daemon=True)
            t.start()
            self._threads.append(t)


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
