"""Mastery gates and the local progress file, and ``python -m vaecourse progress``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from vaecourse.__main__ import main
from vaecourse.grading import MASTERY_THRESHOLD, check, clear_results, exercises_for_session, gate, summarise
from vaecourse.grading.progress import data_dir, load_progress, progress_path, record_session
from vaecourse.grading.result import FAILED, NOT_ATTEMPTED, PASSED, make_result


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VAECOURSE_DATA_DIR", str(tmp_path / "data"))
    clear_results()
    yield tmp_path / "data"
    clear_results()


def _results(session, statuses):
    """Fake check results for a session's exercises, one status per exercise in order."""
    return {
        e.id: make_result(e, status, "test", mistake="m" if status == FAILED else None)
        for e, status in zip(exercises_for_session(session), statuses, strict=True)
    }


def test_data_dir_honours_the_environment(private_data_dir):
    assert data_dir() == private_data_dir
    assert progress_path() == private_data_dir / "progress.json"


def test_gate_threshold_is_80_percent_of_the_points():
    assert MASTERY_THRESHOLD == 0.8
    # s4 has 7 points: 2 + 1 + 2 + 1 + 1. Failing the 1-point practice value leaves 6/7 = 86%: passed.
    assert summarise("s4", _results("s4", [PASSED, FAILED, PASSED, PASSED, PASSED])).passed
    # Failing the 2-point KL leaves 5/7 = 71%: not passed, and the KL's section is listed for review.
    gate_result = summarise("s4", _results("s4", [FAILED, PASSED, PASSED, PASSED, PASSED]))
    assert not gate_result.passed and gate_result.review == ("s4-closed-form-kl",)
    assert "s4-closed-form-kl" in gate_result.summary and "needs 80%" in gate_result.summary


def test_progress_round_trip_keeps_mastery_and_the_best_score(private_data_dir):
    record_session("s4", summarise("s4", _results("s4", [PASSED] * 5)).to_dict())
    record_session("s4", summarise("s4", _results("s4", [NOT_ATTEMPTED] * 5)).to_dict())
    entry = load_progress()["sessions"]["s4"]
    assert entry["mastered"] is True and entry["passed"] is False
    assert (entry["attempts"], entry["best_fraction"], entry["fraction"]) == (2, 1.0, 0.0)
    assert entry["exercises"]["gaussian_kl"] == {
        "status": "not_attempted",
        "score": 0.0,
        "max_score": 2.0,
        "mistake": None,
    }
    assert json.loads((private_data_dir / "progress.json").read_text())["version"] == 1


def test_a_corrupt_progress_file_is_kept_aside_not_fatal(private_data_dir):
    private_data_dir.mkdir(parents=True)
    (private_data_dir / "progress.json").write_text("{not json")
    assert load_progress() == {"version": 1, "sessions": {}}
    assert (private_data_dir / "progress.json.bak").read_text() == "{not json"


def test_gate_uses_this_kernels_checks_and_records_them(capsys):
    def kl(mu, logvar):
        return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)

    check("gaussian_kl", kl, quiet=True)
    check("kl_practice", 6.25, quiet=True)  # the missing-1/2 mistake
    gate_result = gate("s4")
    printed = capsys.readouterr().out
    assert gate_result.score == 2.0 and not gate_result.passed
    assert "kl_missing_half" in printed and "Progress saved" in printed
    stored = load_progress()["sessions"]["s4"]
    assert stored["exercises"]["kl_practice"]["mistake"] == "kl_missing_half"


def test_progress_command_shows_status_and_what_to_review(capsys):
    record_session("s1", summarise("s1", _results("s1", [PASSED] * 5)).to_dict())
    record_session("s4", summarise("s4", _results("s4", [FAILED, PASSED, PASSED, PASSED, PASSED])).to_dict())
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Session 1 .*mastered", out) and re.search(r"Session 4 .*in progress", out)
    assert "s4-closed-form-kl" in out and "Session 2 " in out and "not started" in out
    assert "1 of 8 sessions mastered" in out  # seven sessions and the capstone
    assert main(["progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sessions"]["s1"]["mastered"] is True
    assert main(["progress", "--reset"]) == 0 and not progress_path().exists()


def test_progress_command_runs_as_a_module(private_data_dir):
    env = {**os.environ, "VAECOURSE_DATA_DIR": str(private_data_dir)}
    done = subprocess.run([sys.executable, "-m", "vaecourse", "progress"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "0 of 8 sessions mastered" in done.stdout


_WRITER = """
import sys
from vaecourse.grading.progress import record_practice, record_session
session, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    record_session(session, {"score": 1.0, "max_score": 1.0, "passed": False, "exercises": {}, "review": []})
    if i % 4 == 0:
        record_practice(session, {"streak": 0, "best_streak": i, "answered": i, "correct": 0, "needed": 3})
"""


def test_concurrent_writers_lose_no_progress_record(private_data_dir):
    """Two processes (a gate and a practice in two notebooks) recording at once: every record counts."""
    env = {**os.environ, "VAECOURSE_DATA_DIR": str(private_data_dir)}
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, session, "200"], env=env) for session in ("s1", "s2")]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    progress = load_progress()
    assert [progress["sessions"][s]["attempts"] for s in ("s1", "s2")] == [200, 200]
    assert [progress["practice"][s]["best_streak"] for s in ("s1", "s2")] == [196, 196]


def test_the_gate_and_progress_accept_only_registered_exercises_and_points(private_data_dir):
    import dataclasses

    from vaecourse.grading import get_exercise

    registered = get_exercise("kl_practice")
    faked = dataclasses.replace(registered, expected=lambda: 0.0)
    assert check(faked, 0.0, quiet=True).passed  # a learner may check against anything they like...
    inflated = dataclasses.replace(registered, points=100.0)
    assert check(inflated, 3.125, quiet=True).score == 100.0
    result = gate("s4", quiet=True)  # ...but neither counts for the session
    assert result.max_score == sum(e.points for e in exercises_for_session("s4"))
    assert result.to_dict()["exercises"]["kl_practice"]["status"] == NOT_ATTEMPTED
    entry = load_progress()["sessions"]["s4"]
    assert entry["max_score"] == result.max_score and entry["best_fraction"] <= 1.0 and not entry["mastered"]
    forged = {"score": 700.0, "max_score": 7.0, "passed": True, "passed_by": "points",
              "exercises": {"kl_practice": {"score": 100.0}, "made_up": {"score": 50.0}}, "review": []}
    record_session("s4", forged)
    entry = load_progress()["sessions"]["s4"]
    assert entry["score"] == registered.points and set(entry["exercises"]) == {e.id for e in exercises_for_session("s4")}
    assert entry["passed"] is False and entry["mastered"] is False and entry["best_fraction"] < 1.0
