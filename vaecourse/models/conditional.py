r"""The conditional VAE: encoder, decoder and optionally the prior see a class label y.

.. math::
    q_\phi(z\mid x, y), \qquad p_\theta(x\mid z, y), \qquad
    p_\psi(z\mid y) = \mathcal N\big(\mu_\psi(y), \mathrm{diag}\,e^{s_\psi(y)}\big)\ \text{or}\ \mathcal N(0, I),

    \mathrm{ELBO}(x, y) = \mathbb E_q[\log p_\theta(x\mid z, y)] - \mathrm{KL}\big(q_\phi(z\mid x, y)\,\|\,p_\psi(z\mid y)\big)

The label enters as a one-hot vector concatenated to the network inputs; the KL to a learned prior
uses :func:`~vaecourse.core.kl.gaussian_kl_between`. ``sample(n, y)`` draws images of chosen classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ..core._validation import require_positive_int
from ..core.priors import DiagonalGaussianPrior, StandardNormalPrior
from .vae import VAE, VAEConfig, mlp


@dataclass(frozen=True)
class ConditionalVAEConfig(VAEConfig):
    """A :class:`VAEConfig` plus the number of classes and whether the prior depends on the label."""

    num_classes: int = 10
    learned_prior: bool = False  # True: p(z|y) = N(mu(y), diag exp(s(y))), learned; False: N(0, I)

    def __post_init__(self):
        super().__post_init__()
        require_positive_int("num_classes", self.num_classes, minimum=2)
        if self.prior != "standard":
            raise ValueError("ConditionalVAE supports prior='standard' only; set learned_prior=True for p(z|y)")


class ConditionalVAE(VAE):
    """A VAE whose encoder, decoder and (optionally) prior also see a class label ``y`` (one-hot).

    :math:`q_\\phi(z\\mid x, y)`, :math:`p_\\theta(x\\mid z, y)` and :math:`p(z\\mid y)`: with
    ``learned_prior=True`` the prior's mean and log-variance are learned per class (starting at
    :math:`\\mathcal N(0, I)`), and the KL uses :func:`~vaecourse.core.kl.gaussian_kl_between`.
    ``sample(n, y)`` draws digits of the chosen classes.
    """

    requires_labels: ClassVar[bool] = True

    def __init__(self, config: ConditionalVAEConfig | None = None, *, seed: int | None = None):
        super().__init__(config if config is not None else ConditionalVAEConfig(), seed=seed)

    def _build(self, config: ConditionalVAEConfig) -> None:
        c = config.num_classes
        self.encoder = mlp(config.data_dim + c, config.hidden_dims, 2 * config.latent_dim, config.activation)
        self.decoder = mlp(config.latent_dim + c, config.hidden_dims, config.data_dim, config.activation)
        self._build_decoder_variance(config)
        if config.learned_prior:
            self.prior_table = nn.Embedding(c, 2 * config.latent_dim)
            nn.init.zeros_(self.prior_table.weight)  # start at the standard normal prior
        self.standard_normal_prior = StandardNormalPrior(config.latent_dim)  # no parameters, not saved

    def _one_hot(self, y, leading_shape: torch.Size) -> torch.Tensor:
        if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
            raise TypeError(f"y must be an integer tensor of class labels, got {y!r:.60}")
        c = self.config.num_classes
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= c):
            raise ValueError(f"labels y must lie in 0..{c - 1}, found {int(y.min())}..{int(y.max())}")
        onehot = F.one_hot(y.long(), c).to(self.encoder[0].weight.dtype)  # (B, C)
        return onehot.expand(*leading_shape, c)  # (..., B, C)

    def _check_y(self, y) -> None:
        if y is None:
            raise ValueError("ConditionalVAE needs the labels y (shape (B,), integers 0..num_classes-1)")

    def encode(self, x, y=None):
        self._check_y(y)
        inputs = torch.cat([self._check_x(x), self._one_hot(y, x.shape[:-1])], dim=-1)  # (B, data_dim + C)
        mu, logvar = self.encoder(inputs).chunk(2, dim=-1)  # (B, D) each
        return mu, logvar

    def decode(self, z, y=None):
        self._check_y(y)
        return self.decoder(torch.cat([z, self._one_hot(y, z.shape[:-1])], dim=-1))  # (..., data_dim)

    def prior(self, y=None):
        """The learned prior's mean and log-variance for labels ``y``, ``(B, D)`` each, or ``None`` without one."""
        self._check_y(y)
        if not self.config.learned_prior:
            return None
        mu_p, logvar_p = self.prior_table(y.long()).chunk(2, dim=-1)  # (B, D) each
        return mu_p, logvar_p

    def latent_prior(self, y=None):
        r""":math:`p(z\mid y)`: a :class:`~vaecourse.core.priors.DiagonalGaussianPrior` per label, or :math:`\mathcal N(0, I)`."""
        prior = self.prior(y)
        return self.standard_normal_prior if prior is None else DiagonalGaussianPrior(*prior)

    def sample(self, n, y=None, *, seed=None, generator=None, mean=True):
        self._check_y(y)
        if tuple(y.shape) != (n,):
            raise ValueError(f"y must hold one label per sample, shape ({n},), got {tuple(y.shape)}")
        return super().sample(n, y.to(self.device), seed=seed, generator=generator, mean=mean)
