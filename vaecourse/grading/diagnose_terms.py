"""Name a wrong answer by decomposing it into the terms its formula is built from: an exact fit with simple coefficients.

Where the reference is a sum of terms computed from the inputs (ELBO = E[log p(x|z)] + E[log p(z)]
- E[log q(z|x)]; the reported bound recon - KL; the score-function estimate mean(f * score); the
pair (mean, standard error)), the exercise's bank module declares, in ``TERM_LIBRARIES``, a
:class:`~vaecourse.grading.terms.TermLibrary`: candidate terms (each a function of the inputs with
the output's shape: the reference's terms and those people put in their place), the reference's
coefficients, readings (which changed coefficients make which catalogued mistake) and whole-answer
factors (a sign, L for a sum over samples). :func:`term_fit` writes the answer minus the reference,
after at most one whole factor, as a least-squares combination of at most four terms on the
ordinary cases, and names the answer only when

- the fit is exact on every ordinary case (within ten times the case's tolerance) and every
  coefficient of the answer is simple (0, +-1, +-2, +-1/2, and those the library adds, e.g. +-1/4);
- every exact fit of the smallest size reads the same (terms that coincide on the cases name nothing);
- a one-number answer where one value per example is due is read, where the library declares batch
  ``reductions``, as a reduction of the terms (one row per case);
  the reduction's mistake is the name, the readings are said beside it;
- fits that readings explain completely are preferred (the first reading is the name, the others
  are said as further mistakes); a change no reading explains is described term by term ("log p(z)
  is missing") under the generic ``formula_term_changed``, or beside the name as a second change.

So the name is true by construction: the answer IS that combination of terms on the cases, and the
note says which. How this differs from ``diagnose._deviations``: that fits the deviations of whole
catalogued variants (one mistake each, with multiples); this fits the formula's ingredients, so an
answer that swaps one term for another (a density for a log-density, mean(score) * sum(f) for
mean(f * score)) is named whatever else it keeps right, without a variant for each combination.
"""

from __future__ import annotations

import itertools
import sys

import torch

from .compare import numbers_close
from .mistakes import GENERIC_BY_NAME
from .observe import as_floats
from .terms import Reduction, TermLibrary, Whole

_SIMPLE = (0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5)


def library_of(exercise) -> TermLibrary | None:
    """The term library declared next to the exercise (``TERM_LIBRARIES`` of its reference's or its bank module), or None."""
    own = sys.modules.get(getattr(exercise.reference, "__module__", ""), None)
    banks = [m for name, m in list(sys.modules.items()) if name.startswith(f"{__package__}.bank.")]  # a library reference
    return next((lib for m in (own, *banks) if (lib := getattr(m, "TERM_LIBRARIES", {}).get(exercise.id)) is not None), None)


def _column(fn, args) -> torch.Tensor | None:
    with torch.no_grad():
        args = tuple(a.detach().to(torch.float64) if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in args)
        out = fn(*args)
    out = torch.stack([torch.as_tensor(o, dtype=torch.float64) for o in out]) if isinstance(out, tuple) else torch.as_tensor(out, dtype=torch.float64)
    return out.flatten() if bool(torch.isfinite(out).all()) else None


def _simple(a: float, simple: tuple = _SIMPLE) -> float | None:
    return next((v for v in simple if abs(a - v) < 1e-3 * max(1.0, abs(v))), None)  # the exact check decides


def _said(coefs: dict, labels) -> str:
    parts = [f"{'-' if c < 0 else '+'} {abs(c):g} * {t}" for t in labels if (c := coefs.get(t, 0.0)) != 0]
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else text


def _values(record: dict) -> torch.Tensor | None:
    """A record's numbers, flattened, as float64 (a tensor, a number or a tuple of them), or None."""
    value = record.get("value") if record and "raised" not in record else None
    floats = as_floats(value) if value else None
    return torch.tensor(floats, dtype=torch.float64) if floats else None


def _near(got: torch.Tensor, want: torch.Tensor, case) -> bool:
    """Within ten times the case's tolerance: closer than that, no deviation is read (as in ``diagnose``)."""
    return bool(torch.isfinite(got).all()) and numbers_close(got.tolist(), want.tolist(), 10 * case.rtol, 10 * case.atol)


