r"""Figure: score-function and pathwise estimates of :math:`\partial_\mu \mathbb E_q[f(z)]` as the sample count L grows.

.. math::
    \hat g_{\text{score}} = \frac1L\sum_\ell f(z_\ell)\,\frac{z_\ell-\mu}{\sigma^2}, \qquad
    \hat g_{\text{path}} = \frac1L\sum_\ell f'(\mu+\sigma\varepsilon_\ell), \qquad
    z_\ell = \mu + \sigma\varepsilon_\ell

With :math:`f(z) = z^2` the true gradient is :math:`\partial_\mu(\mu^2+\sigma^2) = 2\mu`. Both estimators
are unbiased and share the same noise :math:`\varepsilon` here; the figure shows how widely many
repeated estimates spread, and how both spreads shrink like :math:`1/\sqrt L`, the pathwise one far
lower. Estimates come from :mod:`vaecourse.core.gradients`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..core.gradients import pathwise_gradient, score_function_gradient
from .player import Player

DEFAULT_SAMPLE_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


def square(z: torch.Tensor) -> torch.Tensor:
    """:math:`f(z) = \\sum_j z_j^2`, ``(..., L, D) -> (..., L)``; its expectation is :math:`\\mu^2 + \\sigma^2`."""
    return z.pow(2).sum(dim=-1)


@dataclass(frozen=True)
class EstimatorSpread:
    """For each sample count L: ``repeats`` independent estimates of d/d(mu) by each estimator."""

    sample_counts: tuple[int, ...]
    score: tuple[torch.Tensor, ...]  # each (R,)
    pathwise: tuple[torch.Tensor, ...]  # each (R,)
    samples: tuple[torch.Tensor, ...]  # each (L,): the z of the first repeat
    mu: float
    sigma: float
    true_gradient: float


def gradient_spread(sample_counts: Sequence[int] = DEFAULT_SAMPLE_COUNTS, repeats: int = 200, mu: float = 1.0,
                    sigma: float = 1.0, seed: int = 0) -> EstimatorSpread:
    r"""Repeated estimates of :math:`\partial_\mu\mathbb E_{\mathcal N(\mu,\sigma^2)}[z^2] = 2\mu` by both estimators.

    For each L, one seeded noise tensor ``eps`` of shape ``(repeats, L, 1)`` is passed to both
    :func:`~vaecourse.score_function_gradient` and :func:`~vaecourse.pathwise_gradient`.

    Raises:
        ValueError: an empty or non-positive ``sample_counts``, ``repeats < 2``, or ``sigma`` not > 0.
    """
    counts = tuple(int(count) for count in sample_counts)
    if not counts or min(counts) < 1:
        raise ValueError(f"sample_counts must be positive ints, got {tuple(sample_counts)}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 2:
        raise ValueError(f"repeats must be an int >= 2 (a spread needs two estimates), got {repeats!r}")
    if not (math.isfinite(mu) and math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"mu must be finite and sigma finite and > 0, got mu={mu!r}, sigma={sigma!r}")
    generator = torch.Generator().manual_seed(seed)
    mu_t = torch.tensor([mu], dtype=torch.float64)  # (1,)
    logvar_t = torch.tensor([2.0 * math.log(sigma)], dtype=torch.float64)  # (1,)
    score, pathwise, samples = [], [], []
    for count in counts:
        eps = torch.randn(repeats, count, 1, generator=generator, dtype=torch.float64)  # (R, L, 1)
        score.append(score_function_gradient(square, mu_t, logvar_t, count, eps=eps)[0][:, 0])  # (R,)
        pathwise.append(pathwise_gradient(square, mu_t, logvar_t, count, eps=eps)[0][:, 0])  # (R,)
        samples.append(mu + sigma * eps[0, :, 0])  # (L,)
    return EstimatorSpread(counts, tuple(score), tuple(pathwise), tuple(samples), mu, sigma, 2.0 * mu)


def draw_estimators(fig, num_samples: int, spread: EstimatorSpread) -> None:
    """Draw one frame: the L samples on q (left), both estimators' spread of estimates (middle), std vs L (right)."""
    index = spread.sample_counts.index(num_samples)
    sample_ax, hist_ax, std_ax = fig.subplots(1, 3, width_ratios=(1, 1.2, 1))
    z = np.linspace(spread.mu - 3.5 * spread.sigma, spread.mu + 3.5 * spread.sigma, 200)
    density = np.exp(-0.5 * ((z - spread.mu) / spread.sigma) ** 2) / (spread.sigma * math.sqrt(2 * math.pi))
    sample_ax.plot(z, density, color="tab:blue")
    shown = spread.samples[index].numpy()
    sample_ax.plot(shown, np.zeros_like(shown), "|", color="black", markersize=12, alpha=max(0.15, 1 / len(shown) ** 0.3))
    sample_ax.set(xlim=(z[0], z[-1]), ylim=(-0.05, 0.5), xlabel="$z$", yticks=[], title=f"$L={num_samples}$ samples")

    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(spread.score[0]))  # (R,), same every frame
    low, high = spread.true_gradient - 8.0, spread.true_gradient + 8.0
    for row, (estimates, color) in enumerate(((spread.pathwise, "tab:blue"), (spread.score, "tab:orange"))):
        values = estimates[index].clamp(low, high).numpy()  # (R,), the rare far estimate drawn at the edge
        hist_ax.plot(values, row + jitter, ".", color=color, markersize=2.5, alpha=0.6)
    hist_ax.axvline(spread.true_gradient, color="black", linewidth=1)
    hist_ax.set_yticks([0, 1], ["pathwise", "score\nfunction"], fontsize=8)
    hist_ax.set(xlim=(low, high), ylim=(-0.6, 1.6), xlabel=rf"estimates (true $2\mu={spread.true_gradient:g}$)",
                title=f"{len(spread.score[0])} repeated estimates")

    counts = np.array(spread.sample_counts[: index + 1])
    for estimates, color in ((spread.score, "tab:orange"), (spread.pathwise, "tab:blue")):
        stds = [estimates[i].std().item() for i in range(index + 1)]
        std_ax.loglog(counts, stds, "o-", color=color, markersize=3)
    every = np.array(spread.sample_counts)
    std_ax.loglog(every, 2 * spread.sigma / np.sqrt(every), "--", color="0.6", linewidth=1,
                  label=r"$2\sigma/\sqrt{L}$ (pathwise, exact)")
    std_ax.legend(loc="upper right", fontsize=7, frameon=False)
    std_ax.set(xlim=(0.7, spread.sample_counts[-1] * 1.4), ylim=(0.03, 30), xlabel="$L$", title="spread (std)")


def estimators_figure(sample_counts: Sequence[int] = DEFAULT_SAMPLE_COUNTS, repeats: int = 200, seed: int = 0,
                      dpi: int = 80) -> Player:
    """The estimator player: one frame per sample count L (precomputed, so the live widget has no free slider)."""
    spread = gradient_spread(sample_counts, repeats=repeats, seed=seed)

    def draw(fig, num_samples):
        draw_estimators(fig, num_samples, spread)

    draw.__name__ = "draw_estimators"
    return Player(draw, [{"num_samples": count} for count in spread.sample_counts], figsize=(7.2, 2.5),
                  dpi=dpi, frame_label="L index", data=spread)
