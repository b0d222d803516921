"""Tests of vaecourse.studies.collapse: the value of z in closed form, shared-noise decoding, a seeded comparison."""

import math

import pytest
import torch

from vaecourse import LinearGaussianModel
from vaecourse.models import AutoregressiveVAE, AutoregressiveVAEConfig
from vaecourse.studies.collapse import (
    Mitigation,
    comparison_table,
    latent_value,
    mean_mutual_information,
    pixel_disagreement,
    run_mitigations,
    shared_noise_images,
)
from vaecourse.data import load_digits
from vaecourse.training.diagnostics import mutual_information

torch.set_num_threads(1)
F64 = torch.float64


class ExactPosteriorVAE(torch.nn.Module):
    """A linear-Gaussian model dressed as a VAE: its encoder is the exact posterior (diagonal part)."""

    def __init__(self, model: LinearGaussianModel):
        super().__init__()
        self.model = model

    @property
    def latent_dim(self):
        return self.model.latent_dim

    def encode(self, x, y=None):
        mean, covariance = self.model.posterior(x)
        return mean, torch.log(torch.diagonal(covariance)).expand_as(mean)

    def log_likelihood(self, x, z, y=None):
        return self.model.log_likelihood(x, z)


def test_latent_value_matches_its_closed_form_on_a_linear_gaussian_model():
    """E_{z~N(0,I)} ||x - b - Wz||^2 = ||x - b||^2 + tr(W^T W), so
    V = (||x - b||^2 + tr(W^T W) - ||x - b - W mu||^2) / (2 sigma^2), averaged over x."""
    linear = LinearGaussianModel.random(data_dim=5, latent_dim=2, noise_var=0.5, seed=0)
    x, _ = linear.sample(400, seed=1)
    mu, _ = linear.posterior(x)
    residual = x - linear.bias
    exact = ((residual.pow(2).sum(-1) + linear.weight.pow(2).sum()
              - (residual - mu @ linear.weight.T).pow(2).sum(-1)) / (2 * linear.noise_var)).mean().item()
    estimates = torch.tensor([latent_value(ExactPosteriorVAE(linear), x, num_prior_samples=50, seed=s) for s in range(10)])
    assert abs(estimates.mean().item() - exact) < 4 * estimates.std().item() / math.sqrt(10)
    assert exact > 1.0  # the test is not vacuous: this decoder does use z


def test_latent_value_is_zero_when_the_decoder_ignores_z():
    ignoring = LinearGaussianModel(torch.zeros(5, 2, dtype=F64), torch.ones(5, dtype=F64), 0.5)
    x, _ = ignoring.sample(100, seed=2)
    assert latent_value(ExactPosteriorVAE(ignoring), x) == pytest.approx(0.0, abs=1e-12)


def test_pixel_disagreement_known_answer():
    images = torch.tensor([[0.0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
    assert pixel_disagreement(images) == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    assert pixel_disagreement(images[[1, 1, 1]]) == 0.0
    with pytest.raises(ValueError, match="at least 2 rows"):
        pixel_disagreement(images[:1])


def test_shared_noise_images_differ_only_through_z():
    model = AutoregressiveVAE(AutoregressiveVAEConfig(latent_dim=2, hidden_dims=(8,), decoder_hidden=8), seed=0)
    z = torch.tensor([[0.0, 0.0], [0.0, 0.0], [3.0, -3.0]])
    images = shared_noise_images(model, z, seed=4)
    assert images.shape == (3, 64)
    assert torch.equal(images[0], images[1])  # the same code and the same noise: the same image
    expected = model.decoder.generate(z[2:], torch.Generator().manual_seed(4), mean=False)
    assert torch.equal(images[2], expected[0])
    with torch.no_grad():
        model.decoder.initial_state.weight.zero_()  # now h_0 no longer depends on z
    assert pixel_disagreement(shared_noise_images(model, torch.randn(5, 2), seed=4)) == 0.0


def test_mean_mutual_information_averages_the_seeds():
    mu = torch.randn(50, 3, generator=torch.Generator().manual_seed(5))
    logvar = torch.full((50, 3), -1.0)
    expected = sum(mutual_information(mu, logvar, seed=s) for s in range(3)) / 3
    assert mean_mutual_information(mu, logvar, repeats=3) == pytest.approx(expected)


@pytest.fixture(scope="module")
def comparison():
    """Three arms on 600 digits (a few seconds): the collapsing baseline, a repeat of it, the weaker decoder."""
    data = load_digits()
    small = type(data)(data.x_train[:600], data.y_train[:600], data.x_test, data.y_test, data.image_shape, data.name)
    arms = (Mitigation("plain ELBO"), Mitigation("plain again"), Mitigation("weaker decoder", context=0))
    config = AutoregressiveVAEConfig(latent_dim=4, hidden_dims=(64,), decoder_hidden=32)
    return run_mitigations(small, arms, model_config=config, epochs=4, batch_size=50, lr=3e-3)


def test_the_strong_decoder_collapses_and_the_weaker_one_uses_z(comparison):
    plain, _, weaker = comparison
    assert plain.kl < 0.1 and plain.active_units <= 1 and plain.latent_value < 0.5
    assert weaker.kl > 0.5 and weaker.active_units >= 3 and weaker.latent_value > 5.0  # ten times the margin


def test_arms_with_the_same_settings_are_identical(comparison):
    plain, again, _ = comparison
    assert plain.history.test_elbo == again.history.test_elbo
    assert (plain.kl, plain.active_units, plain.latent_value) == (again.kl, again.active_units, again.latent_value)


def test_comparison_table_lists_every_run(comparison):
    table = comparison_table(comparison)
    assert len(table.splitlines()) == 2 + len(comparison)
    for run in comparison:
        assert run.name in table and f"{run.active_units}/4" in table
