"""Generic mistakes made by reading a log-variance argument as another parameter: the reference applied to the misread value.

An answer that takes ``logvar`` (log sigma^2) may first turn it into something (sigma, sigma^2, log sigma,
or nothing) and then use a formula written for some parameter (sigma, sigma^2, log sigma or log sigma^2).
When the two differ, its value is the reference at the log-variance the formula believes in:

    reading sigma: 2 log v;  sigma^2: log v;  log sigma: 2 v;  log sigma^2: v

applied to the converted value v. :func:`misreading_variants` gives, for each such pair, a variant (the
reference with that argument replaced), all under the one catalogue entry ``log_variance_misread``,
each titled with its pair so the feedback says which.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from .exercise import FunctionExercise, Mistake
from .mistakes import GENERIC_BY_NAME

# what the answer turns logvar into before using it
_CONVERSIONS = {
    "logvar itself": lambda s: s,
    "sigma = exp(logvar / 2)": lambda s: torch.exp(0.5 * s),
    "sigma^2 = exp(logvar)": torch.exp,
    "log sigma = logvar / 2": lambda s: 0.5 * s,
}
# which parameter the formula it feeds was written for, as the log-variance that formula believes in
_READINGS = {
    "sigma": lambda v: 2 * torch.log(v),
    "sigma^2": torch.log,
    "log sigma": lambda v: 2 * v,
    "log sigma^2": lambda v: v,
}
_SAME = {("logvar itself", "log sigma^2"), ("sigma = exp(logvar / 2)", "sigma"), ("sigma^2 = exp(logvar)", "sigma^2"), ("log sigma = logvar / 2", "log sigma")}


def misreading_variants(exercise: FunctionExercise) -> list[tuple[Mistake, object]]:
    """(entry titled with the misreading, variant) for each log-variance argument and each misreading of it."""
    out = []
    entry = GENERIC_BY_NAME["log_variance_misread"]
    for i in exercise.log_variance_args:
        name = exercise.params[i].split("=")[0]
        for said, convert in _CONVERSIONS.items():
            for reading, believed in _READINGS.items():
                if (said, reading) in _SAME:
                    continue

                def variant(*args, i=i, convert=convert, believed=believed):
                    args = list(args)
                    args[i] = believed(convert(args[i]))
                    return exercise.reference(*args)

                title = f"`{name}` used as {reading}" if said == "logvar itself" else f"{said} used where the formula expects {reading}"
                title = title.replace("logvar", name)
                out.append((replace(entry, title=f"{entry.title}: {title}"), variant))
    return out
