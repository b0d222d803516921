r"""Figure: the ELBO gap :math:`\mathrm{KL}(q\,\|\,p(z\mid x))` closing as q moves from the prior to the best q.

.. math::
    \log p(x) = \mathrm{ELBO}(q) + \mathrm{KL}\big(q(z)\,\|\,p(z\mid x)\big), \qquad
    q_t = \mathcal N\big(t\,\mu^\star,\ \mathrm{diag}(e^{t s^\star})\big),\ t \in [0, 1]

On :class:`vaecourse.LinearGaussianModel` every quantity is exact: ``q_0`` is the prior and ``q_1``
the best diagonal Gaussian (:meth:`~vaecourse.LinearGaussianModel.best_diagonal_q`), which is the true
posterior when the latent is 1-D, so the gap closes to zero; with correlated latents a gap remains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..core.linear_gaussian import LinearGaussianModel
from .player import Player


@dataclass(frozen=True)
class ElboGapPath:
    """Exact ELBO, gap and evidence for each ``q_t`` on the path; tensors are float64."""

    t: torch.Tensor  # (T,)
    mu: torch.Tensor  # (T, m)
    logvar: torch.Tensor  # (T, m)
    elbo: torch.Tensor  # (T,)
    kl_to_posterior: torch.Tensor  # (T,)
    log_evidence: float
    posterior_mean: torch.Tensor  # (m,)
    posterior_cov: torch.Tensor  # (m, m)


def default_model() -> tuple[LinearGaussianModel, torch.Tensor]:
    """A 4-D observation of the 1-D latent ``z = 1.8`` (noise-free) under a seeded linear-Gaussian model."""
    model = LinearGaussianModel.random(data_dim=4, latent_dim=1, noise_var=1.0, seed=0)
    x = model.bias + model.weight @ torch.tensor([1.8], dtype=model.weight.dtype)  # (d,)
    return model, x


def elbo_gap_path(model: LinearGaussianModel, x: torch.Tensor, t: Sequence[float] | torch.Tensor) -> ElboGapPath:
    r"""ELBO and :math:`\mathrm{KL}(q_t\,\|\,p(z\mid x))` along :math:`q_t`, from the model's closed forms.

    Args:
        model: the linear-Gaussian model.
        x: one observation, shape ``(d,)``.
        t: path positions; 0 is the prior, 1 the best diagonal q (values above 1 overshoot it).

    Raises:
        ValueError: ``x`` not of shape ``(d,)``, or an empty or non-finite ``t``.
    """
    if not isinstance(x, torch.Tensor) or x.shape != (model.data_dim,):
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be one observation of shape ({model.data_dim},), got {got}")
    t = torch.as_tensor(t, dtype=model.weight.dtype).reshape(-1)  # (T,)
    if t.numel() == 0 or not bool(torch.isfinite(t).all()):
        raise ValueError(f"t must hold at least one finite path position, got {t.tolist()}")
    x_batch = x.to(model.weight.dtype).expand(t.shape[0], -1)  # (T, d)
    best_mu, best_logvar = model.best_diagonal_q(x_batch[:1])  # (1, m) each
    mu = t[:, None] * best_mu  # (T, m)
    logvar = t[:, None] * best_logvar  # (T, m)
    posterior_mean, posterior_cov = model.posterior(x_batch[:1])
    return ElboGapPath(
        t=t, mu=mu, logvar=logvar,
        elbo=model.elbo(x_batch, mu, logvar),
        kl_to_posterior=model.kl_to_posterior(x_batch, mu, logvar),
        log_evidence=model.log_evidence(x_batch[:1]).item(),
        posterior_mean=posterior_mean[0], posterior_cov=posterior_cov,
    )


def _normal_pdf(z: np.ndarray, mean: float, var: float) -> np.ndarray:
    return np.exp(-0.5 * (z - mean) ** 2 / var) / math.sqrt(2 * math.pi * var)


def draw_elbo_gap(fig, t: float, model: LinearGaussianModel, x: torch.Tensor, curve: ElboGapPath) -> None:
    """Draw one frame: q_t against prior and posterior (left), ELBO(t) below log p(x) with the gap (right)."""
    now = elbo_gap_path(model, x, [t])
    elbo, gap = now.elbo.item(), now.kl_to_posterior.item()
    density_ax, bound_ax = fig.subplots(1, 2)
    z = np.linspace(-3.0, 3.5, 300)
    first = "" if model.latent_dim == 1 else r" (first coordinate)"
    density_ax.plot(z, _normal_pdf(z, 0.0, 1.0), color="0.45", linestyle="--", label="prior $p(z)$")
    density_ax.plot(z, _normal_pdf(z, now.posterior_mean[0].item(), now.posterior_cov[0, 0].item()),
                    color="black", label=r"posterior $p(z\mid x)$")
    q = _normal_pdf(z, now.mu[0, 0].item(), now.logvar[0, 0].exp().item())
    density_ax.fill_between(z, q, color="tab:blue", alpha=0.3)
    density_ax.plot(z, q, color="tab:blue", label=rf"$q_t$, $t={t:.2f}$")
    density_ax.set(xlim=(z[0], z[-1]), ylim=(0, 1.35), xlabel=f"$z${first}")
    density_ax.legend(loc="upper left", fontsize=8, frameon=False)

    bound_ax.axhline(curve.log_evidence, color="black", label=r"$\log p(x)$")
    bound_ax.plot(curve.t.numpy(), curve.elbo.numpy(), color="tab:blue", alpha=0.25)
    bound_ax.plot([t], [elbo], "o", color="tab:blue", label=r"ELBO$(q_t)$")
    bound_ax.vlines(t, elbo, curve.log_evidence, color="tab:red", linewidth=2.5,
                    label=r"gap $=\mathrm{KL}(q_t\,\|\,p(z\mid x))$")
    low = curve.elbo.min().item()
    margin = 0.08 * (curve.log_evidence - low)
    bound_ax.set(xlim=(curve.t[0].item(), curve.t[-1].item()), ylim=(low - margin, curve.log_evidence + 3 * margin),
                 xlabel="$t$ (0: prior, 1: best $q$)", title=f"gap = {gap:.3f} nats")
    bound_ax.legend(loc="lower right", fontsize=8, frameon=False)


def elbo_gap_figure(model: LinearGaussianModel | None = None, x: torch.Tensor | None = None,
                    steps: int = 12, dpi: int = 80) -> Player:
    """The ELBO-gap player: ``steps + 1`` frames from t = 0 to 1; live, a free t slider up to 1.25."""
    if (model is None) != (x is None):
        raise ValueError("pass both model and x, or neither (for the default model and observation)")
    if model is None:
        model, x = default_model()
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    curve = elbo_gap_path(model, x, torch.linspace(0.0, 1.25, 126))
    frames = [{"t": round(step / steps, 6)} for step in range(steps + 1)]

    def draw(fig, t):
        draw_elbo_gap(fig, t, model, x, curve)

    draw.__name__ = "draw_elbo_gap"
    return Player(draw, frames, figsize=(6.4, 2.6), dpi=dpi, controls={"t": (0.0, 1.25, 0.01)}, frame_label="step", data=curve)
