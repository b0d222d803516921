"""Name an answer that is the right formula applied to the wrong inputs: an argument in another's place, two swapped, or one misread.

The hidden reference is run here, in the grader's process (trusted code, as for the catalogue's
variants), on transformed copies of each ordinary case's arguments:

- one tensor argument replaced by another of the same shape (``mu`` where ``logvar`` belongs);
- two arguments of the same shape (or two numbers) swapped;
- one tensor argument misread: negated, doubled, halved, squared, its square root, exp, log, exp of
  its half, 1 minus it, its sigmoid. For a declared scale argument the conversions between sigma,
  sigma^2 and their logs are left to ``scale_parameter_misread`` (:mod:`.misreadings`).

A transformation names the answer only if the answer equals the reference on the transformed
arguments (within ten times each case's tolerance) on every ordinary case where the transformation
applies (at least two cases and half of them), and the transformation moves the reference's value on
one of them: a correct answer equals the reference there, so it can never be named. An answer that is
such a value times one of the generic factors (a sign, 2, 1/2, 1/D, 1/B) or reduced over the batch is
named with that second mistake said. Where the exercise catalogues the same behaviour as a mistake of
its own (its variant gives the same values on those cases), that entry is named instead.
"""

from __future__ import annotations

from typing import Callable

import torch

from .exercise import FunctionExercise
from .misreadings import FROM_LOG_VARIANCE, TO_LOG_VARIANCE
from .mistakes import GENERIC_BY_NAME

# (how the misread argument is written, the transformation); ``{}`` stands for the argument's name
MISREADINGS: tuple[tuple[str, Callable], ...] = (
    ("-{}", torch.neg),
    ("2 * {}", lambda v: 2 * v),
    ("{} / 2", lambda v: v / 2),
    ("{}^2", torch.square),
    ("sqrt({})", torch.sqrt),
    ("exp({})", torch.exp),
    ("log({})", torch.log),
    ("exp({} / 2)", lambda v: torch.exp(v / 2)),
    ("1 - {}", lambda v: 1 - v),
    ("sigmoid({})", torch.sigmoid),
)


def _param(exercise: FunctionExercise, i: int) -> str:
    return exercise.params[i].split("=")[0] if i < len(exercise.params) else f"argument {i + 1}"


def _name(exercise: FunctionExercise, i: int) -> str:
    return f"`{_param(exercise, i)}`"


def _float_tensor(v) -> bool:
    return isinstance(v, torch.Tensor) and v.is_floating_point()


def _scale_conversions(kind: str) -> list[Callable]:
    """Every conversion of a ``kind`` scale argument that :mod:`.misreadings` already names."""
    out = []
    for made in FROM_LOG_VARIANCE:
        for read in TO_LOG_VARIANCE:
            if made != read:
                out.append(lambda v, made=made, read=read: FROM_LOG_VARIANCE[kind](TO_LOG_VARIANCE[read](FROM_LOG_VARIANCE[made](TO_LOG_VARIANCE[kind](v)))))
    return out


def _transformations(exercise: FunctionExercise, cases) -> list[tuple[str, Callable]]:
    """(what was done, args -> new args or None where it does not apply) for the exercise's arguments."""
    first = cases[0].args
    n = len(first)
    tensors = [i for i in range(n) if all(i < len(c.args) and _float_tensor(c.args[i]) for c in cases)]
    numbers = [i for i in range(n) if all(i < len(c.args) and type(c.args[i]) in (int, float) for c in cases)]
    out = []

    def put(i, value):
        return lambda args: (*args[:i], value(args), *args[i + 1:])

    for i in tensors:
        for j in tensors:
            if i != j:
                out.append((f"{_name(exercise, j)} is used in place of {_name(exercise, i)}",
                            lambda a, i=i, j=j: put(i, lambda b: b[j])(a) if a[i].shape == a[j].shape else None))
    def swap(a, i, j):
        if getattr(a[i], "shape", ()) != getattr(a[j], "shape", ()):
            return None
        b = list(a)
        b[i], b[j] = a[j], a[i]
        return tuple(b)

    for group in (tensors, numbers):
        for k, i in enumerate(group):
            for j in group[k + 1:]:
                out.append((f"{_name(exercise, i)} and {_name(exercise, j)} are swapped", lambda a, i=i, j=j: swap(a, i, j)))
    scale = dict(exercise.scale_args)
    probe = next((c.args for c in cases), ())
    for i in tensors:
        known = []
        if i in scale:
            with torch.no_grad():
                known = [conv(probe[i].double()) for conv in _scale_conversions(scale[i])]
        for written, fn in MISREADINGS:
            with torch.no_grad():
                mine = fn(probe[i].double())
            if any(torch.allclose(mine, k, equal_nan=True) for k in known):
                continue  # a sigma / sigma^2 / log mix-up: scale_parameter_misread names it
            said = written.format(_param(exercise, i))
            out.append((f"`{said}` is used in place of {_name(exercise, i)}", lambda a, i=i, fn=fn: put(i, lambda b: fn(b[i]))(a)))
    return out


def _reference_on(exercise: FunctionExercise, args) -> torch.Tensor | None:
    try:
        with torch.no_grad():
            value = exercise.reference(*args)
    except Exception:  # noqa: BLE001 - the transformed input is invalid for the reference: does not apply
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=torch.float64)
    return value.detach().double() if isinstance(value, torch.Tensor) and value.is_floating_point() else None


