r"""Measuring a trained VAE: ELBO, importance-sampled log-likelihood, active units, KL per dimension, MI.

.. math::
    \log p(x) \approx \log\frac1k\sum_{i=1}^k \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)}, \qquad
    A_j = \mathrm{Cov}_x\big(\mathbb E_{q(z\mid x)}[z_j]\big), \qquad
    I_q(x; z) = \mathbb E_x\mathbb E_{q(z\mid x)}[\log q(z\mid x)] - \mathbb E_{q(z)}[\log q(z)]

All functions run without gradients, in batches, with seeded noise so that their numbers repeat. The
importance-sampled :math:`\log p(x)` is :func:`~vaecourse.training.streamed_nll.log_likelihood_estimate`
(importable from here too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..core._validation import require_broadcastable, require_positive_int, require_tensor
from ..core.kl import gaussian_kl, gaussian_kl_between
from ..core.likelihoods import diagonal_gaussian_log_density
from ..core.reparam import reparameterize
from .batches import batches, split_xy  # noqa: F401  (split_xy: its import path)
from .streamed_nll import log_likelihood_estimate  # noqa: F401  (the NLL estimator, at its import path)


@torch.no_grad()
def encode_data(model, data, *, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior means and log-variances of every example, ``(N, D)`` each, in eval mode."""
    require_positive_int("batch_size", batch_size)
    model.eval()
    x, y = split_xy(model, data)
    pairs = [model.encode(xb, yb) for xb, yb in batches(x, y, batch_size)]
    return torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])


@dataclass(frozen=True)
class Evaluation:
    """Data-set means of the ELBO terms (nats per example) and the mean KL of each latent dimension."""

    elbo: float
    reconstruction: float
    kl: float
    kl_per_dim: list[float]
    num_examples: int


@torch.no_grad()
def evaluate(model, data, *, batch_size: int = 1000, num_samples: int = 1, seed: int = 0) -> Evaluation:
    r"""The ELBO (beta = 1) of ``data`` averaged over examples, with noise drawn from ``seed``.

    Uses its own generator, so calling it never changes the global random stream.
    """
    require_positive_int("batch_size", batch_size)
    model.eval()
    x, y = split_xy(model, data)
    generator = torch.Generator(device=x.device).manual_seed(seed)
    sums = torch.zeros(2, device=x.device)  # reconstruction, KL
    kl_dims = torch.zeros(model.latent_dim, device=x.device)  # (D,)
    for xb, yb in batches(x, y, batch_size):
        eps = torch.randn(num_samples, xb.shape[0], model.latent_dim, generator=generator, device=x.device,
                          dtype=xb.dtype)
        out = model(xb, yb, num_samples=num_samples, eps=eps)
        sums += torch.stack([out.terms.reconstruction.sum(), out.terms.kl.sum()])
        kl_dims += out.kl_per_dim.sum(dim=0)
    rec, kl = (sums / x.shape[0]).tolist()
    return Evaluation(rec - kl, rec, kl, (kl_dims / x.shape[0]).tolist(), x.shape[0])


def latent_activity(mu: torch.Tensor) -> torch.Tensor:
    r"""Activity of each latent dimension, :math:`A_j = \mathrm{Var}_x(\mu_j(x))`, shape ``(D,)``.

    ``mu`` ``(N, D)`` holds the posterior means :math:`\mathbb E_{q(z\mid x_n)}[z]` of N examples; the
    variance is the population one (divide by N), as in Burda et al. (2016).
    """
    require_tensor("mu", mu, min_dim=2)
    return mu.reshape(-1, mu.shape[-1]).var(dim=0, unbiased=False)  # (D,)


def active_units(mu: torch.Tensor, threshold: float = 1e-2) -> int:
    r"""Number of latent dimensions with :math:`\mathrm{Cov}_x(\mathbb E_q[z_j]) > \text{threshold}` (Burda et al., 2016).

    A dimension whose posterior mean does not move with ``x`` carries no information about ``x``:
    the encoder has collapsed it onto the prior. Use many examples (hundreds at least).
    """
    return int((latent_activity(mu) > threshold).sum())


