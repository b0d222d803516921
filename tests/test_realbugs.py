"""Real buggy VAE code from public repositories is rejected and named by the checker; real correct code passes.

The cases live in ``tests/realbugs/`` (one module per topic, each case with its source). Where today's
checker falls short, ``tests/realbugs/gaps.py`` says how, and the case is a strict xfail: the
entry must be removed when the checker starts catching it. ``python -m tests.realbugs.report``
prints the counts.
"""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from realbugs import all_cases  # noqa: E402
from realbugs.gaps import GAPS  # noqa: E402
from realbugs.report import grade_case, precondition  # noqa: E402

CASES = all_cases()


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=f"today's checker: {GAPS[case.id]}")] if case.id in GAPS else []
    return pytest.param(case, id=case.id, marks=marks)


BUGS = [_param(c) for c in CASES if c.buggy]
CORRECT = [_param(c) for c in CASES if not c.buggy]


def test_collection_is_large_and_sourced():
    bugs = [c for c in CASES if c.buggy]
    assert len(bugs) >= 40 and len({c.exercise for c in bugs}) >= 8
    assert len(CASES) - len(bugs) >= 20  # correct answers in several real styles
    for case in bugs:  # each bug names its repository (owner/name) and a file or an issue/PR number
        assert re.search(r"[\w.-]+/[\w.-]+", case.source), case.id
        # a file in any language the code was ported from (.py, .ipynb, .js, .jl, .cs, .rst, .m, ...) or the page that shows it (.html)
        assert re.search(r"#\d+|\.(py|ipynb|js|jl|cs|rst|m|cpp|c|r|ts|html)\b", case.source), case.id
        assert all(re.fullmatch(r"[a-z0-9_]+", m) for m in case.expect), case.id
    for case in CASES:
        assert case.source.strip(), case.id
    assert set(GAPS) <= {c.id for c in CASES}, "gaps.py names a case that does not exist"


@pytest.mark.parametrize("case", BUGS)
def test_real_bug_is_rejected_and_named(case):
    reason = precondition(case)
    if reason:
        pytest.fail(f"{case.id}: {reason} (the exercise must keep the one free-bits definition)")
    result = grade_case(case)
    assert not result.passed and result.score < result.max_score, f"{case.id} ({case.wrong}) was accepted: {result.feedback}"
    assert result.mistake is not None, f"{case.id} ({case.wrong}) was rejected but not named: {result.feedback}"
    if case.expect:
        assert result.mistake in case.expect, f"{case.id}: named {result.mistake}, expected one of {case.expect}"


@pytest.mark.parametrize("case", CORRECT)
def test_real_correct_answer_passes(case):
    reason = precondition(case)
    if reason:
        pytest.fail(f"{case.id}: {reason} (the exercise must keep the one free-bits definition)")
    result = grade_case(case)
    assert result.passed and result.score == result.max_score, f"{case.id} ({case.source}) failed: {result.feedback}"
