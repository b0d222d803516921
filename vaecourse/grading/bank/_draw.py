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


def batch_and_dims(
    g: torch.Generator, count: int, batch: tuple[int, int], dims: tuple[int, int]
) -> list[tuple[int, int]]:
    """``count`` shapes ``(B, D)`` with ``B != D`` in each and no ``B`` or ``D`` repeated across them.

    Scale mistakes hide where shapes coincide: a mean over D equals a division by B when B == D, and
    every reduction over a dimension of size 1 is invisible. With distinct sizes across the cases,
    only the mistake actually made agrees with the answer on all of them, so it can be named.
    """
    shapes: list[tuple[int, int]] = []
    for _ in range(count):
        b = integer(g, *batch, avoid=tuple(s[0] for s in shapes))
        d = integer(g, *dims, avoid=(b, *(s[1] for s in shapes)))
        shapes.append((b, d))
    return shapes
