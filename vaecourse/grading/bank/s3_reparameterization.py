"""Session 3 exercise: the reparameterized Gaussian sample, checked for values, gradients and its noise."""

from __future__ import annotations

import math

import torch

from ...core.reparam import reparameterize as _reparameterize
from ..exercise import FunctionExercise, Mistake, gradient_cut
from ..noise_predicates import (
    noise_ignored,
    noise_misscaled,
    noise_not_standard_normal,
    noise_one_value,
    noise_shared_by_batch,
    noise_shared_by_dims,
    noise_uniform,
    noise_wrong_shape,
)
from ..mistakes_generic import GRADIENT_CUT
from ..observe import Case
from ..terms import Reading, TermLibrary
from . import _draw

# --- reparameterize -----------------------------------------------------------------------------

_SAMPLING_STD = 3.0  # sigma of the eps=None case; chosen so that no catalogued mistake also gives 3
_SAMPLING_SHAPE = (2000, 2)
_SAMPLING_N = _SAMPLING_SHAPE[0] * _SAMPLING_SHAPE[1]


def _moments(z: torch.Tensor) -> tuple[float, ...]:
    """Mean, standard deviation and excess kurtosis of the draws (0 for a normal, -1.2 for a uniform), then how they are laid out:
    1 if z has mu's shape ``_SAMPLING_SHAPE`` (else 0), the share of rows equal to the row before (1 where one noise
    vector serves every example, 0 for independent draws) and the share of rows whose entries are all equal (1 where one
    noise value serves every latent dimension). mu and logvar are the same in every row and column, so only shared
    noise makes two entries equal."""
    z = z.detach().double()
    flat = z.flatten()
    centred = flat - flat.mean()
    kurtosis = centred.pow(4).mean() / centred.pow(2).mean().pow(2) - 3.0
    moments = (float(flat.mean()), float(flat.std()), float(kurtosis))
    if tuple(z.shape) != _SAMPLING_SHAPE:
        return moments + (0.0, 0.0, 0.0)
    rows = float((z[1:] == z[:-1]).all(-1).double().mean())
    dims = float((z == z[:, :1]).all(-1).double().mean())
    return moments + (1.0, rows, dims)


def _reparam_cases(seed: int) -> list[Case]:
    g = _draw.generator(3001)
    mu, logvar, eps = _draw.normal(g, 4, 3), _draw.normal(g, 4, 3), _draw.normal(g, 4, 3)
    cases = [
        Case(
            "fixed-1",
            "fixed",
            (mu, logvar, eps),
            "a fixed batch of 4 examples with 3 latent dimensions",
            grad_args=(0, 1),
            repeat=True,
        ),
        Case(
            "fixed-samples",
            "fixed",
            (_draw.normal(g, 3, 2), _draw.normal(g, 3, 2), _draw.normal(g, 5, 3, 2)),
            "3 examples, 2 latent dimensions and noise for 5 samples each (eps of shape (5, 3, 2))",
            grad_args=(0, 1),
        ),
    ]
    # The same mu and logvar with eps = 0 and eps = 1 (and the same seed for noise drawn anyway): the
    # first gives the part without noise (mu), the difference the scale of the noise (sigma), so a
    # wrong scale is told apart from a wrong location, and noise that never enters shows as no change.
    for value in (0, 1):
        cases.append(
            Case(
                f"noise-{value}",
                "fixed",
                (mu, logvar, torch.full_like(eps, float(value))),
                f"the fixed batch of 4 examples with every eps = {value}",
                grad_args=(0, 1),
                rng_seed=3005,
            )
        )
    g = _draw.generator(seed)
    for k in (1, 2):
        b, d = _draw.integer(g, 2, 7), _draw.integer(g, 2, 9)
        args = (_draw.normal(g, b, d, scale=2.0), _draw.normal(g, b, d, scale=1.5), _draw.normal(g, b, d))
        cases.append(
            Case(
                f"random-{k}",
                "random",
                args,
                f"a random batch of {b} examples with {d} latent dimensions",
                grad_args=(0, 1),
            )
        )
    mu = torch.ones(_SAMPLING_SHAPE)
    logvar = torch.full(_SAMPLING_SHAPE, 2 * math.log(_SAMPLING_STD))
    # 5 standard errors bound each statistic: sigma / sqrt(n) for the mean and (a little more than) the
    # std, sqrt(24 / n) for a normal's excess kurtosis; a false failure is ~1e-6 likely for each. The
    # kurtosis tells normal noise from uniform noise rescaled to the right mean and spread.
    # The layout (mu's shape, no two rows or entries of a row equal) is exact for independent continuous draws.
    atol = (5 * _SAMPLING_STD / math.sqrt(_SAMPLING_N),) * 2 + (5 * math.sqrt(24 / _SAMPLING_N),) + (0.01,) * 3
    cases.append(
        Case(
            "sampling",
            "sampling",
            (mu, logvar),
            "a call without eps (4000 draws), which must draw standard-normal noise itself",
            grad_args=(0, 1),  # the noise it draws must still pass gradients to mu and logvar
            summary=_moments,
            expected_summary=(1.0, _SAMPLING_STD, 0.0, 1.0, 0.0, 0.0),
            summary_atol=atol,
            rng_seed=3003,
        )
    )
    return cases


