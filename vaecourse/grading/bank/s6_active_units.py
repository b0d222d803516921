"""Session 6: counting active latent units (Burda et al., 2016): the reference, its cases and the mistakes it names."""

from __future__ import annotations

import torch

from ..exercise import FunctionExercise, Mistake
from ..observe import Case, as_floats
from . import _draw

# --- active units -------------------------------------------------------------------------------


def _active_units_reference(mu, threshold=0.01):
    # the population variance, as training.diagnostics.active_units (a test checks they agree)
    return int((mu.var(dim=0, unbiased=False) > threshold).sum())


def _columns_with_variances(g, n: int, variances, means) -> torch.Tensor:
    """``n`` encoder means whose columns have exactly the given sample variances and means."""
    raw = _draw.normal(g, n, len(variances), dtype=torch.float64)
    raw = (raw - raw.mean(0)) / raw.std(0)  # each column: mean 0, variance 1
    out = raw * torch.tensor(variances, dtype=torch.float64).sqrt() + torch.tensor(means, dtype=torch.float64)
    return out.float()  # (N, D)


def _au_cases(seed: int) -> list[Case]:
    g = _draw.generator(6001)
    # variances well away from the thresholds used (0.01 and 0.5), so no rounding can flip a unit
    mu = _columns_with_variances(g, 50, [1.0, 1e-3, 0.3, 0.0, 2.5, 5e-5], [0.0, 0.5, 0.0, 2.0, 0.0, 0.0])
    cases = [
        Case("fixed-1", "fixed", (mu,), "50 fixed encoder means with 6 latent dimensions"),
        Case("fixed-threshold", "fixed", (mu, 0.5), "the same 50 means with a threshold other than the default"),
    ]
    g = _draw.generator(seed)
    n, d = _draw.integer(g, 20, 60), _draw.integer(g, 3, 10)
    active = _draw.bernoulli(g, d, p=0.5, dtype=torch.bool)
    high, low = _draw.uniform(g, d, low=0.05, high=3.0), _draw.uniform(g, d, low=1e-6, high=2e-3)
    mu = _columns_with_variances(g, n, torch.where(active, high, low).tolist(), _draw.normal(g, d).tolist())
    cases.append(Case("random-1", "random", (mu,), f"{n} random encoder means with {d} latent dimensions"))
    return cases


def _flat(rec: dict) -> list[float] | None:
    """The record's numbers flattened, booleans as 0 / 1 (a mask), or None."""
    value = rec.get("value") if "raised" not in rec else None
    if not value:
        return None
    if value.get("kind") in ("tensor", "array") and value.get("dtype") == "bool" and value.get("data") is not None:
        return [float(v) for v in torch.tensor(value["data"]).flatten().tolist()]
    if value.get("kind") == "sequence" and all(i.get("kind") == "bool" for i in value["items"]):
        return [float(i["value"]) for i in value["items"]]
    return as_floats(value)


def _per_dimension(of_mu):
    """A predicate: on every ordinary case the answer is one number per latent dimension, those ``of_mu(mu, t)`` gives."""

    def returns_per_dimension(student, reference, cases) -> bool:
        by_name = {c.name: c for c in cases}
        seen = 0
        for s in student:
            case = by_name[s["case"]]
            if case.kind not in ("fixed", "random"):
                continue
            got, (mu, t) = _flat(s), (*case.args, 0.01)[:2]
            wanted = of_mu(mu.double(), t)
            if got is None or len(got) != mu.shape[1] or not any(
                bool(torch.allclose(torch.tensor(got, dtype=torch.float64), w, rtol=1e-3, atol=1e-7)) for w in wanted
            ):
                return False
            seen += 1
        return seen > 0

    return returns_per_dimension


def _counts_examples(student, reference, cases) -> bool:
    """True if the answer is a count on every ordinary case, never above the number of examples N, and above the
    number of latent dimensions D on one at least (it cannot count latent units, it counts rows), and not the count
    of rows whose variance exceeds the threshold on every case (that one is ``au_variance_over_latents``)."""
    by_name, above, per_row = {c.name: c for c in cases}, False, False
    for s in student:
        case = by_name[s["case"]]
        if case.kind not in ("fixed", "random"):
            continue
        got = _flat(s)
        if got is None or len(got) != 1 or got[0] != int(got[0]) or not 0 <= got[0] <= case.args[0].shape[0]:
            return False
        above |= got[0] > case.args[0].shape[1]
        mu, t = (*case.args, 0.01)[:2]
        per_row |= all(got[0] != int((mu.var(dim=1, unbiased=u) > t).sum()) for u in (True, False))
    return above and per_row  # the variance of each row is its own entry (au_variance_over_latents)


