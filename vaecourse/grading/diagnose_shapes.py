"""Name a (B, B) answer whose diagonal is the (B,) answer due: a (B, 1) part broadcast against a (B,) part.

``max_w`` kept as (B, 1) by ``keepdim=True`` plus a log-mean reduced to (B,) gives a matrix whose entry
(i, j) mixes example i's part with example j's; its diagonal (i, i) is the right value of example i.
The signature is sound only on cases with B > 1 whose off-diagonal entries differ from the diagonal
(a matrix with every row equal to the answer would be another mistake), so both are required. A
diagonal that matches one catalogued variant instead of the reference names that variant too.
"""

from __future__ import annotations

import torch


def broadcast_square(student, reference, ordinary, variant_records, tensor, close, diagnosis, generic) -> object | None:
    """The ``broadcast_to_square`` diagnosis if every ordinary case's answer is (B, B) with the due (B,) on its diagonal."""
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    pairs = {}
    for case in ordinary:
        got, want = tensor(s_by.get(case.name, {})), tensor(r_by.get(case.name, {}))
        if got is None or want is None or want.dim() != 1 or tuple(got.shape) != (want.shape[0], want.shape[0]):
            return None
        pairs[case.name] = (case, got, want)
    if not pairs or not any(want.shape[0] > 1 for _, _, want in pairs.values()):
        return None
    diagonal = {n: torch.diagonal(got) for n, (_, got, _) in pairs.items()}
    mixes = any(  # entry (i, j) depends on both i and j: neither every row nor every column is the same
        not torch.allclose(got, got[:1].expand_as(got)) and not torch.allclose(got, got[:, :1].expand_as(got))
        for _, got, _ in pairs.values()
        if got.shape[0] > 1 and bool(torch.isfinite(got).all())
    )
    if not mixes:
        return None  # every row the same: not an example-by-example mix
    decided = tuple(pairs)
    if all(close(diagonal[n], want, case) for n, (case, _, want) in pairs.items()):
        return diagnosis(generic["broadcast_to_square"], decided, note="Its diagonal holds the expected values on every case checked.")
    for mistake, records in variant_records:
        v_by = {r["case"]: r for r in records}
        values = {n: tensor(v_by.get(n, {})) for n in pairs}
        if all(v is not None and v.shape == diagonal[n].shape and close(diagonal[n], v, pairs[n][0]) for n, v in values.items()):
            note = f"Its diagonal shows a second mistake as well: {mistake.title}."
            return diagnosis(generic["broadcast_to_square"], decided, note=note)
    return None
