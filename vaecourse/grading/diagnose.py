"""Name a wrong answer by what it does: cut gradients, the catalogue's variants case by case, factors and offsets, shapes, NaN at extremes.

:func:`diagnose` runs after :func:`~vaecourse.grading.compare.first_difference` has found that a
function answer is wrong. It looks, in order, for: a required gradient that does not arrive; a
mistake whose predicate holds or whose variant agrees on every case; a variant that agrees on the
ordinary cases where it differs from the reference (so a second, unlisted deviation elsewhere,
e.g. at extreme or invalid inputs, does not hide it); zeros or a constant; an affine signature
``a * reference + b`` per case made of one or two known factors (a variant's, a sign, 2, 1/2,
1/size of an axis: ratios relative to each case's own sizes); an output shape that only one
mistake produces; and NaN/inf only at extreme inputs. It returns the mistake and the cases that
decided it, never values.
"""

from __future__ import annotations

import itertools

from dataclasses import dataclass

import torch

from .compare import describe_value, gradient_missing, records_agree
from .diagnose_axis_sizes import size_as_axis
from .diagnose_clamped import clamped
from .diagnose_item import to_python_number
from .diagnose_shape_errors import shape_error
from .diagnose_inputs import wrong_inputs
from .diagnose_mixed_reductions import mixed_reductions
from .diagnose_log_base import log_base
from .diagnose_powers import scale_power
from .diagnose_scale_fn import scale_function
from .diagnose_schedules import ramp
from .diagnose_shapes import broadcast_square
from .diagnose_transforms import transformed
from .diagnose_terms import term_fit
from .diagnose_unit_axes import unit_axes
from .exercise import FunctionExercise, Mistake, gradient_cut
from .mistakes import GENERIC_BY_NAME, GRADIENT_CUT
from .observe import Case, as_floats


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake, the cases that decided it, whether it explains every case, and extra text."""

    mistake: Mistake
    cases: tuple[str, ...]
    exact: bool = False
    note: str = ""


def _tensor(rec: dict) -> torch.Tensor | None:
    """The record's value as a float64 tensor: a tensor or array as it is, a number as 0-d, a flat sequence as 1-d."""
    value = rec.get("value") if "raised" not in rec else None
    if not value:
        return None
    if value.get("kind") in ("tensor", "array"):
        if value.get("data") is None or value["dtype"] == "bool":
            return None
        return torch.tensor(value["data"], dtype=torch.float64).reshape(value["shape"])
    if value.get("kind") == "number":
        return torch.tensor(value["value"], dtype=torch.float64)
    if value.get("kind") == "sequence":
        floats = as_floats(value)
        return torch.tensor(floats, dtype=torch.float64) if floats is not None else None
    return None


def _packaging(student, reference, cases) -> Diagnosis | None:
    """The right values packaged wrongly (not a tensor, another shape, another dtype), or an integer output."""
    ordinary = _ordinary(cases)
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    kinds, shapes, dtypes, integer, same = set(), set(), set(), [], True
    for c in ordinary:
        s, r = s_by.get(c.name), r_by.get(c.name)
        if not s or not r or "raised" in s or "raised" in r or r["value"].get("kind") != "tensor":
            return None
        got, want = s["value"], r["value"]
        kinds.add(got.get("kind"))
        if got.get("kind") == "tensor":
            shapes.add(got["shape"] != want["shape"])
            dtypes.add(got["dtype"] != want["dtype"])
            if got["dtype"].startswith(("int", "uint", "bool")) and not want["dtype"].startswith(("int", "uint", "bool")):
                integer.append(c.name)
        ts, tr = _tensor(s), _tensor(r)
        same &= ts is not None and tr is not None and ts.numel() == tr.numel() and _close(ts.reshape(tr.shape), tr, c)
    names = tuple(c.name for c in ordinary)
    if not names:
        return None
    if integer:
        return Diagnosis(GENERIC_BY_NAME["dtype_changed"], tuple(integer), note="Your output is an integer tensor: its values are rounded or truncated.")
    if not same:
        return None
    first = next(c for c in ordinary if c.name in s_by)
    got, want = s_by[first.name]["value"], r_by[first.name]["value"]
    if kinds - {"tensor"}:
        return Diagnosis(GENERIC_BY_NAME["not_a_tensor"], names, exact=True, note=f"On {first.describe} you returned {describe_value(got)}.")
    def first_where(key):  # the first case whose output differs in ``key``: the note quotes that case, not another one
        c = next(c for c in ordinary if c.name in s_by and s_by[c.name]["value"][key] != r_by[c.name]["value"][key])
        return c, s_by[c.name]["value"], r_by[c.name]["value"]

    if True in shapes:
        case, got, want = first_where("shape")
        note = f"On {case.describe} your output has shape {tuple(got['shape'])}; the expected shape is {tuple(want['shape'])}."
        return Diagnosis(GENERIC_BY_NAME["values_right_shape_wrong"], names, exact=True, note=note)
    if True in dtypes:
        case, got, want = first_where("dtype")
        note = f"On {case.describe} your output has dtype {got['dtype']}; the inputs' dtype is {want['dtype']}."
        return Diagnosis(GENERIC_BY_NAME["dtype_changed"], names, exact=True, note=note)
    return None


