"""Mutation sweep of four exercises whose reference is a sum of terms: each mutant is named right, each correct variant passes.

The mutants are the reference's lines changed the ways people get them wrong (a term dropped, negated,
doubled, a density where its log belongs, the wrong mean, beta kept in the bound, a baseline, the score
averaged apart from f, n - 1 for n, a second deviation on top). ``None`` as the expected name means the
checker must reject the answer and give no name (no true name is known to it); a name means exactly that
name (a tuple: any of those names). ``FRESH`` and ``FRESH_OK`` were written after the families were in place, in
other spellings, to check that they generalise. The correct variants must pass: a family that fires on a correct
answer is a defect.
"""

import math

import numpy as np
import pytest
import torch

from vaecourse.grading import check

SEED = 2101

# --- elbo_from_log_densities(log_px_given_z, log_pz, log_qz): (L, B) -> (B,) -------------------------------
E = "elbo_from_log_densities"
ELBO = {
    "missing_prior": (lambda a, b, c: (a - c).mean(0), "elbo_missing_prior"),
    "plus_log_q": (lambda a, b, c: (a + b + c).mean(0), "elbo_plus_log_q"),
    "q_density": (lambda a, b, c: (a + b - c.exp()).mean(0), "elbo_density_for_log_density"),
    "prior_density": (lambda a, b, c: (a + b.exp() - c).mean(0), "elbo_density_for_log_density"),
    "missing_log_q": (lambda a, b, c: (a + b).mean(0), "elbo_forgot_entropy"),
    "missing_likelihood": (lambda a, b, c: (b - c).mean(0), "elbo_missing_likelihood"),
    "prior_subtracted": (lambda a, b, c: (a - b - c).mean(0), "elbo_prior_sign"),
    "negated": (lambda a, b, c: -(a + b - c).mean(0), "elbo_negated"),
    "sum_over_samples": (lambda a, b, c: (a + b - c).sum(0), "mc_sum_not_mean"),
    "mean_over_batch": (lambda a, b, c: (a + b - c).mean(1), "elbo_averaged_over_batch"),
    "batch_mean": (lambda a, b, c: (a + b - c).mean(), "elbo_batch_mean"),
    "missing_prior_summed": (lambda a, b, c: (a - c).sum(0), "elbo_missing_prior"),
    "q_density_negated": (lambda a, b, c: -(a + b - c.exp()).mean(0), "elbo_density_for_log_density"),
    "q_density_summed": (lambda a, b, c: (a + b - c.exp()).sum(0), "elbo_density_for_log_density"),
    "q_density_numpy": (
        lambda a, b, c: torch.from_numpy((a.detach().numpy() + b.detach().numpy() - np.exp(c.detach().numpy())).mean(0)),
        "elbo_density_for_log_density",
    ),
    "likelihood_twice": (lambda a, b, c: (2 * a + b - c).mean(0), "formula_term_changed"),
    "log_q_added_prior_missing": (lambda a, b, c: (a + c).mean(0), "elbo_plus_log_q"),
    "missing_log_q_summed": (lambda a, b, c: (a + b).sum(0), "elbo_forgot_entropy"),
}
ELBO_OK = {
    "reference_form": lambda a, b, c: (a + b - c).mean(0),
    "three_means": lambda a, b, c: a.mean(0) + b.mean(0) - c.mean(0),
    "sum_over_L": lambda a, b, c: (a + b - c).sum(dim=0) / a.shape[0],
    "torch_sub": lambda a, b, c: torch.mean(torch.sub(a + b, c), dim=0),
    "joint_first": lambda a, b, c: ((a + b) - c).mean(axis=0),
}

