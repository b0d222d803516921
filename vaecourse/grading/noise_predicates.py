"""Predicates on the noise an answer draws or is given: whether the given eps decides the output, and what the draws of an eps=None call look like (spread, tails, layout).

A sampling case (``Case.expected_summary``) records a summary of the answer's draws: their mean, standard
deviation and excess kurtosis, and, where the case gives them, how the draws are laid out (the output has
mu's shape, rows equal to the row before, entries of a row all equal). Each predicate below holds only for
an answer that is right wherever the noise is given, so what it names is the drawn noise alone.
"""

from __future__ import annotations

from .compare import records_agree
from .observe import Case


def nondeterministic(student: list, reference: list, cases: list[Case]) -> bool:
    """Two calls with the same inputs (including the noise) give different results."""
    return any(s.get("deterministic") is False for s in student)


def _noise_layouts(student: list, reference: list, cases: list[Case]):
    """For an answer right wherever the noise is given: each sampling case's summary (numbers as listed in its
    ``expected_summary``: the draws' mean, std and excess kurtosis, then, where the case gives them, how the draws are
    laid out), the expected one and its tolerances; None if the answer is wrong elsewhere or a summary is missing."""
    by_name = {c.name: c for c in cases}
    if len(student) != len(reference):
        return None
    sampling = [(s, by_name[s["case"]]) for s in student if by_name[s["case"]].expected_summary is not None]
    others = [(s, r, by_name[s["case"]]) for s, r in zip(student, reference) if by_name[s["case"]].expected_summary is None]
    if not sampling or not all(records_agree(s, r, c, with_grads=False) for s, r, c in others):
        return None
    summaries = []
    for s, case in sampling:
        got = s.get("value", {}).get("items") if "raised" not in s else None
        n = len(case.expected_summary)
        if not got or len(got) != n or n < 3:
            return None
        atol = case.summary_atol if isinstance(case.summary_atol, tuple) else (case.summary_atol,) * n
        summaries.append((tuple(g.get("value") for g in got), case.expected_summary, atol))
    return summaries


def _noise_summaries(student: list, reference: list, cases: list[Case]):
    """``_noise_layouts``' (mean, std, excess kurtosis) of each sampling case, where the draws are laid out as they should
    be (mu's shape, no noise shared): only then do the moments describe the distribution of one draw."""
    layouts = _noise_layouts(student, reference, cases)
    if layouts is None or any(None in got[3:] or any(abs(g - e) > t for g, e, t in zip(got[3:], want[3:], atol[3:])) for got, want, atol in layouts):
        return None
    return [(got[:3], want[:3], atol[:3]) for got, want, atol in layouts]


def _noise_laid_out(which: int):
    """A predicate: right wherever the noise is given, and the drawn noise's layout says (which = 3) the output does not
    have mu's shape, (2) every draw is one value (std 0), (4) every row equals the row before, or (5) every row's entries
    are equal, the draws not all one value. Shared continuous noise makes these shares exactly 1; discrete noise (+-1)
    makes them about 1/2, and is not named here."""

    def holds(got) -> bool:
        if which == 3:
            return got[3] == 0.0
        if got[3] != 1.0 or got[1] is None or got[1] != got[1]:
            return False
        if which == 2:
            return got[1] <= 1e-12
        return got[1] > 1e-12 and got[which] >= 0.99

    def predicate(student: list, reference: list, cases: list[Case]) -> bool:
        layouts = _noise_layouts(student, reference, cases)
        return bool(layouts) and all(len(got) > 5 and None not in got[3:] and holds(got) for got, _, _ in layouts)

    predicate.__name__ = {2: "noise_one_value", 3: "noise_wrong_shape", 4: "noise_shared_by_batch", 5: "noise_shared_by_dims"}[which]
    return predicate


noise_one_value, noise_wrong_shape, noise_shared_by_batch, noise_shared_by_dims = (_noise_laid_out(i) for i in (2, 3, 4, 5))


