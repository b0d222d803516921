"""Every generator's stated answer, checked by a second route: torch.distributions, enumeration, quadrature,
exact decimal arithmetic, finite differences, the step-by-step recursion, or Monte Carlo with an SE tolerance."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal, getcontext

import pytest
import torch
from torch.distributions import Bernoulli, Categorical, Normal, kl_divergence

from vaecourse.practice import LEVELS, draw_variant

SEEDS = range(15)


def _variants(skill):
    for level in LEVELS:
        for seed in SEEDS:
            yield draw_variant(skill, level, seed)


def _answer(variant):
    return variant._solved().answer  # a tuple, without revealing the variant


def _close(got, want, rel=1e-9, abs_=1e-9):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=rel, abs=abs_)


def test_gaussian_kl_matches_torch_distributions():
    for v in _variants("gaussian_kl"):
        i = v.inputs
        if "variance" in i:
            std = torch.tensor(i["variance"], dtype=torch.float64).sqrt()
        elif "std" in i:
            std = torch.tensor(i["std"], dtype=torch.float64)
        else:
            std = torch.tensor(i["logvar"], dtype=torch.float64).mul(0.5).exp()
        q = Normal(torch.tensor(i["mu"], dtype=torch.float64), std)
        p = Normal(torch.zeros_like(std), torch.ones_like(std))
        _close(_answer(v), (kl_divergence(q, p).sum().item(),))


def test_reparameterized_sample_is_the_normal_quantile_of_the_noise():
    # z = mu + sigma eps  <=>  Phi_q(z) = Phi(eps): the same quantile of q as eps is of N(0, 1)
    for v in _variants("reparameterized_sample"):
        i = v.inputs
        mu = torch.tensor(i["mu"], dtype=torch.float64)
        if "std" in i:
            std = torch.tensor(i["std"], dtype=torch.float64)
        elif "variance" in i:
            std = torch.tensor(i["variance"], dtype=torch.float64).sqrt()
        else:
            std = torch.tensor(i["logvar"], dtype=torch.float64).mul(0.5).exp()
        eps = torch.tensor(i["eps"], dtype=torch.float64)
        z = Normal(mu, std).icdf(Normal(0.0, 1.0).cdf(eps))
        _close(_answer(v), tuple(z.tolist()), rel=1e-6, abs_=1e-6)


def test_pathwise_gradient_matches_central_finite_differences():
    for v in _variants("pathwise_gradient"):
        i = v.inputs
        second = i.get("sigma", i.get("logvar"))

        def f(mu, other):
            sigma = other if "sigma" in i else math.exp(other / 2)
            return (mu + sigma * i["eps"] - i["c"]) ** 2

        h = 1e-6
        d_mu = (f(i["mu"] + h, second) - f(i["mu"] - h, second)) / (2 * h)
        d_second = (f(i["mu"], second + h) - f(i["mu"], second - h)) / (2 * h)
        _close(_answer(v), (d_mu, d_second), rel=1e-6, abs_=1e-6)


def test_bernoulli_log_likelihood_matches_torch_distributions_or_log_sigmoids():
    for v in _variants("bernoulli_log_likelihood"):
        logits = torch.tensor(v.inputs["logits"], dtype=torch.float64)
        x = torch.tensor(v.inputs["x"], dtype=torch.float64)
        if v.features["targets"] == "binary":
            want = Bernoulli(logits=logits).log_prob(x).sum().item()
        else:  # grey targets: x log sigmoid(l) + (1 - x) log sigmoid(-l)
            want = (
                (x * torch.nn.functional.logsigmoid(logits) + (1 - x) * torch.nn.functional.logsigmoid(-logits))
                .sum()
                .item()
            )
        _close(_answer(v), (want,))


def test_conjugate_posterior_matches_numerical_integration():
    for v in _variants("conjugate_posterior"):
        i = v.inputs
        v0 = i["prior_std"] ** 2 if "prior_std" in i else i["v0"]
        s2 = i["noise_std"] ** 2 if "noise_std" in i else i["noise_var"]
        theta = torch.linspace(
            -12, 12, 24_001, dtype=torch.float64
        )  # step 0.001, far below the smallest posterior sd (0.2)
        log_post = Normal(i["m0"], math.sqrt(v0)).log_prob(theta)
        for x in i["x"]:
            log_post = log_post + Normal(theta, math.sqrt(s2)).log_prob(torch.tensor(x, dtype=torch.float64))
        weights = (log_post - log_post.max()).exp()
        weights = weights / weights.sum()
        mean = (weights * theta).sum().item()
        var = (weights * (theta - mean) ** 2).sum().item()
        _close(_answer(v), (mean, var), rel=1e-6, abs_=1e-7)


def test_monte_carlo_error_matches_the_statistics_module():
    for v in _variants("mc_standard_error"):
        values = v.inputs["values"]
        n, k = len(values), v.inputs["shrink"]
        se = statistics.stdev(values) / math.sqrt(n)
        want = (statistics.fmean(values), se) + ((float(n * k * k),) if k > 1 else ())
        _close(_answer(v), want)
        if k > 1:  # with n k^2 draws of the same spread, the error is k times smaller
            assert statistics.stdev(values) / math.sqrt(want[2]) == pytest.approx(se / k)


def test_discrete_kl_matches_torch_distributions():
    for v in _variants("discrete_kl"):
        q, p = (Categorical(probs=torch.tensor(v.inputs[n], dtype=torch.float64)) for n in ("q", "p"))
        want = (kl_divergence(q, p).item(),) + ((kl_divergence(p, q).item(),) if v.level == "hard" else ())
        _close(_answer(v), want)


def test_discrete_elbo_by_enumeration_and_the_tightness_identity():
    for v in _variants("discrete_elbo"):
        prior, lik, q = v.inputs["prior"], v.inputs["likelihood"], v.inputs["q"]
        recon = sum(qz * math.log(lz) for qz, lz in zip(q, lik))
        kl = sum(qz * math.log(qz / pz) for qz, pz in zip(q, prior))
        evidence = sum(pz * lz for pz, lz in zip(prior, lik))
        posterior = [pz * lz / evidence for pz, lz in zip(prior, lik)]
        gap = kl_divergence(
            Categorical(probs=torch.tensor(q, dtype=torch.float64)),
            Categorical(probs=torch.tensor(posterior, dtype=torch.float64)),
        ).item()
        want = (recon, kl) + ((gap,) if v.level == "hard" else ())
        _close(_answer(v), want)
        assert recon - kl + gap == pytest.approx(math.log(evidence))  # log p(x) = ELBO + KL(q || posterior)


def test_elbo_from_samples_by_hand():
    for v in _variants("elbo_from_samples"):
        i = v.inputs
        if "px" in i:
            rows = [math.log(a) + math.log(b) - math.log(c) for a, b, c in zip(i["px"], i["pz"], i["qz"])]
        else:
            rows = [a + b - c for a, b, c in zip(i["log_px"], i["log_pz"], i["log_qz"])]
        _close(_answer(v), (sum(rows) / len(rows),))


def test_iwae_bound_matches_exact_decimal_arithmetic():
    getcontext().prec = 50
    for v in _variants("iwae_bound"):
        log_w = v.inputs["log_w"]
        total = sum(Decimal(w).exp() for w in log_w)  # no overflow in Decimal, even for log-weights near -120
        bound = float((total / len(log_w)).ln())
        want = (bound,) + ((statistics.fmean(log_w),) if v.level != "easy" else ())
        _close(_answer(v), want)
        assert bound >= statistics.fmean(log_w)  # Jensen: the IWAE bound is above the ELBO estimate


def test_reported_elbo_by_hand():
    for v in _variants("reported_elbo"):
        i = v.inputs
        weight = i["beta"] * (min(1.0, i["step"] / i["warmup"]) if i["warmup"] else 1.0)
        objective = statistics.fmean(r - weight * k for r, k in zip(i["recon"], i["kl"]))
        elbo = statistics.fmean(r - k for r, k in zip(i["recon"], i["kl"]))
        _close(_answer(v), (objective, elbo))


def test_free_bits_by_hand():
    for v in _variants("free_bits"):
        rows, floor = v.inputs["kl"], v.inputs["floor"]
        means = [statistics.fmean(column) for column in zip(*rows)]
        _close(_answer(v), (sum(max(floor, m) for m in means),))


def test_kl_annealing_by_hand():
    for v in _variants("kl_annealing"):
        i = v.inputs
        if "cycle" in i:
            weight = min(1.0, (i["step"] % i["cycle"]) / (i["ramp"] * i["cycle"]))
        else:
            weight = min(1.0, i["step"] / i["warmup"])
        _close(_answer(v), (weight, i["recon"] - weight * i["kl"]))


def test_diffusion_marginal_matches_the_step_by_step_recursion():
    for v in _variants("diffusion_marginal"):
        i = v.inputs
        betas = [i["beta_1"] + (i["beta_T"] - i["beta_1"]) * s / (i["T"] - 1) for s in range(i["T"])]
        mean, var = 1.0, 0.0  # of x_s given x_0 = 1: x_s = sqrt(1 - b) x_(s-1) + sqrt(b) eps
        for b in betas[: i["t"]]:
            mean, var = math.sqrt(1 - b) * mean, (1 - b) * var + b
        want = (mean, var) + ((mean * i["x0"] + math.sqrt(var) * i["eps"],) if v.level == "hard" else ())
        _close(_answer(v), want)


def test_diffusion_marginal_by_monte_carlo():
    # run the forward chain itself on many draws: the moments of x_t match the stated answer within 5 SE
    v = draw_variant("diffusion_marginal", "medium", 0)
    i = v.inputs
    betas = torch.linspace(i["beta_1"], i["beta_T"], i["T"], dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    n, x0 = 200_000, 1.5
    x = torch.full((n,), x0, dtype=torch.float64)
    for b in betas[: i["t"]]:
        x = (1 - b).sqrt() * x + b.sqrt() * torch.randn(n, generator=g, dtype=torch.float64)
    mean_factor, variance = v._solved().answer
    assert abs(x.mean().item() - mean_factor * x0) < 5 * math.sqrt(variance / n)
    assert abs(x.var().item() - variance) < 5 * variance * math.sqrt(2 / n)
