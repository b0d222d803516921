"""Gradients are checked wherever the answer is differentiable in its inputs (issue 21), and a cut graph is named.

Every function exercise is classified here: either its answer must pass gradients to the listed inputs (and
every ordinary case checks them), or it is not a function a model backpropagates through, and why. An answer
that detaches, runs under ``torch.no_grad()``, reads ``.data``, rebuilds its output from ``.item()`` values or
round-trips through NumPy fails, named as the exercise's cut-gradient mistake, with the inputs that lost it.
"""

import numpy as np
import pytest
import torch

from vaecourse.grading import check
from vaecourse.grading.exercise import gradient_cut
from vaecourse.grading.registry import all_exercises, get_exercise

# exercise -> the inputs that must receive gradients
CHECKED = {
    "elbo_from_log_densities": {"log_px_given_z", "log_pz", "log_qz"},
    "reparameterize": {"mu", "logvar"},
    "gaussian_kl": {"mu", "logvar"},
    "bernoulli_log_likelihood": {"logits"},
    "iwae_bound": {"log_weights"},
    "free_bits_kl": {"kl_per_dim"},
    "evaluation_elbo": {"recon", "kl"},  # the bound at weight 1 is also a training and model-selection objective
    "forward_diffusion_sample": {"x0", "eps"},  # x0 is an encoder's output in latent diffusion
}
# exercise -> why no gradient is required
NOT_CHECKED = {
    "mc_estimate": "a reported estimate and its error bar; the instructions allow floats",
    "conjugate_posterior": "a closed-form posterior in session 1, before gradients; nothing trains through it",
    "score_function_estimate": "the value is itself a gradient estimate: f is treated as a black box (often detached)",
    "active_units": "an integer count",
    "kl_annealing_weight": "a weight computed from integer steps",
    "alpha_bar_schedule": "a fixed schedule's constants, which real code builds with NumPy (np.cumprod)",
    "interpolate_latents": "a latent path to decode and look at; real code builds it with NumPy (np.linspace)",
}


def _names(exercise, case):
    return {exercise.params[i].split("=")[0] for i in case.grad_args}


def test_every_function_exercise_is_classified():
    ids = {e.id for e in all_exercises() if e.kind == "function"}
    assert ids == set(CHECKED) | set(NOT_CHECKED) and not set(CHECKED) & set(NOT_CHECKED)


@pytest.mark.parametrize("exercise_id", sorted(CHECKED))
def test_every_ordinary_case_checks_the_gradients(exercise_id):
    exercise = get_exercise(exercise_id)
    cases = exercise.cases(2101)
    seen = set()
    for case in cases:
        if case.kind in ("fixed", "random"):
            assert case.grad_args, (exercise_id, case.name)
        seen |= _names(exercise, case)
    assert seen == CHECKED[exercise_id]


def test_noise_drawn_by_the_answer_is_gradient_checked():
    sampling = [c for c in get_exercise("reparameterize").cases(2101) if c.kind == "sampling"]
    assert sampling and all(c.grad_args == (0, 1) for c in sampling)


@pytest.mark.parametrize("exercise_id", sorted(NOT_CHECKED))
def test_exercises_without_a_gradient_requirement_accept_a_detached_answer(exercise_id):
    exercise = get_exercise(exercise_id)
    assert not any(c.grad_args for c in exercise.cases(2101))

    def detached(*args):
        with torch.no_grad():
            return exercise.reference(*args)

    assert check(exercise_id, detached, seed=2101, quiet=True).passed


def _cutters(reference):
    """Answers with the reference's values whose graph is cut in the ways people cut it."""

    def no_grad(*args):
        with torch.no_grad():
            return reference(*args)

    def item_rebuilt(*args):
        out = reference(*args)
        return torch.tensor([v.item() for v in out.flatten()], dtype=out.dtype).reshape(out.shape)

    def via_numpy(*args):
        return reference(*(torch.from_numpy(np.asarray(a)) if isinstance(a, torch.Tensor) else a for a in args))

    return {
        "detach": lambda *args: reference(*args).detach(),
        "no_grad": no_grad,
        ".data": lambda *args: reference(*(a.data if isinstance(a, torch.Tensor) else a for a in args)),
        ".item() rebuilt": item_rebuilt,
        "numpy round-trip": via_numpy,
    }


CUTS = [(e, c) for e in sorted(CHECKED) for c in _cutters(None)]


@pytest.mark.parametrize("exercise_id,cut", CUTS, ids=[f"{e}:{c}" for e, c in CUTS])
def test_a_cut_graph_fails_with_the_named_mistake(exercise_id, cut):
    exercise = get_exercise(exercise_id)
    answer = _cutters(exercise.reference)[cut]
    result = check(exercise_id, answer, seed=2101, quiet=True)
    own = next((m.name for m in exercise.mistakes if m.predicate is gradient_cut), "gradient_cut")
    assert not result.passed and result.mistake == own, result.feedback
    assert "No gradient reaches `" in result.feedback


def test_one_detached_input_is_named_alone():
    def kl(mu, logvar):
        logvar = logvar.detach()
        return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)

    result = check("gaussian_kl", kl, seed=2101, quiet=True)
    assert result.mistake == "gradient_cut" and "No gradient reaches `logvar`." in result.feedback


@pytest.mark.parametrize("always", [False, True])
def test_torch_normal_as_the_sample_is_named(always):
    def sample(mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar)
        return torch.normal(mu, std) if eps is None or always else mu + std * eps

    result = check("reparameterize", sample, seed=2101, quiet=True)
    assert not result.passed and result.mistake == "gradient_cut", result.feedback
    assert "torch.normal(mu, std)" in result.feedback and "No gradient reaches `logvar` and `mu`" in result.feedback
