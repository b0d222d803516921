r"""Figure: the diffusion forward process step by step on 2-D data, with the closed-form marginal behind the points.

The points are produced by running the Markov chain one step at a time,

.. math:: x_t = \sqrt{1-\beta_t}\,x_{t-1} + \sqrt{\beta_t}\,\varepsilon_t,

while the contours are the closed form: for data from the Gaussian mixture
:math:`\frac1K\sum_k\mathcal N(m_k, s^2 I)` the marginal after :math:`t` steps is again a mixture,

.. math:: q(x_t) = \frac1K\sum_k \mathcal N\big(\sqrt{\bar\alpha_t}\,m_k,\ (\bar\alpha_t s^2 + 1 - \bar\alpha_t) I\big),

so the two must agree frame by frame. The same drawing shows the reverse (sampling) trajectory of a DDPM.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from ..core._validation import require_tensor
from ..models.ddpm import NoiseSchedule
from .player import Player

DEFAULT_STEPS_SHOWN = (0, 1, 2, 4, 7, 10, 15, 20, 30, 45, 60, 80, 100)
"""Frames for T = 100, dense at the start where the picture changes fastest; rescaled for other T."""


def default_steps_shown(num_steps: int) -> list[int]:
    """:data:`DEFAULT_STEPS_SHOWN` rescaled to a schedule of ``num_steps`` steps (duplicates dropped)."""
    return sorted({round(t * num_steps / 100) for t in DEFAULT_STEPS_SHOWN})


def forward_chain(x0: torch.Tensor, schedule: NoiseSchedule, *, seed: int = 0) -> list[torch.Tensor]:
    r"""Run :math:`x_t = \sqrt{1-\beta_t}x_{t-1} + \sqrt{\beta_t}\varepsilon_t` from ``x0`` ``(N, D)``: T + 1 tensors, ``x0`` first."""
    require_tensor("x0", x0, min_dim=2)
    generator = torch.Generator(device=x0.device).manual_seed(seed)
    states, x = [x0], x0
    for beta in schedule.betas.tolist():
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)  # (N, D)
        x = math.sqrt(1.0 - beta) * x + math.sqrt(beta) * noise
        states.append(x)
    return states


def mixture_marginal_log_density(points: torch.Tensor, alpha_bar: float, centres: torch.Tensor, std: float) -> torch.Tensor:
    r""":math:`\log q(x_t)` of a Gaussian-mixture source after noising to level :math:`\bar\alpha`, shape ``points.shape[:-1]``.

    ``centres`` ``(K, D)`` are the modes :math:`m_k`, ``std`` the components' :math:`s`; ``alpha_bar = 1`` is the data.
    """
    require_tensor("points", points, min_dim=1)
    if not 0.0 < alpha_bar <= 1.0:
        raise ValueError(f"alpha_bar must lie in (0, 1], got {alpha_bar!r}")
    variance = alpha_bar * std**2 + 1.0 - alpha_bar
    d = points.shape[-1]
    sq_dist = (points[..., None, :] - math.sqrt(alpha_bar) * centres.to(points)).pow(2).sum(-1)  # (..., K)
    log_norm = math.log(centres.shape[0]) + 0.5 * d * math.log(2 * math.pi * variance)
    return torch.logsumexp(-sq_dist / (2 * variance), dim=-1) - log_norm


def draw_diffusion_step(fig, t: int, points: np.ndarray, signal: np.ndarray, title: str,
                        density: np.ndarray | None = None, limit: float = 3.2, reverse: bool = False) -> None:
    r"""One frame: the points at step ``t`` (left, over the density contours if given) and the coefficients
    :math:`\sqrt{\bar\alpha_t}` and :math:`\sqrt{1-\bar\alpha_t}` against t with the current step marked (right).

    The right panel's title is the step drawn: the forward process's
    :math:`x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon`, or with ``reverse`` the
    learned reverse step :math:`x_{t-1}\sim p_\theta(x_{t-1}\mid x_t)`."""
    scatter_ax, curve_ax = fig.subplots(1, 2, width_ratios=(1, 1.15))
    if density is not None:
        grid = np.linspace(-limit, limit, density.shape[0])
        scatter_ax.contourf(grid, grid, density, levels=10, cmap="Blues", alpha=0.45)
        scatter_ax.contour(grid, grid, density, levels=10, colors="tab:blue", linewidths=0.5, alpha=0.8)
    scatter_ax.scatter(points[:, 0], points[:, 1], s=3, color="firebrick", alpha=0.8, linewidths=0)
    scatter_ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", xticks=[-2, 0, 2], yticks=[-2, 0, 2],
                   title=title)
    steps = np.arange(len(signal))
    curve_ax.plot(steps, signal, color="tab:blue", label=r"$\sqrt{\bar\alpha_t}$ (signal)")
    curve_ax.plot(steps, np.sqrt(1 - signal**2), color="tab:orange", label=r"$\sqrt{1-\bar\alpha_t}$ (noise)")
    curve_ax.axvline(t, color="black", linewidth=1)
    curve_ax.plot([t, t], [signal[t], math.sqrt(max(0.0, 1 - signal[t] ** 2))], "ko", markersize=4)
    curve_ax.set(xlim=(0, len(signal) - 1), ylim=(-0.02, 1.05), xlabel="step $t$",
                 title=(rf"$x_{{t-1}}\sim p_\theta(x_{{t-1}}\mid x_t)$, t = {t}" if reverse else
                        rf"$x_t=\sqrt{{\bar\alpha_t}}\,x_0+\sqrt{{1-\bar\alpha_t}}\,\varepsilon$, t = {t}"))
    curve_ax.legend(loc="center right", fontsize=8, frameon=False)


def _signal_curve(schedule: NoiseSchedule) -> np.ndarray:
    return np.concatenate([[1.0], schedule.alphas_bar.double().sqrt().numpy()])  # (T + 1,): t = 0..T


def diffusion_figure(x0: torch.Tensor, schedule: NoiseSchedule, *, centres: torch.Tensor | None = None,
                     std: float | None = None, steps_shown: Sequence[int] | None = None, seed: int = 0,
                     num_points: int = 800, grid_size: int = 60, dpi: int = 80) -> Player:
    """The forward-process player: the chain run from ``x0`` ``(N, 2)``, one frame per step in ``steps_shown``
    (default: :func:`default_steps_shown`).

    With ``centres`` and ``std`` (a Gaussian-mixture source), each frame also shows the contours of the
    closed-form marginal :func:`mixture_marginal_log_density`. ``data`` holds the chain's states.
    """
    steps_shown = default_steps_shown(schedule.num_steps) if steps_shown is None else [int(t) for t in steps_shown]
    if any(not 0 <= t <= schedule.num_steps for t in steps_shown) or not steps_shown:
        raise ValueError(f"steps_shown must hold steps in 0..{schedule.num_steps}, got {steps_shown}")
    if (centres is None) != (std is None):
        raise ValueError("pass both centres and std (for the closed-form contours), or neither")
    states = forward_chain(x0[:num_points], schedule, seed=seed)
    signal = _signal_curve(schedule)
    grid = torch.linspace(-3.2, 3.2, grid_size, dtype=torch.float64)
    mesh = torch.stack(torch.meshgrid(grid, grid, indexing="xy"), dim=-1)  # (G, G, 2): [row = y, column = x]
    frames = []
    for t in steps_shown:
        density = None
        if centres is not None:
            density = mixture_marginal_log_density(mesh, float(signal[t] ** 2), centres.double(), std).exp().numpy()
        frames.append({"t": t, "points": states[t].numpy(), "density": density,
                       "title": "data $x_0$" if t == 0 else f"$x_{{{t}}}$ (chain) and $q(x_{{{t}}})$"})

    def draw(fig, t, points, density, title):
        draw_diffusion_step(fig, t, points, signal, title, density)

    draw.__name__ = "draw_diffusion_step"
    return Player(draw, frames, figsize=(7.0, 3.0), dpi=dpi, frame_label="step", data=states)


def reverse_figure(trajectory: Sequence[torch.Tensor], schedule: NoiseSchedule, *,
                   steps_shown: Sequence[int] | None = None, num_points: int = 800, dpi: int = 80) -> Player:
    """The sampling player: ``trajectory`` from :func:`~vaecourse.models.ddpm.sample_ddpm` (x_T first), shown from T down to 0."""
    steps = schedule.num_steps
    if len(trajectory) != steps + 1:
        raise ValueError(f"trajectory must hold T + 1 = {steps + 1} states (x_T first), got {len(trajectory)}")
    signal = _signal_curve(schedule)
    steps_shown = default_steps_shown(steps) if steps_shown is None else steps_shown
    if any(not 0 <= int(t) <= steps for t in steps_shown) or not steps_shown:
        raise ValueError(f"steps_shown must hold steps in 0..{steps}, got {list(steps_shown)}")
    frames = [{"t": t, "points": trajectory[steps - t][:num_points].numpy(),
               "title": "samples $x_0$" if t == 0 else f"reverse step: $x_{{{t}}}$"}
              for t in sorted({int(t) for t in steps_shown}, reverse=True)]

    def draw(fig, t, points, title):
        draw_diffusion_step(fig, t, points, signal, title, reverse=True)

    draw.__name__ = "draw_diffusion_step"
    return Player(draw, frames, figsize=(7.0, 3.0), dpi=dpi, frame_label="step")
