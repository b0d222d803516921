"""Session 3 exercises: the score-function estimate, a pathwise gradient by hand, discrete latents."""

from __future__ import annotations

import torch

from ..exercise import ChoiceExercise, FunctionExercise, Mistake, ValueExercise
from ..observe import Case
from ..terms import Reading, TermLibrary, Whole
from . import _draw
from .s1_bayes import SUM_OF_DRAWS

_REP = "s3-reparameterization"

# --- score-function estimate --------------------------------------------------------------------


def _score_reference(f_values, z, mu, sigma):
    return (f_values * (z - mu) / sigma.pow(2)).mean()  # ()


def _score_case(g, name, kind, n, describe):
    mu = _draw.normal(g, 1).reshape(())
    sigma = _draw.uniform(g, 1, low=0.5, high=2.0).reshape(())
    z = mu + sigma * _draw.normal(g, n)  # (L,)
    return Case(name, kind, (z.pow(2) + 0.5 * z, z, mu, sigma), describe)


def _score_cases(seed: int) -> list[Case]:
    g = _draw.generator(3002)
    cases = [
        _score_case(g, "fixed-1", "fixed", 6, "6 fixed samples"),
        _score_case(g, "fixed-2", "fixed", 3, "3 fixed samples"),
    ]
    g = _draw.generator(seed)
    n = _draw.integer(g, 5, 40)
    cases.append(_score_case(g, "random-1", "random", n, f"{n} random samples"))
    return cases


_SCORE = "s3-score-function"
SCORE_MISTAKES = (
    Mistake(
        "score_missing_variance",
        "the score without its 1/sigma^2",
        "d/d mu log N(z; mu, sigma^2) = (z - mu) / sigma^2. Your estimate leaves out the division by the variance.",
        _SCORE,
        variants=(lambda f, z, mu, s: (f * (z - mu)).mean(),),
    ),
    Mistake(
        "score_divides_by_sigma",
        "divided by sigma instead of sigma^2",
        "The score of a Gaussian's mean is (z - mu) / sigma^2: the variance, not the standard deviation.",
        _SCORE,
        variants=(lambda f, z, mu, s: (f * (z - mu) / s).mean(),),
    ),
    Mistake(
        "score_wrong_sign",
        "the score's sign is flipped",
        "d/d mu of -(z - mu)^2 / (2 sigma^2) is +(z - mu) / sigma^2; your estimate uses (mu - z).",
        _SCORE,
        variants=(lambda f, z, mu, s: (f * (mu - z) / s.pow(2)).mean(),),
    ),
    SUM_OF_DRAWS.made_by(lambda f, z, mu, s: (f * (z - mu) / s.pow(2)).sum()),
    Mistake(
        "score_averaged_apart_from_f",
        "the score averaged apart from f(z): a product of averages",
        "The estimate is the average of the products f(z_l) * score(z_l), mean(f * score). Averaging the score on its own "
        "and multiplying by f afterwards (mean(score) * sum(f), or mean(f) * mean(score)) loses which sample gave which "
        "f: the sample mean of the score is close to 0 whatever f is.",
        _SCORE,
        variants=(
            lambda f, z, mu, s: ((z - mu) / s.pow(2)).mean() * f.sum(),
            lambda f, z, mu, s: f.mean() * ((z - mu) / s.pow(2)).mean(),
        ),
    ),
    Mistake(
        "score_with_baseline",
        "a baseline (the mean of f) subtracted from f",
        "The exercise asks for the plain estimate mean(f * score). Subtracting the samples' own mean of f is a baseline, "
        "a variance-reduction step the book introduces afterwards (and, estimated from the same samples, it adds a "
        "small bias).",
        _SCORE,
        variants=(lambda f, z, mu, s: ((f - f.mean()) * (z - mu) / s.pow(2)).mean(),),
    ),
    Mistake(
        "score_log_prob_for_score",
        "log q(z) used where its gradient, the score, belongs",
        "mean(f * log q(z)) is the surrogate loss whose gradient autograd turns into the estimate; the estimate itself "
        "uses the score d/d mu log q(z) = (z - mu) / sigma^2, not the log-density.",
        _SCORE,
        variants=(lambda f, z, mu, s: (f * torch.distributions.Normal(mu, s).log_prob(z)).mean(),),
    ),
    Mistake(
        "score_forgot_f",
        "the score alone, without f(z)",
        "The estimator is the mean of f(z) times the score. The score alone has expectation zero, whatever f is.",
        _SCORE,
        variants=(lambda f, z, mu, s: ((z - mu) / s.pow(2)).mean(),),
    ),
)