def _close(a: torch.Tensor, b: torch.Tensor, case: Case, loose: float = 1.0) -> bool:
    if a.shape != b.shape or not bool(torch.isfinite(a).all()) or not bool(torch.isfinite(b).all()):
        return False
    return bool(((a - b).abs() <= loose * (case.atol + case.rtol * b.abs())).all())


def _at_tolerance(pairs: dict, ordinary: dict) -> bool:
    """True if every (answer, reference) pair agrees within ten times its case's tolerance: a difference that
    small is rounding or a tiny constant, and no mistake's deviation (which cancels to nothing) may be read in it."""
    return all(_close(ts, tr, ordinary[n], loose=10.0) for n, (ts, tr) in pairs.items())


def _ordinary(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c.raises is None and c.summary is None and c.kind != "stability"]


def _param(exercise: FunctionExercise, i: int) -> str:
    return exercise.params[i].split("=")[0] if i < len(exercise.params) else f"argument {i + 1}"


def _gradient(exercise, student, reference, by_name, disconnected: bool = False) -> Diagnosis | None:
    """A required gradient missing where the values are right, or missing everywhere (an output cut off its inputs)."""
    missing: dict[str, set[str]] = {}
    right_values, checked, all_missing = True, 0, True
    for s, r in zip(student, reference):
        case = by_name[s["case"]]
        if not case.grad_args or "raised" in s or "raised" in r:
            continue
        if case.summary is None and (s["value"].get("kind") != "tensor" or s["value"]["dtype"].startswith(("int", "bool"))):
            continue
        grads_s = s.get("grads") or [None] * len(case.grad_args)
        grads_r = r.get("grads") or [None] * len(case.grad_args)
        agrees = records_agree(s, r, case, with_grads=False)
        value = _tensor(s)
        if disconnected and not agrees and value is not None and not bool(torch.isfinite(value).all()):
            continue  # inf or NaN has no gradient to give: a wrong value, not a cut graph
        checked += 1
        lost = [i for i, gs, gr in zip(case.grad_args, grads_s, grads_r) if gradient_missing(gs, gr)]
        all_missing &= len(lost) == len(case.grad_args)
        if lost and agrees:
            for i in lost:
                missing.setdefault(_param(exercise, i), set()).add(case.name)
        right_values &= agrees
    if disconnected and not missing and checked and all_missing and _constant(student, list(by_name.values())) is None:
        for s, r in zip(student, reference):  # nothing is connected: every required gradient is gone
            case = by_name[s["case"]]
            for i in case.grad_args if "raised" not in s else ():
                missing.setdefault(_param(exercise, i), set()).add(case.name)
    if not missing:
        return None
    own = next((m for m in exercise.mistakes if m.predicate is gradient_cut), GRADIENT_CUT)
    names = " and ".join(f"`{n}`" for n in sorted(missing))
    decided = tuple(sorted({c for cs in missing.values() for c in cs}))
    note = f"No gradient reaches {names}."
    raised = next((s.get("grad_note") for s in student if s["case"] in decided and s.get("grad_note") not in (None, *_QUIET_GRAD_NOTES)), None)
    if raised:  # backward itself failed: say so, it is not a detach
        note += f" Backpropagating through your result raised an error: {raised} (an in-place change of a tensor autograd still needs?)"
    if not right_values:  # the values are wrong too: say so, the entry's "your values may be right" does not hold
        note += " Your values are not the expected ones either: once the gradient flows, check the formula as well."
    return Diagnosis(own, decided, exact=right_values, note=note)


_QUIET_GRAD_NOTES = ("no tensor output", "output not connected to the inputs")


def _affine(variant: torch.Tensor, ref: torch.Tensor) -> tuple[float, float] | None:
    """(a, b) with variant = a * ref + b exactly, or None; a pure ratio when ref has one distinct value."""
    v, r = variant.flatten(), ref.flatten()
    if v.shape != r.shape or v.numel() == 0 or not bool(torch.isfinite(v).all()):
        return None
    if float(r.max() - r.min()) < 1e-9:  # one distinct value: only a ratio can be read
        return (float(v[0] / r[0]), 0.0) if abs(float(r[0])) > 1e-9 and float(v.max() - v.min()) < 1e-9 else None
    design = torch.stack([r, torch.ones_like(r)], dim=1)
    a, b = torch.linalg.lstsq(design, v[:, None]).solution.flatten().tolist()
    return (a, b) if bool(torch.allclose(a * r + b, v, rtol=1e-6, atol=1e-6 * (1 + float(r.abs().max())))) else None


