"""``vaecourse gradescope SESSIONS --out autograder.zip``: a Gradescope autograder that grades one submission as ``vaecourse grade`` does.

Gradescope's autograder specification (gradescope/autograder_samples, docs/specs.md; published at
gradescope-autograders.readthedocs.io/en/latest/specs/): the zip holds ``setup.sh`` (run once, as
root, when the image is built) and ``run_autograder`` (run for each submission, in
``/autograder``); the zip is unpacked into ``/autograder/source``, the student's files arrive in
``/autograder/submission``, and ``run_autograder`` must write ``/autograder/results/results.json``:
``{"tests": [{"score", "max_score", "name", "number", "output", "tags", "visibility"}, ...],
"output", "stdout_visibility", "execution_time", "extra_data"}``, where ``visibility`` is one of
``hidden``, ``after_due_date``, ``after_published`` or ``visible``.

Here every exercise is one test: its points, its maximum and the checker's feedback as output.
Function exercises are graded partly on hidden cases drawn from a fresh seed; their tests get
the ``visibility`` chosen at build time (``after_published`` by default: shown once the
instructor publishes grades; Gradescope then also hides the total until then). Value and choice
exercises are always visible. What the run prints (flags for the instructor included) stays in
Gradescope's stdout, hidden from students. The zip holds only what grading needs: ``vaecourse``'s
source, the instructor editions of the assigned sessions (so the feedback's redaction knows what
must not leak), the manifest and the pinned subset of ``requirements.txt`` that grading imports.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
# What grading imports (the kernel, the runner, the checker and vaecourse's own imports), nothing else.
NEEDED = ("torch", "numpy", "tqdm", "platformdirs", "ipykernel", "nbclient", "nbformat")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image: a virtual environment with
# the packages grading needs (requirements.txt) and this course's vaecourse (editable, from here).
# Set PIP_INDEX_URL or PIP_EXTRA_INDEX_URL here to take torch's CPU-only build from its own index.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VAECOURSE_VENV:-/autograder/venv}"
if [ -n "${VAECOURSE_SKIP_INSTALL:-}" ]; then
    echo "VAECOURSE_SKIP_INSTALL is set: nothing installed"
    exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir -r requirements.txt
"$VENV/bin/python" -m pip install --no-cache-dir --no-deps -e .
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission; it writes results/results.json under the autograder root.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${VAECOURSE_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT"
exec "$PYTHON" -m vaecourse.instructor.gradescope --root "$ROOT"
"""


