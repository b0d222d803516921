"""The instructors' ecosystem without running notebooks: late policy, overrides, roster, exports, shards, identical answers, Gradescope.

The export headers below are typed from each system's documentation (cited in
``vaecourse/instructor/exports.py``), not imported from the code under test; every expected number
is worked out by hand from the policy's rule.
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import datetime, timedelta, timezone

import nbformat
import pytest

from vaecourse.__main__ import main as cli_main
from vaecourse.instructor import assign
from vaecourse.instructor.demo import CORRECT, fill_notebook
from vaecourse.instructor.gradebook import read_csv
from vaecourse.instructor.gradescope import VISIBILITIES, build_autograder, results_json
from vaecourse.instructor.late import late_policy, parse_duration, parse_penalty
from vaecourse.instructor.overrides import apply_overrides, load_overrides
from vaecourse.instructor.publish import class_policy, publish
from vaecourse.instructor.roster import load_roster, reconcile
from vaecourse.instructor.shards import resolve_shard
from vaecourse.instructor.similarity import answer_code, canonical_digest, similar_answers
from vaecourse.instructor.submissions import discover, select_shard

UTC = timezone.utc
# Canvas Instructor Guide, "How do I import grades in the Gradebook?": the identity columns, in order.
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# MoodleDocs "Grade export"/"Grade import": the plain-text export's user columns (mapped at import).
MOODLE_HEADER = ["First name", "Last name", "ID number", "Email address"]
# jupyter/nbgrader nbgrader/plugins/export.py, CsvExportPlugin.export: the keys it writes.
NBGRADER_HEADER = ("assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
                   "late_submission_penalty,score,max_score").split(",")


@pytest.fixture(scope="module")
def s4(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s4")
    return folder, assign(["s4"], folder)


def _record(manifest, student, scores: dict, submitted=None, status="ok"):
    results = [{"exercise_id": e["id"], "session": "s4", "status": "passed" if scores.get(e["id"], 0) else "failed",
                "score": float(scores.get(e["id"], 0)), "max_score": e["points"], "passed": bool(scores.get(e["id"])),
                "mistake": None, "review": [], "feedback": f"[{e['id']}] feedback"}
               for e in manifest["sessions"][0]["exercises"]]
    return {"student": student, "status": status, "submitted_at": submitted, "problems": [], "flags": [],
            "results": results, "score": float(sum(r["score"] for r in results)),
            "max_score": float(sum(r["max_score"] for r in results)), "executions": {}}


# --- late policy ----------------------------------------------------------------------------------


def test_late_penalty_counts_started_periods_after_the_grace_up_to_the_cap():
    manifest = {"late_policy": {"deadline": "2030-01-01T12:00+00:00", "grace": "15m", "penalty": "10%/day", "cap": "25%",
                                "extensions": {"eve": "48h", "fay": "2030-01-05T00:00+00:00"}}}
    policy = late_policy(manifest)
    deadline = datetime(2030, 1, 1, 12, tzinfo=UTC)
    assess = lambda student, delta: policy.assess(student, deadline + delta, 8.0, 10.0)  # noqa: E731
    assert assess("ann", timedelta(minutes=-1))["late"] == "no"
    within_grace = assess("ann", timedelta(minutes=10))
    assert (within_grace["late"], within_grace["penalty"], within_grace["final"]) == ("yes", 0.0, 8.0)
    one_day = assess("ann", timedelta(hours=3))  # 2 h 45 min past the grace: one started day, 10% of 10 points
    assert (one_day["periods"], one_day["penalty"], one_day["final"]) == (1, 1.0, 7.0)
    two_days = assess("ann", timedelta(hours=24, minutes=16))  # 24 h 1 min past the grace: two started days
    assert (two_days["periods"], two_days["penalty"], two_days["final"]) == (2, 2.0, 6.0)
    capped = assess("ann", timedelta(days=9))  # 90% asked, 25% at most
    assert (capped["penalty"], capped["final"]) == (2.5, 5.5)
    assert assess("eve", timedelta(hours=47))["late"] == "no" and assess("eve", timedelta(hours=49))["penalty"] == 1.0
    assert assess("fay", timedelta(days=3))["late"] == "no"
    hourly = late_policy(manifest, penalty="2%/hour", cap="100%")
    assert hourly.assess("ann", deadline + timedelta(hours=3), 8.0, 10.0)["penalty"] == pytest.approx(0.6)  # 3 hours
    assert late_policy({}, deadline=None).assess("ann", deadline, 8.0, 10.0)["late"] == ""
    assert policy.assess("ann", None, 8.0, 10.0)["final"] == 8.0


@pytest.mark.parametrize("spec, match", [({"penalty": "ten"}, "penalty"), ({"grace": "soon"}, "duration"),
                                         ({"cap": "150%"}, "percentage"), ({"due": "x"}, "unknown"),
                                         ({"extensions": {"ann": "48h"}}, "no deadline")])
def test_bad_late_policies_are_refused(spec, match):
    with pytest.raises(ValueError, match=match):
        late_policy({"late_policy": spec})


def test_durations_and_penalties_parse():
    assert parse_duration("2h") == timedelta(hours=2) and parse_duration("3") == timedelta(hours=3)
    assert parse_penalty("5% per hour") == (5.0, "hour") and parse_penalty("10%/days") == (10.0, "day")


# --- overrides and roster -------------------------------------------------------------------------


def test_overrides_set_points_keep_what_the_grader_found_and_are_validated(s4, tmp_path):
    _, manifest = s4
    path = tmp_path / "overrides.csv"
    path.write_text("student,exercise,points,comment\nann,gaussian_kl,1.5,partial derivation\n")
    overrides = load_overrides(path, manifest)
    record = _record(manifest, "ann", {"kl_practice": 1})
    changed = apply_overrides(record, overrides["ann"])
    assert changed["score"] == 2.5 and record["score"] == 1.0  # the grader's record is untouched
    kl = next(r for r in changed["results"] if r["exercise_id"] == "gaussian_kl")
    assert kl["override"] == {"points": 1.5, "was": 0.0, "comment": "partial derivation"}
    assert changed["overrides"] == ["gaussian_kl: 0 -> 1.5 (partial derivation)"]
    for body, match in [("ann,nope,1,x", "not in the manifest"), ("ann,gaussian_kl,3,x", r"\[0, 2\]"),
                        ("ann,gaussian_kl,lots,x", "number"), ("ann,gaussian_kl,1,x\nann,gaussian_kl,2,y", "twice")]:
        path.write_text("student,exercise,points,comment\n" + body + "\n")
        with pytest.raises(ValueError, match=match):
            load_overrides(path, manifest)


def test_roster_gives_every_student_a_row_and_reports_the_others(s4, tmp_path):
    _, manifest = s4
    path = tmp_path / "roster.csv"
    path.write_text("Student ID,Name,Email,Section\nann,Ann Lee,ann@x.edu,A\nbob,Bob de Vries,bob@x.edu,B\n")
    roster = load_roster(path)
    assert roster["bob"]["name"] == "Bob de Vries" and roster["ann"]["section"] == "A"
    records, off = reconcile({"ann": _record(manifest, "ann", {}), "zed": _record(manifest, "zed", {})}, roster, manifest)
    assert sorted(records) == ["ann", "bob", "zed"] and off == ["zed"]
    assert records["bob"]["status"] == "missing" and records["bob"]["score"] == 0.0
    path.write_text("student,name\nann,A\nann,B\n")
    with pytest.raises(ValueError, match="twice"):
        load_roster(path)
    path.write_text("name,email\nAnn,a@x\n")
    with pytest.raises(ValueError, match="student id column"):
        load_roster(path)


# --- publishing and exports -----------------------------------------------------------------------


def _published_class(s4, tmp_path):
    _, manifest = s4
    (tmp_path / "roster.csv").write_text(
        "student,first_name,last_name,email,sis_user_id,sis_login_id,canvas_id,id_number,section\n"
        "ann,Ann,Lee,ann@x.edu,S1,alee,11,N1,Sec A\n"
        "bob,Bob,Ray,bob@x.edu,S2,bray,12,N2,Sec B\n"
        "cid,Cid,Moe,cid@x.edu,S3,cmoe,13,N3,Sec A\n")
    (tmp_path / "overrides.csv").write_text("student,exercise,points,comment\nbob,reductions_choice,1,argued well\n")
    records = {
        "ann": _record(manifest, "ann", {e["id"]: e["points"] for e in manifest["sessions"][0]["exercises"]},
                       "2030-01-01T10:00:00+00:00"),
        "bob": _record(manifest, "bob", {"gaussian_kl": 2, "kl_practice": 1}, "2030-01-02T13:00:00+00:00"),
        "zed": _record(manifest, "zed", {"kl_practice": 1}, "2030-01-01T11:00:00+00:00"),
    }
    policy = class_policy(manifest, deadline="2030-01-01T12:00+00:00", penalty="10%/day", cap="50%",
                          roster=tmp_path / "roster.csv", overrides=tmp_path / "overrides.csv",
                          formats=("canvas", "moodle", "nbgrader", "detailed"), assignment="VAE Session 4 (123)")
    summary = publish(tmp_path / "out", records, manifest, policy)
    return manifest, summary, tmp_path / "out"


def _csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_gradebook_shows_raw_penalty_final_overrides_and_roster(s4, tmp_path):
    manifest, summary, out = _published_class(s4, tmp_path)
    assert summary["missing"] == ["cid"] and summary["not_on_roster"] == ["zed"]
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    assert sorted(rows) == ["ann", "bob", "cid", "zed"]
    # bob: 2 + 1 graded, 1 more by override = 4 of 7; 25 h late = two started days, 20% of 7 = 1.4
    assert (rows["bob"]["total"], rows["bob"]["late"], rows["bob"]["late_penalty"], rows["bob"]["final"]) == (
        "4", "yes", "1.4", "2.6")
    assert rows["bob"]["overrides"] == "reductions_choice: 0 -> 1 (argued well)"
    assert (rows["cid"]["status"], rows["cid"]["total"], rows["cid"]["final"]) == ("missing", "0", "0")
    assert rows["zed"]["on_roster"] == "no" and rows["ann"]["on_roster"] == "yes" and rows["ann"]["final"] == "7"
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "Points set by your instructor: 1 (the grader gave 0). Comment: argued well" in feedback
    assert "4 points less 1.4 = **2.6 / 7 points**" in feedback
    assert "No submission was received" in (out / "feedback" / "cid.md").read_text()
    assert (out / "roster.csv").is_file()


def test_exports_follow_each_systems_documented_columns(s4, tmp_path):
    manifest, _, out = _published_class(s4, tmp_path)
    canvas = _csv(out / "exports" / "canvas.csv")
    assert canvas[0] == CANVAS_HEADER + ["VAE Session 4 (123)"]  # one total column for the assignment
    assert canvas[1] == ["Points Possible", "", "", "", "", "7"]
    assert canvas[2:] == [["Lee, Ann", "11", "S1", "alee", "Sec A", "7"], ["Ray, Bob", "12", "S2", "bray", "Sec B", "2.6"],
                          ["Moe, Cid", "13", "S3", "cmoe", "Sec A", "0"]]  # zed is not on the roster: left out
    moodle = _csv(out / "exports" / "moodle.csv")
    assert moodle[0] == MOODLE_HEADER + ["VAE Session 4 (123)"]
    assert moodle[1:3] == [["Ann", "Lee", "N1", "ann@x.edu", "7"], ["Bob", "Ray", "N2", "bob@x.edu", "2.6"]]
    nbgrader = _csv(out / "exports" / "nbgrader.csv")
    assert nbgrader[0] == NBGRADER_HEADER
    by_student = {row[3]: dict(zip(NBGRADER_HEADER, row)) for row in nbgrader[1:]}
    assert by_student["bob"] == {
        "assignment": "VAE Session 4 (123)", "duedate": "2030-01-01 12:00:00", "timestamp": "2030-01-02 13:00:00",
        "student_id": "bob", "last_name": "Ray", "first_name": "Bob", "email": "bob@x.edu", "raw_score": "4.0",
        "late_submission_penalty": "1.4", "score": "2.6", "max_score": "7.0"}
    assert (by_student["cid"]["timestamp"], by_student["cid"]["score"]) == ("", "0.0")  # nbgrader: missing is 0.0
    assert by_student["zed"]["score"] == "1.0"
    assert (out / "exports" / "detailed.csv").read_text() == (out / "grades.csv").read_text()


def test_export_command_joins_assignments_one_column_each(s4, tmp_path):
    manifest, _, out = _published_class(s4, tmp_path)
    run = {"format": "vaecourse-grading-run/1", "manifest": manifest, "assignment": "Session 4",
           "deadline": "2030-01-01T12:00:00+00:00"}
    (out / "grading.json").write_text(json.dumps(run))
    second = tmp_path / "second"
    second.mkdir()
    (second / "grades.csv").write_text((out / "grades.csv").read_text())
    (second / "grading.json").write_text(json.dumps({**run, "assignment": "Session 4 again"}))
    assert cli_main(["export", str(out), str(second), "--format", "canvas", "nbgrader", "--out", str(tmp_path / "x")]) == 0
    canvas = _csv(tmp_path / "x" / "canvas.csv")  # the roster came from the first folder's roster.csv
    assert canvas[0] == CANVAS_HEADER + ["Session 4", "Session 4 again"] and canvas[3][-2:] == ["2.6", "2.6"]
    assert [row[0] for row in _csv(tmp_path / "x" / "nbgrader.csv")[1:]].count("Session 4 again") == 4


# --- shards -----------------------------------------------------------------------------------------


def test_shard_index_comes_from_slurm_or_an_indexed_job():
    assert resolve_shard("2/5", environ={"SLURM_ARRAY_TASK_ID": "1"}) == (2, 5)  # the option wins
    slurm = {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}
    assert resolve_shard(environ=slurm) == (4, 4)  # --array=0-3: task 3 is the fourth shard
    stepped = {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "2",
               "SLURM_ARRAY_TASK_COUNT": "4"}
    assert resolve_shard(environ=stepped) == (3, 4)  # --array=1-7:2 -> tasks 1, 3, 5, 7
    assert resolve_shard(count=3, environ={"JOB_COMPLETION_INDEX": "0"}) == (1, 3)
    assert resolve_shard(environ={"JOB_COMPLETION_INDEX": "2", "VAECOURSE_SHARD_COUNT": "3"}) == (3, 3)
    assert resolve_shard(environ={}) == (1, 1)
    with pytest.raises(ValueError, match="completions"):
        resolve_shard(environ={"JOB_COMPLETION_INDEX": "0"})
    with pytest.raises(ValueError, match="shard"):
        resolve_shard(count=2, environ={"JOB_COMPLETION_INDEX": "2"})
    with pytest.raises(ValueError, match="needs an index"):
        resolve_shard(count=2, environ={})


def test_shards_interleave_students(s4, tmp_path):
    _, manifest = s4
    for name in "abcdefg":
        (tmp_path / f"{name}.ipynb").write_text("{}")
    everyone = discover(tmp_path, manifest)
    assert [s.student for s in select_shard(everyone, (2, 3))] == ["b", "e"]


# --- identical answers ------------------------------------------------------------------------------


def test_answers_equal_up_to_names_comments_and_docstrings_share_a_digest():
    a = 'def gaussian_kl(mu, logvar):\n    """KL."""\n    return 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(-1)'
    b = ("def gaussian_kl(m, lv):  # mine\n\n    # closed form\n    return 0.5*(m**2+lv.exp()-lv-1).sum(-1)\n")
    c = 'def gaussian_kl(mu, logvar):\n    return (mu**2 + logvar.exp() - logvar - 1).sum(-1)'
    digest = lambda code: canonical_digest(answer_code([code], "gaussian_kl"))[0]  # noqa: E731
    assert digest(a) == digest(b) != digest(c)
    assert answer_code(["x = 1", "y = 2"], "gaussian_kl") is None


def test_identical_answers_are_listed_per_exercise_without_the_stub(s4, tmp_path):
    folder, manifest = s4
    notebook = manifest["sessions"][0]["notebook"]
    student_nb = nbformat.read(str(folder / notebook), as_version=4)
    renamed = CORRECT["gaussian_kl"].replace("mu", "m").replace("logvar", "s") + "  # my own"
    answers = {"ann": {}, "bob": {"gaussian_kl": renamed}, "cid": {"gaussian_kl": None, "bernoulli_log_likelihood": None},
               "dee": {"gaussian_kl": None, "bernoulli_log_likelihood": None}}
    for student, changes in answers.items():
        (tmp_path / student).mkdir()
        nbformat.write(fill_notebook(student_nb, {**CORRECT, **changes}), str(tmp_path / student / notebook))
    stubs = {"s4": [c.source for c in student_nb.cells if c.cell_type == "code"]}
    groups = similar_answers(discover(tmp_path, manifest), manifest, stubs)
    listed = {(g["exercise"], tuple(g["students"])) for g in groups}
    assert ("gaussian_kl", ("ann", "bob")) in listed
    assert ("bernoulli_log_likelihood", ("ann", "bob")) in listed
    assert not [g for g in groups if "cid" in g["students"]]  # two untouched stubs are not "identical answers"
    assert {g["exercise"] for g in groups} <= {e["id"] for e in manifest["sessions"][0]["exercises"] if e["kind"] == "function"}


# --- Gradescope -------------------------------------------------------------------------------------


def check_gradescope_results(results: dict) -> None:
    """Gradescope's documented results.json (gradescope/autograder_samples docs/specs.md)."""
    top = {"score", "execution_time", "output", "output_format", "visibility", "stdout_visibility", "extra_data",
           "tests", "leaderboard"}
    assert set(results) <= top, set(results) - top
    assert "tests" in results or "score" in results
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in VISIBILITIES
    for test in results.get("tests", []):
        assert set(test) <= {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                             "tags", "visibility", "extra_data"}, test
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["name"], str) and isinstance(test["output"], str) and isinstance(test["number"], str)
        assert test.get("visibility", "visible") in VISIBILITIES and all(isinstance(t, str) for t in test["tags"])


