"""Execute one student notebook in a confined kernel, with time and output limits, and collect its answers.

The kernel starts in a fresh working directory that holds only the student's notebook, with
``HOME``, temporary files, progress and IPython's settings pointed inside it, a minimal environment,
and the confinement of :mod:`~vaecourse.instructor.confine`: a memory, process and disk quota for the
whole submission, its own network, PID and mount namespaces and (as root) its own user, resource
limits, and Landlock (no file outside the working and ``io`` folders can be written, nothing but the
Python installation and the ``vaecourse`` package — without the exercise bank — can be read, no TCP,
no signal to other processes). The ``io`` folder holds the kernel's connection file and unix
sockets, the inputs the grader drew for the answers, and the answers' report. Cells run in order with
``allow_errors``: an exception is recorded and the next cell runs. A cell that exceeds
``cell_timeout`` is interrupted; past ``notebook_timeout`` (or when the kernel ignores the interrupt)
the kernel's whole process group is killed from here. Outputs beyond ``output_chars`` are dropped.
Finally the grader's own cell (:func:`~vaecourse.instructor.collect.collection_cell`) reports the
answers as plain data; the notebook's outputs themselves are never used for grading.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .collect import COLLECT_FORMAT, collection_cell

TIMEOUT_ENAME = "CellTimeoutError"
# Run first, in a namespace of its own (the notebook's variables stay untouched): torch and the checker
# load before the clock starts, so a slow machine does not eat into the student's first cell.
WARMUP_SOURCE = ('exec("import torch, vaecourse.grading.observe, vaecourse.grading.sandbox\\n'
                 'import vaecourse.instructor.collect as c\\nc.enter_grading_mode()", {})')
_WARMUP_TIMEOUT = 180
_MAX_ANSWERS_BYTES = 32 * 2**20
_SYSTEM_READ = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Defaults suit the course's notebooks on a laptop."""

    cell_timeout: float = 60.0  # seconds per cell; the slowest instructor cell takes a few seconds
    notebook_timeout: float = 300.0  # seconds for all of a notebook's cells together
    check_timeout: float = 10.0  # seconds each answer may run when the grader collects it
    output_chars: int = 200_000  # outputs kept per notebook; more is dropped (and reported)
    memory_bytes: int = 4 * 2**30  # address space of each process (torch alone maps ~1.5 GiB)
    submission_memory_bytes: int = 4 * 2**30  # memory in use by all of a submission's processes together
    file_size_bytes: int = 64 * 2**20  # largest file the kernel may write
    disk_bytes: int = 256 * 2**20  # all files of the submission's scratch folder together
    processes: int = 128  # processes and threads of the whole submission (torch starts a few dozen)
    require_confinement: bool = False  # refuse to run a notebook where Landlock is unavailable

    def collection_budget(self, n_answers: int) -> float:
        """Seconds the grader's collection cell may take for ``n_answers`` answers."""
        return 30.0 + n_answers * (self.check_timeout + 5.0)


def confinement_policy(workdir: Path, status_file: Path, limits: Limits, protected: list[Path], io: Path) -> dict:
    """The policy for :mod:`confine`: read the Python installation and ``vaecourse`` (not its exercise bank),
    write only ``workdir`` and ``io``, and a namespace, user and quota of its own."""
    protected = [p.resolve() for p in protected]
    package = Path(__file__).resolve().parents[1]  # the vaecourse package (this file is vaecourse/instructor/execute.py)
    reads = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p}
    reads.add(package)
    for entry in sys.path:
        path = Path(entry).resolve() if entry else None
        if path and path.exists() and not any(path == p or path in p.parents for p in protected):
            reads.add(path)
    cpu = int(limits.notebook_timeout + 4 * limits.collection_budget(50) + 120)
    return {
        "read": sorted(map(str, reads)) + list(_SYSTEM_READ),
        "write": [str(workdir), str(io)],
        "devices": list(_DEVICES),
        "deny": [str(package / "grading" / "bank"), *map(str, protected)],
        "limits": {
            "address_space": limits.memory_bytes,
            "file_size": limits.file_size_bytes,
            "cpu_seconds": cpu,
            "open_files": 1024,
        },
        "isolate": {
            "scratch": str(workdir), "io": str(io), "disk_bytes": limits.disk_bytes,
            "memory_bytes": limits.submission_memory_bytes, "processes": limits.processes,
            "expose": sorted(map(str, reads | {Path(sys.executable).parent})),
        },
        "status_file": str(status_file),
        "require": limits.require_confinement,
    }


