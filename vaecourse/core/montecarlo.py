"""Monte Carlo estimates of expectations with their standard errors."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._validation import require_finite, require_tensor


@dataclass(frozen=True)
class MonteCarloEstimate:
    r"""A sample mean with its standard error :math:`\hat s/\sqrt n` and a 95% interval."""

    mean: float
    standard_error: float
    num_samples: int

    @property
    def interval(self) -> tuple[float, float]:
        """The normal-approximation 95% confidence interval, mean +- 1.96 standard errors."""
        half = 1.96 * self.standard_error
        return self.mean - half, self.mean + half

    def __str__(self) -> str:
        return f"{self.mean:.4f} +- {self.standard_error:.4f} (n={self.num_samples})"


def monte_carlo_estimate(values: torch.Tensor) -> MonteCarloEstimate:
    r"""Estimate :math:`\mathbb E[f(Z)]` from draws ``values`` :math:`= f(z_1), \dots, f(z_n)`.

    .. math:: \hat\mu = \frac1n\sum_i f(z_i), \qquad \mathrm{SE} = \sqrt{\frac{1}{n(n-1)}\sum_i (f(z_i)-\hat\mu)^2}

    The error shrinks like :math:`1/\sqrt n`: a hundred times more samples buy one more digit.

    Args:
        values: a 1-d tensor of ``n >= 2`` finite draws.

    Raises:
        ValueError: fewer than 2 values, a non-1-d tensor, or NaN/inf.
    """
    require_tensor("values", values, min_dim=1)
    if values.dim() != 1 or values.numel() < 2:
        raise ValueError(f"values must be a 1-d tensor of at least 2 draws, got shape {tuple(values.shape)}")
    require_finite("values", values)
    values = values.double()
    n = values.numel()
    return MonteCarloEstimate(
        mean=values.mean().item(), standard_error=values.std(unbiased=True).item() / math.sqrt(n), num_samples=n
    )
