"""An output that differs from the expected shape only by axes of size 1 ((B, 1) for (B,), keepdim=True): read its values as they are.

``keepdim=True``, ``.view(-1, 1)`` or ``[:, None]`` give the right number of values in an extra axis of
size 1. Such an answer is wrong twice over only if its values are wrong too; the values are then
diagnosed in the expected shape (the same numbers in the same order, since only axes of size 1 are
dropped or added), and the note says the shape. Sound because squeezing size-1 axes neither reorders
nor changes a value; a transposed or otherwise reshaped output is not read this way.
"""

from __future__ import annotations

import torch


def _squeezed(shape) -> list[int]:
    return [n for n in shape if n != 1]


def unit_axes(student: list, reference: list, ordinary: list) -> tuple[list, str] | None:
    """(the student's records reshaped to the expected shapes, a note on the shape), or None where it does not apply."""
    names = {c.name for c in ordinary}
    r_by = {r["case"]: r for r in reference}
    out, first = [], None
    for s in student:
        r = r_by.get(s["case"])
        if s["case"] not in names or r is None or "raised" in r or r["value"].get("kind") != "tensor":
            out.append(s)
            continue
        got, want = s.get("value", {}), r["value"]
        if "raised" in s or got.get("kind") != "tensor" or got.get("data") is None or _squeezed(got["shape"]) != _squeezed(want["shape"]):
            return None
        if got["shape"] != want["shape"]:
            first = first or (s["case"], got["shape"], want["shape"])
            data = torch.tensor(got["data"], dtype=torch.float64).reshape(want["shape"]).tolist()
            s = s | {"value": got | {"shape": list(want["shape"]), "data": data}}
        out.append(s)
    if first is None:
        return None
    _, got_shape, want_shape = first
    note = (
        f"Your output also has shape {tuple(got_shape)} where {tuple(want_shape)} is due (an extra axis of size 1: "
        "keepdim=True, view(-1, 1) or [:, None]?); the values were read in the expected shape."
    )
    return out, note
