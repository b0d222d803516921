r"""Figure: a VAE learning digits, epoch by epoch: the latent space coloured by label, and reconstructions.

Each frame is one snapshot taken by :class:`TrainingRecorder`, a ``callback`` for
:func:`vaecourse.training.loop.fit`: the posterior means :math:`\mu_\phi(x)` of held-out images (projected on
their two principal axes when the latent space has more than two dimensions) and the decoder means
:math:`\mathbb E[x\mid z=\mu_\phi(x)]` of a few of them. The dashed circles are the prior's
:math:`\lVert z\rVert = 1` and :math:`2` (one and two standard deviations in two dimensions), the scale
the KL term pulls every code towards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..core._validation import require_positive_int, require_tensor
from .player import Player


@dataclass(frozen=True)
class TrainingSnapshot:
    """One epoch's state: 2-D latents ``(N, 2)``, labels ``(N,)``, images ``(R, H, W)`` and the test ELBO.

    ``projected`` is True when the latents are principal components of a space with more than 2 dimensions.
    """

    epoch: int
    latents: np.ndarray
    labels: np.ndarray
    originals: np.ndarray
    reconstructions: np.ndarray
    test_elbo: float | None
    projected: bool = False


def project_2d(mu: torch.Tensor, reference: np.ndarray | None = None) -> np.ndarray:
    """The latents themselves if ``D = 2`` (``D = 1``: padded with zeros), else their top-2 principal components.

    Principal axes have no intrinsic sign; each is flipped to agree with ``reference`` (the previous
    frame's projection of the same points), so a player does not jump from frame to frame.
    """
    require_tensor("mu", mu, min_dim=2)
    points = mu.detach().double().cpu().numpy()  # (N, D)
    if points.shape[1] == 1:
        return np.concatenate([points, np.zeros_like(points)], axis=1)
    if points.shape[1] == 2:
        return points
    centred = points - points.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)  # rows: principal directions
    projected = centred @ axes[:2].T  # (N, 2)
    if reference is not None:
        signs = np.sign((projected * reference).sum(axis=0))
        projected = projected * np.where(signs == 0, 1.0, signs)
    return projected


class TrainingRecorder:
    """A :func:`~vaecourse.training.loop.fit` callback that snapshots latents and reconstructions at chosen epochs.

    Args:
        x: held-out images ``(N, data_dim)`` whose codes are plotted.
        y: their labels ``(N,)``, for the colours.
        epochs: epochs to record (0 = before training); ``None`` records every epoch.
        num_images: how many of the first images of ``x`` to show with their reconstructions.
        image_shape: ``(H, W)`` of one image.

    Example:
        >>> recorder = TrainingRecorder(torch.rand(20, 64).round(), torch.arange(20) % 10, epochs=(0, 5))
        >>> len(recorder.snapshots)
        0
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, *, epochs: Sequence[int] | None = None,
                 num_images: int = 8, image_shape: tuple[int, int] = (8, 8)):
        require_tensor("x", x, min_dim=2)
        if not isinstance(y, torch.Tensor) or tuple(y.shape) != (x.shape[0],):
            raise ValueError(f"y must be a tensor of {x.shape[0]} labels, one per row of x, got "
                             f"{tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__}")
        require_positive_int("num_images", num_images)
        if x.shape[1] != image_shape[0] * image_shape[1]:
            raise ValueError(f"x has {x.shape[1]} pixels per row, but image_shape {image_shape} needs "
                             f"{image_shape[0] * image_shape[1]}")
        self.x, self.y = x, y
        self.epochs = None if epochs is None else frozenset(int(e) for e in epochs)
        self.num_images = min(num_images, x.shape[0])
        self.image_shape = image_shape
        self.snapshots: list[TrainingSnapshot] = []

    @torch.no_grad()
    def __call__(self, epoch: int, model, history) -> None:
        if self.epochs is not None and epoch not in self.epochs:
            return
        x = self.x.to(model.device)
        mu, _ = model.encode(x)  # (N, D)
        reference = self.snapshots[-1].latents if self.snapshots else None
        shown = x[: self.num_images]  # (R, data_dim)
        reconstructions = model.reconstruct(shown)  # (R, data_dim)
        test_elbo = history.test_elbo[-1] if epoch > 0 and getattr(history, "test_elbo", None) else None
        self.snapshots.append(TrainingSnapshot(
            epoch=int(epoch),
            latents=project_2d(mu, reference),
            labels=self.y.cpu().numpy(),
            originals=shown.cpu().numpy().reshape(-1, *self.image_shape),
            reconstructions=reconstructions.cpu().numpy().reshape(-1, *self.image_shape),
            test_elbo=test_elbo,
            projected=mu.shape[1] > 2,
        ))


