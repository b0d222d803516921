"""Amortized inference (one encoder for every x) versus per-datapoint variational parameters, and the gaps between them."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..core._validation import require_finite, require_positive_int, require_tensor
from ..core.bounds import elbo_estimate
from ..core.linear_gaussian import LinearGaussianModel


class LinearEncoder(nn.Module):
    r"""An amortized Gaussian encoder :math:`q_\phi(z\mid x) = \mathcal N(Ax + c,\ \mathrm{diag}(e^{Bx + e}))`.

    One set of weights :math:`\phi = (A, c, B, e)` serves every data point. With ``rank=r`` the mean
    map is :math:`A = UV` with :math:`V \in \mathbb R^{r\times d}`, a bottleneck that caps its rank at
    ``r``: a deliberately too-small encoder, to make an amortization gap that training cannot remove.

    Args:
        data_dim, latent_dim: ``d`` and ``m``.
        rank: ``None`` for an unrestricted linear mean map, or an int ``1 <= rank``.
        seed: seeds the initial weights (the global random state is left untouched).
        dtype: parameter dtype; match the model's (``float64`` for :class:`LinearGaussianModel`).
    """

    def __init__(self, data_dim: int, latent_dim: int, rank: int | None = None, seed: int = 0,
                 dtype: torch.dtype = torch.float64):
        super().__init__()
        require_positive_int("data_dim", data_dim)
        require_positive_int("latent_dim", latent_dim)
        if rank is not None:
            require_positive_int("rank", rank)
        self.rank = rank
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if rank is None:
                self.mean_head = nn.Linear(data_dim, latent_dim, dtype=dtype)
            else:
                self.mean_head = nn.Sequential(
                    nn.Linear(data_dim, rank, bias=False, dtype=dtype), nn.Linear(rank, latent_dim, dtype=dtype)
                )
            self.logvar_head = nn.Linear(data_dim, latent_dim, dtype=dtype)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map a batch ``(B, d)`` to ``(mu, logvar)``, each ``(B, m)``."""
        return self.mean_head(x), self.logvar_head(x)  # (B, m), (B, m)


def train_encoder(model: LinearGaussianModel, encoder: nn.Module, x: torch.Tensor, steps: int = 300,
                  lr: float = 0.05) -> list[float]:
    r"""Fit an encoder's weights by maximising the mean exact ELBO over the data ``x``.

    .. math:: \max_\phi \frac1N \sum_{i=1}^N \mathrm{ELBO}\big(q_\phi(z\mid x_i)\big)

    The ELBO is the closed form :meth:`LinearGaussianModel.elbo` (no sampling noise), so what remains
    of the gap after training is the encoder's, not the optimiser's noise. Adam, full batch.

    Returns:
        The mean ELBO before each step and after the last, ``steps + 1`` floats.
    """
    x = _check_batch(model, x)
    require_positive_int("steps", steps)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        objective = model.elbo(x, *encoder(x)).mean()
        history.append(objective.item())
        (-objective).backward()
        optimizer.step()
    with torch.no_grad():
        history.append(model.elbo(x, *encoder(x)).mean().item())
    return history


@dataclass(frozen=True)
class VariationalFit:
    """Per-datapoint variational parameters ``(B, m)`` each, and the mean exact ELBO at every step."""

    mu: torch.Tensor
    logvar: torch.Tensor
    elbo_history: tuple[float, ...]


def fit_variational_parameters(model: LinearGaussianModel, x: torch.Tensor, steps: int = 200, lr: float = 0.05,
                               num_samples: int | None = None, seed: int = 0,
                               init: tuple[torch.Tensor, torch.Tensor] | None = None) -> VariationalFit:
    r"""Classic (non-amortized) variational inference: a separate :math:`(\mu_i, s_i)` for every data point.

    .. math:: (\mu_i, s_i) = \arg\max_{\mu, s} \mathrm{ELBO}\big(x_i;\ \mathcal N(\mu, \mathrm{diag}(e^{s}))\big)

    found by Adam. With ``num_samples=None`` each step follows the exact ELBO's gradient; with
    ``num_samples=L`` it follows the SGVB estimate (:func:`~vaecourse.elbo_estimate`, ``L``
    reparameterized samples), as a VAE must when the ELBO has no closed form.

    Args:
        model: the :class:`LinearGaussianModel`.
        x: data, shape ``(B, d)``.
        steps, lr: Adam iterations and step size.
        num_samples: ``None`` (exact gradients) or ``L >= 1`` (SGVB).
        seed: seeds the SGVB noise.
        init: starting ``(mu, logvar)`` of shape ``(B, m)``; default the prior, ``(0, 0)``.

    Returns:
        A :class:`VariationalFit`; ``elbo_history`` holds the *exact* mean ELBO, ``steps + 1`` values.
    """
    x = _check_batch(model, x)
    require_positive_int("steps", steps)
    if num_samples is not None:
        require_positive_int("num_samples", num_samples)
    shape = (x.shape[0], model.latent_dim)
    if init is None:
        mu = torch.zeros(shape, dtype=x.dtype, device=x.device)  # (B, m)
        logvar = torch.zeros(shape, dtype=x.dtype, device=x.device)  # (B, m)
    else:
        mu, logvar = (v.detach().clone().to(x.dtype) for v in init)
        if tuple(mu.shape) != shape or tuple(logvar.shape) != shape:
            raise ValueError(f"init must be two tensors of shape (B, m) = {shape}, got {tuple(mu.shape)}, {tuple(logvar.shape)}")
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    generator = torch.Generator(device=x.device).manual_seed(seed)
    optimizer = torch.optim.Adam([mu, logvar], lr=lr)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        exact = model.elbo(x, mu, logvar)  # (B,)
        history.append(exact.mean().item())
        if num_samples is None:
            objective = exact.sum()
        else:
            eps = torch.randn((num_samples, *shape), generator=generator, dtype=x.dtype, device=x.device)  # (L, B, m)
            terms = elbo_estimate(lambda z: model.log_likelihood(x, z), mu, logvar, num_samples, eps=eps)
            objective = terms.elbo.sum()
        (-objective).backward()
        optimizer.step()
    with torch.no_grad():
        history.append(model.elbo(x, mu, logvar).mean().item())
    return VariationalFit(mu=mu.detach(), logvar=logvar.detach(), elbo_history=tuple(history))


