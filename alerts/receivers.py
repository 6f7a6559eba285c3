"""Real local receivers for the demo, tests and benchmarks: an SMTP mailbox and an HTTP webhook.

Alerts are tested end to end through apprise into these, never through a mocked transport.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class MailSink:
    """aiosmtpd on 127.0.0.1 writing each message to `folder/NNNN.eml` (one file per message)."""

    def __init__(self, folder: Path | str, host: str = "127.0.0.1", port: int = 0):
        self.folder = Path(folder)
        self.host = host
        self.port = port  # 0: any free port
        self.controller: Controller | None = None
        self._count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self._lock:
            self._count += 1
            path = self.folder / f"{self._count:04d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def start(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        fixed = self.port
        for _ in range(1 if fixed else 5):  # aiosmtpd needs a concrete port; retry if one is taken
            self.port = fixed or free_port(self.host)
            controller = Controller(self, hostname=self.host, port=self.port)
            try:
                controller.start()
            except (OSError, RuntimeError):
                continue
            self.controller = controller
            return self
        raise RuntimeError("could not start the SMTP receiver")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def url(self, to: str = "you@localhost", sender: str = "filingwatch@localhost") -> str:
        """An apprise mailto URL for this receiver: plain SMTP, no login (mode=insecure)."""
        return f"mailto://{self.host}:{self.port}?from={sender}&to={to}&mode=insecure"

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml"))

    def messages(self) -> list[dict]:
        """Subject and plain-text body of each stored message, decoded."""
        out = []
        for path in self.files():
            msg = message_from_bytes(path.read_bytes(), policy=policy.default)
            part = msg.get_body(preferencelist=("plain",))
            out.append({"path": str(path), "subject": str(msg["subject"]), "to": str(msg["to"]),
                        "body": part.get_content() if part else ""})  # fmt: skip
        return out

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class WebhookReceiver:
    """http.server on 127.0.0.1 recording JSON posts; `fail_next` / `status` make it answer 500.

    A slow or hanging channel: `delay` seconds before answering, or `gate` (an Event) that must be
    set before it answers. A request is recorded (with its headers) when it arrives, before the
    answer, as a real receiver that processes first and answers after would have it;
    `answered` counts the answers actually written.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0,
        gate: threading.Event | None = None,
    ):  # fmt: skip
        self.received: list[dict] = []  # requests answered 2xx: what was really delivered
        self.refused: list[dict] = []  # requests answered with an error status
        self.status = 200  # answer for every request while fail_next is 0
        self.fail_next = 0
        self.delay = delay
        self.gate = gate
        self.answered = 0
        self.arrived = threading.Condition()  # notified on every request (tests wait on it)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    data = json.loads(body or b"{}")
                except ValueError:
                    data = {"raw": body.decode("utf-8", "replace")}
                entry = {"path": self.path, "data": data, "time": time.time(),
                         "headers": {k.lower(): v for k, v in self.headers.items()}}  # fmt: skip
                with receiver.lock:
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = 500
                    else:
                        status = receiver.status
                    (receiver.received if status < 300 else receiver.refused).append(entry)
                with receiver.arrived:
                    receiver.arrived.notify_all()
                if receiver.gate is not None:
                    receiver.gate.wait()
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:  # the sender gave up (timed out or was killed)
                    return
                with receiver.lock:
                    receiver.answered += 1

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def start(self) -> WebhookReceiver:
        threading.Thread(target=self.httpd.serve_forever, name="webhook", daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def messages(self) -> list[dict]:
        with self.lock:
            return [e["data"] for e in self.received]

    def keys(self) -> list[str]:
        """The Idempotency-Key of each accepted request, in arrival order."""
        with self.lock:
            return [e["headers"].get("idempotency-key", "") for e in self.received]

    def wait_for(self, count: int, timeout: float = 60.0) -> bool:
        """Block until `count` requests (accepted or refused) arrived; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) + len(self.refused) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
        return True

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
