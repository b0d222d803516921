"""Session 1 exercises: a Monte Carlo estimate with its error, a conjugate posterior, the evidence, KL facts."""

from __future__ import annotations

import math

import torch

from ...core.likelihoods import gaussian_log_likelihood
from ...core.montecarlo import monte_carlo_estimate
from ..exercise import ChoiceExercise, FunctionExercise, Mistake, ValueExercise
from ..observe import Case, as_floats
from ..terms import Reading, TermLibrary
from . import _draw
from ._spread import posterior_uses_sample_spread, se_variance_mis_written

# --- Monte Carlo estimate -----------------------------------------------------------------------


def _mc_reference(values):
    estimate = monte_carlo_estimate(values)
    return estimate.mean, estimate.standard_error


def _mc_cases(seed: int) -> list[Case]:
    g = _draw.generator(1001)
    cases = [
        Case("fixed-1", "fixed", (_draw.normal(g, 8, scale=2.0) + 1.0,), "8 fixed draws", rtol=1e-4, atol=1e-6),
        Case("fixed-2", "fixed", (torch.tensor([0.0, 1.0, 4.0]),), "3 fixed draws", rtol=1e-4, atol=1e-6),
    ]
    g = _draw.generator(seed)
    n = _draw.integer(g, 5, 40)
    cases.append(
        Case("random-1", "random", (_draw.normal(g, n, scale=3.0),), f"{n} random draws", rtol=1e-4, atol=1e-6)
    )
    n = _draw.integer(g, 5, 40)
    cases.append(
        Case(
            "random-float64",
            "random",
            (_draw.normal(g, n, dtype=torch.float64).exp(),),
            f"{n} random float64 draws",
            rtol=1e-6,  # MIN_RTOL: float64 cases check the dtype is kept, not digits past 1e-6
            atol=1e-10,
        )
    )
    return cases


