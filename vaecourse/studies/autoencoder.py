r"""A plain autoencoder trained with a VAE's own networks, to set its latent space beside the VAE's.

The autoencoder uses the VAE's encoder mean :math:`\mu_\phi(x)` as a deterministic code and the same
Bernoulli decoder, and maximises the reconstruction log-likelihood alone, with no sampling and no KL:

.. math::
    \max_{\theta, \phi}\ \frac1B\sum_{b=1}^B \log p_\theta\big(x_b \mid z = \mu_\phi(x_b)\big)
    = \frac1B\sum_b\sum_{i} \big[x_{bi}\log\sigma(\ell_{bi}) + (1 - x_{bi})\log(1 - \sigma(\ell_{bi}))\big].

Nothing ties its codes to :math:`\mathcal N(0, I)`: they go wherever reconstruction is easiest, so
decoding a draw from the prior lands on a point no training image was mapped near (Session 4 shows it
beside the VAE's latent space). The VAE's log-variance head is left untrained and unused.
"""

from __future__ import annotations

import torch

from ..core._validation import require_positive_int
from ..core.likelihoods import bernoulli_log_likelihood
from ..models.vae import VAE


def fit_plain_autoencoder(model: VAE, x: torch.Tensor, *, epochs: int = 30, batch_size: int = 100,
                          lr: float = 1e-3, seed: int = 0) -> list[float]:
    """Train ``model``'s encoder mean and decoder as a deterministic autoencoder on ``x`` ``(N, D)`` in [0, 1].

    Adam on minus the batch mean of the per-image Bernoulli log-likelihood (summed over pixels) of
    ``decode(mu(x))``; minibatches are shuffled with ``seed``. Returns the mean loss (nats per image) of
    each epoch. ``model`` must have a Bernoulli decoder.

    Raises:
        ValueError: ``x`` not 2-D with ``model.config.data_dim`` columns, a non-Bernoulli model, or a
            non-positive ``epochs`` / ``batch_size``.
    """
    require_positive_int("epochs", epochs)
    require_positive_int("batch_size", batch_size)
    if model.config.likelihood != "bernoulli":
        raise ValueError(f"model must have a Bernoulli decoder, got likelihood={model.config.likelihood!r}")
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != model.config.data_dim:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must have shape (N, {model.config.data_dim}), got {got}")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        total = 0.0
        for start in range(0, x.shape[0], batch_size):
            batch = x[order[start:start + batch_size]]  # (B, D)
            mu, _ = model.encode(batch)  # (B, m): the code; no sampling
            loss = -bernoulli_log_likelihood(model.decode(mu), batch).mean()  # sum over pixels, mean over batch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * batch.shape[0]
        losses.append(total / x.shape[0])
    model.eval()
    return losses
