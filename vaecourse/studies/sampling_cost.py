r"""Sampling cost in network evaluations per sample, counted with forward hooks rather than asserted.

A module that receives inputs of batch size :math:`n_c` in call :math:`c` has evaluated

.. math:: E = \frac1n \sum_c n_c

rows per sample when drawing :math:`n` samples: 1 for a VAE's decoder, :math:`T` for a DDPM's noise
network, one per pixel for an autoregressive decoder. Time grows with :math:`E` (and, for the last two,
the evaluations must run one after another).
"""

from __future__ import annotations

from typing import Callable

import torch

from ..core._validation import require_positive_int


class EvaluationCounter:
    """Counts calls of ``module`` and the rows (first input dimension) it processes, inside a ``with`` block."""

    def __init__(self, module: torch.nn.Module):
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, got a {type(module).__name__}")
        self.module, self.calls, self.rows, self._handle = module, 0, 0, None

    def _hook(self, _module, inputs, _output) -> None:
        self.calls += 1
        self.rows += int(inputs[0].shape[0]) if inputs and inputs[0].dim() > 0 else 1

    def __enter__(self) -> "EvaluationCounter":
        self.calls, self.rows = 0, 0
        self._handle = self.module.register_forward_hook(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        self._handle.remove()
        self._handle = None


def evaluations_per_sample(module: torch.nn.Module, draw: Callable[[int], object], n: int = 100) -> float:
    """Rows ``module`` evaluates per sample while ``draw(n)`` generates ``n`` samples (e.g. ``lambda n: vae.sample(n)``).

    Example (a three-step sampler that calls its network once per step):
        >>> net = torch.nn.Linear(2, 2)
        >>> def draw(n):
        ...     x = torch.zeros(n, 2)
        ...     for _ in range(3):
        ...         x = net(x)
        >>> evaluations_per_sample(net, draw, n=5)
        3.0
    """
    require_positive_int("n", n)
    with EvaluationCounter(module) as counter:
        draw(n)
    return counter.rows / n
