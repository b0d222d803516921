"""Student editions: generated from the instructor sources, free of solutions, runnable top to bottom."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from vaecourse.grading import clear_results, exercises_for_session, latest_results
from vaecourse.grading.editions import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    STUB_COMMENT,
    EditionError,
    edition_pairs,
    hidden_regions,
    main,
    make_student_edition,
    strip_code,
    student_edition_text,
)
from vaecourse.grading.sections import SESSIONS

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [pytest.param(src, dst, id=src.stem) for src, dst in edition_pairs(ROOT)]


@pytest.mark.parametrize(("source", "student"), PAIRS)
def test_committed_student_edition_is_what_the_generator_makes(source, student):
    assert student.read_text(encoding="utf-8") == student_edition_text(source), (
        f"{student} is stale: run python -m vaecourse.grading.editions"
    )


@pytest.mark.parametrize(("source", "student"), PAIRS)
def test_no_solution_or_hidden_test_survives(source, student):
    regions = hidden_regions(nbformat.read(str(source), as_version=4))
    assert regions, "the source marks its solutions"
    edition = nbformat.read(str(student), as_version=4)
    text = "\n".join(cell.source for cell in edition.cells)
    for region in regions:
        for line in region.splitlines():
            code = line.strip()
            if code and not code.startswith("#"):
                assert code not in text, f"solution text leaked into {student.name}: {code!r}"
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert all(cell.get("outputs", []) == [] for cell in edition.cells)
    assert edition.metadata["vaecourse"] == {"session": source.stem.split("_")[0], "edition": "student"}


@pytest.mark.parametrize(("source", "student"), PAIRS)
def test_notebook_checks_every_exercise_of_its_session_in_order(source, student):
    session = source.stem.split("_")[0]
    text = "\n".join(cell.source for cell in nbformat.read(str(student), as_version=4).cells)
    checked = re.findall(r'check\("([a-z0-9_]+)"', text)
    exercises = exercises_for_session(session)
    assert checked == [e.id for e in exercises]
    points = sum(e.points for e in exercises)
    assert f"({points:g} in this session)" in text and "80%" in text
    assert f'gate("{session}")' in text


def _run_in_process(path: Path) -> dict:
    """Execute a notebook's code cells in one namespace (faster than a kernel; nbval runs real kernels)."""
    namespace: dict = {"__name__": "__main__"}
    for index, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
        if cell.cell_type == "code":
            exec(compile(cell.source, f"<{path.name} cell {index}>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize(("source", "student"), PAIRS)
def test_instructor_edition_passes_and_student_edition_reports_not_attempted(source, student, tmp_path, monkeypatch):
    monkeypatch.setenv("VAECOURSE_DATA_DIR", str(tmp_path))
    session = source.stem.split("_")[0]
    clear_results()
    gate_result = _run_in_process(source)["gate_result"]  # the hidden asserts check every result
    assert gate_result.passed and gate_result.score == gate_result.max_score
    clear_results()
    gate_result = _run_in_process(student)["gate_result"]
    statuses = {r.status for r in latest_results().values()}
    assert statuses == {"not_attempted"} and len(latest_results()) == len(exercises_for_session(session))
    assert not gate_result.passed and gate_result.score == 0
    assert (tmp_path / "progress.json").exists()


def test_markers_are_replaced_with_a_stub_comment_at_their_indentation():
    source = (
        "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n    raise NotImplementedError\n"
    )
    assert strip_code(source) == f"def f(x):\n    {STUB_COMMENT}\n    raise NotImplementedError"
    hidden = f"r = check('f', f)\n{BEGIN_HIDDEN}\nassert r.passed\n### END HIDDEN TESTS"
    assert strip_code(hidden) == "r = check('f', f)"


@pytest.mark.parametrize(
    "source",
    [
        f"{BEGIN_SOLUTION}\nx = 1\n",  # never closed
        "x = 1\n### END SOLUTION\n",  # closed without opening
        f"{BEGIN_SOLUTION}\n{BEGIN_HIDDEN}\n### END HIDDEN TESTS\n### END SOLUTION\n",  # nested
        f"{BEGIN_SOLUTION}\nx = 1\n### END HIDDEN TESTS\n",  # mismatched
    ],
)
def test_unbalanced_markers_are_reported(source):
    with pytest.raises(EditionError, match="line"):
        strip_code(source, "cell 3")


def test_make_student_edition_writes_a_reproducible_file(tmp_path):
    source = ROOT / SESSIONS["s4"].source_notebook
    first = make_student_edition(source, tmp_path / "a" / "s4.ipynb").read_bytes()
    second = make_student_edition(source, tmp_path / "b.ipynb").read_bytes()
    assert first == second == (ROOT / SESSIONS["s4"].notebook).read_bytes()
    assert nbformat.validate(nbformat.reads(first.decode(), as_version=4)) is None


def test_the_regeneration_command_finds_no_drift(capsys):
    assert main(["--root", str(ROOT), "--check"]) == 0
    assert "stale" not in capsys.readouterr().out