def _atoms(exercise, cases, reference, variant_records) -> list[tuple[Mistake, dict[str, tuple[float, float]]]]:
    """Per-case affine maps: each variant's own (where it is affine in the reference), then the generic ones."""
    ordinary = _ordinary(cases)
    atoms = []
    for mistake, records in variant_records:
        maps = {}
        for c in ordinary:
            rec = next((r for r in records if r["case"] == c.name), None)
            ref = next((r for r in reference if r["case"] == c.name), None)
            tv, tr = (_tensor(rec) if rec else None), (_tensor(ref) if ref else None)
            ab = _affine(tv, tr) if tv is not None and tr is not None else None
            if ab is not None:
                maps[c.name] = ab
        if maps and any(abs(a - 1) > 1e-6 or abs(b) > 1e-6 for a, b in maps.values()):
            atoms.append((mistake, maps))
    for name, factor in (("sign_flipped", -1.0), ("factor_two", 2.0), ("factor_half", 0.5)):
        atoms.append((GENERIC_BY_NAME[name], {c.name: (factor, 0.0) for c in ordinary}))
    shaped = [c for c in ordinary if c.args and isinstance(c.args[0], torch.Tensor) and c.args[0].dim() >= 2]
    if len(exercise.axes) >= 2 and shaped:
        last = {c.name: (1.0 / c.args[0].shape[-1], 0.0) for c in shaped}
        first = {c.name: (1.0 / c.args[0].shape[0], 0.0) for c in shaped}
        both = {n: (last[n][0] * first[n][0], 0.0) for n in last}
        if exercise.axes[-1] != "batch":
            atoms.append((GENERIC_BY_NAME["mean_over_last_axis"], last))
        if exercise.axes[0] == "batch":
            atoms.append((GENERIC_BY_NAME["divided_by_batch_size"], first))
            atoms.append((GENERIC_BY_NAME["mean_over_everything"], both))
    return atoms


_FACTORS = ("sign_flipped", "factor_two", "factor_half", "mean_over_last_axis", "divided_by_batch_size", "mean_over_everything")


def _compose(student, reference, cases, atoms, variant_records=None) -> Diagnosis | None:
    ordinary = {c.name: c for c in _ordinary(cases)}
    pairs = {}
    for s, r in zip(student, reference):
        if s["case"] in ordinary:
            ts, tr = _tensor(s), _tensor(r)
            if ts is not None and tr is not None and ts.shape == tr.shape and float(tr.abs().max()) > 1e-9:
                pairs[s["case"]] = (ts, tr)
    if not pairs or _at_tolerance(pairs, ordinary):
        return None

    def fits(maps_list) -> list[str] | None:
        decided, moved = [], False
        for name, (ts, tr) in pairs.items():
            if not all(name in m for m in maps_list):
                continue
            out = tr
            for m in reversed(maps_list):
                a, b = m[name]
                out = a * out + b
            if not _close(ts, out, ordinary[name], loose=10.0):
                return None
            decided.append(name)
            # the composed mistakes must move the values (twice the KL, halved, is the KL again)
            moved = moved or not _close(out, tr, ordinary[name], loose=10.0)
        return decided if decided and moved else None

    for mistake, maps in atoms:
        decided = fits([maps])
        if decided:
            return Diagnosis(mistake, tuple(decided), exact=len(decided) == len(pairs))
    generic = [(m, maps) for m, maps in atoms if m.name in _FACTORS]  # sign, 2, 1/2, 1/D, 1/B: factors any formula can pick up
    for mistake, records in variant_records or ():  # a variant's value times a generic factor (sign, 2, 1/2, 1/D)
        values = {r["case"]: _tensor(r) for r in records if r["case"] in pairs}
        for atom, maps in generic:
            decided = []
            for name, (ts, tr) in pairs.items():
                tv = values.get(name)
                if tv is None or name not in maps or tv.shape != ts.shape:
                    continue
                a, b = maps[name]
                if not _close(ts, a * tv + b, ordinary[name], loose=10.0):
                    decided = []
                    break
                decided.append(name)
            if decided and any(not _close(a_map[0] * values[n] + a_map[1], pairs[n][1], ordinary[n], loose=10.0)
                               for n in decided for a_map in (maps[n],)):
                return Diagnosis(mistake, tuple(decided), note=f"Your values also show a second mistake: {atom.title}.")
    for mistake, maps in atoms:  # a size-dependent factor times one unknown constant (a weight folded in)
        names = [n for n in pairs if n in maps and abs(maps[n][1]) < 1e-12]
        factors = {round(maps[n][0], 12) for n in names}
        if len(names) < 2 or len(factors) < 2:
            continue
        ratios = []
        for n in names:
            ts, tr = pairs[n]
            base = maps[n][0] * tr
            mask = base.abs() > 1e-9
            ratios.append(ts[mask] / base[mask] if bool(mask.any()) else None)
        if any(r is None for r in ratios):
            continue
        flat = torch.cat([r.flatten() for r in ratios])
        c = float(flat.mean())
        if abs(c - 1) > 1e-3 and bool(((flat - c).abs() <= 1e-3 * abs(c)).all()):
            return Diagnosis(mistake, tuple(names), note=f"Your values are also multiplied by a constant factor, {c:.3g} (a weight folded into the function?).")
    for i, (m1, maps1) in enumerate(atoms):
        for m2, maps2 in atoms[i + 1:]:
            if m1.name == m2.name or any(m.name in GENERIC_BY_NAME and m.name not in _FACTORS for m in (m1, m2)):
                continue  # a generic family (sigma/variance readings, ...) has many readings: as half of a pair it fits by chance
            for order in ((maps1, maps2), (maps2, maps1)):
                decided = fits(list(order))
                if decided:
                    return Diagnosis(m1, tuple(decided), note=f"Your values also show a second mistake: {m2.title}.")
    return None