_MC = "s1-monte-carlo"
# One Monte Carlo mistake met by three exercises (this one, the ELBO's and the score-function estimator's):
# "elbo_sum_over_samples" and "score_sum_not_mean" are its aliases.
SUM_OF_DRAWS = Mistake(
    "mc_sum_not_mean",
    "the sum of the draws instead of their mean",
    "A Monte Carlo estimate of an expectation is the average of its draws (for the ELBO, of the L samples z ~ q): "
    "their sum grows with the number of draws.",
    _MC,
    behaviour="the sum of the Monte Carlo draws where their mean is asked for",
)
MC_MISTAKES = (
    Mistake(
        "mc_mean_divided_twice",
        "the mean divided by n a second time",
        "The Monte Carlo estimate is the plain average (1/n) sum_i f(x_i): divide the sum by n once. Your estimate is "
        "that average divided by n again (a mean of values already divided by n, or sum / n / n), so it shrinks "
        "towards 0 as n grows.",
        _MC,
        variants=(lambda v: (v.mean() / v.numel(), v.std() / math.sqrt(v.numel())),),
    ),
    SUM_OF_DRAWS.made_by(lambda v: (v.sum(), v.std() / math.sqrt(v.numel()))),
    Mistake(
        "mc_mean_n_minus_1",
        "the mean divided by n - 1 instead of n",
        "The estimate is the plain average, the sum divided by n. The n - 1 (Bessel's correction) belongs to the sample "
        "variance inside the standard error, not to the mean.",
        _MC,
        variants=(lambda v: (v.sum() / (v.numel() - 1), v.std() / math.sqrt(v.numel())),),
    ),
    Mistake(
        "mc_outputs_swapped",
        "the pair returned in the wrong order",
        "Return (mean, standard_error), in that order: your first value is the standard error and your second the mean.",
        _MC,
        variants=(lambda v: (v.std() / math.sqrt(v.numel()), v.mean()),),
    ),
    Mistake(
        "se_missing_sqrt_n",
        "the standard deviation of the draws reported as the standard error",
        "The standard deviation describes how much single draws vary; the error of their mean is sqrt(n) times smaller: "
        "SE = s / sqrt(n).",
        _MC,
        variants=(lambda v: (v.mean(), v.std()), lambda v: (v.mean(), v.std(unbiased=False))),
    ),
    Mistake(
        "se_divided_by_n",
        "divided by n instead of sqrt(n)",
        "Var(mean) = sigma^2 / n, so the standard error is s / sqrt(n), not s / n.",
        _MC,
        variants=(lambda v: (v.mean(), v.std() / v.numel()),),
    ),
    Mistake(
        "se_uses_variance",
        "s^2 / sqrt(n): the sample variance in the standard error",
        "SE = s / sqrt(n) with s the sample standard deviation; your value uses s^2.",
        _MC,
        variants=(lambda v: (v.mean(), v.var() / math.sqrt(v.numel())),),
    ),
    Mistake(
        "se_sqrt_n_minus_1",
        "s / sqrt(n - 1) as the standard error (n - 1 where n belongs)",
        "Bessel's n - 1 belongs inside the sample variance, s^2 = sum (x_i - mean)^2 / (n - 1); the standard error then "
        "divides s by sqrt(n): SE = s / sqrt(n). Your value divides the sample standard deviation by sqrt(n - 1), "
        "too large by sqrt(n / (n - 1)). (The population standard deviation over sqrt(n - 1) is the same as s / sqrt(n).)",
        _MC,
        variants=(lambda v: (v.mean(), v.std() / math.sqrt(v.numel() - 1)),),
    ),
    # FaultMap (held-out set 8): (sum x^2 - (sum x / n)^2 / n) / (n - 1) as the sample variance
    Mistake(
        "se_variance_formula_wrong",
        "the sample variance inside the standard error written wrongly",
        "The standard error is s / sqrt(n) with the sample variance s^2 = sum (x_i - mean)^2 / (n - 1), or in its "
        "shortcut form (sum x_i^2 - n * mean^2) / (n - 1). Your mean is right, but your standard error, squared and "
        "times n, is another combination of the sum of squares and the mean on every case checked (for instance "
        "mean^2 or mean^2 / n subtracted where n * mean^2 belongs, or nothing subtracted). Compute s with values.std(), "
        "or subtract n * mean^2 (= (sum x)^2 / n) exactly.",
        _MC,
        variants=(lambda v: (v.mean(), (((v**2).sum() - v.mean() ** 2 / v.numel()) / (v.numel() - 1) / v.numel()).sqrt()),),
        predicate=se_variance_mis_written,
    ),
    Mistake(
        "se_population_std",
        "the standard deviation with 1/n instead of 1/(n - 1)",
        "The unbiased sample variance divides by n - 1 (torch's default, unbiased=True); dividing by n underestimates the error for small n.",
        _MC,
        variants=(lambda v: (v.mean(), v.std(unbiased=False) / math.sqrt(v.numel())),),
        credit=0.5,
    ),
)



def _pair(first, second):
    return (first, torch.zeros_like(first)) if second is None else (torch.zeros_like(second), second)


