"""E-mail for mailto:// and mailtos:// channels: our own multipart/alternative MIME over smtplib.

Why not apprise's mailto plugin: with body_format=html it builds the text/plain part itself by
converting the HTML (our plain text, with its lines and URLs, would be lost), and it always sets
a fresh random Message-ID (a header we pass is added as a second Message-ID). We want our own
plain part and a Message-ID derived from the outbox dedupe keys, so a resent alert collapses
into the first one in mail clients. The URL is still parsed by apprise (host, port, secure mode,
login, from/to/cc/bcc, provider templates like gmail.com), so channel URLs mean what apprise's
documentation says.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

import apprise

from alerts.message import Outgoing

TIMEOUT = 30.0


def _addr(entry) -> str:
    """apprise keeps addresses as (name or False, address)."""
    if isinstance(entry, list | tuple):
        name, address = entry[0], entry[1]
        return formataddr((name or "", address)) if name else address
    return str(entry)


def mime(plugin, out: Outgoing, recipient) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = out.title
    msg["From"] = _addr(plugin.from_addr)
    msg["To"] = _addr(recipient)
    if plugin.cc:
        msg["Cc"] = ", ".join(sorted(plugin.cc))
    if getattr(plugin, "reply_to", None):
        msg["Reply-To"] = ", ".join(sorted(plugin.reply_to))
    msg["Date"] = formatdate(localtime=True)
    if out.message_id:
        msg["Message-ID"] = out.message_id
    msg["X-Application"] = "filingwatch"
    for key, value in {**(plugin.headers or {}), **out.headers}.items():
        if key.lower() not in ("message-id", "subject", "from", "to", "cc", "date"):
            msg[key] = value
    msg.set_content(out.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    if out.html is not None:
        msg.add_alternative(out.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for name in out.attachments:  # files (a digest's pipeline chart): multipart/mixed around it
        path = Path(name)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        params = {"charset": "utf-8"} if maintype == "text" else {}  # our charts are UTF-8
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=path.name, params=params)  # fmt: skip
    return msg


def send(url: str, out: Outgoing, timeout: float = TIMEOUT) -> tuple[bool, str | None]:
    """Send one message to every recipient of the URL; (ok, error with secrets masked)."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return False, "apprise cannot parse this mail URL"
    where = f"{plugin.smtp_host}:{plugin.port}"
    targets = list(plugin.targets) or [(False, plugin.from_addr[1])]
    mode = str(getattr(plugin, "secure_mode", "insecure")).lower()
    try:
        if mode == "ssl":
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(plugin.smtp_host, plugin.port, timeout=timeout,
                                                  context=context)  # fmt: skip
        else:
            smtp = smtplib.SMTP(plugin.smtp_host, plugin.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if mode == "starttls" and plugin.secure:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if plugin.user and plugin.password:
                smtp.login(plugin.user, plugin.password)
            for target in targets:
                to = target[1] if isinstance(target, list | tuple) else str(target)
                msg = mime(plugin, out, target)
                smtp.send_message(msg, from_addr=plugin.from_addr[1],
                                  to_addrs=[to, *sorted(plugin.cc), *sorted(plugin.bcc)])  # fmt: skip
    except (OSError, smtplib.SMTPException) as exc:
        # exc text comes from the server or the socket; it never holds the URL's password
        return False, f"mail to {where} failed: {type(exc).__name__}: {exc}"
    return True, None
