"""Values on decimal grids for practice prompts: what a problem states is exactly what its answer is computed from."""

from __future__ import annotations

import math
import random

import torch


def grid(rng: random.Random, low: float, high: float, step: float) -> float:
    """A value on the grid ``low, low + step, ..., high``, rounded to ``step``'s decimals (exact as printed)."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return round(low + step * rng.randint(0, round((high - low) / step)), decimals)


def probabilities(rng: random.Random, k: int, step: float = 0.05) -> list[float]:
    """``k`` probabilities on a grid of ``step`` (each at least ``step``) that sum to exactly 1."""
    units = round(1 / step)
    cuts = sorted(rng.sample(range(1, units), k - 1))
    return [round((b - a) * step, 2) for a, b in zip([0, *cuts], [*cuts, units])]


def tensor64(values) -> torch.Tensor:
    """``values`` as a float64 tensor: every answer is computed in double precision."""
    return torch.tensor(values, dtype=torch.float64)