def _agree(ts: torch.Tensor, tv: torch.Tensor, case) -> bool:
    """Equal within ten times the case's tolerance where the value is finite, and non-finite where it is not
    (a shape that differs only by axes of size 1, e.g. (B, 1) for (B,), compares its values)."""
    if ts.shape != tv.shape:
        if ts.squeeze().shape != tv.squeeze().shape:
            return False
        ts = ts.reshape(tv.shape)
    finite = torch.isfinite(tv)
    if not bool(finite.any()) or not bool((torch.isfinite(ts) == finite).all()):
        return False
    return bool(((ts - tv).abs()[finite] <= 10.0 * (case.atol + case.rtol * tv.abs()[finite])).all())


def _seconds(atoms) -> list[tuple[str, Callable]]:
    """(the second mistake's title, (case name, value) -> the value with it), the first being no second mistake:
    the generic factors (a sign, 2, 1/2, 1/D, 1/B, 1/(B*D)) and a sum or mean over the batch."""
    seconds: list[tuple[str, Callable]] = [("", lambda name, v: v)]
    for atom, maps in atoms:
        seconds.append((atom.title, lambda name, v, maps=maps: maps[name][0] * v + maps[name][1] if name in maps else None))
    batch = GENERIC_BY_NAME["reduced_over_batch"].title
    seconds.append((f"{batch} (the sum over the batch)", lambda name, v: v.sum() if v.dim() == 1 else None))
    seconds.append((f"{batch} (the mean over the batch)", lambda name, v: v.mean() if v.dim() == 1 else None))
    return seconds


def wrong_inputs(exercise: FunctionExercise, student: list, reference: list, variant_records, ordinary, atoms, decode, diagnosis):
    """The transformation of the inputs (and at most one generic second mistake) under which the reference gives the answer.

    ``ordinary`` are the cases to judge on, ``atoms`` the generic factors per case (diagnose's ``_atoms``),
    ``decode`` turns a record into a float64 tensor, ``diagnosis`` builds the result (diagnose's ``Diagnosis``).
    """
    if not isinstance(exercise, FunctionExercise) or exercise.reference is None or not ordinary:
        return None
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    answers = {c.name: decode(s_by[c.name]) for c in ordinary if c.name in s_by}
    if any(t is None for t in answers.values()) or len(answers) < 2:
        return None
    refs = {c.name: decode(r_by[c.name]) for c in ordinary if c.name in r_by}
    by_name = {c.name: c for c in ordinary}
    if all(refs.get(n) is not None and _agree(t, refs[n], by_name[n]) for n, t in answers.items()):
        return None  # right within ten times the tolerance everywhere: no mistake is read in rounding
    factors = [{n: (1.0, 0.0) for n in by_name}] + [maps for _, maps in atoms]
    candidates = []  # (what was done, the reference's values on the transformed arguments, by case)
    for said, transform in _transformations(exercise, ordinary):
        values = {}
        for c in ordinary:
            args = transform(c.args)
            v = _reference_on(exercise, args) if args is not None else None
            if v is not None and refs.get(c.name) is not None:
                values[c.name] = v
        if len(values) < 2 or 2 * len(values) < len(ordinary):
            continue
        if any(all(n in maps and _agree(maps[n][0] * refs[n] + maps[n][1], v, by_name[n]) for n, v in values.items()) for maps in factors):
            continue  # no change, or a plain factor of the reference (recon and kl swapped is minus the ELBO): said more simply elsewhere
        candidates.append((said, values))
    for title, second in _seconds(atoms):  # a single mistake first, then with a second one
        found = []
        for said, values in candidates:
            decided, moved = [], False
            for n, v in values.items():
                target, case = second(n, v), by_name[n]
                if target is None or not _agree(answers[n], target, case):
                    decided = []
                    break
                decided.append(n)
                moved |= not _agree(refs[n], target, case)
            if decided and moved:
                found.append((said, tuple(decided), values))
        if found:
            said, decided, values = found[0]
            if len(found) > 1:  # two readings give the same values (BCE(l, 1 - x) is BCE(-l, x)): say both
                said += f" (or, the same values, when {found[1][0]})"
            return _named(said, title, decided, values, answers, variant_records, ordinary, decode, diagnosis)
    return None


def _case(ordinary, name):
    return next(c for c in ordinary if c.name == name)


def _named(said, title, decided, values, answers, variant_records, ordinary, decode, diagnosis):
    note = f"Your result is what the right formula gives when {said}."
    if title:
        note += f" Your values also show a second mistake: {title}."
    reshaped = [n for n in decided if answers[n].shape != values[n].shape and answers[n].dim() != 0]
    if reshaped and not title:
        n = reshaped[0]
        note += f" Your output also has shape {tuple(answers[n].shape)} where {tuple(values[n].shape)} is due."
    own = GENERIC_BY_NAME["wrong_input"]
    for mistake, records in variant_records:  # the exercise's own entry for this very behaviour, if it has one
        by = {r["case"]: r for r in records}
        if mistake.name != "scale_parameter_misread" and all(
            n in by and (t := decode(by[n])) is not None and _agree(t, values[n], _case(ordinary, n)) for n in decided
        ):
            own = mistake
            break
    return diagnosis(own, decided, exact=not title and len(decided) == len(ordinary), note=note)