# the terms an (estimate, standard error) answer is read in (vaecourse.grading.diagnose_terms): each a pair
_N = ("mean", "s / sqrt(n)", "mean / n", "sum", "s", "s / n", "s^2 / sqrt(n)", "s_(1/n) / sqrt(n)", "s / sqrt(n) as the first value", "mean as the second value", "sum / (n - 1)")
TERM_LIBRARIES = {
    "mc_estimate": TermLibrary(
        noun="your pair (estimate, standard error)",
        terms=(
            (_N[0], lambda v: _pair(v.mean(), None)),
            (_N[1], lambda v: _pair(None, v.std() / math.sqrt(v.numel()))),
            (_N[2], lambda v: _pair(v.mean() / v.numel(), None)),
            (_N[3], lambda v: _pair(v.sum(), None)),
            (_N[4], lambda v: _pair(None, v.std())),
            (_N[5], lambda v: _pair(None, v.std() / v.numel())),
            (_N[6], lambda v: _pair(None, v.var() / math.sqrt(v.numel()))),
            (_N[7], lambda v: _pair(None, v.std(unbiased=False) / math.sqrt(v.numel()))),
            (_N[8], lambda v: _pair(v.std() / math.sqrt(v.numel()), None)),
            (_N[9], lambda v: _pair(None, v.mean())),
            (_N[10], lambda v: _pair(v.sum() / (v.numel() - 1), None)),
        ),
        reference={_N[0]: 1, _N[1]: 1},
        readings=(
            Reading({_N[0]: 0, _N[1]: 0, _N[8]: 1, _N[9]: 1}, "mc_outputs_swapped"),
            Reading({_N[0]: 0, _N[2]: 1}, "mc_mean_divided_twice"),
            Reading({_N[0]: 0, _N[3]: 1}, "mc_sum_not_mean"),
            Reading({_N[0]: 0, _N[10]: 1}, "mc_mean_n_minus_1"),
            Reading({_N[1]: 0, _N[4]: 1}, "se_missing_sqrt_n"),
            Reading({_N[1]: 0, _N[5]: 1}, "se_divided_by_n"),
            Reading({_N[1]: 0, _N[6]: 1}, "se_uses_variance"),
            Reading({_N[1]: 0, _N[7]: 1}, "se_population_std"),
        ),
    ),
}

# --- conjugate posterior ------------------------------------------------------------------------


def _posterior_reference(x, noise_var):
    precision = 1.0 + x.numel() / noise_var  # prior precision 1 plus n observations' precision
    return (x.sum() / noise_var) / precision, torch.tensor(1.0 / precision, dtype=x.dtype)


def _posterior_cases(seed: int) -> list[Case]:
    cases = [
        Case("fixed-1", "fixed", (torch.tensor([1.2, 0.4, 2.0]), 0.5), "3 fixed observations"),
        Case("fixed-one", "fixed", (torch.tensor([1.5]), 2.0), "a single observation"),
    ]
    g = _draw.generator(seed)
    n = _draw.integer(g, 2, 10)
    noise_var = round(float(_draw.uniform(g, 1, low=0.2, high=3.0)), 3)
    cases.append(
        Case(
            "random-1",
            "random",
            (_draw.normal(g, n) + 1.0, noise_var),
            f"{n} random observations with noise variance {noise_var}",
        )
    )
    return cases


def _posterior_with(precision_of, variance_out=lambda p: 1.0 / p):
    def posterior(x, noise_var):
        p = precision_of(x.numel(), noise_var)
        mean = (x.mean() / noise_var) / p if precision_of is _one_obs else (x.sum() / noise_var) / p
        return mean, variance_out(p)

    return posterior


def _one_obs(n, noise_var):
    return 1.0 + 1.0 / noise_var


def _posterior_reads(mean_ok, variance_ok):
    """A predicate: on every ordinary case the answer is a (mean, variance) pair with ``mean_ok(mean, reference mean,
    n)`` and ``variance_ok(variance, n, noise_var)``: a family read from one part of the pair, the other checked apart."""

    def reads(student, reference, cases) -> bool:
        by_name, r_by = {c.name: c for c in cases}, {r["case"]: r for r in reference}
        for s in student:
            case = by_name[s["case"]]
            got = as_floats(s["value"]) if "raised" not in s else None
            want = as_floats(r_by[s["case"]]["value"])
            x, noise_var = case.args
            if not got or len(got) != 2 or not mean_ok(got[0], want[0], x.numel()):
                return False
            if not variance_ok(got[1], x.numel(), noise_var):
                return False
        return True

    return reads


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * abs(b) + 1e-5


def _prior_where_data(student, reference, cases) -> bool:
    """True if on every ordinary case each value of the answer is the expected one or the prior's (mean 0, variance
    1), the prior's at least once where the expected differs (the data, which move the posterior, are ignored there)."""
    r_by, prior = {r["case"]: r for r in reference}, 0
    for s in student:
        got = as_floats(s["value"]) if "raised" not in s else None
        want = as_floats(r_by[s["case"]]["value"])
        if not got or len(got) != 2:
            return False
        for g, w, p in zip(got, want, (0.0, 1.0)):
            if _near(g, p) and not _near(w, p):
                prior += 1
            elif not _near(g, w):
                return False
    return prior > 0


