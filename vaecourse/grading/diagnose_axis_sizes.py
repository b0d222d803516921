"""An IndexError 'Dimension out of range' whose bad index is an input's size: a size passed as dim= (dim=list(x.shape)[1:]).

torch reports the index it was given: "Dimension out of range (expected to be in range of [-2, 1], but
got 3)". When, on at least two cases whose sizes differ, that index is a size of one of the case's inputs
and the indices told differ, the answer passes sizes where axis indices belong (a constant wrong axis
would give the same index on every case). The reference raised nothing on these cases.
"""

from __future__ import annotations

import re

import torch

_OUT_OF_RANGE = re.compile(r"Dimension out of range \(expected to be in range of \[-?\d+, -?\d+\], but got (-?\d+)\)")


def size_as_axis(student: list, reference: list, ordinary: list, generic: dict, diagnosis):
    """A Diagnosis of the generic ``size_passed_as_axis`` entry, or None (see the module docstring)."""
    r_by = {r["case"]: r for r in reference}
    decided, told = [], set()
    for s in student:
        case = next((c for c in ordinary if c.name == s["case"]), None)
        raised = s.get("raised") or {}
        if case is None or raised.get("error_type") != "IndexError" or "raised" in r_by.get(s["case"], {}):
            continue
        found = _OUT_OF_RANGE.search(raised.get("error_message", ""))
        sizes = {n for a in case.args if isinstance(a, torch.Tensor) for n in a.shape}
        if not found or int(found.group(1)) not in sizes:
            return None
        decided.append(case.name)
        told.add(int(found.group(1)))
    if len(decided) < 2 or len(told) < 2:
        return None
    asked = ", ".join(str(t) for t in sorted(told)[:-1]) + f" and {max(told)}"
    note = f"On these cases torch was asked for axis {asked}: each is the size of one of your inputs' axes, not an axis index."
    return diagnosis(generic["size_passed_as_axis"], tuple(decided), note=note)