def _s(z, mu, s):
    return (z - mu) / s.pow(2)  # (L,) the score d/d mu log N(z; mu, s^2)


# the terms a score-function answer is read in (vaecourse.grading.diagnose_terms)
_F = ("mean(f * score)", "mean(f) * mean(score)", "mean(score) * sum(f)", "mean(f * log q(z))", "mean(f * (z - mu)^2 / (2 sigma^2))")
TERM_LIBRARIES = {
    "score_function_estimate": TermLibrary(
        noun="your estimate",
        terms=(
            (_F[0], lambda f, z, mu, s: (f * _s(z, mu, s)).mean()),  # ()
            (_F[1], lambda f, z, mu, s: f.mean() * _s(z, mu, s).mean()),
            (_F[2], lambda f, z, mu, s: _s(z, mu, s).mean() * f.sum()),
            (_F[3], lambda f, z, mu, s: (f * torch.distributions.Normal(mu, s).log_prob(z)).mean()),
            (_F[4], lambda f, z, mu, s: (f * (z - mu).pow(2) / (2 * s.pow(2))).mean()),
        ),
        reference={_F[0]: 1},
        readings=(
            Reading({_F[0]: 0, _F[2]: 1}, "score_averaged_apart_from_f"),
            Reading({_F[0]: 0, _F[1]: 1}, "score_averaged_apart_from_f"),
            Reading({_F[0]: 1, _F[1]: -1}, "score_with_baseline"),
            Reading({_F[0]: 0, _F[3]: 1}, "score_log_prob_for_score"),
            Reading({_F[0]: 0, _F[4]: -1}, "score_log_prob_for_score"),
        ),
        wholes=(
            Whole(lambda f, z, mu, s: -1.0, "score_wrong_sign", "-1 *"),
            Whole(lambda f, z, mu, s: z.numel(), "mc_sum_not_mean", "L *"),
        ),
    ),
}

# --- a pathwise gradient by hand ----------------------------------------------------------------


def _pathwise(mu=1.5, sigma=0.5, eps=-0.4, grad_f_at_mu=False, chain_rule=True, eps_factor=True):
    """d f / d(mu, sigma) for f(z) = z^2 at z = mu + sigma * eps, by autograd (the correct route)."""
    m = torch.tensor(mu, dtype=torch.float64, requires_grad=True)
    s = torch.tensor(sigma, dtype=torch.float64, requires_grad=True)
    z = m + s * eps
    (z.pow(2)).backward()
    d_mu, d_sigma = m.grad.item(), s.grad.item()
    if grad_f_at_mu:  # f'(mu) instead of f'(z)
        d_mu, d_sigma = 2 * mu, 2 * mu * eps
    if not chain_rule:  # dz/dmu, dz/dsigma without f'
        d_mu, d_sigma = 1.0, eps
    if not eps_factor:  # dz/dsigma taken as 1
        d_sigma = d_mu
    return (d_mu, d_sigma)


# --- mistakes only the practice variants meet (vaecourse.practice.skills_reparam) --------------------

