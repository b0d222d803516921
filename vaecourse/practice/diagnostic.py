"""The entry diagnostic: a short auto-checked quiz on the prerequisites, each miss pointing to its refresher section.

The course assumes three things: Bayesian inference, neural networks in PyTorch, and the KL
divergence. Each question here tests one of them (plus the course's notation) and names the
section of the book that refreshes it. A wrong answer that matches a classic confusion is named by its
entry in the one mistake catalogue (:mod:`vaecourse.grading.mistakes`)::

    from vaecourse.practice import diagnostic
    diagnostic.show()                             # the questions, with their ids
    diagnostic.check("bayes_rule", 0.9)           # names the mistake, points to the refresher
    diagnostic.check_all({"bayes_rule": 0.1538, "linear_shape": (32, 20)})  # a summary by topic

Answers are numbers, tuples of numbers (a tensor shape such as ``torch.Size([32, 20])`` works) or
option letters; numbers are accepted to three significant digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..grading.choices import parse_letters
from ..grading.compare import numbers_close
from ..grading.mistakes import entry
from ..grading.observe import as_floats, encode
from .diagnostic_questions import QUESTIONS, REFRESHERS, TOPICS, Question, refresher_reference
from .skill import PRINT_WIDTH, wrap

__all__ = [
    "QUESTIONS",
    "REFRESHERS",
    "TOPICS",
    "DiagnosticResult",
    "Question",
    "check",
    "check_all",
    "questions",
    "show",
]

_BY_ID = {q.id: q for q in QUESTIONS}


@dataclass(frozen=True)
class DiagnosticResult:
    """The outcome of one question: ``correct``, the named ``mistake`` (a catalogue id, if any) and the feedback text."""

    question_id: str
    correct: bool
    attempted: bool
    feedback: str
    refresher: str
    mistake: str | None = None

    def __str__(self) -> str:
        return self.feedback


def questions(topic: str | None = None) -> list[Question]:
    """The questions, optionally of one topic (``bayes``, ``pytorch``, ``kl``, ``notation``)."""
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"topic must be one of {', '.join(TOPICS)}, got {topic!r}")
    return [q for q in QUESTIONS if topic is None or q.topic == topic]


def describe(question: Question) -> str:
    lines = [f"[{question.id}] ({TOPICS[question.topic]}) {question.prompt}"]
    lines += [f"    ({letter}) {text}" for letter, text in question.options.items()]
    call = f"diagnostic.check({question.id!r}, ...)"
    answer = f"    Answer with {question.answer_form}: {call}"
    lines.append(answer if len(answer) <= PRINT_WIDTH else f"    Answer with {question.answer_form}:\n        {call}")
    return wrap("\n".join(lines))


def show(topic: str | None = None) -> None:
    """Print the questions (of one topic, or all) and how to answer each."""
    print("\n\n".join(describe(q) for q in questions(topic)))


def _matches(question: Question, encoded: dict, want) -> bool:
    if question.options:
        letters = parse_letters(encoded)
        return letters is not None and letters == set(want)
    got = as_floats(encoded)
    return got is not None and numbers_close(got, list(want), question.rtol, 1e-9)


def check(question_id: str, answer, *, quiet: bool = False) -> DiagnosticResult:
    """Check ``answer`` to one question; print and return the result (a miss names the section to refresh)."""
    if question_id not in _BY_ID:
        raise ValueError(f"question_id must be one of {', '.join(_BY_ID)}, got {question_id!r}")
    question = _BY_ID[question_id]
    pointer = f"Refresh: {refresher_reference(question.refresher)}"
    if answer is None or answer is Ellipsis:
        result = DiagnosticResult(
            question_id, False, False, f"[todo] {question_id}: not answered yet.", question.refresher
        )
    else:
        encoded = encode(answer)
        if _matches(question, encoded, question.answer):
            result = DiagnosticResult(question_id, True, True, f"[pass] {question_id}: correct.", question.refresher)
        else:
            text, name = "Not correct yet; the section below covers it.", None
            for wrong, mistake_id in question.mistakes:
                if _matches(question, encoded, frozenset(wrong) if question.options else wrong):
                    mistake = entry(mistake_id)
                    text, name = f"Mistake found: {mistake.title} ({mistake.name}). {mistake.explanation}", mistake.name
                    break
            result = DiagnosticResult(
                question_id, False, True, f"[fail] {question_id}: {text}\n    {pointer}", question.refresher, name
            )
    if not quiet:
        print(wrap(result.feedback))
    return result


def check_all(answers: dict, *, quiet: bool = False) -> dict[str, DiagnosticResult]:
    """Check every question (unanswered ones count as not attempted); print a summary by topic and what to refresh."""
    unknown = sorted(set(answers) - set(_BY_ID))
    if unknown:
        raise ValueError(f"unknown question ids {unknown}; the ids are {', '.join(_BY_ID)}")
    results = {q.id: check(q.id, answers.get(q.id), quiet=True) for q in QUESTIONS}
    lines = ["Entry diagnostic", ""]
    for topic, title in TOPICS.items():
        mine = [results[q.id] for q in questions(topic)]
        lines.append(f"  {title:<30} {sum(r.correct for r in mine)} / {len(mine)}")
    refresh = list(dict.fromkeys(r.refresher for r in results.values() if not r.correct))
    if refresh:
        lines += ["", "Refresh before Session 1, or alongside it (an unanswered question counts as a miss):"]
        lines += [f"  - {refresher_reference(label)}" for label in refresh]
    else:
        lines += ["", "All correct: you are ready for Session 1."]
    if not quiet:
        print(wrap("\n".join(lines)))
    return results