def term_fit(exercise, student, reference, cases) -> tuple | None:
    """``(mistake, decided cases, exact, note)`` for an exact term decomposition of the answer, or None (see the module docstring)."""
    lib = library_of(exercise)
    if lib is None:
        return None
    ordinary = {c.name: c for c in cases if c.raises is None and c.summary is None and c.kind in ("fixed", "random")}
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    pairs, same = {}, True
    for n in ordinary:
        ts, tr = _values(s_by.get(n)), _values(r_by.get(n))
        shapes = [rec["value"].get("shape") for rec in (s_by.get(n), r_by.get(n)) if rec and rec.get("value", {}).get("kind") == "tensor"]
        if ts is None or tr is None or not bool(torch.isfinite(ts).all()):
            return None  # NaN or inf is no sum of finite terms
        same &= ts.numel() == tr.numel() and len(set(map(str, shapes))) <= 1
        pairs[n] = (ts, tr)
    # one number per case where (B,) is due: read as a batch reduction of the terms, where the library declares them
    scalar = bool(lib.reductions) and all(ts.numel() == 1 for ts, _ in pairs.values()) and any(tr.numel() > 1 for _, tr in pairs.values())
    if not pairs or not (same or scalar) or (same and all(_near(ts, tr, ordinary[n]) for n, (ts, tr) in pairs.items())):
        return None
    labels = [t for t, _ in lib.terms]
    columns = {}
    for label, fn in lib.terms:
        parts = [_column(fn, ordinary[n].args) for n in pairs]
        if any(p is None or p.numel() != pairs[n][1].numel() for p, n in zip(parts, pairs)):
            return None
        columns[label] = parts
    ref = {t: float(lib.reference.get(t, 0.0)) for t in labels}
    simple = _SIMPLE + tuple(lib.simple)

    def combined(coefs, i, cols):
        return sum((coefs[t] * cols[t][i] for t in labels if coefs[t] != 0), torch.zeros_like(cols[labels[0]][i]))

    if not all(_near(combined(ref, i, columns), tr, ordinary[n]) for i, (n, (_, tr)) in enumerate(pairs.items())):
        return None  # the library does not rebuild the reference on these cases: it cannot read this answer
    mistakes = {m.name: m for m in exercise.mistakes}
    args = [ordinary[n].args for n in pairs]
    frames = [(None, columns)] if same else [
        (r, {t: [r.reduce(p, *a).reshape(1) for p, a in zip(ps, args)] for t, ps in columns.items()}) for r in lib.reductions
    ]
    rows = sum(ts.numel() for ts, _ in pairs.values())
    largest = 4
    for strict, (reduction, cols), whole in itertools.product((True, False), frames, (None, *lib.wholes)):  # fully explained fits first
        factors = [1.0 if whole is None else float(whole.factor(*ordinary[n].args)) for n in pairs]
        targets = [ts / f for (ts, _), f in zip(pairs.values(), factors)]
        y = torch.cat([t - combined(ref, i, cols) for i, t in enumerate(targets)])
        usable = [t for t in labels if float(torch.cat(cols[t]).abs().max()) > 1e-12]
        for size in range(0 if whole is not None or reduction is not None else 1, largest + 1):
            if size >= rows:
                break
            readings = set()
            for subset in itertools.combinations(usable, size):
                coefs = dict(ref)
                if subset:
                    design = torch.stack([torch.cat(cols[t]) for t in subset], dim=1)
                    delta = torch.linalg.lstsq(design, y[:, None]).solution.flatten().tolist()
                    snapped = [_simple(ref[t] + d, simple) for t, d in zip(subset, delta)]
                    if None in snapped:
                        continue
                    coefs.update(zip(subset, snapped))
                exact = all(_near(targets[i] * f, combined(coefs, i, cols) * f, ordinary[n]) for i, (n, f) in enumerate(zip(pairs, factors)))
                if exact and (coefs != ref or whole is not None or reduction is not None):
                    reading = _read(lib, coefs, ref, whole, reduction)
                    if not set(reading[1]) >= {t for t, v in ref.items() if v} and not (reading[1] and _uniform(coefs, ref)):
                        # every term changed, none read, or one factor on every term that the readings explain only in
                        # part (0.25 on each KL term is not 'log sigma for log sigma^2'): a whole factor, said elsewhere
                        readings.add((tuple(sorted(coefs.items())), reading))
            if strict:
                readings = {r for r in readings if not r[1][1]}
            if readings:
                if len({r for _, r in readings}) != 1:
                    return None  # two decompositions read differently: no name
                (coefs, (names, odd)), = [(dict(c), r) for c, r in list(readings)[:1]]
                named = [mistakes[n] for n in names if n in mistakes]
                if len(named) != len(names):
                    return None
                said = _said(coefs, labels) if whole is None else f"{whole.said} ({_said(coefs, labels)})"
                said = said if reduction is None else f"{reduction.said} ({said})"
                note = f"On every case checked, {lib.noun} is exactly {said}"
                note += (": " + ", ".join(_changed(t, coefs[t], ref[t]) for t in odd) + ".") if odd else "."
                if len(named) > 1:
                    count = {2: "two", 3: "three"}.get(len(named), str(len(named)))
                    note += f" Your values show {count} mistakes at once: " + ", and ".join(m.title for m in named) + "."
                first = named[0] if named else GENERIC_BY_NAME["formula_term_changed"]
                return first, tuple(pairs), True, note
    return None


def _uniform(coefs: dict, ref: dict) -> bool:
    """True if the coefficients are the reference's times one factor (terms absent from the reference stay 0)."""
    ratios = {round(coefs[t] / v, 6) for t, v in ref.items() if v}
    return len(ratios) == 1 and all(coefs[t] == 0 for t, v in ref.items() if not v)


def _changed(term: str, got: float, want: float) -> str:
    """How one coefficient differs, in words: the term missing, counted twice, halved, negated, or added."""
    if want == 0:
        return f"{term} appears, and it does not belong"
    how = {0.0: "is missing", -1.0: "has its sign flipped", 2.0: "is counted twice", 0.5: "is halved"}.get(got / want)
    return f"{term} {how}" if how else f"{term} has weight {got:g} instead of {want:g}"


def _read(lib: TermLibrary, coefs: dict, ref: dict, whole: Whole | None, reduction: Reduction | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The mistakes (ids, first = the name: a batch reduction's, else a reading's) that explain the changed coefficients, and the terms none explains."""
    changed = [t for t in ref if coefs[t] != ref[t]]
    names = [reduction.mistake] if reduction is not None else []
    for reading in lib.readings:
        if reading.coefs.keys() & set(changed) and all(coefs.get(t) == v for t, v in reading.coefs.items()):
            changed = [t for t in changed if t not in reading.coefs]
            names.append(reading.mistake)
    if whole is not None:
        names.append(whole.mistake)
    return tuple(dict.fromkeys(names)), tuple(changed)
