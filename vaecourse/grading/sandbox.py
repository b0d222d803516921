"""Run untrusted learner code in a forked child process with a time limit and capped output.

The child runs a *task* (a zero-argument callable that calls the learner's code and turns what it
returns into plain data); the parent receives that data as JSON through a pipe. A task that raises,
loops forever, prints megabytes, calls ``sys.exit`` or kills its own process costs the parent
nothing but the time limit. The learner's code never sees the parent's stdout.

Where ``fork`` is unavailable (Windows) or disabled with ``VAECOURSE_GRADING_INPROCESS=1``, the task
runs in a daemon thread of the same process instead: output is still captured and capped, and a
task that overruns the time limit is reported as a timeout, but it keeps running in the background
(a thread cannot be killed), so restart the kernel after an infinite loop there.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import sys
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

INPROCESS_ENV = "VAECOURSE_GRADING_INPROCESS"
DEFAULT_TIMEOUT_S = 10.0
OUTPUT_LIMIT_CHARS = 100_000  # printing more than this fails the check: debug prints are far smaller
_MAX_PAYLOAD_BYTES = 16 * 2**20
_GRADER_FILES = (os.sep + "vaecourse" + os.sep + "grading" + os.sep, os.sep + "multiprocessing" + os.sep)


@dataclass(frozen=True)
class SandboxOutcome:
    """What happened to a task: ``status`` is ``ok``, ``error``, ``timeout`` or ``crashed``."""

    status: str
    value: Any = None  # the task's plain-data result when ``status == "ok"``
    error_type: str | None = None
    error_message: str | None = None
    error_line: str | None = None  # the line of learner code where the exception arose, if known
    output_chars: int = 0  # characters the learner's code printed
    seconds: float = 0.0


class CappedWriter(io.TextIOBase):
    """A text stream that counts everything written but keeps only the first ``limit`` characters."""

    def __init__(self, limit: int = 2000):
        self.limit = limit
        self.total = 0
        self._kept: list[str] = []
        self._kept_chars = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.total += len(text)
        if self._kept_chars < self.limit:
            piece = text[: self.limit - self._kept_chars]
            self._kept.append(piece)
            self._kept_chars += len(piece)
        return len(text)

    @property
    def head(self) -> str:
        return "".join(self._kept)


def describe_exception(exc: BaseException) -> dict:
    """Plain data about an exception: its type, message (trimmed) and the learner's line."""
    message = str(exc)
    if len(message) > 500:
        message = message[:500] + " ..."
    line = None
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not any(part in (frame.filename or "") for part in _GRADER_FILES):
            code = (frame.line or "").strip()
            line = f"line {frame.lineno}: {code}" if code else f"line {frame.lineno}"
            break
    return {"error_type": type(exc).__name__, "error_message": message, "error_line": line}