def _robust(student, reference, cases, variant_records) -> Diagnosis | None:
    """A variant that agrees wherever it differs from the reference on the ordinary cases (at least half of them).

    It must also account for at least half of the cases the answer gets wrong: a variant that differs from
    the reference on one case only, and matches the answer there by coincidence, does not name an answer
    that is wrong everywhere else too.
    """
    by_name = {c.name: c for c in cases}
    ordinary = {c.name for c in _ordinary(cases)}
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    wrong = [n for n in ordinary if n in s_by and n in r_by and not records_agree(s_by[n], r_by[n], by_name[n], with_grads=False)]
    best = None
    for mistake, records in variant_records:
        informative, matched, contradicted = [], [], False
        for rec in records:
            name = rec["case"]
            if name not in ordinary or name not in s_by or records_agree(rec, r_by[name], by_name[name], with_grads=False):
                continue
            if "raised" in rec:  # a variant that fails here (e.g. its inputs made invalid) says nothing of an answer that fails too
                continue
            informative.append(name)
            if records_agree(s_by[name], rec, by_name[name], with_grads=False):
                matched.append(name)
            elif records_agree(s_by[name], r_by[name], by_name[name], with_grads=False):
                contradicted = True
        if contradicted or not matched or 2 * len(matched) < len(informative) or 2 * len(matched) < len(wrong):
            continue
        score = len(matched) / len(informative)
        if best is None or score > best[0]:
            best = (score, Diagnosis(mistake, tuple(matched)), records)
    if best is None:
        return None
    found, rest = best[1], [n for n in wrong if n not in best[1].cases]
    if rest:  # the cases left over may show a second mistake once the answer is reduced as the named one leaves undone
        decided = tuple(n for n in s_by if n in set(found.cases) | set(rest))
        second = _reduced_reading(s_by, by_name, {r["case"]: r for r in best[2]}, variant_records, found.mistake, decided)
        if second:
            return Diagnosis(found.mistake, decided, note="Your output has the shape this mistake gives; " + second)
    return found


_NICE = (-2.0, -1.0, -0.5, 0.5, 2.0)  # a term's sign flipped (2x the dropped term's deviation), doubled (-1x), halved...
_SAID = {2.0: "with its sign flipped", -1.0: "counted twice", 0.5: "halved", -0.5: "counted one and a half times", -2.0: "counted three times"}


def _deviations(student, reference, cases, variant_records) -> Diagnosis | None:
    """The answer's deviation from the reference as a simple multiple of one or two mistakes' deviations.

    A mistake that drops or changes one term deviates by d = variant - reference; an answer with that
    term's sign flipped deviates by 2 d, with the term doubled by -d, halved by d / 2. Two mistakes at
    once add their deviations. Only exact fits with these coefficients count.
    """
    ordinary = {c.name: c for c in _ordinary(cases)}
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    names = [n for n in ordinary if n in s_by and n in r_by]
    pairs = {}
    for n in names:
        ts, tr = _tensor(s_by[n]), _tensor(r_by[n])
        if ts is None or tr is None or ts.shape != tr.shape or not bool(torch.isfinite(ts).all()) or not bool(torch.isfinite(tr).all()):
            return None
        pairs[n] = (ts, tr)
    if not pairs or _at_tolerance(pairs, ordinary):
        return None
    columns = []
    for mistake, records in variant_records:
        by = {r["case"]: r for r in records}
        parts = []
        for n, (ts, tr) in pairs.items():
            tv = _tensor(by[n]) if n in by else None
            if tv is None or tv.shape != tr.shape or not bool(torch.isfinite(tv).all()):
                break
            parts.append((tv - tr).flatten())
        else:
            d = torch.cat(parts)
            if float(d.abs().max()) > 1e-6 and all(not torch.allclose(d, c, rtol=1e-6, atol=1e-9) for _, c in columns):
                columns.append((mistake, d))
    y = torch.cat([(ts - tr).flatten() for ts, tr in pairs.values()])

    def exact(fit) -> bool:
        start = 0
        for n, (ts, tr) in pairs.items():
            k = ts.numel()
            if not _close(ts.flatten(), tr.flatten() + fit[start:start + k], ordinary[n], loose=10.0):
                return False
            start += k
        return True

    def nice(a: float):
        return next((v for v in _NICE if abs(a - v) < 1e-3 * max(1.0, abs(v))), None)

    for mistake, d in columns:  # one deviation, scaled
        a = nice(float(y @ d / (d @ d)))
        if a is not None and exact(a * d):
            return Diagnosis(mistake, tuple(pairs), note=f"The term this mistake is about appears {_SAID[a]}.")
    if len(columns) <= 40 and y.numel() >= 5:  # two coefficients fit to fewer values match by chance (small counts)
        for i, (m1, d1) in enumerate(columns):  # two deviations at once
            for m2, d2 in columns[i + 1:]:
                if m1.name == m2.name:
                    continue
                design = torch.stack([d1, d2], dim=1)
                a1, a2 = torch.linalg.lstsq(design, y[:, None]).solution.flatten().tolist()
                n1, n2 = nice(a1) or (1.0 if abs(a1 - 1) < 1e-3 else None), nice(a2) or (1.0 if abs(a2 - 1) < 1e-3 else None)
                if n1 is not None and n2 is not None and exact(n1 * d1 + n2 * d2):
                    (ma, na), (mb, nb) = sorted(((m1, n1), (m2, n2)), key=lambda t: -abs(t[1]))
                    how = lambda m, k: m.title + ("" if k == 1.0 else f" ({_SAID[k]})")
                    return Diagnosis(ma, tuple(pairs), note=f"Your values show two mistakes at once: {how(ma, na)}, and {how(mb, nb)}.")
    return None


