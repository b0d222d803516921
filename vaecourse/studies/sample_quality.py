r"""Comparing generated points with data: per-mode coverage of a mixture and the energy distance between two samples.

The energy distance (Székely & Rizzo, 2013) between the laws of :math:`X` and :math:`Y`,

.. math:: \mathcal E(X, Y) = 2\,\mathbb E\|X - Y\| - \mathbb E\|X - X'\| - \mathbb E\|Y - Y'\| \;\ge 0,

is zero exactly when the two laws are equal; in one dimension it equals
:math:`2\int (F_X - F_Y)^2\,dx`. Per-mode coverage counts the points that land within a radius of each
mode of a known mixture: a sampler that drops a mode leaves that count near zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core._validation import require_tensor


@dataclass(frozen=True)
class ModeCoverage:
    """``counts[k]``: points within ``radius`` of mode k, ``(K,)``; ``near``: their share of all points."""

    counts: torch.Tensor
    near: float
    num_points: int

    @property
    def shares(self) -> torch.Tensor:
        """Each mode's share of the points near some mode, ``(K,)`` (1/K each for a balanced sampler)."""
        return self.counts.float() / self.counts.sum().clamp(min=1)

    @property
    def modes_hit(self) -> int:
        """Modes with at least one point near them."""
        return int((self.counts > 0).sum())


def mode_coverage(points: torch.Tensor, centres: torch.Tensor, radius: float) -> ModeCoverage:
    """Assign each point ``(N, D)`` to its nearest centre ``(K, D)`` and count those within ``radius`` of it.

    Example:
        >>> coverage = mode_coverage(torch.tensor([[0.1, 0.0], [2.0, 2.0], [4.9, 0.0]]),
        ...                          torch.tensor([[0.0, 0.0], [5.0, 0.0]]), radius=0.5)
        >>> coverage.counts.tolist(), round(coverage.near, 4), coverage.modes_hit
        ([1, 1], 0.6667, 2)
    """
    require_tensor("points", points, min_dim=2)
    require_tensor("centres", centres, min_dim=2)
    if points.shape[-1] != centres.shape[-1]:
        raise ValueError(f"points {tuple(points.shape)} and centres {tuple(centres.shape)} must share their last dimension")
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius!r}")
    distances = torch.cdist(points, centres.to(points))  # (N, K)
    nearest, which = distances.min(dim=1)  # (N,) each
    close = nearest < radius  # (N,)
    counts = torch.bincount(which[close], minlength=centres.shape[0])  # (K,)
    return ModeCoverage(counts=counts, near=float(close.float().mean()), num_points=points.shape[0])


def _mean_distance(a: torch.Tensor, b: torch.Tensor, exclude_diagonal: bool) -> torch.Tensor:
    distances = torch.cdist(a, b)  # (N, M)
    if exclude_diagonal:
        n = a.shape[0]
        return distances.sum() / (n * (n - 1))
    return distances.mean()


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    r"""The energy distance between two samples ``x`` ``(N, D)`` and ``y`` ``(M, D)`` (the U-statistic form).

    .. math:: \hat{\mathcal E} = \frac2{NM}\sum_{i,j}\|x_i - y_j\| - \frac1{N(N-1)}\sum_{i\ne i'}\|x_i - x_{i'}\|
              - \frac1{M(M-1)}\sum_{j\ne j'}\|y_j - y_{j'}\|

    Unbiased for :math:`\mathcal E(X, Y)`, so it scatters around 0 (and may be slightly negative) when the
    two samples come from the same law. Memory is ``N * M``: keep each sample to a few thousand points.
    """
    require_tensor("x", x, min_dim=2)
    require_tensor("y", y, min_dim=2)
    if x.shape[-1] != y.shape[-1] or x.shape[0] < 2 or y.shape[0] < 2:
        raise ValueError(f"x and y must be (N, D) and (M, D) with N, M >= 2, got {tuple(x.shape)} and {tuple(y.shape)}")
    y = y.to(x)
    cross = _mean_distance(x, y, exclude_diagonal=False)
    return float(2 * cross - _mean_distance(x, x, True) - _mean_distance(y, y, True))
