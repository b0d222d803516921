"""Seeded draws for building probe cases: every hidden input is a pure function of a seed."""

from __future__ import annotations

import torch


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed) % (2**63))


def normal(g: torch.Generator, *shape: int, scale: float = 1.0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Standard-normal draws times ``scale``, made in float64 then cast (same values for any dtype)."""
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


def uniform(g: torch.Generator, *shape: int, low: float = 0.0, high: float = 1.0, dtype=torch.float32) -> torch.Tensor:
    return (low + (high - low) * torch.rand(*shape, generator=g, dtype=torch.float64)).to(dtype)


def integer(g: torch.Generator, low: int, high: int, *, avoid: tuple[int, ...] = ()) -> int:
    """An integer in ``[low, high]`` (inclusive), not in ``avoid``."""
    choices = [k for k in range(low, high + 1) if k not in avoid]
    return choices[int(torch.randint(len(choices), (1,), generator=g))]


def bernoulli(g: torch.Generator, *shape: int, p: float = 0.5, dtype=torch.float32) -> torch.Tensor:
    return (torch.rand(*shape, generator=g, dtype=torch.float64) < p).to(dtype)
