"""Every correct answer is accepted (issue 21): each function exercise, at least 5 real styles, on four seeds.

The answers live in ``tests/correct_answers.py`` (torch.distributions and kl_divergence, BCE-with-logits and
softplus forms, a written-out log-sum-exp with a max shift, float64 arithmetic, in-place operations on fresh
tensors, torch.lerp/linspace, guarding epsilons such as ``log(sigma**2 + 1e-8)``, NumPy where plain numbers
are allowed). A false rejection of any of them is a checker bug. The answers that cut the graph, accepted
before the gradient checks and rejected on purpose now, are checked to be named ``gradient_cut``.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from correct_answers import BY_DESIGN_REJECTED, CORRECT  # noqa: E402

from vaecourse.grading import check  # noqa: E402
from vaecourse.grading.observe import MIN_RTOL, Case  # noqa: E402
from vaecourse.grading.registry import all_exercises  # noqa: E402

SEEDS = (2101, 7, 31337, 424242)
STYLES = [(exercise_id, style) for exercise_id, styles in CORRECT.items() for style in styles]


def test_every_function_exercise_has_five_correct_styles():
    function_ids = {e.id for e in all_exercises() if e.kind == "function"}
    assert set(CORRECT) == function_ids
    assert all(len(styles) >= 5 for styles in CORRECT.values()), {k: len(v) for k, v in CORRECT.items()}


@pytest.mark.parametrize("exercise_id,style", STYLES, ids=[f"{e}:{s}" for e, s in STYLES])
def test_correct_answer_is_accepted_with_full_marks(exercise_id, style):
    answer = CORRECT[exercise_id][style]
    for seed in SEEDS:
        result = check(exercise_id, answer, seed=seed, quiet=True)
        assert result.passed and result.score == result.max_score, (seed, result.feedback)


REJECTED = [(exercise_id, style) for exercise_id, styles in BY_DESIGN_REJECTED.items() for style in styles]


@pytest.mark.parametrize("exercise_id,style", REJECTED, ids=[f"{e}:{s}" for e, s in REJECTED])
def test_graph_cutting_answer_is_named_gradient_cut(exercise_id, style):
    result = check(exercise_id, BY_DESIGN_REJECTED[exercise_id][style], seed=2101, quiet=True)
    assert not result.passed and result.mistake == "gradient_cut", result.feedback
    assert "No gradient reaches `" in result.feedback and "differentiable" in result.feedback


def test_no_case_compares_tighter_than_the_training_precision():
    with pytest.raises(AssertionError, match="MIN_RTOL"):
        Case("too-tight", "fixed", (), "nothing", rtol=1e-8)
    for exercise in all_exercises():
        if exercise.kind == "function":
            assert all(c.rtol >= MIN_RTOL for c in exercise.cases(2101)), exercise.id