def _noise(mu, logvar, eps):
    return torch.randn(torch.broadcast_shapes(mu.shape, logvar.shape)) if eps is None else eps


def _uniform_noise(centred):
    def reparameterize(mu, logvar, eps=None):
        if eps is None:
            eps = torch.rand(torch.broadcast_shapes(mu.shape, logvar.shape))  # U(0, 1): torch.rand, not randn
            eps = (eps - 0.5) * math.sqrt(12.0) if centred else eps
        return mu + torch.exp(0.5 * logvar) * eps

    return reparameterize


def _with_scale(scale):
    return lambda mu, logvar, eps=None: mu + scale(logvar) * _noise(mu, logvar, eps)


def _no_grad_reparam(mu, logvar, eps=None):
    with torch.no_grad():
        return mu + torch.exp(0.5 * logvar) * _noise(mu, logvar, eps)


_REP = "s3-reparameterization"
REPARAM_MISTAKES = (
    Mistake(
        "reparam_variance_instead_of_std",
        "the variance where the standard deviation belongs",
        "z = mu + sigma * eps scales the noise by the standard deviation sigma = exp(logvar / 2). Your samples use sigma^2 = exp(logvar), so their spread is sigma^2 instead of sigma.",
        _REP,
        variants=(_with_scale(torch.exp),),
    ),
    Mistake(
        "reparam_logvar_as_std",
        "logvar used as the standard deviation",
        "logvar is s = log sigma^2 and can be negative; the standard deviation is exp(s / 2). Multiplying the noise by s itself even flips it for negative s.",
        _REP,
        variants=(_with_scale(lambda s: s),),
    ),
    Mistake(
        "reparam_eps_not_scaled",
        "the noise is not scaled",
        "Your samples are mu + eps: every q gets unit variance whatever logvar says. Multiply eps by sigma = exp(logvar / 2).",
        _REP,
        variants=(_with_scale(lambda s: torch.ones_like(s)),),
    ),
    Mistake(
        "reparam_half_outside_exp",
        "1/2 * exp(logvar) instead of exp(logvar / 2)",
        "The standard deviation is exp(logvar / 2) = sqrt(exp(logvar)); the 1/2 belongs inside the exponential.",
        _REP,
        variants=(_with_scale(lambda s: 0.5 * torch.exp(s)),),
    ),
    # catniplab/latent_dynamics_workshop#1: X = (sn.sample() + mu) * sigma. Judged by the noise-0 / noise-1 cases:
    # the output without noise is mu * sigma where it must be mu, the noise's scale is right.
    Mistake(
        "reparam_mean_scaled",
        "the mean added before scaling: (eps + mu) * sigma",
        "With every eps = 0 your sample is mu * sigma, not mu: the mean is added to the noise before the product, so "
        "sigma scales it too. Only the noise is scaled: z = mu + sigma * eps, which has mean mu and standard deviation sigma.",
        _REP,
        variants=(lambda mu, s, eps=None: (_noise(mu, s, eps) + mu) * torch.exp(0.5 * s),),
    ),
    # An activation on the log-variance: ReLU (shekkizh/TensorflowProjects#1), softplus
    # (wohlert/semi-supervised-pytorch#16), tanh (pkmital/CADL#84). softplus(logvar) itself as sigma (mingyuliutw/UNIT#37)
    # is read with the other functions of logvar in sigma's place (diagnose_scale_fn), which says which one.
    Mistake(
        "reparam_logvar_squashed",
        "an activation (ReLU, softplus, tanh) applied to the log-variance",
        "Your samples are wrong where logvar is negative (or large): the log-variance passes through an activation "
        "that squashes it, which confines sigma (inside the exp, a ReLU or softplus forbids every sigma below 1; used "
        "as sigma itself, softplus(logvar) or sigmoid(logvar) is another function than exp(logvar / 2)). "
        "logvar = log sigma^2 is any real number; use the encoder's output as it is, in sigma = exp(logvar / 2).",
        _REP,
        variants=(
            _with_scale(lambda s: torch.exp(0.5 * s.clamp(min=0))),
            _with_scale(lambda s: torch.exp(0.5 * torch.nn.functional.softplus(s))),
            _with_scale(lambda s: torch.exp(0.5 * torch.tanh(s))),
        ),
    ),
    # keras-team/keras#4211: epsilon = K.random_normal(..., std=epsilon_std) with epsilon_std = 0.01.
    Mistake(
        "reparam_noise_wrong_scale",
        "noise drawn with the wrong spread",
        "With eps given, your samples are right; without it, the noise you draw has the right shape and mean but the "
        "wrong standard deviation (told by its moments). eps must be standard normal, torch.randn_like(mu): the "
        "spread of z comes from sigma alone.",
        _REP,
        predicate=noise_misscaled,
    ),
    # Shunsuke-1994/rfamgen#3: sigma = exp(logvar / 2), then z = mu + eps * torch.sqrt(sigma).
    Mistake(
        "reparam_sqrt_of_std",
        "the square root of the standard deviation: sqrt(sigma) = exp(logvar / 4)",
        "Your noise is scaled by sqrt(sigma) = exp(logvar / 4): a square root taken of the standard deviation "
        "(or logvar divided by 4), as if sigma were still a variance. sigma = exp(logvar / 2) is already the square "
        "root of sigma^2 = exp(logvar); multiply eps by it directly.",
        _REP,
        variants=(_with_scale(lambda s: torch.exp(0.25 * s)),),
    ),
    Mistake(
        "reparam_sqrt_of_logvar",
        "the square root of logvar as the standard deviation",
        "sqrt(logvar) is NaN for negative log-variances. sigma = sqrt(sigma^2) = sqrt(exp(logvar)) = exp(logvar / 2).",
        _REP,
        variants=(_with_scale(torch.sqrt),),
    ),
    # the generic entry (one mistake, one entry; "reparam_gradient_cut" is its alias), made here by two variants
    GRADIENT_CUT.made_by(
        _no_grad_reparam, lambda mu, s, eps=None: mu.detach() + torch.exp(0.5 * s) * _noise(mu, s, eps), predicate=gradient_cut
    ),
    # One noise draw reused: eps = torch.randn(D) (or randn_like(mu[0])) broadcast over the batch (held-out set 6:
    # Alexvsalexvsalex/ML-algorithms vae.py), or torch.randn(B, 1) over the latent dimensions. Told by the eps=None case, where mu and
    # logvar are the same in every row: there, shared noise makes rows (or a row's entries) equal.
    Mistake(
        "reparam_noise_one_value",
        "one noise value (or a constant) for every entry",
        "With eps given, your samples are right; without it, every entry of your samples gets the same noise: one "
        "number (torch.randn(1), torch.randn(()), a Python float) broadcast over the batch and the latent dimensions, "
        "or a constant such as zeros or ones in place of a draw. Each entry needs its own draw: eps = "
        "torch.randn_like(mu), of mu's full shape.",
        _REP,
        variants=(lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (torch.randn(1) if eps is None else eps),),
        predicate=noise_one_value,
    ),
    Mistake(
        "reparam_noise_shared_by_batch",
        "one noise vector shared by every example",
        "With eps given, your samples are right; without it, every example in the batch gets the same noise: all the rows "
        "of your samples are equal where mu and logvar are. A noise vector of shape (D,), e.g. torch.randn(D) or "
        "torch.randn_like(mu[0]), broadcast over the batch draws one sample and copies it to every example. Each example "
        "needs its own draw: eps = torch.randn_like(mu), of mu's full shape (B, D).",
        _REP,
        variants=(lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (torch.randn(mu.shape[-1]) if eps is None else eps),),
        predicate=noise_shared_by_batch,
    ),
    Mistake(
        "reparam_noise_shared_by_dims",
        "one noise value shared by every latent dimension",
        "With eps given, your samples are right; without it, each example gets one noise value for all its latent "
        "dimensions: the entries of a row of your samples are equal where mu and logvar are. Noise of shape (B, 1), e.g. "
        "torch.randn(B, 1), broadcast over the dimensions makes them perfectly correlated, which q(z|x), a diagonal "
        "Gaussian, does not allow. Draw eps = torch.randn_like(mu), of mu's full shape (B, D).",
        _REP,
        variants=(lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (torch.randn(mu.shape[0], 1) if eps is None else eps),),
        predicate=noise_shared_by_dims,
    ),
    Mistake(
        "reparam_noise_wrong_shape",
        "noise drawn with a shape other than mu's",
        "With eps given, your samples are right; without it, your output's shape is not mu's: the noise you draw has "
        "another shape (an extra axis, or the sizes in another order) and broadcasting spreads the samples over it. "
        "Draw eps = torch.randn_like(mu), exactly of mu's shape, so that z = mu + sigma * eps has it too.",
        _REP,
        variants=(lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (torch.randn(2, *mu.shape) if eps is None else eps),),
        predicate=noise_wrong_shape,
    ),
    # torch.rand (uniform) for torch.randn (normal), one letter apart: graviraja/pytorch-sample-codes#3,
    # acids-ircam/diffusion_models#8, dferendo/RecommendationSystem#3.
    Mistake(
        "reparam_uniform_noise",
        "uniform noise (torch.rand) instead of standard-normal noise (torch.randn)",
        "With eps given, your samples are right; without it, the noise you draw is not standard normal. Its "
        "moments give it away: torch.rand / torch.rand_like draw U(0, 1) (mean 1/2, variance 1/12, and no tails: "
        "excess kurtosis -1.2), so q is not the Gaussian the KL term assumes, even if you rescale it to mean 0 and "
        "variance 1. Use torch.randn_like(mu): one letter, a different distribution.",
        _REP,
        variants=(_uniform_noise(centred=False), _uniform_noise(centred=True)),
        predicate=noise_uniform,
    ),
    Mistake(
        "reparam_ignores_eps",
        "the given eps is ignored",
        "The eps passed in does not decide your samples: two calls with the same mu, logvar and eps gave different "
        "samples (your function draws its own noise even when eps is passed), or eps = 0 and eps = 1 gave the same "
        "ones (the noise never enters). Use the given eps, and draw noise only when eps is None; callers pass eps to "
        "make results reproducible.",
        _REP,
        variants=(lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * torch.randn_like(mu),),
        predicate=noise_ignored,
    ),
    # Named only when no entry above fits: e.g. torch.randn_like(mu) + 1, .abs(), ** 2, Laplace or exponential draws.
    Mistake(
        "reparam_noise_not_standard_normal",
        "noise drawn from a distribution other than the standard normal",
        "With eps given, your samples are right; without it, the noise you draw is independent and of mu's shape, but "
        "its mean, spread or tails are not those of N(0, 1) (told by the moments of 4000 draws): a shifted mean "
        "(randn + 1), a folded or squared normal (randn.abs(), randn ** 2), or another distribution. "
        "eps must be standard normal, torch.randn_like(mu), so that z = mu + sigma * eps has mean mu and spread sigma.",
        _REP,
        variants=(lambda mu, s, eps=None: mu + torch.exp(0.5 * s) * (torch.randn_like(mu).abs() if eps is None else eps),),
        predicate=noise_not_standard_normal,
    ),
)

