"""Per-submission quotas in a control group (memory and process count for all of a kernel's processes), v2 or v1.

Standard library only: :mod:`~vaecourse.instructor.confine` loads it before the kernel starts. A
group ``vcg-PID`` is made beside the grader's own group (cgroup v2: ``memory.max``, ``pids.max``; the
v1 hierarchies ``memory`` and ``pids``: ``memory.limit_in_bytes``, ``pids.max``), the confining
process joins it, and every process the kernel starts stays in it: two children of 2.5 GiB each, or a
fork bomb, count against the one quota. :func:`remove` kills what is left and removes the group once
the kernel ended; :func:`remove_stale` removes groups whose ``PID`` no longer runs (a killed grader's).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "vcg-"


def _own_groups() -> dict[str, Path]:
    """Controller ("memory", "pids", or "" for v2) -> the folder of this process's group."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        path = path.lstrip("/")
        if controllers == "" and (ROOT / "cgroup.controllers").exists():
            found[""] = ROOT / path
        for name in controllers.split(","):
            if name in ("memory", "pids") and (ROOT / name).is_dir():
                found[name] = ROOT / name / path
    return found


def _write(path: Path, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def create(name: str, memory_bytes: int, processes: int) -> tuple[list[str], list[str]]:
    """Make the group ``name`` with both quotas and move this process into it; (group folders, what is enforced)."""
    groups, enforced = [], []
    own = _own_groups()
    if "" in own:  # cgroup v2: one group holds both controllers
        parent = own[""]
        try:
            wanted = {"memory", "pids"} & set((parent / "cgroup.controllers").read_text().split())
            if wanted - set((parent / "cgroup.subtree_control").read_text().split()):
                _write(parent / "cgroup.subtree_control", " ".join("+" + c for c in sorted(wanted)))
            group = parent / name
            group.mkdir()
            groups.append(str(group))
            if "memory" in wanted:
                _write(group / "memory.max", str(memory_bytes))
                _write(group / "memory.swap.max", "0") if (group / "memory.swap.max").exists() else None
                enforced.append("memory")
            if "pids" in wanted:
                _write(group / "pids.max", str(processes))
                enforced.append("processes")
            _write(group / "cgroup.procs", str(os.getpid()))
        except OSError:
            pass
    for controller, limit_file, value, label in (("memory", "memory.limit_in_bytes", memory_bytes, "memory"),
                                                 ("pids", "pids.max", processes, "processes")):
        if label in enforced or controller not in own:
            continue
        group = own[controller] / name
        try:
            group.mkdir(exist_ok=True)
            groups.append(str(group))
            _write(group / limit_file, str(value))
            _write(group / "cgroup.procs", str(os.getpid()))
            enforced.append(label)
        except OSError:
            pass
    return groups, enforced


def _kill_members(group: Path) -> None:
    if (group / "cgroup.kill").exists():
        try:
            _write(group / "cgroup.kill", "1")
            return
        except OSError:
            pass
    try:
        pids = (group / "cgroup.procs").read_text().split()
    except OSError:
        return
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def remove(groups: list[str], wait: float = 5.0) -> bool:
    """Kill every process left in ``groups`` and remove them; True when all are gone."""
    end = time.monotonic() + wait
    left = [Path(g) for g in groups if Path(g).name.startswith(PREFIX)]
    while left:
        for group in list(left):
            _kill_members(group)
            try:
                group.rmdir()
                left.remove(group)
            except FileNotFoundError:
                left.remove(group)
            except OSError:
                pass
        if not left or time.monotonic() > end:
            break
        time.sleep(0.05)
    return not left


def remove_stale() -> list[str]:
    """Remove ``vcg-PID`` groups (beside this process's) whose process PID no longer runs."""
    stale = []
    for parent in _own_groups().values():
        for group in parent.glob(PREFIX + "*"):
            try:
                os.kill(int(group.name[len(PREFIX):]), 0)
            except ProcessLookupError:
                stale.append(str(group))
            except (OSError, ValueError):
                pass
    remove(stale, wait=1.0)
    return stale