# --- evaluation_elbo(recon, kl, beta): (B,) -> (B,) ------------------------------------------------------
V = "evaluation_elbo"
EVAL = {
    "beta_kept": (lambda r, k, beta: r - beta * k, "eval_bound_includes_beta"),
    "training_loss": (lambda r, k, beta: beta * k - r, "eval_reports_training_loss"),
    "negated": (lambda r, k, beta: k - r, "eval_elbo_negated"),
    "kl_added": (lambda r, k, beta: r + k, "kl_added"),
    "batch_mean": (lambda r, k, beta: (r - k).mean(), "eval_batch_mean"),
    "divided_by_batch": (lambda r, k, beta: (r - k) / r.shape[0], "divided_by_batch_size"),
    "kl_missing": (lambda r, k, beta: r.clone(), "eval_missing_kl"),
    "kl_over_beta": (lambda r, k, beta: r - k / beta, "eval_bound_depends_on_beta"),
    "kl_twice": (lambda r, k, beta: r - 2 * k, "formula_term_changed"),
    "beta_kept_divided": (lambda r, k, beta: (r - beta * k) / r.shape[0], "eval_bound_includes_beta"),
    "beta_kept_summed": (lambda r, k, beta: (r - beta * k).sum(), ("eval_batch_mean", "eval_bound_includes_beta")),
    "beta_whole_bound": (lambda r, k, beta: beta * (r - k), "eval_bound_depends_on_beta"),
    "beta_kept_numpy": (lambda r, k, beta: torch.tensor(r.numpy() - beta * k.numpy()), "eval_bound_includes_beta"),
    "beta_added": (lambda r, k, beta: r + beta * k, "kl_added"),
    "negated_divided": (lambda r, k, beta: (k - r) / r.shape[0], ("divided_by_batch_size", "eval_elbo_negated")),
    "loss_with_beta_summed": (lambda r, k, beta: (beta * k - r).sum(), ("eval_batch_mean", "eval_reports_training_loss")),
}
EVAL_OK = {
    "reference_form": lambda r, k, beta: r - k,
    "sub": lambda r, k, beta: torch.sub(r, k),
    "weight_one": lambda r, k, beta: r - 1.0 * k,
    "rate_distortion": lambda r, k, beta: -((-r) + k),
}

# --- score_function_estimate(f_values, z, mu, sigma) -> () ------------------------------------------------
S = "score_function_estimate"


def _score(z, mu, s):
    return (z - mu) / s**2


def _autograd_score(f, z, mu, s):
    m = mu.detach().clone().requires_grad_(True)
    log_q = torch.distributions.Normal(m, s).log_prob(z)
    (g,) = torch.autograd.grad((f.detach() * log_q).mean(), m)
    return g


SCORE = {
    "mean_score_sum_f": (lambda f, z, mu, s: _score(z, mu, s).mean() * f.sum(), "score_averaged_apart_from_f"),
    "mean_f_mean_score": (lambda f, z, mu, s: f.mean() * _score(z, mu, s).mean(), "score_averaged_apart_from_f"),
    "missing_variance": (lambda f, z, mu, s: (f * (z - mu)).mean(), "score_missing_variance"),
    "divides_by_sigma": (lambda f, z, mu, s: (f * (z - mu) / s).mean(), "score_divides_by_sigma"),
    "wrong_sign": (lambda f, z, mu, s: (f * (mu - z) / s**2).mean(), "score_wrong_sign"),
    "sum": (lambda f, z, mu, s: (f * _score(z, mu, s)).sum(), "mc_sum_not_mean"),
    "forgot_f": (lambda f, z, mu, s: _score(z, mu, s).mean(), "score_forgot_f"),
    "baseline": (lambda f, z, mu, s: ((f - f.mean()) * _score(z, mu, s)).mean(), "score_with_baseline"),
    "baseline_wrong_sign": (lambda f, z, mu, s: ((f - f.mean()) * (mu - z) / s**2).mean(), "score_with_baseline"),
    "log_prob_not_score": (
        lambda f, z, mu, s: (f * torch.distributions.Normal(mu, s).log_prob(z)).mean(),
        "score_log_prob_for_score",
    ),
    "loss_negated": (lambda f, z, mu, s: -(f * _score(z, mu, s)).mean(), "score_wrong_sign"),
    "mean_twice": (lambda f, z, mu, s: (f * _score(z, mu, s)).mean() / z.numel(), None),
    "mean_score_sum_f_sign": (lambda f, z, mu, s: -(_score(z, mu, s).mean() * f.sum()), "score_averaged_apart_from_f"),
    # two of the exercise's mistakes at once: either may be named first, the note names the other
    "mean_score_sum_f_sigma": (lambda f, z, mu, s: ((z - mu) / s).mean() * f.sum(), ("score_averaged_apart_from_f", "score_divides_by_sigma")),
    "sum_sigma": (lambda f, z, mu, s: (f * (z - mu) / s).sum(), ("mc_sum_not_mean", "score_divides_by_sigma")),
    "mean_f_mean_score_numpy": (
        lambda f, z, mu, s: torch.tensor(np.mean(f.numpy()) * np.mean(((z - mu) / s**2).numpy())),
        "score_averaged_apart_from_f",
    ),
}
SCORE_OK = {
    "reference_form": lambda f, z, mu, s: (f * (z - mu) / s**2).mean(),
    "variance_outside": lambda f, z, mu, s: (f * (z - mu)).mean() / (s * s),
    "autograd": _autograd_score,
    "torch_mean": lambda f, z, mu, s: torch.mean(f * (z - mu) / s.pow(2)),
}

