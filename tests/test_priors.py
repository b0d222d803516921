"""Priors as objects (log_prob, sample, kl_per_dim) against torch.distributions, and the one ELBO/log-weight function that takes them."""

import math

import torch
from torch.distributions import Independent, Normal, kl_divergence

from vaecourse.core.bounds import elbo_estimate, elbo_sample
from vaecourse.core.priors import DiagonalGaussianPrior, MixturePrior, StandardNormalPrior
from vaecourse.models import VAE, VAEConfig

torch.set_num_threads(1)
F64 = torch.float64


def draws(*shape, seed=0, dtype=torch.float32):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_standard_normal_prior_matches_torch_and_is_not_saved():
    prior, z = StandardNormalPrior(3), draws(4, 5, 3)
    torch.testing.assert_close(prior.log_prob(z), Independent(Normal(torch.zeros(3), 1.0), 1).log_prob(z))
    mu, logvar = draws(5, 3, seed=1), draws(5, 3, seed=2)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0))  # (5, 3)
    torch.testing.assert_close(prior.kl_per_dim(mu, logvar), expected)
    sample = prior.sample(20000, torch.Generator().manual_seed(3))
    assert sample.shape == (20000, 3) and abs(sample.mean().item()) < 4 / math.sqrt(60000)
    assert not prior.state_dict() and not list(prior.parameters())  # nothing to save or learn


def test_diagonal_gaussian_prior_matches_torch():
    mu_p, logvar_p = draws(5, 3, seed=4), draws(5, 3, seed=5)
    prior, oracle = DiagonalGaussianPrior(mu_p, logvar_p), Independent(Normal(mu_p, (0.5 * logvar_p).exp()), 1)
    z = draws(2, 5, 3, seed=6)
    torch.testing.assert_close(prior.log_prob(z), oracle.log_prob(z))
    mu, logvar = draws(5, 3, seed=7), draws(5, 3, seed=8)
    torch.testing.assert_close(prior.kl_per_dim(mu, logvar).sum(-1),
                               kl_divergence(Independent(Normal(mu, (0.5 * logvar).exp()), 1), oracle))
    assert prior.sample(5, torch.Generator().manual_seed(0)).shape == (5, 3)


def test_the_mixture_prior_has_no_closed_form_kl_and_the_elbo_estimates_it_at_the_samples():
    prior = MixturePrior(4, 2)
    mu, logvar = draws(6, 2, seed=1), draws(6, 2, seed=2) - 1
    assert prior.kl_per_dim(mu, logvar) is None
    eps = draws(5, 6, 2, seed=3)
    out = elbo_sample(lambda z: -z.pow(2).sum(-1), mu, logvar, prior, num_samples=5, eps=eps, log_weights=True)
    z = mu + (0.5 * logvar).exp() * eps  # (5, 6, 2)
    log_q = Independent(Normal(mu, (0.5 * logvar).exp()), 1).log_prob(z)  # (5, 6)
    with torch.no_grad():
        torch.testing.assert_close(out.terms.kl, (log_q - prior.log_prob(z)).mean(0).detach())
        torch.testing.assert_close(out.log_weights, (-z.pow(2).sum(-1) + prior.log_prob(z) - log_q).T.detach())
    assert out.kl_per_dim is None and out.z.shape == (5, 6, 2)


def test_closed_form_and_monte_carlo_kl_agree_within_their_standard_error():
    mu, logvar = draws(3, 4, seed=1, dtype=F64), draws(3, 4, seed=2, dtype=F64)
    eps = draws(20000, 3, 4, seed=3, dtype=F64)
    closed = elbo_estimate(lambda z: z.sum(-1) * 0, mu, logvar, num_samples=20000, eps=eps)
    sampled = elbo_estimate(lambda z: z.sum(-1) * 0, mu, logvar, num_samples=20000, eps=eps, analytic_kl=False)
    z = mu + (0.5 * logvar).exp() * eps
    per_sample = Independent(Normal(mu, (0.5 * logvar).exp()), 1).log_prob(z) - Independent(Normal(0.0 * mu, 1.0), 1).log_prob(z)
    standard_error = per_sample.std(0) / math.sqrt(20000)
    assert bool(((closed.kl - sampled.kl).abs() < 4 * standard_error).all())


def test_the_model_samples_from_its_prior_object():
    for prior in ("standard", "mixture"):
        model = VAE(VAEConfig(data_dim=12, latent_dim=3, hidden_dims=(8,), prior=prior, prior_components=3), seed=0)
        z = model.latent_prior().sample(4, torch.Generator().manual_seed(5))
        torch.testing.assert_close(model.sample(4, seed=5), model.decoder_mean(z))
        assert ("mixture_prior.means" in model.state_dict()) == (prior == "mixture")
        assert not any(key.startswith("standard_normal_prior") for key in model.state_dict())  # checkpoints unchanged
