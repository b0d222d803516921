"""Tests of vaecourse.training.diagnostics on constructed cases whose answers are known in closed form."""

import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaecourse import LinearGaussianModel, importance_log_weights
from vaecourse.training.diagnostics import (
    active_units,
    encode_data,
    evaluate,
    kl_per_dimension,
    latent_activity,
    log_likelihood_estimate,
    mutual_information,
)
from vaecourse.models import ConditionalVAE, ConditionalVAEConfig
from vaecourse.models import VAE, VAEConfig

torch.set_num_threads(1)
F64 = torch.float64


class LinearGaussianAsVAE(torch.nn.Module):
    """The exact linear-Gaussian model dressed as a VAE; its encoder is the exact posterior, optionally spoiled."""

    requires_labels = False

    def __init__(self, model: LinearGaussianModel, shift: float = 0.0, variance_scale: float = 1.0):
        super().__init__()
        self.model, self.shift, self.variance_scale = model, shift, variance_scale
        self.anchor = torch.nn.Parameter(torch.zeros(1, dtype=F64))  # gives the wrapper a device

    @property
    def latent_dim(self):
        return self.model.latent_dim

    def encode(self, x, y=None):
        mean, covariance = self.model.posterior(x)
        logvar = torch.log(torch.diagonal(covariance) * self.variance_scale).expand_as(mean)
        return mean + self.shift, logvar

    def log_likelihood(self, x, z, y=None):
        return self.model.log_likelihood(x, z)

    def prior(self, y=None):
        return None


def orthogonal_model(seed=0):
    """Orthogonal columns of W make W^T W diagonal, so the exact posterior is a diagonal Gaussian."""
    q, _ = torch.linalg.qr(torch.randn(6, 2, generator=torch.Generator().manual_seed(seed), dtype=F64))
    weight = q * torch.tensor([2.0, 0.7], dtype=F64)
    return LinearGaussianModel(weight, torch.linspace(-1, 1, 6, dtype=F64), 0.5)


def test_importance_estimate_is_exact_when_q_is_the_true_posterior():
    model = orthogonal_model()
    x, _ = model.sample(30, seed=1)
    estimate = log_likelihood_estimate(LinearGaussianAsVAE(model), x, k=50, batch_size=7)
    torch.testing.assert_close(estimate, model.log_evidence(x), atol=1e-9, rtol=0)  # every weight equals p(x)


def test_importance_estimate_with_a_spoiled_proposal_is_within_its_standard_error():
    model = orthogonal_model(1)
    x, _ = model.sample(20, seed=2)
    wrapper = LinearGaussianAsVAE(model, shift=0.3, variance_scale=2.0)
    k = 1000
    estimate = log_likelihood_estimate(wrapper, x, k=k, batch_size=20, chunk_size=128, seed=3)
    # The same weights by hand: delta-method standard error of log(mean w) is sd(w) / (mean(w) sqrt(k)).
    mu, logvar = wrapper.encode(x)
    eps = torch.randn(k, *mu.shape, generator=torch.Generator().manual_seed(3), dtype=F64)
    z = mu + (0.5 * logvar).exp() * eps
    log_w = model.log_joint(x, z) - Normal(mu, (0.5 * logvar).exp()).log_prob(z).sum(-1)  # (k, B)
    weights = (log_w - log_w.max(0).values).exp()
    standard_error = weights.std(0) / (weights.mean(0) * math.sqrt(k))
    torch.testing.assert_close(estimate, torch.logsumexp(log_w, 0) - math.log(k))
    assert bool(((estimate - model.log_evidence(x)).abs() < 4 * standard_error + 1e-3).all())


def test_importance_estimate_of_a_vae_beats_its_elbo_and_batches_do_not_matter():
    model = VAE(VAEConfig(data_dim=10, latent_dim=2, hidden_dims=(8,)), seed=0)
    x = torch.bernoulli(torch.full((40, 10), 0.3), generator=torch.Generator().manual_seed(0))
    one = log_likelihood_estimate(model, x, k=200, batch_size=40, chunk_size=50)
    elbo = evaluate(model, x, num_samples=200).elbo
    assert one.shape == (40,) and one.mean().item() > elbo
    again = log_likelihood_estimate(model, x, k=200, batch_size=40, chunk_size=7)
    torch.testing.assert_close(one, again)  # chunking changes memory, not the numbers


