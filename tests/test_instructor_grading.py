"""End to end: a class of submissions made here (right, wrong, hostile, broken) graded by ``vaecourse grade``.

Every expected score below is worked out from what the submission does and the exercise's points in
the manifest (a catalogued mistake earns its catalogue credit), never copied from the grader's output.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from vaecourse.grading import get_exercise
from vaecourse.grading.editions import hidden_regions
from vaecourse.instructor import Limits, assign, grade_class, merge
from vaecourse.instructor.confine import landlock_abi
from vaecourse.instructor.demo import CORRECT, fill_notebook
from vaecourse.instructor.gradebook import read_csv
from vaecourse.instructor.manifest import course_root

LIMITS = Limits(cell_timeout=8, notebook_timeout=60, check_timeout=4, output_chars=50_000)
DEADLINE = "2030-01-01T00:00:00+00:00"
IDS = ("gaussian_kl", "kl_practice", "bernoulli_log_likelihood", "gaussian_loglik_value", "reductions_choice")
SOURCE = course_root() / "exercises" / "source" / "s4_gaussian_kl.ipynb"


def _secret_lines() -> list[str]:
    """Lines of the instructor edition's solutions and hidden tests, and of the hidden reference."""
    import inspect

    texts = hidden_regions(nbformat.read(str(SOURCE), as_version=4))
    texts.append(inspect.getsource(get_exercise("gaussian_kl").reference))
    return sorted({line.strip() for text in texts for line in text.splitlines() if len(line.strip()) >= 16})


def _choice_letter_with_mistake(exercise_id: str) -> tuple[str, str]:
    mistake = next(m for m in get_exercise(exercise_id).mistakes if m.choices)
    return sorted(mistake.choices)[0], mistake.name


def _points(exercise_id: str, credit: float = 1.0) -> float:
    return get_exercise(exercise_id).points * credit


def _kernel_code(victim, planted) -> dict[str, dict]:
    """Each student's answers (code replacing the stubs) and the row we expect for it."""
    letter, choice_mistake = _choice_letter_with_mistake("reductions_choice")
    half = next(m for m in get_exercise("gaussian_kl").mistakes if m.name == "kl_missing_half")
    full = {i: _points(i) for i in IDS}
    students = {
        "correct": dict(answers={}, scores=full, status="ok"),
        "partly_correct": dict(  # one stub left, one wrong number that is no catalogued mistake
            answers={"bernoulli_log_likelihood": None, "gaussian_value": "gaussian_value = 42.0"},
            scores={**full, "bernoulli_log_likelihood": 0, "gaussian_loglik_value": 0}, status="ok",
        ),
        "mistakes": dict(
            answers={
                "gaussian_kl": "def gaussian_kl(mu, logvar):\n    return (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)",
                "reductions_answer": f"reductions_answer = {letter!r}",
            },
            scores={**full, "gaussian_kl": _points("gaussian_kl", half.credit), "reductions_choice": 0},
            mistakes={"gaussian_kl:kl_missing_half", f"reductions_choice:{choice_mistake}"}, status="ok",
        ),
        "raising_and_renamed": dict(  # raises when called, raises at top level, and renames a function
            answers={
                "gaussian_kl": CORRECT["gaussian_kl"].replace("def gaussian_kl", "def my_gaussian_kl"),
                "bernoulli_log_likelihood": "def bernoulli_log_likelihood(logits, x):\n    raise RuntimeError('not today')",
                "reductions_answer": "reductions_answer = 'b'\nraise KeyError('a top-level error')",
            },
            scores={**full, "gaussian_kl": 0, "bernoulli_log_likelihood": 0}, status="missing_answers",
            problem="renamed or deleted?): gaussian_kl",
        ),
        "looping": dict(  # a function that never returns, and a cell that never ends (interrupted)
            answers={
                "gaussian_kl": "def gaussian_kl(mu, logvar):\n    while True:\n        pass",
                "kl_value": "kl_value = 3.125\nimport time\nwhile True:\n    time.sleep(0.05)",
            },
            scores={**full, "gaussian_kl": 0}, status="timeout", problem="interrupted",
        ),
        "stubborn_loop": dict(  # ignores the interrupt: the kernel is killed, nothing is collected
            answers={"kl_value": "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nkl_value = 3.125\n"
                                 "while True:\n    time.sleep(0.05)"},
            scores={i: 0 for i in IDS}, status="timeout", problem="kernel was stopped",
        ),
        "vandal": dict(  # floods the output, then tries to delete and plant files outside its folder
            answers={
                "kl_value": "kl_value = 3.125\nprint('x' * 3_000_000)\nfor _ in range(2000):\n    print('y' * 100)",
                "reductions_answer": (
                    "reductions_answer = 'b'\nimport os, shutil, pathlib\n"
                    "shutil.rmtree(pathlib.Path.cwd().parent, ignore_errors=True)\n"
                    f"pathlib.Path({str(planted)!r}).write_text('planted')\nos.remove({str(victim)!r})"
                ),
            },
            scores=full, status="cell_error", problem="output dropped",
        ),
        "solution_reader": dict(
            answers={
                "gaussian_kl": (
                    "def gaussian_kl(mu, logvar):\n    import inspect, vaecourse.grading.bank.s4_gaussian_kl as bank\n"
                    "    raise ValueError(inspect.getsource(bank._gaussian_kl))"
                ),
                "kl_value": (
                    "kl_value = 3.125\nimport inspect, vaecourse.grading.bank.s4_gaussian_kl as bank\n"
                    "print(inspect.getsource(bank))\ntry:\n"
                    f"    print(open({str(SOURCE)!r}).read())\nexcept OSError as exc:\n    print(exc)"
                ),
                "reductions_answer": (
                    "reductions_answer = 'b'\nimport inspect, vaecourse.grading.bank.s4_gaussian_kl as bank\n"
                    "raise RuntimeError(inspect.getsource(bank._gaussian_kl))"
                ),
            },
            scores={**full, "gaussian_kl": 0}, status="cell_error", flag="hidden reference",
        ),
        "forger": dict(  # leaves the stubs, claims passes through the checker and the grader's collector
            answers={"gaussian_kl": None, "kl_value": None, "reductions_answer": (
                "reductions_answer = None\n"
                "import vaecourse.grading.checker as C, vaecourse.grading.result as R\n"
                "import vaecourse.instructor.collect as collect\n"
                "C.grade = lambda exercise, answer, **kw: R.make_result(exercise, R.PASSED, 'forged')\n"
                "def forged(exercise, answer, **kw):\n"
                "    if exercise.kind == 'function':\n"
                "        return {'kind': 'outcome', 'outcome': {'status': 'ok', 'value': [{'case': 'nope', 'value': 1}]}}\n"
                "    return {'kind': 'precheck', 'result': dict(exercise_id=exercise.id, status='passed', score=99,\n"
                "            max_score=exercise.points, feedback='[pass] forged')}\n"
                "collect.report_answer = forged\n"
                "print('[pass] gaussian_kl (the closed-form Gaussian KL): 2 / 2 points')"
            )},
            scores={i: 0 for i in IDS}, status="ok", flag="touches the grader's own modules",
        ),
    }
    if not landlock_abi():  # without Landlock nothing stops the vandal: it would really delete files
        del students["vandal"]
    return students


