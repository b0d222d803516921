"""Probe a function on test cases and record what it does as plain data (run inside the sandbox).

The same :func:`observe` runs the learner's answer (in the forked child), the hidden reference and
each known-mistake implementation (in the parent), so their records can be compared field by field.
A record says, per case: the value returned (encoded by :func:`encode`), or the exception raised;
whether any input was modified in place; the gradients reaching the inputs that need them; and,
for cases marked ``repeat``, whether a second call gives the same result.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import torch

from .sandbox import describe_exception

MAX_ENCODED_ELEMENTS = 4096  # larger outputs are described by shape only
# The tightest relative tolerance a case may use. The graded functions run in float32 training, whose own
# arithmetic is good to about 1e-7 relative; a difference below 1e-6 (10 float32 roundings) cannot change what
# training does, and is what correct answers differ by: a 1e-8 guard in a log or on a standard deviation, a
# variance clamped at 1e-8, a constant such as log K rounded to float32, another order of the same sums. Every
# catalogued mistake moves some value by far more (tests/test_correct_answers.py and tests/realbugs check both).
MIN_RTOL = 1e-6


@dataclass(frozen=True)
class Case:
    """One probe: positional arguments for the function plus what the check should look at.

    Attributes:
        name: short id used in records, e.g. ``"fixed-1"``.
        kind: ``fixed`` (seeded, same every time), ``random`` (drawn from the check's seed),
            ``stability`` (extreme but valid inputs), ``gradient``, ``sampling`` or ``invalid``.
        args: positional arguments; tensors are cloned before every call.
        describe: learner-facing description without values, e.g. ``"a batch of 4 examples, 3 latent dims"``.
        grad_args: positions of the arguments that must receive gradients.
        repeat: call twice and record whether the two results are identical.
        summary: for ``sampling`` cases, maps the output to a few numbers (e.g. its mean and std).
        expected_summary / summary_atol: what those numbers should be, and the tolerance (from the
            standard error; one number, or one per summary number), compared instead of the
            reference's own random output.
        rtol / atol: tolerances for comparing values with the reference (``rtol`` at least
            :data:`MIN_RTOL`; gradients also get an absolute tolerance of ``MIN_RTOL`` times the largest
            entry of the reference's gradient, since rounding scales with the largest term).
        rng_seed: if set, torch's global generator is seeded with it for the call (and restored
            afterwards), so a function that draws its own noise draws the same noise every time.
        raises: for ``invalid`` cases (input the function must refuse, e.g. pixel values in
            [0, 255] for a Bernoulli likelihood), the name of the exception expected, e.g.
            ``"ValueError"``; the reference raises it, and so must the answer.
    """

    name: str
    kind: str
    args: tuple
    describe: str
    grad_args: tuple[int, ...] = ()
    repeat: bool = False
    summary: Callable[[Any], Any] | None = None
    expected_summary: tuple[float, ...] | None = None
    summary_atol: float | tuple[float, ...] = 0.0
    rtol: float = 1e-4
    atol: float = 1e-5
    rng_seed: int | None = None
    raises: str | None = None

    def __post_init__(self):
        assert self.rtol >= MIN_RTOL, f"case {self.name}: rtol {self.rtol} is below MIN_RTOL ({MIN_RTOL})"


# what an input changed in place became, for the learner's message: (words with {x} for the input's name, the op)
_IN_PLACE = (
    ("exp({x})", torch.exp, "exp_()"),
    ("{x}^2", torch.square, "pow_(2) or mul_ of itself"),
    ("-{x}", torch.neg, "neg_() or mul_(-1)"),
    ("{x} / 2", lambda t: 0.5 * t, "mul_(0.5)"),
    ("sqrt({x})", torch.sqrt, "sqrt_()"),
)


# the only readings a record may carry: the sandbox's records are data from untrusted code, checked against these
IN_PLACE_READINGS = frozenset(f"{words} (an in-place {op})" for words, _, op in _IN_PLACE)


def _changed_to(after: torch.Tensor, before: torch.Tensor) -> str | None:
    """How an input changed in place reads, e.g. "exp({x}) (an in-place exp_())", where it is one known map of the input."""
    if not (after.is_floating_point() and before.is_floating_point()) or after.shape != before.shape:
        return None
    for words, fn, op in _IN_PLACE:
        if bool(torch.allclose(after, fn(before), rtol=1e-5, atol=1e-7)):
            return f"{words} (an in-place {op})"
    return None


def _fresh(args: tuple) -> tuple:
    return tuple(a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args)


def encode(value: Any, depth: int = 0) -> dict:
    """Describe ``value`` as JSON-ready data: kind, and shape/dtype/data for tensors and arrays."""
    if isinstance(value, torch.Tensor):
        data = None
        if value.numel() <= MAX_ENCODED_ELEMENTS:
            plain = value.detach().cpu()
            data = plain.tolist() if not plain.is_complex() else None
        return {
            "kind": "tensor",
            "shape": list(value.shape),
            "dtype": str(value.dtype).replace("torch.", ""),
            "data": data,
        }
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return {"kind": "number", "value": float(value), "type": type(value).__name__}
    if isinstance(value, numbers.Integral):
        return {"kind": "number", "value": float(int(value)), "type": type(value).__name__}
    if isinstance(value, str):
        return {"kind": "str", "value": value[:200]}
    if isinstance(value, (tuple, list, set, frozenset)) and depth < 2:
        items = list(value)[:32] if not isinstance(value, (set, frozenset)) else sorted(map(str, value))[:32]
        return {"kind": "sequence", "type": type(value).__name__, "items": [encode(v, depth + 1) for v in items]}
    try:
        import numpy

        if isinstance(value, numpy.ndarray) and value.dtype.kind in "biuf":
            return {"kind": "array", **{k: v for k, v in encode(torch.as_tensor(value)).items() if k != "kind"}}
    except ImportError:  # pragma: no cover - numpy ships with torch's dependencies here
        pass
    return {"kind": "other", "type": type(value).__name__[:80]}


def _grad_weights(output: torch.Tensor) -> torch.Tensor:
    """Fixed, distinct weights so that ``(output * w).sum()`` tells gradients of different entries apart."""
    n = output.numel()
    weights = torch.linspace(0.5, 1.5, n, dtype=output.dtype, device=output.device) if n else output.detach()
    return weights.reshape(output.shape)


def _gradients(output: Any, args: tuple, case: Case) -> dict:
    """Backpropagate from the output; record each required argument's gradient (or why there is none)."""
    if not isinstance(output, torch.Tensor) or not output.is_floating_point():
        return {"grads": None, "grad_note": "no tensor output"}
    if not output.requires_grad:
        return {"grads": [None for _ in case.grad_args], "grad_note": "output not connected to the inputs"}
    try:
        (output * _grad_weights(output)).sum().backward()
    except Exception as exc:  # noqa: BLE001 - a broken graph is the learner's, report it
        return {"grads": [None for _ in case.grad_args], "grad_note": describe_exception(exc)["error_message"]}
    return {"grads": [None if args[i].grad is None else encode(args[i].grad) for i in case.grad_args]}


def observe_case(fn: Callable, case: Case) -> dict:
    """Call ``fn(*case.args)`` once on fresh copies and record the result as plain data."""
    args = _fresh(case.args)
    pristine = _fresh(args)
    for i in case.grad_args:
        args[i].requires_grad_(True)
    # The function gets copies of the leaves (so an in-place change is recorded, not refused by autograd);
    # the gradients arrive at the leaves in ``args``.
    call = tuple(a.clone() if i in case.grad_args else a for i, a in enumerate(args))
    record: dict = {"case": case.name}
    try:
        if case.rng_seed is None:
            output = fn(*call)
        else:
            with torch.random.fork_rng(devices=[]):
                # the CPU generator, the one fork_rng restores (torch.manual_seed would also queue a seed for
                # every accelerator, and on a machine without one record a stack trace each time: slow)
                torch.default_generator.manual_seed(case.rng_seed)
                output = fn(*call)
    except Exception as exc:  # noqa: BLE001 - anything the learner's code raises is a finding
        record["raised"] = describe_exception(exc)
        return record
    record["mutated"] = [
        i
        for i, (a, p) in enumerate(zip(call, pristine))
        if isinstance(a, torch.Tensor) and not torch.equal(a.detach(), p)
    ]
    record["mutated_as"] = [[i, how] for i in record["mutated"] if (how := _changed_to(call[i].detach(), pristine[i]))]
    if case.summary is not None:
        try:
            record["value"] = encode(case.summary(output))
        except Exception:  # noqa: BLE001 - the output could not be summarised: wrong type or shape
            record["value"] = encode(output) | {"data": None}
            record["summary_failed"] = True
    else:
        record["value"] = encode(output)
    if case.grad_args:
        record.update(_gradients(output, args, case))
    if case.repeat:
        try:
            again = fn(*_fresh(case.args))
            record["deterministic"] = json.dumps(encode(again)) == json.dumps(encode(output))  # NaN equals NaN here
        except Exception:  # noqa: BLE001
            record["deterministic"] = False
    return record


def observe(fn: Callable, cases: list[Case]) -> list[dict]:
    """Records for every case; stops early once the function raises NotImplementedError (a stub)."""
    records = []
    for case in cases:
        record = observe_case(fn, case)
        records.append(record)
        if record.get("raised", {}).get("error_type") == "NotImplementedError":
            break
    return records


def observe_value(value: Any) -> dict:
    """Record a computed answer (a number, tensor, tuple or string) as plain data."""
    return encode(value)


def as_floats(encoded: dict) -> list[float] | None:
    """The numbers in an encoded value, flattened, or None if it holds anything else.

    A number, a tensor or array of any shape, or a (nested) sequence of those all qualify, so a
    learner may answer ``3.125``, ``torch.tensor(3.125)`` or ``(2.6, -1.04)`` as they like.
    """
    kind = encoded.get("kind")
    if kind == "number":
        return [encoded["value"]]
    if kind in ("tensor", "array"):
        data = encoded.get("data")
        if data is None or encoded.get("dtype") in ("bool",):
            return None
        flat: list = []
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            else:
                flat.append(float(item))
        return flat
    if kind == "sequence":
        out: list[float] = []
        for item in encoded["items"]:
            numbers_ = as_floats(item)
            if numbers_ is None:
                return None
            out.extend(numbers_)
        return out
    return None


def is_finite_list(values: list[float]) -> bool:
    return all(math.isfinite(v) for v in values)
