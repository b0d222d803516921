r"""Priors over the latent space as objects with ``log_prob`` and ``sample`` (torch.distributions style).

.. math:: p(z) = \mathcal N(0, I), \qquad p_\psi(z\mid y) = \mathcal N\big(\mu_\psi(y), \mathrm{diag}\,e^{s_\psi(y)}\big),
          \qquad p_\lambda(z) = \frac1K \sum_{k=1}^K \mathcal N\big(z;\ m_k,\ \mathrm{diag}\,e^{s_k}\big)

Every prior gives ``log_prob(z)`` (summed over the latent dimension, shape ``z.shape[:-1]``),
``sample(n, generator)`` ``(n, D)`` and ``kl_per_dim(mu, logvar)``: the closed-form
:math:`\mathrm{KL}(q(z_j\mid x)\,\|\,p(z_j))` ``(B, D)`` where one exists, else ``None`` (then the
ELBO estimates the KL at the sampled :math:`z`,
:math:`\frac1L\sum_\ell \log q(z^{(\ell)}\mid x) - \log p(z^{(\ell)})`). The ELBO and the importance
weights (:mod:`vaecourse.core.bounds`) take any of them, so a learned prior needs no correction term.

The standard normal prior asks the encoder to fill one round blob; digits form about ten clusters, and
a mixture with K learned components can place mass where the aggregate posterior
:math:`q(z) = \frac1N\sum_n q(z\mid x_n)` actually is (cf. the VampPrior, Tomczak & Welling, 2018).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._validation import require_positive_int, require_tensor
from .kl import gaussian_kl_between, gaussian_kl_per_dim
from .likelihoods import diagonal_gaussian_log_density, gaussian_log_likelihood, standard_normal_log_density


class StandardNormalPrior(nn.Module):
    r""":math:`p(z) = \mathcal N(0, I)` in ``latent_dim`` dimensions (no parameters; it follows the model's device)."""

    def __init__(self, latent_dim: int):
        super().__init__()
        require_positive_int("latent_dim", latent_dim)
        self.register_buffer("loc", torch.zeros(latent_dim), persistent=False)  # (D,): device only, not saved

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log\mathcal N(z; 0, I)` summed over the last dimension, shape ``z.shape[:-1]``."""
        return standard_normal_log_density(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` draws, shape ``(n, D)``."""
        require_positive_int("n", n)
        return torch.randn(n, self.loc.shape[0], generator=generator, device=self.loc.device)  # (n, D)

    def kl_per_dim(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        r"""Closed form :math:`\tfrac12(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1)`, shape ``(B, D)``."""
        return gaussian_kl_per_dim(mu, logvar)


class DiagonalGaussianPrior:
    r""":math:`\mathcal N(\mu_p, \mathrm{diag}\,e^{s_p})` with one mean and log-variance per example, ``(B, D)`` each.

    The label-conditional prior :math:`p_\psi(z\mid y)` of the conditional VAE, built for a batch of labels.
    """

    def __init__(self, mu: torch.Tensor, logvar: torch.Tensor):
        self.mu, self.logvar = mu, logvar  # (B, D) each

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log\mathcal N(z; \mu_p, e^{s_p})` summed over the last dimension, ``z`` ``(..., B, D)`` -> ``(..., B)``."""
        return gaussian_log_likelihood(z, self.mu, self.logvar)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """One draw per example (``n`` must equal B), shape ``(n, D)``."""
        if n != self.mu.shape[0]:
            raise ValueError(f"this prior holds one Gaussian per example: n must be {self.mu.shape[0]}, got {n}")
        eps = torch.randn(self.mu.shape, generator=generator, device=self.mu.device)  # (n, D)
        return self.mu + torch.exp(0.5 * self.logvar) * eps  # (n, D)

    def kl_per_dim(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        r"""Closed form of :func:`~vaecourse.core.kl.gaussian_kl_between` per dimension, shape ``(B, D)``."""
        return gaussian_kl_between(mu.unsqueeze(-1), logvar.unsqueeze(-1),
                                   self.mu.unsqueeze(-1), self.logvar.unsqueeze(-1))  # (B, D)


class MixturePrior(nn.Module):
    """Equal-weight mixture of ``num_components`` diagonal Gaussians with learned means and log-variances.

    Means start as standard-normal draws (so the components are spread like the usual prior) and
    log-variances at 0. Its KL has no closed form (``kl_per_dim`` returns ``None``).
    """

    def __init__(self, num_components: int, latent_dim: int):
        super().__init__()
        require_positive_int("num_components", num_components)
        require_positive_int("latent_dim", latent_dim)
        self.means = nn.Parameter(torch.randn(num_components, latent_dim))  # (K, D)
        self.logvars = nn.Parameter(torch.zeros(num_components, latent_dim))  # (K, D)

    @property
    def num_components(self) -> int:
        return self.means.shape[0]

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p_\lambda(z) = \operatorname{logsumexp}_k \log\mathcal N(z; m_k, e^{s_k}) - \log K`, shape ``z.shape[:-1]``.

        The squares are expanded, :math:`\sum_j (z_j - m_{kj})^2/v_{kj} = z^2\cdot\frac1{v_k} - 2\,z\cdot\frac{m_k}{v_k}
        + \sum_j m_{kj}^2/v_{kj}`, so two ``(N, D) @ (D, K)`` products replace an ``(N, K, D)`` tensor:
        the prior costs little beside the decoder, even with 50 components.
        """
        require_tensor("z", z, min_dim=1)
        precision = torch.exp(-self.logvars)  # (K, D)
        quadratic = (z.pow(2) @ precision.T - 2 * z @ (self.means * precision).T
                     + (self.means.pow(2) * precision).sum(-1))  # (..., K)
        log_norm = self.logvars.sum(-1) + z.shape[-1] * math.log(2 * math.pi)  # (K,)
        per_component = -0.5 * (quadratic + log_norm)  # (..., K): log N(z; m_k, diag v_k)
        return torch.logsumexp(per_component, dim=-1) - math.log(self.num_components)

    def log_prob_per_component(self, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log\mathcal N(z; m_k, \mathrm{diag}\,e^{s_k})` for every component, shape ``(..., K)`` (the direct formula)."""
        return diagonal_gaussian_log_density(z.unsqueeze(-2), self.means, self.logvars)

    def marginal_log_prob(self, z: torch.Tensor) -> torch.Tensor:
        r"""Log-density of each coordinate under the prior's 1-D marginal, shape ``z.shape``.

        .. math:: \log p_\lambda(z_j) = \operatorname{logsumexp}_k \Big(-\tfrac12\big(\log 2\pi + s_{kj}
                  + (z_j - m_{kj})^2 e^{-s_{kj}}\big)\Big) - \log K
        """
        z = z.unsqueeze(-2)  # (..., 1, D)
        per_component = -0.5 * (math.log(2 * math.pi) + self.logvars
                                + (z - self.means).pow(2) * torch.exp(-self.logvars))  # (..., K, D)
        return torch.logsumexp(per_component, dim=-2) - math.log(self.num_components)  # (..., D)

    def kl_per_dim(self, mu: torch.Tensor, logvar: torch.Tensor) -> None:
        """No closed form: the ELBO estimates the KL at its samples (see :meth:`marginal_kl_per_dim`)."""
        return None

    def marginal_kl_per_dim(self, mu: torch.Tensor, logvar: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        r"""Monte Carlo :math:`\mathrm{KL}(q(z_j\mid x)\,\|\,p_\lambda(z_j))` at samples ``z`` ``(L, B, D)``, shape ``(B, D)``.

        Against each coordinate's marginal: a measure of how much each latent is used, which does not
        sum to the joint KL.
        """
        log_q = -0.5 * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) * torch.exp(-logvar))  # (L, B, D)
        return (log_q - self.marginal_log_prob(z)).mean(0)  # (B, D)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` latents: a component uniformly at random, then its Gaussian; shape ``(n, D)``."""
        require_positive_int("n", n)
        device = self.means.device
        component = torch.randint(self.num_components, (n,), generator=generator, device=device)  # (n,)
        eps = torch.randn(n, self.means.shape[1], generator=generator, device=device)  # (n, D)
        return self.means[component] + torch.exp(0.5 * self.logvars[component]) * eps
