r"""The schedules of a run, each a function of the step: the KL weight (annealing, cyclical) and the learning rate (cosine, the IWAE paper's), and the optimizer they act on.

.. math::
    w_t = \beta\,\min(1, t/T_{\text{warm}}), \qquad
    \eta_t = \eta\cdot\tfrac12\big(1 + \cos(\pi t / T)\big)\ \text{(cosine)}, \qquad
    \eta_e = \eta\cdot 10^{-i/7}\ \text{during the}\ 3^i\ \text{epochs of stage}\ i\ \text{(Burda et al., 2016)}
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from ..core._validation import require_positive_int

LR_SCHEDULES = ("constant", "cosine", "iwae-paper")


def kl_annealing_weight(step: int, warmup_steps: int) -> float:
    r"""Linear KL warm-up (Bowman et al., 2016): :math:`\min(1, t / T)`, and 1 when ``warmup_steps = 0``.

    ``step`` counts the updates already made, so the first update (``step = 0``) uses weight 0.
    """
    require_positive_int("step", step, minimum=0)
    require_positive_int("warmup_steps", warmup_steps, minimum=0)
    return 1.0 if warmup_steps == 0 else min(1.0, step / warmup_steps)


def cyclical_kl_weight(step: int, cycle_steps: int, ramp_fraction: float = 0.5) -> float:
    r"""Cyclical annealing (Fu et al., 2019): in each cycle of ``cycle_steps``, rise linearly from 0 to 1
    over the first ``ramp_fraction`` of it, then hold 1. :math:`w_t = \min(1, (t \bmod C)/(rC))`."""
    require_positive_int("step", step, minimum=0)
    require_positive_int("cycle_steps", cycle_steps)
    if not 0.0 < ramp_fraction <= 1.0:
        raise ValueError(f"ramp_fraction must lie in (0, 1], got {ramp_fraction}")
    return min(1.0, (step % cycle_steps) / (ramp_fraction * cycle_steps))


def kl_weight_schedule(beta: float, warmup_steps: int,
                       kl_schedule: Callable[[int], float] | None = None) -> Callable[[int], float]:
    """``step -> weight`` of the KL: ``kl_schedule`` if given, else ``beta * kl_annealing_weight(step, warmup_steps)``."""
    return kl_schedule or (lambda t: beta * kl_annealing_weight(t, warmup_steps))


def iwae_lr_factor(epoch: int) -> float:
    r"""The learning-rate schedule of Burda et al. (2016): :math:`10^{-i/7}` during the :math:`3^i` epochs of stage i.

    Stage :math:`i = 0, \dots, 7` covers epochs :math:`(3^i - 1)/2 \le e < (3^{i+1} - 1)/2` (``epoch`` counts from 0),
    3280 epochs in all; later epochs keep the last factor :math:`10^{-1}`.
    """
    require_positive_int("epoch", epoch, minimum=0)
    stage = 0
    while stage < 7 and epoch >= (3 ** (stage + 1) - 1) // 2:
        stage += 1
    return 10.0 ** (-stage / 7)


def lr_scheduler(optimizer: torch.optim.Optimizer, schedule: str, steps_per_epoch: int,
                 epochs: int) -> torch.optim.lr_scheduler.LambdaLR | None:
    """A scheduler stepped once per update for ``schedule`` in :data:`LR_SCHEDULES` (``None`` for "constant")."""
    total_steps = steps_per_epoch * epochs
    if schedule == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda t: 0.5 * (1.0 + math.cos(math.pi * min(t, total_steps) / total_steps)))
    if schedule == "iwae-paper":  # stepped per update; the factor changes only between epochs
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: iwae_lr_factor(t // steps_per_epoch))
    return None


def make_adam(model: torch.nn.Module, lr: float, weight_decay: float = 0.0, eps: float = 1e-8) -> torch.optim.Adam:
    """Adam with the fused kernel where this torch build has one (one pass over the parameters instead of a
    dozen: a 784-400-20 step is a third faster on a CPU); the plain implementation otherwise."""
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, eps=eps, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, eps=eps)
