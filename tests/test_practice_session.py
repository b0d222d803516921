"""The practice streak, the gate's second route, and progress: practise(), variant.check(), gate(), vaecourse progress."""

from __future__ import annotations

import json

import pytest

from vaecourse.grading import PRACTICE_FLOOR, PRACTICE_STREAK, clear_results, exercises_for_session, latest_results
from vaecourse.grading.gate import summarise
from vaecourse.grading.practice_log import practice_record, practice_streak, record_practice
from vaecourse.grading.progress import format_progress, load_progress, progress_path
from vaecourse.grading.result import FAILED, NOT_ATTEMPTED, PASSED, make_result
from vaecourse.practice import practise, skills_for_session


@pytest.fixture(autouse=True)
def _fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("VAECOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VAECOURSE_GRADING_INPROCESS", "1")
    monkeypatch.delenv("VAECOURSE_RESULTS_PATH", raising=False)
    clear_results()
    yield
    clear_results()


def _answer(variant):
    """The variant's answer, read without revealing it (as a learner who solved it would give it)."""
    answer = variant._solved().answer
    return answer[0] if len(answer) == 1 else tuple(answer)


def test_the_streak_counts_fresh_correct_variants_at_medium_or_hard():
    assert practice_streak("s4") == 0
    record_practice("s4", "a", "medium", PASSED)
    record_practice("s4", "b", "hard", PASSED)
    assert practice_streak("s4") == 2
    record_practice("s4", "b", "hard", PASSED)  # the same variant again: counts once
    record_practice("s4", "c", "easy", PASSED)  # a warm-up: neither extends nor breaks
    record_practice("s4", "d", "medium", NOT_ATTEMPTED)  # nothing happens
    record_practice("s4", "e", "medium", PASSED, revealed=True)  # solution shown first: no credit
    assert practice_streak("s4") == 2
    record_practice("s4", "f", "easy", FAILED)  # a wrong answer at any level resets
    assert practice_streak("s4") == 0 and practice_record("s4").best_streak == 2
    assert (practice_record("s4").answered, practice_record("s4").correct) == (5, 4)
    assert practice_streak("s3") == 0
    with pytest.raises(ValueError, match="status"):
        record_practice("s4", "g", "medium", "great")
    clear_results()
    assert practice_streak("s4") == 0


def _results_worth(session, fraction):
    """Results for the session's exercises (passed in order) adding up to at least ``fraction`` of the points."""
    exercises = exercises_for_session(session)
    total = sum(e.points for e in exercises)
    results, score = {}, 0.0
    for exercise in exercises:
        passed = score < fraction * total - 1e-9
        results[exercise.id] = make_result(exercise, PASSED if passed else FAILED, "test")
        score += exercise.points if passed else 0.0
    return results, score / total


@pytest.mark.parametrize("session", ["s1", "s4", "s6"])
def test_the_gate_passes_by_points_or_by_a_streak_with_half_the_points(session):
    full, fraction = _results_worth(session, 0.8)
    assert fraction >= 0.8 and summarise(session, full, streak=0).passed_by == "points"
    half, fraction = _results_worth(session, PRACTICE_FLOOR)
    assert PRACTICE_FLOOR <= fraction < 0.8
    assert not summarise(session, half, streak=PRACTICE_STREAK - 1).passed
    by_practice = summarise(session, half, streak=PRACTICE_STREAK)
    assert by_practice.passed and by_practice.passed_by == "practice"
    assert "Gate passed through practice" in by_practice.summary
    assert by_practice.to_dict()["practice"] == {
        "streak": PRACTICE_STREAK,
        "needed": PRACTICE_STREAK,
        "floor": PRACTICE_FLOOR,
    }
    little, fraction = _results_worth(session, 0.2)
    assert fraction < PRACTICE_FLOOR
    blocked = summarise(session, little, streak=10)
    assert not blocked.passed and "also needs 50% of the points" in blocked.summary


def test_practise_checks_records_the_streak_and_progress_and_the_gate_reads_it(capsys):
    from vaecourse.grading import gate

    variants = [practise("s4", seed=seed) for seed in range(PRACTICE_STREAK)]
    out = capsys.readouterr().out
    assert "Practice (" in out and "variant.check(your_answer)" in out
    assert [v.skill for v in variants] == [skills_for_session("s4")[i % 2] for i in range(PRACTICE_STREAK)]
    for variant in variants:
        assert variant.check(_answer(variant)).passed
    assert practice_streak("s4") == PRACTICE_STREAK
    assert "3 of 3 fresh variants right in a row" in capsys.readouterr().out
    stored = load_progress()["practice"]["s4"]
    assert (stored["streak"], stored["best_streak"], stored["answered"], stored["correct"]) == (3, 3, 3, 3)
    assert "practice: streak 3 of 3 needed" in format_progress(load_progress())
    assert latest_results() == {}, "practice checks are not graded results"
    result = gate("s4", quiet=True)  # no exercise checked: 0 points, below the floor
    assert not result.passed and result.practice_streak == PRACTICE_STREAK
    saved = json.loads(progress_path().read_text())
    assert (
        saved["sessions"]["s4"]["practice"]["streak"] == PRACTICE_STREAK and saved["practice"]["s4"]["best_streak"] == 3
    )


