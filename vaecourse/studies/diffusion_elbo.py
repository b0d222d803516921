r"""The diffusion ELBO term by term, and its reduction to a weighted noise-prediction loss (Ho et al., 2020).

A DDPM is a hierarchical VAE whose encoder :math:`q(x_{1:T}\mid x_0)` is fixed Gaussian noise. Its
negative ELBO splits into one prior term, :math:`T-1` denoising KLs and one reconstruction term,

.. math::
    -\mathrm{ELBO}(x_0) = \underbrace{\mathrm{KL}\big(q(x_T\mid x_0)\,\|\,\mathcal N(0, I)\big)}_{L_T}
    + \sum_{t=2}^{T} \underbrace{\mathbb E_q\,\mathrm{KL}\big(q(x_{t-1}\mid x_t, x_0)\,\|\,p_\theta(x_{t-1}\mid x_t)\big)}_{L_{t-1}}
    \underbrace{-\,\mathbb E_q \log p_\theta(x_0\mid x_1)}_{L_0},

with :math:`p_\theta(x_{t-1}\mid x_t) = \mathcal N(\mu_\theta(x_t, t), \sigma_t^2 I)` and
:math:`\mu_\theta = \big(x_t - \tfrac{\beta_t}{\sqrt{1-\bar\alpha_t}}\varepsilon_\theta(x_t, t)\big)/\sqrt{\alpha_t}`.
Writing :math:`x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon`, every KL becomes

.. math::
    L_{t-1} = \lambda_t\,\|\varepsilon - \varepsilon_\theta(x_t, t)\|^2 + \tfrac d2\,(r_t - 1 - \log r_t), \qquad
    \lambda_t = \frac{\beta_t^2}{2\sigma_t^2\,\alpha_t\,(1-\bar\alpha_t)}, \quad r_t = \frac{\tilde\beta_t}{\sigma_t^2},

and :math:`L_0 = \lambda_1\|\varepsilon-\varepsilon_\theta(x_1, 1)\|^2 + \tfrac d2\log(2\pi\sigma_1^2)`: the ELBO is a
weighted noise-prediction loss plus constants; dropping the weights gives Ho et al.'s
:math:`\mathcal L_{\text{simple}}`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ..core._validation import require_tensor
from ..models.ddpm import NoiseSchedule, q_posterior, q_sample
from ..core.kl import gaussian_kl, gaussian_kl_between
from ..core.likelihoods import gaussian_log_likelihood

EpsilonModel = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``eps_model(x_t, t)``: the predicted noise ``(B, D)`` for points ``(B, D)`` at integer steps ``(B,)``."""

VARIANCES = ("posterior", "beta")


def reverse_variances(schedule: NoiseSchedule, variance: str = "posterior") -> torch.Tensor:
    r""":math:`\sigma_t^2` of the reverse steps, ``(T,)``: :math:`\tilde\beta_t` (``"posterior"``) or :math:`\beta_t` (``"beta"``).

    :math:`\tilde\beta_1 = 0` (the last step's target is a point), so the posterior choice uses
    :math:`\sigma_1^2 = \beta_1` for the reconstruction term :math:`L_0`.
    """
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, got {variance!r}")
    if variance == "beta":
        return schedule.betas.clone()  # (T,)
    return torch.cat([schedule.betas[:1], schedule.posterior_variances[1:]])  # (T,)


def noise_prediction_weights(schedule: NoiseSchedule, variance: str = "posterior") -> torch.Tensor:
    r"""The weights :math:`\lambda_t = \beta_t^2 / (2\sigma_t^2\alpha_t(1-\bar\alpha_t))` of the ELBO's noise MSE, ``(T,)``.

    Example (at t = 1, :math:`\sigma_1^2 = \beta_1 = 1 - \bar\alpha_1`, so :math:`\lambda_1 = 1/(2\alpha_1)`):
        >>> from vaecourse.models.ddpm import linear_schedule
        >>> weights = noise_prediction_weights(linear_schedule(10))
        >>> weights.shape, round(weights[0].item(), 4)
        (torch.Size([10]), 0.5051)
    """
    sigma2 = reverse_variances(schedule, variance)
    return schedule.betas.pow(2) / (2 * sigma2 * schedule.alphas * (1 - schedule.alphas_bar))  # (T,)


