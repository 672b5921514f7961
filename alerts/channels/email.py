"""E-mail over SMTP (``SMTP_HOST``, ``SMTP_PORT``, optional STARTTLS and login, ``MAIL_FROM``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from alerts.channels import Message


def compose(message: Message, sender: str, to: str) -> EmailMessage:
    """The e-mail for ``message``; its Message-ID is derived from the delivery so repeats can be spotted."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=False)
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
