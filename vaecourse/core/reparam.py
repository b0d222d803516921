"""The reparameterization trick: a Gaussian sample written as a differentiable function of noise."""

from __future__ import annotations

import torch

from ._validation import require_broadcastable, require_finite, require_tensor


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None) -> torch.Tensor:
    r"""Draw :math:`z \sim \mathcal N(\mu, \mathrm{diag}(\sigma^2))` as :math:`z = \mu + \sigma \odot \varepsilon`.

    .. math:: z = \mu + e^{s/2} \odot \varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)

    The randomness lives in :math:`\varepsilon`, which does not depend on the parameters, so
    gradients flow from ``z`` to ``mu`` and ``logvar`` by the ordinary chain rule
    (:math:`\partial z/\partial\mu = 1`, :math:`\partial z/\partial s = \tfrac12\sigma\varepsilon`).
    This is ``torch.distributions.Normal(mu, sigma).rsample()`` with the noise made explicit.

    Args:
        mu: means, shape ``(..., D)``.
        logvar: log-variances :math:`s=\log\sigma^2`, broadcastable with ``mu``. Note
            :math:`\sigma = e^{s/2}`, not :math:`e^{s}`.
        eps: standard-normal noise. Pass it for reproducible results (tests, graders, worked
            examples); its shape may add leading sample dimensions, e.g. ``(L, B, D)`` for ``L``
            samples per example. ``None`` draws noise of the broadcast shape of ``mu`` and ``logvar``
            on their device.

    Returns:
        ``z`` with the broadcast shape of ``mu``, ``logvar`` and ``eps``.

    Raises:
        TypeError / ValueError: non-tensors, shapes that do not broadcast, or NaN/inf values.

    Example:
        >>> import torch
        >>> reparameterize(torch.tensor([1.0]), torch.tensor([0.0]), eps=torch.tensor([2.0]))
        tensor([3.])
    """
    require_tensor("mu", mu, min_dim=1)
    require_tensor("logvar", logvar, min_dim=1)
    shape = require_broadcastable(mu=mu, logvar=logvar)
    require_finite("mu", mu)
    require_finite("logvar", logvar)
    if eps is None:
        eps = torch.randn(shape, dtype=mu.dtype, device=mu.device)  # (..., D)
    else:
        require_tensor("eps", eps, min_dim=1)
        require_broadcastable(mu=mu, logvar=logvar, eps=eps)
        require_finite("eps", eps)
    std = torch.exp(0.5 * logvar)  # (..., D)
    return mu + std * eps  # (..., D) or (L, ..., D) with sample dims from eps