def _sample_mean_as_posterior_mean(student, reference, cases) -> bool:
    """True if on every ordinary case the answer's mean is the sample mean and its variance the posterior's or the
    sample mean's (noise_var / n): the prior is left out of the mean."""
    by_name = {c.name: c for c in cases}
    for s in student:
        got = as_floats(s["value"]) if "raised" not in s else None
        x, noise_var = by_name[s["case"]].args
        n = x.numel()
        if not got or len(got) != 2 or not _near(got[0], float(x.double().mean())):
            return False
        if not (_near(got[1], 1.0 / (1.0 + n / noise_var)) or _near(got[1], noise_var / n)):
            return False
    return True


_CONJ = "s1-conjugate-example"
POSTERIOR_MISTAKES = (
    # Thiago11gamal/ultra-dashboard2 bayesianEngine.js updatePosteriorNormal (held-out set 4): the prior when n < 2
    Mistake(
        "posterior_returns_prior",
        "the prior returned (in whole or in part), the data ignored",
        "Every observation moves the posterior: its precision is 1 + n / noise_var and its mean (sum of x / noise_var) "
        "divided by that, already for n = 1. On at least one case checked your answer is the prior's mean 0 or "
        "variance 1 where the data move them (and right otherwise): a guard such as `if n < 2: return prior` throws data away. A sample "
        "variance needs two points, but here the noise variance is given, so one observation is enough.",
        _CONJ,
        predicate=_prior_where_data,
    ),
    Mistake(
        "posterior_ignores_prior",
        "the prior is left out (the maximum-likelihood answer)",
        "The posterior combines prior and likelihood: precisions add, 1/sigma_post^2 = 1/v0 + n / noise_var (1 + n / noise_var for the prior N(0, 1)), and the mean shrinks from the data's mean towards the prior mean. "
        "Your mean is the sample mean itself, as if there were no prior.",
        _CONJ,
        variants=(lambda x, nv: (x.mean(), nv / x.numel()),),
        predicate=_sample_mean_as_posterior_mean,
    ),
    # KevinGregor (held-out set 8): 1 / torch.var(x) as the noise precision
    Mistake(
        "posterior_sample_variance_as_noise",
        "the data's sample spread used where the known noise variance belongs",
        "The noise variance is given (noise_var): each observation adds precision 1 / noise_var, so the posterior "
        "precision is 1 + n / noise_var. On every case checked your answer is this posterior with the data's own "
        "sample variance (or standard deviation) in place of noise_var: it changes with the data's scatter, and it is "
        "undefined (NaN) for a single observation, where the given noise variance still gives an answer.",
        _CONJ,
        variants=(lambda x, nv: _posterior_reference(x, float(x.var(unbiased=False))),),
        predicate=posterior_uses_sample_spread,
    ),
    Mistake(
        "posterior_forgets_n",
        "the n observations counted as one",
        "Each observation adds precision 1 / noise_var, so n of them add n / noise_var.",
        _CONJ,
        variants=(_posterior_with(_one_obs),),
        predicate=_posterior_reads(lambda m, want, n: True, lambda v, n, nv: _near(v, 1.0 / (1.0 + 1.0 / nv))),
    ),
    # the variance of the prior and the noise's over n added, where their precisions add
    Mistake(
        "posterior_variances_added",
        "variances added where precisions add",
        "Combining a prior with data multiplies Gaussian densities: their precisions (inverse variances) add, "
        "1/sigma_post^2 = 1 + n / noise_var, so the posterior is narrower than both. Adding the variances, 1 + noise_var / n, "
        "gives a posterior wider than the prior: the data would make you less certain.",
        _CONJ,
        variants=(lambda x, nv: (x.numel() / (x.numel() + nv) * x.mean(), 1.0 + nv / x.numel()),),
        predicate=_posterior_reads(lambda m, want, n: True, lambda v, n, nv: _near(v, 1.0 + nv / n)),
    ),
    Mistake(
        "posterior_mean_average_for_sum",
        "the average of the observations and their sum confused in the mean",
        "The posterior mean is (sum of x / noise_var) / (1 + n / noise_var), equivalently n / (n + noise_var) times the "
        "average x-bar. Your mean uses x.mean() where the sum belongs (or the sum where the average belongs): it is n "
        "times too small (or too large), while your variance is right.",
        _CONJ,
        variants=(lambda x, nv: ((x.mean() / nv) / (1.0 + x.numel() / nv), 1.0 / (1.0 + x.numel() / nv)),),
        predicate=_posterior_reads(
            lambda m, want, n: n == 1 or _near(m, want / n) or _near(m, want * n),
            lambda v, n, nv: _near(v, 1.0 / (1.0 + n / nv)),
        ),
    ),
    Mistake(
        "posterior_returns_std",
        "the standard deviation instead of the variance",
        "Return the posterior variance 1 / (1/v0 + n / noise_var) (1 / (1 + n / noise_var) for the prior N(0, 1)), not its square root.",
        _CONJ,
        variants=(_posterior_with(lambda n, nv: 1.0 + n / nv, lambda p: math.sqrt(1.0 / p)),),
    ),
    Mistake(
        "posterior_returns_precision",
        "the precision instead of the variance",
        "1/v0 + n / noise_var (1 + n / noise_var for the prior N(0, 1)) is the posterior precision; the variance is its inverse.",
        _CONJ,
        variants=(_posterior_with(lambda n, nv: 1.0 + n / nv, lambda p: p),),
    ),
)

