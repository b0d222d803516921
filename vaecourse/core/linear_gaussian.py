"""A linear-Gaussian latent-variable model (probabilistic PCA) whose evidence and posterior are exact."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._validation import require_finite, require_positive_int, require_tensor
from .kl import gaussian_kl
from .likelihoods import gaussian_log_likelihood, standard_normal_log_density


@dataclass(frozen=True)
class LinearGaussianModel:
    r"""The model :math:`p(z)=\mathcal N(0, I_m)`, :math:`p(x\mid z)=\mathcal N(Wz + b, \sigma^2 I_d)`.

    Everything a VAE must approximate is available here in closed form (Tipping & Bishop, 1999):

    .. math::
        p(x) = \mathcal N(b,\; WW^\top + \sigma^2 I), \qquad
        p(z\mid x) = \mathcal N\big(M^{-1}W^\top(x-b),\; \sigma^2 M^{-1}\big),\quad M = W^\top W + \sigma^2 I

    so the identity :math:`\log p(x) = \mathrm{ELBO}(q) + \mathrm{KL}(q\,\|\,p(z\mid x))` can be checked
    to machine precision for any Gaussian ``q``.

    Attributes:
        weight: ``W``, shape ``(d, m)``.
        bias: ``b``, shape ``(d,)``.
        noise_var: :math:`\sigma^2 > 0`.
    """

    weight: torch.Tensor
    bias: torch.Tensor
    noise_var: float

    def __post_init__(self):
        require_tensor("weight", self.weight, min_dim=2)
        require_tensor("bias", self.bias, min_dim=1)
        if self.weight.dim() != 2 or self.bias.shape != self.weight.shape[:1]:
            raise ValueError(
                f"weight must be (d, m) and bias (d,), got {tuple(self.weight.shape)} and {tuple(self.bias.shape)}"
            )
        require_finite("weight", self.weight)
        require_finite("bias", self.bias)
        if not (isinstance(self.noise_var, (int, float)) and math.isfinite(self.noise_var) and self.noise_var > 0):
            raise ValueError(f"noise_var must be a finite number > 0, got {self.noise_var!r}")

    @classmethod
    def random(cls, data_dim: int, latent_dim: int, noise_var: float = 0.5, seed: int = 0,
               dtype: torch.dtype = torch.float64) -> "LinearGaussianModel":
        """A model with standard-normal weights and biases drawn from ``seed`` (float64 by default)."""
        require_positive_int("data_dim", data_dim)
        require_positive_int("latent_dim", latent_dim)
        generator = torch.Generator().manual_seed(seed)
        weight = torch.randn(data_dim, latent_dim, generator=generator, dtype=dtype)  # (d, m)
        bias = torch.randn(data_dim, generator=generator, dtype=dtype)  # (d,)
        return cls(weight, bias, float(noise_var))

    @property
    def data_dim(self) -> int:
        return self.weight.shape[0]

    @property
    def latent_dim(self) -> int:
        return self.weight.shape[1]

    def _check_x(self, x: torch.Tensor) -> torch.Tensor:
        require_tensor("x", x, min_dim=1)
        if x.shape[-1] != self.data_dim:
            raise ValueError(f"x must have last dimension d = {self.data_dim}, got shape {tuple(x.shape)}")
        require_finite("x", x)
        return x.to(self.weight.dtype)

    def sample(self, n: int, seed: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` pairs from the joint: returns ``(x, z)`` of shapes ``(n, d)`` and ``(n, m)``."""
        require_positive_int("n", n)
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        z = torch.randn(n, self.latent_dim, generator=generator, dtype=self.weight.dtype)  # (n, m)
        noise = torch.randn(n, self.data_dim, generator=generator, dtype=self.weight.dtype)  # (n, d)
        x = z @ self.weight.T + self.bias + math.sqrt(self.noise_var) * noise  # (n, d)
        return x, z

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p(x\mid z)`; ``z`` may carry leading sample dimensions, e.g. ``(L, B, m)`` -> ``(L, B)``."""
        mean = z @ self.weight.T + self.bias  # (..., B, d)
        return gaussian_log_likelihood(self._check_x(x), mean, math.log(self.noise_var))

    def log_joint(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p(x, z) = \log p(x\mid z) + \log p(z)`."""
        return self.log_likelihood(x, z) + standard_normal_log_density(z)

    def marginal_covariance(self) -> torch.Tensor:
        r""":math:`C = WW^\top + \sigma^2 I`, shape ``(d, d)``."""
        eye = torch.eye(self.data_dim, dtype=self.weight.dtype)
        return self.weight @ self.weight.T + self.noise_var * eye

    def log_evidence(self, x: torch.Tensor) -> torch.Tensor:
        r"""Exact :math:`\log p(x) = \log\mathcal N(x;\, b,\, WW^\top+\sigma^2 I)`; ``(B, d)`` -> ``(B,)``."""
        x = self._check_x(x)
        marginal = torch.distributions.MultivariateNormal(self.bias, covariance_matrix=self.marginal_covariance())
        return marginal.log_prob(x)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Exact posterior mean ``(B, m)`` and covariance ``(m, m)`` (the same for every x)."""
        x = self._check_x(x)
        eye = torch.eye(self.latent_dim, dtype=self.weight.dtype)
        precision_scaled = self.weight.T @ self.weight + self.noise_var * eye  # M, (m, m)
        covariance = self.noise_var * torch.linalg.inv(precision_scaled)  # (m, m)
        mean = torch.linalg.solve(precision_scaled, self.weight.T @ (x - self.bias).T).T  # (B, m)
        return mean, covariance

    def best_diagonal_q(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""The diagonal Gaussian ``(mu, logvar)`` that maximises the ELBO.

        For a Gaussian posterior the mean-field optimum keeps the posterior mean and takes
        variances :math:`1/\Lambda_{jj}` from the posterior precision :math:`\Lambda`; it under-states
        the posterior's spread whenever latents are correlated, leaving a gap that no diagonal q closes.
        """
        mean, covariance = self.posterior(x)
        precision = torch.linalg.inv(covariance)  # (m, m)
        logvar = (-torch.log(torch.diagonal(precision))).expand_as(mean)  # (B, m)
        return mean, logvar

    def elbo(self, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        r"""Exact ELBO for a diagonal Gaussian :math:`q=\mathcal N(\mu,\mathrm{diag}(e^{s}))`, shape ``(B,)``.

        .. math::
            \mathbb E_q[\log p(x\mid z)] = -\tfrac d2\log(2\pi\sigma^2) - \frac{1}{2\sigma^2}
            \Big(\|x - b - W\mu\|^2 + \sum_j \|W_{:,j}\|^2 \sigma_j^2\Big),
            \qquad \mathrm{ELBO} = \mathbb E_q[\log p(x\mid z)] - \mathrm{KL}(q\,\|\,p(z))
        """
        x = self._check_x(x)
        residual = x - self.bias - mu @ self.weight.T  # (B, d)
        spread = (logvar.exp() * self.weight.pow(2).sum(dim=0)).sum(dim=-1)  # (B,)
        expected_ll = -0.5 * self.data_dim * math.log(2 * math.pi * self.noise_var) - 0.5 * (
            residual.pow(2).sum(dim=-1) + spread
        ) / self.noise_var  # (B,)
        return expected_ll - gaussian_kl(mu, logvar)

    def kl_to_posterior(self, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        r""":math:`\mathrm{KL}(q\,\|\,p(z\mid x))` for diagonal Gaussian ``q``, in closed form, shape ``(B,)``."""
        post_mean, post_cov = self.posterior(x)
        q = torch.distributions.MultivariateNormal(mu, covariance_matrix=torch.diag_embed(logvar.exp()))
        posterior = torch.distributions.MultivariateNormal(post_mean, covariance_matrix=post_cov)
        return torch.distributions.kl_divergence(q, posterior)
