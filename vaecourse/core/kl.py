"""KL divergence: closed forms between diagonal Gaussians (the VAE's regularizer), and from first principles
(discrete distributions, 1-d densities on a grid, and its asymmetry)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ._validation import require_broadcastable, require_finite, require_positive_int, require_tensor


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL divergence from :math:`q = \mathcal N(\mu, \mathrm{diag}(e^{s}))` to the prior :math:`\mathcal N(0, I)`.

    .. math::
        \mathrm{KL}(q \,\|\, p) = \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\right),
        \qquad \sigma_j^2 = e^{s_j}

    Each latent dimension pays for a mean away from 0 (:math:`\mu_j^2`), a variance above 1
    (:math:`\sigma_j^2`) and a variance below 1 (:math:`-\log\sigma_j^2`); the :math:`-1` makes the
    cost exactly zero at the prior. Derivation: Kingma & Welling (2014), Appendix B.

    Args:
        mu: means, shape ``(..., D)``.
        logvar: log-variances :math:`s = \log\sigma^2` (not sigma, not sigma^2), broadcastable with ``mu``.

    Returns:
        One KL per example, summed over the last (latent) dimension: shape ``(...)``, i.e.
        ``mu.shape[:-1]`` for equal shapes. Take the batch mean in the loss, not here.

    Raises:
        TypeError: a non-tensor or integer tensor.
        ValueError: shapes that do not broadcast, a 0-d input, or a NaN/inf value.

    Example (the seed's practice problem, mu = (2, 0), sigma^2 = (0.25, 4)):
        >>> import torch
        >>> mu = torch.tensor([2.0, 0.0]); logvar = torch.log(torch.tensor([0.25, 4.0]))
        >>> round(gaussian_kl(mu, logvar).item(), 6)
        3.125
    """
    require_tensor("mu", mu, min_dim=1)
    require_tensor("logvar", logvar, min_dim=1)
    require_broadcastable(mu=mu, logvar=logvar)
    require_finite("mu", mu)
    require_finite("logvar", logvar)
    return gaussian_kl_per_dim(mu, logvar).sum(dim=-1)  # (...)


def gaussian_kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""The summands of :func:`gaussian_kl`, one per latent dimension: :math:`\tfrac12(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1)`.

    Unchecked: for callers (the models) whose ``mu`` and ``logvar`` come from their own encoder.
    Shape: the broadcast shape of ``mu`` and ``logvar``.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)  # (..., D)


def free_bits_kl(kl_per_dim: torch.Tensor, free_bits: float) -> torch.Tensor:
    r"""The free-bits KL term of a batch (Kingma et al., 2016): each latent dimension's batch-mean KL, floored at :math:`\lambda`.

    .. math:: \mathrm{KL}_\lambda = \sum_j \max\big(\lambda, \tfrac1B \textstyle\sum_b \mathrm{KL}_{bj}\big)

    The floor acts on the batch mean, not on each example: a dimension is free while the batch as a
    whole spends less than :math:`\lambda` nats on it. This is the term ``fit`` adds to the loss
    (``TrainConfig.free_bits``, through ``training.objectives.free_bits_loss``); it replaces the batch mean of the KL, so it is one number per batch.

    Args:
        kl_per_dim: per-example, per-dimension KLs, shape ``(B, D)``.
        free_bits: :math:`\lambda \ge 0`, nats per latent dimension.

    Returns:
        A 0-d tensor.

    Example:
        >>> free_bits_kl(torch.tensor([[0.1, 2.0], [0.3, 1.0]]), 0.5)
        tensor(2.)
    """
    require_tensor("kl_per_dim", kl_per_dim, min_dim=2)
    if not float(free_bits) >= 0.0:
        raise ValueError(f"free_bits must be >= 0 nats, got {free_bits}")
    return kl_per_dim.mean(dim=0).clamp(min=free_bits).sum()  # (D,) -> ()