def _noise_parts(student, reference, cases, variant_records) -> Diagnosis | None:
    """Where cases ``noise-0`` and ``noise-1`` exist: the mistake whose noise scale (output at 1 minus at 0) the answer shares.

    The output at noise 0 is the part without noise (the location), the difference the noise's scale:
    a wrong scale is named even when the location is wrong too, and the reverse.
    """
    names = ("noise-0", "noise-1")
    by_name = {c.name: c for c in cases}
    if not all(n in by_name for n in names):
        return None
    case = by_name["noise-1"]

    def parts(records):
        by = {r["case"]: r for r in records}
        t0, t1 = (_tensor(by[n]) if n in by else None for n in names)
        if t0 is None or t1 is None or t0.shape != t1.shape:
            return None
        return t0, t1 - t0

    sp, rp = parts(student), parts(reference)
    if sp is None or rp is None or sp[0].shape != rp[0].shape:
        return None
    loc_ok, scale_ok = _close(sp[0], rp[0], case), _close(sp[1], rp[1], case)
    if loc_ok and scale_ok:
        return None
    flipped = not scale_ok and loc_ok and _close(sp[1], -rp[1], case)
    for mistake, records in variant_records:
        vp = parts(records)
        if vp is None or vp[0].shape != sp[0].shape:
            continue
        # a variant read from one part only where its other part is right, or where the answer's other part is its too:
        # an answer with the right location does not make a mistake that also moves the location
        if not scale_ok and _close(sp[1], vp[1], case, loose=10.0) and not _close(vp[1], rp[1], case) and (
            _close(vp[0], rp[0], case) or _close(sp[0], vp[0], case, loose=10.0) or not loc_ok
        ):
            note = "" if loc_ok else "Your output without noise (every eps = 0) also differs from the expected one."
            return Diagnosis(mistake, names, note=note)
        if scale_ok and not loc_ok and _close(sp[0], vp[0], case, loose=10.0) and not _close(vp[0], rp[0], case) and (
            _close(vp[1], rp[1], case) or _close(sp[1], vp[1], case, loose=10.0)
        ):
            return Diagnosis(mistake, names)
    if flipped:  # no entry of the exercise's own has this noise term: the generic sign
        return Diagnosis(GENERIC_BY_NAME["sign_flipped"], names, note="The noise enters with a minus sign: with eps given, z must be mu + sigma * eps exactly.")
    return None


def _constant(student, cases) -> Diagnosis | None:
    ordinary = {c.name for c in _ordinary(cases)}
    values = [_tensor(s) for s in student if s["case"] in ordinary]
    if not values or any(v is None for v in values) or sum(v.numel() for v in values) < 2:
        return None
    flat = torch.cat([v.flatten() for v in values])
    names = tuple(s["case"] for s in student if s["case"] in ordinary)
    if bool((flat == 0).all()):
        return Diagnosis(GENERIC_BY_NAME["zero_output"], names)
    # one value up to float32 rounding ((1 + b) - b is not exactly 1 in float32)
    if bool(torch.isfinite(flat).all()) and float(flat.max() - flat.min()) <= 1e-6 * (1 + float(flat.abs().max())):
        return Diagnosis(GENERIC_BY_NAME["constant_output"], names)
    return None


def _shape(exercise, student, reference, cases, variant_records) -> Diagnosis | None:
    ordinary = [c for c in _ordinary(cases)]
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    shapes = {}
    for c in ordinary:
        s, r = s_by.get(c.name), r_by.get(c.name)
        got = _tensor(s) if s else None  # a number counts as shape (), a flat list as (n,)
        if got is None or r["value"].get("kind") != "tensor":
            return None
        if got.numel() == 1 and _numel(r["value"]["shape"]) == 1:
            continue  # a batch of one: one number is the right shape's size, this case cannot tell
        if list(got.shape) == r["value"]["shape"]:
            return None
        shapes[c.name] = list(got.shape)
    if not shapes:
        return None
    square = broadcast_square(student, reference, ordinary, variant_records, _tensor, _close, Diagnosis, GENERIC_BY_NAME)
    if square:
        return square
    owners = []
    for mistake, records in variant_records:
        got = {rec["case"]: rec.get("value", {}).get("shape") for rec in records}
        if all(got.get(n) == shape for n, shape in shapes.items()) and mistake not in owners:
            owners.append(mistake)
    decided = tuple(shapes)
    single = all(_numel(shape) == 1 for shape in shapes.values())  # one number, also as (1,) or (1, 1) from keepdim=True
    if single:
        found = _scalar(exercise, student, reference, cases, variant_records, owners, decided)
        if found:
            return found
    if len(owners) == 1:
        return Diagnosis(owners[0], decided, note=_beside_owner(exercise, student, cases, variant_records, owners[0], decided))
    first = {c.name: list(c.args[0].shape) if c.args and isinstance(c.args[0], torch.Tensor) else None for c in ordinary}
    if single:
        return Diagnosis(GENERIC_BY_NAME["reduced_over_batch"], decided)
    if all(shapes[n] == first[n] for n in shapes):
        return Diagnosis(GENERIC_BY_NAME["no_reduction"], decided)
    if all(first[n] and len(shapes[n]) == 1 and shapes[n] != r_by[n]["value"]["shape"] and shapes[n][0] in first[n] for n in shapes):
        return Diagnosis(GENERIC_BY_NAME["reduced_over_wrong_axis"], decided)
    return None


