"""``vaecourse grade --merge``: combine the output folders of shards into one gradebook.

Each shard's ``grading.json`` names the manifest, seed and limits it graded with, its shard
``I/N`` and the whole class it saw. The merge refuses shards graded differently, keeps a student
graded twice only if both records agree, and reports the shards and students that are missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .gradebook import parse_time
from .grade import RUN_FORMAT
from .publish import ClassPolicy, publish, shard_policy
from .runner import write_json_atomic

_MUST_AGREE = ("manifest_sha256", "seed", "limits", "students")


def _load_run(folder: Path) -> dict:
    try:
        run = json.loads((folder / "grading.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder}: no readable grading.json ({exc}); is it a `vaecourse grade` output folder?") from None
    if run.get("format") != RUN_FORMAT:
        raise ValueError(f"{folder}/grading.json is not a grading run")
    return run


def merge(folders: list, out, *, deadline=None, policy: ClassPolicy | None = None) -> dict:
    """Merge shard output ``folders`` into ``out``; return the merged run summary.

    ``policy`` (late policy, roster, overrides, exports) is applied as ``vaecourse grade`` applies it;
    by default, the first shard's (its late policy, ``roster.csv`` and ``overrides.csv``), with ``deadline`` in place.

    The summary's ``missing_students`` and ``missing_shards`` list what no folder covered (the
    gradebook is still written, without them); ``duplicates`` lists students graded twice alike.

    Raises:
        ValueError: no folders, shards graded with different settings, or a student graded twice
            with different results.
    """
    folders = [Path(f) for f in folders]
    if not folders:
        raise ValueError("folders must name at least one shard output folder")
    runs = [_load_run(f) for f in folders]
    first = runs[0]
    for folder, run in zip(folders[1:], runs[1:]):
        for key in _MUST_AGREE:
            if run.get(key) != first.get(key):
                raise ValueError(f"{folder} was graded with a different {key} than {folders[0]}; re-grade it")
    records: dict[str, dict] = {}
    origin: dict[str, Path] = {}
    duplicates = []
    for folder, run in zip(folders, runs):
        for student in run["graded"]:
            path = folder / "results" / f"{student}.json"
            if not path.is_file():
                continue
            record = json.loads(path.read_text(encoding="utf-8"))
            if student in records:
                if records[student]["results"] != record["results"] or records[student]["status"] != record["status"]:
                    raise ValueError(f"{student} was graded in {origin[student]} and {folder} with different results")
                duplicates.append(student)
                continue
            records[student], origin[student] = record, folder
    counts = {run["shard"][1] for run in runs}
    present = {run["shard"][0] for run in runs}
    missing_shards = [f"{i}/{n}" for n in counts for i in range(1, n + 1) if i not in present] if len(counts) == 1 else []
    deadline = parse_time(deadline) if isinstance(deadline, str) else deadline
    if deadline is None and first.get("deadline"):
        deadline = parse_time(first["deadline"])
    policy = policy or shard_policy(folders[0], first, deadline=deadline)
    out = Path(out)
    for student, record in records.items():
        write_json_atomic(out / "results" / f"{student}.json", record)
    for folder in folders:  # keep the shards' settings for the record
        if (folder / "grading.json").resolve() != (out / f"shard-{folder.name}.json").resolve():
            shutil.copyfile(folder / "grading.json", out / f"shard-{folder.name}.json")
    published = publish(out, records, first["manifest"], policy)
    similar = folders[0] / "similar_answers.csv"  # every shard lists the whole class's
    if similar.is_file() and similar.resolve() != (out / similar.name).resolve():
        shutil.copyfile(similar, out / similar.name)
    summary = {
        **{k: first[k] for k in ("format", "manifest", "manifest_sha256", "seed", "limits", "students", "confinement")},
        "shard": [1, 1],
        "deadline": policy.late.deadline.isoformat() if policy.late.deadline else None,
        "graded": sorted(records),
        "merged_from": [str(f) for f in folders],
        "duplicates": sorted(set(duplicates)),
        "missing_students": sorted(set(first["students"]) - set(records)),
        "missing_shards": missing_shards if len(counts) == 1 else ["shards split the class differently"],
        **published,
    }
    write_json_atomic(out / "grading.json", summary)
    return summary
