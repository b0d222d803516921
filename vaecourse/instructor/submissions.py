"""Find the students' submissions in a folder, match their notebooks to the assigned sessions, spot bad files.

A submission is a folder (its name is the student id) holding the notebook(s), or a single file
``STUDENT.ipynb``. Within a folder, a session's notebook is the file with the assigned name (e.g.
``s4_gaussian_kl.ipynb``, searched in subfolders too), else the notebook whose metadata says that
session, else — when one session was assigned — the only notebook there. Anything else is
reported, never fatal: a file that is not a notebook, invalid JSON, a notebook without code cells,
no notebook for a session, and extra files (ignored). Symbolic links are never followed (one could
point at the instructor's files). The submission time is ``submitted_at``
from an optional ``submission.json`` in the folder (ISO 8601, as learning platforms export it),
else the newest modification time of the notebooks used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

METADATA_NAME = "submission.json"
MAX_NOTEBOOK_BYTES = 20 * 2**20
_IGNORED = {".DS_Store", "__MACOSX", ".ipynb_checkpoints", "Thumbs.db"}


@dataclass
class Submission:
    """One student's files: the notebook for each session, and what is wrong with the rest."""

    student: str
    path: Path
    notebooks: dict[str, Path] = field(default_factory=dict)  # session -> notebook file
    malformed: dict[str, str] = field(default_factory=dict)  # session -> why it cannot be graded
    problems: list[str] = field(default_factory=list)
    submitted_at: datetime | None = None

    def files(self) -> list[Path]:
        """The files graded (their bytes fingerprint the submission)."""
        extra = [self.path / METADATA_NAME] if self.path.is_dir() and (self.path / METADATA_NAME).is_file() else []
        return [self.notebooks[s] for s in sorted(self.notebooks)] + extra


def read_notebook(path: Path):
    """The notebook at ``path``; ValueError saying why it cannot be used."""
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path.name}: larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: not a notebook (not text)") from None
    try:
        json.loads(text)
    except RecursionError:
        raise ValueError(f"{path.name}: not a notebook (JSON nested too deeply)") from None
    except ValueError as exc:
        raise ValueError(f"{path.name}: not a notebook (invalid JSON: {getattr(exc, 'msg', exc)})") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds for bad structure
        raise ValueError(f"{path.name}: not a valid notebook ({type(exc).__name__})") from None
    if not any(cell.cell_type == "code" for cell in nb.cells):
        raise ValueError(f"{path.name}: the notebook has no code cells")
    return nb


def _notebook_session(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:  # the size cap applies before anything is parsed
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return data.get("metadata", {}).get("vaecourse", {}).get("session")
    except (ValueError, UnicodeDecodeError, OSError, AttributeError, RecursionError):
        return None


def _submitted_at(submission: Submission) -> datetime | None:
    meta = submission.path / METADATA_NAME
    if submission.path.is_dir() and meta.is_file() and meta.stat().st_size <= 2**16:
        try:
            stamp = datetime.fromisoformat(str(json.loads(meta.read_text(encoding="utf-8"))["submitted_at"]))
            return stamp if stamp.tzinfo else stamp.astimezone()
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            submission.problems.append(f"{METADATA_NAME} has no valid submitted_at; the file time is used")
    times = [p.stat().st_mtime for p in submission.notebooks.values()]
    return datetime.fromtimestamp(max(times), timezone.utc) if times else None


def _match(submission: Submission, files: list[Path], sessions: list[dict]) -> None:
    notebooks = [f for f in files if f.suffix == ".ipynb"]
    used: set[Path] = set()
    for entry in sessions:
        by_name = [f for f in notebooks if f.name == entry["notebook"]]
        by_meta = [f for f in notebooks if f not in used and _notebook_session(f) == entry["session"]]
        lone = [f for f in notebooks if f not in used] if len(sessions) == 1 and len(notebooks) == 1 else []
        choice = (by_name or by_meta or lone)[:1]
        if choice:
            submission.notebooks[entry["session"]] = choice[0]
            used.add(choice[0])
        else:
            found = ", ".join(f.name for f in files[:5]) or "nothing"
            submission.malformed[entry["session"]] = f"no notebook for {entry['session']} ({entry['notebook']}); found {found}"
    for session, path in list(submission.notebooks.items()):
        try:
            read_notebook(path)
        except ValueError as exc:
            submission.malformed[session] = str(exc)
            del submission.notebooks[session]
    extra = sorted(f.name for f in files if f not in used and f.name != METADATA_NAME)
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        submission.problems.append(f"extra files ignored: {shown}")


def _plain_files(folder: Path) -> list[Path]:
    """Regular files under ``folder``, without following links or entering hidden folders."""
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED and not d.startswith("."))
        for name in files:
            path = Path(top) / name
            if name not in _IGNORED and not name.startswith(".") and not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found)


def discover(submissions_dir: str | Path, manifest: dict) -> list[Submission]:
    """Every submission in ``submissions_dir``, sorted by student id."""
    root = Path(submissions_dir)
    if not root.is_dir():
        raise ValueError(f"submissions_dir must be a folder, got {root}")
    grouped: dict[str, list[Path]] = {}
    origin: dict[str, Path] = {}
    for entry in sorted(root.iterdir()):
        if entry.name in _IGNORED or entry.name.startswith(".") or entry.name in ("manifest.json", "README.md"):
            continue
        if entry.is_symlink():  # a link could point at anything the grader can read: never followed
            continue
        if entry.is_dir():
            grouped.setdefault(entry.name, []).extend(_plain_files(entry))
            origin[entry.name] = entry
        elif entry.is_file():
            student = entry.name[: -len(".ipynb")] if entry.name.endswith(".ipynb") else entry.stem
            grouped.setdefault(student, []).append(entry)
            origin.setdefault(student, entry)
    submissions = []
    for student in sorted(grouped):
        submission = Submission(student, origin[student])
        _match(submission, grouped[student], manifest["sessions"])
        submission.submitted_at = _submitted_at(submission)
        submissions.append(submission)
    return submissions


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with ``1 <= I <= N``; ValueError otherwise.

    >>> parse_shard("2/8")
    (2, 8)
    """
    try:
        index, count = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ValueError(f"shard must look like I/N (e.g. 2/8), got {text!r}") from None
    if not 1 <= index <= count:
        raise ValueError(f"shard I/N needs 1 <= I <= N, got {text!r}")
    return index, count


def select_shard(submissions: list[Submission], shard: tuple[int, int]) -> list[Submission]:
    """Every N-th submission, starting at the I-th (sorted by student id): shard ``(I, N)``."""
    index, count = shard
    return sorted(submissions, key=lambda s: s.student)[index - 1 :: count]