def test_learned_prior_enters_the_importance_weights():
    config = ConditionalVAEConfig(data_dim=10, latent_dim=2, hidden_dims=(8,), num_classes=3, learned_prior=True)
    model = ConditionalVAE(config, seed=0)
    with torch.no_grad():
        model.prior_table.weight.normal_(generator=torch.Generator().manual_seed(1))
    x = torch.bernoulli(torch.full((6, 10), 0.5), generator=torch.Generator().manual_seed(2))
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    k = 64
    estimate = log_likelihood_estimate(model, (x, y), k=k, seed=4)
    with torch.no_grad():
        mu, logvar = model.encode(x, y)
        eps = torch.randn(k, 6, 2, generator=torch.Generator().manual_seed(4))
        z = mu + (0.5 * logvar).exp() * eps
        mu_p, logvar_p = model.prior_table.weight[y].chunk(2, -1)
        log_w = (Bernoulli(logits=model.decode(z, y)).log_prob(x).sum(-1)
                 + Normal(mu_p, (0.5 * logvar_p).exp()).log_prob(z).sum(-1)
                 - Normal(mu, (0.5 * logvar).exp()).log_prob(z).sum(-1))
    torch.testing.assert_close(estimate, torch.logsumexp(log_w, 0) - math.log(k), atol=1e-4, rtol=1e-5)
    # the model's own log-weights (VAE.forward) and the estimator's are one computation, with the prior object
    with torch.no_grad():
        out = model(x, y, num_samples=k, eps=eps, log_weights=True)
        weights = importance_log_weights(lambda z: model.log_likelihood(x, z, y), mu, logvar, eps, model.latent_prior(y))
    torch.testing.assert_close(out.log_weights, weights)


def test_active_units_of_collapsed_and_identity_like_encoders():
    x = torch.randn(500, 4, generator=torch.Generator().manual_seed(0))
    assert active_units(torch.zeros(500, 4)) == 0  # collapsed: the mean never moves
    assert active_units(x) == 4  # identity-like: Var(mu_j) ~ 1 > 0.01
    partly = torch.cat([x[:, :2], 0.05 * x[:, 2:]], dim=1)  # Var ~ 0.0025 < 0.01 for the last two
    assert active_units(partly) == 2
    torch.testing.assert_close(latent_activity(x), torch.tensor(x.numpy().var(axis=0)))


def test_kl_per_dimension_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(50, 3, generator=g), torch.randn(50, 3, generator=g)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).mean(0)
    torch.testing.assert_close(kl_per_dimension(mu, logvar), expected)
    mu_p, logvar_p = torch.randn(50, 3, generator=g), torch.randn(50, 3, generator=g)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(mu_p, (0.5 * logvar_p).exp())).mean(0)
    torch.testing.assert_close(kl_per_dimension(mu, logvar, mu_p, logvar_p), expected)


@pytest.mark.parametrize("seed", range(5))
def test_mutual_information_of_a_collapsed_encoder_is_zero_whatever_the_noise(seed):
    # All posteriors equal: at each sample log q(z_n|x_n) equals every log q(z_n|x_m), so each term is 0.
    n, d = 359, 8
    mu = torch.full((n, d), 0.3)
    logvar = torch.full((n, d), -0.5)
    assert mutual_information(mu, logvar, seed=seed, chunk_size=100) == pytest.approx(0.0, abs=1e-5)


def test_mutual_information_of_an_identity_like_encoder_reaches_the_log_n_ceiling():
    n = 500
    mu = 100.0 * torch.randn(n, 2, generator=torch.Generator().manual_seed(0))  # far apart, tiny variances
    mi = mutual_information(mu, torch.full((n, 2), -4.0), seed=1, chunk_size=64)
    # Cross terms vanish: each term is log q(z_n|x_n) - (log q(z_n|x_n) - log n) = log n, the ceiling.
    assert mi == pytest.approx(math.log(n), abs=1e-4)
    # Overlapping posteriors: never above the ceiling.
    assert mutual_information(mu / 100, torch.zeros(n, 2), seed=1) < math.log(n)


def test_mutual_information_of_a_gaussian_channel_matches_the_closed_form():
    # x ~ N(0, 1), q(z|x) = N(x, 1): I(x; z) = 0.5 log(1 + 1) nats.
    n = 3000
    g = torch.Generator().manual_seed(2)
    x = torch.randn(n, 1, generator=g)
    eps = torch.randn(n, 1, generator=g)
    mi = mutual_information(x, torch.zeros(n, 1), eps=eps)
    z = x + eps  # per-sample terms with the true aggregate N(0, 2) give the estimator's standard error
    terms = Normal(x, 1.0).log_prob(z).sum(-1) - Normal(0.0, math.sqrt(2.0)).log_prob(z).sum(-1)
    standard_error = terms.std().item() / math.sqrt(n)
    assert abs(mi - 0.5 * math.log(2.0)) < 4 * standard_error + 0.01  # + the mixture's small O(1/n) bias


def test_evaluate_and_encode_data_are_seeded_and_consistent():
    model = VAE(VAEConfig(data_dim=10, latent_dim=2, hidden_dims=(8,)), seed=0)
    x = torch.bernoulli(torch.full((25, 10), 0.3), generator=torch.Generator().manual_seed(5))
    a, b = evaluate(model, x, seed=3, batch_size=10), evaluate(model, x, seed=3, batch_size=10)
    assert a == b and a.num_examples == 25 and a.elbo == pytest.approx(a.reconstruction - a.kl)
    assert sum(a.kl_per_dim) == pytest.approx(a.kl, rel=1e-5)
    mu, logvar = encode_data(model, x, batch_size=7)
    torch.testing.assert_close(mu, model.encode(x)[0].detach())
    with pytest.raises(ValueError, match=r"\(N, D\) with N >= 2"):
        mutual_information(mu[:1], logvar[:1])
