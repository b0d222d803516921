"""Practice variants: reproducible from their seed, difficulty features in range, mistakes named, worked solutions consistent."""

from __future__ import annotations

import math

import pytest

from vaecourse.grading import grade
from vaecourse.grading.sections import CAPSTONE, SESSIONS
from vaecourse.practice import LEVELS, all_skills, draw_variant, features_out_of_range, skills_for_session
from vaecourse.practice.skill import PRINT_WIDTH, fmt

SKILLS = [s.name for s in all_skills()]
PAIRS = [(skill, level) for skill in SKILLS for level in LEVELS]


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    # values need no sandbox; running them in-process keeps these tests fast
    monkeypatch.setenv("VAECOURSE_GRADING_INPROCESS", "1")


def _answer(variant):
    """The variant's answer as the checker sees it (a number or a tuple), without revealing the variant."""
    answer = variant._solved().answer
    return answer[0] if len(answer) == 1 else tuple(answer)


def test_every_session_has_skills_and_every_skill_a_session():
    taught = [s for s in SESSIONS if s != CAPSTONE]  # the capstone builds a whole model: no drills of its own
    for session in taught:
        assert skills_for_session(session), session
    assert sorted(n for s in taught for n in skills_for_session(s)) == sorted(SKILLS)
    assert len(SKILLS) >= 12
    with pytest.raises(ValueError, match="session must be one of"):
        skills_for_session("s9")
    with pytest.raises(ValueError, match="level must be one of"):
        draw_variant("gaussian_kl", "expert", 0)
    with pytest.raises(ValueError, match="skill must be one of"):
        draw_variant("gaussian_kll", "easy", 0)


@pytest.mark.parametrize(("skill", "level"), PAIRS)
def test_a_variant_is_a_pure_function_of_skill_level_and_seed(skill, level):
    first, again = draw_variant(skill, level, 11), draw_variant(skill, level, 11)
    assert first == again and first._solved() == again._solved()
    prompts = {draw_variant(skill, level, seed).prompt for seed in range(8)}
    assert len(prompts) >= 6, "fresh seeds should give fresh problems"


@pytest.mark.parametrize("skill", SKILLS)
def test_difficulty_features_stay_in_their_level_range_over_200_seeds(skill):
    spec = next(s for s in all_skills() if s.name == skill).levels
    for level in LEVELS:
        for seed in range(200):
            variant = draw_variant(skill, level, seed)
            assert features_out_of_range(variant.features, spec[level]) == [], (skill, level, seed)


def test_levels_differ_in_difficulty_not_only_in_numbers():
    # each skill's levels differ in at least one feature's allowed values (size, conversion or extra step)
    for skill in all_skills():
        specs = [skill.levels[level] for level in LEVELS]
        assert specs[0] != specs[1] != specs[2] and specs[0] != specs[2], skill.name


def test_out_of_range_features_are_reported():
    spec = next(s for s in all_skills() if s.name == "gaussian_kl").levels["easy"]
    variant = draw_variant("gaussian_kl", "hard", 0)
    problems = features_out_of_range(variant.features, spec)
    assert any(p.startswith("dims=") for p in problems) and any(p.startswith("given=") for p in problems)


def _rounded(answer, digits=4):
    values = answer if isinstance(answer, tuple) else (answer,)
    out = tuple(float(f"{v:.{digits}g}") for v in values)
    return out if isinstance(answer, tuple) else out[0]


@pytest.mark.parametrize(("skill", "level"), PAIRS)
def test_the_answer_passes_and_every_mistake_is_named(skill, level):
    for seed in range(4):
        variant = draw_variant(skill, level, seed)
        exercise = variant._exercise()
        assert grade(exercise, _answer(variant)).passed
        assert grade(exercise, _rounded(_answer(variant))).passed, "four significant digits must be enough"
        assert grade(exercise, None).status == "not_attempted"
        assert exercise.mistakes, "every variant names at least one mistake"
        for mistake in exercise.mistakes:
            result = grade(exercise, _rounded(mistake.variants[0]()))
            assert not result.passed and result.mistake == mistake.name, (variant.key, mistake.name, result.feedback)
            assert result.review == (mistake.section,)
        far_off = tuple(v + 1000.0 for v in variant._solved().answer)
        assert grade(exercise, far_off).mistake is None


@pytest.mark.parametrize(("skill", "level"), PAIRS)
def test_the_worked_solution_and_prompt_state_their_numbers(skill, level):
    variant = draw_variant(skill, level, 3)
    values, worked = variant._solved().answer, variant._solved().worked_solution
    for value in values:
        assert fmt(value) in worked or fmt(value, 6) in worked, (variant.key, value)
    shown = " ".join(variant.describe().split())  # the printed text is wrapped to the book's column
    assert variant.answer_form in shown and "4 significant digits" in shown
    assert all(len(line) <= PRINT_WIDTH for line in variant.describe().splitlines()), variant.key
    assert variant.key == f"{skill}/{level}/3"
    assert all(math.isfinite(v) for v in values)


def test_seed_problem_is_one_variant_of_the_easy_gaussian_kl():
    from vaecourse.grading import get_exercise
    from vaecourse.practice import variant_from_inputs

    variant = variant_from_inputs("gaussian_kl", "easy", mu=[2.0, 0.0], variance=[0.25, 4.0])
    assert _answer(variant) == pytest.approx(3.125, rel=1e-12)  # the outline's worked answer
    spec = next(s for s in all_skills() if s.name == "gaussian_kl").levels["easy"]
    assert features_out_of_range(variant.features, spec) == []
    # the practice variant and the graded exercise agree on the value and on the sigma-for-variance mistake
    assert get_exercise("kl_practice").expected() == pytest.approx(_answer(variant))
    # (one catalogue entry, kl_sigma_instead_of_variance, serves the practice variant and both graded exercises)
    used_sigma = next(m for m in variant._exercise().mistakes if m.name == "kl_sigma_instead_of_variance").variants[0]()
    bank = next(m for m in get_exercise("kl_practice").mistakes if m.name == "kl_sigma_instead_of_variance").variants[0]()
    assert used_sigma[0] == pytest.approx(float(bank))
