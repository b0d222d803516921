"""Tests of vaecourse.models.ddpm and vaecourse.training.diffusion: the schedule, the closed-form forward process (by Monte Carlo), training and sampling."""

import math

import pytest
import torch

from vaecourse.models.ddpm import (
    EpsilonMLP,
    NoiseSchedule,
    ddpm_loss,
    linear_schedule,
    q_posterior,
    q_sample,
    sample_ddpm,
)
from vaecourse.training.diffusion import train_ddpm
from vaecourse.data.toy2d import two_moons

torch.set_num_threads(1)


def test_linear_schedule_and_derived_quantities():
    schedule = linear_schedule(50)
    assert schedule.num_steps == 50
    assert schedule.betas[0].item() == pytest.approx(2e-3) and schedule.betas[-1].item() == pytest.approx(0.4)
    product, expected = 1.0, []
    for beta in schedule.betas.tolist():
        product *= 1 - beta
        expected.append(product)
    torch.testing.assert_close(schedule.alphas_bar, torch.tensor(expected))
    assert schedule.alphas_bar[-1] < 1e-4  # the data are forgotten by step T
    with pytest.raises(ValueError, match="beta_start <= beta_end"):
        linear_schedule(10, beta_start=0.5, beta_end=0.1)


def test_q_sample_with_given_noise_is_the_closed_form():
    schedule = linear_schedule(20)
    x0, eps = torch.randn(5, 2), torch.randn(5, 2)
    t = torch.tensor([1, 5, 10, 15, 20])
    alpha_bar = schedule.alphas_bar[t - 1].unsqueeze(1)
    torch.testing.assert_close(q_sample(x0, t, schedule, eps), alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * eps)
    with pytest.raises(ValueError, match="t must lie in 1..20"):
        q_sample(x0, torch.tensor([0, 1, 2, 3, 4]), schedule)
    with pytest.raises(TypeError, match="integer tensor"):
        q_sample(x0, torch.ones(5), schedule)


@pytest.mark.parametrize("t", [1, 7, 25])
def test_forward_marginal_matches_step_by_step_simulation(t):
    """Run q(x_s | x_{s-1}) = N(sqrt(1 - beta_s) x_{s-1}, beta_s) t times and compare moments with the closed form."""
    schedule = linear_schedule(25)
    n = 40_000
    generator = torch.Generator().manual_seed(t)
    x0 = torch.tensor([1.5, -0.5])
    x = x0.expand(n, 2).clone()
    for beta in schedule.betas[:t].tolist():
        x = math.sqrt(1 - beta) * x + math.sqrt(beta) * torch.randn(n, 2, generator=generator)
    alpha_bar = schedule.alphas_bar[t - 1].item()
    mean, var = math.sqrt(alpha_bar) * x0, 1 - alpha_bar
    mean_se = math.sqrt(var / n)
    var_se = var * math.sqrt(2 / (n - 1))  # sd of a Gaussian sample variance
    assert bool(((x.mean(0) - mean).abs() < 4 * mean_se).all())
    assert bool(((x.var(0) - var).abs() < 4 * var_se).all())
    # and the one-shot sampler has the same moments
    one_shot = q_sample(x0.expand(n, 2), torch.full((n,), t), schedule,
                        eps=torch.randn(n, 2, generator=generator))
    assert bool(((one_shot.mean(0) - mean).abs() < 4 * mean_se).all())
    assert bool(((one_shot.var(0) - var).abs() < 4 * var_se).all())