def test_results_json_has_one_test_per_exercise_and_hides_function_tests(s4):
    _, manifest = s4
    record = _record(manifest, "submission", {"gaussian_kl": 2})
    results = results_json(record, manifest, "after_published")
    check_gradescope_results(results)
    tests = {t["name"].split(":")[0]: t for t in results["tests"]}
    assert list(tests) == [e["id"] for e in manifest["sessions"][0]["exercises"]]
    assert tests["gaussian_kl"]["score"] == 2.0 and tests["gaussian_kl"]["visibility"] == "after_published"
    assert tests["kl_practice"]["visibility"] == "visible" and tests["kl_practice"]["output"] == "[kl_practice] feedback"


def test_autograder_zip_holds_only_what_grading_needs(tmp_path):
    build_autograder(["s4"], tmp_path / "autograder.zip")
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        requirements = archive.read("requirements.txt").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "pyproject.toml", "assignment/manifest.json",
            "exercises/source/s4_gaussian_kl.ipynb", "vaecourse/instructor/gradescope.py"} <= set(names)
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not [n for n in names if n.startswith("exercises/") and "s4_" not in n]  # only the assigned session
    assert {line.split("==")[0] for line in requirements.split()} == {
        "torch", "numpy", "tqdm", "platformdirs", "ipykernel", "nbclient", "nbformat"}
    assert "jupyter-book" not in requirements and "scikit-learn" not in requirements


