"""The random state and device of a run: ``fit`` draws from its own seeded generators and leaves the caller's untouched.

Inside :func:`seeded_run` the global CPU generator (and the training GPU's) is seeded from the run's seed
and restored afterwards; the shuffling and the dynamic binarization draw from generators of their own, and
a callback's draws are forked off again, so the same seed gives the same run whatever a callback does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator

import torch


def resolve_device(device=None) -> torch.device:
    """``None`` picks CUDA when it is available, else the CPU; strings and devices pass through."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def place_model(model: torch.nn.Module, device: torch.device) -> None:
    """Move ``model`` to ``device`` in place, only if some parameter or buffer is elsewhere (``.to`` walks every module)."""
    if any(t.device != device for t in (*model.parameters(), *model.buffers())):
        model.to(device)


def _gpus(device: torch.device) -> list[int]:
    return [device.index or 0] if device.type == "cuda" else []


@dataclass(frozen=True)
class RunGenerators:
    """The run's own generators: ``shuffle`` orders the examples, ``binarizer`` (or ``None``) draws binary pixels."""

    shuffle: torch.Generator
    binarizer: torch.Generator | None


@contextlib.contextmanager
def seeded_run(seed: int, device: torch.device, dynamic_binarization: bool = False) -> Iterator[RunGenerators]:
    """Fork the global random state, seed it with ``seed`` for the run, and restore it on exit."""
    with torch.random.fork_rng(devices=_gpus(device)):
        # The CPU generator and the training GPU's only: torch.manual_seed would also reseed every other
        # GPU (outside the fork above) and costs ~1 ms a call on a CPU build.
        torch.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
        binarizer = torch.Generator(device=device).manual_seed(seed) if dynamic_binarization else None
        yield RunGenerators(torch.Generator().manual_seed(seed), binarizer)


def run_callback(callback, epoch: int, model: torch.nn.Module, history, device: torch.device) -> None:
    """``callback(epoch, model, history)`` in eval mode, without gradients, on a forked random state."""
    if callback is not None:
        model.eval()
        with torch.random.fork_rng(devices=_gpus(device)), torch.no_grad():
            callback(epoch, model, history)
