"""How the error of a Monte Carlo estimate shrinks with the number of samples, measured by repetition."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from ..core._validation import require_finite, require_positive_int, require_tensor

DrawValues = Callable[[int, torch.Generator], torch.Tensor]
"""``draw(num_values, generator)`` returns ``num_values`` independent draws of ``f(Z)``, shape ``(num_values,)``."""


@dataclass(frozen=True)
class ConvergenceStudy:
    r"""Errors of the sample mean :math:`\hat\mu_n` measured over ``num_repeats`` independent runs per ``n``.

    Attributes:
        sample_sizes: the ``n`` values studied, increasing.
        rmse: root-mean-square error :math:`\sqrt{\overline{(\hat\mu_n - \mu)^2}}` over the runs.
        mean_standard_error: the average of each run's own standard error :math:`\hat s/\sqrt n`,
            the error bar a single run would report; it should match ``rmse``.
        coverage: the fraction of runs whose 95% interval :math:`\hat\mu_n \pm 1.96\,\mathrm{SE}`
            contains the truth; close to 0.95 once ``n`` is large enough for the normal approximation.
        slope: the least-squares slope of :math:`\log(\text{rmse})` against :math:`\log n`;
            :math:`-\tfrac12` for an estimator whose error shrinks like :math:`1/\sqrt n`.
        num_repeats: runs per sample size.
    """

    sample_sizes: tuple[int, ...]
    rmse: tuple[float, ...]
    mean_standard_error: tuple[float, ...]
    coverage: tuple[float, ...]
    slope: float
    num_repeats: int


def log_log_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x`: the exponent :math:`a` in :math:`y \propto x^a`.

    .. math:: a = \frac{\sum_i (u_i - \bar u)(v_i - \bar v)}{\sum_i (u_i - \bar u)^2},\qquad u = \log x,\; v = \log y

    Raises:
        ValueError: fewer than two points, lengths that differ, or a value that is not > 0.
    """
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError(f"xs and ys must have the same length >= 2, got {len(xs)} and {len(ys)}")
    if any(not (v > 0 and math.isfinite(v)) for v in (*xs, *ys)):
        raise ValueError("every x and y must be a finite number > 0 to take logarithms")
    u = [math.log(v) for v in xs]
    v = [math.log(w) for w in ys]
    u_bar, v_bar = sum(u) / len(u), sum(v) / len(v)
    spread = sum((a - u_bar) ** 2 for a in u)
    if spread == 0:
        raise ValueError("xs must not all be equal")
    return sum((a - u_bar) * (b - v_bar) for a, b in zip(u, v)) / spread


def error_vs_sample_size(
    draw: DrawValues,
    truth: float,
    sample_sizes: Sequence[int],
    num_repeats: int = 200,
    seed: int = 0,
) -> ConvergenceStudy:
    r"""Measure how the Monte Carlo estimate :math:`\hat\mu_n = \frac1n\sum_{i=1}^n f(z_i)` approaches ``truth``.

    .. math::
        \mathrm{RMSE}(n) = \sqrt{\mathbb E\big[(\hat\mu_n - \mu)^2\big]} = \frac{\mathrm{sd}(f(Z))}{\sqrt n}

    For each ``n`` the estimate is repeated ``num_repeats`` times from fresh draws (all drawn in one
    call of ``draw`` and reshaped to ``(num_repeats, n)``), so the error is *measured*, not assumed.

    Args:
        draw: ``draw(num_values, generator) -> (num_values,)`` independent draws of :math:`f(Z)`;
            use the generator for every random number so the study is reproducible.
        truth: the exact expectation :math:`\mu = \mathbb E[f(Z)]`.
        sample_sizes: the ``n`` values, each ``>= 2`` (a standard error needs two draws), increasing.
        num_repeats: independent runs per ``n``, ``>= 2``.
        seed: seeds one ``torch.Generator`` that the whole study uses.

    Returns:
        A :class:`ConvergenceStudy`.

    Raises:
        ValueError / TypeError: bad sizes, a non-finite ``truth``, or ``draw`` returning the wrong shape.

    Example:
        >>> import torch
        >>> study = error_vs_sample_size(lambda n, g: torch.randn(n, generator=g), 0.0, [10, 1000])
        >>> -0.6 < study.slope < -0.4
        True
    """
    require_positive_int("num_repeats", num_repeats, minimum=2)
    if not sample_sizes:
        raise ValueError("sample_sizes must list at least one sample size")
    for n in sample_sizes:
        require_positive_int("each of sample_sizes", n, minimum=2)
    if list(sample_sizes) != sorted(set(sample_sizes)):
        raise ValueError(f"sample_sizes must be strictly increasing, got {list(sample_sizes)}")
    if isinstance(truth, bool) or not isinstance(truth, (int, float)) or not math.isfinite(truth):
        raise ValueError(f"truth must be a finite number, got {truth!r}")
    generator = torch.Generator().manual_seed(seed)
    rmse, mean_se, coverage = [], [], []
    for n in sample_sizes:
        values = draw(num_repeats * n, generator)
        require_tensor("draw(...)", values, min_dim=1)
        if tuple(values.shape) != (num_repeats * n,):
            raise ValueError(f"draw({num_repeats * n}, generator) must return shape ({num_repeats * n},), got {tuple(values.shape)}")
        require_finite("draw(...)", values)
        runs = values.double().reshape(num_repeats, n)  # (R, n)
        means = runs.mean(dim=1)  # (R,)
        standard_errors = runs.std(dim=1, unbiased=True) / math.sqrt(n)  # (R,)
        rmse.append(math.sqrt((means - truth).pow(2).mean().item()))
        mean_se.append(standard_errors.mean().item())
        covered = (means - truth).abs() <= 1.96 * standard_errors  # (R,)
        coverage.append(covered.double().mean().item())
    slope = log_log_slope(list(sample_sizes), rmse) if len(sample_sizes) >= 2 else float("nan")
    return ConvergenceStudy(
        sample_sizes=tuple(int(n) for n in sample_sizes),
        rmse=tuple(rmse),
        mean_standard_error=tuple(mean_se),
        coverage=tuple(coverage),
        slope=slope,
        num_repeats=num_repeats,
    )