def test_q_posterior_is_bayes_rule_for_one_gaussian_step():
    schedule = linear_schedule(30)
    x0, xt = torch.randn(4, 2), torch.randn(4, 2)
    t = torch.tensor([2, 3, 17, 30])
    mean, logvar = q_posterior(x0, xt, t, schedule)
    ab_prev = schedule.alphas_bar[t - 2].unsqueeze(1)
    alpha, beta = schedule.alphas[t - 1].unsqueeze(1), schedule.betas[t - 1].unsqueeze(1)
    # prior x_{t-1} ~ N(sqrt(ab_prev) x0, 1 - ab_prev); likelihood x_t ~ N(sqrt(alpha) x_{t-1}, beta)
    precision = 1 / (1 - ab_prev) + alpha / beta
    expected_mean = (ab_prev.sqrt() * x0 / (1 - ab_prev) + alpha.sqrt() * xt / beta) / precision
    torch.testing.assert_close(mean, expected_mean, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(logvar, (1 / precision).log().expand(4, 2), rtol=1e-4, atol=1e-5)
    first_mean, _ = q_posterior(x0, xt, torch.ones(4, dtype=torch.long), schedule)
    torch.testing.assert_close(first_mean, x0)  # at t = 1 the posterior is the data point itself


def test_loss_with_given_steps_and_noise():
    schedule = linear_schedule(10)
    model = EpsilonMLP(hidden=16, num_layers=2)
    x0, eps, t = torch.randn(6, 2), torch.randn(6, 2), torch.arange(1, 7)
    loss = ddpm_loss(model, x0, schedule, t=t, eps=eps)
    expected = (eps - model(q_sample(x0, t, schedule, eps), t)).pow(2).sum(-1)
    torch.testing.assert_close(loss, expected)
    assert model.time_embedding(t).shape == (6, 32)
    with pytest.raises(ValueError, match="even"):
        EpsilonMLP(time_dim=7)


class GaussianOracle(torch.nn.Module):
    """The exact noise predictor for data x0 ~ N(m, s^2 I): E[eps | x_t] = sqrt(1-ab)(x_t - sqrt(ab) m) / (ab s^2 + 1 - ab)."""

    def __init__(self, mean, std, schedule):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # sample_ddpm reads the device from the parameters
        self.mean, self.std, self.alphas_bar = mean, std, schedule.alphas_bar

    def slope(self, t):
        ab = self.alphas_bar[t - 1]
        return (1 - ab).sqrt() / (ab * self.std**2 + 1 - ab)

    def forward(self, xt, t):
        ab = self.alphas_bar[t - 1].unsqueeze(-1)
        return self.slope(t).unsqueeze(-1) * (xt - ab.sqrt() * self.mean)


@pytest.mark.parametrize("variance", ["beta", "posterior"])
def test_ancestral_sampling_with_the_exact_noise_predictor(variance):
    """With a linear noise predictor every sampling step is linear-Gaussian, so the output's mean and
    variance follow an exact recursion; the sampler's draws must match it within standard errors."""
    schedule, mean, std, n = linear_schedule(100), torch.tensor([1.0, -2.0]), 0.5, 20_000
    oracle = GaussianOracle(mean, std, schedule)
    samples = sample_ddpm(oracle, schedule, n, seed=0, variance=variance)
    sigmas2 = schedule.betas if variance == "beta" else schedule.posterior_variances
    m, v = torch.zeros(2, dtype=torch.float64), 1.0  # x_T ~ N(0, I)
    for t in range(schedule.num_steps, 0, -1):
        beta, alpha, ab = (float(q[t - 1]) for q in (schedule.betas, schedule.alphas, schedule.alphas_bar))
        c = float(oracle.slope(torch.tensor(t))) * beta / math.sqrt(1 - ab)
        a = (1 - c) / math.sqrt(alpha)  # x_{t-1} = a x_t + c sqrt(ab) m / sqrt(alpha) + sigma z
        m = a * m + c * math.sqrt(ab) * mean.double() / math.sqrt(alpha)
        v = a * a * v + (float(sigmas2[t - 1]) if t > 1 else 0.0)
    assert bool(((samples.mean(0).double() - m).abs() < 4 * math.sqrt(v / n)).all())
    assert bool(((samples.var(0).double() - v).abs() < 4 * v * math.sqrt(2 / (n - 1))).all())
    assert abs(m - mean.double()).max() < 1e-3 and abs(math.sqrt(v) - std) < 0.05  # and it is close to the data


def test_training_on_two_moons_moves_samples_onto_the_data():
    data = two_moons(1000, seed=0)
    schedule = linear_schedule(50)
    torch.manual_seed(0)
    model = EpsilonMLP(hidden=64)
    losses = train_ddpm(model, data, schedule, steps=1000, batch_size=256, lr=3e-3, seed=0)
    assert len(losses) == 1000 and sum(losses[-100:]) < 0.8 * sum(losses[:100])
    samples = sample_ddpm(model, schedule, 500, seed=1)
    assert torch.equal(samples, sample_ddpm(model, schedule, 500, seed=1))
    noise = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))

    def nearest(points):
        return torch.cdist(points, data).min(dim=1).values.mean().item()

    assert nearest(samples) < 0.8 * nearest(noise)  # measured: about 0.21 against 0.30 for pure noise
    final, trajectory = sample_ddpm(model, schedule, 10, seed=2, variance="beta", return_trajectory=True)
    assert len(trajectory) == 51 and torch.equal(trajectory[-1], final)


def test_schedule_is_a_plain_dataclass():
    schedule = NoiseSchedule(torch.tensor([0.1, 0.2]))
    torch.testing.assert_close(schedule.posterior_variances, torch.tensor([0.0, 0.2 * 0.1 / (1 - 0.9 * 0.8)]))
