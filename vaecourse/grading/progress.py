"""The learner's progress through the sessions, kept in a small JSON file, and ``vaecourse progress``.

The file lives in the user's data directory (``platformdirs.user_data_dir("vaecourse")``) or, when
the environment variable ``VAECOURSE_DATA_DIR`` is set, in that directory: tests, CI and graders set
it so that they never touch a real learner's progress. Layout (version 1)::

    {"version": 1,
     "sessions": {"s4": {"score": 6.0, "max_score": 8.0, "fraction": 0.75, "passed": false,
                         "mastered": false, "best_fraction": 0.75, "attempts": 2, "threshold": 0.8,
                         "updated": "2025-01-01T12:00:00+00:00",
                         "exercises": {"gaussian_kl": {"status": "failed", "score": 0.0,
                                                       "max_score": 2.0, "mistake": "kl_missing_half"}},
                         "review": ["s4-closed-form-kl"], "passed_by": null,
                         "practice": {"streak": 1, "needed": 3, "floor": 0.5}}},
     "practice": {"s4": {"streak": 1, "best_streak": 2, "answered": 4, "correct": 3, "needed": 3,
                         "updated": "2025-01-01T12:05:00+00:00"}}}

``mastered`` stays true once a gate has been passed (``passed_by`` says how: ``"points"`` or
``"practice"``); the other fields describe the latest attempt. A gate's summary is stored only as the
registry allows: its exercises are the session's registered ones, each score at most the exercise's
registered points, and ``max_score`` is the session's registered total (whatever object produced it).
Every change is a read-modify-write under an exclusive lock (``progress.json.lock``, ``fcntl``) ending
in an atomic rename, so several notebooks, kernels or processes recording at once lose nothing. ``practice`` is written after every
checked practice variant (:mod:`vaecourse.practice`): the streak of the latest kernel and the best
streak ever.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writes stay atomic
    fcntl = None

from .practice_log import PRACTICE_FLOOR, PRACTICE_STREAK
from .sections import SESSIONS, section_reference

MASTERY_THRESHOLD = 0.8
"""Fraction of a session's points needed to pass its gate (stated in the notebooks and the book)."""

DATA_DIR_ENV = "VAECOURSE_DATA_DIR"
FILE_NAME = "progress.json"
VERSION = 1


