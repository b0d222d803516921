"""Tests of vaecourse.models: the VAE and conditional VAE against torch.distributions oracles."""

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaecourse.models import ConditionalVAE, ConditionalVAEConfig
from vaecourse.models import VAE, VAEConfig

torch.set_num_threads(1)  # tiny models: one thread is as fast and never oversubscribes a shared machine


def small_config(**changes):
    return VAEConfig(**{"data_dim": 12, "latent_dim": 3, "hidden_dims": (16,), **changes})


def binary_batch(n=7, d=12, seed=0):
    return torch.bernoulli(torch.full((n, d), 0.4), generator=torch.Generator().manual_seed(seed))


def test_shapes_of_every_method():
    model = VAE(small_config(), seed=0)
    x = binary_batch()
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, 3)
    assert model.decode(torch.zeros(5, 7, 3)).shape == (5, 7, 12)
    out = model(x, num_samples=4)
    assert out.terms.reconstruction.shape == out.terms.kl.shape == (7,)
    assert out.kl_per_dim.shape == (7, 3)
    assert model.sample(9, seed=0).shape == (9, 12) and model.reconstruct(x).shape == (7, 12)


def test_bernoulli_elbo_matches_torch_distributions():
    model = VAE(small_config(), seed=1)
    x = binary_batch(seed=1)
    eps = torch.randn(3, 7, 3, generator=torch.Generator().manual_seed(2))
    out = model(x, num_samples=3, eps=eps, beta=0.5)
    with torch.no_grad():
        mu, logvar = model.encoder(x).chunk(2, -1)
        z = mu + (0.5 * logvar).exp() * eps
        expected_rec = Bernoulli(logits=model.decoder(z)).log_prob(x).sum(-1).mean(0)
        expected_kl = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0))
    torch.testing.assert_close(out.terms.reconstruction, expected_rec)
    torch.testing.assert_close(out.kl_per_dim, expected_kl)
    torch.testing.assert_close(out.terms.kl, expected_kl.sum(-1))
    torch.testing.assert_close(out.terms.objective, expected_rec - 0.5 * expected_kl.sum(-1))


def test_gaussian_decoder_with_learned_variance_matches_normal_log_prob():
    model = VAE(small_config(likelihood="gaussian", learn_decoder_variance=True, decoder_logvar=-1.0), seed=3)
    assert isinstance(model.decoder_logvar, torch.nn.Parameter)
    x = torch.rand(7, 12, generator=torch.Generator().manual_seed(3))
    eps = torch.randn(1, 7, 3, generator=torch.Generator().manual_seed(4))
    rec = model.elbo(x, eps=eps).reconstruction
    with torch.no_grad():
        mu, logvar = model.encode(x)
        mean = model.decoder(mu + (0.5 * logvar).exp() * eps[0])
        expected = Normal(mean, torch.exp(torch.tensor(-0.5))).log_prob(x).sum(-1)
    torch.testing.assert_close(rec, expected)
    loss = -model.elbo(x).elbo.mean()
    loss.backward()
    assert model.decoder_logvar.grad is not None and all(p.grad is not None for p in model.parameters())


