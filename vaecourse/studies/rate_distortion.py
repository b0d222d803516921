r"""The beta-VAE trade-off: rate (the KL) against distortion (minus the reconstruction term), swept over beta.

Training with :math:`\mathcal J_\beta = \mathbb E_q[\log p_\theta(x\mid z)] - \beta\,\mathrm{KL}(q_\phi(z\mid x)\,\|\,p(z))` picks
one point of the trade-off between

.. math:: R = \mathbb E_x\,\mathrm{KL}\big(q_\phi(z\mid x)\,\|\,p(z)\big), \qquad D = -\mathbb E_x\mathbb E_q[\log p_\theta(x\mid z)],

and :math:`\mathrm{ELBO} = -(R + D)`; :math:`\beta` is the slope :math:`-dD/dR` at that point (Alemi et al., 2018).
For a Gaussian source :math:`x\sim\mathcal N(0, \mathrm{diag}(s_j^2))` and a decoder :math:`\mathcal N(\hat x, \sigma^2 I)`
the optimum is known in closed form (reverse water-filling):

.. math:: R_j = \max\Big(0, \tfrac12\log\frac{s_j^2}{\beta\sigma^2}\Big), \qquad
          \mathbb E(x_j - \hat x_j)^2 = \min(s_j^2, \beta\sigma^2),

so dimension :math:`j` is used only while :math:`\beta\sigma^2 < s_j^2`: above that price, collapse is the optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..core._validation import require_nonnegative_float, require_tensor
from ..training.diagnostics import active_units, encode_data
from ..models.vae import VAE, VAEConfig
from ..training.loop import fit


@dataclass
class RatePoint:
    """One trained beta: test rate and distortion (nats per example), ELBO = -(rate + distortion), active units."""

    beta: float
    rate: float
    distortion: float
    active_units: int
    model: torch.nn.Module = field(repr=False)

    @property
    def elbo(self) -> float:
        return -(self.rate + self.distortion)


def beta_sweep(data, betas, *, model_config: VAEConfig | None = None, seed: int = 0, **train) -> list[RatePoint]:
    """Train one :class:`~vaecourse.models.vae.VAE` per beta (same seed, same batches) and measure it on the test set.

    Args:
        data: an :class:`~vaecourse.data.images.ImageDataset`, or a pair ``(x_train, x_test)`` of tensors.
        betas: the KL weights, each >= 0.
        model_config: the shared :class:`~vaecourse.models.vae.VAEConfig`.
        seed: initial weights and training noise, the same for every beta.
        **train: keyword arguments for :func:`~vaecourse.training.loop.fit` (``epochs=...``).

    Returns:
        One :class:`RatePoint` per beta, in the order given.
    """
    x_train, x_test = (data.x_train, data.x_test) if hasattr(data, "x_train") else data
    points = []
    for beta in betas:
        beta = require_nonnegative_float("beta", beta)
        model = VAE(model_config, seed=seed)
        history = fit(model, x_train, x_test, **{"progress": False, "seed": seed, **train, "beta": beta})
        mu, _ = encode_data(model, x_test)
        points.append(RatePoint(beta=beta, rate=history.test_kl[-1], distortion=-history.test_reconstruction[-1],
                                active_units=active_units(mu), model=model))
    return points


def gaussian_rate_distortion(beta: float, data_variances, noise_variance: float) -> tuple[float, float, int]:
    r"""The optimal beta-VAE on a Gaussian source: ``(rate, squared error, dimensions used)``, summed over dims.

    .. math:: R = \sum_j \max\Big(0, \tfrac12\log\frac{s_j^2}{\beta\sigma^2}\Big), \qquad
              \mathbb E\|x - \hat x\|^2 = \sum_j \min(s_j^2, \beta\sigma^2)

    The distortion in nats is :math:`\mathbb E\|x-\hat x\|^2/(2\sigma^2) + \tfrac d2\log(2\pi\sigma^2)`.
    Achieved by a linear encoder and decoder whose aggregate posterior equals the prior.

    Args:
        beta: the KL weight, > 0.
        data_variances: :math:`s_j^2`, the source's variance per dimension (a sequence or 1-D tensor).
        noise_variance: :math:`\sigma^2`, the decoder's fixed variance, > 0.

    Example (the price is :math:`\beta\sigma^2 = 1`: only the first dimension is worth encoding):
        >>> rate, squared_error, used = gaussian_rate_distortion(2.0, [4.0, 1.0], noise_variance=0.5)
        >>> round(rate, 4), squared_error, used
        (0.6931, 2.0, 1)
    """
    beta = require_nonnegative_float("beta", beta)
    noise_variance = require_nonnegative_float("noise_variance", noise_variance)
    variances = [float(v) for v in data_variances]
    if beta == 0 or noise_variance == 0 or any(not v > 0 for v in variances):
        raise ValueError(f"need beta > 0, noise_variance > 0 and data variances > 0, got beta={beta}, "
                         f"noise_variance={noise_variance}, data_variances={variances}")
    price = beta * noise_variance  # the squared error at which one more nat stops paying
    rate = sum(max(0.0, 0.5 * math.log(v / price)) for v in variances)
    squared_error = sum(min(v, price) for v in variances)
    return rate, squared_error, sum(v > price for v in variances)


@torch.no_grad()
def latent_traversal(model, dims, values, *, base: torch.Tensor | None = None) -> torch.Tensor:
    r"""Decode codes that move one latent dimension at a time: ``(len(dims), len(values), data_dim)``.

    Row ``i`` sets :math:`z_{d_i}` to each of ``values`` and keeps the other coordinates at ``base``
    (default: 0, the prior's mean); each image is the decoder mean :math:`\mathbb E[x\mid z]`.
    """
    model.eval()
    dims, values = list(dims), [float(v) for v in values]
    if base is None:
        base = torch.zeros(model.latent_dim, device=model.device)
    require_tensor("base", base, min_dim=1)
    if base.shape[-1] != model.latent_dim:
        raise ValueError(f"base must have {model.latent_dim} latent coordinates, got shape {tuple(base.shape)}")
    if any(not 0 <= d < model.latent_dim for d in dims):
        raise ValueError(f"dims must lie in 0..{model.latent_dim - 1}, got {dims}")
    z = base.reshape(1, 1, -1).repeat(len(dims), len(values), 1)  # (R, C, D)
    for row, d in enumerate(dims):
        z[row, :, d] = torch.tensor(values, device=z.device, dtype=z.dtype)
    return model.decoder_mean(z)  # (R, C, data_dim)
