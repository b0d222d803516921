"""The one mistake catalogue: each mistake defined once, references equal the library's functions, and the
checker's diagnosis by behaviour (gradients, factors relative to each case's sizes, shapes, constants)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from vaecourse.grading import all_exercises, all_mistakes, check, get_exercise
from vaecourse.grading.mistakes import GENERIC, catalogue, entry, markdown, practice

SEED = 4321


def _learner(fn):
    def answer(*args):
        return fn(*args)

    return answer


# --- one catalogue ---------------------------------------------------------------------------------


def test_each_mistake_id_has_one_definition_and_the_kl_duplicates_are_merged():
    entries = catalogue()
    for exercise, mistake in all_mistakes():
        known = entries[mistake.name]
        assert (known.title, known.explanation, known.section) == (mistake.title, mistake.explanation, mistake.section)
    for old in ("practice_used_sigma", "kl_sigma_for_variance", "practice_missing_half", "practice_missing_minus_one"):
        assert old not in entries
    kl_value = get_exercise("kl_practice")
    assert {m.name for m in kl_value.mistakes} <= {m.name for m in get_exercise("gaussian_kl").mistakes}
    assert len(entries) >= 150 and all(m.behaviour for m in GENERIC)


def test_entries_render_for_practice_and_the_book():
    name, title, explanation, section, values = practice("kl_missing_half", 6.25)
    assert (name, values) == ("kl_missing_half", (6.25,)) and title == entry("kl_missing_half").title
    text = markdown(["kl_mean_over_latent", "reparam_gradient_cut"])
    assert text.count("\n- ") == 1 and "`kl_mean_over_latent`" in text
    with pytest.raises(KeyError, match="kl_mean_over_latent"):
        entry("kl_mean_over_latents")


def _cases(exercise_id, seeds=(0, 1, 2)):
    exercise = get_exercise(exercise_id)
    return exercise, [c for s in seeds for c in exercise.cases(s) if c.raises is None and c.summary is None]


def _same(a, b):
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    return torch.allclose(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64), rtol=1e-5, atol=1e-6)


def test_references_are_the_library_functions_or_agree_with_them():
    from vaecourse.core import free_bits_kl, gaussian_kl, iwae_bound, reparameterize
    from vaecourse.core.bounds import ElboTerms
    from vaecourse.core.likelihoods import bernoulli_log_likelihood
    from vaecourse.core.linear_gaussian import LinearGaussianModel
    from vaecourse.core.montecarlo import monte_carlo_estimate
    from vaecourse.models.ddpm import NoiseSchedule
    from vaecourse.studies.interpolation import interpolate_latents
    from vaecourse.training.diagnostics import active_units
    from vaecourse.training.loop import kl_annealing_weight

    identical = {"gaussian_kl": gaussian_kl, "reparameterize": reparameterize, "iwae_bound": iwae_bound, "free_bits_kl": free_bits_kl}
    for exercise_id, fn in identical.items():
        assert get_exercise(exercise_id).reference is fn, exercise_id

    def posterior(x, noise_var):
        model = LinearGaussianModel(torch.ones(x.numel(), 1, dtype=torch.float64), torch.zeros(x.numel(), dtype=torch.float64), noise_var)
        mean, cov = model.posterior(x.double()[None])
        return mean.reshape(()), cov.reshape(())

    def forward(x0, alpha_bar, eps):  # q_sample with each example's alpha_bar as a one-step schedule of its own
        return torch.stack([
            torch.as_tensor(a).sqrt() * x + (1 - torch.as_tensor(a)).sqrt() * e for x, a, e in zip(x0, alpha_bar, eps)
        ])

    mirrored = {
        "mc_estimate": lambda v: (monte_carlo_estimate(v).mean, monte_carlo_estimate(v).standard_error),
        "conjugate_posterior": posterior,
        "bernoulli_log_likelihood": bernoulli_log_likelihood,
        "evaluation_elbo": lambda r, k, beta: ElboTerms(r, k, beta).elbo,
        "interpolate_latents": interpolate_latents,
        "active_units": active_units,
        "kl_annealing_weight": kl_annealing_weight,
        "alpha_bar_schedule": lambda betas: NoiseSchedule(betas).alphas_bar,
    }
    for exercise_id, fn in mirrored.items():
        exercise, cases = _cases(exercise_id)
        for case in cases:
            assert _same(exercise.reference(*case.args), fn(*case.args)), (exercise_id, case.name)
    assert len(identical) + len(mirrored) >= 12


def test_free_bits_reference_is_the_term_fit_puts_in_its_loss():
    # fit (training/loop.py) floors the batch mean of out.kl_per_dim per dimension and sums; so does the exercise,
    # and so does the practice skill's answer.
    from vaecourse.core import free_bits_kl
    from vaecourse.practice.variant import draw_variant

    kl = torch.tensor([[0.05, 1.2, 0.9], [0.95, 0.3, 0.1], [0.25, 0.8, 0.05]])
    assert free_bits_kl(kl, 0.4).item() == pytest.approx((0.05 + 0.95 + 0.25) / 3 + (1.2 + 0.3 + 0.8) / 3 + 0.4)
    for seed in range(20):
        v = draw_variant("free_bits", "hard", seed=seed)
        problem = v._solved()
        want = free_bits_kl(torch.tensor(v.inputs["kl"], dtype=torch.float64), v.inputs["floor"]).item()
        assert problem.answer[0] == pytest.approx(want)
        assert all(abs(value[0] - want) > 1e-6 for *_, value in problem.mistakes)  # no practice "mistake" is the reference


def test_no_catalogued_mistake_equals_its_exercise_reference():
    from vaecourse.grading.compare import records_agree
    from vaecourse.grading.observe import observe

    for exercise in all_exercises():
        if exercise.kind != "function":
            continue
        cases = exercise.cases(SEED)
        reference = observe(exercise.reference, cases)
        for mistake in exercise.mistakes:
            for variant in mistake.variants:
                records = observe(variant, cases)
                assert not all(records_agree(r, m, c) for r, m, c in zip(reference, records, cases)), (exercise.id, mistake.name)


# --- gradients -------------------------------------------------------------------------------------


def _torch_normal_sample(mu, logvar, eps=None):
    std = torch.exp(0.5 * logvar)
    return torch.normal(mu, std) if eps is None else mu + std * eps


@pytest.mark.parametrize(
    ("exercise_id", "answer", "lost"),
    [
        ("reparameterize", _torch_normal_sample, "`logvar` and `mu`"),
        ("gaussian_kl", lambda mu, s: 0.5 * (mu.detach() ** 2 + s.exp() - s - 1).sum(-1), "`mu`"),
        ("gaussian_kl", lambda mu, s: torch.tensor([0.5 * float((m**2 + v.exp() - v - 1).sum()) for m, v in zip(mu, s)]), "`logvar` and `mu`"),
        ("bernoulli_log_likelihood", lambda l, x: (x * l.data - F.softplus(l.data)).sum(-1), "`logits`"),
        ("iwae_bound", lambda lw: torch.from_numpy((torch.logsumexp(lw, -1) - math.log(lw.shape[-1])).detach().numpy()), "`log_weights`"),
        ("free_bits_kl", lambda kl, lam: kl.detach().mean(0).clamp(min=lam).sum(), "`kl_per_dim`"),
    ],
)
def test_a_cut_gradient_fails_and_names_the_input(exercise_id, answer, lost):
    result = check(exercise_id, _learner(answer), seed=SEED, quiet=True)
    assert not result.passed and result.mistake in ("gradient_cut", "reparam_gradient_cut"), result.feedback
    assert f"No gradient reaches {lost}" in result.feedback


def test_passing_feedback_claims_gradients_only_where_checked():
    from vaecourse.core import gaussian_kl

    kl = check("gaussian_kl", _learner(gaussian_kl), seed=SEED, quiet=True)
    assert kl.passed and "gradients reaching logvar and mu are right" in kl.feedback
    weight = check("kl_annealing_weight", _learner(lambda s, w: min(1.0, s / w)), seed=SEED, quiet=True)
    assert weight.passed and "gradient" not in weight.feedback


# --- diagnosis by behaviour --------------------------------------------------------------------------


def _kl_terms(mu, s):
    return 1 + s - mu.pow(2) - s.exp()  # (B, D)


@pytest.mark.parametrize(
    ("exercise_id", "answer", "named"),
    [
        # factors relative to each case's own B and D
        ("gaussian_kl", lambda mu, s: -0.5 * _kl_terms(mu, s).mean(-1), "kl_mean_over_latent"),
        ("gaussian_kl", lambda mu, s: -0.5 * _kl_terms(mu, s).sum(-1) / mu.shape[0], "divided_by_batch_size"),
        ("gaussian_kl", lambda mu, s: -_kl_terms(mu, s).mean(-1), ("kl_mean_over_latent", "kl_missing_half")),
        ("gaussian_kl", lambda mu, s: 0.5 * _kl_terms(mu, s).mean(-1), ("kl_mean_over_latent", "kl_wrong_sign")),
        ("gaussian_kl", lambda mu, s: -1e-3 * _kl_terms(mu, s).mean(-1), "kl_mean_over_latent"),  # and a weight
        ("gaussian_kl", lambda mu, s: -0.5 * _kl_terms(mu, s).sum() / (mu.shape[0] * 784), "kl_batch_mean"),
        ("gaussian_kl", lambda mu, s: torch.zeros(mu.shape[0]), "zero_output"),
        ("gaussian_kl", lambda mu, s: torch.full((mu.shape[0],), 3.0), "constant_output"),
        # a second deviation the catalogue does not list does not hide the first
        ("bernoulli_log_likelihood", lambda l, x: (x * torch.log(torch.sigmoid(l)) + (1 - x) * torch.log(1 - torch.sigmoid(l))).mean(-1), "bernoulli_mean_over_pixels"),
        ("bernoulli_log_likelihood", lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").mean(-1), "bernoulli_mean_over_pixels"),
        ("iwae_bound", lambda lw: torch.log(torch.exp(lw).mean(-1)), "iwae_no_max_shift"),
        ("iwae_bound", lambda lw: torch.logsumexp(lw, -1), "iwae_missing_log_k"),
        ("iwae_bound", lambda lw: 2 * lw.mean(-1), "iwae_mean_instead_of_logsumexp"),
        ("reparameterize", lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (torch.rand_like(mu) if eps is None else eps), "reparam_uniform_noise"),
        ("reparameterize", lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (0.01 * torch.randn_like(mu) if eps is None else eps), "reparam_noise_wrong_scale"),
        ("free_bits_kl", lambda kl, lam: kl.clamp(min=lam).sum(-1), "free_bits_per_example"),
        ("evaluation_elbo", lambda r, k, beta: -(r - beta * k), "eval_reports_training_loss"),
    ],
)
def test_mistakes_are_named_by_behaviour(exercise_id, answer, named):
    result = check(exercise_id, _learner(answer), seed=SEED, quiet=True)
    assert not result.passed and result.mistake in (named if isinstance(named, tuple) else (named,)), result.feedback
    if isinstance(named, tuple):  # two mistakes at once: the feedback names the other one too
        assert "second mistake" in result.feedback or "mistakes at once" in result.feedback
    assert "Decided on: " in result.feedback and "times the expected one" not in result.feedback


def test_a_named_mistake_with_a_second_deviation_says_where_else_it_differs():
    def answer(logits, x):  # mean over pixels AND the unstable log of a sigmoid, no ValueError
        p = torch.sigmoid(logits)
        return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).mean(-1)

    result = check("bernoulli_log_likelihood", _learner(answer), seed=SEED, quiet=True)
    assert result.mistake == "bernoulli_mean_over_pixels" and result.score == 0
    assert "also differs" in result.feedback and "+-100" in result.feedback
