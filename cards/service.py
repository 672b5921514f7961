"""Card lifecycle. (Being written: ``reevaluate`` is the entry point other packages call.)"""

from collections.abc import Iterable


def reevaluate(enterprise_ids: Iterable[int]) -> None:
    """Bring the cards of these enterprises in line with their findings (flush only)."""