# --- mc_estimate(values) -> (mean, standard_error) --------------------------------------------------------
M = "mc_estimate"


def _se(v):
    return v.std() / math.sqrt(v.numel())


MC = {
    "mean_divided_twice": (lambda v: (v.sum() / v.numel() / v.numel(), _se(v)), "mc_mean_divided_twice"),
    "mean_divided_twice_floats": (lambda v: (float(v.mean() / len(v)), float(_se(v))), "mc_mean_divided_twice"),
    "std_not_se": (lambda v: (v.mean(), v.std()), "se_missing_sqrt_n"),
    "std_over_n": (lambda v: (v.mean(), v.std() / v.numel()), "se_divided_by_n"),
    "variance": (lambda v: (v.mean(), v.var() / math.sqrt(v.numel())), "se_uses_variance"),
    "population_std": (lambda v: (v.mean(), v.std(unbiased=False) / math.sqrt(v.numel())), "se_population_std"),
    "sum_not_mean": (lambda v: (v.sum(), _se(v)), "mc_sum_not_mean"),
    "se_sqrt_n_minus_1": (lambda v: (v.mean(), v.std() / math.sqrt(v.numel() - 1)), "se_sqrt_n_minus_1"),
    "swapped": (lambda v: (_se(v), v.mean()), "mc_outputs_swapped"),
    "mean_over_n_minus_1": (lambda v: (v.sum() / (v.numel() - 1), _se(v)), "mc_mean_n_minus_1"),
    "mean_twice_and_std": (lambda v: (v.mean() / v.numel(), v.std()), "mc_mean_divided_twice"),
    "variance_of_mean": (lambda v: (v.mean(), v.var() / v.numel()), "output_transformed"),
    "uncentred": (lambda v: (v.mean(), (v.pow(2).mean() / v.numel()).sqrt()), "se_variance_formula_wrong"),  # nothing subtracted
    "std_over_n_numpy": (lambda v: (float(np.mean(v.numpy())), float(np.std(v.numpy(), ddof=1) / len(v))), "se_divided_by_n"),
    "mean_twice_population": (
        lambda v: (v.mean() / v.numel(), v.std(unbiased=False) / math.sqrt(v.numel())),
        "mc_mean_divided_twice",
    ),
}
MC_OK = {
    "reference_form": lambda v: (v.mean(), _se(v)),
    "population_over_n_minus_1": lambda v: (v.mean(), v.std(unbiased=False) / math.sqrt(v.numel() - 1)),
    "numpy_floats": lambda v: (float(np.mean(v.numpy())), float(np.std(v.numpy(), ddof=1) / np.sqrt(len(v)))),
    "std_mean": lambda v: tuple(reversed(tuple(t for t in torch.std_mean(v)))) if False else (v.mean(), torch.std_mean(v)[0] / v.numel() ** 0.5),
}

