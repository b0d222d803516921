"""The plain autoencoder of Session 4's latent-space comparison: it learns, it has no KL, bad input fails."""

import pytest
import torch

from vaecourse.core.likelihoods import bernoulli_log_likelihood
from vaecourse.models.vae import VAE, VAEConfig
from vaecourse.studies.autoencoder import fit_plain_autoencoder


def _data(n=200, d=16, seed=0):
    generator = torch.Generator().manual_seed(seed)
    prototypes = (torch.rand(4, d, generator=generator) > 0.5).float()  # four binary patterns
    return prototypes[torch.randint(0, 4, (n,), generator=generator)]  # (n, d)


def test_loss_falls_and_is_the_reconstruction_term_alone():
    x = _data()
    model = VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(32,)), seed=0)
    losses = fit_plain_autoencoder(model, x, epochs=40, batch_size=50, lr=1e-2, seed=0)
    assert len(losses) == 40 and losses[-1] < 0.5 * losses[0]
    with torch.no_grad():
        mu, _ = model.encode(x)
        loss = -bernoulli_log_likelihood(model.decode(mu), x).mean().item()
    # The last epoch's mean loss was taken while the weights still moved; the final one is close to it.
    assert loss == pytest.approx(losses[-1], rel=0.3, abs=0.5)


def test_same_seed_same_result():
    x = _data()
    runs = [fit_plain_autoencoder(VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(32,)), seed=1), x,
                                  epochs=3, seed=5) for _ in range(2)]
    assert runs[0] == runs[1]


def test_bad_input():
    model = VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(8,)), seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 16\)"):
        fit_plain_autoencoder(model, torch.zeros(5, 15))
    with pytest.raises(ValueError, match="epochs"):
        fit_plain_autoencoder(model, torch.zeros(5, 16), epochs=0)
    gaussian = VAE(VAEConfig(data_dim=16, latent_dim=2, hidden_dims=(8,), likelihood="gaussian"), seed=0)
    with pytest.raises(ValueError, match="Bernoulli"):
        fit_plain_autoencoder(gaussian, torch.zeros(5, 16))
