r"""Anomaly detection with a VAE: score each image by minus its ELBO, measure the ranking by ROC AUC.

.. math::
    \text{score}(x) = -\mathrm{ELBO}(x) \;\ge\; -\log p_\theta(x), \qquad
    \mathrm{AUC} = P\big(\text{score}(x_{\text{anomaly}}) > \text{score}(x_{\text{normal}})\big)
    + \tfrac12 P(\text{tie})

An image the model finds unlikely gets a high score. The AUC is the probability that a randomly
chosen anomaly outscores a randomly chosen normal image: 0.5 is chance, 1.0 a perfect ranking
(Hanley & McNeil, 1982); it needs no threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core._validation import require_positive_int, require_tensor
from ..data.images import ImageDataset
from ..training.diagnostics import split_xy


@torch.no_grad()
def elbo_anomaly_scores(model, data, *, num_samples: int = 10, batch_size: int = 1000, seed: int = 0) -> torch.Tensor:
    r"""Minus the ELBO (beta = 1) of every example, shape ``(N,)``: high means unlikely under the model.

    The reconstruction term is averaged over ``num_samples`` latent draws from a generator seeded
    by ``seed`` (more samples, less noise in the ranking); the KL is the closed form. An example's
    score does not depend on ``batch_size`` or on the other examples' batches.

    Args:
        model: a trained :class:`~vaecourse.models.vae.VAE`.
        data: ``x`` of shape ``(N, data_dim)``, or ``(x, y)`` for a conditional model.
    """
    require_positive_int("num_samples", num_samples)
    require_positive_int("batch_size", batch_size)
    model.eval()
    x, y = split_xy(model, data)
    generator = torch.Generator(device=x.device).manual_seed(seed)
    eps = torch.randn(num_samples, x.shape[0], model.latent_dim, generator=generator, device=x.device,
                      dtype=x.dtype)  # (L, N, D), drawn at once: a score does not depend on the batch size
    scores = []
    for start in range(0, x.shape[0], batch_size):
        xb = x[start:start + batch_size]  # (b, data_dim)
        yb = y[start:start + batch_size] if y is not None else None
        eps_b = eps[:, start:start + batch_size]  # (L, b, D)
        scores.append(-model.elbo(xb, yb, num_samples=num_samples, eps=eps_b).elbo)  # (b,)
    return torch.cat(scores)  # (N,)


def roc_auc(normal_scores: torch.Tensor, anomaly_scores: torch.Tensor) -> float:
    r"""Area under the ROC curve when high scores flag anomalies: :math:`P(s_{\text{anomaly}} > s_{\text{normal}})`, ties count 1/2.

    Computed by :func:`sklearn.metrics.roc_auc_score` with label 1 for anomalies.

    Raises:
        TypeError / ValueError: non-tensors, a set that is empty or not 1-D, or NaN scores.

    Example:
        >>> round(roc_auc(torch.tensor([0.1, 0.4, 0.35]), torch.tensor([0.8, 0.3])), 4)  # 4 of 6 pairs
        0.6667
    """
    from sklearn.metrics import roc_auc_score

    for name, scores in (("normal_scores", normal_scores), ("anomaly_scores", anomaly_scores)):
        require_tensor(name, scores, min_dim=1)
        if scores.dim() != 1 or scores.numel() == 0:
            raise ValueError(f"{name} must be a non-empty 1-D tensor of scores, got shape {tuple(scores.shape)}")
        if torch.isnan(scores).any():
            raise ValueError(f"{name} holds NaN scores; a ranking needs comparable numbers")
    scores = torch.cat([normal_scores, anomaly_scores]).double().cpu().numpy()
    labels = [0] * normal_scores.numel() + [1] * anomaly_scores.numel()
    return float(roc_auc_score(labels, scores))


@dataclass(frozen=True)
class HeldOutSplit:
    """Data for an anomaly experiment: train on ``train`` (no example of ``held_out_class``), then
    compare the scores of ``normal_test`` (unseen images of the seen classes) with ``anomalies``
    (every image of the held-out class, from both splits: the model saw none of them)."""

    train: ImageDataset
    normal_test: torch.Tensor
    anomalies: torch.Tensor
    held_out_class: int


def hold_out_class(data: ImageDataset, held_out_class: int) -> HeldOutSplit:
    """Remove every image of ``held_out_class`` from ``data`` and keep them aside as the anomalies."""
    if not isinstance(held_out_class, int) or not 0 <= held_out_class < data.num_classes:
        raise ValueError(f"held_out_class must be a label in 0..{data.num_classes - 1}, got {held_out_class!r}")
    keep_train = data.y_train != held_out_class  # (N_train,)
    keep_test = data.y_test != held_out_class  # (N_test,)
    train = ImageDataset(data.x_train[keep_train], data.y_train[keep_train], data.x_test[keep_test],
                         data.y_test[keep_test], data.image_shape, f"{data.name} without {held_out_class}")
    anomalies = torch.cat([data.x_train[~keep_train], data.x_test[~keep_test]])  # (A, data_dim)
    return HeldOutSplit(train, data.x_test[keep_test], anomalies, held_out_class)