def test_a_wrong_answer_names_the_mistake_shows_the_worked_solution_and_resets(capsys):
    first = practise("s4", skill="gaussian_kl", seed=5, quiet=True)
    assert first.check(_answer(first), quiet=True).passed and practice_streak("s4") == 1
    second = practise("s4", skill="gaussian_kl", seed=6, quiet=True)
    wrong = next(m for m in second._exercise().mistakes if m.name == "kl_missing_half").variants[0]()
    result = second.check(wrong)
    out = capsys.readouterr().out
    assert not result.passed and result.mistake == "kl_missing_half" and practice_streak("s4") == 0
    assert (
        "Mistake found: the factor 1/2 is missing" in out
        and "Worked solution" in out
        and second._solved().worked_solution.splitlines()[0] in out
    )
    assert first.check(_answer(first), quiet=True).passed and practice_streak("s4") == 0, "a variant counts once"


def test_a_revealed_variant_and_an_easy_one_do_not_extend_the_streak(capsys):
    shown = practise("s2", seed=1, quiet=True)
    shown.show_solution()
    assert "Worked solution" in capsys.readouterr().out
    assert shown.check(_answer(shown), quiet=True).passed and practice_streak("s2") == 0
    easy = practise("s2", level="easy", seed=2, quiet=True)
    assert easy.check(_answer(easy), quiet=True).passed and practice_streak("s2") == 0
    assert easy.check(None, quiet=True).status == NOT_ATTEMPTED


def test_fixed_check_seed_makes_the_sequence_of_variants_reproducible(monkeypatch):
    monkeypatch.setenv("VAECOURSE_CHECK_SEED", "123")
    import vaecourse.practice.session as session

    monkeypatch.setattr(session, "_draws", {})
    first = [practise("s7", quiet=True).key for _ in range(3)]
    monkeypatch.setattr(session, "_draws", {})
    assert [practise("s7", quiet=True).key for _ in range(3)] == first
    assert len(set(first)) == 3


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="session must be one of"):
        practise("s9")
    with pytest.raises(ValueError, match="session s8 has no practice variants.*must be one of s1, .*s7"):
        practise("s8")
    with pytest.raises(ValueError, match="level must be one of"):
        practise("s4", level="impossible")
    with pytest.raises(ValueError, match="skill must be one of .* for session s4"):
        practise("s4", skill="iwae_bound")


def _shown_texts(variant) -> list[str]:
    """Everything a notebook or a console shows for a bare ``variant`` as a cell's last line."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(variant)
    return [repr(variant), str(variant), *map(str, data.values())]


@pytest.mark.parametrize("session", ["s1", "s2", "s3", "s4", "s5", "s6", "s7"])
def test_displaying_a_variant_shows_neither_its_answer_nor_its_solution_nor_its_mistakes(session):
    variant = practise(session, level="hard", seed=4, quiet=True)
    problem = variant._solved()
    secrets = [problem.worked_solution.splitlines()[-1]] + [f"{v:.6g}" for v in problem.answer]
    secrets += [f"{v:.6g}" for m in problem.mistakes for v in m[4]] + [m[0] for m in problem.mistakes]
    for text in _shown_texts(variant):
        leaked = [s for s in secrets if s in text and s not in variant.prompt]
        assert not leaked, (variant.key, leaked, text)
    for name in ("answer", "worked_solution", "mistakes", "exercise", "hints"):
        assert not hasattr(variant, name), f"variant.{name} would hand the learner the answer"


def test_reading_the_answer_from_the_variant_does_not_build_a_streak(capsys):
    variants = [practise("s4", seed=seed, quiet=True) for seed in range(PRACTICE_STREAK)]
    for variant in variants:
        assert variant.check(variant.solution(), quiet=True).passed
    assert practice_streak("s4") == 0, "answers read from the variant are right but do not count"
    drawn = practise("s6", skill="free_bits", seed=5, quiet=True)
    drawn.inputs["floor"] = 99.0  # a copy: the problem stays as drawn
    assert drawn.inputs["floor"] != 99.0
    assert drawn.check(_answer(drawn), quiet=True).passed and practice_streak("s6") == 1
    from dataclasses import replace

    other = practise("s6", skill="free_bits", seed=6, quiet=True)
    easier = replace(other, frozen_inputs='{"floor": 0.5, "kl": [[0.0, 1.0, 0.0]]}')  # 0.5 + 1 + 0.5
    assert easier.check(2.0, quiet=True).passed and practice_streak("s6") == 1, "inputs its seed did not draw"


def test_the_suggested_hint_works_for_a_variant(capsys):
    variant = practise("s5", skill="iwae_bound", seed=3, quiet=True)
    result = variant.check(123.0 if variant.level == "easy" else (123.0, 45.0))
    out = capsys.readouterr().out
    assert not result.passed and result.mistake is None and "variant.hint() may help" in out
    variant.hint()
    assert "Hint 1 of 1 (the IWAE bound from log-weights): L_K = log((1/K)" in capsys.readouterr().out


def test_no_variant_is_drawn_while_the_instructors_grader_runs_the_notebook(monkeypatch, capsys):
    from vaecourse.grading.checker import GRADING_MODE_ENV

    monkeypatch.setenv(GRADING_MODE_ENV, "1")
    variant = practise("s4")
    variant.check(0.5)
    shown = capsys.readouterr().out
    assert "not drawn while the instructor's grader runs" in shown and "variant.check" in shown
    assert "not drawn" in repr(variant) and "Practice (" not in shown
