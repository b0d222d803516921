"""Score-function (REINFORCE) and pathwise gradient estimators of d/d(mu, logvar) E_q[f(z)]."""

from __future__ import annotations

from typing import Callable

import torch

from ._validation import require_finite, require_one_value_per_sample, require_positive_int, require_tensor
from .reparam import reparameterize

SampleFunction = Callable[[torch.Tensor], torch.Tensor]
"""``f(z)`` maps samples ``(..., L, D)`` to one value per sample, ``(..., L)``."""


def _prepare(mu, logvar, num_samples, eps):
    require_tensor("mu", mu, min_dim=1)
    require_tensor("logvar", logvar, min_dim=1)
    if mu.dim() != 1 or mu.shape != logvar.shape:
        raise ValueError(
            f"mu and logvar must both have shape (D,) for one Gaussian q, got {tuple(mu.shape)} and {tuple(logvar.shape)}"
        )
    require_finite("mu", mu)
    require_finite("logvar", logvar)
    require_positive_int("num_samples", num_samples)
    if eps is None:
        eps = torch.randn(num_samples, mu.shape[0], dtype=mu.dtype, device=mu.device)  # (L, D)
    else:
        require_tensor("eps", eps, min_dim=2)
        if tuple(eps.shape[-2:]) != (num_samples, mu.shape[0]):
            raise ValueError(
                f"eps must have shape (..., num_samples, D) = (..., {num_samples}, {mu.shape[0]}), got {tuple(eps.shape)}"
            )
    return eps


def score_function_gradient(
    f: SampleFunction,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    num_samples: int = 1,
    eps: torch.Tensor | None = None,
    baseline: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""REINFORCE estimate of :math:`\nabla_{\mu, s}\, \mathbb E_{q}[f(z)]` for :math:`q=\mathcal N(\mu, \mathrm{diag}(e^{s}))`.

    .. math::
        \nabla \mathbb E_q[f(z)] = \mathbb E_q\big[(f(z) - b)\, \nabla \log q(z)\big],\quad
        \frac{\partial \log q}{\partial \mu_j} = \frac{z_j - \mu_j}{\sigma_j^2},\quad
        \frac{\partial \log q}{\partial s_j} = \tfrac12\Big(\frac{(z_j-\mu_j)^2}{\sigma_j^2} - 1\Big)

    Needs only *values* of ``f`` (no derivative), so it works for discrete or non-differentiable ``f``,
    but its variance grows with :math:`f^2`; a constant baseline ``b`` keeps it unbiased
    (since :math:`\mathbb E_q[\nabla\log q]=0`) and can shrink the variance.

    Args:
        f: ``(..., L, D) -> (..., L)``; need not be differentiable.
        mu, logvar: shape ``(D,)``.
        num_samples: ``L``, the samples averaged in one estimate.
        eps: optional noise ``(..., L, D)``; leading dimensions give independent repeated estimates.
        baseline: the constant ``b`` subtracted from ``f``.

    Returns:
        ``(grad_mu, grad_logvar)``, each of shape ``(..., D)``.
    """
    eps = _prepare(mu, logvar, num_samples, eps)
    with torch.no_grad():
        std = torch.exp(0.5 * logvar)  # (D,)
        z = mu + std * eps  # (..., L, D)
        values = f(z)
        require_one_value_per_sample("f(z)", values, z)
        centred = (values - baseline).unsqueeze(-1)  # (..., L, 1)
        score_mu = eps / std  # (z - mu) / sigma^2 = eps / sigma, (..., L, D)
        score_logvar = 0.5 * (eps.pow(2) - 1.0)  # (..., L, D)
        grad_mu = (centred * score_mu).mean(dim=-2)  # (..., D)
        grad_logvar = (centred * score_logvar).mean(dim=-2)  # (..., D)
    return grad_mu, grad_logvar


def pathwise_gradient(
    f: SampleFunction,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    num_samples: int = 1,
    eps: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Reparameterization (pathwise) estimate of :math:`\nabla_{\mu, s}\, \mathbb E_q[f(z)]`.

    .. math::
        \nabla \mathbb E_{q}[f(z)] = \mathbb E_{\varepsilon\sim\mathcal N(0,I)}
        \big[\nabla f(\mu + \sigma\odot\varepsilon)\big]
        \approx \frac1L \sum_\ell \nabla f(\mu + \sigma\odot\varepsilon^{(\ell)})

    Differentiates *through* the sample, so ``f`` must be differentiable in ``z``; in exchange it
    uses the slope of ``f``, not just its values, and usually has far lower variance than REINFORCE.

    Args / Returns: as :func:`score_function_gradient` (no baseline needed).
    """
    eps = _prepare(mu, logvar, num_samples, eps)
    repeat_shape = (*eps.shape[:-2], 1, mu.shape[0])
    # One leaf per repeated estimate, so autograd returns each estimate separately, not their sum.
    mu_leaf = mu.detach().expand(repeat_shape).clone().requires_grad_(True)  # (..., 1, D)
    logvar_leaf = logvar.detach().expand(repeat_shape).clone().requires_grad_(True)  # (..., 1, D)
    with torch.enable_grad():
        z = reparameterize(mu_leaf, logvar_leaf, eps)  # (..., L, D)
        values = f(z)
        require_one_value_per_sample("f(z)", values, z)
        grad_mu, grad_logvar = torch.autograd.grad(values.mean(dim=-1).sum(), (mu_leaf, logvar_leaf))
    return grad_mu.squeeze(-2), grad_logvar.squeeze(-2)  # (..., D) each
