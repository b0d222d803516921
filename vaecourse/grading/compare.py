"""Compare a learner's records with the reference's, and say what the first difference is.

:func:`values_agree` decides whether two encoded values are the same answer (used both to pass an
answer and to match it with a known mistake). :func:`first_difference` walks the staged checks in
order — raised? type? shape? dtype? finite? values? gradients? — and returns a :class:`Difference`
whose message never contains the reference's values or the hidden inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .observe import MIN_RTOL, Case, as_floats


@dataclass(frozen=True)
class Difference:
    """Why a record differs from the reference: a stage code, the case, and a learner-facing message."""

    code: str  # raised | no_error | type | shape | dtype | nonfinite | values | summary | grad | nondeterministic
    case: str
    message: str


def _tensor(encoded: dict) -> torch.Tensor | None:
    data = encoded.get("data")
    if data is None:
        return None
    return torch.tensor(data, dtype=torch.float64).reshape(encoded["shape"])


def numbers_close(a: list[float], b: list[float], rtol: float, atol: float | tuple[float, ...]) -> bool:
    """Elementwise closeness; NaN matches NaN and an infinity matches the same infinity.

    ``atol`` is one tolerance for every number, or one per number (a sampling case's summary holds
    statistics with different standard errors, e.g. a mean and a kurtosis).
    """
    if len(a) != len(b):
        return False
    atols = tuple(atol) if isinstance(atol, (tuple, list)) else (atol,) * len(a)
    if len(atols) != len(a):
        return False
    for x, y, atol in zip(a, b, atols):
        if math.isnan(x) or math.isnan(y):
            if not (math.isnan(x) and math.isnan(y)):
                return False
        elif math.isinf(x) or math.isinf(y):
            if x != y:
                return False
        elif abs(x - y) > atol + rtol * abs(y):
            return False
    return True


def values_agree(
    got: dict, want: dict, rtol: float, atol: float | tuple[float, ...], check_dtype: bool = False
) -> bool:
    """True if ``got`` holds the same answer as ``want`` (the authority: reference or mistake).

    When ``want`` is a tensor, ``got`` must be a tensor of exactly that shape (and dtype, if asked);
    otherwise numbers are compared however they are packaged (a float, a 0-d tensor, a tuple).
    """
    if want.get("kind") == "tensor":
        if got.get("kind") != "tensor" or got["shape"] != want["shape"]:
            return False
        if (check_dtype and got["dtype"] != want["dtype"]) or (got["dtype"] == "bool") != (want["dtype"] == "bool"):
            return False
        tg, tw = _tensor(got), _tensor(want)
        if tg is None or tw is None:
            return tg is None and tw is None
        return numbers_close(tg.flatten().tolist(), tw.flatten().tolist(), rtol, atol)
    fg, fw = as_floats(got), as_floats(want)
    if fg is None or fw is None:
        return got == want
    return numbers_close(fg, fw, rtol, atol)


def _tolerances(case: Case) -> tuple[float, float | tuple[float, ...]]:
    return (0.0, case.summary_atol) if case.expected_summary is not None else (case.rtol, case.atol)


def records_agree(student: dict, other: dict, case: Case, *, with_grads: bool = True) -> bool:
    """True if two records of the same case show the same behaviour.

    Both raised the same exception type, or both returned agreeing values (and, where the case
    needs them and ``with_grads``, agreeing gradients). Sampling cases compare their summaries
    within the Monte Carlo tolerance, since two random draws never agree exactly.
    """
    if "raised" in student or "raised" in other:
        both = "raised" in student and "raised" in other
        return both and student["raised"]["error_type"] == other["raised"]["error_type"]
    rtol, atol = _tolerances(case)
    if not values_agree(student["value"], other["value"], rtol, atol):
        return False
    if with_grads and case.grad_args and case.expected_summary is None:
        grads_s, grads_o = (
            student.get("grads") or [None] * len(case.grad_args),
            other.get("grads") or [None] * len(case.grad_args),
        )
        for gs, go in zip(grads_s, grads_o):
            if (gs is None) != (go is None):
                return False
            if gs is not None and not values_agree(gs, go, case.rtol, _gradient_atol(go, case)):
                return False
    return True


def _gradient_atol(want: dict, case: Case) -> float:
    """The case's absolute tolerance, or MIN_RTOL times the gradient's largest finite entry if that is larger.

    A gradient's entries come from sums whose rounding scales with their largest terms, so an entry near 0 (the
    KL's d/d logvar = (sigma^2 - 1) / 2 where logvar is near 0) differs by about MIN_RTOL times the gradient's
    scale in a correct answer, not by MIN_RTOL times itself.
    """
    finite = [abs(v) for v in _flat(want.get("data")) if math.isfinite(v)]
    return max(case.atol, MIN_RTOL * max(finite, default=0.0))


def _flat(data) -> list[float]:
    if data is None:
        return []
    if not isinstance(data, list):
        return [float(data)]
    return [x for item in data for x in _flat(item)]


def gradient_missing(got: dict | None, want: dict | None) -> bool:
    """True if the reference's gradient is non-zero but the answer's is absent or all zeros (a cut graph)."""
    wanted = _flat(want.get("data")) if want else []
    if not any(v != 0 for v in wanted):  # a zero reference gradient cannot tell a cut one apart
        return False
    return got is None or not any(v != 0 for v in _flat(got.get("data")))


def describe_value(encoded: dict) -> str:
    kind = encoded.get("kind")
    if kind == "tensor":
        return f"a tensor of shape {tuple(encoded['shape'])} and dtype {encoded['dtype']}"
    if kind == "array":
        return f"a NumPy array of shape {tuple(encoded['shape'])}"
    if kind == "number":
        return f"a {encoded.get('type', 'number')}"
    if kind == "none":
        return "None (did you forget a `return`?)"
    if kind == "sequence":
        return f"a {encoded.get('type', 'sequence')} of {len(encoded['items'])} items"
    return f"an object of type {encoded.get('type', kind)}"


def _ratio_hint(student: torch.Tensor, reference: torch.Tensor) -> str:
    """A hint when the answer is off by a constant factor or offset (reveals no expected value)."""
    s, r = student.flatten(), reference.flatten()
    mask = r.abs() > 1e-6
    if mask.sum() >= 2:
        ratios = s[mask] / r[mask]
        if torch.allclose(ratios, ratios[0].expand_as(ratios), rtol=1e-3) and abs(ratios[0].item() - 1) > 1e-3:
            return f" Every value is {ratios[0].item():.4g} times the expected one: look for a missing or extra factor."
    offsets = s - r
    if offsets.numel() >= 2 and abs(offsets[0].item()) > 1e-3 and torch.allclose(offsets, offsets[0].expand_as(offsets), atol=1e-4, rtol=0):
        return " Every value is off by the same constant: look for a missing or extra constant term."
    return ""


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised and the rest kept (``str.capitalize`` lowercases "B = 1")."""
    return text[:1].upper() + text[1:]


