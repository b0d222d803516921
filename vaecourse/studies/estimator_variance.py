"""Measure the mean and variance of a gradient estimator of d/d(mu, logvar) E_q[f(z)] as the sample count L grows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ..core._validation import require_finite, require_positive_int, require_tensor
from .convergence import log_log_slope
from ..core.gradients import SampleFunction

GradientEstimator = Callable[..., tuple[torch.Tensor, torch.Tensor]]
"""``estimator(f, mu, logvar, num_samples, eps=..., **kwargs) -> (grad_mu, grad_logvar)``, as in :mod:`vaecourse.core.gradients`."""


@dataclass(frozen=True)
class GradientVarianceStudy:
    r"""Repeated gradient estimates at each sample count :math:`L`.

    Attributes:
        sample_sizes: the :math:`L` values, shape ``(S,)`` as a tuple.
        mean_mu, mean_logvar: the average estimate over the repeats, shape ``(S, D)``; an unbiased
            estimator's average sits within a few standard errors of the exact gradient.
        standard_error_mu, standard_error_logvar: per-component standard errors of those averages,
            :math:`\sqrt{\widehat{\mathrm{Var}}(g_j)/R}`, shape ``(S, D)``: the tolerance for checking unbiasedness.
        variance_mu, variance_logvar: the total variance (the trace of the covariance, summed over
            the ``D`` components) of one estimate, shape ``(S,)``. For an average of :math:`L`
            independent terms it is :math:`V_1 / L`, a line of slope :math:`-1` on log-log axes.
        num_repeats: independent estimates per :math:`L`.
    """

    sample_sizes: tuple[int, ...]
    mean_mu: torch.Tensor
    mean_logvar: torch.Tensor
    standard_error_mu: torch.Tensor
    standard_error_logvar: torch.Tensor
    variance_mu: torch.Tensor
    variance_logvar: torch.Tensor
    num_repeats: int

    @property
    def slope_mu(self) -> float:
        """Log-log slope of ``variance_mu`` against :math:`L` (about -1)."""
        return log_log_slope(self.sample_sizes, self.variance_mu.tolist())

    @property
    def slope_logvar(self) -> float:
        """Log-log slope of ``variance_logvar`` against :math:`L` (about -1)."""
        return log_log_slope(self.sample_sizes, self.variance_logvar.tolist())


def gradient_variance_study(
    estimator: GradientEstimator,
    f: SampleFunction,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    sample_sizes: tuple[int, ...] | list[int],
    num_repeats: int = 500,
    seed: int = 0,
    **estimator_kwargs,
) -> GradientVarianceStudy:
    r"""Run ``estimator`` ``num_repeats`` times at each :math:`L` and measure the spread of its estimates.

    .. math::
        \widehat{\mathrm{Var}}_L = \sum_{j} \frac{1}{R-1}\sum_{r=1}^{R}\big(g^{(r)}_j - \bar g_j\big)^2,
        \qquad g^{(r)} = \text{the estimate from the } r\text{-th batch of } L \text{ noise draws}

    All repeats come from one call with noise of shape ``(R, L, D)`` (the estimators of
    :mod:`vaecourse.core.gradients` treat leading dimensions as independent estimates), drawn from a
    generator seeded with ``seed``: two estimators studied with the same seed see the same noise, so
    their difference is the estimators', not the luck of the draw.

    Args:
        estimator: :func:`~vaecourse.score_function_gradient`, :func:`~vaecourse.pathwise_gradient`, or
            any function with their signature.
        f: ``z -> f(z)``, ``(..., L, D) -> (..., L)``.
        mu, logvar: the Gaussian :math:`q`, shape ``(D,)``; ``logvar`` is :math:`s=\log\sigma^2`.
        sample_sizes: increasing :math:`L` values, each ``>= 1``.
        num_repeats: :math:`R \ge 2` independent estimates per :math:`L`.
        seed: seeds the noise.
        **estimator_kwargs: passed on, e.g. ``baseline=`` for the score-function estimator.

    Returns:
        A :class:`GradientVarianceStudy`.
    """
    require_tensor("mu", mu, min_dim=1)
    require_tensor("logvar", logvar, min_dim=1)
    require_finite("mu", mu)
    require_positive_int("num_repeats", num_repeats, minimum=2)
    if not sample_sizes or list(sample_sizes) != sorted(set(sample_sizes)):
        raise ValueError(f"sample_sizes must be a non-empty, strictly increasing list, got {list(sample_sizes)}")
    for size in sample_sizes:
        require_positive_int("each of sample_sizes", size)
    generator = torch.Generator(device=mu.device).manual_seed(seed)
    means_mu, means_logvar, vars_mu, vars_logvar, ses_mu, ses_logvar = [], [], [], [], [], []
    for size in sample_sizes:
        eps = torch.randn(num_repeats, size, mu.shape[-1], generator=generator, dtype=mu.dtype, device=mu.device)  # (R, L, D)
        grad_mu, grad_logvar = estimator(f, mu, logvar, num_samples=size, eps=eps, **estimator_kwargs)  # (R, D) each
        for grads, means, variances, ses in ((grad_mu, means_mu, vars_mu, ses_mu),
                                              (grad_logvar, means_logvar, vars_logvar, ses_logvar)):
            component_var = grads.var(dim=0, unbiased=True)  # (D,)
            means.append(grads.mean(dim=0))
            variances.append(component_var.sum())
            ses.append((component_var / num_repeats).sqrt())
    return GradientVarianceStudy(
        sample_sizes=tuple(int(s) for s in sample_sizes),
        mean_mu=torch.stack(means_mu),
        mean_logvar=torch.stack(means_logvar),
        standard_error_mu=torch.stack(ses_mu),
        standard_error_logvar=torch.stack(ses_logvar),
        variance_mu=torch.stack(vars_mu),
        variance_logvar=torch.stack(vars_logvar),
        num_repeats=num_repeats,
    )
