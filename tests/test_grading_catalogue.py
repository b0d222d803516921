"""Every exercise's reference passes, and every catalogued mistake is caught and named by the checker."""

from __future__ import annotations

import re

import pytest

from vaecourse.grading import all_exercises, all_mistakes, check
from vaecourse.grading.editions import edition_pairs, hidden_regions
from vaecourse.grading.sections import SECTION_TOPICS, SESSIONS

SEED = 12345  # the randomized cases are drawn from it; test_randomized_cases_vary checks other seeds


def _as_learner_code(fn):
    """Wrap a bank function so that it looks like learner code (the checker refuses the library's own)."""

    def answer(*args):
        return fn(*args)

    return answer


def _correct_answer(exercise):
    if exercise.kind == "function":
        return _as_learner_code(exercise.reference)
    if exercise.kind == "value":
        return exercise.expected()
    if exercise.kind == "model":
        return exercise.reference()
    return ", ".join(sorted(exercise.correct))


def _mistaken_answers():
    for exercise, mistake in all_mistakes():
        if exercise.kind == "function":
            answers = [_as_learner_code(v) for v in mistake.variants]
        elif exercise.kind == "value":
            answers = [v() for v in mistake.variants]
        else:
            answers = sorted(mistake.choices)
        for index, answer in enumerate(answers):
            yield pytest.param(exercise.id, mistake.name, answer, id=f"{exercise.id}-{mistake.name}-{index}")


def _solution_lines() -> set[str]:
    lines = set()
    for source, _ in edition_pairs():
        import nbformat

        for region in hidden_regions(nbformat.read(str(source), as_version=4)):
            lines.update(line.strip() for line in region.splitlines() if len(line.strip()) >= 12)
    return lines


SOLUTION_LINES = _solution_lines()


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_reference_answer_passes(exercise):
    result = check(exercise.id, _correct_answer(exercise), seed=SEED, quiet=True)
    assert result.passed, result.feedback
    assert result.score == result.max_score == exercise.points
    assert result.mistake is None


@pytest.mark.parametrize(("exercise_id", "mistake_name", "answer"), list(_mistaken_answers()))
def test_catalogued_mistake_is_caught_and_named(exercise_id, mistake_name, answer):
    result = check(exercise_id, answer, seed=SEED, quiet=True)
    assert not result.passed
    assert result.mistake == mistake_name, result.feedback
    assert result.score < result.max_score
    assert "Mistake found" in result.feedback and "Review: Session" in result.feedback
    assert not [line for line in SOLUTION_LINES if line in result.feedback], "feedback shows a solution line"


def test_catalogue_is_large_and_holds_the_required_mistakes():
    names = {m.name for e, m in all_mistakes() if e.kind == "function"}
    assert len(names) >= 15
    required = {
        "kl_sigma_instead_of_variance",
        "kl_logvar_as_variance",
        "kl_logvar_as_sigma",
        "kl_missing_half",
        "kl_missing_minus_one",
        "kl_wrong_sign",
        "kl_mean_over_latent",
        "kl_batch_mean",
        "reparam_variance_instead_of_std",
        "reparam_logvar_as_std",
        "reparam_eps_not_scaled",
        "gradient_cut",
        "iwae_mean_instead_of_logsumexp",
        "iwae_no_max_shift",
        "iwae_missing_log_k",
    }
    assert required <= names
    by_name = {}  # a name may serve several exercises (a value exercise reuses its function's entry), defined once
    for _, m in all_mistakes():
        assert by_name.setdefault(m.name, (m.title, m.explanation)) == (m.title, m.explanation), m.name


def test_every_session_has_three_to_six_exercises_with_hints():
    ids = [e.id for e in all_exercises()]
    assert len(ids) == len(set(ids))
    assert {"gaussian_kl", "reparameterize", "iwae_bound"} <= set(ids)
    for session in SESSIONS:
        exercises = [e for e in all_exercises() if e.session == session]
        assert 3 <= len(exercises) <= 6, session
        assert all(e.hints for e in exercises)


@pytest.mark.parametrize("variant", ["no_grad", "detach_mu", "detach_logvar", "item"])
def test_each_way_of_cutting_the_gradient_is_named(variant):
    import torch

    def reparameterize(mu, logvar, eps=None):
        eps = torch.randn_like(mu) if eps is None else eps
        if variant == "no_grad":
            with torch.no_grad():
                return mu + torch.exp(0.5 * logvar) * eps
        if variant == "detach_mu":
            return mu.detach() + torch.exp(0.5 * logvar) * eps
        if variant == "detach_logvar":
            return mu + torch.exp(0.5 * logvar.detach()) * eps
        return torch.tensor((mu + torch.exp(0.5 * logvar) * eps).tolist(), dtype=mu.dtype)

    result = check("reparameterize", reparameterize, seed=SEED, quiet=True)
    assert result.mistake == "gradient_cut", result.feedback


def test_randomized_cases_change_shape_with_the_seed():
    exercise = next(e for e in all_exercises() if e.id == "gaussian_kl")
    shapes = {tuple(c.args[0].shape) for seed in range(10) for c in exercise.make_cases(seed) if c.kind == "random"}
    assert len(shapes) > 3
    same = (
        [tuple(c.args[0].shape) for c in exercise.make_cases(7)],
        [tuple(c.args[0].shape) for c in exercise.make_cases(7)],
    )
    assert same[0] == same[1]  # reproducible from the seed


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("exercise_id", ["gaussian_kl", "reparameterize", "iwae_bound", "active_units"])
def test_references_pass_for_other_seeds(exercise_id, seed):
    reference = next(e for e in all_exercises() if e.id == exercise_id).reference
    assert check(exercise_id, _as_learner_code(reference), seed=seed, quiet=True).passed


def test_every_section_label_exists_on_the_page_its_links_point_to():
    # Feedback links go to section_page(label).html#label: the label must be on exactly that page.
    from pathlib import Path

    from vaecourse.grading.sections import section_page

    cited = {m.section for _, m in all_mistakes()} | {e.section for e in all_exercises()}
    assert cited <= set(SECTION_TOPICS)
    root = Path(__file__).resolve().parents[1]
    for label in SECTION_TOPICS:
        page = root / f"{section_page(label)}.md"
        assert page.exists(), f"{label} points to {page}, which does not exist"
        assert re.search(rf"^\({re.escape(label)}\)=\s*$", page.read_text(), re.M), f"{page} lacks ({label})="
