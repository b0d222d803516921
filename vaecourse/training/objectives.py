r"""The loss of one training step: the weighted ELBO (beta, KL annealing, free bits) or the IWAE bound, and the guard that stops a diverged run.

.. math::
    \mathcal J = \frac1B\sum_b \mathbb E_q[\log p(x_b\mid z)] - w_t \sum_j \max\Big(\lambda,\ \frac1B\sum_b \mathrm{KL}_{bj}\Big)
    \qquad\text{or}\qquad
    \mathcal J_{\text{IWAE}} = \frac1B\sum_b \log\frac1k\sum_{i} \frac{p(x_b, z_i)}{q(z_i\mid x_b)}

with :math:`w_t` the KL weight of step t and :math:`\lambda` the free bits per latent dimension (0 = off;
Kingma et al., 2016); the IWAE bound is Burda et al.'s (2016). Each loss takes the model's
:class:`~vaecourse.models.vae.VAEOutput` and the step's KL weight and returns the scalar to minimise.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from ..core.bounds import iwae_bound
from ..core.kl import free_bits_kl

Loss = Callable[[object, float], torch.Tensor]


class TrainingDivergedError(FloatingPointError):
    """The loss or the parameters became NaN or infinite; the message names the step and likely causes."""


def elbo_loss(out, weight: float) -> torch.Tensor:
    r"""Minus the batch mean of :math:`\log p(x\mid z) - w\,\mathrm{KL}`: the (beta-, annealing-) weighted ELBO."""
    kl_term = out.terms.kl if weight == 1.0 else weight * out.terms.kl  # (B,): at weight 1 no extra autograd node
    return (kl_term - out.terms.reconstruction).mean()


def free_bits_loss(out, weight: float, free_bits: float) -> torch.Tensor:
    r"""The weighted ELBO with each latent's batch-mean KL floored at ``free_bits`` nats (:func:`~vaecourse.core.kl.free_bits_kl`)."""
    return -out.terms.reconstruction.mean() + weight * free_bits_kl(out.kl_per_dim, free_bits)  # kl_per_dim (B, D)


def iwae_loss(out, weight: float = 1.0) -> torch.Tensor:
    """Minus the batch mean of the importance-weighted bound of the model's log-weights (no separate KL: no weight)."""
    return -iwae_bound(out.log_weights).mean()


def training_loss(objective: str, free_bits: float = 0.0) -> Loss:
    """The loss for ``objective`` ("elbo" or "iwae") and ``free_bits``, as ``loss(out, weight)``."""
    if objective == "iwae":
        return iwae_loss
    if free_bits > 0:
        return lambda out, weight: free_bits_loss(out, weight, free_bits)
    return elbo_loss


def check_options(model, objective: str, free_bits: float, kl_schedule) -> None:
    """Raise ValueError for combinations that cannot work: free bits with a mixture prior, a KL schedule with IWAE."""
    if free_bits > 0 and getattr(model.config, "prior", "standard") == "mixture":
        raise ValueError("free bits need the per-dimension KL of a Gaussian prior; this model has a mixture prior")
    if objective == "iwae" and kl_schedule is not None:
        raise ValueError("kl_schedule has no effect on the IWAE objective, which has no separate KL term")


def finite_loss(loss: torch.Tensor, step: int, epoch: int, model) -> float:
    """The loss as a float; raise :class:`TrainingDivergedError` (step, epoch, likely causes) if it is NaN or inf."""
    value = loss.item()
    if math.isfinite(value):
        return value
    causes = ["the learning rate is too high (try a 3-10x smaller lr or grad_clip=1.0)",
              "the log-variance overflowed: exp(logvar) is inf for logvar > ~88 in float32"]
    if getattr(getattr(model, "config", None), "likelihood", "") == "bernoulli":
        causes.append("the data lie outside [0, 1], which a Bernoulli likelihood cannot score")
    raise TrainingDivergedError(f"training diverged at step {step} (epoch {epoch}): the loss is {value}. "
                                f"Likely causes: " + "; ".join(causes) + ".")
