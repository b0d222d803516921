"""The instructors' ecosystem on a real (small) class: the book's Slurm and Kubernetes files, re-publishing, Gradescope.

Notebooks run here, so the class is tiny: the demo's right and partly right Session 4 notebooks and
one broken file. The Slurm script and the Indexed Job manifest are read from book/instructors.md
and run locally, each shard as its own process with the batch system's variable set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from test_instructor_ecosystem import check_gradescope_results
from vaecourse.grading import get_exercise
from vaecourse.instructor import grade_class
from vaecourse.instructor.demo import CORRECT, fill_notebook, variant_answers, write_demo_class
from vaecourse.instructor.gradebook import read_csv
from vaecourse.instructor.gradescope import build_autograder
from vaecourse.instructor.manifest import course_root, load_manifest
from vaecourse.instructor.publish import class_policy

BOOK = course_root() / "book" / "instructors.md"
BIN = str(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """``submissions/`` and ``assignment/`` as the book's commands expect them, graded once on one machine."""
    root = tmp_path_factory.mktemp("course")
    subs, manifest = write_demo_class(root, students=2)  # student001_correct, student002_partly_correct
    (subs / "student003_broken").mkdir()
    (subs / "student003_broken" / "s4_gaussian_kl.ipynb").write_text('{"cells": [', encoding="utf-8")
    grade_class(subs, root / "single", manifest=manifest, workers=2)  # the command line's default limits
    return root, load_manifest(manifest)


def _block(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", BOOK.read_text(encoding="utf-8"), flags=re.S)
    return next(b for b in blocks if marker in b)


def _workdir(course, folder: Path) -> Path:
    root, _ = course
    for name in ("submissions", "assignment"):
        shutil.copytree(root / name, folder / name)  # copy2 keeps the times the late rule reads
    return folder


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "JOB_COMPLETION", "VAECOURSE_SHARD"))}
    return {**env, "PATH": BIN + os.pathsep + env.get("PATH", ""), **extra}


def _run_all(commands: list[tuple[list[str], dict]], cwd: Path) -> None:
    processes = [subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for cmd, env in commands]
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output


def _same_as_one_machine(course, merged: Path) -> None:
    root, _ = course
    assert (merged / "grades.csv").read_text() == (root / "single" / "grades.csv").read_text()
    feedback = lambda folder: {p.name: p.read_text() for p in (folder / "feedback").glob("*.md")}  # noqa: E731
    assert feedback(merged) == feedback(root / "single") and len(feedback(merged)) == 3


def test_the_books_slurm_array_merges_to_the_one_machine_gradebook(course, tmp_path):
    script = _block("bash", "#SBATCH --array")
    work = _workdir(course, tmp_path)
    (work / "grade.sbatch").write_text(script)
    tasks = [(["bash", "grade.sbatch"], _env(SLURM_ARRAY_TASK_ID=str(i), SLURM_ARRAY_TASK_MIN="1", SLURM_ARRAY_TASK_MAX="2",
                                               SLURM_ARRAY_TASK_STEP="1", SLURM_ARRAY_TASK_COUNT="2")) for i in (1, 2)]
    _run_all(tasks, work)
    shards = {p.name: json.loads((p / "grading.json").read_text()) for p in (work / "graded").iterdir()}
    assert {n: s["graded"] for n, s in shards.items()} == {  # interleaved: students 1 and 3, then 2
        "shard-1": ["student001_correct", "student003_broken"], "shard-2": ["student002_partly_correct"]}
    merge = _block("bash", "--merge graded/shard-*")
    _run_all([(["bash", "-c", merge], _env())], work)
    _same_as_one_machine(course, work / "graded" / "all")


def test_the_books_indexed_job_merges_to_the_one_machine_gradebook(course, tmp_path):
    yaml = pytest.importorskip("yaml")
    job = yaml.safe_load(_block("yaml", "completionMode: Indexed"))
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item["value"] for item in container.get("env", [])}
    assert env["VAECOURSE_SHARD_COUNT"] == str(job["spec"]["completions"])  # the count the pods are told
    work = _workdir(course, tmp_path)
    pods = [(container["command"], _env(**{**env, "VAECOURSE_SHARD_COUNT": "2", "JOB_COMPLETION_INDEX": str(i)}))
            for i in range(2)]  # the same Job with completions: 2
    _run_all(pods, work)
    assert sorted(p.name for p in (work / "graded").iterdir()) == ["shard-0", "shard-1"]
    _run_all([(["vaecourse", "grade", "--merge", "graded/shard-0", "graded/shard-1", "--out", "graded/all"], _env())], work)
    _same_as_one_machine(course, work / "graded" / "all")