@dataclass(frozen=True)
class InferenceGaps:
    r"""The split :math:`\log p(x) - \mathrm{ELBO}(q) = \text{approximation gap} + \text{amortization gap}`, per example ``(B,)``.

    The approximation gap :math:`\log p(x) - \mathrm{ELBO}(q^\star)` is the price of the family
    (diagonal Gaussians); the amortization gap :math:`\mathrm{ELBO}(q^\star) - \mathrm{ELBO}(q)` is the
    price of computing ``q`` with one shared encoder instead of optimising it for each ``x``
    (Cremer, Li & Duvenaud, 2018).
    """

    log_evidence: torch.Tensor
    best_elbo: torch.Tensor
    elbo: torch.Tensor

    @property
    def approximation_gap(self) -> torch.Tensor:
        return self.log_evidence - self.best_elbo  # (B,)

    @property
    def amortization_gap(self) -> torch.Tensor:
        return self.best_elbo - self.elbo  # (B,)

    @property
    def total_gap(self) -> torch.Tensor:
        return self.log_evidence - self.elbo  # (B,)


def inference_gaps(model: LinearGaussianModel, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> InferenceGaps:
    """Measure both gaps of the diagonal Gaussians ``(mu, logvar)`` (``(B, m)`` each) at the data ``x`` ``(B, d)``."""
    x = _check_batch(model, x)
    with torch.no_grad():
        best_mu, best_logvar = model.best_diagonal_q(x)  # (B, m) each
        return InferenceGaps(
            log_evidence=model.log_evidence(x), best_elbo=model.elbo(x, best_mu, best_logvar), elbo=model.elbo(x, mu, logvar)
        )


def best_rank_limited_gap(model: LinearGaussianModel, x: torch.Tensor, rank: int) -> float:
    r"""The smallest mean amortization gap on ``x`` that any :class:`LinearEncoder` with ``rank`` can reach.

    The ELBO is quadratic in :math:`\mu` with curvature the posterior precision :math:`\Lambda`, so
    :math:`\mathrm{ELBO}(\mu^\star_i) - \mathrm{ELBO}(\mu) = \tfrac12(\mu-\mu^\star_i)^\top\Lambda(\mu-\mu^\star_i)`,
    and the log-variance head can match :math:`s^\star` exactly. Writing :math:`y_i = \Lambda^{1/2}\mu^\star_i`,
    the best rank-``r`` affine map leaves (Eckart–Young)

    .. math:: \min \frac1N\sum_i \mathrm{gap}_i = \tfrac12 \sum_{k > r} \lambda_k\big(\widehat{\mathrm{Cov}}(y)\big)

    the sum of the smallest :math:`m - r` eigenvalues of the empirical (1/N) covariance of the :math:`y_i`.
    Zero when ``rank >= m``: the exact posterior mean is itself linear in ``x``.
    """
    x = _check_batch(model, x)
    require_positive_int("rank", rank)
    with torch.no_grad():
        post_mean, post_cov = model.posterior(x)  # (B, m), (m, m)
        cholesky = torch.linalg.cholesky(torch.linalg.inv(post_cov))  # Lambda = L L^T, (m, m)
        y = post_mean @ cholesky  # rows y_i = L^T mu*_i, (B, m)
        centred = y - y.mean(dim=0)  # (B, m)
        eigenvalues = torch.linalg.eigvalsh(centred.T @ centred / x.shape[0])  # ascending, (m,)
        dropped = max(model.latent_dim - rank, 0)
        return 0.5 * eigenvalues[:dropped].clamp_min(0).sum().item()


def _check_batch(model: LinearGaussianModel, x: torch.Tensor) -> torch.Tensor:
    require_tensor("x", x, min_dim=2)
    if x.dim() != 2 or x.shape[1] != model.data_dim:
        raise ValueError(f"x must have shape (B, d) with d = {model.data_dim}, got {tuple(x.shape)}")
    require_finite("x", x)
    return x.to(model.weight.dtype)
