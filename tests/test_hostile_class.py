"""A hostile class graded as an instructor would: correct, common-mistake and hostile Session 4 submissions.

Each hostile submission attacks one promise of the grader (book/instructors.md, "The safety model")
and, where the attack happens inside its kernel, turns the outcome into its grade: ``kl_value``
(1 point) is set right only when every attempt failed, so a row with full marks means the grader held.
What the attacks could change outside the kernel (files, modes, times, listeners, processes) is
checked here afterwards. Where this machine lacks a mechanism (see the confinement report), the
attack that needs it is left out of the expected grades, never expected to succeed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from vaecourse.grading import get_exercise
from vaecourse.instructor import Limits, assign, grade_class
from vaecourse.instructor.demo import CORRECT, fill_notebook
from vaecourse.instructor.gradebook import read_csv

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the confinement under test is Linux's")

LIMITS = Limits(cell_timeout=30, notebook_timeout=120, check_timeout=10, output_chars=50_000,
                submission_memory_bytes=2**30, disk_bytes=64 * 2**20, processes=96)
IDS = ("gaussian_kl", "kl_practice", "bernoulli_log_likelihood", "gaussian_loglik_value", "reductions_choice")
ANSI_NAME = "ansi\x1b[31m=evil"
ALL_FAILED = "kl_value = 3.125 if not got else 0.0  # right only if every attempt above failed"


def _points(exercise_id: str) -> float:
    return float(get_exercise(exercise_id).points)


def _attempts(lines: str) -> str:
    """Kernel code that runs each attempt (one per line, an expression) and lists those that worked in ``got``."""
    body = "got = []\n"
    for index, line in enumerate(filter(None, lines.strip().splitlines())):
        body += f"try:\n    {line.strip()}\n    got.append({index})\nexcept BaseException:\n    pass\n"
    return body + ALL_FAILED


def _hostile(ctx: dict) -> dict[str, dict]:
    """Each student's answers (replacing the stubs of a correct notebook) and the row expected."""
    full = {i: _points(i) for i in IDS}
    return {
        "correct": dict(answers={}, scores=full, status="ok"),
        "kl_missing_half": dict(
            answers={"gaussian_kl": "def gaussian_kl(mu, logvar):\n    return (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)"},
            scores={**full, "gaussian_kl": 0.0}, mistakes={"gaussian_kl:kl_missing_half"}, status="ok"),
        # the public API: the reference, the expected value and the correct option are out of reach
        "api_reference": dict(
            answers={
                "gaussian_kl": "from vaecourse.grading import get_exercise\n"
                               "def gaussian_kl(mu, logvar):\n    return get_exercise('gaussian_kl').reference(mu, logvar)",
                "kl_value": "try:\n    kl_value = float(get_exercise('kl_practice').expected())\nexcept Exception:\n    kl_value = -1.0",
                "reductions_answer": "try:\n    reductions_answer = sorted(get_exercise('reductions_choice').correct)[0]\n"
                                     "except Exception:\n    reductions_answer = 'z'",
            },
            scores={**full, "gaussian_kl": 0.0, "kl_practice": 0.0, "reductions_choice": 0.0}, status="ok",
            flag="looks up an exercise object"),
        # thin wrappers around the library's own solution: scored 0 and flagged
        "library_wrapper": dict(
            answers={
                "gaussian_kl": "import vaecourse\ndef gaussian_kl(mu, logvar):\n    return vaecourse.gaussian_kl(mu, logvar)",
                "bernoulli_log_likelihood": "def bernoulli_log_likelihood(logits, x):\n"
                    "    return getattr(__import__('vaecour' + 'se.core.likelihoods', fromlist=['x']),\n"
                    "                   'bernoulli_log_' + 'likelihood')(logits, x)",
            },
            scores={**full, "gaussian_kl": 0.0, "bernoulli_log_likelihood": 0.0}, status="ok",
            mistakes={"gaussian_kl:library_function_submitted", "bernoulli_log_likelihood:library_function_submitted"},
            flag="calls the library's"),
        # patches the observer so every record claims the invalid-input case: the grader's cases decide
        "observer_patch": dict(
            answers={"bernoulli_log_likelihood": (
                "def bernoulli_log_likelihood(logits, x):\n    return (x * logits).sum(-1)\n"
                "import vaecourse.grading.observe as O, vaecourse.grading.checker as C\n"
                "real = O.observe\n"
                "def forged(fn, cases):\n"
                "    invalid = [c for c in cases if c.raises]\n"
                "    return [{'case': invalid[0].name, 'raised': {'error_type': 'ValueError', 'error_message': 'x',\n"
                "             'error_line': None}} for _ in cases] if invalid else real(fn, cases)\n"
                "O.observe = C.observe = forged")},
            scores={**full, "bernoulli_log_likelihood": 0.0}, status="ok", flag="malformed records"),
        # classmates, the grader and the network are out of reach
        "neighbour_spy": dict(answers={"kl_value": _attempts(f"""
            assert [p for p in os.listdir('/proc') if p.isdigit() and p != '1' and b'ipykernel' in open('/proc/' + p + '/cmdline', 'rb').read()]
            socket.socket(socket.AF_UNIX).connect({ctx['unix']!r})
            socket.create_connection(('127.0.0.1', {ctx['tcp']}), timeout=2)
            assert socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'leak', ('127.0.0.1', {ctx['udp']}))
            assert os.listdir('/tmp')
            open('/etc/shadow').read()
            open({ctx['victim']!r}).read()
            import vaecourse.grading.bank
        """).replace("got = []", "import os, socket\ngot = []")}, scores=full, status="ok"),
        # no file outside its folder changes content, mode or time: not even the grader's own bank
        "tamperer": dict(answers={"kl_value": _attempts(f"""
            os.chmod({ctx['victim']!r}, 0)
            os.utime({ctx['victim']!r}, (1.9e9, 1.9e9))
            os.utime({ctx['open_file']!r}, None)
            os.chmod({ctx['open_file']!r}, 0o777)
            open({ctx['open_file']!r}, 'a').write('x')
            os.chmod({ctx['bank']!r}, 0)
            os.utime({ctx['bank']!r}, None)
            os.utime('/tmp', None)
        """).replace("got = []", "import os\ngot = []")}, scores=full, status="ok"),
        # a daemon that forks forever must not outlive grading; the process quota holds
        "forker": dict(answers={"kl_value": (
            "import os, time\nfork = getattr(os, 'fo' + 'rk')\nif fork() == 0:\n    os.setsid()\n    while True:\n"
            "        try:\n            if fork() == 0:\n                time.sleep(1)\n                os._exit(0)\n"
            "            while os.waitpid(-1, os.WNOHANG)[0]:\n                pass\n"
            "        except OSError:\n            pass\n        time.sleep(0.1)\nkl_value = 3.125\ntime.sleep(3)")},
            scores=full, status="ok"),
        # memory for the whole submission: two children of 600 MiB each exceed 1 GiB together
        "memory_hog": dict(needs="memory", answers={"kl_value": (
            "import os, time\nkids = []\nfor _ in range(2):\n    pid = os.fork()\n    if pid == 0:\n"
            "        try:\n            block = b'x' * (600 * 2**20)\n            time.sleep(2)\n            os._exit(0)\n"
            "        except MemoryError:\n            os._exit(1)\n    kids.append(pid)\n"
            "codes = [os.waitpid(k, 0)[1] for k in kids]\nkl_value = 3.125 if any(codes) else 0.0")},
            scores=full, status="ok"),
        # disk for the whole submission: 4 files of 32 MiB exceed the 64 MiB scratch folder
        "disk_filler": dict(answers={"kl_value": (
            "written = 0\ntry:\n    for i in range(4):\n        with open(f'fill{i}', 'wb') as f:\n"
            "            f.write(b'x' * 32 * 2**20)\n        written += 32\nexcept OSError:\n    pass\n"
            "kl_value = 3.125 if written < 128 else 0.0")}, scores=full, status="ok"),
        # terminal escapes and formulas in names and exception texts never reach the gradebook or feedback
        ANSI_NAME: dict(answers={"reductions_answer": (
            "reductions_answer = 'b'\n"
            "raise type('\\x1b[2JBoom\\x07', (Exception,), {})('\\x1b]0;pwned\\x07=HYPERLINK(\"http://x\")')")},
            scores=full, status="cell_error"),
    }