_TAB10 = [f"C{i}" for i in range(10)]  # matplotlib's default cycle is tab10: the scatter's colours


def _image_strip(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Originals over reconstructions, one-pixel white gaps: ``(2H + 1, R(W + 1) - 1)``."""
    r, h, w = originals.shape
    strip = np.ones((2 * h + 1, r * (w + 1) - 1))
    for i in range(r):
        strip[:h, i * (w + 1): i * (w + 1) + w] = 1.0 - originals[i]
        strip[h + 1:, i * (w + 1): i * (w + 1) + w] = 1.0 - reconstructions[i]
    return strip


def draw_training(fig, epoch: int, latents: np.ndarray, labels: np.ndarray, originals: np.ndarray,
                  reconstructions: np.ndarray, test_elbo: float | None, limit: float = 4.0,
                  projected: bool = False) -> None:
    """Draw one frame: the latent scatter coloured by label (left), originals over reconstructions (right)."""
    scatter_ax, image_ax = fig.subplots(1, 2, width_ratios=(1, 1.35))
    angles = np.linspace(0, 2 * np.pi, 200)
    for radius in (1.0, 2.0):
        scatter_ax.plot(radius * np.cos(angles), radius * np.sin(angles), color="0.5", lw=0.8, ls="--")
    scatter_ax.scatter(latents[:, 0], latents[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=6, alpha=0.8)
    for label in np.unique(labels):  # each class's name at the median of its codes (cheaper than a colorbar)
        centre = np.median(latents[labels == label], axis=0)
        scatter_ax.text(*np.clip(centre, -0.92 * limit, 0.92 * limit), str(label), fontsize=10, weight="bold",
                        ha="center", va="center", color=_TAB10[int(label) % 10],
                        bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    names = ("principal axis 1 of $z$", "principal axis 2 of $z$") if projected else ("$z_1$", "$z_2$")
    scatter_ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", xlabel=names[0], ylabel=names[1])
    ticks = [-2, 0, 2] if limit < 4 else [-4, -2, 0, 2, 4]
    scatter_ax.set_xticks(ticks)
    scatter_ax.set_yticks(ticks)
    scatter_ax.tick_params(labelsize=7)
    scatter_ax.set_title(f"epoch {epoch}: codes of test digits", fontsize=9)
    image_ax.imshow(_image_strip(originals, reconstructions), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    image_ax.set_xticks([])
    image_ax.set_yticks([])
    elbo = "before training" if test_elbo is None else f"test ELBO {test_elbo:.1f} nats"
    image_ax.set_title(f"top: test images, bottom: reconstructions\n{elbo}", fontsize=9)


def training_figure(recorder: TrainingRecorder | Sequence[TrainingSnapshot], *, dpi: int = 70,
                    interval_ms: int = 600) -> Player:
    """The training player: one frame per snapshot, all on the same axes (``data`` holds the snapshots)."""
    snapshots = list(recorder.snapshots if isinstance(recorder, TrainingRecorder) else recorder)
    if not snapshots:
        raise ValueError("no snapshots: pass the recorder to fit(..., callback=recorder) first")
    extent = max(float(np.quantile(np.abs(s.latents), 0.995)) for s in snapshots)  # ignore a stray outlier
    limit = max(2.5, 1.08 * extent)
    frames = [{"epoch": s.epoch, "latents": s.latents, "labels": s.labels, "originals": s.originals,
               "reconstructions": s.reconstructions, "test_elbo": s.test_elbo, "limit": limit, "projected": s.projected} for s in snapshots]
    return Player(draw_training, frames, figsize=(7.6, 3.1), dpi=dpi, interval_ms=interval_ms,
                  frame_label="snapshot", data=snapshots)
