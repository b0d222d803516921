"""Which shard this process grades: ``--shard I/N``, else a Slurm array task or a Kubernetes Indexed Job's index.

Shards interleave the class (sorted by student id, shard I takes students I, I+N, I+2N, ...), so
the slow submissions of one part of the alphabet do not all land on one machine.

- **Slurm** job arrays set ``SLURM_ARRAY_TASK_ID``, ``SLURM_ARRAY_TASK_MIN``, ``SLURM_ARRAY_TASK_STEP``
  and ``SLURM_ARRAY_TASK_COUNT`` (sbatch manual, "OUTPUT ENVIRONMENT VARIABLES"); task ``ID`` is shard
  ``(ID - MIN) / STEP + 1`` of ``COUNT``, so ``--array=0-7`` and ``--array=1-8`` both make shards 1..8.
- **Kubernetes** Indexed Jobs set ``JOB_COMPLETION_INDEX`` (0-based) in each pod (Kubernetes docs,
  "Indexed Job for Parallel Processing with Static Work Assignment"); the count, the Job's
  ``completions``, is not in the pod's environment, so it comes from ``--shard-count`` or
  ``VAECOURSE_SHARD_COUNT``.
"""

from __future__ import annotations

import os

from .submissions import parse_shard

COUNT_ENV = "VAECOURSE_SHARD_COUNT"


def _integer(environ, name: str) -> int:
    try:
        return int(environ[name])
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {environ[name]!r}") from None


def resolve_shard(text: str | None = None, count: int | None = None, environ=None) -> tuple[int, int]:
    """``(I, N)`` from ``text`` (``"I/N"``), else from the batch system's environment, else ``(1, 1)``.

    Raises:
        ValueError: an index without a count, or an index outside ``1..N``.
    """
    environ = os.environ if environ is None else environ
    if text:
        return parse_shard(text)
    if count is None and environ.get(COUNT_ENV):
        count = _integer(environ, COUNT_ENV)
    if environ.get("SLURM_ARRAY_TASK_ID"):
        task = _integer(environ, "SLURM_ARRAY_TASK_ID")
        first = _integer(environ, "SLURM_ARRAY_TASK_MIN") if environ.get("SLURM_ARRAY_TASK_MIN") else 1
        step = _integer(environ, "SLURM_ARRAY_TASK_STEP") if environ.get("SLURM_ARRAY_TASK_STEP") else 1
        count = count or (_integer(environ, "SLURM_ARRAY_TASK_COUNT") if environ.get("SLURM_ARRAY_TASK_COUNT") else None)
        if count is None:
            raise ValueError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give --shard-count")
        return parse_shard(f"{(task - first) // step + 1}/{count}")
    if environ.get("JOB_COMPLETION_INDEX"):
        if count is None:
            raise ValueError(f"JOB_COMPLETION_INDEX is set: give the Job's completions as --shard-count or {COUNT_ENV}")
        return parse_shard(f"{_integer(environ, 'JOB_COMPLETION_INDEX') + 1}/{count}")
    if count not in (None, 1):
        raise ValueError(f"shard count {count} needs an index: --shard I/N, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
    return (1, 1)
