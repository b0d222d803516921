"""The entry diagnostic: right answers (derived independently) pass, wrong ones fail and point to an existing refresher."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from torch.distributions import Bernoulli, kl_divergence

from vaecourse.grading.mistakes import entry
from vaecourse.practice import diagnostic

ROOT = Path(__file__).resolve().parents[1]


def _independent_answers() -> dict:
    """Each question's answer computed here, by running the code or the arithmetic it describes."""
    w = torch.tensor(3.0, requires_grad=True)
    ((2 * w) ** 2).backward()
    positive = 0.01 * 0.9 + 0.99 * 0.05
    return {
        "bayes_rule": 0.01 * 0.9 / positive,
        "conjugate_update": ((0 / 1 + 2 / 1) / (1 / 1 + 1 / 1), 1 / (1 / 1 + 1 / 1)),
        "evidence": 0.7 * 0.2 + 0.3 * 0.9,
        "mc_error": 100 * (0.2 / 0.05) ** 2,
        "linear_shape": torch.nn.Linear(784, 20)(torch.randn(32, 784)).shape,
        "sum_shape": torch.ones(8, 3, 5).sum(dim=-1).shape,
        "autograd": w.grad,
        "training_loop": "a",
        "kl_bernoulli": kl_divergence(Bernoulli(probs=torch.tensor(0.5)), Bernoulli(probs=torch.tensor(0.25))).item(),
        "kl_properties": "(a)",
        "notation": "A",
    }


def test_every_question_has_an_independently_derived_answer_that_passes():
    answers = _independent_answers()
    assert set(answers) == {q.id for q in diagnostic.questions()}
    for question_id, answer in answers.items():
        result = diagnostic.check(question_id, answer, quiet=True)
        assert result.correct and result.attempted, (question_id, result.feedback)
    results = diagnostic.check_all(answers, quiet=True)
    assert all(r.correct for r in results.values())


@pytest.mark.parametrize(
    ("question", "index"), [(q.id, i) for q in diagnostic.questions() for i in range(len(q.mistakes))]
)
def test_each_classic_confusion_is_named_and_points_to_its_refresher(question, index):
    q = next(q for q in diagnostic.questions() if q.id == question)
    wrong, mistake_id = q.mistakes[index]
    result = diagnostic.check(question, wrong, quiet=True)
    assert not result.correct and result.mistake == mistake_id == entry(mistake_id).name  # named by catalogue id
    assert "Mistake found" in result.feedback and f"section {q.refresher}" in result.feedback
    assert entry(mistake_id).title in " ".join(result.feedback.split())


def test_other_wrong_answers_fail_with_a_pointer_and_none_is_not_attempted():
    for q in diagnostic.questions():
        wrong = "e" if q.options else tuple(v * 1.5 + 1 for v in q.answer)
        result = diagnostic.check(q.id, wrong, quiet=True)
        assert not result.correct and result.mistake is None and "Refresh: section" in result.feedback
        assert not diagnostic.check(q.id, None, quiet=True).attempted
    with pytest.raises(ValueError, match="question_id must be one of"):
        diagnostic.check("bayes", 0.1)
    with pytest.raises(ValueError, match="unknown question ids"):
        diagnostic.check_all({"nope": 1})


def test_every_prerequisite_is_covered_and_every_refresher_exists_in_the_book():
    topics = {q.topic for q in diagnostic.questions()}
    assert {"bayes", "pytorch", "kl"} <= topics
    pages = {
        "s1": ROOT / "book/s1_bayes/bayes_refresher.md",
        "notation": ROOT / "book/notation.md",
        "pytorch": ROOT / "book/pytorch_refresher.md",
    }
    for label in {q.refresher for q in diagnostic.questions()}:
        page = pages[label.split("-")[0]]
        assert re.search(rf"^\({re.escape(label)}\)=\s*$", page.read_text(), re.M), f"{page} lacks ({label})="


def test_check_all_summarises_by_topic_and_lists_what_to_refresh(capsys):
    answers = _independent_answers()
    answers["kl_bernoulli"] = 0.0
    del answers["evidence"]
    results = diagnostic.check_all(answers)
    out = capsys.readouterr().out
    assert not results["kl_bernoulli"].correct and not results["evidence"].attempted
    assert "the KL divergence" in out and "1 / 2" in out and "Bayesian inference             3 / 4" in out
    assert "s1-kl-divergence" in out and "s1-latent-variable-models" in out and "pytorch-autograd" not in out


def test_the_book_page_is_listed_and_linked_from_the_home_page():
    toc = (ROOT / "_toc.yml").read_text()
    start = toc.index("Start here")
    assert toc.index("book/diagnostic", start) < toc.index("Session 1")
    assert "book/pytorch_refresher" in toc
    home = (ROOT / "book/index.md").read_text()
    prerequisites = home[home.index("## Prerequisites") : home.index("## How to use")]
    assert "{ref}`entry diagnostic <entry-diagnostic>`" in prerequisites
    page = (ROOT / "book/diagnostic.md").read_text()
    assert page.splitlines()[0] == "---" and "(entry-diagnostic)=" in page and "diagnostic.check(" in page
    assert math.isclose(diagnostic.QUESTIONS[0].answer[0], 0.009 / 0.0585)


def test_a_displayed_question_hides_its_answer_and_the_confusions_it_catches():
    for question in diagnostic.questions():
        shown = repr(question)
        assert question.prompt in shown and "answer=" not in shown and "mistakes=" not in shown, question.id


def test_the_printed_questions_and_summary_fit_the_books_column(capsys):
    """The book prints them in a cell: every line fits its 74 characters, and the text is the same once unwrapped."""
    from vaecourse.practice.skill import PRINT_WIDTH

    diagnostic.show()
    diagnostic.check_all({})
    printed = capsys.readouterr().out
    too_long = [line for line in printed.splitlines() if len(line) > PRINT_WIDTH]
    assert PRINT_WIDTH <= 74, "74 characters of printed output fill a dropdown (666 px) at 1280 px"
    assert not too_long, too_long
    flat = " ".join(printed.split())
    for question in diagnostic.questions():
        assert " ".join(question.prompt.split()) in flat, question.id
