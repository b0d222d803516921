"""Monte Carlo estimators of the ELBO, the IWAE bound and the importance-sampled log-evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

import torch

from ._validation import (
    require_broadcastable,
    require_finite,
    require_nonnegative_float,
    require_positive_int,
    require_tensor,
)
from .kl import gaussian_kl_per_dim
from .likelihoods import diagonal_gaussian_log_density, standard_normal_log_density

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


class Prior(Protocol):
    """What the bounds need of a prior (see :mod:`vaecourse.core.priors`): ``log_prob`` and, if any, a closed-form KL."""

    def log_prob(self, z: torch.Tensor) -> torch.Tensor: ...

    def kl_per_dim(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor | None: ...


class _StandardNormal:
    r""":math:`\mathcal N(0, I)` for callers that pass no prior (a plain object; a model holds ``StandardNormalPrior``, a module)."""

    log_prob = staticmethod(standard_normal_log_density)
    kl_per_dim = staticmethod(gaussian_kl_per_dim)


STANDARD_NORMAL: Prior = _StandardNormal()


@dataclass(frozen=True)
class ElboSample:
    r"""One ELBO estimate and what it was computed from.

    ``terms``: :class:`ElboTerms`, each ``(B,)``; ``z``: the latent samples ``(L, B, D)``;
    ``kl_per_dim``: the closed-form :math:`\mathrm{KL}(q(z_j\mid x)\,\|\,p(z_j))` ``(B, D)``, or ``None``
    when the prior has none (the KL is then a Monte Carlo estimate at ``z``); ``log_weights``:
    :math:`\log p(x\mid z_\ell) + \log p(z_\ell) - \log q(z_\ell\mid x)` ``(B, L)`` when asked for.
    """

    terms: ElboTerms
    z: torch.Tensor
    kl_per_dim: torch.Tensor | None
    log_weights: torch.Tensor | None = None


def elbo_sample(log_likelihood: LogLikelihood, mu: torch.Tensor, logvar: torch.Tensor, prior: Prior | None = None, *,
                num_samples: int = 1, eps: torch.Tensor | None = None, beta: float = 1.0,
                log_weights: bool = False) -> ElboSample:
    r"""The ELBO and the importance log-weights at ``L = num_samples`` reparameterized samples: the one place both are computed.

    .. math::
        z^{(\ell)} = \mu + e^{s/2}\odot\varepsilon^{(\ell)}, \qquad
        \mathrm{ELBO}(x) \approx \frac1L\sum_\ell \log p_\theta(x\mid z^{(\ell)}) - \mathrm{KL}(q\,\|\,p), \qquad
        \log w_\ell = \log p_\theta(x\mid z^{(\ell)}) + \log p(z^{(\ell)}) - \log q(z^{(\ell)}\mid x)

    The KL is the prior's closed form (``prior.kl_per_dim``) where it has one, else the Monte Carlo
    estimate :math:`\frac1L\sum_\ell [\log q(z^{(\ell)}\mid x) - \log p(z^{(\ell)})]` at the same samples.
    :meth:`vaecourse.models.vae.VAE.forward`, :func:`elbo_estimate`, :func:`importance_log_weights` and
    hence ``fit`` and the NLL estimator all call this function. No argument checks (callers check).

    Args:
        log_likelihood: ``z -> log p(x|z)``, ``(L, B, D)`` -> ``(L, B)``.
        mu, logvar: the posterior's mean and log-variance :math:`s = \log\sigma^2`, ``(B, D)`` each.
        prior: an object with ``log_prob`` and ``kl_per_dim`` (:mod:`vaecourse.core.priors`); ``None`` is
            :math:`\mathcal N(0, I)`.
        eps: the noise ``(L, B, D)``; drawn when ``None``.
        beta: the KL weight of ``terms.objective``.
        log_weights: also return the importance log-weights ``(B, L)``.
    """
    prior = STANDARD_NORMAL if prior is None else prior
    if eps is None:
        eps = torch.randn((num_samples, *mu.shape), dtype=mu.dtype, device=mu.device)  # (L, B, D)
    z = torch.addcmul(mu, torch.exp(0.5 * logvar), eps)  # (L, B, D): mu + std * eps, one fused op and autograd node
    log_px = log_likelihood(z)  # (L, B)
    reconstruction = log_px.mean(dim=0)  # (B,)
    kl_per_dim = prior.kl_per_dim(mu, logvar)  # (B, D) or None
    log_q = log_p = None
    if kl_per_dim is None:  # no closed form: Monte Carlo KL at the same samples
        log_q = diagonal_gaussian_log_density(z, mu, logvar)  # (L, B)
        log_p = prior.log_prob(z)  # (L, B)
        kl = (log_q - log_p).mean(dim=0)  # (B,)
    else:
        kl = kl_per_dim.sum(dim=-1)  # (B,)
    weights = None
    if log_weights:
        log_q = diagonal_gaussian_log_density(z, mu, logvar) if log_q is None else log_q  # (L, B)
        log_p = prior.log_prob(z) if log_p is None else log_p  # (L, B)
        weights = (log_px + log_p - log_q).transpose(0, 1)  # (B, L)
    return ElboSample(ElboTerms(reconstruction=reconstruction, kl=kl, beta=beta), z, kl_per_dim, weights)


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
    :math:`\frac1L\sum_\ell [\log q(z^{(\ell)}) - \log p(z^{(\ell)})]`. The checked front of
    :func:`elbo_sample`, which computes it.

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
    if eps is not None:
        require_tensor("eps", eps)
        if tuple(eps.shape) != (num_samples, *shape):
            raise ValueError(
                f"eps must have shape (num_samples, B, D) = {(num_samples, *shape)}, got {tuple(eps.shape)}"
            )
    expected = (num_samples, *shape[:-1])

    def checked_log_likelihood(z: torch.Tensor) -> torch.Tensor:
        log_px_given_z = log_likelihood(z)  # (L, B)
        if not isinstance(log_px_given_z, torch.Tensor) or tuple(log_px_given_z.shape) != expected:
            got = tuple(log_px_given_z.shape) if isinstance(log_px_given_z, torch.Tensor) else type(log_px_given_z).__name__
            raise ValueError(
                f"log_likelihood(z) must return one value per sample and example, shape (L, B) = {expected}, "
                f"got {got}; sum over the data dimensions inside it"
            )
        return log_px_given_z

    mu, logvar = mu.expand(shape), logvar.expand(shape)
    prior = STANDARD_NORMAL if analytic_kl else _MONTE_CARLO_STANDARD_NORMAL
    return elbo_sample(checked_log_likelihood, mu, logvar, prior, num_samples=num_samples, eps=eps, beta=beta).terms


class _MonteCarloStandardNormal(_StandardNormal):
    r""":math:`\mathcal N(0, I)` with its closed-form KL withheld, so that the ELBO estimates the KL at the samples."""

    @staticmethod
    def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> None:
        return None


_MONTE_CARLO_STANDARD_NORMAL: Prior = _MonteCarloStandardNormal()


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
    log_likelihood: LogLikelihood, mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor,
    prior: Prior | None = None,
) -> torch.Tensor:
    r"""Log importance weights :math:`\log p(x\mid z_k) + \log p(z_k) - \log q(z_k\mid x)`, shape ``(B, K)``.

    ``eps`` has shape ``(K, B, D)``; the result puts samples last, ready for :func:`iwae_bound`.
    ``prior`` (an object with ``log_prob``, :mod:`vaecourse.core.priors`) defaults to :math:`\mathcal N(0, I)`.
    Computed by :func:`elbo_sample`.
    """
    return elbo_sample(log_likelihood, mu, logvar, prior, num_samples=eps.shape[0], eps=eps,
                       log_weights=True).log_weights  # (B, K)


def streamed_log_mean_exp(log_weight_chunks: Iterable[torch.Tensor]) -> torch.Tensor:
    r""":math:`\log\frac1k\sum_i e^{a_i}` of log-weights given in chunks ``(B, c_j)`` along the last dimension, ``(B,)``.

    .. math:: \log\sum_{i\le j+c} w_i = \operatorname{logaddexp}\Big(\log\sum_{i\le j} w_i,\ \log\sum_{j<i\le j+c} w_i\Big)

    A running :math:`\operatorname{logaddexp}` of the chunks' log-sum-exps: equal to
    ``iwae_bound(torch.cat(chunks, -1))`` up to round-off, holding one chunk at a time.

    >>> a = torch.tensor([[-110.2, -111.5, -109.8, -112.0]])
    >>> round(streamed_log_mean_exp([a[:, :3], a[:, 3:]]).item(), 4)
    -110.5114
    """
    total, count = None, 0
    for chunk in log_weight_chunks:
        require_tensor("log_weight_chunks[j]", chunk, min_dim=1)
        if chunk.shape[-1] == 0:
            continue
        if total is not None and chunk.shape[:-1] != total.shape:
            raise ValueError(f"every chunk must have shape (B, c) with the same B = {tuple(total.shape)}, "
                             f"got {tuple(chunk.shape)}")
        chunk_sum = torch.logsumexp(chunk, dim=-1)  # (B,)
        total = chunk_sum if total is None else torch.logaddexp(total, chunk_sum)  # (B,)
        count += chunk.shape[-1]
    if total is None:
        raise ValueError("log_weight_chunks must hold at least one log-weight, got no samples")
    return total - math.log(count)  # (B,)


def importance_sampled_log_likelihood(
    log_likelihood: LogLikelihood,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    k: int = 1000,
    eps: torch.Tensor | None = None,
    chunk_size: int | None = None,
    prior: Prior | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""Estimate :math:`\log p(x)` by importance sampling with the encoder as proposal, ``chunk_size`` samples at a time.

    .. math:: \log p(x) \approx \log \frac1k \sum_{i=1}^{k} \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)},
              \qquad z_i \sim q(z\mid x)

    This is :func:`iwae_bound` with large ``k``; it is a stochastic lower bound that tightens as ``k``
    grows, the standard way to report a VAE's test log-likelihood (NLL = minus this). The samples are
    drawn and scored a chunk at a time and folded by :func:`streamed_log_mean_exp`, so memory does not
    grow with ``k``. :func:`vaecourse.training.streamed_nll.log_likelihood_estimate` applies it to a
    model and a data set.

    Args:
        log_likelihood, mu, logvar: as :func:`elbo_estimate`.
        k: number of importance samples, ``>= 1``.
        eps: optional noise ``(k, B, D)``; else drawn chunk by chunk (from ``generator`` if given).
        chunk_size: samples scored at once (default: all ``k``), to bound memory.
        prior: the prior object (``log_prob``), default :math:`\mathcal N(0, I)`.

    Returns:
        Shape ``(B,)``.
    """
    require_tensor("mu", mu, min_dim=2)
    require_tensor("logvar", logvar, min_dim=2)
    shape = require_broadcastable(mu=mu, logvar=logvar)
    require_positive_int("k", k)
    if chunk_size is not None:
        require_positive_int("chunk_size", chunk_size)
    if eps is not None and tuple(require_tensor("eps", eps).shape) != (k, *shape):
        raise ValueError(f"eps must have shape (k, B, D) = {(k, *shape)}, got {tuple(eps.shape)}")
    mu, logvar = mu.expand(shape), logvar.expand(shape)
    step = chunk_size or k

    def chunks():
        for first in range(0, k, step):
            count = min(step, k - first)
            if eps is None:
                noise = torch.randn(count, *shape, generator=generator, device=mu.device, dtype=mu.dtype)  # (c, B, D)
            else:
                noise = eps[first:first + count].to(mu.device, mu.dtype)  # (c, B, D)
            yield importance_log_weights(log_likelihood, mu, logvar, noise, prior)  # (B, c)

    return streamed_log_mean_exp(chunks())  # (B,)