def kernel_environment(workdir: Path, seed: int, limits: Limits) -> dict[str, str]:
    """A minimal environment: nothing of the grader's, everything writable inside ``workdir``."""
    (workdir / "tmp").mkdir(exist_ok=True)
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath]),
        "HOME": str(workdir),
        "TMPDIR": str(workdir / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "IPYTHONDIR": str(workdir / ".ipython"),
        "JUPYTER_CONFIG_DIR": str(workdir / ".jupyter"),
        "JUPYTER_DATA_DIR": str(workdir / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter"),
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "MPLBACKEND": "Agg",
        "XDG_CACHE_HOME": str(workdir / ".cache"),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "VAECOURSE_DATA_DIR": str(workdir / ".vaecourse"),
        "VAECOURSE_CHECK_SEED": str(seed),
        "VAECOURSE_CHECK_TIMEOUT": str(limits.check_timeout),
    }
    return env


def _kill_group(pid: int | None) -> None:
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass


def _clients(policy_path: Path, io: Path):
    """A kernel manager that starts ``ipykernel`` through ``confine.py`` and a client with output limits."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    confine_script = str(Path(__file__).with_name("confine.py"))

    class ConfinedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", os.path.realpath(self.connection_file)]
            return [sys.executable, confine_script, str(policy_path), "--", *kernel, *(extra_arguments or [])]

    class LimitedClient(NotebookClient):
        output_chars_kept = 0
        output_chars_limit = 0
        output_dropped = 0

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
            size += len(str(content.get("evalue", ""))) + sum(len(str(t)) for t in content.get("traceback", []))
            if self.output_chars_kept + size > self.output_chars_limit:
                self.output_dropped += size
                return None
            self.output_chars_kept += size
            return super().output(outs, msg, display_id, cell_index)

    manager = ConfinedKernelManager(kernel_name="python3", transport="ipc", connection_file=str(io / "k.json"))
    return manager, LimitedClient


def _longer_checks(answers: dict[str, str], limits: Limits) -> float:
    """Extra seconds for the exercises whose check needs more than ``check_timeout`` (the capstone trains a model)."""
    from ..grading.registry import get_exercise

    return sum(max(0.0, getattr(get_exercise(i), "seconds", 0.0) - limits.check_timeout) for i in answers)


def _run_extra_cell(client, nb, source: str):
    """Run a cell of the grader's after the notebook's own (appended, so no student cell is overwritten)."""
    from nbformat.v4 import new_code_cell

    nb.cells.append(new_code_cell(source))
    return client.execute_cell(nb.cells[-1], len(nb.cells) - 1)


def _responds(client, nb, errors: list, seconds: int = 3) -> bool:
    """True if the kernel runs a trivial cell within ``seconds`` (after an interrupt it should)."""
    saved, client.timeout_func, before = client.timeout_func, (lambda cell: seconds), len(errors)
    try:
        _run_extra_cell(client, nb, "pass")
    finally:
        client.timeout_func = saved
    timed_out = any(e["ename"] == TIMEOUT_ENAME for e in errors[before:])
    del errors[before:]
    return not timed_out


def _remove_quota(status_path: Path) -> None:
    """Remove the kernel's control group (killing anything left in it) once the kernel has ended."""
    from .quota import remove

    try:
        groups = json.loads(status_path.read_text(encoding="utf-8")).get("cgroup", {}).get("groups", [])
    except (OSError, ValueError, AttributeError):
        return
    remove([g for g in groups if isinstance(g, str)])


def _read_answers(path: Path):
    """The answers file as JSON, or None: never through a link, never a device, never more than the cap."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = handle.read(_MAX_ANSWERS_BYTES + 1)
    if len(raw) > _MAX_ANSWERS_BYTES:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def execute_notebook(nb, answers: dict[str, str], workdir: Path, private: Path, *, seed: int, limits: Limits,
                     protected: list[Path] = (), probes: Path) -> dict:
    """Run ``nb`` (a student's notebook) in ``workdir`` and collect its answers; return plain data.

    Returns a dict with ``status`` (``ok``, ``timeout``: killed at the time limit, ``crashed``: the
    kernel died or could not start), ``cell_errors`` (cell index, exception name and message),
    ``timed_out_cells``, ``output_dropped`` (characters), ``reports`` (the untrusted answers, or None),
    ``confinement`` (what :mod:`confine` applied) and ``seconds``.
    """
    from nbclient.exceptions import DeadKernelError

    start = time.monotonic()
    student_cells = list(nb.cells)  # the grader's own cells are appended after these
    policy_path, status_path, io = private / "policy.json", private / "confinement.json", probes.parent
    policy = confinement_policy(workdir, status_path, limits, [private, *protected], io)
    policy["deny"] = [d for d in policy["deny"] if Path(d) != private.resolve()]  # it holds the writable folders
    policy_path.write_text(json.dumps(policy))
    os.chmod(private, 0o711)  # the kernel's own user passes through to its folders, and sees nothing else here
    manager, client_class = _clients(policy_path, io)
    answers_path = io / f"answers-{secrets.token_hex(8)}.json"
    errors: list[dict] = []
    deadline = start + limits.notebook_timeout + 60.0  # reset once the kernel is up
    client = client_class(
        nb, km=manager, allow_errors=True, interrupt_on_timeout=True, startup_timeout=60, iopub_timeout=2,
        shutdown_kernel="immediate",
        timeout_func=lambda cell: max(1, int(min(limits.cell_timeout, deadline - time.monotonic()))),
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "the cell ran too long and was interrupted"},
        on_cell_error=lambda cell, cell_index, execute_reply: errors.append(
            {"cell": cell_index, "ename": str(execute_reply["content"].get("ename", "?"))[:80],
             "evalue": str(execute_reply["content"].get("evalue", ""))[:4000]}),
    )
    client.output_chars_limit = limits.output_chars
    result = {"status": "ok", "cell_errors": errors, "reports": None, "problem": ""}
    killed = threading.Event()
    kernel_pid = None

    def kill_kernel():
        killed.set()
        _kill_group(kernel_pid)

    try:
        with client.setup_kernel(env=kernel_environment(workdir, seed, limits), cwd=str(workdir),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cleanup_kc=True):
            kernel_pid = manager.provisioner.pid
            (private / "kernel.pid").write_text(str(kernel_pid))
            client.timeout_func = lambda cell: int(_WARMUP_TIMEOUT)
            _run_extra_cell(client, nb, WARMUP_SOURCE)  # the grader's imports are not the student's time
            del errors[:]
            deadline = time.monotonic() + limits.notebook_timeout
            client.timeout_func = lambda cell: max(1, int(min(limits.cell_timeout, deadline - time.monotonic())))
            watchdog = threading.Timer(limits.notebook_timeout + 5.0, kill_kernel)
            watchdog.start()
            try:
                for index, cell in enumerate(student_cells):
                    if cell.cell_type != "code":
                        continue
                    if time.monotonic() >= deadline:
                        result["status"] = "timeout"
                        result["problem"] = f"the notebook ran past {limits.notebook_timeout:g} s; later cells were skipped"
                        break
                    client.execute_cell(cell, index)
                    if errors and errors[-1]["cell"] == index and errors[-1]["ename"] == TIMEOUT_ENAME:
                        if not _responds(client, nb, errors):  # the interrupt was ignored: stop the kernel
                            kill_kernel()
                            break
            finally:
                watchdog.cancel()
            if not killed.is_set():
                budget = limits.collection_budget(len(answers)) + _longer_checks(answers, limits)
                source = collection_cell(answers, seed=seed, timeout=limits.check_timeout, path=str(answers_path),
                                         probes=str(probes))
                client.timeout_func = lambda cell: int(budget)
                watchdog = threading.Timer(budget + 5.0, kill_kernel)
                watchdog.start()
                before = len(errors)
                try:
                    _run_extra_cell(client, nb, source)
                finally:
                    watchdog.cancel()
                    result["collection_errors"] = errors[before:]
                    del errors[before:]
    except DeadKernelError:
        result["status"] = "timeout" if killed.is_set() else "crashed"
        result["problem"] = "killed at the time limit" if killed.is_set() else "the kernel died"
    except Exception as exc:  # noqa: BLE001 - a kernel that does not start or answer is this row's problem
        result["status"], result["problem"] = "crashed", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        _kill_group(kernel_pid)
        _remove_quota(status_path)
    if killed.is_set() and result["status"] == "ok":
        result["status"], result["problem"] = "timeout", "a cell ignored the interrupt at its time limit; the kernel was stopped"
    data = _read_answers(answers_path)
    if isinstance(data, dict) and data.get("format") == COLLECT_FORMAT and isinstance(data.get("reports"), dict):
        result["reports"] = data["reports"]
    try:
        result["confinement"] = json.loads(status_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result["confinement"] = {"error": "the kernel did not start"}
    if result["status"] == "crashed" and "error" in result["confinement"]:
        result["problem"] = f"the kernel was not started: {result['confinement']['error']}"[:300]
    result["timed_out_cells"] = [e["cell"] for e in errors if e["ename"] == TIMEOUT_ENAME]
    result["output_dropped"] = client.output_dropped
    result["seconds"] = round(time.monotonic() - start, 2)
    return result


