"""E-mail over SMTP (``SMTP_HOST``, ``SMTP_PORT``, optional STARTTLS and login, ``MAIL_FROM``).

Subjects carry user text (an enterprise's name): a line break in a header value would be refused by the
e-mail library (so the mail could never be sent) or, written as is, start a header of its own. Every header
value is put on one line (``core.text.one_line``) and the message is written with ``email.policy.SMTP``, which
folds long headers and encodes non-ASCII ones (RFC 2047) with CRLF line ends. Text that looks like an RFC 2047
encoded word (``=?utf-8?q?...?=``) would be decoded, by the library and by the reader's mail program, into
other text (line breaks included): a zero-width space after its ``=`` keeps it the literal text it is.
"""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.channels import Message
from core.db import utcnow
from core.text import one_line
from core.time import local_time


def _subject(text: str) -> str:
    return one_line(text).replace("=?", "=\N{ZERO WIDTH SPACE}?")


def compose(message: Message, sender: str, to: str) -> EmailMessage:
    """The e-mail for ``message``; its Message-ID is derived from the delivery so repeats can be spotted."""
    mail = EmailMessage(policy=policy.SMTP)
    mail["Subject"] = _subject(message.subject)
    mail["From"] = one_line(sender)
    mail["To"] = one_line(to)
    mail["Date"] = format_datetime(local_time(utcnow()))  # the zone's time with its offset
    mail["Message-ID"] = f"<{message.key}@{sender.rpartition('@')[2] or 'localhost'}>"
    mail.set_content(message.text, charset="utf-8")
    return mail


def send(message: Message, to: str, config, timeout: float) -> None:
    """Send one e-mail; raises ``OSError`` or ``smtplib.SMTPException`` when the server is down or refuses."""
    mail = compose(message, config["MAIL_FROM"], to)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(mail)
