r"""Figure: the beta sweep, one frame per beta: the rate-distortion curve with the current point, and that model's samples.

Each trained :math:`\beta` gives one point :math:`(R, D)` of the trade-off

.. math:: R = \mathbb E_x\,\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big), \qquad D = -\mathbb E_x\mathbb E_q[\log p(x\mid z)],
          \qquad -\mathrm{ELBO} = R + D,

and the lines :math:`R + D = \text{const}` (dotted) show where the ELBO is equal. Beside it, decoder means of
prior samples from the same model: sharp and varied at small :math:`\beta`, blurred and alike at large.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .player import Player


def draw_beta_sweep(fig, index: int, betas: Sequence[float], rates: Sequence[float], distortions: Sequence[float],
                    samples: np.ndarray, active: int, latent_dim: int, image_shape=(8, 8)) -> None:
    """One frame: the (rate, distortion) points with point ``index`` marked (left), ``samples`` ``(n, H*W)`` (right)."""
    curve_ax, image_ax = fig.subplots(1, 2, width_ratios=(1.25, 1))
    rates, distortions = np.asarray(rates), np.asarray(distortions)
    totals = rates + distortions
    span = np.linspace(0, rates.max() * 1.05, 50)
    for level in np.linspace(totals.min(), totals.max(), 4):
        curve_ax.plot(span, level - span, color="0.8", linestyle=":", linewidth=1)
    curve_ax.plot(rates, distortions, "o-", color="tab:blue", alpha=0.35)
    curve_ax.plot(rates[index], distortions[index], "o", color="tab:red", markersize=9)
    for beta, r, d in zip(betas, rates, distortions):
        curve_ax.annotate(f"{beta:g}", (r, d), textcoords="offset points", xytext=(5, 4), fontsize=7)
    pad = 0.08 * (distortions.max() - distortions.min())
    curve_ax.set(xlim=(-0.3, rates.max() * 1.08), ylim=(distortions.min() - pad, distortions.max() + pad),
                 xlabel="rate $R$ = KL (nats)", ylabel="distortion $D$ (nats)",
                 title=rf"$\beta = {betas[index]:g}$: $R = {rates[index]:.1f}$, $D = {distortions[index]:.1f}$")
    h, w = image_shape
    n = samples.shape[0]
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    canvas = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), 0.15)  # light grey between the images
    for k in range(n):
        r, c = divmod(k, cols)
        canvas[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = samples[k].reshape(h, w)
    image_ax.grid(False)
    image_ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    image_ax.set(xticks=[], yticks=[], title=f"samples, {active}/{latent_dim} units active")


def beta_figure(points, *, num_samples: int = 16, seed: int = 0, image_shape=(8, 8), dpi: int = 80) -> Player:
    """The beta-sweep player from :func:`~vaecourse.studies.rate_distortion.beta_sweep`'s points (sorted by beta).

    Every frame's samples are the decoder means of the *same* prior draws (``seed``), so the pictures
    differ only through the models.
    """
    points = sorted(points, key=lambda p: p.beta)
    if not points:
        raise ValueError("points must hold at least one RatePoint")
    betas = [p.beta for p in points]
    rates = [p.rate for p in points]
    distortions = [p.distortion for p in points]
    frames = [{"index": i, "samples": p.model.sample(num_samples, seed=seed).cpu().numpy(),
               "active": p.active_units, "latent_dim": p.model.latent_dim} for i, p in enumerate(points)]

    def draw(fig, index, samples, active, latent_dim):
        draw_beta_sweep(fig, index, betas, rates, distortions, samples, active, latent_dim, image_shape)

    draw.__name__ = "draw_beta_sweep"
    return Player(draw, frames, figsize=(7.0, 3.0), dpi=dpi, frame_label="beta", data=points)