def _execute(task: Callable[[], Any], writer: CappedWriter) -> dict:
    """Run ``task`` with stdout/stderr sent to ``writer``; return a JSON-ready payload."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = writer
    try:
        payload = {"status": "ok", "value": task()}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from learner code too
        payload = {"status": "error", **describe_exception(exc)}
    finally:
        sys.stdout, sys.stderr = saved
    payload["output_chars"] = writer.total
    return payload


def _encode(payload: dict) -> bytes:
    try:
        return json.dumps(payload).encode()
    except (TypeError, ValueError) as exc:  # a task bug: the value was not plain data
        return json.dumps({"status": "error", "error_type": "GraderError", "error_message": str(exc)}).encode()


def _child_main(connection, task: Callable[[], Any]) -> None:
    # Silence C-level writes to the inherited stdout/stderr (a notebook's kernel streams).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)  # the parent's thread pool does not survive fork
    payload = _execute(task, CappedWriter())
    connection.send_bytes(_encode(payload))
    connection.close()


def fork_available() -> bool:
    """True when tasks run in a forked child (Linux, macOS), unless disabled by the environment."""
    if os.environ.get(INPROCESS_ENV, "").strip() not in ("", "0"):
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def _outcome(payload: dict, seconds: float) -> SandboxOutcome:
    return SandboxOutcome(
        status=payload.get("status", "error"),
        value=payload.get("value"),
        error_type=payload.get("error_type"),
        error_message=payload.get("error_message"),
        error_line=payload.get("error_line"),
        output_chars=int(payload.get("output_chars", 0)),
        seconds=seconds,
    )


def _run_forked(task: Callable[[], Any], timeout: float) -> SandboxOutcome:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork in a threaded kernel
        process = context.Process(target=_child_main, args=(sender, task), daemon=True)
        process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            return SandboxOutcome(status="timeout", seconds=time.perf_counter() - start)
        try:
            data = receiver.recv_bytes(_MAX_PAYLOAD_BYTES)
        except (EOFError, OSError):
            process.join(1.0)
            return SandboxOutcome(
                status="crashed",
                error_type="ProcessExit",
                error_message=f"the process running your code ended abruptly (exit code {process.exitcode})",
                seconds=time.perf_counter() - start,
            )
        return _outcome(json.loads(data), time.perf_counter() - start)
    finally:
        receiver.close()
        process.join(0.5)
        if process.is_alive():
            process.kill()
            process.join(2.0)


def _run_in_thread(task: Callable[[], Any], timeout: float) -> SandboxOutcome:
    box: dict = {}
    writer = CappedWriter()
    saved = sys.stdout, sys.stderr
    start = time.perf_counter()
    worker = threading.Thread(target=lambda: box.update(_execute(task, writer)), daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        sys.stdout, sys.stderr = saved  # the runaway thread keeps writing into its own capped writer
        return SandboxOutcome(status="timeout", output_chars=writer.total, seconds=time.perf_counter() - start)
    return _outcome(json.loads(_encode(box)), time.perf_counter() - start)


def run_sandboxed(task: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT_S) -> SandboxOutcome:
    """Run ``task`` isolated from the caller and return its plain-data result or what went wrong.

    Args:
        task: a zero-argument callable returning JSON-serialisable data (NaN and inf allowed).
        timeout: seconds before the task is abandoned (its child process is killed).
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    replay = getattr(_hooks, "replay", None)
    if replay is not None:
        return replay
    outcome = _run_forked(task, timeout) if fork_available() else _run_in_thread(task, timeout)
    recorded = getattr(_hooks, "recorded", None)
    if recorded is not None:
        recorded.append(outcome)
        if _hooks.stop:
            raise OutcomeRecorded
    return outcome


# Hooks for the instructor grader (vaecourse.instructor): the answer runs in the student's kernel under
# ``recording_outcomes``; the grader, which never runs student code, judges that plain-data outcome
# with the same checker under ``replaying_outcome``.
_hooks = threading.local()


class OutcomeRecorded(Exception):
    """Raised by :func:`run_sandboxed` under ``recording_outcomes(stop=True)`` once the outcome is recorded."""


@contextmanager
def recording_outcomes(stop: bool = False):
    """Collect the outcome of every :func:`run_sandboxed` call made in this thread into the yielded list.

    With ``stop``, the first recorded call raises :class:`OutcomeRecorded` (the caller needs no more).
    """
    previous = getattr(_hooks, "recorded", None), getattr(_hooks, "stop", False)
    _hooks.recorded, _hooks.stop = [], stop
    try:
        yield _hooks.recorded
    finally:
        _hooks.recorded, _hooks.stop = previous


@contextmanager
def replaying_outcome(outcome: SandboxOutcome):
    """Make :func:`run_sandboxed` calls in this thread return ``outcome`` instead of running their task."""
    previous, _hooks.replay = getattr(_hooks, "replay", None), outcome
    try:
        yield
    finally:
        _hooks.replay = previous
