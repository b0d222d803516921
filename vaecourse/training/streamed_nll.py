r"""The test log-likelihood with thousands of importance samples (k = 5000, as Burda et al.) in memory that does not grow with k.

.. math::
    \log p(x) \approx \log\frac1k\sum_{i=1}^k w_i, \quad w_i = \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)}, \qquad
    \log\sum_{i\le j+c} w_i = \operatorname{logaddexp}\Big(\log\sum_{i\le j} w_i,\ \log\sum_{j<i\le j+c} w_i\Big)

The samples are taken ``chunk_size`` at a time for ``batch_size`` examples at a time, and each chunk's
log-sum-exp is folded into a running one (second formula), so only one chunk of latents, decoder outputs
and log-weights exists at any moment: memory of order ``batch_size * chunk_size * (data_dim + hidden)``
floats, whatever k. :func:`vaecourse.training.diagnostics.log_likelihood_estimate` draws all k samples of a batch at once.
"""

from __future__ import annotations

import math
from typing import Iterable

import torch

from ..core._validation import require_positive_int, require_tensor
from ..core.bounds import importance_log_weights
from ..core.likelihoods import standard_normal_log_density
from .diagnostics import split_xy


def streamed_log_mean_exp(log_weight_chunks: Iterable[torch.Tensor]) -> torch.Tensor:
    r""":math:`\log\frac1k\sum_i e^{a_i}` of log-weights given in chunks ``(B, c_j)`` along the last dimension, ``(B,)``.

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


@torch.no_grad()
def streamed_log_likelihood_estimate(model, data, *, k: int = 5000, batch_size: int = 100, chunk_size: int = 100,
                                     seed: int = 0, eps: torch.Tensor | None = None) -> torch.Tensor:
    r"""Importance-sampled :math:`\log p(x)` of every example with ``k`` encoder samples, in bounded memory, ``(N,)``.

    The estimate of :func:`~vaecourse.training.diagnostics.log_likelihood_estimate` (a stochastic lower bound,
    the IWAE bound :math:`\mathcal L_k`; the test NLL is ``-estimate.mean()``), computed chunk by chunk
    with :func:`streamed_log_mean_exp`. At most ``batch_size * chunk_size`` latent samples are decoded at
    once; k only sets how many chunks are run. A learned prior is handled as in ``log_likelihood_estimate``.

    Args:
        model: a trained :class:`~vaecourse.models.vae.VAE` (or subclass); evaluated in eval mode.
        data: ``x`` ``(N, data_dim)``, ``(x, y)`` or an :class:`~vaecourse.data.ImageDataset` (its test split).
        k: importance samples per example, ``>= 1``.
        batch_size: examples per batch; chunk_size: samples per chunk (both ``>= 1``).
        seed: the noise of batch b, chunk j comes from one generator seeded with ``seed``, drawn in
            order; the same (seed, batch_size, chunk_size) give the same numbers.
        eps: optional noise ``(k, N, D)`` instead (tests: the result then does not depend on the chunking).

    Raises:
        ValueError / TypeError: a non-positive ``k``, ``batch_size`` or ``chunk_size``, bad data, or
        ``eps`` of the wrong shape (the message names the argument and both shapes).
    """
    require_positive_int("k", k)
    require_positive_int("batch_size", batch_size)
    require_positive_int("chunk_size", chunk_size)
    model.eval()
    x, y = split_xy(model, data)
    if eps is not None and tuple(require_tensor("eps", eps).shape) != (k, x.shape[0], model.latent_dim):
        raise ValueError(f"eps must have shape (k, N, D) = {(k, x.shape[0], model.latent_dim)}, got {tuple(eps.shape)}")
    generator = torch.Generator(device=x.device).manual_seed(seed)
    standard_prior = getattr(model, "standard_prior", True)
    estimates = []
    for start in range(0, x.shape[0], batch_size):
        xb = x[start:start + batch_size]  # (b, data_dim)
        yb = y[start:start + batch_size] if y is not None else None
        mu, logvar = model.encode(xb, yb)  # (b, D) each

        def log_likelihood(z):  # (c, b, D) -> (c, b): log p(x|z), plus log p(z) - log N(z; 0, I) for a learned prior
            if standard_prior:
                return model.log_likelihood(xb, z, yb)
            return model.log_likelihood(xb, z, yb) + model.log_prior(z, yb) - standard_normal_log_density(z)

        def chunks():
            for first in range(0, k, chunk_size):
                count = min(chunk_size, k - first)
                if eps is None:
                    noise = torch.randn(count, *mu.shape, generator=generator, device=x.device, dtype=mu.dtype)
                else:
                    noise = eps[first:first + count, start:start + xb.shape[0]].to(x.device, mu.dtype)
                yield importance_log_weights(log_likelihood, mu, logvar, noise)  # (b, c)

        estimates.append(streamed_log_mean_exp(chunks()))  # (b,)
    return torch.cat(estimates)  # (N,)
