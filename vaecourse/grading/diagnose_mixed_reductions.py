"""Read a one-number answer as simple multiples of batch sums and batch means of the exercise's terms (recon summed, KL averaged).

Where :func:`vaecourse.grading.diagnose._scalar` finds no single reduction of the reference (or of a
variant) in a one-number answer, the answer may reduce its terms differently: a loss that sums the
reconstruction over the batch and averages the KL (``F.binary_cross_entropy(..., reduction='sum')`` plus
a batch-mean KL) is no reduction of any per-example value. :func:`mixed_reductions` writes the answer,
on every ordinary case (at least four), as a combination of at most as many columns as the reference has terms
(fewer than the cases: an ELBO's three, each reduced its own way), each one term of the exercise's
:class:`~vaecourse.grading.terms.TermLibrary` summed or averaged over the batch, with simple
coefficients (+-1, +-2, +-1/2), exactly (within ten times each case's tolerance). Its note says so and
names the catalogued reading the term-wise coefficients make (a term's sign, the training weight kept,
the whole answer negated); it names nothing by itself: the name stays the batch reduction.
"""

from __future__ import annotations

import itertools

import torch

from .diagnose_terms import _column, _read, _simple, _values, library_of
from .mistakes import catalogue

_REDUCE = (("the batch sum", torch.sum), ("the batch mean", torch.mean))


def mixed_reductions(exercise, student, cases, names) -> str:
    """A note reading the one-number answer on cases ``names`` as reductions of the terms, or ""."""
    lib = library_of(exercise)
    by_name, s_by = {c.name: c for c in cases}, {s["case"]: s for s in student}
    names = [n for n in names if by_name[n].kind in ("fixed", "random")]
    if lib is None or len(names) < 4:
        return ""
    got = [_values(s_by.get(n)) for n in names]
    if any(v is None or v.numel() != 1 for v in got):
        return ""
    y = torch.cat(got)  # (cases,)
    tol = torch.tensor([10 * (by_name[n].atol + by_name[n].rtol * abs(float(v))) for n, v in zip(names, y)], dtype=torch.float64)
    columns = {}
    for label, fn in lib.terms:
        parts = [_column(fn, by_name[n].args) for n in names]
        if any(p is None for p in parts):
            return ""
        for how, reduce in _REDUCE:
            columns[(label, how)] = torch.stack([reduce(p) for p in parts])  # (cases,)
    labels = [t for t, _ in lib.terms]
    ref = {t: float(lib.reference.get(t, 0.0)) for t in labels}
    for size in range(1, min(sum(1 for v in ref.values() if v), len(names) - 1) + 1):  # up to the reference's terms
        for subset in itertools.combinations(columns, size):
            if len({t for t, _ in subset}) < size:
                continue  # one term reduced twice: its sum and mean coincide on a single example
            design = torch.stack([columns[k] for k in subset], dim=1)
            coefs = [_simple(a) for a in torch.linalg.lstsq(design, y[:, None]).solution.flatten().tolist()]
            if None in coefs or 0.0 in coefs or not bool(((design @ torch.tensor(coefs, dtype=torch.float64) - y).abs() <= tol).all()):
                continue
            said = " + ".join(f"{c:g} * ({how} of {t})" for (t, how), c in zip(subset, coefs)).replace("+ -", "- ")
            mixed = len({how for _, how in subset}) > 1
            note = f"On every case checked, your number is exactly {said}" + (
                ": its terms are reduced over the batch in different ways." if mixed else "."
            )
            reading = _reading(lib, {t: sum(c for (u, _), c in zip(subset, coefs) if u == t) for t in labels}, ref, by_name[names[0]].args)
            if reading:
                note += f" Its terms' weights also show a second mistake: {reading}."
            return note
    return ""


def _reading(lib, coefs: dict, ref: dict, args) -> str:
    """The titles of the catalogued readings that explain ``coefs`` completely (as they are, or negated as a whole)."""
    mistakes = catalogue()
    negation = next((w for w in lib.wholes if float(w.factor(*args)) == -1.0), None)
    for whole in (None, negation) if negation else (None,):
        sign = 1.0 if whole is None else -1.0
        signed = {t: sign * c for t, c in coefs.items()}
        if signed == ref and whole is None:
            return ""
        names, odd = _read(lib, signed, ref, whole)
        if names and not odd and all(n in mistakes for n in names):
            return ", and ".join(mistakes[n].title for n in names)
    return ""

