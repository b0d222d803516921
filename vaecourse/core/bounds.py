"""Monte Carlo estimators of the ELBO, the IWAE bound and the importance-sampled log-evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ._validation import (
    require_broadcastable,
    require_finite,
    require_nonnegative_float,
    require_positive_int,
    require_tensor,
)
from .kl import gaussian_kl
from .likelihoods import diagonal_gaussian_log_density, standard_normal_log_density
from .reparam import reparameterize

LogLikelihood = Callable[[torch.Tensor], torch.Tensor]
"""``log_likelihood(z)`` maps latents ``(L, B, D)`` to ``log p(x|z)`` of shape ``(L, B)``."""


@dataclass(frozen=True)
class ElboTerms:
    r"""The parts of a per-example ELBO estimate, each of shape ``(B,)``.

    ``elbo = reconstruction - kl`` is the true lower bound on :math:`\log p(x)`: report it.
    ``objective = reconstruction - beta * kl`` is what training maximises; with ``beta != 1`` or a KL
    annealing weight it is *not* a bound, so never report it as one.
    """

    reconstruction: torch.Tensor
    kl: torch.Tensor
    beta: float = 1.0

    @property
    def elbo(self) -> torch.Tensor:
        return self.reconstruction - self.kl  # (B,)

    @property
    def objective(self) -> torch.Tensor:
        return self.reconstruction - self.beta * self.kl  # (B,)

    def loss(self) -> torch.Tensor:
        """The training loss: minus the batch mean of the objective (the one place we average over B)."""
        return -self.objective.mean()


def elbo_estimate(
    log_likelihood: LogLikelihood,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    num_samples: int = 1,
    beta: float = 1.0,
    eps: torch.Tensor | None = None,
    analytic_kl: bool = True,
) -> ElboTerms:
    r"""SGVB estimate of the ELBO with ``L = num_samples`` reparameterized samples per example.

    .. math::
        \mathrm{ELBO}(x) \approx \frac1L \sum_{\ell=1}^{L} \log p_\theta(x \mid z^{(\ell)})
        - \mathrm{KL}\big(q_\phi(z\mid x)\,\|\,p(z)\big),
        \qquad z^{(\ell)} = \mu + \sigma\odot\varepsilon^{(\ell)}

    The reconstruction term is a Monte Carlo average; the KL is the closed form of
    :func:`~vaecourse.gaussian_kl` (``analytic_kl=True``, lower variance) or the single-sample estimate
    :math:`\frac1L\sum_\ell [\log q(z^{(\ell)}) - \log p(z^{(\ell)})]`.

    Args:
        log_likelihood: ``z -> log p(x|z)``; receives ``(L, B, D)`` and returns ``(L, B)``, e.g.
            ``lambda z: bernoulli_log_likelihood(decoder(z), x)``.
        mu, logvar: encoder outputs for the batch, shape ``(B, D)``; ``logvar`` is :math:`\log\sigma^2`.
        num_samples: ``L >= 1``.
        beta: weight on the KL in ``objective`` (beta-VAE, KL annealing); ``elbo`` ignores it.
        eps: optional noise of shape ``(L, B, D)`` for reproducibility; drawn when ``None``.
        analytic_kl: closed-form KL (default) or its Monte Carlo estimate.

    Returns:
        :class:`ElboTerms` with per-example ``reconstruction`` and ``kl`` of shape ``(B,)``.

    Raises:
        ValueError / TypeError: bad shapes, ``num_samples < 1``, negative ``beta``, a
            ``log_likelihood`` whose output is not ``(L, B)``.
    """
    require_tensor("mu", mu, min_dim=2)
    require_tensor("logvar", logvar, min_dim=2)
    shape = require_broadcastable(mu=mu, logvar=logvar)
    require_positive_int("num_samples", num_samples)
    beta = require_nonnegative_float("beta", beta)
    if eps is None:
        eps = torch.randn((num_samples, *shape), dtype=mu.dtype, device=mu.device)  # (L, B, D)
    else:
        require_tensor("eps", eps)
        if tuple(eps.shape) != (num_samples, *shape):
            raise ValueError(
                f"eps must have shape (num_samples, B, D) = {(num_samples, *shape)}, got {tuple(eps.shape)}"
            )
    z = reparameterize(mu, logvar, eps)  # (L, B, D)
    log_px_given_z = log_likelihood(z)  # (L, B)
    expected = (num_samples, *shape[:-1])
    if not isinstance(log_px_given_z, torch.Tensor) or tuple(log_px_given_z.shape) != expected:
        got = tuple(log_px_given_z.shape) if isinstance(log_px_given_z, torch.Tensor) else type(log_px_given_z).__name__
        raise ValueError(
            f"log_likelihood(z) must return one value per sample and example, shape (L, B) = {expected}, "
            f"got {got}; sum over the data dimensions inside it"
        )
    reconstruction = log_px_given_z.mean(dim=0)  # (B,)
    if analytic_kl:
        kl = gaussian_kl(mu, logvar).expand(shape[:-1])  # (B,)
    else:
        log_q = diagonal_gaussian_log_density(z, mu, logvar)  # (L, B)
        log_p = standard_normal_log_density(z)  # (L, B)
        kl = (log_q - log_p).mean(dim=0)  # (B,)
    return ElboTerms(reconstruction=reconstruction, kl=kl, beta=beta)


def iwae_bound(log_weights: torch.Tensor) -> torch.Tensor:
    r"""The importance-weighted bound from ``K`` log-weights per example (Burda et al., 2016).

    .. math::
        \mathcal L_K = \log \frac1K \sum_{k=1}^K w_k
        = \operatorname{logsumexp}_k(\log w_k) - \log K,
        \qquad \log w_k = \log p(x, z_k) - \log q(z_k \mid x)

    The log-sum-exp subtracts the largest log-weight before exponentiating, so log-weights of
    magnitude 1000 (typical for images) neither overflow nor underflow. With ``K = 1`` it is the
    single-sample ELBO; its expectation rises with ``K`` towards :math:`\log p(x)`.

    Args:
        log_weights: shape ``(..., K)``, samples in the last dimension, ``K >= 1``.

    Returns:
        Shape ``log_weights.shape[:-1]``.

    Raises:
        TypeError / ValueError: a non-tensor, a 0-d tensor, ``K = 0`` or NaN/inf log-weights.

    Example:
        >>> import torch
        >>> iwae_bound(torch.tensor([[1000.0, 1000.0]])).item()
        1000.0
    """
    require_tensor("log_weights", log_weights, min_dim=1)
    num_samples = log_weights.shape[-1]
    if num_samples < 1:
        raise ValueError(
            f"log_weights must hold K >= 1 samples in its last dimension, got shape {tuple(log_weights.shape)}"
        )
    require_finite("log_weights", log_weights)
    return torch.logsumexp(log_weights, dim=-1) - math.log(num_samples)


def importance_log_weights(
    log_likelihood: LogLikelihood, mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    r"""Log importance weights :math:`\log p(x\mid z_k) + \log p(z_k) - \log q(z_k\mid x)`, shape ``(B, K)``.

    ``eps`` has shape ``(K, B, D)``; the result puts samples last, ready for :func:`iwae_bound`.
    """
    z = reparameterize(mu, logvar, eps)  # (K, B, D)
    log_w = log_likelihood(z) + standard_normal_log_density(z) - diagonal_gaussian_log_density(z, mu, logvar)  # (K, B)
    return log_w.transpose(0, 1)  # (B, K)


def importance_sampled_log_likelihood(
    log_likelihood: LogLikelihood,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    k: int = 1000,
    eps: torch.Tensor | None = None,
    chunk_size: int | None = None,
) -> torch.Tensor:
    r"""Estimate :math:`\log p(x)` by importance sampling with the encoder as proposal.

    .. math:: \log p(x) \approx \log \frac1k \sum_{i=1}^{k} \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)},
              \qquad z_i \sim q(z\mid x)

    This is :func:`iwae_bound` with large ``k``; it is a stochastic lower bound that tightens as ``k``
    grows, the standard way to report a VAE's test log-likelihood (NLL = minus this).

    Args:
        log_likelihood, mu, logvar: as :func:`elbo_estimate`.
        k: number of importance samples, ``>= 1``.
        eps: optional noise ``(k, B, D)``.
        chunk_size: evaluate the decoder on at most this many samples at a time, to bound memory.

    Returns:
        Shape ``(B,)``.
    """
    require_tensor("mu", mu, min_dim=2)
    require_tensor("logvar", logvar, min_dim=2)
    shape = require_broadcastable(mu=mu, logvar=logvar)
    require_positive_int("k", k)
    if chunk_size is not None:
        require_positive_int("chunk_size", chunk_size)
    if eps is None:
        eps = torch.randn((k, *shape), dtype=mu.dtype, device=mu.device)  # (k, B, D)
    elif tuple(eps.shape) != (k, *shape):
        raise ValueError(f"eps must have shape (k, B, D) = {(k, *shape)}, got {tuple(eps.shape)}")
    step = chunk_size or k
    chunks = [importance_log_weights(log_likelihood, mu, logvar, eps[i : i + step]) for i in range(0, k, step)]
    return iwae_bound(torch.cat(chunks, dim=-1))  # (B,)