def _write_class(root: Path, students: dict[str, dict]) -> tuple[Path, Path]:
    manifest = assign(["s4"], root / "assignment")
    notebook = manifest["sessions"][0]["notebook"]
    student_nb = nbformat.read(str(root / "assignment" / notebook), as_version=4)
    subs = root / "submissions"
    for student, spec in students.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(fill_notebook(student_nb, {**CORRECT, **spec["answers"]}), str(subs / student / notebook))
    return subs, root / "assignment" / "manifest.json"


class _Listeners:
    """A TCP and a UDP listener on 127.0.0.1 and a unix socket anyone may connect to: each counts visitors."""

    def __init__(self, folder: Path):
        folder.mkdir(mode=0o777)
        os.chmod(folder, 0o777)
        self.visits = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix_path = str(folder / "open.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.unix_path)
        os.chmod(self.unix_path, 0o777)
        self.unix.listen()
        for sock in (self.tcp, self.udp, self.unix):
            sock.settimeout(0.2)
            threading.Thread(target=self._watch, args=(sock,), daemon=True).start()
        self.running = True

    def _watch(self, sock):
        while getattr(self, "running", True):
            try:
                if sock.type == socket.SOCK_DGRAM:
                    self.visits.append(sock.recvfrom(100))
                else:
                    self.visits.append(sock.accept())
            except OSError:
                continue

    def close(self):
        self.running = False
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()


def _processes(marker: bytes, uids: set[int] = frozenset()) -> list[str]:
    """Processes left by grading: one of the kernels' own user IDs, or ``marker`` in the command line."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if uid in uids or marker in cmd:
            left.append(f"{pid} {cmd[:120]!r}")
    return left


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return st.st_mode, st.st_mtime_ns, path.read_bytes() if path.is_file() else None


def test_a_hostile_class_gets_its_expected_grades_and_nothing_leaks_changes_or_survives(tmp_path):
    import vaecourse.grading.bank as bank_package

    listeners = _Listeners(tmp_path / "shared")
    open_file = tmp_path / "shared" / "open.txt"
    open_file.write_text("anyone may write here")
    os.chmod(open_file, 0o666)
    bank = Path(bank_package.__file__).parent
    ctx = {"unix": listeners.unix_path, "tcp": listeners.tcp.getsockname()[1], "udp": listeners.udp.getsockname()[1],
           "open_file": str(open_file), "bank": str(bank)}
    ctx["victim"] = str(tmp_path / "submissions" / "correct" / "s4_gaussian_kl.ipynb")
    students = _hostile(ctx)
    subs, manifest = _write_class(tmp_path, students)
    watched = [Path(ctx["victim"]), open_file, bank, bank / "s4_gaussian_kl.py"]
    before = {p: _stamp(p) for p in watched}
    out = tmp_path / "out"
    try:
        summary = grade_class(subs, out, manifest=manifest, workers=2, limits=LIMITS)
    finally:
        listeners.close()
    confinement = summary["confinement"] or {}
    missing = confinement.get("not_enforced", [])

    # nothing leaked out, changed or survived
    assert listeners.visits == []
    after = {p: _stamp(p) for p in watched}
    assert after[Path(ctx["victim"])] == before[Path(ctx["victim"])]
    assert after[bank][0] == before[bank][0] and after[bank / "s4_gaussian_kl.py"] == before[bank / "s4_gaussian_kl.py"]
    if confinement.get("read_only"):
        assert after == before
    time.sleep(1)
    records = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    uids = {e["confinement"].get("uid") for r in records for e in r["executions"].values()} - {None}
    if confinement.get("uid") is not None:
        assert len(uids) > 1  # a user of its own for each kernel
    assert _processes(f"vcg-{os.getpid()}-".encode(), uids) == []
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"vcg-{os.getpid()}-*"))

    # every row as expected
    rows = {row["student"]: row for row in read_csv(out / "grades.csv")}
    assert "ansi=evil" in rows  # the id without its escape
    rows[ANSI_NAME] = rows.pop("ansi=evil")
    for student, spec in students.items():
        if spec.get("needs") == "memory" and "memory quota per submission" in missing:
            continue
        row = rows[student]
        assert row["status"] == spec["status"], (student, row)
        for exercise_id in IDS:
            assert float(row[exercise_id]) == pytest.approx(spec["scores"][exercise_id]), (student, exercise_id, row)
        if "mistakes" in spec:
            assert set(row["mistakes"].split("; ")) == spec["mistakes"], (student, row["mistakes"])
        if "flag" in spec:
            assert spec["flag"] in row["flags"], (student, row["flags"])
    assert rows["correct"]["flags"] == "" and rows["correct"]["problems"] == ""

    # no control character and no formula reaches the gradebook or a feedback file
    texts = [(out / "grades.csv").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (out / "feedback").glob("*.md")]
    assert all("\x1b" not in t and "\x07" not in t for t in texts)
    for row in read_csv(out / "grades.csv"):
        assert not [v for v in row.values() if v[:1] in ("=", "+", "-", "@")], row

    # --force regrades the named student only; an untouched re-run reuses every record
    again = grade_class(subs, out, manifest=manifest, workers=2, limits=LIMITS, force=["kl_missing_half"])
    assert again["ran"] == 1 and again["reused"] == len(students) - 1
    with pytest.raises(ValueError, match="nobody"):
        grade_class(subs, out, manifest=manifest, limits=LIMITS, force=["nobody"])


def test_a_killed_grader_leaves_no_process_and_its_folder_is_removed_by_the_next_run(tmp_path):
    students = {"sleeper": dict(answers={"kl_value": "import time\nkl_value = 3.125\ntime.sleep(120)"})}
    subs, manifest = _write_class(tmp_path, students)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    grader = subprocess.Popen([sys.executable, "-m", "vaecourse", "grade", str(subs), "--out", str(tmp_path / "out"),
                               "--manifest", str(manifest), "--workers", "1", "--cell-timeout", "200",
                               "--notebook-timeout", "200"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    deadline = time.monotonic() + 120
    while not list(tmp.glob(f"vcg-{grader.pid}-*/s4/io/answers-*")) and time.monotonic() < deadline:
        if list(tmp.glob(f"vcg-{grader.pid}-*/s4/io/k-ipc-*")):  # the kernel is up: its notebook sleeps
            time.sleep(3)
            break
        time.sleep(0.2)
    folders = list(tmp.glob(f"vcg-{grader.pid}-*"))
    assert folders, "the grader never started a kernel"
    os.kill(grader.pid, signal.SIGKILL)
    grader.wait()
    time.sleep(2)
    assert _processes(f"vcg-{grader.pid}-".encode()) == []
    (subs / "sleeper" / "s4_gaussian_kl.ipynb").write_text("{")  # the next run needs no kernel
    grade_class(subs, tmp_path / "out", manifest=manifest, limits=LIMITS)
    assert not [f for f in folders if f.exists()]


def test_a_record_made_while_the_grader_was_tampered_with_is_never_reused(tmp_path, monkeypatch):
    import vaecourse.instructor.grade as grade_module

    subs, manifest = _write_class(tmp_path, {"broken": dict(answers={})})
    (subs / "broken" / "s4_gaussian_kl.ipynb").write_text("{")  # graded without a kernel
    monkeypatch.setattr(grade_module, "grader_problem", lambda digest: "the checker's files could not be read")
    first = grade_class(subs, tmp_path / "out", manifest=manifest, limits=LIMITS)
    record = json.loads((tmp_path / "out" / "results" / "broken.json").read_text())
    assert first["ran"] == 1 and record["status"] == "grader_error" and record["score"] == 0
    monkeypatch.undo()
    second = grade_class(subs, tmp_path / "out", manifest=manifest, limits=LIMITS)
    assert second["ran"] == 1 and json.loads((tmp_path / "out" / "results" / "broken.json").read_text())["status"] == "malformed"
    assert grade_class(subs, tmp_path / "out", manifest=manifest, limits=LIMITS)["reused"] == 1


def test_an_oversized_notebook_is_refused_by_its_size_before_it_is_read(tmp_path, monkeypatch):
    from vaecourse.instructor import submissions

    manifest = assign(["s4"], tmp_path / "assignment")
    folder = tmp_path / "subs" / "huge"
    folder.mkdir(parents=True)
    with open(folder / "renamed.ipynb", "wb") as handle:  # not the assigned name: matched by its metadata
        handle.truncate(submissions.MAX_NOTEBOOK_BYTES + 1)
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("a file over the cap was read"))
    (found,) = submissions.discover(tmp_path / "subs", manifest)
    assert "larger than" in found.malformed["s4"]
