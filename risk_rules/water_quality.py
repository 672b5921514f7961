"""Compatibility import path: the water-quality rules live in ``risk_rules.water``."""

from risk_rules.water import *  # noqa: F403
from risk_rules.water import __all__  # noqa: F401