def test_roster_overrides_and_late_policy_republish_without_regrading(course, tmp_path):
    root, manifest = course
    out = tmp_path / "graded"
    shutil.copytree(root / "single", out)
    (tmp_path / "roster.csv").write_text("student,name,email\nstudent001_correct,Ada Lovelace,ada@x.edu\n"
                                         "student002_partly_correct,Alan Turing,alan@x.edu\nstudent009_absent,Emmy Noether,e@x.edu\n")
    (tmp_path / "overrides.csv").write_text("student,exercise,points,comment\n"
                                            "student002_partly_correct,bernoulli_log_likelihood,1,regraded by hand\n")
    policy = class_policy(manifest, deadline="2000-01-01T00:00+00:00", penalty="10%/day", cap="30%",
                          roster=tmp_path / "roster.csv", overrides=tmp_path / "overrides.csv", formats=("canvas",))
    summary = grade_class(root / "submissions", out, manifest=manifest, policy=policy)
    assert summary["ran"] == 0 and summary["missing"] == ["student009_absent"]
    assert summary["not_on_roster"] == ["student003_broken"]
    before = {r["student"]: r for r in read_csv(root / "single" / "grades.csv")}
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    partly = rows["student002_partly_correct"]
    assert float(partly["total"]) == float(before["student002_partly_correct"]["total"]) + 1
    # decades late: the cap holds, 30% of 7 points
    assert (partly["late"], partly["late_penalty"], float(partly["final"])) == ("yes", "2.1", float(partly["total"]) - 2.1)
    assert rows["student009_absent"]["status"] == "missing"
    canvas = (out / "exports" / "canvas.csv").read_text().splitlines()
    assert canvas[2:] == [f'"Lovelace, Ada",,,,,{float(rows["student001_correct"]["final"]):g}',
                          f'"Turing, Alan",,,,,{float(partly["final"]):g}', '"Noether, Emmy",,,,,0']
    assert "regraded by hand" in (out / "feedback" / "student002_partly_correct.md").read_text()
    assert (out / "similar_answers.csv").read_text().startswith("exercise,group,students,count,nodes")


def _gradescope_root(archive: Path, folder: Path, notebook) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder / "source")
        for info in zipped.infolist():  # zipfile drops the permission bits: set them as Gradescope does
            os.chmod(folder / "source" / info.filename, (info.external_attr >> 16) & 0o777 or 0o644)
    (folder / "submission").mkdir()
    (folder / "results").mkdir()
    nbformat.write(notebook, str(folder / "submission" / "s4_gaussian_kl.ipynb"))
    return folder


def test_gradescope_autograder_grades_correct_wrong_and_hostile_submissions(course, tmp_path):
    root, manifest = course
    archive = tmp_path / "autograder.zip"
    build_autograder(["s4"], archive)
    student_nb = nbformat.read(str(root / "assignment" / "s4_gaussian_kl.ipynb"), as_version=4)
    forged = {"tests": [{"name": "all", "score": 99.0, "max_score": 7.0, "output": "forged"}]}
    hostile_code = ("reductions_answer = 'b'\nimport json, pathlib\n"
                    f"pathlib.Path({str(tmp_path / 'hostile' / 'results' / 'results.json')!r}).write_text({json.dumps(forged)!r})")
    cases = {
        "correct": fill_notebook(student_nb, CORRECT),
        "wrong": fill_notebook(student_nb, variant_answers("kl_missing_half")),
        "hostile": fill_notebook(student_nb, {"reductions_answer": hostile_code}),  # stubs left, results forged
    }
    roots = {name: _gradescope_root(archive, tmp_path / name, nb) for name, nb in cases.items()}
    setup = subprocess.run(["bash", str(roots["correct"] / "source" / "setup.sh")], env=_env(VAECOURSE_SKIP_INSTALL="1"),
                           capture_output=True, text=True)
    assert setup.returncode == 0 and "nothing installed" in setup.stdout
    _run_all([([str(r / "source" / "run_autograder")], _env(AUTOGRADER_ROOT=str(r), VAECOURSE_PYTHON=sys.executable))
              for r in roots.values()], tmp_path)
    results = {name: json.loads((r / "results" / "results.json").read_text()) for name, r in roots.items()}
    points = {e["id"]: e["points"] for e in manifest["sessions"][0]["exercises"]}
    for name, result in results.items():
        check_gradescope_results(result)
        assert [t["name"].split(":")[0] for t in result["tests"]] == list(points), name
    scores = {name: {t["name"].split(":")[0]: t["score"] for t in r["tests"]} for name, r in results.items()}
    assert scores["correct"] == points
    half = next(m for m in get_exercise("gaussian_kl").mistakes if m.name == "kl_missing_half")
    assert scores["wrong"] == {**points, "gaussian_kl": points["gaussian_kl"] * half.credit}
    assert "Mistake found: the factor 1/2 is missing" in next(t["output"] for t in results["wrong"]["tests"] if t["name"].startswith("gaussian_kl:"))
    assert scores["hostile"] == {**{i: 0.0 for i in points}, "reductions_choice": points["reductions_choice"]}
    assert "forged" not in json.dumps(results["hostile"])