# --- mistakes only the practice variants meet (vaecourse.practice.skills_bayes) ---------------------

_KL = "s1-kl-divergence"
PRACTICE_MISTAKES = (
    Mistake(
        "posterior_std_as_variance",
        "standard deviations used as variances",
        "The problem gives the prior's and the noise's standard deviations; precisions are inverse variances, so "
        "square them first: 1/v_n = 1/sd0^2 + n/sigma^2.",
        _CONJ,
        behaviour="the conjugate posterior computed with the given standard deviations in place of the variances",
    ),
    # kl_direction_reversed: graded by the ELBO's gap (bank/s2_elbo.py), met here too
    Mistake(
        "kl_log_ratios_unweighted",
        "the log-ratios summed without the weights q_k",
        "KL(q || p) is an expectation under q: weight each log-ratio log(q_k / p_k) by q_k before summing.",
        _KL,
        behaviour="sum_k log(q_k / p_k), each term unweighted",
    ),
    Mistake(
        "kl_in_bits",
        "logarithms to base 2 (bits) instead of natural logs (nats)",
        "The course measures KL divergences and log-likelihoods in nats: use the natural log (a value in bits is "
        "the value in nats divided by log 2).",
        _KL,
        behaviour="the KL divided by log 2",
    ),
)

# --- values and choices --------------------------------------------------------------------------


def _log_normal(x: float, variance: float) -> float:
    return gaussian_log_likelihood(
        torch.tensor([[x]], dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64), math.log(variance)
    ).item()


