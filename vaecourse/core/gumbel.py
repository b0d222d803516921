"""Discrete latents: the Gumbel-max trick, its Gumbel-softmax (Concrete) relaxation, and their gradient estimators."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ._validation import require_finite, require_one_value_per_sample, require_positive_int, require_tensor

OneHotFunction = Callable[[torch.Tensor], torch.Tensor]
"""``f(y)`` maps one-hot or relaxed samples ``(..., L, K)`` to one value per sample, ``(..., L)``."""


def sample_gumbel(shape, *, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                  device: torch.device | str | None = None) -> torch.Tensor:
    r"""Standard Gumbel noise :math:`g = -\log E`, :math:`E \sim \mathrm{Exponential}(1)` (equivalently :math:`-\log(-\log U)`)."""
    exponential = torch.empty(shape, dtype=dtype, device=device).exponential_(generator=generator)
    return -exponential.clamp_min(torch.finfo(dtype).tiny).log()


def _check_logits(logits: torch.Tensor, gumbel: torch.Tensor | None, generator) -> torch.Tensor:
    require_tensor("logits", logits, min_dim=1)
    require_finite("logits", logits)
    if gumbel is None:
        return sample_gumbel(logits.shape, generator=generator, dtype=logits.dtype, device=logits.device)
    require_tensor("gumbel", gumbel, min_dim=1)
    require_finite("gumbel", gumbel)
    if gumbel.shape[-1] != logits.shape[-1]:
        raise ValueError(f"gumbel must end in the K = {logits.shape[-1]} categories of logits, got shape {tuple(gumbel.shape)}")
    return gumbel


def gumbel_max_sample(logits: torch.Tensor, gumbel: torch.Tensor | None = None,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    r"""An exact sample of :math:`\mathrm{Categorical}(\mathrm{softmax}(\ell))` as a one-hot vector.

    .. math:: k = \arg\max_j\, (\ell_j + g_j),\qquad g_j \sim \mathrm{Gumbel}(0, 1)\ \text{i.i.d.}

    Exact, but the argmax is piecewise constant in :math:`\ell`: its derivative is zero almost
    everywhere, so no gradient reaches the logits through it.

    Args:
        logits: unnormalised log-probabilities, shape ``(..., K)``.
        gumbel: optional noise broadcastable with ``logits`` (leading sample dims allowed).
        generator: used when ``gumbel`` is ``None``.

    Returns:
        One-hot samples of the broadcast shape, dtype of ``logits``.
    """
    gumbel = _check_logits(logits, gumbel, generator)
    scores = logits + gumbel  # (..., K)
    return F.one_hot(scores.argmax(dim=-1), logits.shape[-1]).to(logits.dtype)


def gumbel_softmax_sample(logits: torch.Tensor, temperature: float, gumbel: torch.Tensor | None = None,
                          generator: torch.Generator | None = None, hard: bool = False) -> torch.Tensor:
    r"""A Gumbel-softmax (Concrete) sample: the argmax of the Gumbel-max trick replaced by a softmax.

    .. math:: y_j = \frac{\exp\big((\ell_j + g_j)/\tau\big)}{\sum_k \exp\big((\ell_k + g_k)/\tau\big)}

    (Jang, Gu & Poole 2017; Maddison, Mnih & Teh 2017). ``y`` lies inside the simplex, is a
    differentiable function of the logits, and tends to the one-hot Gumbel-max sample as
    :math:`\tau\to 0`. The price: it is *not* a sample of the categorical, so gradients through it
    are biased; the bias shrinks and the variance grows as :math:`\tau \to 0`.

    Args:
        logits: shape ``(..., K)``.
        temperature: :math:`\tau > 0`.
        gumbel: optional noise broadcastable with ``logits``; the same noise gives the Gumbel-max
            sample of :func:`gumbel_max_sample`.
        generator: used when ``gumbel`` is ``None``.
        hard: straight-through: return the one-hot argmax in the forward pass with the relaxed
            sample's gradient in the backward pass.

    Returns:
        Relaxed (or straight-through one-hot) samples of the broadcast shape.
    """
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    gumbel = _check_logits(logits, gumbel, generator)
    relaxed = torch.softmax((logits + gumbel) / temperature, dim=-1)  # (..., K)
    if not hard:
        return relaxed
    one_hot = F.one_hot(relaxed.argmax(dim=-1), logits.shape[-1]).to(relaxed.dtype)  # (..., K)
    return one_hot - relaxed.detach() + relaxed


def exact_categorical_gradient(f: OneHotFunction, logits: torch.Tensor) -> torch.Tensor:
    r"""The exact gradient :math:`\nabla_\ell \sum_k \mathrm{softmax}(\ell)_k\, f(e_k)` by enumerating the K outcomes.

    Args:
        f: evaluated once on the ``K`` one-hot vectors, shape ``(K, K) -> (K,)``.
        logits: shape ``(K,)``.

    Returns:
        Shape ``(K,)``.
    """
    require_tensor("logits", logits, min_dim=1)
    if logits.dim() != 1:
        raise ValueError(f"logits must have shape (K,) for one categorical, got {tuple(logits.shape)}")
    leaf = logits.detach().clone().requires_grad_(True)
    with torch.no_grad():
        values = f(torch.eye(logits.shape[0], dtype=logits.dtype, device=logits.device))  # (K,)
    with torch.enable_grad():
        expectation = (torch.softmax(leaf, dim=-1) * values).sum()
        (gradient,) = torch.autograd.grad(expectation, leaf)
    return gradient


def categorical_score_gradient(f: OneHotFunction, logits: torch.Tensor, num_samples: int = 1,
                               gumbel: torch.Tensor | None = None, generator: torch.Generator | None = None,
                               baseline: float = 0.0) -> torch.Tensor:
    r"""REINFORCE estimate of :math:`\nabla_\ell\, \mathbb E_{y\sim\mathrm{Cat}(\mathrm{softmax}(\ell))}[f(y)]`: unbiased, no relaxation.

    .. math:: \nabla_\ell \log p(y) = y - \mathrm{softmax}(\ell),\qquad
              \hat g = \frac1L\sum_{l} \big(f(y^{(l)}) - b\big)\big(y^{(l)} - \mathrm{softmax}(\ell)\big)

    Args:
        f: ``(..., L, K) -> (..., L)`` on one-hot samples.
        logits: shape ``(K,)``.
        num_samples: ``L``.
        gumbel: optional noise ``(..., L, K)``; leading dims give independent repeated estimates.
        generator: used when ``gumbel`` is ``None``.
        baseline: a constant ``b`` subtracted from ``f`` (keeps it unbiased, can cut the variance).

    Returns:
        Shape ``(..., K)``.
    """
    gumbel = _sample_noise(logits, num_samples, gumbel, generator)
    with torch.no_grad():
        y = gumbel_max_sample(logits, gumbel)  # (..., L, K)
        values = require_one_value_per_sample("f(y)", f(y), y)  # (..., L)
        score = y - torch.softmax(logits, dim=-1)  # (..., L, K)
        return ((values - baseline).unsqueeze(-1) * score).mean(dim=-2)  # (..., K)


def gumbel_softmax_gradient(f: OneHotFunction, logits: torch.Tensor, temperature: float, num_samples: int = 1,
                            gumbel: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Pathwise gradient through Gumbel-softmax samples: :math:`\frac1L\sum_l \nabla_\ell f\big(y_\tau(\ell, g^{(l)})\big)`.

    It estimates the gradient of the *relaxed* objective :math:`\mathbb E_g[f(y_\tau)]`, which differs
    from the discrete one unless :math:`\tau \to 0`: a biased but low-variance estimator. ``f`` must
    accept points inside the simplex and be differentiable there.

    Args / Returns: as :func:`categorical_score_gradient`, plus ``temperature`` :math:`\tau > 0`.
    """
    gumbel = _sample_noise(logits, num_samples, gumbel, generator)
    repeat_shape = (*gumbel.shape[:-2], 1, logits.shape[0])
    leaf = logits.detach().expand(repeat_shape).clone().requires_grad_(True)  # (..., 1, K)
    with torch.enable_grad():
        y = gumbel_softmax_sample(leaf, temperature, gumbel)  # (..., L, K)
        values = require_one_value_per_sample("f(y)", f(y), y)  # (..., L)
        (gradient,) = torch.autograd.grad(values.mean(dim=-1).sum(), leaf)
    return gradient.squeeze(-2)  # (..., K)


def _sample_noise(logits, num_samples, gumbel, generator) -> torch.Tensor:
    require_tensor("logits", logits, min_dim=1)
    if logits.dim() != 1:
        raise ValueError(f"logits must have shape (K,) for one categorical, got {tuple(logits.shape)}")
    require_finite("logits", logits)
    require_positive_int("num_samples", num_samples)
    if gumbel is None:
        return sample_gumbel((num_samples, logits.shape[0]), generator=generator, dtype=logits.dtype, device=logits.device)
    require_tensor("gumbel", gumbel, min_dim=2)
    if tuple(gumbel.shape[-2:]) != (num_samples, logits.shape[0]):
        raise ValueError(
            f"gumbel must have shape (..., num_samples, K) = (..., {num_samples}, {logits.shape[0]}), got {tuple(gumbel.shape)}"
        )
    return gumbel