# the terms a sample is read in (vaecourse.grading.diagnose_terms) on the cases with eps given: the reference's two,
# and the scales people put in sigma's place
_T = ("mu", "sigma * eps", "sigma^2 * eps", "eps", "logvar * eps", "sqrt(sigma) * eps", "mu * sigma")


def _term(fn):
    return lambda mu, s, eps=None: fn(mu, s, eps) + 0 * (mu + s + eps)  # broadcast to the sample's shape


TERM_LIBRARIES = {
    "reparameterize": TermLibrary(
        noun="your sample",
        terms=(
            (_T[0], _term(lambda mu, s, eps: mu)),
            (_T[1], _term(lambda mu, s, eps: torch.exp(0.5 * s) * eps)),
            (_T[2], _term(lambda mu, s, eps: torch.exp(s) * eps)),
            (_T[3], _term(lambda mu, s, eps: eps)),
            (_T[4], _term(lambda mu, s, eps: s * eps)),
            (_T[5], _term(lambda mu, s, eps: torch.exp(0.25 * s) * eps)),
            (_T[6], _term(lambda mu, s, eps: mu * torch.exp(0.5 * s))),
        ),
        reference={_T[0]: 1.0, _T[1]: 1.0},
        readings=(
            Reading({_T[1]: 0.0, _T[2]: 1.0}, "reparam_variance_instead_of_std"),
            Reading({_T[1]: 0.0, _T[2]: 0.5}, "reparam_half_outside_exp"),
            Reading({_T[1]: 0.0, _T[3]: 1.0}, "reparam_eps_not_scaled"),
            Reading({_T[1]: 0.0, _T[4]: 1.0}, "reparam_logvar_as_std"),
            Reading({_T[1]: 0.0, _T[5]: 1.0}, "reparam_sqrt_of_std"),
            Reading({_T[0]: 0.0, _T[6]: 1.0}, "reparam_mean_scaled"),
        ),
    ),
}

EXERCISES = (
    FunctionExercise(
        id="reparameterize",
        session="s3",
        title="the reparameterized Gaussian sample",
        section=_REP,
        reference=_reparameterize,
        make_cases=_reparam_cases,
        params=("mu", "logvar", "eps=None"),
        returns="a tensor with the broadcast shape of mu, logvar and eps",
        mistakes=REPARAM_MISTAKES,
        scale_args=((1, "log sigma^2"),),
        hints=(
            "z = mu + sigma * eps with sigma = exp(logvar / 2); when eps is None draw it with torch.randn_like(mu).",
            "Use only differentiable tensor operations on mu and logvar: no .detach(), no torch.no_grad(), no .item().",
        ),
    ),
)