def _numel(shape) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


def _kept_dims(found: Diagnosis, student, reference) -> Diagnosis:
    """``found`` with a word on a one-number answer that kept its reduced axes (shape (1,) or (1, 1)) where (B,) is due."""
    r_by = {r["case"]: r for r in reference}
    kept = set()
    for s in student:
        value, want = s.get("value") or {}, r_by.get(s["case"], {}).get("value") or {}
        if value.get("kind") != "tensor" or want.get("kind") != "tensor" or _numel(want["shape"]) == 1:
            continue
        if _numel(value["shape"]) != 1 or not value["shape"]:
            return found
        kept.add(tuple(value["shape"]))
    if len(kept) != 1:
        return found
    said = f"Your output has shape {next(iter(kept))}: a reduction with keepdim=True still leaves one number for the batch."
    return Diagnosis(found.mistake, found.cases, found.exact, (found.note + " " if found.note else "") + said)


def _beside_owner(exercise, student, cases, variant_records, owner, decided) -> str:
    """What the values say beside the shape ``owner`` gives: the same values, a known factor of them, or other values."""
    by_name, s_by = {c.name: c for c in cases}, {s["case"]: s for s in student}
    records = next((recs for m, recs in variant_records if m is owner), [])
    o_by = {r["case"]: r for r in records}
    pairs = [(n, _tensor(s_by[n]), _tensor(o_by[n])) for n in decided if n in o_by]
    if not pairs or any(ts is None or to is None or ts.shape != to.shape for _, ts, to in pairs):
        return "Your output has the shape this mistake gives."
    if all(_close(ts, to, by_name[n]) for n, ts, to in pairs):
        return "Your output has the shape this mistake gives, and its values."
    for atom, maps in _atoms(exercise, cases, [], []):
        if all(n in maps and _close(ts, maps[n][0] * to, by_name[n], loose=10.0) for n, ts, to in pairs):
            return f"Your output has the shape this mistake gives; your values also show a second mistake: {atom.title}."
    second = _reduced_reading(s_by, by_name, o_by, variant_records, owner, decided)
    if second:
        return f"Your output has the shape this mistake gives; {second}"
    return "Your output has the shape this mistake gives (its values differ from this mistake's as well)."


_REDUCTIONS = (
    ("summed over the last dimension", lambda t: t.sum(-1)),
    ("averaged over the last dimension", lambda t: t.mean(-1)),
    ("summed over the first dimension", lambda t: t.sum(0)),
    ("averaged over the first dimension", lambda t: t.mean(0)),
)


def _reduced_reading(s_by, by_name, o_by, variant_records, owner, decided) -> str:
    """A second mistake read in an unreduced answer: reduced as the owner's variant leaves undone, it is another variant.

    The other variant must differ there from the owner's variant reduced the same way (the reduced reference,
    for a missing reduction), so an answer whose only mistake is the shape is never given a second one.
    """
    for how, reduce in _REDUCTIONS:
        for mistake, records in variant_records:
            if mistake is owner:
                continue
            v_by, moved = {r["case"]: r for r in records}, False
            for n in decided:
                ts, to = _tensor(s_by[n]), (_tensor(o_by[n]) if n in o_by else None)
                tv = _tensor(v_by[n]) if n in v_by else None
                if ts is None or to is None or tv is None or ts.dim() == 0 or to.shape != ts.shape or reduce(ts).shape != tv.shape:
                    break
                if not _close(reduce(ts), tv, by_name[n], loose=10.0):
                    break
                moved |= not _close(reduce(to), tv, by_name[n], loose=10.0)
            else:
                if moved:
                    return f"your values, {how}, are those of a second mistake: {mistake.title}."
    return ""