def kl_per_dimension(mu: torch.Tensor, logvar: torch.Tensor, mu_prior: torch.Tensor | None = None,
                     logvar_prior: torch.Tensor | None = None) -> torch.Tensor:
    r"""Mean over examples of :math:`\mathrm{KL}(q(z_j\mid x)\,\|\,p(z_j))` for each latent dimension, ``(D,)``.

    The prior is :math:`\mathcal N(0, 1)` unless ``mu_prior`` and ``logvar_prior`` (broadcastable with
    ``mu``) are given. The entries sum to the average KL term of the ELBO; a dimension with KL near 0
    is unused.
    """
    require_tensor("mu", mu, min_dim=2)
    require_tensor("logvar", logvar, min_dim=2)
    if mu_prior is None:
        per_dim = gaussian_kl(mu.unsqueeze(-1), logvar.unsqueeze(-1))  # (N, D)
    else:
        per_dim = gaussian_kl_between(mu.unsqueeze(-1), logvar.unsqueeze(-1),
                                      mu_prior.unsqueeze(-1), logvar_prior.unsqueeze(-1))  # (N, D)
    return per_dim.reshape(-1, mu.shape[-1]).mean(dim=0)  # (D,)


@torch.no_grad()
def mutual_information(mu: torch.Tensor, logvar: torch.Tensor, *, eps: torch.Tensor | None = None,
                       seed: int = 0, chunk_size: int = 256) -> float:
    r"""Estimate :math:`I_q(x; z)` under the encoder's joint :math:`q(x, z) = p_{\text{data}}(x)\,q(z\mid x)` (He et al., 2019).

    .. math::
        \hat I = \frac1N\sum_n \Big[\log q(z_n\mid x_n) - \log\Big(\frac1N\sum_m q(z_n\mid x_m)\Big)\Big],
        \qquad z_n \sim q(z\mid x_n)

    The first term estimates the negative entropy :math:`\mathbb E_q[\log q(z\mid x)]` and the second the
    aggregate posterior :math:`q(z)`, by the mixture of the N posteriors, **at the same sample** :math:`z_n`.
    (He et al. use the closed-form entropy for the first term; the same-sample form has the same
    expectation, and its noise cancels where the posteriors agree.) Two consequences:

    * A collapsed encoder (all posteriors equal) gives exactly 0, whatever the noise.
    * The mixture contains the term :math:`m = n`, so every bracket is at most :math:`\log N` and **the
      estimate cannot exceed** :math:`\log N` (7.27 nats for N = 1438): evaluate it on a large batch, and
      read a value near :math:`\log N` as "at least this much".

    Args:
        mu, logvar: posterior parameters of N examples, ``(N, D)``.
        eps: optional noise ``(N, D)`` for the samples :math:`z_n`; else drawn from ``seed``.
        chunk_size: rows of the ``N x N`` density table computed at once (memory ``chunk * N * D``).

    Returns:
        The estimate in nats (a float).
    """
    require_tensor("mu", mu, min_dim=2)
    require_tensor("logvar", logvar, min_dim=2)
    require_broadcastable(mu=mu, logvar=logvar)
    require_positive_int("chunk_size", chunk_size)
    if mu.dim() != 2 or mu.shape[0] < 2:
        raise ValueError(f"mu must have shape (N, D) with N >= 2 examples, got {tuple(mu.shape)}")
    logvar = logvar.expand_as(mu)
    n, d = mu.shape
    if eps is None:
        generator = torch.Generator(device=mu.device).manual_seed(seed)
        eps = torch.randn(n, d, generator=generator, device=mu.device, dtype=mu.dtype)  # (N, D)
    z = reparameterize(mu, logvar, eps)  # (N, D)
    terms = []
    for start in range(0, n, chunk_size):
        rows = torch.arange(start, min(start + chunk_size, n), device=mu.device)  # (c,)
        log_q_table = diagonal_gaussian_log_density(z[rows, None, :], mu[None], logvar[None])  # (c, N): log q(z_n|x_m)
        own = log_q_table[torch.arange(len(rows), device=mu.device), rows]  # (c,): log q(z_n | x_n)
        terms.append(own - (torch.logsumexp(log_q_table, dim=1) - math.log(n)))  # (c,)
    return float(torch.cat(terms).mean())
