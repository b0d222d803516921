"""The checker survives hostile answers, reports statuses clearly, and never shows hidden values."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest
import torch

from vaecourse.grading import CheckResult, check, clear_results, get_exercise, hint, latest_results
from vaecourse.grading.sandbox import INPROCESS_ENV, OUTPUT_LIMIT_CHARS


def kl_right(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)


def raises(mu, logvar):
    return mu + 1 / 0


def loops_forever(mu, logvar):
    while True:
        pass


def prints_megabytes(mu, logvar):
    for _ in range(30):
        print("x" * 100_000)
    return kl_right(mu, logvar)


def returns_nan(mu, logvar):
    return torch.full(mu.shape[:-1], float("nan"))


def returns_list(mu, logvar):
    return kl_right(mu, logvar).tolist()


def returns_wrong_shape(mu, logvar):
    return kl_right(mu, logvar)[:, None]


def mutates_input(mu, logvar):
    mu.mul_(mu)
    return 0.5 * (mu + logvar.exp() - logvar - 1).sum(-1)


def exits(mu, logvar):
    sys.exit(1)


def kills_its_process(mu, logvar):
    os._exit(3)


def forgets_return(mu, logvar):
    kl_right(mu, logvar)


HOSTILE = [
    (raises, "error"),
    (prints_megabytes, "error"),
    (returns_nan, "failed"),
    (returns_list, "failed"),
    (returns_wrong_shape, "failed"),
    (mutates_input, "failed"),
    (exits, "error"),
    (kills_its_process, "error"),
    (forgets_return, "failed"),
    (3.125, "failed"),
]


@pytest.mark.parametrize(("answer", "status"), HOSTILE, ids=lambda a: getattr(a, "__name__", str(a)))
def test_hostile_answers_score_zero_with_a_clear_message(answer, status, capsys):
    result = check("gaussian_kl", answer, seed=1, timeout=20)
    assert isinstance(result, CheckResult)
    assert (result.status, result.score, result.passed) == (status, 0.0, False)
    printed = capsys.readouterr().out
    assert result.feedback in printed and len(printed) < 2000  # the learner's flood of output is not shown
    assert "0 / 2 points" in result.feedback


def test_messages_name_what_went_wrong():
    assert "ZeroDivisionError" in check("gaussian_kl", raises, quiet=True).feedback
    assert f"{OUTPUT_LIMIT_CHARS:,}" in check("gaussian_kl", prints_megabytes, quiet=True).feedback
    assert "NaN" in check("gaussian_kl", returns_nan, quiet=True).feedback
    assert "shape (" in check("gaussian_kl", returns_wrong_shape, quiet=True).feedback
    mutated = check("gaussian_kl", mutates_input, quiet=True)
    assert mutated.mistake == "mutated_input" and "`mu`" in mutated.feedback
    assert "return" in check("gaussian_kl", forgets_return, quiet=True).feedback
    assert "parameters" in check("gaussian_kl", lambda mu: mu, quiet=True).feedback


def test_an_infinite_loop_times_out():
    start = time.monotonic()
    result = check("gaussian_kl", loops_forever, timeout=1.0, quiet=True)
    assert (result.status, result.score) == ("timeout", 0.0)
    assert "did not finish within 1 seconds" in result.feedback
    assert time.monotonic() - start < 30  # the child was killed: the check returned


def test_in_process_fallback_survives_too(monkeypatch):
    monkeypatch.setenv(INPROCESS_ENV, "1")

    def sleeps(mu, logvar):
        time.sleep(2.0)  # finishes eventually, so the abandoned thread does not spin forever
        return kl_right(mu, logvar)

    assert check("gaussian_kl", raises, quiet=True).status == "error"
    assert check("gaussian_kl", prints_megabytes, quiet=True).status == "error"
    assert check("gaussian_kl", sleeps, timeout=0.5, quiet=True).status == "timeout"
    assert check("gaussian_kl", lambda mu, s: kl_right(mu, s), quiet=True).passed
    assert sys.stdout is not None and "CappedWriter" not in type(sys.stdout).__name__


def test_stubs_and_none_are_not_attempted():
    def stub(mu, logvar):
        raise NotImplementedError

    for exercise_id, answer in [
        ("gaussian_kl", stub),
        ("gaussian_kl", None),
        ("kl_practice", None),
        ("kl_facts_choice", None),
    ]:
        result = check(exercise_id, answer, quiet=True)
        assert (result.status, result.score) == ("not_attempted", 0.0)


def test_value_and_choice_answers_come_in_any_reasonable_form():
    for answer in (3.125, torch.tensor(3.125), [3.125], 25 / 8):
        assert check("kl_practice", answer, quiet=True).passed
    for answer in ("a, d", "d,a", ["a", "d"], {"a", "d"}, "(A) (D)", "ad"):
        assert check("kl_facts_choice", answer, quiet=True).passed, answer
    assert check("reductions_choice", "a b", quiet=True).feedback.count("exactly one") == 1
    assert "one letter" in check("reductions_choice", "I think b", quiet=True).feedback
    assert check("kl_practice", "3.125", quiet=True).status == "failed"


def test_feedback_never_shows_expected_values_or_hidden_inputs():
    exercise = get_exercise("kl_practice")
    wrong = check("kl_practice", 3.0, quiet=True)
    assert "3.125" not in wrong.feedback and "3.12" not in wrong.feedback
    assert f"{exercise.expected():.3g}" not in wrong.feedback

    def kl_off(mu, logvar):
        return kl_right(mu, logvar) * 1.37 + 0.11

    result = check("gaussian_kl", kl_off, seed=3, quiet=True)
    cases = get_exercise("gaussian_kl").make_cases(3)
    hidden = [float(v) for c in cases for t in c.args for v in t.flatten()[:3]]
    hidden += [float(v) for c in cases for v in kl_right(*c.args).flatten()[:3]]
    for value in hidden:
        if abs(value) > 1e-3:
            shown = [text for text in (f"{value:.3f}", f"{value:.4g}") if "." in text]  # "3" is also a count of dims
            assert not [text for text in shown if text in result.feedback]


def test_the_library_function_itself_is_refused():
    from vaecourse import gaussian_kl

    result = check("gaussian_kl", gaussian_kl, quiet=True)
    assert (result.status, result.mistake, result.score) == ("failed", "library_function_submitted", 0.0)


def test_unknown_exercise_id_suggests_the_right_one():
    result = check("gausian_kl", kl_right, quiet=True)
    assert result.status == "error" and "gaussian_kl" in result.feedback


def test_results_are_recorded_and_appended_to_a_results_file(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv("VAECOURSE_RESULTS_PATH", str(path))
    clear_results()
    check("gaussian_kl", kl_right, quiet=True)
    check("kl_practice", 2.25, quiet=True)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["exercise_id"], r["status"], r["mistake"]) for r in rows] == [
        ("gaussian_kl", "passed", None),
        ("kl_practice", "failed", "kl_sigma_instead_of_variance"),  # one entry with gaussian_kl's
    ]
    assert CheckResult.from_dict(rows[1]) == latest_results()["kl_practice"]
    clear_results()
    assert latest_results() == {}


def test_the_seed_makes_a_check_reproducible():
    def kl_half(mu, logvar):
        return 0.5 * kl_right(mu, logvar)

    first, second = (check("gaussian_kl", kl_half, seed=11, quiet=True) for _ in range(2))
    assert first == second


def test_hints_print_in_levels(capsys):
    hint("gaussian_kl")
    one = capsys.readouterr().out
    hint("gaussian_kl", 2)
    two = capsys.readouterr().out
    assert "Hint 1 of 2" in one and "Hint 2 of 2" not in one and "Hint 2 of 2" in two
    hint("no_such_exercise")
    assert "no exercise" in capsys.readouterr().out


def test_reparameterize_without_its_noise_path_is_told_so():
    def no_default_noise(mu, logvar, eps=None):
        return mu + torch.exp(0.5 * logvar) * eps  # fails when eps is None

    def uniform_noise(mu, logvar, eps=None):
        eps = torch.rand_like(mu) if eps is None else eps
        return mu + torch.exp(0.5 * logvar) * eps

    missing = check("reparameterize", no_default_noise, seed=2, quiet=True)
    assert missing.status == "error" and "without eps" in missing.feedback and "TypeError" in missing.feedback
    uniform = check("reparameterize", uniform_noise, seed=2, quiet=True)
    assert uniform.status == "failed" and "distribution" in uniform.feedback
