"""Tests of vaecourse.models.autoregressive: the decoder is autoregressive, collapses, and the mitigations work."""

import pytest
import torch
from torch.distributions import Bernoulli

from vaecourse.models.autoregressive import AutoregressiveVAE, AutoregressiveVAEConfig, banded_mask
from vaecourse.data import load_digits
from vaecourse.training.diagnostics import active_units, encode_data
from vaecourse.training import fit

torch.set_num_threads(1)


def tiny(context=None, **changes):
    config = AutoregressiveVAEConfig(**{"data_dim": 10, "latent_dim": 2, "hidden_dims": (8,),
                                        "decoder_hidden": 8, "context": context, **changes})
    return AutoregressiveVAE(config, seed=0)


def pixel_jacobian(model, x, z):
    """d logit_i / d x_j for one example, shape (P, P), by autograd (the oracle for the masks)."""
    return torch.autograd.functional.jacobian(lambda xs: model.decode(z, x=xs)[0], x)[:, 0, :]


@pytest.mark.parametrize("context", [None, 3, 0])
def test_logit_i_depends_only_on_the_allowed_previous_pixels(context):
    model = tiny(context)
    x = torch.bernoulli(torch.full((1, 10), 0.5), generator=torch.Generator().manual_seed(0))
    jac = pixel_jacobian(model, x, torch.randn(1, 2))
    allowed = banded_mask(10, context).bool()
    assert bool((jac[~allowed] == 0).all())  # never a future (or out-of-context) pixel
    if context != 0:
        assert bool((jac[allowed] != 0).any())


def test_log_likelihood_matches_bernoulli_on_teacher_forced_logits():
    model = tiny()
    x = torch.bernoulli(torch.full((4, 10), 0.3), generator=torch.Generator().manual_seed(1))
    z = torch.randn(3, 4, 2, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        logits = model.decode(z, x=x)
        expected = Bernoulli(logits=logits).log_prob(x.expand(3, 4, 10)).sum(-1)
        torch.testing.assert_close(model.log_likelihood(x, z), expected)
        # the one-pass teacher-forced logits equal the pixel-by-pixel generation's probabilities
        generated = model.decoder.generate(z[0], torch.Generator().manual_seed(3), mean=False)
        probs = model.decoder.generate(z[0], torch.Generator().manual_seed(3), mean=True)
        torch.testing.assert_close(probs, torch.sigmoid(model.decode(z[0], x=generated)))


def test_sampling_shapes_and_errors():
    model = tiny()
    samples = model.sample(5, seed=0)
    assert samples.shape == (5, 10) and set(samples.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(samples, model.sample(5, seed=0))
    assert model.reconstruct(samples, seed=1).shape == (5, 10)
    with pytest.raises(NotImplementedError):
        model.decoder_mean(torch.zeros(1, 2))
    with pytest.raises(ValueError, match="needs the previous pixels"):
        model.decode(torch.zeros(1, 2))
    with pytest.raises(ValueError, match="bernoulli"):
        AutoregressiveVAEConfig(likelihood="gaussian")


@pytest.fixture(scope="module")
def collapse_runs():
    """Four seeded test-sized runs on 600 digits (about 5 s): plain ELBO and three mitigations."""
    data = load_digits()
    settings = {"plain": ({}, None), "free_bits": ({"free_bits": 0.25}, None),
                "beta": ({"beta": 0.2}, None), "weaker_decoder": ({}, 0)}
    results = {}
    for name, (hyper, context) in settings.items():
        config = AutoregressiveVAEConfig(latent_dim=4, hidden_dims=(64,), decoder_hidden=32, context=context)
        model = AutoregressiveVAE(config, seed=0)
        history = fit(model, data.x_train[:600], data.x_test, epochs=4, batch_size=50, lr=3e-3, seed=0,
                      progress=False, **hyper)
        mu, _ = encode_data(model, data.x_test)
        results[name] = (history.test_kl[-1], active_units(mu))
    return results


def test_plain_elbo_collapses_the_posterior(collapse_runs):
    kl, units = collapse_runs["plain"]
    assert kl < 0.1 and units <= 2


@pytest.mark.parametrize("mitigation", ["free_bits", "beta", "weaker_decoder"])
def test_mitigations_keep_the_latent_in_use(collapse_runs, mitigation):
    kl, units = collapse_runs[mitigation]
    plain_kl, _ = collapse_runs["plain"]
    assert kl > 0.3 and kl > 5 * plain_kl and units >= 3