def noise_not_standard_normal(student: list, reference: list, cases: list[Case]) -> bool:
    """Right wherever the noise is given; the draws have mu's shape and are not shared (not one value, not equal rows or
    entries throughout), and their moments or layout are not a standard normal's (what is left once the wrong spread and
    uniform noise are told apart: the catalogue lists this entry after theirs)."""
    layouts = _noise_layouts(student, reference, cases)
    independent = bool(layouts) and all(
        len(got) > 5 and None not in got and got[3] == 1.0 and got[1] > 1e-12 and max(got[4], got[5]) < 0.99 for got, _, _ in layouts
    )  # discrete draws (+-1) repeat values by chance, about half the time, and count here: their distribution is wrong
    return independent and any(any(abs(g - w) > t for g, w, t in zip(got, want, atol)) for got, want, atol in layouts)


def noise_misscaled(student: list, reference: list, cases: list[Case]) -> bool:
    """Right wherever the noise is given; the drawn noise has the right mean and shape of tails but the wrong spread."""
    summaries = _noise_summaries(student, reference, cases)
    if summaries is None:
        return False
    for (mean, std, kurt), (m0, s0, k0), atol in summaries:
        if None in (mean, std, kurt) or abs(mean - m0) > atol[0] or abs(kurt - k0) > atol[2] or abs(std - s0) <= atol[1]:
            return False
    return True


def noise_ignored(student: list, reference: list, cases: list[Case]) -> bool:
    """The given noise does not decide the output: two equal calls differ, or eps = 0 and eps = 1 give the same output.

    The second test uses the cases named ``noise-0`` and ``noise-1`` (the same other arguments, every
    noise value 0 or 1, the same seed for noise drawn anyway), where the reference's outputs differ.
    """
    if nondeterministic(student, reference, cases):
        return True
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    by_name = {c.name: c for c in cases}
    if not all(n in s_by and n in r_by for n in ("noise-0", "noise-1")):
        return False
    s0, s1, r0, r1 = s_by["noise-0"], s_by["noise-1"], r_by["noise-0"], r_by["noise-1"]
    if any("raised" in rec for rec in (s0, s1, r0, r1)):
        return False
    case = by_name["noise-1"]
    return records_agree(s0, s1, case, with_grads=False) and not records_agree(r0, r1, case, with_grads=False)


def drawn_moments(student: list, reference: list, cases: list[Case]) -> str:
    """What the draws of the call without noise measured, beside what standard-normal noise gives (the sampling case's
    expected summary); the spread is also said as a multiple of the right one. Empty where no summary was recorded."""
    layouts = _noise_layouts(student, reference, cases)
    if not layouts or any(None in got[:3] for got, _, _ in layouts):
        return ""
    (mean, std, kurt), (m0, s0, k0) = layouts[0][0][:3], layouts[0][1][:3]
    return (
        f"Measured on the samples of your call without eps: mean {mean:.2f}, standard deviation {std:.2f} and excess "
        f"kurtosis {kurt:.2f}; standard-normal noise would give {m0:.2f}, {s0:.2f} and {k0:.2f}, so your noise's spread "
        f"is {std / s0:.2f} times a standard normal's (excess kurtosis: 0 for a normal, -1.2 for a uniform, below 0 for "
        "noise cut off in the tails)."
    )


for _predicate in (noise_not_standard_normal, noise_misscaled):
    _predicate.measured = drawn_moments  # the note diagnose() adds when the predicate names the mistake


UNIFORM_EXCESS_KURTOSIS = -1.2  # of any uniform distribution, whatever its range


def noise_uniform(student: list, reference: list, cases: list[Case]) -> bool:
    """Right wherever the noise is given; the drawn noise has a uniform's excess kurtosis (-1.2), whatever its mean and spread."""
    summaries = _noise_summaries(student, reference, cases)
    if summaries is None:
        return False
    for (_, _, kurt), (_, _, k0), atol in summaries:
        if kurt is None or abs(kurt - UNIFORM_EXCESS_KURTOSIS) > atol[2] or abs(kurt - k0) <= atol[2]:
            return False
    return True
