"""Cohen's kappa: agreement on labels beyond chance, for span labels and for attribution fields."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> float | None:
    """Kappa of paired values; None when undefined (no pairs, or one value throughout)."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for x, y in pairs if x == y) / n
    left = Counter(x for x, _ in pairs)
    right = Counter(y for _, y in pairs)
    expected = sum(left[c] * right.get(c, 0) for c in left) / (n * n)
    if expected == 1:
        return None  # both used one and the same value throughout: undefined
    return (observed - expected) / (1 - expected)