def test_seeded_initialisation_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, b = VAE(small_config(), seed=5), VAE(small_config(), seed=5)
    assert torch.equal(torch.get_rng_state(), before)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    c = VAE(small_config(), seed=6)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_sample_and_reconstruct_are_decoder_means_or_draws():
    model = VAE(small_config(), seed=0)
    means = model.sample(20, seed=1)
    assert torch.equal(means, model.sample(20, seed=1)) and not torch.equal(means, model.sample(20, seed=2))
    z = torch.randn(20, 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(means, torch.sigmoid(model.decoder(z)).detach())
    draws = model.sample(20, seed=1, mean=False)
    assert set(draws.unique().tolist()) <= {0.0, 1.0}
    x = binary_batch()
    torch.testing.assert_close(model.reconstruct(x), torch.sigmoid(model.decoder(model.encode(x)[0])).detach())


def test_bad_inputs_fail_with_clear_messages():
    model = VAE(small_config(), seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 12\)"):
        model.encode(torch.zeros(4, 13))
    with pytest.raises(ValueError, match="unconditional"):
        model.encode(torch.zeros(4, 12), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]"):
        model.elbo(torch.full((2, 12), 2.0))
    with pytest.raises(ValueError, match="likelihood"):
        VAEConfig(likelihood="poisson")
    with pytest.raises(ValueError, match="activation"):
        VAEConfig(activation="sigmoidal")


def test_conditional_vae_uses_the_label_everywhere():
    config = ConditionalVAEConfig(data_dim=12, latent_dim=3, hidden_dims=(16,), num_classes=4)
    model = ConditionalVAE(config, seed=0)
    x, y = binary_batch(4), torch.tensor([0, 1, 2, 3])
    mu_a, _ = model.encode(x, y)
    mu_b, _ = model.encode(x, (y + 1) % 4)
    assert not torch.allclose(mu_a, mu_b)
    z = torch.zeros(4, 3)
    assert not torch.allclose(model.decode(z, y), model.decode(z, (y + 1) % 4))
    assert model.sample(4, y, seed=0).shape == (4, 12)
    with pytest.raises(ValueError, match="needs the labels"):
        model.encode(x)
    with pytest.raises(ValueError, match="labels y must lie in 0..3"):
        model.encode(x, torch.tensor([0, 1, 2, 4]))
    with pytest.raises(ValueError, match="one label per sample"):
        model.sample(3, y)


def test_learned_prior_starts_standard_and_its_kl_matches_torch():
    config = ConditionalVAEConfig(data_dim=12, latent_dim=3, hidden_dims=(16,), num_classes=4, learned_prior=True)
    model = ConditionalVAE(config, seed=0)
    x, y = binary_batch(4), torch.tensor([0, 1, 2, 3])
    plain = ConditionalVAE(ConditionalVAEConfig(**{**config.to_dict(), "learned_prior": False}), seed=0)
    eps = torch.randn(1, 4, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(model.elbo(x, y, eps=eps).kl, plain.elbo(x, y, eps=eps).kl)  # zero-initialised prior
    with torch.no_grad():
        model.prior_table.weight.normal_(generator=torch.Generator().manual_seed(1))
    out = model(x, y, eps=eps)
    mu_p, logvar_p = model.prior_table.weight[y].chunk(2, -1)
    with torch.no_grad():
        expected = kl_divergence(Normal(out.mu, (0.5 * out.logvar).exp()), Normal(mu_p, (0.5 * logvar_p).exp()))
    torch.testing.assert_close(out.kl_per_dim, expected)
    torch.testing.assert_close(model.log_prior(torch.zeros(4, 3), y),
                               Normal(mu_p, (0.5 * logvar_p).exp()).log_prob(torch.zeros(4, 3)).sum(-1).detach())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_cuda():
    model = VAE(small_config(), seed=0).cuda()
    x = binary_batch().cuda()
    assert model.elbo(x).elbo.device.type == "cuda" and model.sample(3, seed=0).device.type == "cuda"


def test_mixture_prior_density_matches_torch_distributions_and_its_kl_is_monte_carlo():
    model = VAE(small_config(prior="mixture", prior_components=4), seed=2)
    prior = model.mixture_prior
    oracle = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(torch.ones(4)),
        torch.distributions.Independent(Normal(prior.means, (0.5 * prior.logvars).exp()), 1))
    z = torch.randn(5, 3, 3)
    torch.testing.assert_close(model.log_prior(z), oracle.log_prob(z).detach())
    for j in range(3):  # each coordinate's marginal is a 1-D mixture
        marginal = torch.distributions.MixtureSameFamily(
            torch.distributions.Categorical(torch.ones(4)), Normal(prior.means[:, j], (0.5 * prior.logvars[:, j]).exp()))
        torch.testing.assert_close(prior.marginal_log_prob(z)[..., j], marginal.log_prob(z[..., j]).detach())
    x = binary_batch()
    eps = torch.randn(6, 7, 3, generator=torch.Generator().manual_seed(0))
    out = model(x, eps=eps, num_samples=6, log_weights=True)
    with torch.no_grad():
        zs = out.mu + (0.5 * out.logvar).exp() * eps
        log_q = Normal(out.mu, (0.5 * out.logvar).exp()).log_prob(zs).sum(-1)
        torch.testing.assert_close(out.terms.kl, (log_q - oracle.log_prob(zs)).mean(0))
        # with the KL estimated at the same samples, the mean log-weight is exactly the ELBO estimate
        torch.testing.assert_close(out.log_weights.mean(1), out.terms.elbo, atol=1e-4, rtol=1e-6)
    assert model.sample(11, seed=0).shape == (11, 12) and out.kl_per_dim.shape == (7, 3)


def test_log_weights_of_the_standard_prior_match_torch_distributions():
    model = VAE(small_config(), seed=4)
    x = binary_batch()
    eps = torch.randn(3, 7, 3, generator=torch.Generator().manual_seed(1))
    out = model(x, eps=eps, num_samples=3, log_weights=True)
    with torch.no_grad():
        z = out.mu + (0.5 * out.logvar).exp() * eps
        expected = (Bernoulli(logits=model.decoder(z)).log_prob(x).sum(-1) + Normal(0.0, 1.0).log_prob(z).sum(-1)
                    - Normal(out.mu, (0.5 * out.logvar).exp()).log_prob(z).sum(-1))
    assert out.log_weights.shape == (7, 3)
    torch.testing.assert_close(out.log_weights, expected.T)
    assert model(x).log_weights is None


def _model_of_kind(kind):
    from vaecourse.models import AutoregressiveVAE, AutoregressiveVAEConfig

    if kind == "conditional":
        return ConditionalVAE(ConditionalVAEConfig(data_dim=12, latent_dim=3, hidden_dims=(16,), num_classes=4), seed=5)
    if kind == "autoregressive":
        return AutoregressiveVAE(AutoregressiveVAEConfig(data_dim=12, latent_dim=3, hidden_dims=(16,),
                                                         decoder_hidden=8), seed=5)
    return VAE(small_config(likelihood=kind), seed=5)


@pytest.mark.parametrize("num_samples", [1, 4])
@pytest.mark.parametrize("kind", ["bernoulli", "gaussian", "conditional", "autoregressive"])
def test_forward_is_the_sgvb_estimate_of_elbo_estimate(num_samples, kind):
    # VAE.forward writes the estimator out (one sample: a 2-D graph); it must agree with the reference
    # function of the math core, value and gradient, with the same noise, for every decoder.
    from vaecourse.core import elbo_estimate

    model = _model_of_kind(kind)
    x = binary_batch(seed=5)
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2]) if model.requires_labels else None
    eps = torch.randn(num_samples, 7, 3, generator=torch.Generator().manual_seed(3))
    out = model(x, y, num_samples=num_samples, eps=eps, beta=0.3, log_weights=True)
    mu, logvar = model.encode(x, y)
    reference = elbo_estimate(lambda z: model.log_likelihood(x, z, y), mu, logvar, num_samples, beta=0.3, eps=eps)
    for got, expected in ((out.terms.reconstruction, reference.reconstruction), (out.terms.kl, reference.kl),
                          (out.terms.objective, reference.objective)):
        torch.testing.assert_close(got, expected)
    assert out.z.shape == (num_samples, 7, 3) and out.log_weights.shape == (7, num_samples)
    grads = torch.autograd.grad(out.terms.objective.sum(), list(model.parameters()))
    reference_grads = torch.autograd.grad(reference.objective.sum(), list(model.parameters()))
    for got, expected in zip(grads, reference_grads):
        torch.testing.assert_close(got, expected)


def test_forward_rejects_noise_of_the_wrong_shape_or_type():
    model = VAE(small_config(), seed=0)
    with pytest.raises(ValueError, match=r"eps must have shape \(num_samples, B, D\) = \(2, 7, 3\), got \(7, 3\)"):
        model(binary_batch(), num_samples=2, eps=torch.zeros(7, 3))
    with pytest.raises(TypeError, match="eps must have a floating-point dtype"):
        model(binary_batch(), eps=torch.zeros(1, 7, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="num_samples must be an int >= 1"):
        model(binary_batch(), num_samples=0)
