r"""A tiny DDPM for 2-D data: noise schedule, closed-form forward process, epsilon-prediction, ancestral sampling.

.. math::
    q(x_t\mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t) I\big), \quad
    \bar\alpha_t = \prod_{s=1}^t (1-\beta_s), \qquad
    \mathcal L_{\text{simple}} = \mathbb E_{t, x_0, \varepsilon}\,\|\varepsilon - \varepsilon_\theta(x_t, t)\|^2

(Ho et al., 2020). Steps are numbered :math:`t = 1..T`; tensors index them as ``t - 1``. Training
(:func:`~vaecourse.training.diffusion.train_ddpm`) lives with the other training loops in :mod:`vaecourse.training`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..core._validation import require_positive_int, require_tensor


@dataclass(frozen=True)
class NoiseSchedule:
    r"""The variances :math:`\beta_t` of the forward steps and the quantities derived from them, each ``(T,)``."""

    betas: torch.Tensor

    @property
    def num_steps(self) -> int:
        return self.betas.shape[0]

    @property
    def alphas(self) -> torch.Tensor:
        return 1.0 - self.betas  # (T,)

    @property
    def alphas_bar(self) -> torch.Tensor:
        r""":math:`\bar\alpha_t = \prod_{s\le t}(1-\beta_s)`: the signal kept after ``t`` steps."""
        return torch.cumprod(self.alphas, dim=0)  # (T,)

    @property
    def posterior_variances(self) -> torch.Tensor:
        r""":math:`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t`, the variance of :math:`q(x_{t-1}\mid x_t, x_0)`."""
        alphas_bar_prev = torch.cat([self.betas.new_ones(1), self.alphas_bar[:-1]])  # (T,)
        return (1.0 - alphas_bar_prev) / (1.0 - self.alphas_bar) * self.betas  # (T,)


def linear_schedule(num_steps: int = 100, beta_start: float | None = None, beta_end: float | None = None) -> NoiseSchedule:
    r"""Linearly spaced :math:`\beta_1..\beta_T`. Defaults scale Ho et al.'s (1e-4, 0.02) for T = 1000 by
    :math:`1000/T`, so that :math:`\bar\alpha_T \approx e^{-10}` (the data are forgotten) for any T."""
    require_positive_int("num_steps", num_steps)
    scale = 1000.0 / num_steps
    start = 1e-4 * scale if beta_start is None else beta_start
    end = min(0.02 * scale, 0.999) if beta_end is None else beta_end
    if not 0.0 < start <= end < 1.0:
        raise ValueError(f"need 0 < beta_start <= beta_end < 1, got {start} and {end}")
    return NoiseSchedule(torch.linspace(start, end, num_steps, dtype=torch.float64).float())


def _check_steps(t: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    if not isinstance(t, torch.Tensor) or t.is_floating_point():
        raise TypeError(f"t must be an integer tensor of steps 1..T, got {t!r:.60}")
    if t.numel() and (int(t.min()) < 1 or int(t.max()) > schedule.num_steps):
        raise ValueError(f"t must lie in 1..{schedule.num_steps}, found {int(t.min())}..{int(t.max())}")
    return t.long() - 1


def q_sample(x0: torch.Tensor, t: torch.Tensor, schedule: NoiseSchedule, eps: torch.Tensor | None = None) -> torch.Tensor:
    r"""Draw :math:`x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon` in one step (no loop over t).

    Args:
        x0: clean data ``(B, 2)``; ``t``: integer steps ``(B,)`` in 1..T; ``eps``: optional noise like ``x0``.
    """
    require_tensor("x0", x0, min_dim=2)
    index = _check_steps(t, schedule)
    if eps is None:
        eps = torch.randn_like(x0)
    alpha_bar = schedule.alphas_bar.to(x0.device)[index].unsqueeze(-1)  # (B, 1)
    return alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * eps  # (B, 2)


def q_posterior(x0: torch.Tensor, xt: torch.Tensor, t: torch.Tensor, schedule: NoiseSchedule) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean and log-variance of :math:`q(x_{t-1}\mid x_t, x_0)`, the target of each diffusion-ELBO KL term.

    .. math:: \tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}x_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t
    """
    index = _check_steps(t, schedule)
    alphas_bar = schedule.alphas_bar.to(x0.device)
    alpha_bar = alphas_bar[index].unsqueeze(-1)  # (B, 1)
    alpha_bar_prev = torch.where(index > 0, alphas_bar[(index - 1).clamp(min=0)], 1.0).unsqueeze(-1)  # (B, 1)
    beta = schedule.betas.to(x0.device)[index].unsqueeze(-1)  # (B, 1)
    mean = (alpha_bar_prev.sqrt() * beta * x0 + (1 - beta).sqrt() * (1 - alpha_bar_prev) * xt) / (1 - alpha_bar)
    variance = schedule.posterior_variances.to(x0.device)[index].clamp(min=1e-20).unsqueeze(-1)  # (B, 1)
    return mean, variance.log().expand_as(mean)


