"""Weighted and uniform draws for the demo generator, from a given ``random.Random``
(never the global one), so that a seed gives the same community everywhere."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from typing import Any


def cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def draw(rng: random.Random, cum: list[float]) -> int:
    """An index drawn with the weights whose running sums are ``cum``."""
    return bisect(cum, rng.random() * cum[-1], 0, len(cum) - 1)  # hi: a product rounded up to the total


def pick(rng: random.Random, items: Sequence[Any], cum: list[float]) -> Any:
    return items[draw(rng, cum)]


def one(rng: random.Random, items: Sequence[Any]) -> Any:
    """An item drawn uniformly."""
    return items[int(rng.random() * len(items))]
