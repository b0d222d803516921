"""Name an answer that turns a tensor of several values into one Python number: .item(), float(), int() or a math.* function.

torch refuses with "a Tensor with N elements cannot be converted to Scalar" (``.item()``) or "only one
element tensors can be converted to Python scalars" (``float``, ``int``, and ``math.exp`` and its kin,
which call ``float``). When those are the only errors the answer raises, on cases where the reference
raised nothing, the answer converts a per-example result to a number: the mistake is the conversion,
whatever comes before it. The line torch stopped at says which conversion it was (.item() first: math.log(K) on a number is fine).
"""

from __future__ import annotations

import re

_TO_NUMBER = re.compile(r"a Tensor with \d+ elements cannot be converted to Scalar|only one element tensors can be converted to Python scalars")
_CALLS = ((re.compile(r"\.item\(\)"), ".item()"), (re.compile(r"\bmath\.\w+\("), "a math.* function"), (re.compile(r"\b(float|int)\("), "float() or int()"))


def to_python_number(student: list, reference: list, ordinary: list, generic: dict, diagnosis):
    """A Diagnosis of the generic ``tensor_to_python_number`` entry, or None (see the module docstring)."""
    r_by = {r["case"]: r for r in reference}
    names = {c.name for c in ordinary}
    decided, calls = [], set()
    for s in student:
        if s["case"] not in names or "raised" not in s:
            continue
        raised = s["raised"]
        if not _TO_NUMBER.search(raised.get("error_message", "")) or "raised" in r_by.get(s["case"], {}):
            return None  # another error, or a case where raising is right: not this mistake alone
        decided.append(s["case"])
        line = raised.get("error_line") or ""
        calls.add(next((said for pattern, said in _CALLS if pattern.search(line)), ""))  # the first conversion the line shows
    if not decided:
        return None
    shown = sorted(calls - {""})
    where = f" ({' or '.join(shown)} in the line torch stopped at)" if shown else ""
    note = f"On these cases your code turned a tensor of several values into one Python number{where}, which torch refuses."
    return diagnosis(generic["tensor_to_python_number"], tuple(decided), note=note)