def _write_class(root, expected_answers: dict[str, dict]):
    manifest = assign(["s4"], root / "assignment")
    notebook = manifest["sessions"][0]["notebook"]
    student_nb = nbformat.read(str(root / "assignment" / notebook), as_version=4)
    subs = root / "submissions"
    for student, spec in expected_answers.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(fill_notebook(student_nb, {**CORRECT, **spec["answers"]}), str(subs / student / notebook))
    (subs / "invalid_json").mkdir()
    (subs / "invalid_json" / notebook).write_text('{"cells": [', encoding="utf-8")
    expected_answers["invalid_json"] = dict(scores={i: 0 for i in IDS}, status="malformed", problem="invalid JSON")
    return subs, root / "assignment" / "manifest.json", notebook


def _check_rows(rows: dict, expected: dict) -> None:
    assert sorted(rows) == sorted(expected)
    for student, spec in expected.items():
        row = rows[student]
        assert row["status"] == spec["status"], (student, row)
        for exercise_id in IDS:
            assert float(row[exercise_id]) == pytest.approx(spec["scores"][exercise_id]), (student, exercise_id, row)
        total = sum(spec["scores"].values())
        assert float(row["total"]) == pytest.approx(total) and float(row["max"]) == sum(_points(i) for i in IDS)
        assert row["mastered"] == ("yes" if total / float(row["max"]) >= 0.8 else "no")
        if "mistakes" in spec:
            assert set(row["mistakes"].split("; ")) == spec["mistakes"], row["mistakes"]
        if "problem" in spec:
            assert spec["problem"] in row["problems"], (student, row["problems"])
        if "flag" in spec:
            assert spec["flag"] in row["flags"], (student, row["flags"])


