"""Delivery channels. Each sender takes a :class:`Message` and raises on failure; the caller records it.

``in_app`` is not sent: its rows are written set-based when alerts are raised (``alerts.raising``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ChannelError(Exception):
    """The channel answered but refused the message (HTTP 500, a robot's non-zero errcode...)."""


@dataclass(frozen=True)
class Message:
    """One rendered message: ``key`` is stable across retries so receivers can discard repeats."""

    key: str
    subject: str
    text: str
    data: dict = field(default_factory=dict)  # the structured form, for the generic webhook
