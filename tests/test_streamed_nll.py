"""The course's one NLL estimator (k = 5000 in bounded memory): chunking changes nothing but memory, a learned prior needs no patch, bad arguments are named."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import vaecourse.core.bounds as bounds
from vaecourse import iwae_bound
from vaecourse.training.diagnostics import log_likelihood_estimate
from vaecourse.models.vae import VAE, VAEConfig
from vaecourse.training.streamed_nll import streamed_log_likelihood_estimate, streamed_log_mean_exp

torch.set_num_threads(1)
F64 = torch.float64


@given(st.lists(st.integers(1, 7), min_size=1, max_size=6), st.floats(-2000.0, 50.0))
def test_running_log_mean_exp_equals_the_log_mean_exp_of_all_chunks(sizes, offset):
    generator = torch.Generator().manual_seed(len(sizes))
    log_w = offset + 30 * torch.randn(3, sum(sizes), generator=generator, dtype=F64)  # (B, k): far below exp's range
    chunks = list(torch.split(log_w, sizes, dim=-1))
    torch.testing.assert_close(streamed_log_mean_exp(chunks), iwae_bound(log_w), atol=1e-10, rtol=0)


def test_running_log_mean_exp_rejects_empty_and_ragged_input():
    with pytest.raises(ValueError, match="at least one log-weight"):
        streamed_log_mean_exp([])
    with pytest.raises(ValueError, match=r"same B = \(2,\), got \(3, 1\)"):
        streamed_log_mean_exp([torch.zeros(2, 4), torch.zeros(3, 1)])
    assert streamed_log_mean_exp([torch.zeros(2, 0), torch.zeros(2, 3)]).tolist() == [0.0, 0.0]


@pytest.fixture(scope="module")
def models():
    x = torch.bernoulli(torch.full((7, 12), 0.4), generator=torch.Generator().manual_seed(0))  # (N, data_dim)
    standard = VAE(VAEConfig(data_dim=12, latent_dim=3, hidden_dims=(10,)), seed=0)
    mixture = VAE(VAEConfig(data_dim=12, latent_dim=3, hidden_dims=(10,), prior="mixture", prior_components=4), seed=1)
    return x, {"standard": standard, "mixture": mixture}


@pytest.mark.parametrize("prior", ["standard", "mixture"])
def test_chunked_equals_unchunked_for_the_same_noise(models, prior):
    x, by_prior = models
    model, k = by_prior[prior], 23
    eps = torch.randn(k, x.shape[0], 3, generator=torch.Generator().manual_seed(4))  # (k, N, D)
    results = [streamed_log_likelihood_estimate(model, x, k=k, eps=eps, batch_size=b, chunk_size=c)
               for b, c in ((7, 23), (7, 1), (3, 5), (2, 100))]
    for result in results[1:]:
        torch.testing.assert_close(result, results[0], atol=1e-5, rtol=0)
    # and it is log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) written out, with the model's own prior and
    # torch.distributions' density of q as the oracle
    with torch.no_grad():
        mu, logvar = model.encode(x)  # (N, D) each
        z = mu + torch.exp(0.5 * logvar) * eps  # (k, N, D)
        log_q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)  # (k, N)
        log_w = model.log_likelihood(x, z) + model.latent_prior().log_prob(z) - log_q  # (k, N)
        whole = iwae_bound(log_w.T)  # (N,)
    torch.testing.assert_close(results[0], whole, atol=1e-4, rtol=0)


def test_one_estimator_whose_seeded_draws_repeat(models):
    assert streamed_log_likelihood_estimate is log_likelihood_estimate  # one estimator, two import paths
    x, by_prior = models
    model = by_prior["standard"]
    a = log_likelihood_estimate(model, x, k=300, seed=2)
    assert torch.equal(a, log_likelihood_estimate(model, x, k=300, seed=2))
    assert not torch.equal(a, log_likelihood_estimate(model, x, k=300, seed=3))
    b = log_likelihood_estimate(model, x, k=300, seed=9)  # other noise, the same quantity
    spread = math.sqrt((a.var() + b.var()).item() / x.shape[0])
    assert abs(a.mean() - b.mean()).item() < 4 * spread + 0.05


def test_progress_shows_the_examples_done(models, capsys):
    x, by_prior = models
    log_likelihood_estimate(by_prior["standard"], x, k=20, batch_size=3, progress=True)
    err = capsys.readouterr().err
    assert "log p(x), k=20" in err and "7/7" in err


def test_memory_is_bounded_by_the_chunk_not_by_k(models, monkeypatch):
    x, by_prior = models
    seen = []
    original = bounds.importance_log_weights

    def recording(log_likelihood, mu, logvar, eps, prior=None):
        seen.append(tuple(eps.shape))
        return original(log_likelihood, mu, logvar, eps, prior)

    monkeypatch.setattr(bounds, "importance_log_weights", recording)
    streamed_log_likelihood_estimate(by_prior["standard"], x, k=5000, batch_size=4, chunk_size=250)
    assert max(shape[0] * shape[1] for shape in seen) <= 250 * 4  # samples alive at once: one chunk of one batch
    assert sum(shape[0] * shape[1] for shape in seen) == 5000 * x.shape[0]  # and every sample was used


def test_bad_arguments_are_named(models):
    x, by_prior = models
    model = by_prior["standard"]
    for name in ("k", "batch_size", "chunk_size"):
        with pytest.raises(ValueError, match=f"{name} must be an int >= 1, got 0"):
            streamed_log_likelihood_estimate(model, x, **{name: 0})
    with pytest.raises(ValueError, match=r"eps must have shape \(k, N, D\) = \(5, 7, 3\), got \(5, 7, 2\)"):
        streamed_log_likelihood_estimate(model, x, k=5, eps=torch.zeros(5, 7, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(B, 12\)"):
        streamed_log_likelihood_estimate(model, torch.zeros(3, 5), k=5)
