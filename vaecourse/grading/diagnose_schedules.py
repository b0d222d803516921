"""Name a wrong warm-up weight by the shape of its ramp: where it starts, where it levels off, its slope, a restart or a curve.

The exercise's weight is the linear warm-up w(step) = min(1, step / warmup_steps): 0 at step 0, a straight
line during the warm-up, exactly 1 from ``warmup_steps`` on. Its cases are (step, warmup_steps) pairs at
step 0, during the warm-up and at or after its end, so an answer's values there read off the ramp's
parts one by one, whatever formula produced them:

- ceiling: every step at or after the end gives one constant c != 1 (a ramp to 100, to 0.01, to beta);
- slope: the start right, and every later value is min(1, k * step / warmup_steps) for one k != 1;
- start: the ceiling right, but a positive weight at step 0;
- stuck: the warm-up right, but the weight stays at its last warm-up value (W - 1) / W after the end (a ceiling);
- restart: the warm-up right, but the weight below 1 again at a step after the end;
- no cap: every step after the end gives a weight above 1 (or 1 at the end itself), whatever the ramp's shape before;
- curve: weights in [0, 1] that level off at the top, off the straight line by more than one step.

Each reading needs all the cases it names; an answer that fits none gets no name from here. Only
mistakes the exercise's catalogue lists are named (exercises without them are left alone).
"""

from __future__ import annotations

from .compare import records_agree
from .observe import as_floats

_NAMES = ("anneal_wrong_ceiling", "anneal_wrong_slope", "anneal_starts_above_zero", "anneal_restarts", "anneal_not_linear")


def _close(a: float, b: float, case) -> bool:
    return abs(a - b) <= 10.0 * (case.atol + case.rtol * abs(b))


def _points(student, reference, cases):
    """(step, warmup, value, agrees, case) per ordinary case, or None if an answer is not one finite number."""
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    out = []
    for c in cases:
        if c.kind not in ("fixed", "random") or len(c.args) != 2 or c.name not in s_by:
            continue
        s = s_by[c.name]
        values = as_floats(s["value"]) if "raised" not in s else None
        if not values or len(values) != 1 or values[0] != values[0] or abs(values[0]) == float("inf"):
            return None
        step, warmup = c.args
        out.append((step, warmup, values[0], records_agree(s, r_by[c.name], c, with_grads=False), c))
    return out or None


def ramp(exercise, student, reference, cases, Diagnosis):
    """The part of a linear warm-up ramp the answer gets wrong, read from its values (see the module docstring).

    Returns ``Diagnosis(mistake, cases, note=...)`` or None; diagnose passes its Diagnosis class (it imports this module).
    """
    own = {m.name: m for m in exercise.mistakes}
    if not all(n in own for n in _NAMES):
        return None
    points = _points(student, reference, cases)
    if points is None or all(p[3] for p in points):
        return None
    start = [p for p in points if p[0] == 0]
    middle = [p for p in points if 0 < p[0] < p[1]]
    after = [p for p in points if p[0] >= p[1]]
    if not start or not middle or len(after) < 2:
        return None
    names = lambda ps: tuple(p[4].name for p in ps)  # noqa: E731
    v0 = start[0][2]
    top = after[0][2]
    level = all(_close(p[2], top, p[4]) for p in after)
    rising = all(v0 < p[2] for p in middle) and all(p[2] <= top + 1e-9 for p in middle)
    if level and top > 0 and abs(top - 1.0) > 1e-3 and rising:
        note = f"From the end of the warm-up on your weight stays at {top:.4g}, not 1."
        if not start[0][3]:
            note += f" It also starts at {v0:.4g} at step 0, not 0."
        # the warm-up steps this explains: right ones, ones already at the ceiling, ones on the straight ramp up to it
        ramped = [p for p in middle if p[3] or _close(p[2], top, p[4]) or _close(p[2], v0 + (top - v0) * p[0] / p[1], p[4])]
        if len(ramped) == len(middle) and not all(p[3] for p in middle):
            note += " In between, it rises on a straight line to that ceiling."
        return Diagnosis(own["anneal_wrong_ceiling"], names(start + ramped + after), note=note)
    fractions = [(p[0] / p[1], p) for p in middle]
    k = fractions[0][1][2] / fractions[0][0]
    line = all(_close(p[2], min(1.0, k * p[0] / p[1]), p[4]) for p in middle + after)
    if start[0][3] and abs(k - 1) > 1e-3 and line:
        note = f"Your weight rises {k:.3g} times as fast as the linear warm-up: it reaches 1 after {1 / k:.3g} x warmup_steps."
        return Diagnosis(own["anneal_wrong_slope"], names(middle + after), note=note)
    if all(p[3] for p in after) and 0 < v0 < 1 and not start[0][3]:
        return Diagnosis(own["anneal_starts_above_zero"], names(start), note=f"At step 0 your weight is {v0:.4g}, not 0.")
    fallen = [p for p in after if p[2] < 1.0 - 1e-3]
    if all(p[3] for p in start + middle) and fallen and all(_close(p[2], (p[1] - 1) / p[1], p[4]) for p in after):
        # never raised to 1: the weight stays at its last warm-up value (W - 1) / W, a ceiling, not a restart
        note = "From the end of the warm-up on your weight stays at (warmup_steps - 1) / warmup_steps, its value at the last warm-up step: it is never raised to 1."
        return Diagnosis(own["anneal_wrong_ceiling"], names(after), note=note)
    if all(p[3] for p in start + middle) and fallen and all(0 <= p[2] <= 1 for p in after):
        return Diagnosis(own["anneal_restarts"], names(fallen), note="Steps after the end of the warm-up get a weight below 1 again.")
    over = [p for p in after if p[2] > 1.0 + 1e-3]
    if "anneal_not_clipped" in own and over and all(p[3] or p in over for p in after) and 0 <= v0 < 1:
        # past the end of the warm-up the weight is 1 at most at the end itself and above 1 after: nothing caps it
        note = "After the end of the warm-up your weight keeps growing past 1 (" + ", ".join(f"{p[2]:.4g} at step {p[0]}" for p in over[:2]) + ")."
        if not start[0][3]:
            note += f" It also starts at {v0:.4g} at step 0, not 0."
        if not all(p[3] for p in middle):
            note += " During the warm-up it is off the straight line as well."
        return Diagnosis(own["anneal_not_clipped"], names(over), note=note)
    in_unit = all(-1e-9 <= p[2] <= 1 + 1e-9 for p in points)
    levels_off = all(p[2] <= min(q[2] for q in after) + 1e-9 for p in start + middle)
    bent = [p for f, p in fractions if abs(p[2] - f) > 1.0 / max(p[1] - 1, 1) + 1e-6]
    if in_unit and levels_off and bent and v0 < 0.5:
        return Diagnosis(own["anneal_not_linear"], names(bent))
    return None
