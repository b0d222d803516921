"""Closed-form KL divergences between diagonal Gaussians, the VAE's regularizer."""

from __future__ import annotations

import torch

from ._validation import require_broadcastable, require_finite, require_tensor


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL divergence from :math:`q = \mathcal N(\mu, \mathrm{diag}(e^{s}))` to the prior :math:`\mathcal N(0, I)`.

    .. math::
        \mathrm{KL}(q \,\|\, p) = \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\right),
        \qquad \sigma_j^2 = e^{s_j}

    Each latent dimension pays for a mean away from 0 (:math:`\mu_j^2`), a variance above 1
    (:math:`\sigma_j^2`) and a variance below 1 (:math:`-\log\sigma_j^2`); the :math:`-1` makes the
    cost exactly zero at the prior. Derivation: Kingma & Welling (2014), Appendix B.

    Args:
        mu: means, shape ``(..., D)``.
        logvar: log-variances :math:`s = \log\sigma^2` (not sigma, not sigma^2), broadcastable with ``mu``.

    Returns:
        One KL per example, summed over the last (latent) dimension: shape ``(...)``, i.e.
        ``mu.shape[:-1]`` for equal shapes. Take the batch mean in the loss, not here.

    Raises:
        TypeError: a non-tensor or integer tensor.
        ValueError: shapes that do not broadcast, a 0-d input, or a NaN/inf value.

    Example (the seed's practice problem, mu = (2, 0), sigma^2 = (0.25, 4)):
        >>> import torch
        >>> mu = torch.tensor([2.0, 0.0]); logvar = torch.log(torch.tensor([0.25, 4.0]))
        >>> round(gaussian_kl(mu, logvar).item(), 6)
        3.125
    """
    require_tensor("mu", mu, min_dim=1)
    require_tensor("logvar", logvar, min_dim=1)
    require_broadcastable(mu=mu, logvar=logvar)
    require_finite("mu", mu)
    require_finite("logvar", logvar)
    return gaussian_kl_per_dim(mu, logvar).sum(dim=-1)  # (...)


def gaussian_kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""The summands of :func:`gaussian_kl`, one per latent dimension: :math:`\tfrac12(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1)`.

    Unchecked: for callers (the models) whose ``mu`` and ``logvar`` come from their own encoder.
    Shape: the broadcast shape of ``mu`` and ``logvar``.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)  # (..., D)


def gaussian_kl_between(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    r"""KL divergence between two diagonal Gaussians, :math:`\mathrm{KL}(\mathcal N(\mu_q,\sigma_q^2)\,\|\,\mathcal N(\mu_p,\sigma_p^2))`.

    .. math::
        \mathrm{KL} = \tfrac12 \sum_j \left( \frac{\sigma_{q,j}^2 + (\mu_{q,j}-\mu_{p,j})^2}{\sigma_{p,j}^2}
        + \log\frac{\sigma_{p,j}^2}{\sigma_{q,j}^2} - 1 \right)

    With :math:`\mu_p = 0, \log\sigma_p^2 = 0` it reduces to :func:`gaussian_kl`. Used for learned or
    conditional priors (the conditional VAE) and for the diffusion ELBO's per-step terms.

    Args:
        mu_q, logvar_q: the first distribution's means and log-variances, shape ``(..., D)``.
        mu_p, logvar_p: the second's, broadcastable with the first.

    Returns:
        Shape: the broadcast shape without its last dimension, which is summed over.

    Raises:
        TypeError / ValueError: as :func:`gaussian_kl`, naming the offending argument.
    """
    named = {"mu_q": mu_q, "logvar_q": logvar_q, "mu_p": mu_p, "logvar_p": logvar_p}
    for name, value in named.items():
        require_tensor(name, value, min_dim=1)
    require_broadcastable(**named)
    for name, value in named.items():
        require_finite(name, value)
    variance_ratio = (logvar_q - logvar_p).exp()  # (..., D)
    mean_term = (mu_q - mu_p).pow(2) / logvar_p.exp()  # (..., D)
    per_dim = variance_ratio + mean_term - (logvar_q - logvar_p) - 1.0  # (..., D)
    return 0.5 * per_dim.sum(dim=-1)  # (...)
