"""Session 4 exercises, part 2: the Bernoulli log-likelihood from logits, a Gaussian log-likelihood, reductions."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ...core.likelihoods import bernoulli_log_likelihood as _bernoulli_log_likelihood
from ...core.likelihoods import gaussian_log_likelihood
from ..compare import records_agree
from ..exercise import (
    ChoiceExercise,
    FunctionExercise,
    Mistake,
    ValueExercise,
    accepts_invalid_input,
    refused_with_other_error,
    unstable_only,
)
from ..floors import floored_at_extremes
from ..mistakes_generic import GENERIC_BY_NAME
from ..observe import Case
from . import _draw

# --- bernoulli_log_likelihood -------------------------------------------------------------------


def _bernoulli_reference(logits, x):
    return _bernoulli_log_likelihood(logits, x)


def _bernoulli_cases(seed: int) -> list[Case]:
    g = _draw.generator(4002)
    cases = [
        Case(
            "fixed-1",
            "fixed",
            (_draw.normal(g, 4, 6, scale=2.0), _draw.bernoulli(g, 4, 6)),
            "a fixed batch of 4 binary images with 6 pixels",
        ),
        Case(
            "fixed-grey",
            "fixed",
            (_draw.normal(g, 3, 5, scale=2.0), _draw.uniform(g, 3, 5)),
            "3 images of 5 grey pixels (targets strictly between 0 and 1)",
        ),
    ]
    # A logit of 30 with target 0: sigmoid(30) is exactly 1 in float32, so log(1 - sigmoid) is -inf, and
    # F.binary_cross_entropy's clamp of the log at -100 gives -100 where the truth is -30 (at +-100 the
    # clamp happens to give the right value, so those alone do not catch the sigmoid-then-BCE form).
    logits = torch.tensor([[100.0, -100.0, 100.0, -100.0], [30.0, -50.0, 0.0, 100.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    cases.append(
        Case(
            "stability",
            "stability",
            (logits, targets),
            "logits of +-100, -50 and 30 with targets of exactly 0 and 1",
            rtol=1e-5,
            atol=1e-3,
        )
    )
    # Data outside [0, 1] must be refused: raw 0-255 intensities (pytorch/pytorch#36647, a VAE fed
    # un-normalised MNIST) and data normalised to [-1, 1] (wohlert/semi-supervised-pytorch#9: NaN
    # until the pixels were rescaled). A Bernoulli likelihood of such values is meaningless.
    cases.append(
        Case(
            "invalid-0-255",
            "invalid",
            (_draw.normal(g, 3, 5, scale=2.0), _draw.uniform(g, 3, 5, high=255.0).round()),
            "3 images whose pixels are raw intensities from 0 to 255 (not rescaled to [0, 1])",
            raises="ValueError",
        )
    )
    cases.append(
        Case(
            "invalid-minus-one",
            "invalid",
            (_draw.normal(g, 2, 4, scale=2.0), _draw.uniform(g, 2, 4, low=-1.0, high=1.0)),
            "2 images normalised to [-1, 1] (some pixels negative)",
            raises="ValueError",
        )
    )
    g = _draw.generator(seed)
    for k, (b, d) in enumerate(_draw.batch_and_dims(g, 2, (2, 6), (3, 12)), start=1):
        cases.append(
            Case(
                f"random-{k}",
                "random",
                (_draw.normal(g, b, d, scale=3.0), _draw.bernoulli(g, b, d)),
                f"a random batch of {b} binary images with {d} pixels",
            )
        )
    return cases


def _naive_bernoulli(logits, x):
    p = torch.sigmoid(logits)
    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)


def _asserting_bernoulli(logits, x):
    assert ((x >= 0) & (x <= 1)).all(), "x must be in [0, 1]"
    return (x * logits - F.softplus(logits)).sum(-1)


def _probabilities_refused(student, reference, cases) -> bool:
    """binary_cross_entropy raised "all elements of input should be between 0 and 1" where the reference returns: its input was no probability.

    x is in [0, 1] on every case, so the input torch refused is the logits (or a function of them) passed where
    binary_cross_entropy expects probabilities.
    """
    r_by = {r["case"]: r for r in reference}
    return any(
        "raised" in s and "should be between 0 and 1" in s["raised"].get("error_message", "") and "raised" not in r_by.get(s["case"], {"raised": 1})
        for s in student
    )


def _binary_targets_only(student, reference, cases) -> bool:
    """Right on every ordinary case whose targets are all 0 or 1, wrong (or an error) on every one with grey targets."""
    by_name = {c.name: c for c in cases}
    binary, grey = [], []
    for s, r in zip(student, reference):
        c = by_name[s["case"]]
        if c.raises is not None or c.kind == "stability" or len(c.args) < 2:
            continue
        x = c.args[1]
        (binary if bool(((x == 0) | (x == 1)).all()) else grey).append(records_agree(s, r, c, with_grads=False))
    return bool(binary) and bool(grey) and all(binary) and not any(grey)


_LIK = "s4-likelihoods"
BERNOULLI_MISTAKES = (
    # hwalsuklee/tensorflow-generative-model-collections VAE.py, iusaspb/deep_learning_Nikolenko_and_Co#1,
    # kvfrans/variational-autoencoder: log(p + eps) or p clipped to [eps, 1 - eps], finite but floored.
    Mistake(
        "bernoulli_probability_clamped",
        "an epsilon or a clamp on the probability: the log stops near log(eps) at confident logits",
        "Right formula on ordinary logits, but an epsilon added inside the log (log(p + 1e-10)) or a clamp of the "
        "probability (clip to [1e-8, 1 - 1e-8]) puts a floor under each pixel's log-probability: it stops near "
        "log(eps) (about -23 nats for 1e-10, -18 for 1e-8) where the true value keeps falling with the logit, so a "
        "confidently wrong decoder is barely penalised. Never form the probability: rewrite both logs with the "
        "logits, log sigmoid(l) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l), which stay finite and exact.",
        _LIK,
        variants=(
            lambda l, x: (
                x * torch.log(torch.sigmoid(l) + 1e-7) + (1 - x) * torch.log(1 - torch.sigmoid(l) + 1e-7)
            ).sum(-1),
        ),
        predicate=floored_at_extremes,
        credit=0.5,
    ),
    # NaN from log(0) at saturated sigmoids: hwalsuklee/tensorflow-mnist-VAE#4, huggingface/candle#2561.
    Mistake(
        "bernoulli_unstable_log_sigmoid",
        "log of a sigmoid: wrong or infinite for large logits",
        "Right formula, unstable arithmetic: for a logit of 100, sigmoid gives exactly 1.0 in floating point, "
        "log(1 - 1.0) = -inf and 0 * -inf = NaN. A clamp or an epsilon does not save it in float32: 1 - 1e-8 and "
        "1e-10 + 1 both round to 1.0, so clip(p, 1e-8, 1 - 1e-8) and log(1e-10 + 1 - p) still give log(0); and where "
        "a clamp or an epsilon does act, the "
        "log stops near log(eps) (about -18 nats) while the true value keeps falling. Never form the probability: "
        "rewrite both logs with the logits, log sigmoid(l) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l), "
        "which stay finite and exact.",
        _LIK,
        variants=(_naive_bernoulli,),
        predicate=unstable_only,
        credit=0.5,
    ),
    Mistake(
        "bernoulli_accepts_invalid_data",
        "data outside [0, 1] accepted without an error",
        "Right on valid data, but your function returned numbers for pixels outside [0, 1] (raw 0-255 intensities, "
        "or data normalised to [-1, 1]). A Bernoulli log-likelihood of such values is meaningless: x log p + "
        "(1 - x) log(1 - p) can even be positive, so the loss goes negative and training quietly optimises "
        "nonsense, a bug that public VAE code has shipped. Check the range at the boundary and raise a ValueError "
        "naming x, the range found and the fix (rescale to [0, 1], or use a Gaussian likelihood).",
        _LIK,
        variants=(lambda l, x: (x * l - F.softplus(l)).sum(-1),),
        predicate=accepts_invalid_input,
        credit=0.5,
    ),
    Mistake(
        "bernoulli_error_not_valueerror",
        "invalid data refused with the wrong kind of error",
        "Your function refuses pixels outside [0, 1], but not with a ValueError. An `assert` vanishes under "
        "`python -O` (and its AssertionError says nothing about which argument is wrong); bad values of an "
        "argument are a ValueError, with a message naming x, the range found and what is expected.",
        _LIK,
        variants=(_asserting_bernoulli,),
        predicate=refused_with_other_error,
        credit=0.75,
    ),
    # aidanscannell/GPJax logdensities.py (log(where(x == 1, p, 1 - p))), MordehayM/Latent-Dependency-Structure...
    # model/loss.py (x == 1 / x == 0 masks), georgosgeorgos/hierarchical-few-shot-generative-models (td.Bernoulli).
    Mistake(
        "bernoulli_binary_targets_only",
        "targets treated as exactly 0 or 1: grey pixels get the wrong log-likelihood",
        "Your values are right where every target is 0 or 1 and wrong (or an error) where targets are grey, strictly "
        "between 0 and 1. Masks such as x == 1 and x == 0, torch.where(x == 1, p, 1 - p), rounding x, or "
        "torch.distributions.Bernoulli with its default argument checks (it refuses values other than 0 and 1) all "
        "assume binary pixels. The exercise's likelihood is defined for any x in [0, 1]: "
        "x log sigmoid(l) + (1 - x) log(1 - sigmoid(l)), i.e. x * l - softplus(l), with x used as a weight "
        "(Bernoulli(logits=l, validate_args=False) also computes it).",
        _LIK,
        variants=(
            lambda l, x: torch.where(x == 1, F.logsigmoid(l), F.logsigmoid(-l)).sum(-1),  # grey read as 0
            lambda l, x: ((x == 1).to(l.dtype) * F.logsigmoid(l) + (x == 0).to(l.dtype) * F.logsigmoid(-l)).sum(-1),
            lambda l, x: (x.round() * l - F.softplus(l)).sum(-1),
        ),
        predicate=_binary_targets_only,
        credit=0.5,
    ),
    Mistake(
        "bernoulli_logits_as_probabilities",
        "logits used as probabilities",
        "The decoder outputs logits (any real number), not probabilities: log(logit) is NaN for negative logits, "
        "binary_cross_entropy refuses them (\"all elements of input should be between 0 and 1\"), and clamping them "
        "into (0, 1) only hides that. The probability is sigmoid(logit), and the stable form never computes it: "
        "x * logit - softplus(logit) (binary_cross_entropy_with_logits).",
        _LIK,
        variants=(
            lambda l, x: (x * torch.log(l) + (1 - x) * torch.log(1 - l)).sum(-1),
            # the same through torch.distributions (NM512/dreamerv3-torch#29, HumanCompatibleAI/imitation#273:
            # Bernoulli(t) takes t as probs): refused with a ValueError on valid logits, or clamped to [eps, 1 - eps]
            lambda l, x: torch.distributions.Bernoulli(probs=l).log_prob(x).sum(-1),
            lambda l, x: torch.distributions.Bernoulli(probs=l.clamp(0, 1), validate_args=False).log_prob(x).sum(-1),
            # binary_cross_entropy on logits clamped into (0, 1) to stop its range error, at the usual epsilons
            *((lambda l, x, e=e: -F.binary_cross_entropy(l.clamp(e, 1 - e), x, reduction="none").sum(-1)) for e in (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)),
        ),
        predicate=_probabilities_refused,
    ),
    # Lightning-AI/pytorch-lightning#18272, itakurah/focal-loss-pytorch#5: sigmoid before a with-logits loss.
    Mistake(
        "bernoulli_sigmoid_twice",
        "probabilities passed where logits belong (sigmoid applied twice)",
        "binary_cross_entropy_with_logits applies the sigmoid itself; giving it sigmoid(logits) applies it twice, so "
        "every probability lies between 0.5 and 0.73. Pass the logits.",
        _LIK,
        variants=(lambda l, x: -F.binary_cross_entropy_with_logits(torch.sigmoid(l), x, reduction="none").sum(-1),),
    ),
    # autonomousvision/sledge#4: binary_cross_entropy_with_logits(target, logits).
    Mistake(
        "bernoulli_arguments_swapped",
        "the data and the logits swapped",
        "binary_cross_entropy_with_logits(input, target) takes the logits first and the data second; yours are swapped.",
        _LIK,
        variants=(
            lambda l, x: -F.binary_cross_entropy_with_logits(x, l, reduction="none").sum(-1),
            # carpedm20/NTM-tensorflow#17: the logits weigh the logs of the data
            lambda l, x: (l * torch.log(x + 1e-12) + (1 - l) * torch.log(1 - x + 1e-12)).sum(-1),
        ),
    ),
    # L1aoXingyu/pytorch-beginner#34 (a Bernoulli VAE whose "BCE" is nn.MSELoss), ethanluoyc/pytorch-vae#3.
    Mistake(
        "bernoulli_squared_error",
        "a squared error in place of the Bernoulli log-likelihood",
        "The squared error between sigmoid(logits) and x is not log p(x|z) of a Bernoulli decoder (it is, up to "
        "constants, a Gaussian's with a fixed variance, and a fixed variance sets an arbitrary weight against the "
        "KL). For binary pixels the log-likelihood is x log p + (1 - x) log(1 - p), computed from the logits as "
        "x * logits - softplus(logits), summed over the pixels.",
        _LIK,
        variants=(
            lambda l, x: -((torch.sigmoid(l) - x) ** 2).sum(-1),
            lambda l, x: ((torch.sigmoid(l) - x) ** 2).sum(-1),
            lambda l, x: -F.mse_loss(torch.sigmoid(l), x),
            lambda l, x: -F.mse_loss(torch.sigmoid(l), x, reduction="none").mean(-1),
            lambda l, x: -((l - x) ** 2).sum(-1),
        ),
    ),
    Mistake(
        "bernoulli_sign_flipped",
        "the binary cross-entropy (a loss) instead of the log-likelihood",
        "Your values are the binary cross-entropy, which is minus the log-likelihood. The ELBO needs log p(x|z) itself (negative for these inputs).",
        _LIK,
        variants=(lambda l, x: F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1),),
    ),
    Mistake(
        "bernoulli_default_mean_reduction",
        "a mean over every pixel and example: one number (what a loss's default reduction='mean' gives)",
        "Your answer averages the log-probabilities over all pixels and examples together: what "
        "F.binary_cross_entropy_with_logits does unless you pass reduction='none', or what a .mean() over everything does. "
        "Added to a KL summed over latent dimensions, that mean weights the KL by the number of pixels (an accidental "
        "beta). Return one log-likelihood per example, summed over its pixels; the batch mean comes once, in the loss.",
        "s4-reductions",
        variants=(
            lambda l, x: -F.binary_cross_entropy_with_logits(l, x),
            lambda l, x: F.binary_cross_entropy_with_logits(l, x),
        ),
    ),
    Mistake(
        "bernoulli_mean_over_pixels",
        "a mean over pixels instead of a sum",
        "log p(x|z) of an image is the sum of its pixels' log-probabilities (they are independent given z). A mean divides it by the number of pixels, which silently reweights the KL (like a beta of D).",
        "s4-reductions",
        variants=(lambda l, x: (x * l - F.softplus(l)).mean(-1),),
    ),
    GENERIC_BY_NAME["divided_by_batch_size"].made_by(lambda l, x: (x * l - F.softplus(l)).sum(-1) / l.shape[0]),
    Mistake(
        "bernoulli_no_sum",
        "no sum over pixels",
        "Your function returns one value per pixel, shape (B, D). Sum over the last dimension for one log-likelihood per example.",
        "s4-reductions",
        variants=(lambda l, x: x * l - F.softplus(l),),
    ),
)

# --- values and choices --------------------------------------------------------------------------


def _gauss(x=(1.0, 2.0), variance=1.0) -> float:
    xs = torch.tensor([x], dtype=torch.float64)
    return gaussian_log_likelihood(xs, torch.zeros_like(xs), math.log(variance)).item()


# --- mistakes only the practice variants meet (vaecourse.practice.skills_gaussian) ------------------

PRACTICE_MISTAKES = (
    Mistake(
        "bernoulli_missing_second_term",
        "the (1 - x) log(1 - p) term is missing",
        "Both outcomes contribute to each pixel's log-probability: x log p + (1 - x) log(1 - p). Without the "
        "second term, pixels with x = 0 cost nothing and the decoder learns to predict 1 everywhere.",
        _LIK,
        behaviour="sum_i x_i log sigmoid(l_i) alone",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="bernoulli_log_likelihood",
        session="s4",
        title="the Bernoulli log-likelihood from logits",
        section=_LIK,
        reference=_bernoulli_reference,
        make_cases=_bernoulli_cases,
        params=("logits", "x"),
        returns="a tensor of shape (B,)",
        axes=("batch", "pixel"),
        differentiable=(0,),
        mistakes=BERNOULLI_MISTAKES,
        hints=(
            "log p(x | logit) = x log sigmoid(logit) + (1 - x) log(1 - sigmoid(logit)); rewrite both logs with softplus.",
            "x * logit - softplus(logit) is the same quantity and never computes sigmoid; sum over dim=-1.",
        ),
    ),
    ValueExercise(
        id="gaussian_loglik_value",
        session="s4",
        title="a Gaussian log-likelihood with unit variance",
        section=_LIK,
        expected=_gauss,
        mistakes=(
            Mistake(
                "gauss_dropped_constant",
                "the normalising constant is missing",
                "Your value is -||x - m||^2 / 2 only. The log-density also has -(D/2) log(2 pi sigma^2): it does not matter for training with a fixed variance, but it does for a log-likelihood you report.",
                _LIK,
                variants=(lambda: -2.5,),
            ),
            Mistake(
                "gauss_squared_error",
                "the squared error instead of the log-likelihood",
                "||x - m||^2 is a loss; the log-likelihood is -||x - m||^2 / (2 sigma^2) - (D/2) log(2 pi sigma^2).",
                _LIK,
                variants=(lambda: 5.0, lambda: -5.0, lambda: 2.5),
            ),
            Mistake(
                "gauss_constant_once",
                "the constant counted once instead of once per dimension",
                "Each of the D = 2 dimensions contributes -1/2 log(2 pi): the constant is -(D/2) log(2 pi).",
                _LIK,
                variants=(lambda: -2.5 - 0.5 * math.log(2 * math.pi),),
            ),
        ),
        hints=("log N(x; m, I) = -1/2 ||x - m||^2 - (D/2) log(2 pi), here with D = 2.",),
    ),
    ChoiceExercise(
        id="reductions_choice",
        session="s4",
        title="where the batch mean belongs",
        section="s4-reductions",
        options={
            "a": "Inside gaussian_kl, so that it returns one number for the batch.",
            "b": "Once, in the loss: loss = -(reconstruction - kl).mean(), with both terms of shape (B,).",
            "c": "Average over the latent dimensions inside gaussian_kl, so that the KL does not grow with the latent size.",
            "d": "Average over the pixels in the reconstruction term but sum over the latent dimensions in the KL.",
        },
        correct=frozenset("b"),
        mistakes=(
            Mistake(
                "reduce_inside_terms",
                "reducing inside the per-example terms",
                "A per-example KL of shape (B,) serves the ELBO of each image, anomaly scores and diagnostics; averaging it away inside gaussian_kl loses that.",
                "s4-reductions",
                choices=frozenset("a"),
            ),
            Mistake(
                "mean_over_latents_is_fine",
                "averaging over latent dimensions",
                "The KL of independent dimensions is their sum; averaging changes its value and weights it differently for each latent size.",
                "s4-reductions",
                choices=frozenset("c"),
            ),
            Mistake(
                "mismatched_reductions",
                "different reductions for the two terms",
                "A mean over pixels against a sum over latents shrinks the reconstruction term by the number of pixels: an accidental beta-VAE with beta = D.",
                "s4-reductions",
                choices=frozenset("d"),
            ),
        ),
        hints=("Which shape do both terms have before the loss is computed?",),
    ),
)
