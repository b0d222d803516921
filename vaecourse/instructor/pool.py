"""A pool of grader processes: each grades one submission at a time and is killed, with its kernel, on overrun.

Each worker thread of ``vaecourse grade`` keeps one ``python -P -m vaecourse.instructor.runner --serve``
process (so torch and the checker load once per worker, not once per student) in a process group
of its own. The thread sends it a job's path and waits for the one-line reply; when the reply does
not come within the job's hard limit, the kernel's process group and the runner's are killed and
the next job starts a fresh runner. The runner never runs student code itself — each notebook runs
in its own kernel process — so no student can reach the next student's grading.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path


class _Worker:
    """One persistent runner process."""

    def __init__(self, log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-W", "ignore::RuntimeWarning:runpy", "-m", "vaecourse.instructor.runner", "--serve"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
                cwd=tempfile.gettempdir(),
            )
        self.private: Path | None = None

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Kill the current job's kernels and this runner (each in its own process group)."""
        for pid_file in self.private.glob("*/kernel.pid") if self.private else ():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)
            except (ValueError, OSError):
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        self.process.wait()

    def grade(self, job_path: Path, private: Path, limit: float) -> str | None:
        """Have the runner grade the job; None when its record is written, else why not."""
        self.private = private
        try:
            self.process.stdin.write(f"{job_path}\n".encode())
            self.process.stdin.flush()
        except OSError:
            return "the grader process was not running"
        ready, _, _ = select.select([self.process.stdout], [], [], limit)
        if not ready:
            self.kill()
            return f"the grader stopped it after {limit:.0f} s"
        reply = self.process.stdout.readline().decode(errors="replace").strip()
        if reply == "done":
            return None
        if not reply:
            self.process.wait()
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-1:]
            return f"the grader process died (exit code {self.process.returncode}{': ' + tail[0] if tail else ''})"
        return f"the grader failed ({reply[:300]})"

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


class RunnerPool:
    """Persistent runners, one per thread that asks; :meth:`kill_all` stops everything at once."""

    def __init__(self, log_dir: Path):
        self.log_dir = Path(log_dir)
        self.local = threading.local()
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()
        self.aborted = False

    def _worker(self) -> _Worker:
        worker = getattr(self.local, "worker", None)
        if worker is None or not worker.alive():
            with self.lock:
                worker = _Worker(self.log_dir / f"grader-{len(self.workers) + 1}.log")
                self.workers.append(worker)
            self.local.worker = worker
        return worker

    def run(self, job: dict, limit: float) -> str | None:
        """Grade one job (its ``private`` folder holds ``job.json``); None on success, else why not."""
        private = Path(job["private"])
        job_path = private / "job.json"
        job_path.write_text(json.dumps(job), encoding="utf-8")
        with self.lock:
            if self.aborted:
                return "aborted"
        return self._worker().grade(job_path, private, limit)

    def kill_all(self) -> None:
        with self.lock:
            self.aborted = True
            for worker in self.workers:
                if worker.alive():
                    worker.kill()

    def close(self) -> None:
        for worker in self.workers:
            if worker.alive():
                worker.close()
