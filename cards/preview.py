"""What a proposed rule set would change, computed without writing anything."""

from __future__ import annotations

import sqlalchemy as sa

from cards import facts as card_facts
from cards.service import COLOUR_RANK, decide, worst
from core.db import db
from core.time import local_date
from enterprises.models import Enterprise
from risk_rules import cards as rules


def preview(rule_set: rules.RuleSet) -> dict:
    today = local_date()
    everything = card_facts.load(None, rule_set, today)
    names = dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(
        Enterprise.id.in_(list(everything)))).all())
    result = {"ruleset_version": rule_set.version, "gained": [], "lost": [], "changed": []}
    for enterprise_id, entry in sorted(everything.items()):
        reasons = decide(entry, rule_set, today)
        current = entry.active.colour if entry.active else None
        proposed = worst(reasons)
        if current == proposed:
            continue
        bucket = "gained" if current is None else "lost" if proposed is None else "changed"
        result[bucket].append({"enterprise_id": enterprise_id, "enterprise_name": names.get(enterprise_id, ""),
                               "current": current, "proposed": proposed, "reasons": reasons})
    for bucket in ("gained", "lost", "changed"):
        result[bucket].sort(key=lambda e: (-COLOUR_RANK[e["proposed"]], e["enterprise_id"]))
    return result