def reverse_mean(eps_model: EpsilonModel, xt: torch.Tensor, t: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\mu_\theta(x_t, t) = \big(x_t - \beta_t\,\varepsilon_\theta(x_t, t)/\sqrt{1-\bar\alpha_t}\big)/\sqrt{\alpha_t}`, shape ``(B, D)``."""
    index = t.long() - 1  # (B,)
    beta = schedule.betas.to(xt.device)[index].unsqueeze(-1)  # (B, 1)
    alpha_bar = schedule.alphas_bar.to(xt.device)[index].unsqueeze(-1)  # (B, 1)
    return (xt - beta / (1 - alpha_bar).sqrt() * eps_model(xt, t)) / (1 - beta).sqrt()  # (B, D)


@dataclass(frozen=True)
class DiffusionElboTerms:
    """The negative ELBO's terms in nats per example: ``prior`` :math:`L_T` ``(B,)``, ``denoising``
    :math:`L_{t-1}` for t = 2..T ``(T-1, B)`` (row ``t-2``), ``reconstruction`` :math:`L_0` ``(B,)``."""

    prior: torch.Tensor
    denoising: torch.Tensor
    reconstruction: torch.Tensor

    @property
    def total(self) -> torch.Tensor:
        r""":math:`-\mathrm{ELBO} = L_T + \sum_t L_{t-1} + L_0`, an upper bound on :math:`-\log p_\theta(x_0)`, ``(B,)``."""
        return self.prior + self.denoising.sum(dim=0) + self.reconstruction

    @property
    def per_step(self) -> torch.Tensor:
        """``[L_0, L_1, ..., L_{T-1}, L_T]`` stacked, ``(T + 1, B)``."""
        return torch.cat([self.reconstruction[None], self.denoising, self.prior[None]])


def _noise(eps, shape, x0, generator) -> torch.Tensor:
    if eps is None:
        return torch.randn(shape, generator=generator, device=x0.device, dtype=x0.dtype)
    require_tensor("eps", eps)
    if tuple(eps.shape) != tuple(shape):
        raise ValueError(f"eps must hold one noise draw per step and example, shape {tuple(shape)}, got {tuple(eps.shape)}")
    return eps


@torch.no_grad()
def diffusion_elbo_terms(eps_model: EpsilonModel, x0: torch.Tensor, schedule: NoiseSchedule, *,
                         variance: str = "posterior", eps: torch.Tensor | None = None,
                         generator: torch.Generator | None = None) -> DiffusionElboTerms:
    r"""Estimate every term of the negative diffusion ELBO of ``x0`` ``(B, D)`` with one :math:`x_t` per step.

    Each :math:`x_t\sim q(x_t\mid x_0)` is drawn in closed form (:func:`~vaecourse.models.ddpm.q_sample`) with noise
    ``eps[t-1]``; the KLs use :func:`~vaecourse.models.ddpm.q_posterior` and
    :func:`~vaecourse.core.kl.gaussian_kl_between`, :math:`L_T` uses :func:`~vaecourse.core.kl.gaussian_kl`.

    Args:
        eps_model: the noise predictor ``eps_model(x_t, t)``.
        x0: data ``(B, D)``.
        schedule: the forward process.
        variance: the reverse variances, ``"posterior"`` or ``"beta"`` (:func:`reverse_variances`).
        eps: optional noise ``(T, B, D)``; else drawn from ``generator``.

    Returns:
        A :class:`DiffusionElboTerms`; ``.total`` averages (over ``eps``) to the negative ELBO.
    """
    require_tensor("x0", x0, min_dim=2)
    steps, (b, d) = schedule.num_steps, x0.shape[-2:]
    eps = _noise(eps, (steps, b, d), x0, generator)  # (T, B, D)
    t = torch.arange(1, steps + 1, device=x0.device).repeat_interleave(b)  # (T*B,): step of each row
    x0_rows = x0.repeat(steps, 1)  # (T*B, D)
    xt = q_sample(x0_rows, t, schedule, eps.reshape(-1, d))  # (T*B, D)
    mean_theta = reverse_mean(eps_model, xt, t, schedule)  # (T*B, D)
    log_sigma2 = reverse_variances(schedule, variance).log().to(x0.device)[t - 1].unsqueeze(-1)  # (T*B, 1)

    later = t > 1  # rows of steps 2..T: the denoising KLs
    mean_q, logvar_q = q_posterior(x0_rows[later], xt[later], t[later], schedule)  # (R, D) each
    denoising = gaussian_kl_between(mean_q, logvar_q, mean_theta[later], log_sigma2[later].expand_as(mean_q))  # (R,)
    reconstruction = -gaussian_log_likelihood(x0, mean_theta[:b], log_sigma2[:b])  # (B,): rows of t = 1

    alpha_bar_last = schedule.alphas_bar[-1].to(x0)
    prior = gaussian_kl(alpha_bar_last.sqrt() * x0, (1 - alpha_bar_last).log().expand_as(x0))  # (B,)
    return DiffusionElboTerms(prior=prior, denoising=denoising.reshape(steps - 1, b), reconstruction=reconstruction)


@torch.no_grad()
def weighted_noise_errors(eps_model: EpsilonModel, x0: torch.Tensor, schedule: NoiseSchedule, *,
                          variance: str = "posterior", eps: torch.Tensor | None = None,
                          generator: torch.Generator | None = None) -> torch.Tensor:
    r""":math:`\lambda_t\,\|\varepsilon_t - \varepsilon_\theta(x_t, t)\|^2` for every step and example, ``(T, B)``.

    With the same ``eps``, row ``t-1`` differs from the ELBO's term :math:`L_{t-1}` only by a constant
    (:func:`elbo_constants`): the identity this module's docstring derives.
    """
    require_tensor("x0", x0, min_dim=2)
    steps, (b, d) = schedule.num_steps, x0.shape[-2:]
    eps = _noise(eps, (steps, b, d), x0, generator)  # (T, B, D)
    t = torch.arange(1, steps + 1, device=x0.device).repeat_interleave(b)  # (T*B,)
    xt = q_sample(x0.repeat(steps, 1), t, schedule, eps.reshape(-1, d))  # (T*B, D)
    errors = (eps.reshape(-1, d) - eps_model(xt, t)).pow(2).sum(dim=-1)  # (T*B,)
    weights = noise_prediction_weights(schedule, variance).to(x0)[t - 1]  # (T*B,)
    return (weights * errors).reshape(steps, b)


def elbo_constants(schedule: NoiseSchedule, data_dim: int, variance: str = "posterior") -> torch.Tensor:
    r"""The parameter-free part of each term :math:`L_0, \dots, L_{T-1}`, ``(T,)``.

    :math:`\tfrac d2\log(2\pi\sigma_1^2)` for :math:`L_0` and :math:`\tfrac d2(r_t - 1 - \log r_t)`,
    :math:`r_t = \tilde\beta_t/\sigma_t^2`, for :math:`t \ge 2` (zero when :math:`\sigma_t^2 = \tilde\beta_t`).
    """
    sigma2 = reverse_variances(schedule, variance)  # (T,)
    ratio = schedule.posterior_variances / sigma2  # (T,)
    constants = 0.5 * data_dim * (ratio - 1 - ratio.log())  # (T,)
    constants[0] = 0.5 * data_dim * math.log(2 * math.pi * sigma2[0].item())
    return constants


def gaussian_data_denoiser(mean: float, variance: float, schedule: NoiseSchedule) -> EpsilonModel:
    r"""The best possible noise predictor for data :math:`x_0\sim\mathcal N(m, s^2 I)`: :math:`\mathbb E[\varepsilon\mid x_t]`.

    .. math:: \varepsilon^*(x_t, t) = \frac{\sqrt{1-\bar\alpha_t}\,\big(x_t - \sqrt{\bar\alpha_t}\,m\big)}{\bar\alpha_t s^2 + 1 - \bar\alpha_t}

    (the regression of :math:`\varepsilon` on the jointly Gaussian :math:`x_t`). With it the reverse means are
    exact, so the diffusion ELBO of Gaussian data can be compared with the exact :math:`\log p(x_0)`.
    """
    if not (math.isfinite(mean) and math.isfinite(variance) and variance > 0):
        raise ValueError(f"need a finite mean and a variance > 0, got mean={mean!r}, variance={variance!r}")

    def eps_star(xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        alpha_bar = schedule.alphas_bar.to(xt)[t.long() - 1].unsqueeze(-1)  # (B, 1)
        return (1 - alpha_bar).sqrt() * (xt - alpha_bar.sqrt() * mean) / (alpha_bar * variance + 1 - alpha_bar)  # (B, D)

    return eps_star