def gaussian_kl_between(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    r"""KL divergence between two diagonal Gaussians, :math:`\mathrm{KL}(\mathcal N(\mu_q,\sigma_q^2)\,\|\,\mathcal N(\mu_p,\sigma_p^2))`.

    .. math::
        \mathrm{KL} = \tfrac12 \sum_j \left( \frac{\sigma_{q,j}^2 + (\mu_{q,j}-\mu_{p,j})^2}{\sigma_{p,j}^2}
        + \log\frac{\sigma_{p,j}^2}{\sigma_{q,j}^2} - 1 \right)

    With :math:`\mu_p = 0, \log\sigma_p^2 = 0` it reduces to :func:`gaussian_kl`. Used for learned or
    conditional priors (the conditional VAE) and for the diffusion ELBO's per-step terms.

    Args:
        mu_q, logvar_q: the first distribution's means and log-variances, shape ``(..., D)``.
        mu_p, logvar_p: the second's, broadcastable with the first.

    Returns:
        Shape: the broadcast shape without its last dimension, which is summed over.

    Raises:
        TypeError / ValueError: as :func:`gaussian_kl`, naming the offending argument.
    """
    named = {"mu_q": mu_q, "logvar_q": logvar_q, "mu_p": mu_p, "logvar_p": logvar_p}
    for name, value in named.items():
        require_tensor(name, value, min_dim=1)
    require_broadcastable(**named)
    for name, value in named.items():
        require_finite(name, value)
    variance_ratio = (logvar_q - logvar_p).exp()  # (..., D)
    mean_term = (mu_q - mu_p).pow(2) / logvar_p.exp()  # (..., D)
    per_dim = variance_ratio + mean_term - (logvar_q - logvar_p) - 1.0  # (..., D)
    return 0.5 * per_dim.sum(dim=-1)  # (...)


# KL from first principles (Session 1): discrete distributions, densities on a grid, its asymmetry.
LogDensity = Callable[[torch.Tensor], torch.Tensor]
"""``log_density(z)`` maps grid points ``(G,)`` to log-densities ``(G,)``."""


def categorical_kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    r"""KL divergence between discrete distributions given by their probabilities.

    .. math:: \mathrm{KL}(p\,\|\,q) = \sum_k p_k \log\frac{p_k}{q_k}

    with the conventions :math:`0 \log(0/q) = 0` (an outcome ``p`` never produces costs nothing) and
    :math:`p\log(p/0) = +\infty` (an outcome ``p`` produces but ``q`` rules out is infinitely costly).

    Args:
        p, q: probabilities over the last dimension, shape ``(..., K)``, broadcastable, each row
            non-negative and summing to 1.

    Returns:
        Shape: the broadcast shape without the last dimension, in nats; ``inf`` where the support of
        ``p`` is not inside that of ``q``.

    Raises:
        TypeError / ValueError: non-tensors, negative entries, rows that do not sum to 1, NaN/inf.

    Example:
        >>> import torch
        >>> round(categorical_kl(torch.tensor([0.5, 0.5]), torch.tensor([0.9, 0.1])).item(), 4)
        0.5108
    """
    for name, value in (("p", p), ("q", q)):
        require_tensor(name, value, min_dim=1)
        require_finite(name, value)
        if bool((value < 0).any()):
            raise ValueError(f"{name} (shape {tuple(value.shape)}) must be non-negative, found {value.min().item():.4g}")
        totals = value.sum(dim=-1)
        tolerance = 1e-4 if value.dtype in (torch.float16, torch.bfloat16, torch.float32) else 1e-10
        if bool(((totals - 1).abs() > tolerance).any()):
            raise ValueError(
                f"{name} (shape {tuple(value.shape)}) must sum to 1 over its last dimension, "
                f"found sums from {totals.min().item():.6g} to {totals.max().item():.6g}"
            )
    p, q = torch.broadcast_tensors(p, q)  # (..., K)
    ratio_terms = p * (torch.log(p) - torch.log(q))  # (..., K); NaN at p = 0, inf at q = 0 < p
    terms = torch.where(p > 0, ratio_terms, torch.zeros_like(p))  # (..., K)
    return terms.sum(dim=-1)  # (...)


def grid_kl(log_p: torch.Tensor, log_q: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    r"""KL divergence between two 1-d densities tabulated on a grid, by the trapezoid rule.

    .. math:: \mathrm{KL}(p\,\|\,q) = \int p(z)\,\big(\log p(z) - \log q(z)\big)\,dz

    Accurate when the grid is fine and covers where ``p`` has mass; differentiable in ``log_p`` and
    ``log_q``, so it can be minimised with autograd (:func:`fit_gaussian_by_kl`).

    Args:
        log_p, log_q: log-densities at the grid points, shape ``(G,)``.
        grid: increasing grid points, shape ``(G,)``, ``G >= 2``.

    Returns:
        A 0-d tensor.
    """
    for name, value in (("log_p", log_p), ("log_q", log_q), ("grid", grid)):
        require_tensor(name, value, min_dim=1)
        if value.dim() != 1 or value.shape != grid.shape or value.numel() < 2:
            raise ValueError(f"{name} must be 1-d with the grid's shape {tuple(grid.shape)} (>= 2 points), got {tuple(value.shape)}")
    require_finite("grid", grid)
    integrand = log_p.exp() * (log_p - log_q)  # (G,)
    return torch.trapezoid(integrand, grid)


@dataclass(frozen=True)
class GaussianFit:
    """The Gaussian :math:`\\mathcal N(\\mu, e^{s})` that minimises a KL to a target, and that KL."""

    mu: float
    logvar: float
    kl: float
    direction: str


def fit_gaussian_by_kl(
    log_target: LogDensity,
    grid: torch.Tensor,
    direction: str = "reverse",
    init: tuple[float, float] = (0.5, 0.0),
    steps: int = 400,
    lr: float = 0.05,
) -> GaussianFit:
    r"""Fit a 1-d Gaussian :math:`q=\mathcal N(\mu, e^{s})` to a target density ``p`` by minimising a KL.

    .. math::
        \text{reverse: } \min_q \mathrm{KL}(q\,\|\,p) = \mathbb E_q[\log q - \log p],
        \qquad \text{forward: } \min_q \mathrm{KL}(p\,\|\,q) = \mathbb E_p[\log p - \log q]

    The reverse KL (the one in the ELBO) punishes ``q`` for putting mass where ``p`` has little, so
    on a two-bump target it locks onto one bump ("mode seeking"). The forward KL punishes ``q`` for
    missing mass ``p`` has, so it stretches over both bumps ("mass covering"); its optimum is the
    moment match: ``q``'s mean and variance equal ``p``'s.

    Args:
        log_target: ``z -> log p(z)`` on grid points, ``(G,) -> (G,)``.
        grid: increasing points covering the mass of both densities, shape ``(G,)``.
        direction: ``"reverse"`` for KL(q || p) or ``"forward"`` for KL(p || q).
        init: starting ``(mu, logvar)``. The reverse KL has several local minima; at a
            symmetric target, ``mu`` exactly at the centre of symmetry is a saddle, so start off it.
        steps, lr: Adam iterations and step size on ``(mu, logvar)``.

    Returns:
        A :class:`GaussianFit` (the parameters and the KL reached, on the grid).
    """
    if direction not in ("reverse", "forward"):
        raise ValueError(f"direction must be 'reverse' or 'forward', got {direction!r}")
    require_tensor("grid", grid, min_dim=1)
    require_positive_int("steps", steps)
    log_p = log_target(grid).detach()  # (G,)
    require_finite("log_target(grid)", log_p)
    mu = torch.tensor(float(init[0]), dtype=grid.dtype, device=grid.device, requires_grad=True)
    logvar = torch.tensor(float(init[1]), dtype=grid.dtype, device=grid.device, requires_grad=True)
    optimizer = torch.optim.Adam([mu, logvar], lr=lr)

    def kl_now() -> torch.Tensor:
        log_q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(grid)  # (G,)
        return grid_kl(log_q, log_p, grid) if direction == "reverse" else grid_kl(log_p, log_q, grid)

    for _ in range(steps):
        optimizer.zero_grad()
        loss = kl_now()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = kl_now().item()
    return GaussianFit(mu=mu.item(), logvar=logvar.item(), kl=final, direction=direction)


def moment_match(log_target: LogDensity, grid: torch.Tensor) -> tuple[float, float]:
    r"""The mean and log-variance of a 1-d density on a grid: the exact minimiser of the forward KL.

    .. math:: \mu = \int z\,p(z)\,dz, \qquad s = \log \int (z-\mu)^2\,p(z)\,dz

    Returns:
        ``(mu, logvar)`` as floats.
    """
    require_tensor("grid", grid, min_dim=1)
    density = log_target(grid).exp()  # (G,)
    mass = torch.trapezoid(density, grid)
    mean = torch.trapezoid(grid * density, grid) / mass
    variance = torch.trapezoid((grid - mean).pow(2) * density, grid) / mass
    return mean.item(), torch.log(variance).item()