def first_difference(student: list[dict], reference: list[dict], cases: list[Case]) -> Difference | None:
    """The first stage at which the learner's records depart from the reference's, or None if none."""
    by_name = {c.name: c for c in cases}
    for rec, ref in zip(student, reference):
        case = by_name[rec["case"]]
        where = f"on {case.describe}"
        if case.raises is not None:  # invalid input: the only right answer is the named exception
            if rec.get("raised", {}).get("error_type") == case.raises:
                continue
            if "raised" in rec:
                err = rec["raised"]
                return Difference(
                    "raised",
                    case.name,
                    f"Your code raised {err['error_type']} {where}: {err['error_message']}. Such input is invalid, "
                    f"and the expected error is a {case.raises} whose message says which values are wrong.",
                )
            return Difference(
                "no_error",
                case.name,
                f"{_sentence(where)} your function returned {describe_value(rec['value'])} without complaint. "
                f"Such input is invalid: raise a {case.raises} that says which values are wrong and what is expected.",
            )
        if "raised" in rec:
            err = rec["raised"]
            at = f" ({err['error_line']})" if err.get("error_line") else ""
            return Difference(
                "raised", case.name, f"Your code raised {err['error_type']}{at} {where}: {err['error_message']}"
            )
        got, want = rec["value"], ref["value"]
        if case.expected_summary is not None:
            floats = as_floats(got)
            if rec.get("summary_failed") or floats is None or len(floats) != len(case.expected_summary):
                return Difference(
                    "summary",
                    case.name,
                    f"{_sentence(where)} your function returned {describe_value(got)}, which is not the expected kind of output.",
                )
            if not numbers_close(floats, list(case.expected_summary), 0.0, case.summary_atol):
                return Difference(
                    "summary",
                    case.name,
                    f"{_sentence(where)}, the samples do not have the distribution they should (their mean, spread or shape is off by more than the Monte Carlo error allows).",
                )
            got_grads = rec.get("grads") or [None] * len(case.grad_args)
            want_grads = ref.get("grads") or [None] * len(case.grad_args)
            if case.grad_args and any(gradient_missing(g, w) for g, w in zip(got_grads, want_grads)):
                return Difference(
                    "grad",
                    case.name,
                    f"{_sentence(where)} the samples do not pass gradients back to the inputs: the noise must enter as z = mu + sigma * eps.",
                )
            continue
        if want["kind"] == "tensor":
            if got["kind"] != "tensor":
                return Difference(
                    "type",
                    case.name,
                    f"{_sentence(where)} your function returned {describe_value(got)}; a torch.Tensor is expected.",
                )
            if got["shape"] != want["shape"]:
                return Difference(
                    "shape",
                    case.name,
                    f"{_sentence(where)} your function returned shape {tuple(got['shape'])}; the expected shape is {tuple(want['shape'])}.",
                )
            if got["dtype"] != want["dtype"]:
                return Difference(
                    "dtype",
                    case.name,
                    f"{_sentence(where)} your function returned dtype {got['dtype']}; the inputs' dtype {want['dtype']} should be kept.",
                )
        elif as_floats(want) is not None and as_floats(got) is None:
            return Difference(
                "type",
                case.name,
                f"{_sentence(where)} your function returned {describe_value(got)}; a number (or numbers) is expected.",
            )
        gf, wf = as_floats(got), as_floats(want)
        if gf is not None and wf is not None and all(map(math.isfinite, wf)) and not all(map(math.isfinite, gf)):
            kind = "extreme (but valid) inputs" if case.kind == "stability" else "these inputs"
            return Difference(
                "nonfinite",
                case.name,
                f"{_sentence(where)} your function returned NaN or infinity, but the true values are finite for {kind}.",
            )
        if not values_agree(got, want, case.rtol, case.atol):
            hint = ""
            if got.get("kind") == "tensor" and got.get("data") is not None and want.get("data") is not None:
                tg, tw = torch.tensor(gf, dtype=torch.float64), torch.tensor(wf, dtype=torch.float64)
                if tg.shape == tw.shape and bool(((tg - tw).abs() <= 100 * (case.atol + case.rtol * tw.abs())).all()):
                    hint = (f" They are within {float((tg - tw).abs().max()):.1g} of the exact ones: the formula looks right, "
                            "but the arithmetic differs slightly (a small constant added inside a log or a division, a "
                            "clamp, or float32 arithmetic where the inputs are float64).")
                else:
                    hint = _ratio_hint(tg, tw)
            return Difference("values", case.name, f"{_sentence(where)} your values are not correct.{hint}")
        if case.repeat and rec.get("deterministic") is False:
            return Difference(
                "nondeterministic",
                case.name,
                f"{_sentence(where)} two calls with the same inputs gave different results; the given noise should be the only randomness.",
            )
        if case.grad_args and not records_agree(rec, ref, case):
            return Difference(
                "grad",
                case.name,
                f"{_sentence(where)} the values are right but the gradients reaching the inputs differ from the exact "
                "formula's: part of the computation is cut from the graph (.detach(), .data, a NumPy round-trip) or "
                "changes the derivative (a clamp, or a small constant added inside a log).",
            )
    if len(student) < len(reference):  # the record stopped early: only after NotImplementedError
        return Difference("raised", reference[len(student)]["case"], "Your code stopped before every case was checked.")
    return None
