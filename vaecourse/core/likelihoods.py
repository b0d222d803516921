"""Decoder log-likelihoods log p(x|z) for binary and real-valued data, summed over data dimensions."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._validation import (
    require_broadcastable,
    require_finite,
    require_positive_int,
    require_tensor,
    value_checks_enabled,
)


def _sum_event_dims(values: torch.Tensor, event_dims: int) -> torch.Tensor:
    return values.sum(dim=-1) if event_dims == 1 else values.sum(dim=tuple(range(-event_dims, 0)))


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor, event_dims: int = 1) -> torch.Tensor:
    r"""Log-likelihood of data ``x`` in [0, 1] under independent Bernoullis given by their logits.

    .. math:: \log p(x \mid \ell) = \sum_i \big( x_i \ell_i - \log(1 + e^{\ell_i}) \big)
              = -\sum_i \mathrm{BCE}(\sigma(\ell_i), x_i)

    Computed from logits with a stable softplus (PyTorch's fused ``binary_cross_entropy_with_logits``,
    the same formula in one kernel), so logits of +-100 and targets of exactly 0 or 1 give
    finite values (computing ``log(sigmoid(l))`` first gives ``-inf`` and then NaN). Targets between 0
    and 1 (grey pixels) are allowed, as in the usual binary cross-entropy loss.

    Args:
        logits: decoder outputs, shape ``(..., *event)``; may carry leading sample dimensions.
        x: data, broadcastable with ``logits``, every value in [0, 1].
        event_dims: how many trailing dimensions are data dimensions to sum over (1 for flat
            vectors ``(B, D)``, 3 for images ``(B, C, H, W)``).

    Returns:
        One log-likelihood per example: the broadcast shape without its ``event_dims`` last dims.

    Raises:
        ValueError: shapes that do not broadcast, NaN/inf, or ``x`` outside [0, 1] (a Bernoulli
            likelihood is meaningless for such data: rescale it, or use a Gaussian likelihood).

    Example:
        >>> import torch
        >>> round(bernoulli_log_likelihood(torch.zeros(1, 3), torch.ones(1, 3)).item(), 4)  # 3 log(1/2)
        -2.0794
    """
    require_tensor("logits", logits, min_dim=1)
    require_tensor("x", x, min_dim=1)
    require_positive_int("event_dims", event_dims)
    require_broadcastable(logits=logits, x=x)
    require_finite("logits", logits)
    require_bernoulli_data("x", x)
    if logits.dim() < event_dims or x.dim() < event_dims:
        raise ValueError(f"event_dims={event_dims} exceeds the dimensions of logits {tuple(logits.shape)} or x {tuple(x.shape)}")
    return _bernoulli_log_likelihood(logits, x, event_dims)


def require_bernoulli_data(name: str, x: torch.Tensor) -> torch.Tensor:
    """Raise ValueError if ``x`` holds NaN/inf or values outside [0, 1] (skipped while value checks are off)."""
    require_finite(name, x)
    if value_checks_enabled() and bool(((x < 0) | (x > 1)).any()):
        raise ValueError(
            f"{name} (shape {tuple(x.shape)}) must lie in [0, 1] for a Bernoulli likelihood, "
            f"found values from {x.min().item():.4g} to {x.max().item():.4g}; "
            f"rescale the data to [0, 1] or use gaussian_log_likelihood"
        )
    return x


def _bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor, event_dims: int = 1) -> torch.Tensor:
    """The unchecked kernel of :func:`bernoulli_log_likelihood`, for callers whose inputs are known good."""
    if logits.shape != x.shape:  # views, e.g. x (B, D) against logits (L, B, D)
        shape = require_broadcastable(logits=logits, x=x)
        logits, x = logits.expand(shape), x.expand(shape)
    # PyTorch's fused binary cross-entropy evaluates the same stable softplus form, x*l - softplus(l),
    # in one kernel: fewer passes over the pixels and one autograd node instead of four.
    per_pixel_loss = F.binary_cross_entropy_with_logits(logits, x, reduction="none")  # (..., *event)
    return -_sum_event_dims(per_pixel_loss, event_dims)  # (...): negate after the sum, one value per example


def gaussian_log_likelihood(
    x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor | float = 0.0, event_dims: int = 1
) -> torch.Tensor:
    r"""Log-density of ``x`` under independent Gaussians :math:`\mathcal N(\text{mean}, e^{s})`.

    .. math:: \log p(x \mid z) = -\tfrac12 \sum_i \left( \log 2\pi + s_i + \frac{(x_i - m_i)^2}{e^{s_i}} \right)

    With a fixed variance this is, up to a constant, :math:`-\|x-m\|^2 / (2\sigma^2)`: the squared
    error that "MSE VAEs" minimise (the seed's hard practice problem).

    Args:
        x: data, shape ``(..., *event)``.
        mean: decoder means, broadcastable with ``x`` (may carry leading sample dimensions).
        logvar: log-variance :math:`s` per data dimension, a tensor broadcastable with ``x`` or a
            number for a fixed, shared variance (default 0, i.e. unit variance).
        event_dims: trailing dimensions to sum over.

    Returns:
        One log-density per example: the broadcast shape without its ``event_dims`` last dims.

    Raises:
        ValueError / TypeError: shapes that do not broadcast, NaN/inf, or non-tensor data.
    """
    require_tensor("x", x, min_dim=1)
    require_tensor("mean", mean, min_dim=1)
    require_positive_int("event_dims", event_dims)
    if not isinstance(logvar, torch.Tensor):
        if isinstance(logvar, bool) or not isinstance(logvar, (int, float)) or not math.isfinite(logvar):
            raise TypeError(f"logvar must be a tensor or a finite number, got {logvar!r}")
        logvar = torch.full((), float(logvar), dtype=mean.dtype, device=mean.device)
    require_tensor("logvar", logvar)
    require_broadcastable(x=x, mean=mean, logvar=logvar)
    for name, value in (("x", x), ("mean", mean), ("logvar", logvar)):
        require_finite(name, value)
    per_dim = -0.5 * (math.log(2 * math.pi) + logvar + (x - mean).pow(2) * torch.exp(-logvar))  # (..., *event)
    per_dim = per_dim.expand(torch.broadcast_shapes(x.shape, mean.shape, per_dim.shape))
    return _sum_event_dims(per_dim, event_dims)  # (...)


def standard_normal_log_density(z: torch.Tensor) -> torch.Tensor:
    r"""Log-density of the prior :math:`\mathcal N(0, I)` at ``z``, summed over the last dimension."""
    require_tensor("z", z, min_dim=1)
    return -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(dim=-1)  # (...)


def diagonal_gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""Log-density of :math:`\mathcal N(\mu, \mathrm{diag}(e^{s}))` at ``z``, summed over the last dimension."""
    return gaussian_log_likelihood(z, mu, logvar, event_dims=1)
