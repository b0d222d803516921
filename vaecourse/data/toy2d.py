r"""Two-dimensional toy data sets (two moons, rings, a Gaussian mixture) for the diffusion chapter.

Each returns points of shape ``(n, 2)`` drawn with a seeded generator. With ``standardize=True``
(the default) each coordinate is shifted and scaled to mean 0 and variance 1,

.. math:: \tilde x_{\cdot k} = (x_{\cdot k} - \bar x_k) / s_k,

the scale at which a diffusion model's noise :math:`\mathcal N(0, I)` is comparable to the data.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import require_nonnegative_float, require_positive_int


def _standardized(points: torch.Tensor) -> torch.Tensor:
    return (points - points.mean(dim=0)) / points.std(dim=0)  # (n, 2)


def _shuffled(points: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return points[torch.randperm(points.shape[0], generator=generator)]


def two_moons(n: int = 1000, *, noise: float = 0.05, seed: int = 0, standardize: bool = True) -> torch.Tensor:
    r"""Two interleaved half circles (the shape of scikit-learn's ``make_moons``).

    .. math:: \text{upper: } (\cos\theta, \sin\theta),\quad \text{lower: } (1-\cos\theta,\ \tfrac12-\sin\theta),
              \qquad \theta \sim \mathcal U[0, \pi],

    plus isotropic Gaussian noise of standard deviation ``noise``. Returns ``(n, 2)`` float32.
    """
    require_positive_int("n", n, minimum=2)
    noise = require_nonnegative_float("noise", noise)
    generator = torch.Generator().manual_seed(seed)
    n_upper = n // 2
    theta = torch.rand(n, generator=generator) * math.pi  # (n,)
    upper = torch.stack([theta[:n_upper].cos(), theta[:n_upper].sin()], dim=1)  # (n_upper, 2)
    lower = torch.stack([1 - theta[n_upper:].cos(), 0.5 - theta[n_upper:].sin()], dim=1)  # (n - n_upper, 2)
    points = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=generator)  # (n, 2)
    points = _shuffled(points, generator)
    return _standardized(points) if standardize else points


def rings(n: int = 1000, *, radii: tuple[float, ...] = (1.0, 2.0), noise: float = 0.05, seed: int = 0,
          standardize: bool = True) -> torch.Tensor:
    r"""Concentric circles: a radius :math:`r` chosen uniformly from ``radii``, an angle uniform on
    :math:`[0, 2\pi)`, the point :math:`r(\cos\theta, \sin\theta)` plus Gaussian noise. Returns ``(n, 2)``.
    """
    require_positive_int("n", n, minimum=2)
    noise = require_nonnegative_float("noise", noise)
    if len(radii) == 0 or any(float(r) <= 0 for r in radii):
        raise ValueError(f"radii must be a non-empty sequence of positive numbers, got {radii!r}")
    generator = torch.Generator().manual_seed(seed)
    radius = torch.tensor([float(r) for r in radii])[torch.randint(len(radii), (n,), generator=generator)]  # (n,)
    theta = torch.rand(n, generator=generator) * 2 * math.pi  # (n,)
    points = radius[:, None] * torch.stack([theta.cos(), theta.sin()], dim=1)  # (n, 2)
    points = points + noise * torch.randn(n, 2, generator=generator)
    return _standardized(points) if standardize else points


def gaussian_mixture(n: int = 1000, *, num_components: int = 8, radius: float = 2.0, std: float = 0.1,
                     seed: int = 0, standardize: bool = False) -> torch.Tensor:
    r"""Equal-weight mixture of ``num_components`` isotropic Gaussians whose means sit on a circle.

    .. math:: p(x) = \frac1K \sum_{k=1}^{K} \mathcal N\big(x;\ R(\cos\tfrac{2\pi k}{K}, \sin\tfrac{2\pi k}{K}),\ s^2 I\big)

    Its density is known in closed form (:func:`gaussian_mixture_log_density`), so a sampler's
    output can be scored exactly. Not standardized by default, so that the closed form applies.
    Returns ``(n, 2)``.
    """
    require_positive_int("n", n, minimum=2)
    require_positive_int("num_components", num_components)
    generator = torch.Generator().manual_seed(seed)
    centres = _mixture_centres(num_components, radius)  # (K, 2)
    component = torch.randint(num_components, (n,), generator=generator)  # (n,)
    points = centres[component] + std * torch.randn(n, 2, generator=generator)  # (n, 2)
    return _standardized(points) if standardize else points


def _mixture_centres(num_components: int, radius: float) -> torch.Tensor:
    angles = 2 * math.pi * torch.arange(num_components) / num_components  # (K,)
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (K, 2)


def gaussian_mixture_log_density(x: torch.Tensor, *, num_components: int = 8, radius: float = 2.0,
                                 std: float = 0.1) -> torch.Tensor:
    r"""Exact :math:`\log p(x)` of :func:`gaussian_mixture` (unstandardized), shape ``x.shape[:-1]``.

    .. math:: \log p(x) = \operatorname{logsumexp}_k\Big(-\frac{\|x-m_k\|^2}{2s^2}\Big) - \log K - \log(2\pi s^2)
    """
    centres = _mixture_centres(num_components, radius).to(x)  # (K, 2)
    sq_dist = (x[..., None, :] - centres).pow(2).sum(-1)  # (..., K)
    log_norm = math.log(num_components) + math.log(2 * math.pi * std**2)
    return torch.logsumexp(-sq_dist / (2 * std**2), dim=-1) - log_norm  # (...)


TOY_DATASETS = {"two_moons": two_moons, "rings": rings, "gaussian_mixture": gaussian_mixture}
"""The toy sets by name, e.g. ``TOY_DATASETS["two_moons"](n=2000, seed=0)``."""
