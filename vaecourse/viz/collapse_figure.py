r"""Figure: the posterior-collapse comparison, one row per mitigation: KL during training, the value of z, and what z changes.

Three panels for the runs of :func:`vaecourse.studies.collapse.run_mitigations`:

* the test KL :math:`\mathbb E_x\mathrm{KL}(q(z\mid x)\,\|\,p(z))` after each epoch (log scale);
* the value of the code, :math:`\log p(x\mid\mu(x)) - \mathbb E_{z\sim p}\log p(x\mid z)` in nats, with the active units;
* images decoded from several codes :math:`z\sim p(z)` with the *same* pixel noise: identical along a row
  when the decoder ignores :math:`z`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..studies.collapse import shared_noise_images


def shared_noise_grid(runs, *, num_codes: int = 8, seed: int = 0) -> list[np.ndarray]:
    """For each run, ``num_codes`` images ``(K, P)`` decoded from the same prior codes with the same pixel noise."""
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(num_codes, runs[0].model.latent_dim, generator=generator)  # (K, D)
    return [shared_noise_images(run.model, z.to(run.model.device), seed=seed).cpu().numpy() for run in runs]


def draw_collapse_comparison(fig, runs, images: Sequence[np.ndarray], image_shape=(8, 8)) -> None:
    """Draw the three panels on ``fig`` (a matplotlib Figure, about 8 x 7.5 inches: fonts of 9-10 pt stay legible
    when the book shows it in its content column)."""
    top, bottom = fig.subfigures(2, 1, height_ratios=(1, 1.1))
    kl_ax, value_ax = top.subplots(1, 2)
    colors = [f"C{i}" for i in range(len(runs))]
    for run, color in zip(runs, colors):
        kl_ax.plot(run.history.epoch, np.maximum(run.history.test_kl, 1e-3), "o-", color=color, label=run.name, markersize=3)
    kl_ax.set(yscale="log", xlabel="epoch", ylabel="test KL (nats)", title="KL to the prior during training")
    kl_ax.legend(fontsize=9, frameon=False)
    names = [run.name for run in runs]
    values = [max(run.latent_value, 1e-2) for run in runs]
    bars = value_ax.barh(range(len(runs)), values, color=colors)
    value_ax.set_yticks(range(len(runs)), names, fontsize=10)
    value_ax.invert_yaxis()
    value_ax.set(xscale="log", xlabel="nats the code is worth to the decoder", title="value of z (active units)")
    for bar, run in zip(bars, runs):
        value_ax.annotate(f"{run.latent_value:.2f}  ({run.active_units}/{run.model.latent_dim})",
                          (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                          textcoords="offset points", va="center", fontsize=9)
    value_ax.set_xlim(1e-2, max(values) * 30)

    h, w = image_shape
    k = images[0].shape[0]
    canvas = np.full((len(runs) * (h + 2) - 2, k * (w + 1) - 1), 0.15)  # light grey between the images
    for r, block in enumerate(images):
        for c in range(k):
            canvas[r * (h + 2):r * (h + 2) + h, c * (w + 1):c * (w + 1) + w] = block[c].reshape(h, w)
    image_ax = bottom.subplots()
    image_ax.grid(False)
    image_ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    image_ax.set_yticks([r * (h + 2) + h / 2 for r in range(len(runs))], names, fontsize=10)
    image_ax.set_xticks([c * (w + 1) + w / 2 for c in range(k)], [f"$z_{c + 1}$" for c in range(k)], fontsize=10)
    image_ax.set_title("the same pixel noise, different codes z:\na row of identical images means z is ignored", fontsize=10)
