"""The ELBO's gap to log p(x) traced along a path of Gaussians q that moves toward the exact posterior."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core._validation import require_finite, require_positive_int, require_tensor
from ..core.linear_gaussian import LinearGaussianModel


@dataclass(frozen=True)
class TightnessPath:
    r"""ELBO, gap and evidence along :math:`q_t`, :math:`t \in [0, 1]`, for one data point.

    The identity :math:`\log p(x) = \mathrm{ELBO}(q_t) + \mathrm{KL}(q_t\,\|\,p(z\mid x))` holds at
    every ``t``; ``identity_error`` is its largest violation along the path (rounding only).

    Attributes:
        t: path positions, shape ``(T,)``; ``t = 0`` is the start, ``t = 1`` the best diagonal q.
        mu, logvar: the parameters of each :math:`q_t`, shape ``(T, m)``.
        elbo: exact :math:`\mathrm{ELBO}(q_t)`, shape ``(T,)``.
        kl_to_posterior: exact :math:`\mathrm{KL}(q_t\,\|\,p(z\mid x))`, the gap, shape ``(T,)``.
        log_evidence: exact :math:`\log p(x)` (a float: it does not depend on q).
    """

    t: torch.Tensor
    mu: torch.Tensor
    logvar: torch.Tensor
    elbo: torch.Tensor
    kl_to_posterior: torch.Tensor
    log_evidence: float

    @property
    def identity_error(self) -> float:
        """max over t of |log p(x) - ELBO(q_t) - KL(q_t || p(z|x))|."""
        return (self.log_evidence - self.elbo - self.kl_to_posterior).abs().max().item()


def path_to_posterior(
    model: LinearGaussianModel,
    x: torch.Tensor,
    mu_start: torch.Tensor,
    logvar_start: torch.Tensor,
    num_points: int = 41,
) -> TightnessPath:
    r"""Move a diagonal Gaussian q in a straight line, in :math:`(\mu, s)`, to the best diagonal q, tracking every term.

    .. math::
        \mu_t = (1-t)\,\mu_0 + t\,\mu^\star,\qquad s_t = (1-t)\,s_0 + t\,s^\star,\qquad
        \mathrm{gap}(t) = \log p(x) - \mathrm{ELBO}(q_t) = \mathrm{KL}(q_t\,\|\,p(z\mid x))

    where :math:`(\mu^\star, s^\star)` is :meth:`LinearGaussianModel.best_diagonal_q`. When the
    posterior covariance is diagonal (always, for one latent dimension) the end point *is* the
    posterior and the gap closes to 0; otherwise it ends at the approximation gap that no diagonal
    q can close.

    Args:
        model: a :class:`LinearGaussianModel`.
        x: one data point, shape ``(d,)`` or ``(1, d)``.
        mu_start, logvar_start: the start :math:`q_0`, shape ``(m,)``; ``logvar`` is :math:`s = \log\sigma^2`.
        num_points: ``T >= 2`` points on the path, ends included.

    Returns:
        A :class:`TightnessPath`.

    Raises:
        ValueError / TypeError: wrong shapes, more than one data point, NaN/inf.
    """
    require_tensor("x", x, min_dim=1)
    x = x.reshape(-1, x.shape[-1]) if x.dim() > 1 else x.unsqueeze(0)  # (1, d)
    if x.shape[0] != 1:
        raise ValueError(f"x must be one data point, shape (d,) or (1, d), got {x.shape[0]} points")
    m = model.latent_dim
    for name, value in (("mu_start", mu_start), ("logvar_start", logvar_start)):
        require_tensor(name, value, min_dim=1)
        if tuple(value.shape) != (m,):
            raise ValueError(f"{name} must have shape (m,) = ({m},), got {tuple(value.shape)}")
        require_finite(name, value)
    require_positive_int("num_points", num_points, minimum=2)
    dtype = model.weight.dtype
    mu_end, logvar_end = model.best_diagonal_q(x)  # (1, m) each
    t = torch.linspace(0.0, 1.0, num_points, dtype=dtype, device=model.weight.device)  # (T,)
    weight = t.unsqueeze(-1)  # (T, 1)
    mu = (1 - weight) * mu_start.to(dtype) + weight * mu_end  # (T, m)
    logvar = (1 - weight) * logvar_start.to(dtype) + weight * logvar_end  # (T, m)
    xs = x.to(dtype).expand(num_points, -1)  # (T, d)
    elbo = model.elbo(xs, mu, logvar)  # (T,)
    gap = model.kl_to_posterior(xs, mu, logvar)  # (T,)
    log_evidence = model.log_evidence(x).item()
    return TightnessPath(t=t, mu=mu, logvar=logvar, elbo=elbo, kl_to_posterior=gap, log_evidence=log_evidence)
