r"""A learned mixture-of-Gaussians prior for the VAE's latent space.

.. math:: p_\lambda(z) = \frac1K \sum_{k=1}^K \mathcal N\big(z;\ m_k,\ \mathrm{diag}\,e^{s_k}\big)

The standard normal prior asks the encoder to fill one round blob; digits form about ten clusters, and
a prior with K learned components can place mass where the aggregate posterior
:math:`q(z) = \frac1N\sum_n q(z\mid x_n)` actually is (cf. the VampPrior, Tomczak & Welling, 2018). The
KL term then has no closed form and is estimated at the sampled :math:`z`:
:math:`\mathrm{KL} \approx \frac1L\sum_\ell \log q(z^{(\ell)}\mid x) - \log p_\lambda(z^{(\ell)})`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._validation import require_positive_int, require_tensor
from .likelihoods import diagonal_gaussian_log_density


class MixturePrior(nn.Module):
    """Equal-weight mixture of ``num_components`` diagonal Gaussians with learned means and log-variances.

    Means start as standard-normal draws (so the components are spread like the usual prior) and
    log-variances at 0.
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

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` latents: a component uniformly at random, then its Gaussian; shape ``(n, D)``."""
        require_positive_int("n", n)
        device = self.means.device
        component = torch.randint(self.num_components, (n,), generator=generator, device=device)  # (n,)
        eps = torch.randn(n, self.means.shape[1], generator=generator, device=device)  # (n, D)
        return self.means[component] + torch.exp(0.5 * self.logvars[component]) * eps