def _scalar(exercise, student, reference, cases, variant_records, owners, decided) -> Diagnosis | None:
    """One number where (B,) is due: which batch reduction, of the reference or of a variant, times which known factor."""
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    records = {m.name: recs for m, recs in variant_records}
    atoms = [(m, maps) for m, maps in _atoms(exercise, cases, reference, variant_records) if all(abs(b) < 1e-9 for _, b in maps.values())]
    reductions = {
        "mean": lambda t, c: t.mean(),
        "sum": lambda t, c: t.sum(),
        "mean over everything": lambda t, c: t.mean() / c.args[0].shape[-1],
    }
    by_name = {c.name: c for c in cases}
    names = list(decided)

    def value(recs, name):
        rec = next((r for r in recs if r["case"] == name), None)
        return _tensor(rec) if rec else None

    def matches(target_of, nan_alike: bool = False) -> bool:
        finite = 0  # with nan_alike, NaN (or the same infinity) matches NaN, where at least one finite case decides
        for name in names:
            got, want = _tensor(s_by[name]), target_of(name)
            if got is None or want is None:
                return False
            g, w = got.reshape(()), want.reshape(())
            if nan_alike and not bool(torch.isfinite(w)) and (bool(torch.isnan(g) & torch.isnan(w)) or bool(g == w)):
                continue
            if not _close(g, w, by_name[name], loose=10.0):
                return False
            finite += 1
        return finite > 0

    owner_reduction = {}
    for owner in owners:  # which reduction of the reference each owner's variant is
        for label, reduce in reductions.items():
            if any(
                all((v := value(recs, n)) is not None and v.numel() == 1 and _close(v.reshape(()), reduce(_tensor(r_by[n]), by_name[n]).reshape(()), by_name[n]) for n in names)
                for m, recs in variant_records
                if m is owner
            ):
                owner_reduction.setdefault(label, owner)

    def named(label):  # the exercise's own entry for this batch reduction, else the generic one with the reduction said
        if label in owner_reduction:
            return owner_reduction[label], ""
        return GENERIC_BY_NAME["reduced_over_batch"], f"Your output is the {label} of the per-example values over the batch."

    for label, reduce in reductions.items():  # a reduction of the reference, times at most one known factor
        base, said = named(label)
        for atom, maps in [(None, None), *atoms]:
            if matches(lambda n: reduce(_tensor(r_by[n]), by_name[n]) * (maps[n][0] if maps else 1.0) if (maps is None or n in maps) else None):
                note = " ".join(t for t in (said, f"Your values also show a second mistake: {atom.title}." if atom else "") if t)
                return Diagnosis(base, decided, note=note)
    for label, reduce in reductions.items():  # a reduction of the reference times one unknown constant, the same on every case
        base, said = named(label)
        scale = _common_ratio({n: (_tensor(s_by[n]), reduce(_tensor(r_by[n]), by_name[n])) for n in names})
        if scale is not None:
            note = f"Your output is {scale:.4g} times the {label} of the expected per-example values over the batch (a constant factor folded in: a weight, or a data range such as 255?)."
            return Diagnosis(base, decided, note=note)
    for label, reduce in reductions.items():  # a reduction of another mistake's per-example values, times at most one known factor
        base, said = named(label)
        for (mistake, recs), (atom, maps) in itertools.product(variant_records, [(None, None), *atoms]):
            if mistake in owners or atom is mistake:
                continue
            if matches(lambda n: reduce(v, by_name[n]) * (maps[n][0] if maps else 1.0) if (v := value(recs, n)) is not None and v.dim() == 1 and (maps is None or n in maps) else None, nan_alike=True):
                also = f"{mistake.title}, and {atom.title}" if atom else mistake.title
                return Diagnosis(base, decided, note=" ".join(t for t in (said, f"Your values also show {'two more mistakes' if atom else 'a second mistake'}: {also}.") if t))
    mixed = mixed_reductions(exercise, student, cases, names)  # terms reduced differently (recon summed, KL averaged)
    if mixed:
        return Diagnosis(owner_reduction.get("mean") or owner_reduction.get("sum") or GENERIC_BY_NAME["reduced_over_batch"], decided, note=mixed)
    if not owners:
        return None
    for owner in owners:  # an owner whose variant gives the answer's values (in another packaging) is the mistake
        recs = records.get(owner.name, [])
        if matches(lambda n: v if (v := value(recs, n)) is not None and v.numel() == 1 else None):
            return Diagnosis(owner, decided)
    reducing = [o for o in owners if o in owner_reduction.values()]
    # no reduction of the expected values matched: only the shape is known, and an owner whose variant is a
    # scalar for another reason (a squared error's mean, ...) is not named
    note = "Your output is one number where one value per example is due; its values are not a reduction of the expected ones either."
    return Diagnosis(reducing[0] if reducing else GENERIC_BY_NAME["reduced_over_batch"], decided, note=note)


def _common_ratio(pairs: dict) -> float | None:
    """The one constant c != 1 with got = c * want on every case (at least two with want != 0; got = 0 where want = 0), or None."""
    ratios = []
    for got, want in pairs.values():
        if got is None or want is None or got.numel() != 1 or not bool(torch.isfinite(got).all() & torch.isfinite(want).all()):
            return None
        g, w = float(got.reshape(())), float(want.reshape(()))
        if abs(w) < 1e-9:
            if abs(g) > 1e-9:
                return None
            continue
        ratios.append(g / w)
    if len(ratios) < 2:
        return None
    c = sum(ratios) / len(ratios)
    exact = all(abs(r - c) <= 1e-5 * abs(c) for r in ratios)
    return c if exact and abs(c - 1) > 1e-3 and abs(c) > 1e-9 else None


def _unstable(exercise, student, reference, cases) -> Diagnosis | None:
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    extreme = [c for c in cases if c.kind == "stability"]
    bad = []
    for c in extreme:
        ts, tr = _tensor(s_by.get(c.name, {})), _tensor(r_by.get(c.name, {}))
        if ts is not None and tr is not None and bool(torch.isfinite(tr).all()) and not bool(torch.isfinite(ts).all()):
            bad.append(c.name)
    ordinary_finite = all(
        (t := _tensor(s_by.get(c.name, {}))) is None or bool(torch.isfinite(t).all()) for c in _ordinary(cases)
    )
    if not bad or not ordinary_finite:
        return None
    own = next((m for m in exercise.mistakes if m.predicate is not None and m.predicate.__name__ == "unstable_only"), None)
    return Diagnosis(own or GENERIC_BY_NAME["unstable_at_extremes"], tuple(bad))