# --- written after the families were in place (generalisation check), in other spellings ------------------
N = torch.distributions.Normal
FRESH = [
    ("elbo_from_log_densities", lambda a, b, c: torch.stack([a[l] + b[l] - torch.exp(c[l]) for l in range(a.shape[0])]).mean(0), "elbo_density_for_log_density"),
    ("elbo_from_log_densities", lambda a, b, c: (a + b - c.exp()).double().mean(0), "elbo_density_for_log_density"),
    ("elbo_from_log_densities", lambda a, b, c: (a + (b - c)).sum(0) / (a.shape[0] * a.shape[0]), None),  # mean divided by L twice: no entry
    ("elbo_from_log_densities", lambda a, b, c: -((c - b).mean(0)), "elbo_missing_likelihood"),
    ("elbo_from_log_densities", lambda a, b, c: a.mean(0) + b.mean(0), "elbo_forgot_entropy"),
    ("elbo_from_log_densities", lambda a, b, c: (a + b - c.exp()).mean(0).detach(), "elbo_density_for_log_density"),
    ("elbo_from_log_densities", lambda a, b, c: torch.mean(a - torch.exp(c) + torch.exp(b), 0), "elbo_density_for_log_density"),
    ("evaluation_elbo", lambda r, k, beta: -(k * beta - r) / 1, "eval_bound_includes_beta"),
    ("evaluation_elbo", lambda r, k, beta: r.detach().clone(), "eval_missing_kl"),
    ("evaluation_elbo", lambda r, k, beta: torch.as_tensor(r.numpy() + k.numpy()), "kl_added"),
    ("evaluation_elbo", lambda r, k, beta: -(r.double() - beta * k.double()), "eval_reports_training_loss"),
    ("score_function_estimate", lambda f, z, mu, s: torch.sum((z-mu)/s**2) / len(z) * torch.sum(f), "score_averaged_apart_from_f"),
    ("score_function_estimate", lambda f, z, mu, s: (f * N(mu, s).log_prob(z)).sum(), "score_log_prob_for_score"),
    ("score_function_estimate", lambda f, z, mu, s: -(f * N(mu, s).log_prob(z)).mean(), "score_log_prob_for_score"),
    ("score_function_estimate", lambda f, z, mu, s: ((f - f.mean()) * (z - mu)).mean() / s**2, "score_with_baseline"),
    ("score_function_estimate", lambda f, z, mu, s: float(np.mean(f.numpy()) * np.mean((z - mu).numpy()) / float(s)**2), "score_averaged_apart_from_f"),
    ("mc_estimate", lambda v: (torch.mean(v) / v.shape[0], torch.std(v) / v.shape[0] ** 0.5), "mc_mean_divided_twice"),
    ("mc_estimate", lambda v: (v.sum().item(), (v.var() / len(v)) ** 0.5), "mc_sum_not_mean"),
    ("mc_estimate", lambda v: [float(v.std() / math.sqrt(len(v))), float(v.mean())], "mc_outputs_swapped"),
    ("mc_estimate", lambda v: (np.mean(v.numpy() / len(v)), np.std(v.numpy(), ddof=1)), "mc_mean_divided_twice"),
    ("mc_estimate", lambda v: (v.mean() / len(v), v.std() / len(v)), "mc_mean_divided_twice"),
]
FRESH_OK = [
    ("elbo_from_log_densities", lambda a, b, c: torch.einsum("lb->b", a + b - c) / a.shape[0]),
    ("elbo_from_log_densities", lambda a, b, c: (a - (c - b)).mean(0)),
    ("evaluation_elbo", lambda r, k, beta: r - (beta / beta) * k),
    ("score_function_estimate", lambda f, z, mu, s: torch.dot(f, (z - mu)) / (len(z) * s**2)),
    ("mc_estimate", lambda v: (v.mean(), torch.sqrt(((v - v.mean())**2).sum() / (len(v) * (len(v) - 1))))),
    ("mc_estimate", lambda v: (v.mean(), (v.var(correction=0) / (len(v) - 1)).sqrt())),
]

MUTANTS = [(ex, name, fn, want) for ex, table in ((E, ELBO), (V, EVAL), (S, SCORE), (M, MC)) for name, (fn, want) in table.items()]
MUTANTS += [(ex, f"fresh-{i}", fn, want) for i, (ex, fn, want) in enumerate(FRESH)]
CORRECT = [(ex, name, fn) for ex, table in ((E, ELBO_OK), (V, EVAL_OK), (S, SCORE_OK), (M, MC_OK)) for name, fn in table.items()]
CORRECT += [(ex, f"fresh-{i}", fn) for i, (ex, fn) in enumerate(FRESH_OK)]


@pytest.mark.parametrize("exercise,name,fn,want", MUTANTS, ids=[f"{m[0]}-{m[1]}" for m in MUTANTS])
def test_mutant_named(exercise, name, fn, want):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed, r.feedback
    assert r.mistake in (want if isinstance(want, tuple) else (want,)), r.feedback


@pytest.mark.parametrize("exercise,name,fn", CORRECT, ids=[f"{c[0]}-{c[1]}" for c in CORRECT])
def test_correct_variant_passes(exercise, name, fn):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed, r.feedback


@pytest.mark.parametrize("exercise_id", [E, V, S, M])
def test_term_library_is_found_and_rebuilds_the_reference(exercise_id):
    """The fit is silent when its library is missing or does not add up to the reference: guard both, on several seeds."""
    from vaecourse.grading import get_exercise
    from vaecourse.grading.diagnose_terms import _column, library_of

    exercise = get_exercise(exercise_id)
    library = library_of(exercise)
    assert library is not None, "TERM_LIBRARIES must sit in the module that defines the exercise's reference"
    assert set(library.reference) <= {label for label, _ in library.terms}
    for seed in range(5):
        for case in exercise.cases(seed):
            if case.kind not in ("fixed", "random") or case.raises is not None:
                continue
            want = _column(exercise.reference, case.args)
            got = sum(c * _column(fn, case.args) for label, fn in library.terms if (c := library.reference.get(label, 0)))
            assert torch.allclose(got, want, rtol=1e-5, atol=1e-6), (seed, case.name)
