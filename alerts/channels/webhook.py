"""Webhooks: a generic JSON document, or the text message of workplace group robots (WeCom, DingTalk).

Robot form: ``{"msgtype": "text", "text": {"content": "..."}}``. Those robots answer HTTP 200 even when
they refuse a message and say so in ``errcode``; a non-zero ``errcode`` counts as a failure (retried).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from alerts.channels import ChannelError, Message


def body(message: Message, form: str) -> dict:
    """The JSON document posted for ``message`` in ``form`` (generic or robot)."""
    if form == "robot":
        return {"msgtype": "text", "text": {"content": f"{message.subject}\n{message.text}"}}
    return {"id": message.key, "subject": message.subject, "text": message.text, **message.data}


def _robot_refused(raw: bytes) -> str | None:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        return f"robot refused: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip()
    return None


def send(message: Message, url: str, form: str, timeout: float) -> None:
    """POST the message; raises ``ChannelError`` (non-2xx, robot refusal) or ``OSError`` (down, timeout)."""
    request = urllib.request.Request(
        url, data=json.dumps(body(message, form), ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response; left open it leaks a socket
        raise ChannelError(f"HTTP {exc.code} {exc.reason}") from None
    refused = _robot_refused(raw) if form == "robot" else None
    if refused:
        raise ChannelError(refused)