def test_merge_applies_the_shards_roster_overrides_and_late_policy_untold(s4, tmp_path):
    from vaecourse.instructor import merge

    manifest, summary, out = _published_class(s4, tmp_path)
    records = {"ann": _record(manifest, "ann", {"gaussian_kl": 2}, "2030-01-01T10:00:00+00:00"),
               "bob": _record(manifest, "bob", {"gaussian_kl": 2, "kl_practice": 1}, "2030-01-02T13:00:00+00:00")}
    for index, student in enumerate(sorted(records), start=1):
        shard = tmp_path / f"shard-{index}"
        (shard / "results").mkdir(parents=True)
        (shard / "results" / f"{student}.json").write_text(json.dumps(records[student]))
        for name in ("roster.csv", "overrides.csv"):
            (shard / name).write_text((out / name).read_text())
        (shard / "grading.json").write_text(json.dumps({
            "format": "vaecourse-grading-run/1", "manifest": manifest, "manifest_sha256": "m", "seed": 1, "limits": {},
            "students": sorted(records), "graded": [student], "shard": [index, 2], "deadline": None,
            "confinement": None, "late_policy": summary["late_policy"]}))
    merged = merge([tmp_path / "shard-1", tmp_path / "shard-2"], tmp_path / "merged")
    assert merged["missing"] == ["cid"]
    rows = {r["student"]: r for r in read_csv(tmp_path / "merged" / "grades.csv")}
    assert (rows["bob"]["total"], rows["bob"]["late_penalty"], rows["bob"]["final"]) == ("4", "1.4", "2.6")
    assert rows["cid"]["status"] == "missing" and rows["bob"]["overrides"].startswith("reductions_choice")


def test_assign_keeps_a_late_policy_in_the_manifest_and_tells_students(tmp_path):
    assert cli_main(["assign", "s4", "--out", str(tmp_path / "hw"), "--deadline", "2030-03-01T23:59+00:00",
                     "--grace", "15m", "--late-penalty", "10%/day", "--late-cap", "50%"]) == 0
    manifest = json.loads((tmp_path / "hw" / "manifest.json").read_text())
    assert manifest["late_policy"] == {"deadline": "2030-03-01T23:59+00:00", "grace": "15m", "penalty": "10%/day",
                                       "cap": "50%"}
    policy = class_policy(manifest).late
    assert policy.deadline == datetime(2030, 3, 1, 23, 59, tzinfo=UTC) and (policy.rate, policy.cap) == (10.0, 50.0)
    readme = (tmp_path / "hw" / "README.md").read_text()
    assert "Due 2030-03-01T23:59:00+00:00 (with 0:15:00 of grace); each started day after that costs 10% of the points" in readme
    assert cli_main(["assign", "s4", "--out", str(tmp_path / "bad"), "--late-penalty", "lots"]) == 2
    assert not (tmp_path / "bad").exists()