EXERCISES = (
    FunctionExercise(
        id="mc_estimate",
        session="s1",
        title="a Monte Carlo estimate with its standard error",
        section=_MC,
        reference=_mc_reference,
        make_cases=_mc_cases,
        params=("values",),
        returns="a pair (mean, standard_error)",
        mistakes=MC_MISTAKES,
        hints=(
            "The standard error of a mean of n draws is s / sqrt(n), with s the sample standard deviation.",
            "values.std() divides by n - 1 by default, which is what you want.",
        ),
    ),
    FunctionExercise(
        id="conjugate_posterior",
        session="s1",
        title="the posterior of a Gaussian mean",
        section=_CONJ,
        reference=_posterior_reference,
        make_cases=_posterior_cases,
        params=("x", "noise_var"),
        returns="a pair (posterior_mean, posterior_variance)",
        mistakes=POSTERIOR_MISTAKES,
        scale_args=((1, "sigma^2"),),
        hints=(
            "Precisions (inverse variances) add: prior precision 1 plus n / noise_var.",
            "The posterior mean is (sum of x / noise_var) divided by the posterior precision.",
        ),
    ),
    ValueExercise(
        id="log_evidence_value",
        session="s1",
        title="the log-evidence of one observation",
        section="s1-latent-variable-models",
        expected=lambda: _log_normal(1.5, 1.0 + 0.5),
        mistakes=(
            Mistake(
                "evidence_noise_variance_only",
                "only the noise variance",
                "x = z + noise with z ~ N(0, 1): the variances add, so p(x) = N(x; 0, 1 + noise_var). Your value uses the noise variance alone (as if z were known to be 0).",
                "s1-latent-variable-models",
                variants=(lambda: _log_normal(1.5, 0.5),),
            ),
            Mistake(
                "evidence_prior_variance_only",
                "only the prior variance",
                "The evidence integrates the likelihood against the prior; the noise variance adds to the prior's.",
                "s1-latent-variable-models",
                variants=(lambda: _log_normal(1.5, 1.0),),
            ),
            Mistake(
                "evidence_not_log",
                "the density instead of its log",
                "The question asks for log p(x).",
                "s1-latent-variable-models",
                variants=(lambda: math.exp(_log_normal(1.5, 1.5)),),
            ),
            Mistake(
                "evidence_variance_as_std",
                "the variance used as a standard deviation",
                "N(x; 0, v) has variance v = 1.5; your value squares it.",
                "s1-latent-variable-models",
                variants=(lambda: _log_normal(1.5, 1.5**2),),
            ),
        ),
        hints=(
            "x = z + noise with independent Gaussian z and noise: what is the distribution of x?",
            "log N(x; 0, v) = -1/2 log(2 pi v) - x^2 / (2 v).",
        ),
    ),
    ChoiceExercise(
        id="kl_facts_choice",
        session="s1",
        title="facts about the KL divergence",
        section="s1-kl-divergence",
        options={
            "a": "KL(q || p) >= 0, with equality only when q = p.",
            "b": "KL(q || p) = KL(p || q).",
            "c": "KL(q || p) is negative when q is wider than p.",
            "d": "KL(q || p) = E_q[log q(z) - log p(z)].",
        },
        correct=frozenset("ad"),
        multiple=True,
        mistakes=(
            Mistake(
                "kl_is_symmetric",
                "the KL taken as symmetric",
                "The KL is not symmetric: KL(q || p) averages under q and KL(p || q) under p; they differ in general (and give different fits). Code that swaps the arguments still runs and still returns a positive number: read KL(a || b) as an expectation under a.",
                "s1-kl-divergence",
                choices=frozenset("b"),
            ),
            Mistake(
                "kl_can_be_negative",
                "the KL taken as possibly negative",
                "Gibbs' inequality: KL(q || p) >= 0 always, whatever the widths.",
                "s1-kl-divergence",
                choices=frozenset("c"),
            ),
        ),
        hints=("Two of the four statements are true.",),
    ),
    ValueExercise(
        id="mc_samples_value",
        session="s1",
        title="samples needed for a target error",
        section=_MC,
        expected=lambda: 100 * (0.3 / 0.01) ** 2,
        mistakes=(
            Mistake(
                "mc_error_linear_in_n",
                "the error taken to shrink like 1/n",
                "The standard error shrinks like 1/sqrt(n): an error k times smaller needs k^2 times the samples, not k times (30 times smaller: 30^2 = 900 times more).",
                _MC,
                variants=(lambda: 100 * 30.0,),
            ),
            Mistake(
                "mc_error_sqrt_of_ratio",
                "the square root taken the wrong way",
                "SE is proportional to 1/sqrt(n), so n is proportional to 1/SE^2.",
                _MC,
                variants=(lambda: 100 * math.sqrt(30.0),),
            ),
        ),
        hints=("SE = s / sqrt(n): solve for n when SE must shrink from 0.3 to 0.01.",),
    ),
)
