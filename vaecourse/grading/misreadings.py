"""The variants of the generic entry ``scale_parameter_misread``: a scale argument (a variance, a standard deviation or their logs) read as another.

This module defines no catalogue entry (the one entry is ``scale_parameter_misread`` in
:mod:`.mistakes`); it makes the wrong answers that entry names, for each exercise with ``scale_args``.

An answer that takes, say, ``logvar`` (log sigma^2) may first turn it into something (sigma, sigma^2,
log sigma, or nothing) and then use a formula written for some parameter (sigma, sigma^2, log sigma or
log sigma^2). When the two differ, its value is the reference at the value that formula believes in.
Every parametrisation goes through the log-variance s:

    to s:   log sigma^2: v   sigma^2: log v   sigma: 2 log v   log sigma: 2 v
    from s: log sigma^2: s   sigma^2: exp(s)  sigma: exp(s/2)  log sigma: s / 2

:func:`misreading_variants` gives, for each scale argument an exercise declares (``scale_args``) and each
such misreading, a variant (the reference with that argument replaced), all under the one catalogue
entry ``scale_parameter_misread``, each titled with its misreading so the feedback says which.
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from .exercise import FunctionExercise, Mistake
from .mistakes import GENERIC_BY_NAME


def _op(tensor_fn, float_fn):
    return lambda v: tensor_fn(v) if isinstance(v, torch.Tensor) else float_fn(v)


_LOG, _EXP = _op(torch.log, lambda v: math.log(v) if v > 0 else math.nan), _op(torch.exp, math.exp)
TO_LOG_VARIANCE = {
    "log sigma^2": lambda v: v,
    "sigma^2": _LOG,
    "sigma": lambda v: 2 * _LOG(v),
    "log sigma": lambda v: 2 * v,
}
FROM_LOG_VARIANCE = {
    "log sigma^2": lambda s: s,
    "sigma^2": _EXP,
    "sigma": lambda s: _EXP(0.5 * s),
    "log sigma": lambda s: 0.5 * s,
}


def misreading_variants(exercise: FunctionExercise) -> list[tuple[Mistake, object]]:
    """(entry titled with the misreading, variant) for each scale argument and each misreading of it."""
    out = []
    entry = GENERIC_BY_NAME["scale_parameter_misread"]
    for i, kind in exercise.scale_args:
        name = exercise.params[i].split("=")[0]
        # what the answer turns the argument into; the argument used as it is comes first, so that of two misreadings
        # with the same values the simpler one is said (a variance squared: used as sigma, not its log as log sigma)
        for made in sorted(FROM_LOG_VARIANCE, key=lambda m: m != kind):
            for read in TO_LOG_VARIANCE:  # which parameter its formula was written for
                if made == read:
                    continue

                def variant(*args, i=i, kind=kind, made=made, read=read):
                    args = list(args)
                    converted = FROM_LOG_VARIANCE[made](TO_LOG_VARIANCE[kind](args[i]))
                    args[i] = FROM_LOG_VARIANCE[kind](TO_LOG_VARIANCE[read](converted))
                    return exercise.reference(*args)

                said = f"`{name}` ({kind})" if made == kind else f"`{name}` turned into {made}"
                out.append((replace(entry, title=f"{entry.title}: {said} used where the formula expects {read}"), variant))
    return out
