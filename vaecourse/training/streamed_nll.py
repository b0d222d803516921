r"""The test log-likelihood of a model by importance sampling (k = 1000, or 5000 as Burda et al.), in memory that does not grow with k.

.. math::
    \log p(x) \approx \log\frac1k\sum_{i=1}^k w_i, \quad w_i = \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)}, \quad z_i \sim q(z\mid x)

The course's one NLL estimator: ``batch_size`` examples at a time, each scored by
:func:`~vaecourse.core.bounds.importance_sampled_log_likelihood` with the model's decoder and its prior object
(so a learned prior needs no correction term), whose samples are taken ``chunk_size`` at a time and folded
into a running log-sum-exp: memory of order ``batch_size * chunk_size * (data_dim + hidden)`` floats,
whatever k. The cost is ``N * k`` decoder passes for N examples; ``progress=True`` shows it advancing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from ..core._validation import require_positive_int, require_tensor
from ..core.bounds import importance_sampled_log_likelihood, streamed_log_mean_exp  # noqa: F401  (its import path)
from .batches import split_xy


@torch.no_grad()
def log_likelihood_estimate(model, data, *, k: int = 1000, batch_size: int = 100, chunk_size: int = 100,
                            seed: int = 0, eps: torch.Tensor | None = None, progress: bool = False) -> torch.Tensor:
    r"""Importance-sampled :math:`\log p(x)` of every example with ``k`` encoder samples, in bounded memory, ``(N,)``.

    .. math:: \log p(x) \approx \log\frac1k \sum_{i=1}^k \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)}, \quad z_i\sim q(z\mid x)

    In expectation a lower bound that tightens as ``k`` grows (the IWAE bound :math:`\mathcal L_k`,
    Burda et al., 2016); the test NLL is ``-estimate.mean()``. At most ``batch_size * chunk_size``
    latent samples are decoded at once; k only sets how many chunks are run. The prior is the model's
    own (``model.latent_prior(y)``: standard normal, a learned :math:`p(z\mid y)` or a mixture; a
    model without ``latent_prior`` has :math:`\mathcal N(0, I)`).

    Args:
        model: a trained :class:`~vaecourse.models.vae.VAE` (or subclass); evaluated in eval mode.
        data: ``x`` ``(N, data_dim)``, ``(x, y)`` or an :class:`~vaecourse.data.ImageDataset` (its test split).
        k: importance samples per example, ``>= 1``.
        batch_size: examples per batch; chunk_size: samples per chunk (both ``>= 1``).
        seed: the noise of batch b, chunk j comes from one generator seeded with ``seed``, drawn in
            order; the same (seed, batch_size) give the same numbers (and any chunk_size, up to
            round-off, whenever ``chunk_size * batch_size * D`` is a multiple of 16).
        eps: optional noise ``(k, N, D)`` instead (tests: the result then does not depend on the chunking).
        progress: show a tqdm bar over the examples (``N * k`` decoder passes in all).

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
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=x.shape[0], unit="example", desc=f"log p(x), k={k}", dynamic_ncols=True, mininterval=0.5)
    estimates = []
    for start in range(0, x.shape[0], batch_size):
        xb = x[start:start + batch_size]  # (b, data_dim)
        yb = y[start:start + batch_size] if y is not None else None
        mu, logvar = model.encode(xb, yb)  # (b, D) each
        noise = None if eps is None else eps[:, start:start + xb.shape[0]]  # (k, b, D)
        estimates.append(importance_sampled_log_likelihood(
            lambda z: model.log_likelihood(xb, z, yb), mu, logvar, k=k, eps=noise, chunk_size=chunk_size,
            prior=_prior(model, yb), generator=generator))  # (b,)
        if bar is not None:
            bar.update(xb.shape[0])
    if bar is not None:
        bar.close()
    return torch.cat(estimates)  # (N,)


def _prior(model, y):
    r"""The model's prior object; :math:`\mathcal N(0, I)` (``None``) for a duck-typed model without ``latent_prior``."""
    return model.latent_prior(y) if hasattr(model, "latent_prior") else None


streamed_log_likelihood_estimate = log_likelihood_estimate  # its earlier name (the IWAE benchmark, the README)


@dataclass(frozen=True)
class NLLEstimate:
    r"""The test NLL :math:`-\frac1n\sum_i \log\hat p(x_i)` over n of N examples, with its standard error.

    ``standard_error`` :math:`= \frac{s}{\sqrt n}\sqrt{1 - n/N}` (s: the spread of the n per-example
    estimates) is the error of the subset's mean as an estimate of the mean over all N examples; it is 0
    when every example is used. ``seconds``: the wall-clock time the estimate took.
    """

    nll: float
    standard_error: float
    num_examples: int
    total_examples: int
    k: int
    seconds: float


def subset_nll(model, data, *, k: int = 1000, num_examples: int | None = None, seed: int = 0,
               progress: bool = False) -> NLLEstimate:
    """:func:`log_likelihood_estimate` on ``num_examples`` examples drawn at random with ``seed`` (``None``: all).

    The cost is ``num_examples * k`` decoder passes, so a subset of 1000 images makes the usual k = 1000
    report a tenth of the full 10 000-image test set's; the standard error says what the subset costs in
    precision.
    """
    x, y = split_xy(model, data)
    total = x.shape[0]
    n = total if num_examples is None else min(require_positive_int("num_examples", num_examples), total)
    if n < total:  # a seeded subset, in test-set order
        index = torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:n].sort().values.to(x.device)
        x, y = x.index_select(0, index), (y.index_select(0, index) if y is not None else None)
    started = time.perf_counter()
    log_px = log_likelihood_estimate(model, (x, y) if y is not None else x, k=k, seed=seed, progress=progress)  # (n,)
    seconds = time.perf_counter() - started
    spread = log_px.double().std().item() if n > 1 else 0.0
    standard_error = spread / math.sqrt(n) * math.sqrt(1.0 - n / total)
    return NLLEstimate(-log_px.double().mean().item(), standard_error, n, total, k, seconds)
