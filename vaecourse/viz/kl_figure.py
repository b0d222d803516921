r"""Figure: the KL of a 1-D Gaussian :math:`\mathcal N(\mu,\sigma^2)` to :math:`\mathcal N(0,1)`, term by term, as mu and sigma move.

.. math::
    \mathrm{KL}\big(\mathcal N(\mu,\sigma^2)\,\|\,\mathcal N(0,1)\big)
    = \tfrac12\big(\underbrace{\mu^2}_{\text{mean}} + \underbrace{\sigma^2}_{\text{wide}}
    \underbrace{-\log\sigma^2}_{\text{narrow}} \underbrace{-\,1}_{\text{offset}}\big)

Each frame shows the two densities and a bar per term; the KL itself comes from
:func:`vaecourse.gaussian_kl`, and the terms are checked to add up to it.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from ..core.kl import gaussian_kl
from .player import Player

TERM_NAMES = (r"$\mu^2$", r"$\sigma^2$", r"$-\log\sigma^2$", r"$-1$")
"""Labels of the four terms, in the order :func:`kl_terms_1d` returns them."""

DEFAULT_WAYPOINTS: tuple[tuple[float, float], ...] = ((0.0, 1.0), (2.0, 1.0), (0.0, 1.0), (0.0, 0.3), (0.0, 2.5), (0.0, 1.0))
"""(mu, sigma) stops of the default path: from the prior, the mean moves out and back, then sigma
shrinks (the -log sigma^2 term grows) and widens (the sigma^2 term grows), and returns to the prior."""


def kl_terms_1d(mu: float, sigma: float) -> tuple[tuple[float, float, float, float], float]:
    r"""The terms :math:`(\mu^2, \sigma^2, -\log\sigma^2, -1)` and the KL, :math:`\tfrac12` of their sum.

    Args:
        mu: the mean, any finite number.
        sigma: the standard deviation (not the variance, not the log-variance), finite and > 0.

    Returns:
        ``(terms, kl)``; ``kl`` is computed by :func:`vaecourse.gaussian_kl` in float64.

    Raises:
        ValueError: a non-finite ``mu`` or a ``sigma`` that is not finite and > 0.

    Example:
        >>> terms, kl = kl_terms_1d(2.0, 1.0)
        >>> [round(t, 4) for t in terms], round(kl, 4)
        ([4.0, 1.0, -0.0, -1.0], 2.0)
    """
    if not math.isfinite(mu):
        raise ValueError(f"mu must be a finite number, got {mu!r}")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a finite standard deviation > 0 (not a log-variance), got {sigma!r}")
    logvar = 2.0 * math.log(sigma)
    terms = (mu**2, sigma**2, -logvar, -1.0)
    kl = gaussian_kl(torch.tensor([mu], dtype=torch.float64), torch.tensor([logvar], dtype=torch.float64)).item()
    assert abs(0.5 * sum(terms) - kl) <= 1e-9 * max(1.0, abs(kl)), "terms do not add up to gaussian_kl"
    return terms, kl


def kl_path(waypoints: Sequence[tuple[float, float]] = DEFAULT_WAYPOINTS, steps_per_leg: int = 3) -> list[dict]:
    """Frames ``{"mu": ..., "sigma": ...}`` along straight legs between waypoints (sigma moves in log scale)."""
    if len(waypoints) < 2 or steps_per_leg < 1:
        raise ValueError(f"need >= 2 waypoints and steps_per_leg >= 1, got {len(waypoints)} and {steps_per_leg}")
    frames = [{"mu": float(waypoints[0][0]), "sigma": float(waypoints[0][1])}]
    for (mu0, sigma0), (mu1, sigma1) in zip(waypoints[:-1], waypoints[1:]):
        for step in range(1, steps_per_leg + 1):
            t = step / steps_per_leg
            sigma = math.exp((1 - t) * math.log(sigma0) + t * math.log(sigma1))
            frames.append({"mu": round((1 - t) * mu0 + t * mu1, 6), "sigma": round(sigma, 6)})
    return frames


def draw_kl_terms(fig, mu: float, sigma: float) -> None:
    """Draw one frame: the densities of q and the prior (left) and the KL's terms (right)."""
    terms, kl = kl_terms_1d(mu, sigma)
    density_ax, terms_ax = fig.subplots(1, 2, width_ratios=(1.1, 1))
    z = np.linspace(-4.5, 4.5, 300)
    prior = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    q = np.exp(-0.5 * ((z - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    density_ax.plot(z, prior, color="0.45", linestyle="--", label=r"prior $\mathcal{N}(0,1)$")
    density_ax.fill_between(z, q, color="tab:blue", alpha=0.3)
    density_ax.plot(z, q, color="tab:blue", label=r"$q=\mathcal{N}(\mu,\sigma^2)$")
    density_ax.set(xlim=(-4.5, 4.5), ylim=(0, 1.45), xlabel="$z$", title=rf"$\mu={mu:.2f},\ \sigma={sigma:.2f}$")
    density_ax.legend(loc="upper left", fontsize=8, frameon=False)

    heights = [*terms, kl]
    colors = ["tab:orange", "tab:green", "tab:purple", "0.6", "tab:red"]
    bars = terms_ax.bar(range(5), heights, color=colors)
    bars[-1].set_label("KL")
    terms_ax.axhline(0, color="black", linewidth=0.6)
    terms_ax.set_xticks(range(5), [*TERM_NAMES, "KL"], fontsize=8)
    terms_ax.set(ylim=(-1.6, 7.0), title=rf"KL $=\frac{{1}}{{2}}\,$(sum of terms) $={kl:.3f}$")
    for position, height in enumerate(heights):
        terms_ax.annotate(f"{0.0 if abs(height) < 5e-3 else height:.2f}", (position, height), ha="center", fontsize=7,
                          xytext=(0, 2 if height >= 0 else -9), textcoords="offset points")


def kl_figure(waypoints: Sequence[tuple[float, float]] = DEFAULT_WAYPOINTS, steps_per_leg: int = 3,
              dpi: int = 80) -> Player:
    """The KL player: ``len(waypoints)-1`` legs of ``steps_per_leg`` frames; live sliders for mu and sigma."""
    return Player(draw_kl_terms, kl_path(waypoints, steps_per_leg), figsize=(6.4, 2.5), dpi=dpi,
                  controls={"mu": (-2.5, 2.5, 0.05), "sigma": (0.3, 2.5, 0.05)}, frame_label="step")
