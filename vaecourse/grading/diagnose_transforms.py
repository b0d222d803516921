"""Name an answer that is a function of the right values (their square root, square, log, 1 - x, reverse order, ...), with at most the first and last values overwritten.

:func:`transformed` compares the answer with named transforms of the reference's output on every ordinary
case. An answer that equals one of them everywhere is named ``output_transformed`` with the transform said
(for a tuple, some of its values may be transformed and the others right). A schedule often gets a second
change by hand as well (``a[0] = 1``, ``a[-1] = 0``): the answer may also equal the transform everywhere
except its first and/or last value along the first axis, where it holds one constant, the same on every
case, or the right value (a transform that skips it). Both parts are then said, and where the overwrite alone is one of the exercise's own mistakes (a
predicate of its catalogue holds for the reference with only those values overwritten), that mistake is
named beside it. It is sound because every value is accounted for: at least three values move with the
transform (not merely stay right), and the others are right or the same constant on every case.
"""

from __future__ import annotations

import torch

from .exercise import gradient_cut
from .observe import encode


def _cumulative(op):
    return lambda t: op(t, 0) if t.dim() >= 1 else t


def _shift(right: bool):
    def shifted(t):
        if t.dim() == 0 or t.shape[0] < 2:
            return t
        pad = torch.full_like(t[:1], float("nan"))
        return torch.cat([pad, t[:-1]]) if right else torch.cat([t[1:], pad])

    return shifted


# (the values it makes, said of "{}" = the expected ones; the transform; whether it may name an answer with no value overwritten)
TRANSFORMS = (
    ("the square root of {}", torch.sqrt, True),
    ("the square of {}", torch.square, True),
    ("the log of {}", torch.log, True),
    ("the exp of {}", torch.exp, True),
    ("1 minus {}", lambda t: 1 - t, True),
    ("{} in reverse order", lambda t: t.flip(0) if t.dim() else t, True),
    ("the running sum of {}", _cumulative(torch.cumsum), False),
    ("the running product of {}", _cumulative(torch.cumprod), False),
    ("{} shifted one step later", _shift(True), False),
    ("{} shifted one step earlier", _shift(False), False),
)


def _said(said: str, where: str) -> str:
    return "Your values are " + said.format("the expected ones") + where


def transformed(exercise, student, reference, ordinary, tensor, Diagnosis, generic):
    """``Diagnosis(output_transformed, ...)`` for an answer that is a named transform of the reference (module docstring), or None."""
    by_name = {c.name: c for c in ordinary}
    r_by = {r["case"]: r for r in reference}
    pairs = []
    for s in student:
        if s["case"] in by_name:
            r = r_by.get(s["case"])
            ts, tr = tensor(s), (tensor(r) if r else None)
            if ts is None or tr is None or ts.shape != tr.shape:
                return None
            pairs.append((s["case"], ts, tr, r["value"].get("kind") == "sequence"))
    if not pairs:
        return None

    def near(a, b, case):
        return (a - b).abs() <= 10.0 * (case.atol + case.rtol * b.abs())

    names = tuple(p[0] for p in pairs)
    for said, fn, alone in TRANSFORMS:  # the whole answer transformed (a tuple's values transformed or right)
        if not alone:
            continue
        moved, fits = False, True
        for n, ts, tr, mixed in pairs:
            with torch.no_grad():
                f = fn(tr)
            hit = near(ts, f, by_name[n]) & torch.isfinite(f)
            right = near(ts, tr, by_name[n])
            if not bool((hit | (right if mixed else torch.zeros_like(hit))).all()):
                fits = False
                break
            moved |= bool((hit & ~right).any())
        if fits and moved:
            where = " (in some of the values you return; the others are right)" if any(p[3] for p in pairs) else ""
            return Diagnosis(generic["output_transformed"], names, note=_said(said, where) + ".")
    if any(mixed or ts.dim() == 0 or ts.shape[0] < 3 for _, ts, _, mixed in pairs):
        return None
    for said, fn, _ in TRANSFORMS:  # transformed, with the first and/or last value set to one constant by hand
        found = _overwritten(pairs, fn, by_name, near)
        if found is None:
            continue
        kept, moved = found
        if moved < 3:
            continue
        unit = "row" if pairs[0][1].dim() > 1 else "value"
        parts = [
            f"your {pos} {unit}, which is the expected one (the transform skips it)" if value is None
            else f"your {pos} {unit}, which is {value:.4g} on every case (set by hand?)"
            for pos, value in kept
        ]
        note = _said(said, "") + ", except " + ", and ".join(parts) + "."
        constants = tuple((pos, value) for pos, value in kept if value is not None)
        second = _overwrite_mistake(exercise, student, reference, ordinary, tensor, constants) if constants else None
        if second:
            note += f" The {unit} set by hand is a second mistake: {second.title}."
        return Diagnosis(generic["output_transformed"], names, note=note)
    return None


def _overwritten(pairs, fn, by_name, near):
    """((position, constant or None), ...) and how many values moved with ``fn``, if the answer is ``fn`` of the reference
    except at its first and/or last slice along axis 0, each one constant, the same on every case, or (None) the
    reference's own value there; else None."""
    kept, moved = None, 0
    for n, ts, tr, _ in pairs:
        with torch.no_grad():
            f = fn(tr)
        hit = near(ts, f, by_name[n]) & torch.isfinite(f)
        rows = hit.reshape(hit.shape[0], -1).all(-1)
        bad = [i for i in range(len(rows)) if not bool(rows[i])]
        if not bad or any(i not in (0, len(rows) - 1) for i in bad):
            return None
        here = []
        for i in bad:
            if bool(near(ts[i], tr[i], by_name[n]).all()):
                here.append(("first" if i == 0 else "last", None))  # left as the reference has it
                continue
            values = ts[i].flatten()
            if not bool(torch.isfinite(values).all()) or float(values.max() - values.min()) > 1e-6 * (1 + float(values.abs().max())):
                return None
            here.append(("first" if i == 0 else "last", float(values[0])))
        if kept is None:
            kept = here
        elif [p for p, _ in kept] != [p for p, _ in here] or any(
            (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-5 * (1 + abs(a))) for (_, a), (_, b) in zip(kept, here)
        ):
            return None
        right = near(ts, tr, by_name[n])
        moved += int((hit & ~right).sum())
    return (tuple(kept), moved) if kept else None


def _overwrite_mistake(exercise, student, reference, ordinary, tensor, kept):
    """The exercise's own mistake whose predicate holds for the reference with only ``kept`` values overwritten, or None."""
    by_name = {c.name: c for c in ordinary}
    made = []
    for r in reference:
        if r["case"] not in by_name:
            continue
        t = tensor(r)
        if t is None or t.dim() == 0:
            return None
        t = t.clone()
        for pos, value in kept:
            t[0 if pos == "first" else -1] = value
        made.append({**r, "value": encode(t.to(getattr(torch, r["value"].get("dtype", "float64"), torch.float64)))})
    refs = [r for r in reference if r["case"] in by_name]
    cases = [by_name[r["case"]] for r in refs]
    for mistake in exercise.mistakes:
        if mistake.predicate is not None and mistake.predicate is not gradient_cut:
            try:
                if mistake.predicate(made, refs, cases):
                    return mistake
            except Exception:  # noqa: BLE001 - a predicate written for other records: no second name
                continue
    return None