PRACTICE_MISTAKES = (
    Mistake(
        "pathwise_missing_log_chain",
        "the gradient with respect to sigma instead of the log-variance s",
        "With s = log sigma^2, sigma = exp(s / 2), so dz/ds = eps * dsigma/ds = eps * sigma / 2: the chain rule runs "
        "through sigma to s.",
        "s4-log-variance",
        behaviour="d f / d sigma = f'(z) eps reported as d f / d s",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="score_function_estimate",
        session="s3",
        title="the score-function (REINFORCE) gradient estimate",
        section=_SCORE,
        reference=_score_reference,
        make_cases=_score_cases,
        params=("f_values", "z", "mu", "sigma"),
        returns="a 0-d tensor",
        mistakes=SCORE_MISTAKES,
        scale_args=((3, "sigma"),),
        hints=(
            "The estimate is the sample mean of f(z_l) * d/d mu log q(z_l), with q = N(mu, sigma^2).",
            "d/d mu log N(z; mu, sigma^2) = (z - mu) / sigma^2.",
        ),
    ),
    ValueExercise(
        id="pathwise_gradient_value",
        session="s3",
        title="a pathwise gradient by hand",
        section="s3-sgvb",
        expected=_pathwise,
        answer_form="a pair (d_mu, d_sigma) of numbers",
        mistakes=(
            Mistake(
                "pathwise_f_prime_at_mu",
                "f' evaluated at mu instead of at the sample z",
                "The chain rule evaluates f'(z) at the sample z = mu + sigma * eps, not at mu (f'(z) = 2z for f(z) = z^2).",
                "s3-reparameterization",
                variants=(lambda: _pathwise(grad_f_at_mu=True),),
            ),
            Mistake(
                "pathwise_missing_f_prime",
                "dz/dmu and dz/dsigma without f'(z)",
                "You differentiated z = mu + sigma * eps but not f(z): multiply by f'(z) (2z for f(z) = z^2), the chain rule.",
                "s3-reparameterization",
                variants=(lambda: _pathwise(chain_rule=False),),
            ),
            Mistake(
                "pathwise_missing_eps",
                "dz/dsigma taken as 1 instead of eps",
                "z = mu + sigma * eps, so dz/dsigma = eps: the noise multiplies the gradient with respect to sigma.",
                "s3-reparameterization",
                variants=(lambda: _pathwise(eps_factor=False),),
            ),
        ),
        hints=("z = mu + sigma * eps; by the chain rule d f/d mu = f'(z) dz/dmu and d f/d sigma = f'(z) dz/dsigma.",),
    ),
    ChoiceExercise(
        id="discrete_latents_choice",
        session="s3",
        title="why the trick does not carry over to Bernoulli latents",
        section="s3-discrete-latents",
        options={
            "a": "A Bernoulli sample is a step function of the noise (z = 1 if u < p else 0): its derivative with respect to p is zero almost everywhere, so the pathwise gradient carries no signal.",
            "b": "A Bernoulli distribution has no mean and variance, so there is no mu and sigma to write z = mu + sigma * eps with.",
            "c": "The KL divergence between two Bernoulli distributions has no closed form.",
            "d": "It does carry over: rounding mu + sigma * eps to 0 or 1 gives unbiased gradients.",
        },
        correct=frozenset("a"),
        mistakes=(
            Mistake(
                "bernoulli_has_no_moments",
                "Bernoulli variables have no mean or variance",
                "They do (p and p(1 - p)); the obstacle is that the sample is a discontinuous function of the noise.",
                "s3-discrete-latents",
                choices=frozenset("b"),
            ),
            Mistake(
                "discrete_kl_no_closed_form",
                "the KL has no closed form",
                "The Bernoulli KL has a simple closed form; the KL is not what blocks the gradient of the sample.",
                "s3-discrete-latents",
                choices=frozenset("c"),
            ),
            Mistake(
                "rounding_gives_gradients",
                "rounding keeps the gradient",
                "Rounding (like argmax, a Gumbel-max or a torch.multinomial sample) is flat almost everywhere: its gradient is "
                "zero or absent, so nothing flows back to the logits; a decoder fed such a sample trains while the encoder "
                "silently does not. Use the score function or a relaxation (straight-through tricks are biased), and check "
                "the logits' .grad.",
                "s3-discrete-latents",
                choices=frozenset("d"),
            ),
        ),
        hints=("Write the Bernoulli sample as a function of a uniform u. What is its derivative with respect to p?",),
    ),
)