def test_a_class_is_graded_row_by_row_safely_and_repeatably(tmp_path):
    victim, planted = tmp_path / "victim.txt", tmp_path / "planted.txt"
    victim.write_text("the test's own file")
    expected = _kernel_code(victim, planted)
    subs, manifest, _ = _write_class(tmp_path, expected)
    (subs / "correct" / "notes.txt").write_text("an extra file")
    (subs / "partly_correct" / "submission.json").write_text(json.dumps({"submitted_at": "2030-01-02T09:00:00+00:00"}))
    (subs / "not_a_notebook.pdf").write_bytes(b"%PDF-1.4 not a notebook")
    expected["not_a_notebook"] = dict(scores={i: 0 for i in IDS}, status="malformed", problem="no notebook")
    out = tmp_path / "out"
    summary = grade_class(subs, out, manifest=manifest, workers=2, limits=LIMITS, deadline=DEADLINE)
    assert summary["ran"] == len(expected) and summary["reused"] == 0
    rows = {row["student"]: row for row in read_csv(out / "grades.csv")}
    _check_rows(rows, expected)

    # lateness (submission.json, else the file time), extra files, a clean row
    assert rows["partly_correct"]["late"] == "yes" and rows["correct"]["late"] == "no"
    assert rows["partly_correct"]["submitted_at"] == "2030-01-02T09:00:00+00:00"
    assert "extra files ignored: notes.txt" in rows["correct"]["problems"]
    assert rows["correct"]["flags"] == "" and rows["correct"]["mistakes"] == ""

    # hostile code stayed in its folder (where the kernel can confine it)
    if landlock_abi():
        assert victim.read_text() == "the test's own file"
        assert not planted.exists()

    # feedback explains lost points and never shows hidden text, nor does the CSV
    secrets = _secret_lines()
    assert len(secrets) >= 3
    texts = {p.stem: p.read_text() for p in (out / "feedback").glob("*.md")}
    assert sorted(texts) == sorted(expected)
    texts["grades.csv"] = (out / "grades.csv").read_text()
    for name, text in texts.items():
        assert not [line for line in secrets if line in text], name
    assert "Named mistake: `kl_missing_half`" in texts["mistakes"] and "s4-closed-form-kl" in texts["mistakes"]
    if landlock_abi():  # the kernel cannot even read the hidden reference
        assert "PermissionError" in texts["solution_reader"]
    else:  # it can, but its error message quoting it is withheld
        assert "[withheld]" in texts["solution_reader"]
    assert "Passed." in texts["correct"] and "mastery reached" in texts["correct"]

    # interrupted before two students: a re-run grades only them, in fresh processes, identically
    before = texts["grades.csv"]
    for student in ("correct", "mistakes"):
        (out / "results" / f"{student}.json").unlink()
    again = grade_class(subs, out, manifest=manifest, workers=2, limits=LIMITS, deadline=DEADLINE)
    assert again["ran"] == 2 and again["reused"] == len(expected) - 2
    assert (out / "grades.csv").read_text() == before
    feedback = {p.stem: p.read_text() for p in (out / "feedback").glob("*.md")}
    assert feedback == {k: v for k, v in texts.items() if k != "grades.csv"}


def test_an_interrupted_shard_resumes_and_shards_merge_into_one_gradebook(tmp_path):
    letter, choice_mistake = _choice_letter_with_mistake("reductions_choice")
    full = {i: _points(i) for i in IDS}
    expected = {
        "correct": dict(answers={}, scores=full, status="ok"),
        "wrong_choice": dict(answers={"reductions_answer": f"reductions_answer = {letter!r}"},
                             scores={**full, "reductions_choice": 0}, mistakes={f"reductions_choice:{choice_mistake}"},
                             status="ok"),
    }
    subs, manifest, _ = _write_class(tmp_path, expected)  # sorted: correct, invalid_json, wrong_choice

    def interrupt(student, record, done, total):
        raise KeyboardInterrupt

    run = dict(manifest=manifest, workers=1, limits=LIMITS, deadline=DEADLINE)
    with pytest.raises(KeyboardInterrupt):  # shard 1/2 holds correct and wrong_choice; stop after the first
        grade_class(subs, tmp_path / "shard1", shard=(1, 2), on_progress=interrupt, **run)
    assert len(list((tmp_path / "shard1" / "results").glob("*.json"))) == 1
    resumed = grade_class(subs, tmp_path / "shard1", shard=(1, 2), **run)
    assert resumed["reused"] == 1 and resumed["ran"] == 1
    grade_class(subs, tmp_path / "shard2", shard=(2, 2), **run)

    summary = merge([tmp_path / "shard1", tmp_path / "shard2"], tmp_path / "merged")
    assert summary["missing_students"] == [] and summary["missing_shards"] == [] and summary["duplicates"] == []
    merged = {row["student"]: row for row in read_csv(tmp_path / "merged" / "grades.csv")}
    _check_rows(merged, expected)
    unsharded = grade_class(subs, tmp_path / "merged", **run)  # every record is reused: nothing changes
    assert unsharded["ran"] == 0
    assert {row["student"]: row for row in read_csv(tmp_path / "merged" / "grades.csv")} == merged

    partial = merge([tmp_path / "shard1"], tmp_path / "partial")
    assert partial["missing_shards"] == ["2/2"] and partial["missing_students"] == ["invalid_json"]