def _requirements(root: Path) -> str:
    pins = [line.strip() for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#") and line.split("==")[0].strip().lower() in NEEDED]
    missing = set(NEEDED) - {p.split("==")[0].strip().lower() for p in pins}
    if missing:
        raise ValueError(f"requirements.txt has no pin for {', '.join(sorted(missing))}")
    return "\n".join(pins) + "\n"


def build_autograder(sessions: list[str], out, *, root=None, visibility: str = "after_published",
                     require_confinement: bool = False) -> dict:
    """Write the autograder zip for ``sessions`` to ``out``; return its manifest.

    Raises:
        ValueError: an unknown session or visibility.
    """
    from .assign import assign
    from .manifest import course_root

    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, got {visibility!r}")
    root = Path(root) if root else course_root()
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = assign(sessions, Path(tmp) / "assignment", root=root)
        settings = {"visibility": visibility, "require_confinement": require_confinement}
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            def text(name: str, content: str, mode: int = 0o644) -> None:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                archive.writestr(info, content)

            text("setup.sh", SETUP_SH, 0o755)
            text("run_autograder", RUN_AUTOGRADER, 0o755)
            text("requirements.txt", _requirements(root))
            text("pyproject.toml", (root / "pyproject.toml").read_text(encoding="utf-8"))
            text("autograder.json", json.dumps(settings, indent=1) + "\n")
            text("assignment/manifest.json", (Path(tmp) / "assignment" / "manifest.json").read_text(encoding="utf-8"))
            package = root / "vaecourse"
            for path in sorted(package.rglob("*.py")):
                text(f"vaecourse/{path.relative_to(package).as_posix()}", path.read_text(encoding="utf-8"))
            for entry in manifest["sessions"]:
                source = root / "exercises" / "source" / entry["notebook"]
                text(f"exercises/source/{entry['notebook']}", source.read_text(encoding="utf-8"))
    return manifest


def results_json(record: dict, manifest: dict, visibility: str = "after_published") -> dict:
    """Gradescope's ``results.json`` for one grading record: one test per exercise."""
    by_id = {r["exercise_id"]: r for r in record["results"]}
    tests = []
    for entry in manifest["sessions"]:
        for number, exercise in enumerate(entry["exercises"], start=1):
            result = by_id[exercise["id"]]
            tests.append({
                "name": f"{exercise['id']}: {exercise['title']}",
                "number": f"{entry['session']}.{number}",
                "score": float(result["score"]),
                "max_score": float(result["max_score"]),
                "output": result["feedback"],
                "tags": [entry["session"], exercise["kind"]],
                "visibility": visibility if exercise["kind"] == "function" else "visible",
            })
    summary = f"Grading status: {record['status']}."
    if record.get("problems"):
        summary += "\nWhat went wrong while running your notebook:\n" + "\n".join(record["problems"])
    return {"tests": tests, "output": summary, "stdout_visibility": "hidden",
            "execution_time": round(float(record.get("seconds", 0.0))), "extra_data": {"status": record["status"]}}


def run_autograder(root) -> dict:
    """Grade ``root/submission`` with ``root/source``'s manifest; write and return ``root/results/results.json``."""
    from .execute import Limits
    from .grade import grade_class
    from .manifest import load_manifest
    from .runner import write_json_atomic

    root = Path(root)
    started = time.monotonic()
    settings = json.loads((root / "source" / "autograder.json").read_text(encoding="utf-8"))
    manifest = load_manifest(root / "source" / "assignment" / "manifest.json")
    with tempfile.TemporaryDirectory(prefix="vaecourse-gs-") as tmp:
        student = Path(tmp) / "submissions" / "submission"
        shutil.copytree(root / "submission", student, symlinks=True)  # links are copied as links, never followed
        summary = grade_class(Path(tmp) / "submissions", Path(tmp) / "out", manifest=manifest, workers=1,
                              limits=Limits(require_confinement=settings["require_confinement"]))
        record = json.loads((Path(tmp) / "out" / "results" / "submission.json").read_text(encoding="utf-8"))
    results = results_json(record, manifest, settings["visibility"])
    results["execution_time"] = round(time.monotonic() - started)
    print(json.dumps({"status": record["status"], "score": record["score"], "flags": record.get("flags", []),
                      "problems": record.get("problems", []), "confinement": summary["confinement"]}, indent=1))
    write_json_atomic(root / "results" / "results.json", results)  # replaces anything the notebook wrote there
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    from .runner import write_json_atomic

    parser = argparse.ArgumentParser(prog="python -m vaecourse.instructor.gradescope", description="run_autograder's body")
    parser.add_argument("--root", default="/autograder")
    args = parser.parse_args(argv)
    try:
        run_autograder(args.root)
    except Exception as exc:  # noqa: BLE001 - Gradescope must always get a results.json
        print(f"the autograder failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        write_json_atomic(Path(args.root) / "results" / "results.json",
                          {"score": 0.0, "output": "The autograder could not grade this submission; "
                           "your instructor can see why.", "stdout_visibility": "hidden"})
        return 1
    return 0


def _gradescope(args) -> int:
    try:
        manifest = build_autograder(args.sessions, args.out, root=args.root, visibility=args.visibility,
                                    require_confinement=args.require_confinement)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {sum(len(e['exercises']) for e in manifest['sessions'])} tests, "
          f"{manifest['total_points']:g} points")
    return 0


def add_parser(subparsers) -> None:
    """Register ``gradescope``."""
    parser = subparsers.add_parser("gradescope", help="write a Gradescope autograder zip for sessions")
    parser.add_argument("sessions", nargs="+", metavar="SESSION", help="session keys, e.g. s4")
    parser.add_argument("--out", required=True, help="the zip to write, e.g. autograder.zip")
    parser.add_argument("--root", default=None, help="the course repository (default: where vaecourse is installed from)")
    parser.add_argument("--visibility", default="after_published", choices=VISIBILITIES,
                        help="when students see the function exercises' tests (default %(default)s)")
    parser.add_argument("--require-confinement", action="store_true",
                        help="refuse to run notebooks where Landlock is unavailable")
    parser.set_defaults(func=_gradescope)


if __name__ == "__main__":
    sys.exit(main())