def diagnose(exercise: FunctionExercise, student: list, reference: list, cases: list[Case], variant_records) -> Diagnosis | None:
    """The mistake a wrong answer makes, or None. ``variant_records`` pairs each mistake with one variant's records."""
    by_name = {c.name: c for c in cases}
    found = _gradient(exercise, student, reference, by_name) or _packaging(student, reference, cases)
    if found:
        return found
    if squeezed := unit_axes(student, reference, _ordinary(cases)):  # (B, 1) for (B,): name the values, say the shape
        found = diagnose(exercise, squeezed[0], reference, cases, variant_records)
        return found and Diagnosis(found.mistake, found.cases, False, " ".join(t for t in (found.note, squeezed[1]) if t))
    for mistake in exercise.mistakes:
        if mistake.predicate is not None and mistake.predicate is not gradient_cut:
            if mistake.predicate(student, reference, cases):
                measured = getattr(mistake.predicate, "measured", None)  # e.g. the moments of the noise drawn
                return Diagnosis(mistake, tuple(s["case"] for s in student), True, measured(student, reference, cases) if measured else "")
    for mistake, records in variant_records:
        if len(records) == len(student) and all(
            records_agree(s, m, by_name[s["case"]]) for s, m in zip(student, records)
        ):
            return Diagnosis(mistake, tuple(s["case"] for s in student), exact=True)
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    if all(
        c.name in s_by and records_agree(s_by[c.name], r_by[c.name], c, with_grads=False) for c in _ordinary(cases)
    ):  # right on every ordinary case: only a behaviour at the extremes is left to name
        return _unstable(exercise, student, reference, cases)
    for step in (
        lambda: size_as_axis(student, reference, _ordinary(cases), GENERIC_BY_NAME, Diagnosis),
        lambda: to_python_number(student, reference, _ordinary(cases), GENERIC_BY_NAME, Diagnosis),
        lambda: shape_error(student, reference, _ordinary(cases), GENERIC_BY_NAME, Diagnosis),
        lambda: ramp(exercise, student, reference, cases, Diagnosis),
        lambda: _constant(student, cases),  # all zeros or one value everywhere: any variant it matches, it matches by chance
        lambda: log_base(exercise, student, reference, _ordinary(cases), _tensor, Diagnosis, GENERIC_BY_NAME),
        lambda: _robust(student, reference, cases, variant_records),
        lambda: clamped(exercise, student, reference, _ordinary(cases), variant_records, _tensor, Diagnosis),
        lambda: _noise_parts(student, reference, cases, variant_records),
        lambda: scale_function(exercise, student, reference, _ordinary(cases), _tensor, _close, Diagnosis, GENERIC_BY_NAME),
        lambda: _terms(exercise, student, reference, cases, variant_records),
        lambda: _gradient(exercise, student, reference, by_name, disconnected=True),
        lambda: _compose(student, reference, cases, _atoms(exercise, cases, reference, variant_records), variant_records),
        lambda: _deviations(student, reference, cases, variant_records),
        lambda: wrong_inputs(exercise, student, reference, variant_records, _ordinary(cases), _atoms(exercise, cases, reference, []), _tensor, Diagnosis),
        lambda: scale_power(exercise, student, reference, _ordinary(cases), _atoms(exercise, cases, reference, variant_records), variant_records, _tensor, _close, Diagnosis),
        lambda: transformed(exercise, student, reference, _ordinary(cases), _tensor, Diagnosis, GENERIC_BY_NAME),
        lambda: _shape(exercise, student, reference, cases, variant_records),
        # "right formula, unstable arithmetic" only where the formula is right on most ordinary cases
        lambda: _unstable(exercise, student, reference, cases) if _mostly_right(student, reference, cases) else None,
    ):
        found = step()
        if found:
            return _kept_dims(_with_packaging_note(found, student, reference, cases), student, reference)
    return None


def _terms(exercise, student, reference, cases, variant_records) -> Diagnosis | None:
    """The term fit's reading; where it can only give a changed term an odd weight, a wrong input that explains the answer comes first."""
    found = term_fit(exercise, student, reference, cases)
    # "(2 * mu)^2: 2 * mu used in place of mu" says more than "mu^2 has weight 2 instead of 0.5"
    if found and found[0].name == "formula_term_changed" and " has weight " in found[3]:
        inputs = wrong_inputs(exercise, student, reference, variant_records, _ordinary(cases), _atoms(exercise, cases, reference, []), _tensor, Diagnosis)
        return inputs or Diagnosis(*found)
    return found and Diagnosis(*found)


def _mostly_right(student, reference, cases) -> bool:
    """True if the answer agrees with the reference on at least half of the ordinary cases."""
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    ordinary = [c for c in _ordinary(cases) if c.name in s_by and c.name in r_by]
    right = sum(records_agree(s_by[c.name], r_by[c.name], c, with_grads=False) for c in ordinary)
    return bool(ordinary) and 2 * right >= len(ordinary)


def _with_packaging_note(found: Diagnosis, student, reference, cases) -> Diagnosis:
    """``found`` with a word on outputs that are not tensors where tensors are due (a second problem)."""
    r_by = {r["case"]: r for r in reference}
    kinds = {
        s["value"].get("kind")
        for s in student
        if "raised" not in s and s["case"] in r_by and "raised" not in r_by[s["case"]] and r_by[s["case"]]["value"].get("kind") == "tensor"
    }
    other = sorted(kinds - {"tensor"})
    if not other:
        return found
    said = {"number": "a Python number", "array": "a NumPy array", "sequence": "a list or tuple"}
    what = " or ".join(said.get(k, f"a {k}") for k in other)
    note = (found.note + " " if found.note else "") + f"Your output is also {what}, not a torch.Tensor."
    return Diagnosis(found.mistake, found.cases, found.exact, note)