class EpsilonMLP(nn.Module):
    r""":math:`\varepsilon_\theta(x_t, t)`: an MLP on the point and a sinusoidal embedding of the step."""

    def __init__(self, data_dim: int = 2, hidden: int = 128, num_layers: int = 3, time_dim: int = 32):
        super().__init__()
        if time_dim % 2:
            raise ValueError(f"time_dim must be even, got {time_dim}")
        self.time_dim = time_dim
        layers, width = [], data_dim + time_dim
        for _ in range(num_layers):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, data_dim))
        self.net = nn.Sequential(*layers)

    def time_embedding(self, t: torch.Tensor) -> torch.Tensor:
        r"""Transformer-style features :math:`(\sin(t\omega_k), \cos(t\omega_k))`, :math:`\omega_k = 10^{-4k/K}`, ``(B, time_dim)``."""
        half = self.time_dim // 2
        freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device) / half)  # (K,)
        angles = t.float().unsqueeze(-1) * freqs  # (B, K)
        return torch.cat([angles.sin(), angles.cos()], dim=-1)  # (B, 2K)

    def forward(self, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([xt, self.time_embedding(t)], dim=-1))  # (B, data_dim)


def ddpm_loss(model: nn.Module, x0: torch.Tensor, schedule: NoiseSchedule, *, t: torch.Tensor | None = None,
              eps: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Per-example :math:`\|\varepsilon - \varepsilon_\theta(x_t, t)\|^2` with :math:`t\sim\mathcal U\{1..T\}`, shape ``(B,)``."""
    require_tensor("x0", x0, min_dim=2)
    if t is None:
        t = torch.randint(1, schedule.num_steps + 1, (x0.shape[0],), generator=generator, device=x0.device)  # (B,)
    if eps is None:
        eps = torch.randn(x0.shape, generator=generator, device=x0.device)  # (B, 2)
    xt = q_sample(x0, t, schedule, eps)  # (B, 2)
    return (eps - model(xt, t)).pow(2).sum(dim=-1)  # (B,)


@torch.no_grad()
def sample_ddpm(model: nn.Module, schedule: NoiseSchedule, n: int, *, seed: int = 0, data_dim: int = 2,
                variance: str = "posterior", return_trajectory: bool = False):
    r"""Ancestral sampling from :math:`x_T\sim\mathcal N(0, I)` down to :math:`x_0`.

    .. math:: x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\varepsilon_\theta(x_t, t)\Big) + \sigma_t z,
              \quad z\sim\mathcal N(0, I),\ z = 0 \text{ at } t = 1

    with :math:`\sigma_t^2 = \beta_t` (``variance="beta"``) or :math:`\tilde\beta_t` (``"posterior"``).
    Returns ``(n, data_dim)``, or also the list of all :math:`x_t` (T + 1 tensors, :math:`x_T` first).
    """
    require_positive_int("n", n)
    if variance not in ("beta", "posterior"):
        raise ValueError(f"variance must be 'beta' or 'posterior', got {variance!r}")
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    betas, alphas, alphas_bar = (v.to(device) for v in (schedule.betas, schedule.alphas, schedule.alphas_bar))
    sigmas = (betas if variance == "beta" else schedule.posterior_variances.to(device)).sqrt()  # (T,)
    x = torch.randn(n, data_dim, generator=generator, device=device)  # (n, 2)
    trajectory = [x]
    for i in reversed(range(schedule.num_steps)):  # i = t - 1
        t = torch.full((n,), i + 1, device=device, dtype=torch.long)
        eps_hat = model(x, t)  # (n, 2)
        x = (x - betas[i] / (1 - alphas_bar[i]).sqrt() * eps_hat) / alphas[i].sqrt()
        if i > 0:
            x = x + sigmas[i] * torch.randn(x.shape, generator=generator, device=device)
        trajectory.append(x)
    return (x, trajectory) if return_trajectory else x
