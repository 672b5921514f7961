"""Placeholder until the risk_rules helper writes the real module (same signatures)."""
from datetime import date


def is_overdue(status: str, deadline: date, today: date) -> bool:
    return status == "open" and deadline < today
