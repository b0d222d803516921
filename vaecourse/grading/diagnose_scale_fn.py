"""Name which function of the log-variance an answer used where the standard deviation belongs, read from the scale of its noise.

For an exercise whose output is linear in its noise (``z = loc + sigma * eps``) and which has the cases
``noise-0`` and ``noise-1`` (the same inputs with every eps 0 or 1) and a log-variance argument
(``scale_args`` "log sigma^2"), the answer's output at eps = 1 minus its output at eps = 0 is,
entry by entry, the scale it multiplies the noise by, as a function of the log-variance s there.
:func:`scale_function` compares that scale with named functions of s that people write in the place of
sigma = exp(s / 2) (softplus(s), s / 2 with the exp missing, exp(s)^2, sqrt(|s|), ...; exp(-s / 2) is
``-logvar`` in place of ``logvar``, which :mod:`.diagnose_inputs` names). It names one only when

- the answer's output at eps = 0 is the reference's (the location is right), and
- on every ordinary case the answer equals ``loc + (ref - loc) * g(s) / sigma(s)``, the reference with its
  noise term rescaled to that function (loc and sigma read from the reference at eps = 0 and eps = 1),

so the name is true by construction on every case checked; two forms that coincide on the cases name nothing. Where
no noise shows the scale (the KL), the answer is instead compared with the reference at the log-variance that such a
form, used as the standard deviation or as the variance, stands for (Normal(mu, softplus(logvar)) in a KL). The
scale may be an affine function a + b * g(s) of a named form g (a floor added, 0.1 + 0.9 * softplus(s)): the note
writes the coefficients, fitted on the entries of ``noise-1`` and then checked on every case.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_SQUASHED, _AS_STD, _GENERIC = "reparam_logvar_squashed", "reparam_logvar_as_std", "scale_wrong_function"

# (the function of s = logvar as the note writes it, what is wrong with it, the function, the mistake: an exercise's own
# entry or the generic one). The answer's scale may be a + b * form(s) (0.1 + 0.9 * softplus(logvar), a small floor added)
FORMS = (
    ("softplus(logvar)", "an activation on the log-variance, not exp(logvar / 2)", F.softplus, _SQUASHED),
    ("sqrt(softplus(logvar))", "an activation on the log-variance, not exp(logvar)", lambda s: F.softplus(s).sqrt(), _SQUASHED),
    ("sigmoid(logvar)", "an activation on the log-variance, not exp(logvar / 2)", torch.sigmoid, _SQUASHED),
    ("max(logvar, 0)", "a ReLU of the log-variance, not exp(logvar / 2)", F.relu, _SQUASHED),
    ("tanh(logvar)", "an activation on the log-variance, not exp(logvar / 2)", torch.tanh, _SQUASHED),
    ("logvar", "the exp is missing (sigma = exp(0.5 * logvar))", lambda s: s, _AS_STD),
    ("exp(logvar)^2", "sigma^4, the variance squared", lambda s: torch.exp(2.0 * s), _GENERIC),
    ("exp(-logvar)", "1 / sigma^2", lambda s: torch.exp(-s), _GENERIC),
    ("sqrt(|logvar|)", "a root of the log-variance, not of the variance exp(logvar)", lambda s: s.abs().sqrt(), _GENERIC),
    ("exp(|logvar| / 2)", "the sign of the log-variance dropped", lambda s: torch.exp(0.5 * s.abs()), _GENERIC),
    ("logvar^2", "a power of the log-variance, not its exp", torch.square, _GENERIC),
)


def _affine(scale: torch.Tensor, g: torch.Tensor) -> tuple[float, float] | None:
    """(a, b) with scale = a + b * g by least squares (b not 0), or None where g is constant on the entries."""
    x, y = g.flatten(), scale.flatten()
    if not bool(torch.isfinite(x).all()) or float(x.max() - x.min()) < 1e-9:
        return None
    design = torch.stack([torch.ones_like(x), x], dim=1)
    a, b = torch.linalg.lstsq(design, y[:, None]).solution.flatten().tolist()
    a, b = (0.0 if abs(a) <= 2e-6 else _round(a)), _round(b)
    return (a, b) if abs(b) > 1e-3 else None


def _round(v: float) -> float:
    """``v`` to three significant digits where that is within float32 rounding of it (the fit's noise), else as it is."""
    r = float(f"{v:.3g}")
    return r if abs(v - r) <= 1e-5 * (1 + abs(v)) else v


def _written(expr: str, a: float, b: float) -> str:
    text = expr if b == 1.0 else f"{b:.4g} * {expr}"
    return text if a == 0.0 else f"{a:.4g} {'+' if b > 0 else '-'} {text.lstrip('-')}"


def scale_function(exercise, student, reference, ordinary, tensor, close, Diagnosis, generic):
    """``Diagnosis`` naming the function of the log-variance the answer scales its noise by (module docstring), or None."""
    names = [p.split("=")[0] for p in exercise.params]
    logvar = next((i for i, kind in exercise.scale_args if kind == "log sigma^2"), None)
    by_name = {c.name: c for c in ordinary}
    if logvar is None:
        return None
    if "eps" not in names or not {"noise-0", "noise-1"} <= set(by_name):
        return _misread(exercise, student, reference, ordinary, logvar, tensor, close, Diagnosis, generic)
    eps_at = names.index("eps")
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    noise = by_name["noise-1"]
    got = [tensor(s_by[n]) if n in s_by else None for n in ("noise-0", "noise-1")]
    want = [tensor(r_by[n]) if n in r_by else None for n in ("noise-0", "noise-1")]
    if any(t is None for t in got + want) or got[0].shape != want[0].shape or got[1].shape != want[1].shape:
        return None
    if not close(got[0], want[0], noise):
        return None  # the location is wrong as well: the scale alone does not explain the answer
    scale, s = got[1] - got[0], noise.args[logvar].detach().double()
    mistakes = {m.name: m for m in exercise.mistakes}
    fits = []
    for expr, why, form, owner in FORMS:
        fit = _affine(scale, form(s)) if scale.shape == s.shape else None
        if fit is None:
            continue
        g = lambda t, form=form, a=fit[0], b=fit[1]: a + b * form(t)  # noqa: E731
        if not close(scale, g(s), noise, loose=10.0) or close(g(s), want[1] - want[0], noise, loose=10.0):
            continue
        if all(_explains(exercise, c, tensor(s_by[c.name]) if c.name in s_by else None, tensor(r_by[c.name]), g, logvar, eps_at, close) for c in ordinary):
            fits.append((f"{_written(expr, *fit)}: {why}", mistakes.get(owner) or generic[_GENERIC]))
    if len(fits) != 1:
        return None  # no form, or two that coincide on these cases: no name
    said, mistake = fits[0]
    note = f"On every case checked, your noise is scaled by {said}; the location (your output at eps = 0) is right."
    return Diagnosis(mistake, tuple(c.name for c in ordinary), note=note)


def _explains(exercise, case, got, ref, form, logvar, eps_at, close) -> bool:
    """True if ``got`` is the reference on ``case`` with its noise term rescaled from sigma(s) to form(s)."""
    if got is None or ref is None or eps_at >= len(case.args):
        return False
    args = [a.detach().double() if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in case.args]
    with torch.no_grad():
        loc = exercise.reference(*[torch.zeros_like(a) if i == eps_at else a for i, a in enumerate(args)])
        unit = exercise.reference(*[torch.ones_like(a) if i == eps_at else a for i, a in enumerate(args)])
        sigma = unit - loc
        if not bool((sigma.abs() > 1e-12).all()):
            return False
        expected = loc + (ref - loc) * form(args[logvar]) / sigma
    return got.shape == expected.shape and close(got, expected, case, loose=10.0)


_ROLES = (("standard deviation", lambda g: 2.0 * torch.log(g), "exp(logvar / 2)"), ("variance", torch.log, "exp(logvar)"))


def _misread(exercise, student, reference, ordinary, logvar, tensor, close, Diagnosis, generic):
    """Where no noise shows the scale (a KL): the answer is the reference with the log-variance argument s replaced by
    2 log g(s) (g(s) used as the standard deviation) or log g(s) (as the variance) for one named positive form g, on
    every ordinary case (and not the reference there)."""
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    mistakes = {m.name: m for m in exercise.mistakes}
    fits = []
    # exp of a multiple of s used as sigma or sigma^2 is the reference at a rescaled s: the wrong input, or a scale
    # parameter misread, which diagnose_inputs and the misreadings name
    for (expr, _, form, _), (role, to_logvar, right) in ((f, r) for f in FORMS for r in _ROLES if not f[0].startswith("exp(")):
        moved, ok = False, bool(ordinary)
        for c in ordinary:
            got, ref = (tensor(s_by[c.name]) if c.name in s_by else None), (tensor(r_by[c.name]) if c.name in r_by else None)
            args = [a.detach().double() if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in c.args]
            if got is None or ref is None or not isinstance(args[logvar], torch.Tensor):
                ok = False
                break
            g = form(args[logvar])
            if not bool((g > 1e-12).all()):
                ok = False
                break
            with torch.no_grad():
                want = exercise.reference(*[to_logvar(g) if i == logvar else a for i, a in enumerate(args)])
            want = torch.as_tensor(want, dtype=torch.float64)
            if want.shape != got.shape or not close(got, want, c, loose=10.0):
                ok = False
                break
            moved |= not close(want, ref, c, loose=10.0)
        if ok and moved:
            fits.append((f"{expr} used as the {role}, where {right} belongs", mistakes.get(_GENERIC) or generic[_GENERIC]))
    if not fits or len({m.name for _, m in fits}) != 1:
        return None  # forms that fit together say the same (sqrt(softplus) as sigma is softplus as sigma^2): the first is said
    said, mistake = fits[0]
    return Diagnosis(mistake, tuple(c.name for c in ordinary), note=f"On every case checked, your values are the right formula with {said}.")
