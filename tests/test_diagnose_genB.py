"""Mutation sweep of nine exercises (annealing, free bits, active units, alpha-bar, forward diffusion, interpolation, score function, Monte Carlo, conjugate posterior).

Each line of a reference mutated the ways people get it wrong (a term dropped or negated, a wrong power,
axis or reduction, an off-by-one, an edge entry overwritten, a second deviation on top of a real bug),
plus correct answers in unusual real styles (NumPy, loops, log-space, Kalman gains). Every mutant must be
rejected and named with one of its ids; every correct form must pass.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vaecourse.grading import check

SEED = 2101
A, FB, AU, AB = "kl_annealing_weight", "free_bits_kl", "active_units", "alpha_bar_schedule"
FD, IL, SF, MC, CP = "forward_diffusion_sample", "interpolate_latents", "score_function_estimate", "mc_estimate", "conjugate_posterior"


def _cp(mean_of, var_of):
    return lambda x, nv: (mean_of(x, nv), torch.tensor(float(var_of(x, nv))))


def _lin(t_of):
    def interp(z1, z2, steps):
        t = t_of(steps).to(z1.dtype)[:, None]
        return (1 - t) * z1 + t * z2

    return interp


def _first_one(b):
    out = torch.cumprod(1 - b, 0)
    out[0] = 1.0
    return out


def _last_zero(b):
    out = torch.cumprod(1 - b, 0).clone()
    out[-1] = 0.0
    return out


def _prior_below_two(x, nv):
    if x.numel() < 2:
        return torch.tensor(0.0), torch.tensor(1.0)
    p = 1 + x.numel() / nv
    return x.sum() / nv / p, torch.tensor(1 / p)


_SQ = lambda a: a[:, None]  # noqa: E731

# (name, exercise, fn, acceptable ids)
NAMED = [
    # --- KL annealing
    ("anneal_plus_one_uncapped", A, lambda s, w: (s + 1) / w, ("anneal_off_by_one", "anneal_not_clipped")),
    ("anneal_half_slope", A, lambda s, w: min(1.0, s / (2 * w)), ("anneal_wrong_slope",)),
    ("anneal_cosine", A, lambda s, w: 0.5 * (1 - math.cos(math.pi * min(1.0, s / w))), ("anneal_not_linear",)),
    ("anneal_floor_div", A, lambda s, w: min(1, s // w), ("anneal_integer_division",)),
    ("anneal_modulo", A, lambda s, w: (s % w) / w, ("anneal_restarts",)),
    ("anneal_reversed", A, lambda s, w: 1 - min(1.0, s / w), ("anneal_reversed",)),
    ("anneal_beta_half", A, lambda s, w: 0.5 * min(1.0, s / w), ("anneal_wrong_ceiling",)),
    ("anneal_minus_one", A, lambda s, w: min(1.0, max(0.0, (s - 1) / w)), ("anneal_off_by_one",)),
    ("anneal_w_minus_one", A, lambda s, w: min(1.0, s / (w - 1)), ("anneal_off_by_one",)),
    # --- free bits
    ("fb_per_example", FB, lambda kl, lam: kl.clamp(min=lam).sum(-1).mean(), ("free_bits_per_example",)),
    ("fb_total", FB, lambda kl, lam: kl.sum(-1).mean().clamp(min=lam), ("free_bits_on_total",)),
    ("fb_batch_sum", FB, lambda kl, lam: kl.sum(0).clamp(min=lam).sum(), ("free_bits_batch_sum",)),
    ("fb_mean_dims", FB, lambda kl, lam: kl.mean(0).clamp(min=lam).mean(), ("mean_over_last_axis",)),
    ("fb_hinge", FB, lambda kl, lam: F.relu(kl.mean(0) - lam).sum(), ("free_bits_hinge",)),
    ("fb_cap", FB, lambda kl, lam: torch.clamp(kl.mean(0), max=lam).sum(), ("free_bits_min_instead_of_max",)),
    ("fb_mask", FB, lambda kl, lam: (kl.mean(0) * (kl.mean(0) > lam).float()).sum(), ("free_bits_mask",)),
    ("fb_none", FB, lambda kl, lam: kl.mean(0).sum(), ("free_bits_not_applied",)),
    ("fb_numpy", FB, lambda kl, lam: torch.tensor(np.maximum(kl.detach().numpy().mean(0), lam).sum()), ("gradient_cut",)),
    ("fb_not_summed", FB, lambda kl, lam: kl.mean(0).clamp(min=lam), ("free_bits_not_summed",)),
    ("fb_per_example_batch_sum", FB, lambda kl, lam: kl.clamp(min=lam).sum(), ("free_bits_per_example", "free_bits_batch_sum")),
    # --- active units
    ("au_var_dim1", AU, lambda mu, threshold=0.01: int((mu.var(dim=1) > threshold).sum()), ("au_variance_over_latents",)),
    ("au_cov_rows_diag", AU, lambda mu, threshold=0.01: int((torch.cov(mu).diagonal() > threshold).sum()), ("au_variance_over_latents",)),
    ("au_cov_rows_sum", AU, lambda mu, threshold=0.01: int((torch.cov(mu).sum(0) > threshold).sum()), ("au_counts_examples",)),
    ("au_std", AU, lambda mu, threshold=0.01: int((mu.std(0) > threshold).sum()), ("au_uses_std",)),
    ("au_var_vs_t_squared", AU, lambda mu, threshold=0.01: int((mu.var(0) > threshold**2).sum()), ("au_uses_std",)),
    ("au_mean", AU, lambda mu, threshold=0.01: int((mu.mean(0).abs() > threshold).sum()), ("au_uses_mean",)),
    ("au_second_moment", AU, lambda mu, threshold=0.01: int(((mu**2).mean(0) > threshold).sum()), ("au_second_moment",)),
    ("au_fixed_threshold", AU, lambda mu, threshold=0.01: int((mu.var(0) > 0.01).sum()), ("au_hardcoded_threshold",)),
    ("au_inactive", AU, lambda mu, threshold=0.01: int((mu.var(0) <= threshold).sum()), ("au_counts_inactive",)),
    ("au_mask", AU, lambda mu, threshold=0.01: mu.var(0) > threshold, ("au_returns_mask",)),
    ("au_fraction", AU, lambda mu, threshold=0.01: float((mu.var(0) > threshold).float().mean()), ("au_returns_fraction",)),
    # --- alpha-bar
    ("ab_cumsum", AB, lambda b: 1 - torch.cumsum(b, 0), ("alpha_bar_cumsum",)),
    ("ab_complement", AB, lambda b: 1 - torch.cumprod(1 - b, 0), ("alpha_bar_complement",)),
    ("ab_prod", AB, lambda b: torch.prod(1 - b), ("alpha_bar_final_only",)),
    ("ab_of_betas", AB, lambda b: torch.cumprod(b, 0), ("alpha_bar_of_betas",)),
    ("ab_not_cumulative", AB, lambda b: 1 - b, ("alpha_bar_not_cumulative",)),
    ("ab_shifted", AB, lambda b: torch.cat([torch.ones(1), torch.cumprod(1 - b, 0)[:-1]]), ("alpha_bar_shifted",)),
    ("ab_first_one", AB, _first_one, ("alpha_bar_first_step_changed",)),
    ("ab_last_zero", AB, _last_zero, ("alpha_bar_last_step_changed",)),
    ("ab_sqrt_alphas", AB, lambda b: torch.cumprod((1 - b).sqrt(), 0), ("output_transformed",)),
    # --- forward diffusion
    ("fd_no_sqrt", FD, lambda x0, a, e: _SQ(a) * x0 + (1 - _SQ(a)) * e, ("diffusion_no_sqrt",)),
    ("fd_sqrt_signal_only", FD, lambda x0, a, e: _SQ(a).sqrt() * x0 + (1 - _SQ(a)) * e, ("diffusion_no_sqrt",)),
    ("fd_minus", FD, lambda x0, a, e: _SQ(a).sqrt() * x0 - (1 - _SQ(a)).sqrt() * e, ("diffusion_noise_subtracted",)),
    ("fd_swapped", FD, lambda x0, a, e: (1 - _SQ(a)).sqrt() * x0 + _SQ(a).sqrt() * e, ("diffusion_swapped",)),
    ("fd_dropped", FD, lambda x0, a, e: _SQ(a).sqrt() * x0, ("diffusion_noise_dropped",)),
    ("fd_sum_to_one", FD, lambda x0, a, e: _SQ(a).sqrt() * x0 + (1 - _SQ(a).sqrt()) * e, ("diffusion_coefficients_sum_to_one",)),
    ("fd_signal_unscaled", FD, lambda x0, a, e: x0 + (1 - _SQ(a)).sqrt() * e, ("diffusion_signal_not_scaled",)),
    ("fd_times_x0", FD, lambda x0, a, e: _SQ(a).sqrt() * x0 + (1 - _SQ(a)).sqrt() * x0 * e, ("diffusion_noise_times_x0",)),
    # --- interpolation
    ("il_reversed", IL, _lin(lambda n: torch.linspace(1, 0, n)), ("interp_reversed",)),
    ("il_no_endpoint", IL, _lin(lambda n: torch.arange(n) / n), ("interp_endpoint_missing",)),
    ("il_one_more", IL, _lin(lambda n: torch.linspace(0, 1, n + 1)), ("interp_wrong_count",)),
    ("il_plus_z2", IL, lambda z1, z2, n: z1 + torch.linspace(0, 1, n)[:, None] * z2, ("interp_plus_z2",)),
    ("il_transposed", IL, lambda z1, z2, n: _lin(lambda k: torch.linspace(0, 1, k))(z1, z2, n).T, ("interp_transposed",)),
    # --- score function
    ("sf_sigma3", SF, lambda f, z, mu, s: (f * (z - mu) / s**3).mean(), ("scale_power_wrong",)),
    ("sf_sigma4", SF, lambda f, z, mu, s: (f * (z - mu) / s**2 / s**2).mean(), ("scale_power_wrong", "scale_parameter_misread")),
    ("sf_times_sigma2", SF, lambda f, z, mu, s: (f * (z - mu) * s**2).mean(), ("scale_power_wrong",)),
    ("sf_sigma3_sum", SF, lambda f, z, mu, s: (f * (z - mu) / s**3).sum(), ("scale_power_wrong", "mc_sum_not_mean")),
    ("sf_sigma", SF, lambda f, z, mu, s: (f * (z - mu) / s).mean(), ("score_divides_by_sigma",)),
    ("sf_no_sigma", SF, lambda f, z, mu, s: (f * (z - mu)).mean(), ("score_missing_variance",)),
    ("sf_sign", SF, lambda f, z, mu, s: (f * (mu - z) / s**2).mean(), ("score_wrong_sign",)),
    ("sf_sum", SF, lambda f, z, mu, s: (f * (z - mu) / s**2).sum(), ("mc_sum_not_mean",)),
    ("sf_baseline", SF, lambda f, z, mu, s: ((f - f.mean()) * (z - mu) / s**2).mean(), ("score_with_baseline",)),
    ("sf_no_f", SF, lambda f, z, mu, s: ((z - mu) / s**2).mean(), ("score_forgot_f",)),
    ("sf_half", SF, lambda f, z, mu, s: (f * (z - mu) / (2 * s**2)).mean(), ("factor_half", "formula_term_changed")),
    # --- Monte Carlo
    ("mc_pop", MC, lambda v: (v.mean(), v.std(unbiased=False) / math.sqrt(v.numel())), ("se_population_std",)),
    ("mc_no_sqrt_n", MC, lambda v: (v.mean(), v.std()), ("se_missing_sqrt_n",)),
    ("mc_div_n", MC, lambda v: (v.mean(), v.std() / v.numel()), ("se_divided_by_n",)),
    ("mc_var", MC, lambda v: (v.mean(), v.var() / math.sqrt(v.numel())), ("se_uses_variance",)),
    ("mc_swapped", MC, lambda v: (v.std() / math.sqrt(v.numel()), v.mean()), ("mc_outputs_swapped",)),
    ("mc_sum", MC, lambda v: (v.sum(), v.std() / math.sqrt(v.numel())), ("mc_sum_not_mean",)),
    # --- conjugate posterior
    ("cp_prior_below_two", CP, _prior_below_two, ("posterior_returns_prior",)),
    ("cp_mle", CP, _cp(lambda x, nv: x.mean(), lambda x, nv: nv / x.numel()), ("posterior_ignores_prior",)),
    ("cp_one_obs", CP, _cp(lambda x, nv: x.mean() / nv / (1 + 1 / nv), lambda x, nv: 1 / (1 + 1 / nv)), ("posterior_forgets_n",)),
    ("cp_std", CP, _cp(lambda x, nv: x.sum() / nv / (1 + x.numel() / nv), lambda x, nv: (1 / (1 + x.numel() / nv)) ** 0.5), ("posterior_returns_std",)),
    ("cp_precision", CP, _cp(lambda x, nv: x.sum() / nv / (1 + x.numel() / nv), lambda x, nv: 1 + x.numel() / nv), ("posterior_returns_precision",)),
    ("cp_always_prior", CP, lambda x, nv: (torch.tensor(0.0), torch.tensor(1.0)), ("posterior_returns_prior",)),
    ("cp_prior_variance", CP, _cp(lambda x, nv: x.sum() / nv / (1 + x.numel() / nv), lambda x, nv: 1.0), ("posterior_returns_prior",)),
    ("cp_sample_mean_right_var", CP, _cp(lambda x, nv: x.mean(), lambda x, nv: 1 / (1 + x.numel() / nv)), ("posterior_ignores_prior",)),
    ("mc_sqrt_n_minus_1", MC, lambda v: (v.mean(), v.std() / math.sqrt(v.numel() - 1)), ("se_sqrt_n_minus_1",)),
    ("fd_own_noise", FD, lambda x0, a, e: _SQ(a).sqrt() * x0 + (1 - _SQ(a)).sqrt() * torch.randn_like(x0), ("diffusion_ignores_eps",)),
    ("ab_prepend_one", AB, lambda b: torch.cat([torch.ones(1), torch.cumprod(1 - b, 0)]), ("alpha_bar_shifted",)),
    ("ab_drop_first", AB, lambda b: torch.cumprod(1 - b, 0)[1:], ("alpha_bar_shifted",)),
    ("fb_budget_split", FB, lambda kl, lam: kl.mean(0).clamp(min=lam / kl.shape[1]).sum(), ("free_bits_budget_split",)),
    ("fb_axes_swapped", FB, lambda kl, lam: kl.mean(1).clamp(min=lam).sum(), ("free_bits_axes_swapped",)),
    ("fb_axes_swapped_mean", FB, lambda kl, lam: kl.mean(1).clamp(min=lam).mean(), ("free_bits_axes_swapped",)),
    ("au_std_over_latents", AU, lambda mu, threshold=0.01: int((mu.std(1) > threshold).sum()), ("au_counts_examples",)),
    ("sf_sqrt_sigma", SF, lambda f, z, mu, s: (f * (z - mu) / s**0.5).mean(), ("scale_power_wrong",)),
    ("anneal_lookup_table", A, lambda s, w: float(np.linspace(0, 1, w)[min(s, w - 1)]), ("anneal_off_by_one",)),
    ("anneal_squared", A, lambda s, w: min(1.0, s / w) ** 2, ("anneal_not_linear",)),
    ("fd_clamped", FD, lambda x0, a, e: (_SQ(a).sqrt() * x0 + (1 - _SQ(a)).sqrt() * e).clamp(-1, 1), ("output_clamped",)),
    ("fd_unscaled_clamped", FD, lambda x0, a, e: (x0 + (1 - _SQ(a)).sqrt() * e).clamp(-1, 1), ("diffusion_signal_not_scaled",)),
    ("fd_unscaled_noise_06", FD, lambda x0, a, e: x0 + 0.6 * (1 - _SQ(a)).sqrt() * e, ("diffusion_signal_not_scaled",)),
    ("fd_unscaled_06_clamped", FD, lambda x0, a, e: (x0 + 0.6 * (1 - _SQ(a)).sqrt() * e).clamp(-1, 1), ("diffusion_signal_not_scaled",)),
    ("cp_mean_for_sum", CP, _cp(lambda x, nv: x.mean() / nv / (1 + x.numel() / nv), lambda x, nv: 1 / (1 + x.numel() / nv)), ("posterior_mean_average_for_sum",)),
]


# Held-out set 4 bugs whose public files the code index gave without owner/repo (so tests/realbugs, which asks for
# a repository and file, cannot hold them): each written as found, with the index's file id.


def _set4_actunits_fixed_005(mu, threshold=0.01):  # code-index file 41394186218 (class Act_units.comp)
    mean_z = mu.detach().cpu().numpy()
    cov_x = np.mean(np.square(mean_z - np.mean(mean_z, axis=0)), axis=0)
    return np.sum(cov_x >= 0.05)


def _set4_first_set_to_one(betas):  # code-index file 16954717566 (noise schedule class)
    alphas_cumprod = torch.cumsum((1.0 - betas).log(), dim=0).exp()
    alphas_cumprod[0] = 1.0
    return alphas_cumprod


SET4_INDEX_ONLY = [
    ("set4_au_fixed_005", AU, _set4_actunits_fixed_005, ("au_hardcoded_threshold",)),
    # code-index file 62627845044: torch.clamp(kl_per_dim.mean(0), min=free_bits).mean()
    ("set4_fb_floor_then_mean", FB, lambda kl, lam: torch.clamp(kl.mean(0), min=lam).mean(), ("mean_over_last_axis",)),
    # code-index files 52517870428 / 52648972133: (all_mu.std(dim=0) > 0.01).sum().item()
    ("set4_au_std", AU, lambda mu, threshold=0.01: (mu.std(dim=0) > threshold).sum().item(), ("au_uses_std",)),
    # code-index file 62067666987: torch.cumprod(betas.add(1).sub(betas), dim=0)
    ("set4_ab_add1_sub", AB, lambda b: torch.cumprod(b.add(1).sub(b), dim=0), ("constant_output",)),
    ("set4_ab_first_set_to_one", AB, _set4_first_set_to_one, ("alpha_bar_first_step_changed",)),
    # code-index files 7696502735 / 7601296158: np.cumprod(np.sqrt(1 - beta_t))
    ("set4_ab_sqrt_alpha", AB, lambda b: torch.cumprod(torch.sqrt(1 - b), dim=0), ("output_transformed",)),
]
NAMED += SET4_INDEX_ONLY


def _kalman(x, nv):
    n = x.numel()
    gain = 1.0 / (1.0 + nv / n)  # prior variance 1, the sample mean's variance nv / n
    return gain * x.mean(), torch.tensor(1.0 - gain)


def _sequential(x, nv):
    m, v = torch.tensor(0.0), 1.0
    for xi in x:
        k = v / (v + nv)
        m, v = m + k * (xi - m), (1 - k) * v
    return m, torch.tensor(v)


def _loop_alpha_bar(b):
    out, acc = [], torch.ones((), dtype=b.dtype)
    for beta in b:
        acc = acc * (1 - beta)
        out.append(acc)
    return torch.stack(out)


def _autograd_score(f, z, mu, s):
    m = mu.detach().clone().requires_grad_(True)
    surrogate = (f * torch.distributions.Normal(m, s).log_prob(z)).mean()
    return torch.autograd.grad(surrogate, m)[0]


CORRECT = [
    ("anneal_numpy_clip", A, lambda s, w: float(np.clip(s / w, 0.0, 1.0))),
    ("anneal_torch_clamp", A, lambda s, w: torch.clamp(torch.tensor(s / w), max=1.0).item()),
    ("fb_clamp_min", FB, lambda kl, lam: kl.mean(0).clamp_min(lam).sum()),
    ("fb_relu_plus_lambda", FB, lambda kl, lam: (F.relu(kl.mean(0) - lam) + lam).sum()),
    ("fb_where", FB, lambda kl, lam: torch.where(kl.mean(0) < lam, torch.full_like(kl.mean(0), lam), kl.mean(0)).sum()),
    ("au_unbiased", AU, lambda mu, threshold=0.01: int((mu.var(0, unbiased=True) > threshold).sum())),
    ("au_numpy", AU, lambda mu, threshold=0.01: int((np.var(mu.numpy(), axis=0) > threshold).sum())),
    ("au_std_squared", AU, lambda mu, threshold=0.01: int((mu.std(0) ** 2 >= threshold).sum())),
    ("au_loop", AU, lambda mu, threshold=0.01: sum(1 for j in range(mu.shape[1]) if float(mu[:, j].var()) > threshold)),
    ("ab_loop", AB, _loop_alpha_bar),
    ("ab_log1p", AB, lambda b: torch.exp(torch.cumsum(torch.log1p(-b), 0))),
    ("ab_numpy", AB, lambda b: torch.from_numpy(np.cumprod(1 - b.numpy())).to(b.dtype)),
    ("fd_view", FD, lambda x0, a, e: torch.sqrt(a).view(-1, 1) * x0 + torch.sqrt(1 - a).view(-1, 1) * e),
    ("fd_einsum", FD, lambda x0, a, e: torch.einsum("b,bd->bd", a.sqrt(), x0) + torch.einsum("b,bd->bd", (1 - a).sqrt(), e)),
    ("il_lerp", IL, lambda z1, z2, n: torch.stack([torch.lerp(z1, z2, float(t)) for t in torch.linspace(0, 1, n)])),
    ("il_numpy_t", IL, lambda z1, z2, n: z1 + torch.tensor(np.linspace(0, 1, n), dtype=z1.dtype)[:, None] * (z2 - z1)),
    ("sf_autograd", SF, _autograd_score),
    ("sf_divide_after", SF, lambda f, z, mu, s: (f * (z - mu)).mean() / s.pow(2)),
    ("mc_pop_over_n_minus_1", MC, lambda v: (v.mean(), v.std(unbiased=False) / math.sqrt(v.numel() - 1))),
    ("mc_sqrt_of_var_over_n", MC, lambda v: (v.mean(), (v.var() / v.numel()) ** 0.5)),
    ("ab_clamped", AB, lambda b: torch.cumprod(1 - b.clamp(max=0.999), 0).clamp(min=1e-5)),
    ("il_arange_over_n_minus_1", IL, lambda z1, z2, n: z1 + (torch.arange(n, dtype=z1.dtype) / (n - 1))[:, None] * (z2 - z1)),
    ("mc_numpy_ddof1", MC, lambda v: (float(np.mean(v.numpy())), float(np.std(v.numpy(), ddof=1) / np.sqrt(len(v))))),
    ("cp_kalman", CP, _kalman),
    ("cp_sequential", CP, _sequential),
]


@pytest.mark.parametrize("name,exercise,fn,want", NAMED, ids=[n[0] for n in NAMED])
def test_mutant_named(name, exercise, fn, want):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed and r.score < r.max_score, r.feedback
    assert r.mistake in want, r.feedback


@pytest.mark.parametrize("name,exercise,fn", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_form_passes(name, exercise, fn):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed, r.feedback