_MEASURE = "s6-measuring-collapse"
AU_MISTAKES = (
    Mistake(
        "au_variance_over_latents",
        "the variance over latent dimensions instead of over data points",
        "A unit is active if its encoder mean changes from one input to the next: take the variance over the data (dim=0) for each latent dimension, not over the dimensions of one example. "
        "Over the dimensions, a collapsed encoder whose constant mean differs from one dimension to the next looks active.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.var(dim=1) > t).sum()),),
    ),
    # alexlemo20/AML_project IWAE.py (held-out set 5): torch.sum(torch.cov(z).sum(0) > 1e-2), rows as variables
    Mistake(
        "au_counts_examples",
        "examples counted instead of latent units (a statistic of each row)",
        "The count is of latent dimensions (at most D): for each column j of mu, shape (N, D), the variance of mu_j over "
        "the N examples. Your count exceeds D, so it counts examples: a statistic of each row (over its latent "
        "dimensions), such as mu.std(dim=1) or torch.cov(mu), which treats each row as a variable (its (N, N) matrix "
        "is a covariance between examples). Use mu.var(dim=0), torch.cov(mu.T) or np.cov(mu, rowvar=False).",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((torch.cov(mu).sum(0) > t).sum()),),
        predicate=_counts_examples,
    ),
    Mistake(
        "au_counts_inactive",
        "the inactive units counted",
        "Active units are those whose variance exceeds the threshold; your count is of the others.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.var(dim=0) <= t).sum()),),
    ),
    Mistake(
        "au_uses_mean",
        "the mean of the encoder means instead of their variance",
        "A dimension whose mean is far from 0 but the same for every input carries no information; what matters is how much it varies across inputs.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.mean(dim=0).abs() > t).sum()),),
    ),
    Mistake(
        "au_uses_std",
        "the standard deviation compared with a variance threshold",
        "The criterion (Burda et al., 2016) compares the variance Var_x(E_q[z_j]) with 0.01; comparing the standard deviation with 0.01 is a threshold of 1e-4 on the variance.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.std(dim=0) > t).sum()),),
    ),
    # jbloomAus/SAELens#665 (a feature's "variance" computed as the mean of squares, about zero)
    Mistake(
        "au_second_moment",
        "the mean of the squares instead of the variance",
        "A unit is active if its encoder mean varies over the data: Var_x(mu_j) = mean((mu_j - mean(mu_j))^2). The mean "
        "of mu_j^2 about zero also counts a collapsed unit whose mean is a constant away from 0 (e.g. mu_j = 2 for "
        "every input) as active. Subtract each dimension's mean first, or use mu.var(dim=0).",
        _MEASURE,
        variants=(lambda mu, t=0.01: int(((mu**2).mean(0) > t).sum()),),
    ),
    Mistake(
        "au_hardcoded_threshold",
        "the threshold argument is ignored",
        "Your function counts with 0.01 even when another threshold is passed; use the `threshold` parameter.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.var(dim=0) > 0.01).sum()),),
    ),
    Mistake(
        "au_returns_mask",
        "a mask instead of a count",
        "Return the number of active units (an int), e.g. int(mask.sum()).",
        _MEASURE,
        variants=(lambda mu, t=0.01: mu.var(dim=0) > t,),
        predicate=_per_dimension(lambda mu, t: [(mu.var(dim=0, unbiased=u) > t).double() for u in (True, False)]),
    ),
    Mistake(
        "au_returns_fraction",
        "the fraction of active units instead of their number",
        "Your value is the count divided by the number of latent dimensions D: the mean of the mask where its sum "
        "belongs. The measure is a count (e.g. \"8 of 32 units active\"); return int(mask.sum()).",
        _MEASURE,
        variants=(lambda mu, t=0.01: float((mu.var(dim=0) > t).float().mean()),),
    ),
    # alangu-hep/symbolic-surrogates src/metrics/interpretability.py: active_units returns np.var per dimension.
    Mistake(
        "au_returns_variances",
        "the per-dimension variances returned instead of the count",
        "The per-dimension variances Var_x(mu_j) (one number per latent dimension) are the first half of the "
        "measure; compare each with the threshold and return how many exceed it, an int: int((var > threshold).sum()).",
        _MEASURE,
        variants=(lambda mu, t=0.01: mu.var(dim=0, unbiased=False),),
        predicate=_per_dimension(
            lambda mu, t: [mu.var(dim=0, unbiased=u) for u in (True, False)]
        ),
    ),
)

EXERCISE = FunctionExercise(
    id="active_units",
    session="s6",
    title="counting active latent units",
    section=_MEASURE,
    reference=_active_units_reference,
    make_cases=_au_cases,
    params=("mu", "threshold=0.01"),
    axes=("batch", "latent"),  # names a fraction of the units (a 1/D factor)
    returns="an int",
    mistakes=AU_MISTAKES,
    hints=(
        "A unit j is active if Var over inputs x of mu_j(x) exceeds the threshold.",
        "mu has shape (N, D): the variance over inputs is mu.var(dim=0), shape (D,).",
    ),
)
EXERCISES = (EXERCISE,)
