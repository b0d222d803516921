"""Name the shape slip behind an error torch raised in the answer: too many indices, an axis the tensor lacks, shapes that do not broadcast, a matrix product whose sizes do not agree.

Each is recognised from torch's own message, so the name says no more than torch proved: the line it
stopped at indexed more axes than the tensor has, asked for a dim outside -n..n-1, combined two sizes
element by element that are neither equal nor 1, or multiplied matrices whose inner sizes differ. It
fires only when every error the answer raises on the ordinary cases is the same one of these, on cases
where the reference raised nothing. The note quotes torch's sizes; what the line shows adds one
more fact where it is certain (``None:`` inside an index is a slice, not a new axis).
"""

from __future__ import annotations

import re

_NONE_SLICE = re.compile(r"\[[^\]]*\bNone\s*:")
_MATMUL = re.compile(r"@|\b(matmul|mm|bmm|dot|mv|einsum)\(")
KINDS = (  # (torch's message, catalogue entry, what the note says torch refused: {groups} from the message)
    (re.compile(r"too many indices for tensor of dimension (\d+)"), "indexed_too_many_axes",
     "your index names more axes than the tensor has ({0})"),
    (re.compile(r"Dimension out of range \(expected to be in range of \[(-?\d+), (-?\d+)\], but got (-?\d+)\)"),
     "axis_out_of_range", "a dim of {2} was asked of a tensor whose dims run from {0} to {1}"),
    (re.compile(r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)"),
     "shapes_do_not_broadcast", "a size {0} met a size {1} (axis {2} counted from the left of the broadcast shape)"),
    (re.compile(r"mat1 and mat2 shapes cannot be multiplied \(([^)]*)\)|1D tensors expected, but got (\w+) and (\w+) tensors"
                r"|inconsistent tensor size|size mismatch"), "matrix_product_shapes", "a matrix product's inner sizes differ"),
)


def shape_error(student: list, reference: list, ordinary: list, generic: dict, diagnosis):
    """A Diagnosis of the entry whose message every error of the answer shows, or None (see the module docstring)."""
    r_by = {r["case"]: r for r in reference}
    names = {c.name for c in ordinary}
    decided, kinds, lines, said = [], set(), set(), ""
    for s in student:
        if s["case"] not in names or "raised" not in s:
            continue
        message = s["raised"].get("error_message", "")
        found = next(((pattern.search(message), name, text) for pattern, name, text in KINDS if pattern.search(message)), None)
        if found is None or "raised" in r_by.get(s["case"], {}):
            return None  # another error, or a case where raising is right: not this slip alone
        match, name, text = found
        kinds.add(name)
        decided.append(s["case"])
        lines.add(s["raised"].get("error_line") or "")
        said = said or text.format(*(g or "" for g in match.groups()))
    if len(kinds) != 1:
        return None
    (name,) = kinds
    if name == "matrix_product_shapes" and not any(_MATMUL.search(line) for line in lines):
        return None  # the message alone does not show which call multiplied matrices
    note = f"On these cases torch stopped your code: {said}."
    if name == "indexed_too_many_axes" and any(_NONE_SLICE.search(line) for line in lines):
        note += " Your line writes `None:` inside the index: that is a slice (from None to the end), not a new axis; [:, None] adds an axis."
    return diagnosis(generic[name], tuple(decided), note=note)
