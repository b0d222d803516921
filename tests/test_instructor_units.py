"""The instructor tools' parts without running notebooks: manifest, submissions, judging, redaction, gradebook, merge."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from vaecourse.__main__ import main as cli_main
from vaecourse.grading import check, exercises_for_session, get_exercise
from vaecourse.grading import result as R
from vaecourse.grading.editions import hidden_regions
from vaecourse.instructor import assign, merge
from vaecourse.instructor.collect import probe_for, report_answer
from vaecourse.instructor.confine import landlock_abi
from vaecourse.instructor.feedback import render
from vaecourse.instructor.gradebook import columns, is_late, read_csv, row, write_csv
from vaecourse.instructor.judge import Redactor, integrity_flags, judge_report
from vaecourse.instructor.manifest import answer_names, course_root, load_manifest, sha256_bytes
from vaecourse.instructor.submissions import discover, parse_shard, select_shard

SEED = 4321


@pytest.fixture(scope="module")
def assignment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("assignment")
    return folder, assign(["s4"], folder, cell_timeout=30)


def _learner(fn):
    def answer(*args):  # looks like learner code: the checker refuses the library's own functions
        return fn(*args)

    return answer


# --- assign and the manifest --------------------------------------------------------------------


def test_assign_writes_student_editions_readme_and_a_manifest(assignment):
    folder, manifest = assignment
    entry = manifest["sessions"][0]
    text = (folder / entry["notebook"]).read_text(encoding="utf-8")
    assert entry["notebook_sha256"] == sha256_bytes(text.encode("utf-8"))
    source = nbformat.read(str(course_root() / "exercises" / "source" / entry["notebook"]), as_version=4)
    secret = [line.strip() for region in hidden_regions(source) for line in region.splitlines() if len(line.strip()) >= 12]
    assert secret and not [line for line in secret if line in text]
    assert [e["id"] for e in entry["exercises"]] == [e.id for e in exercises_for_session("s4")]
    assert [e["points"] for e in entry["exercises"]] == [float(e.points) for e in exercises_for_session("s4")]
    assert manifest["total_points"] == sum(e.points for e in exercises_for_session("s4"))
    readme = (folder / "README.md").read_text()
    assert "80%" in readme and entry["notebook"] in readme and "30 s" in readme
    assert load_manifest(folder) == manifest


def test_answer_names_come_from_the_check_calls():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('result = check("gaussian_kl", my_kl)'),
        nbformat.v4.new_code_cell("x = ("),  # a syntax error is skipped, not fatal
        nbformat.v4.new_code_cell('check("kl_practice", kl_value)'),
    ])
    assert answer_names(nb) == {"gaussian_kl": "my_kl", "kl_practice": "kl_value"}
    nb.cells.append(nbformat.v4.new_code_cell('check("kl_practice", kl_value + 1)'))
    with pytest.raises(ValueError, match="plain name"):
        answer_names(nb)


def test_assign_refuses_unknown_sessions_and_bad_manifests(tmp_path):
    with pytest.raises(ValueError, match="s9"):
        assign(["s9"], tmp_path)
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ValueError, match="format"):
        load_manifest(tmp_path)


# --- submissions --------------------------------------------------------------------------------


def test_discover_matches_notebooks_and_reports_bad_files(assignment, tmp_path):
    folder, manifest = assignment
    notebook = manifest["sessions"][0]["notebook"]
    good = (folder / notebook).read_text()
    (tmp_path / "ann" / "nested").mkdir(parents=True)
    (tmp_path / "ann" / "nested" / notebook).write_text(good)
    (tmp_path / "ann" / "data.csv").write_text("1,2")
    (tmp_path / "ann" / "submission.json").write_text(json.dumps({"submitted_at": "2030-05-01T12:00:00+02:00"}))
    (tmp_path / "bob.ipynb").write_text(good)  # a lone notebook under another name: matched by its metadata
    (tmp_path / "cid.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "dee").mkdir()
    (tmp_path / "dee" / notebook).write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (tmp_path / ".DS_Store").write_text("")
    found = {s.student: s for s in discover(tmp_path, manifest)}
    assert sorted(found) == ["ann", "bob", "cid", "dee"]
    assert found["ann"].notebooks == {"s4": tmp_path / "ann" / "nested" / notebook}
    assert found["ann"].problems == ["extra files ignored: data.csv"]
    assert found["ann"].submitted_at == datetime(2030, 5, 1, 10, 0, tzinfo=timezone.utc)
    assert found["bob"].notebooks == {"s4": tmp_path / "bob.ipynb"} and not found["bob"].malformed
    assert "no notebook for s4" in found["cid"].malformed["s4"]
    assert "no code cells" in found["dee"].malformed["s4"]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_split_the_class_without_overlap(assignment, tmp_path, count):
    _, manifest = assignment
    for name in ("e", "a", "d", "c", "b", "f", "g"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    everyone = discover(tmp_path, manifest)
    shards = [[s.student for s in select_shard(everyone, (i, count))] for i in range(1, count + 1)]
    assert sorted(sum(shards, [])) == sorted(s.student for s in everyone)
    assert shards[0][0] == "a" and all(len(shard) >= 1 for shard in shards)


@pytest.mark.parametrize("text", ["0/3", "4/3", "2", "a/b", "1/0"])
def test_bad_shards_are_refused(text):
    with pytest.raises(ValueError, match="shard"):
        parse_shard(text)


# --- judging ------------------------------------------------------------------------------------


def _s4_mistaken_answers():
    for exercise in exercises_for_session("s4"):
        for mistake in exercise.mistakes:
            if exercise.kind == "function":
                answer = _learner(mistake.variants[0]) if mistake.variants else None
            elif exercise.kind == "value":
                answer = mistake.variants[0]()
            else:
                answer = sorted(mistake.choices)[0]
            if answer is not None:
                yield pytest.param(exercise.id, mistake.name, answer, id=f"{exercise.id}-{mistake.name}")


def _report(exercise, answer, name="answer"):
    """What the kernel reports for ``answer``, after crossing processes as JSON."""
    probe = probe_for(exercise, SEED)
    return json.loads(json.dumps(report_answer(probe, answer, name, seed=SEED, timeout=10.0)))


@pytest.mark.parametrize(("exercise_id", "mistake_name", "answer"), list(_s4_mistaken_answers()))
def test_collected_then_replayed_answers_grade_like_a_direct_check(exercise_id, mistake_name, answer):
    exercise = get_exercise(exercise_id)
    report = _report(exercise, answer)
    judged, flags = judge_report(exercise, report, seed=SEED, timeout=10.0)
    direct = check(exercise_id, answer, seed=SEED, quiet=True)
    assert judged.to_dict() == direct.to_dict() and flags == []
    assert judged.mistake == mistake_name


def test_replay_of_a_right_answer_passes():
    exercise = get_exercise("gaussian_kl")
    report = _report(exercise, _learner(lambda mu, logvar: 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)))
    assert report["kind"] == "answer" and report["outcome"]["status"] == "ok"
    judged, _ = judge_report(exercise, report, seed=SEED, timeout=10.0)
    assert judged.passed and judged.score == exercise.points


def test_the_kernel_receives_inputs_only_and_the_grader_checks_every_record():
    exercise = get_exercise("bernoulli_log_likelihood")
    probe = probe_for(exercise, SEED)
    assert set(probe) == {"kind", "names", "cases"} and all(c.summary is None for c in probe["cases"])
    wrong = _report(exercise, _learner(lambda logits, x: (x * logits).sum(-1)))
    records = wrong["outcome"]["value"]["value"]
    invalid = next(c.name for c in exercise.cases(SEED) if c.raises)
    forged = [{"case": invalid, "raised": {"error_type": "ValueError", "error_message": "", "error_line": None}}] * len(records)
    for value in (forged, records[:-1], records + records[:1], [{"case": r["case"]} for r in records]):
        report = {**wrong, "outcome": {**wrong["outcome"], "value": {"value": value, "library_calls": []}}}
        result, flags = judge_report(exercise, report, seed=SEED, timeout=5.0)
        assert result.score == 0 and flags == ["malformed records for bernoulli_log_likelihood"]


def test_an_answer_that_calls_the_library_solution_scores_zero_and_is_flagged():
    import vaecourse

    exercise = get_exercise("gaussian_kl")
    wrapper = _learner(lambda mu, logvar: vaecourse.gaussian_kl(mu, logvar))
    result, flags = judge_report(exercise, _report(exercise, wrapper, "gaussian_kl"), seed=SEED, timeout=10.0)
    assert result.score == 0 and result.mistake == "library_function_submitted"
    assert flags == ["gaussian_kl: the answer calls the library's kl.gaussian_kl"]
    direct, _ = judge_report(exercise, _report(exercise, vaecourse.gaussian_kl), seed=SEED, timeout=10.0)
    assert direct.score == 0 and direct.mistake == "library_function_submitted"


def test_forged_and_malformed_reports_score_zero():
    exercise = get_exercise("gaussian_kl")
    forged = {"kind": "precheck", "result": {"exercise_id": "gaussian_kl", "status": "passed", "score": 2.0,
                                             "max_score": 2.0, "feedback": "[pass]"}}
    result, flags = judge_report(exercise, forged, seed=SEED, timeout=5.0)
    assert result.score == 0 and result.status == R.ERROR and flags == ["forged report for gaussian_kl"]
    honest = _report(exercise, _learner(lambda mu, logvar: 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)))
    for outcome in ({"status": "ok", "value": [{"case": "nope"}]}, {"status": "ok", "value": "x"}, {"status": "won"}, 7,
                    None):
        result, _ = judge_report(exercise, {**honest, "outcome": outcome}, seed=SEED, timeout=5.0)
        assert result.score == 0 and result.status == R.ERROR
    not_a_function = _report(exercise, 3.0)
    assert not_a_function["outcome"] is None
    result, flags = judge_report(exercise, not_a_function, seed=SEED, timeout=5.0)
    assert result.score == 0 and result.status == R.FAILED and flags == [] and "got a float" in result.feedback
    stub, _ = judge_report(exercise, _report(exercise, None), seed=SEED, timeout=5.0)
    assert stub.status == R.NOT_ATTEMPTED
    missing, _ = judge_report(exercise, {"kind": "missing", "name": "gaussian_kl"}, seed=SEED, timeout=5.0)
    assert missing.status == R.NOT_ATTEMPTED and "`gaussian_kl`" in missing.feedback


def test_redactor_withholds_secret_lines_whole_escaped_or_cut():
    secret = 'return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(dim=-1)  # "sum"'
    redact = Redactor({secret.strip()})
    assert "sum(dim" not in redact(f"raised: {secret} here")
    assert "logvar.exp" not in redact(json.dumps({"source": secret}))
    assert "logvar.exp" not in redact("ValueError: " + "\n" + secret[:30] + " ...")
    assert redact("nothing secret here") == "nothing secret here"
    public = Redactor.for_exercises([], hidden_texts=["x = 1\nshared_line_of_code = 1\n"], public_texts=["shared_line_of_code = 1"])
    assert public.secrets == []


def test_integrity_flags_name_what_to_look_at():
    flags = integrity_flags(["import vaecourse.grading.bank.s4_gaussian_kl as b", "os.kill(1, 9)"])
    assert any("hidden reference" in f for f in flags) and any("signal" in f for f in flags)
    assert integrity_flags(["def gaussian_kl(mu, logvar):\n    return mu"]) == []


# --- gradebook and feedback ---------------------------------------------------------------------


def _record(student="ann", score=2.0, status="ok", submitted="2030-01-01T10:00:00+00:00", problems=()):
    results = [R.make_result(get_exercise("gaussian_kl"), R.PASSED if score else R.FAILED, "msg",
                             mistake=None if score else "kl_missing_half").to_dict()]
    return {"student": student, "status": status, "score": score, "max_score": 2.0, "results": results,
            "submitted_at": submitted, "problems": list(problems), "flags": [], "executions": {}}


def _one_exercise_manifest():
    entry = {"session": "s4", "title": "Gaussian KL", "notebook": "s4.ipynb", "points": 2.0, "exercises": [
        {"id": "gaussian_kl", "kind": "function", "title": "the KL", "points": 2.0, "answer": "gaussian_kl",
         "section": "s4-closed-form-kl"}]}
    return {"format": "vaecourse-assignment/1", "mastery_threshold": 0.8, "sessions": [entry], "total_points": 2.0}


def test_rows_lateness_and_spreadsheet_safety(tmp_path):
    manifest = _one_exercise_manifest()
    deadline = datetime(2030, 1, 1, 11, 0, tzinfo=timezone.utc)
    assert columns(manifest)[:3] == ["student", "gaussian_kl", "total"]
    on_time = row(_record(), manifest, deadline)
    assert (on_time["gaussian_kl"], on_time["total"], on_time["percent"], on_time["mastered"], on_time["late"]) == (
        "2", "2", "100.0", "yes", "no")
    late = _record("bob", 0.0, submitted="2030-01-01T12:00:00+01:00", problems=["=HYPERLINK(1)"])  # 11:00 UTC
    assert is_late(late, deadline) == "no" and is_late(late, None) == ""
    assert row(late, manifest, deadline)["problems"] == "'=HYPERLINK(1)"
    assert row(late, manifest)["mistakes"] == "gaussian_kl:kl_missing_half"
    write_csv(tmp_path / "g.csv", [late, _record()], manifest, deadline)
    assert [r["student"] for r in read_csv(tmp_path / "g.csv")] == ["ann", "bob"]


def test_feedback_fences_text_that_could_come_from_students():
    record = _record(score=0.0, problems=["``` <script>alert(1)</script>"])
    text = render(record, _one_exercise_manifest())
    assert "````text\n``` <script>" in text and "Named mistake: `kl_missing_half`" in text
    assert "not reached yet" in text


# --- merge --------------------------------------------------------------------------------------


def _shard(folder: Path, shard, students, records, **overrides):
    (folder / "results").mkdir(parents=True)
    for record in records:
        (folder / "results" / f"{record['student']}.json").write_text(json.dumps(record))
    run = {"format": "vaecourse-grading-run/1", "manifest": _one_exercise_manifest(), "manifest_sha256": "m", "seed": 1,
           "limits": {}, "students": students, "graded": [r["student"] for r in records], "shard": list(shard),
           "deadline": None, "confinement": None, **overrides}
    (folder / "grading.json").write_text(json.dumps(run))


def test_merge_detects_duplicates_conflicts_and_gaps(tmp_path):
    everyone = ["ann", "bob", "cid"]
    _shard(tmp_path / "a", (1, 2), everyone, [_record("ann"), _record("cid")])
    _shard(tmp_path / "b", (2, 2), everyone, [_record("bob"), _record("cid")])
    summary = merge([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert summary["duplicates"] == ["cid"] and summary["missing_students"] == [] and summary["missing_shards"] == []
    assert [r["student"] for r in read_csv(tmp_path / "out" / "grades.csv")] == everyone
    _shard(tmp_path / "c", (2, 2), everyone, [_record("cid", 0.0)])
    with pytest.raises(ValueError, match="different results"):
        merge([tmp_path / "a", tmp_path / "c"], tmp_path / "out2")
    _shard(tmp_path / "d", (2, 2), everyone, [_record("bob")], seed=2)
    with pytest.raises(ValueError, match="different seed"):
        merge([tmp_path / "a", tmp_path / "d"], tmp_path / "out3")
    alone = merge([tmp_path / "a"], tmp_path / "out4")
    assert alone["missing_shards"] == ["2/2"] and alone["missing_students"] == ["bob"]
    assert cli_main(["grade", "--merge", str(tmp_path / "a"), "--out", str(tmp_path / "out5")]) == 1


def test_cli_assign_and_argument_errors(tmp_path, capsys):
    assert cli_main(["assign", "s4", "--out", str(tmp_path / "hw")]) == 0
    assert (tmp_path / "hw" / "manifest.json").is_file()
    assert cli_main(["grade", "--out", str(tmp_path / "graded")]) == 2
    assert cli_main(["grade", str(tmp_path / "hw"), "--out", str(tmp_path / "g"), "--shard", "3/2"]) == 2
    assert "shard" in capsys.readouterr().err


# --- confinement --------------------------------------------------------------------------------


@pytest.mark.skipif(not landlock_abi(), reason="Landlock is not available on this system")
def test_confined_process_reads_and_writes_only_what_the_policy_allows(tmp_path):
    inside, outside = tmp_path / "work", tmp_path / "elsewhere.txt"
    inside.mkdir()
    outside.write_text("keep me")
    policy = {"read": [sys.prefix, sys.base_prefix, "/usr", "/lib", "/lib64", "/etc"], "write": [str(inside)],
              "devices": ["/dev/null"], "limits": {"file_size": 1000}, "status_file": str(tmp_path / "status.json")}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    code = (
        "import os, socket\n"
        f"open({str(inside / 'ok.txt')!r}, 'w').write('fine')\n"
        "for attempt in (lambda: os.remove(%r), lambda: open(%r).read(), lambda: socket.create_connection(('127.0.0.1', 9))):\n"
        "    try:\n        attempt(); print('allowed')\n    except OSError as exc:\n        print('denied', exc.errno)\n"
    ) % (str(outside), str(outside))
    confine = Path(__file__).resolve().parents[1] / "vaecourse" / "instructor" / "confine.py"
    done = subprocess.run([sys.executable, str(confine), str(tmp_path / "policy.json"), "--", sys.executable, "-S", "-c", code],
                          capture_output=True, text=True, timeout=60)
    lines = done.stdout.split()
    assert done.returncode == 0, done.stderr
    assert lines[:4] == ["denied", "13", "denied", "13"]  # EACCES: removing and reading outside are refused
    assert outside.read_text() == "keep me" and (inside / "ok.txt").exists()
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["landlock_abi"] == landlock_abi() and status["limits"] == {"file_size": 1000}
    if landlock_abi() >= 4:  # no TCP at all (without the rule the port would refuse with ECONNREFUSED)
        assert lines[4:] == ["denied", "13"]


def test_links_in_submissions_are_never_followed(assignment, tmp_path):
    folder, manifest = assignment
    notebook = manifest["sessions"][0]["notebook"]
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / notebook).symlink_to(folder / notebook)  # could point at the instructor edition
    (tmp_path / "fay").symlink_to(folder, target_is_directory=True)
    found = {s.student: s for s in discover(tmp_path, manifest)}
    assert sorted(found) == ["eve"] and "no notebook for s4" in found["eve"].malformed["s4"]


def test_the_answers_file_is_read_only_when_it_is_a_small_regular_file(tmp_path):
    import os

    from vaecourse.instructor.execute import _read_answers

    good = tmp_path / "good.json"
    good.write_text('{"format": "x"}')
    assert _read_answers(good) == {"format": "x"}
    (tmp_path / "link.json").symlink_to(good)
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "bad.json").write_text("{not json")
    for name in ("link.json", "fifo.json", "bad.json", "absent.json"):
        assert _read_answers(tmp_path / name) is None