def data_dir() -> Path:
    """Where progress is stored: ``$VAECOURSE_DATA_DIR`` if set, else the platform's user data dir."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("vaecourse", appauthor=False))


def progress_path() -> Path:
    return data_dir() / FILE_NAME


def _empty() -> dict:
    return {"version": VERSION, "sessions": {}}


def load_progress(path: Path | None = None) -> dict:
    """The stored progress, or an empty record if there is none (or it is unreadable: it is then kept as ``.bak``)."""
    path = Path(path) if path is not None else progress_path()
    if not path.exists():
        return _empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("sessions"), dict):
            raise ValueError("not a progress record")
        return data
    except (OSError, ValueError):
        backup = path.with_suffix(".json.bak")
        try:
            path.replace(backup)
        except OSError:
            pass
        return _empty()


def save_progress(progress: dict, path: Path | None = None) -> Path:
    """Write ``progress`` atomically (a temporary file renamed over the old one)."""
    path = Path(path) if path is not None else progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(progress, stream, indent=1, sort_keys=True)
    os.replace(temporary, path)
    return path


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock beside ``path`` (``progress.json.lock``) for one read-modify-write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def update_progress(change, path: Path | None = None) -> Path:
    """Apply ``change(progress)`` (it edits the dict in place) under the lock, then save atomically."""
    path = Path(path) if path is not None else progress_path()
    with _locked(path):
        progress = load_progress(path)
        change(progress)
        progress["version"] = VERSION
        return save_progress(progress, path)


def registered_summary(session: str, summary: dict) -> dict:
    """``summary`` as the registry allows it: registered exercises only, each score capped at its points.

    The score, ``max_score`` and ``passed`` are recomputed from those, so an exercise object changed by
    the learner (``dataclasses.replace(get_exercise(id), points=100)``) cannot inflate progress.
    """
    from .registry import exercises_for_session

    given = summary.get("exercises") if isinstance(summary.get("exercises"), dict) else {}
    exercises, score, max_score = {}, 0.0, 0.0
    for exercise in exercises_for_session(session):
        points = float(exercise.points)
        entry = given.get(exercise.id) if isinstance(given.get(exercise.id), dict) else {}
        try:
            earned = min(max(float(entry.get("score", 0.0)), 0.0), points)
        except (TypeError, ValueError):
            earned = 0.0
        earned = earned if earned == earned else 0.0  # NaN counts as nothing
        exercises[exercise.id] = {**entry, "score": earned, "max_score": points}
        score, max_score = score + earned, max_score + points
    fraction = score / max_score if max_score else 0.0
    by_points = fraction >= MASTERY_THRESHOLD - 1e-9
    practice = summary.get("practice") if isinstance(summary.get("practice"), dict) else {}
    streak = practice.get("streak", 0)
    by_practice = (isinstance(streak, int) and streak >= PRACTICE_STREAK and fraction >= PRACTICE_FLOOR - 1e-9)
    passed = bool(summary.get("passed")) and (by_points or (summary.get("passed_by") == "practice" and by_practice))
    return {**summary, "exercises": exercises, "score": round(score, 6), "max_score": max_score,
            "threshold": MASTERY_THRESHOLD, "passed": passed,
            "passed_by": ("points" if by_points else summary.get("passed_by")) if passed else None}


def record_session(session: str, summary: dict, path: Path | None = None) -> Path:
    """Store one gate's ``summary`` (score, max_score, passed, threshold, exercises, review) for ``session``."""
    if session not in SESSIONS:
        raise ValueError(f"session must be one of {', '.join(SESSIONS)}, got {session!r}")
    summary = registered_summary(session, summary)

    def change(progress: dict) -> None:
        previous = progress["sessions"].get(session, {})
        fraction = summary["score"] / summary["max_score"] if summary["max_score"] else 0.0
        progress["sessions"][session] = {
            **summary,
            "fraction": round(fraction, 6),
            "mastered": bool(previous.get("mastered")) or bool(summary["passed"]),
            "best_fraction": round(min(1.0, max(fraction, float(previous.get("best_fraction", 0.0)))), 6),
            "attempts": int(previous.get("attempts", 0)) + 1,
            "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }

    return update_progress(change, path)


def record_practice(session: str, record: dict, path: Path | None = None) -> Path:
    """Store a session's practice ``record`` (streak, best_streak, answered, correct, needed), keeping the best streak."""
    if session not in SESSIONS:
        raise ValueError(f"session must be one of {', '.join(SESSIONS)}, got {session!r}")

    def change(progress: dict) -> None:
        practice = progress.setdefault("practice", {})
        previous = practice.get(session, {})
        practice[session] = {
            **record,
            "best_streak": max(int(record.get("best_streak", 0)), int(previous.get("best_streak", 0))),
            "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }

    return update_progress(change, path)


def _practice_line(progress: dict, key: str) -> str | None:
    entry = progress.get("practice", {}).get(key)
    if not entry:
        return None
    return (
        f"      practice: streak {entry.get('streak', 0)} of {entry.get('needed', '?')} needed, best {entry.get('best_streak', 0)} "
        f"({entry.get('correct', 0)} of {entry.get('answered', 0)} variants right)"
    )


def session_status(entry: dict | None) -> str:
    """``mastered``, ``in progress`` or ``not started``."""
    if not entry:
        return "not started"
    return "mastered" if entry.get("mastered") else "in progress"


def format_progress(progress: dict) -> str:
    """A table of the sessions with their status, latest score and what to review."""
    lines = ["Your progress through the VAE course", ""]
    for key, session in SESSIONS.items():
        entry = progress["sessions"].get(key)
        status = session_status(entry)
        score = ""
        if entry:
            score = f"latest {entry['score']:g}/{entry['max_score']:g} ({entry['fraction']:.0%}), best {entry['best_fraction']:.0%}"
        via = " (via practice)" if entry and entry.get("passed_by") == "practice" else ""
        lines.append(f"  Session {session.number}  {session.title:<30} {status:<12} {score}{via}")
        practice = _practice_line(progress, key)
        if practice:
            lines.append(practice)
        if entry and not entry.get("passed"):
            for label in entry.get("review", [])[:4]:
                lines.append(f"      review {section_reference(label)}")
            lines.append(f"      then re-run {session.notebook}")
    mastered = sum(1 for key in SESSIONS if progress["sessions"].get(key, {}).get("mastered"))
    lines += ["", f"{mastered} of {len(SESSIONS)} sessions mastered."]
    nxt = next((s for k, s in SESSIONS.items() if not progress["sessions"].get(k, {}).get("mastered")), None)
    if nxt is not None:
        lines.append(f"Next: Session {nxt.number} ({nxt.title}), exercises in {nxt.notebook}.")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    path = progress_path()
    if args.reset:
        if path.exists():
            path.unlink()
        print(f"Progress reset ({path}).")
        return 0
    progress = load_progress(path)
    if args.json:
        print(json.dumps(progress, indent=1, sort_keys=True))
    else:
        print(format_progress(progress))
        print(f"\n(stored in {path})")
    return 0


def add_parser(subparsers) -> None:
    """Register ``vaecourse progress`` (see ``vaecourse/__main__.py``)."""
    parser = subparsers.add_parser(
        "progress",
        help="show your per-session progress and what to review",
        description="Show the mastery gates you have passed and the sections to review. "
        f"Progress is stored in {FILE_NAME} in the user data directory (or ${DATA_DIR_ENV}).",
    )
    parser.add_argument("--json", action="store_true", help="print the raw progress record as JSON")
    parser.add_argument("--reset", action="store_true", help="delete the stored progress")
    parser.set_defaults(func=_run)
