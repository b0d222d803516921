"""The catalogue's mistakes of method: what no graded function can get wrong, how results are measured, read and reported.

Each entry is a :class:`~vaecourse.grading.exercise.Mistake` like the bank's, with its ``behaviour``
saying how to produce it (there is no wrong implementation to run); the book's "common mistakes"
sections render them from :func:`~vaecourse.grading.mistakes.markdown`. A mistake that a graded
exercise can produce belongs in that exercise's bank module instead, with its variants.
"""

from __future__ import annotations

from .exercise import Mistake

METHOD = (
    Mistake(
        "mc_no_error_bar",
        "a Monte Carlo number with too few samples and no error bar",
        "An estimate from a handful of draws prints as many decimals as any other, but is not precise: ten samples "
        "can be off by tens of percent. Always report the mean with its standard error, and choose the number of "
        "draws n from the accuracy you need: n is about (sample standard deviation / target standard error)^2.",
        "s1-monte-carlo",
        behaviour="print monte_carlo_estimate(draws).mean of n = 10 draws without its standard_error",
    ),
    Mistake(
        "elbo_plug_in_mean",
        "the decoder's log-likelihood at the mean instead of its average over q",
        "Replacing E_q[log p(x|z)] by log p(x | z = mu) drops the cost of uncertainty (the w^2 sigma^2 term of the "
        "linear-Gaussian model): the result is no longer a bound on log p(x), and only the KL acts on the width of q, "
        "pulling it to the prior's instead of the posterior's. Average over samples z ~ q (or use the closed form).",
        "s2-elbo-decomposition",
        behaviour="log p(x | mu) - KL(q || p(z)) in place of E_q[log p(x | z)] - KL(q || p(z))",
    ),
    Mistake(
        "kl_as_generic_regularizer",
        "the KL treated as a generic regularizer",
        "The KL term is not a weight decay to be swapped for any penalty that keeps codes small: it matches q(z|x) to "
        "the prior p(z) that generation samples from, which is what makes prior samples land where the decoder has "
        "learned to decode. Change the prior and the KL changes with it; replace it with, say, an L2 penalty on mu and "
        "nothing ties the spread or shape of q to what you sample from, and the objective bounds no likelihood.",
        "s2-elbo-decomposition",
        behaviour="replace KL(q || p(z)) in the loss by another penalty on the codes (e.g. mu.pow(2).sum(-1))",
    ),
    Mistake(
        "evaluated_on_training_data",
        "a model judged on its training data",
        "An encoder and a decoder are learned functions fitted to the training images: their ELBO, log-likelihood "
        "and amortization gap on those images are better than on new ones, and the difference grows with training "
        "(an encoder can look exact on the points it saw and lose to a few steps of per-datapoint optimisation on "
        "others). Measure on held-out data, and say which.",
        "s5-evaluation",
        behaviour="evaluate(model, data.x_train) reported as the model's ELBO or NLL",
    ),
    Mistake(
        "score_no_baseline",
        "a score-function estimator without a baseline when f has an offset",
        "Adding a constant to f changes no gradient, and leaves the pathwise estimator exactly unchanged, but it "
        "multiplies every sample's score by a larger number and inflates the score-function estimator's variance. "
        "Log-likelihoods of images are hundreds of nats from zero, so this is the normal case in a VAE. Subtract a "
        "baseline b close to E_q[f] (a running average of f works), or, for a continuous latent, reparameterize.",
        "s3-score-function",
        behaviour="score_function_gradient of f - 100 instead of f: the same mean, a much larger variance",
    ),
    Mistake(
        "decoder_without_likelihood",
        "a deterministic decoder with no likelihood",
        "Scoring the decoder's output as a reconstruction with whatever distance comes to hand leaves the "
        "reconstruction term without a meaning: unless it is -log p(x|z) of a stated distribution, reconstruction + KL "
        "is not an ELBO, bounds no likelihood, and the balance between its two terms is arbitrary. Name the "
        "distribution first: a squared error is a Gaussian with a variance you must state, a binary cross-entropy a "
        "Bernoulli.",
        "s4-likelihoods",
        behaviour="a loss of (x - decoder(z)).abs().sum(-1) + KL, with no distribution named",
    ),
    Mistake(
        "means_shown_as_samples",
        "decoder means shown and called samples",
        "The decoder's output at z ~ p(z) is the mean of p(x|z), not a sample of the model: real (binarized) images "
        "are 0 or 1 in every pixel, means are not, and a figure of means hides how noisy the model's actual samples "
        "are. Label such a figure 'decoder means at z ~ p(z)', and show samples too when the likelihood is what you "
        "evaluate.",
        "s5-generation",
        behaviour="plot torch.sigmoid(decoder(z)) for z ~ p(z) under the title 'samples'",
    ),
    Mistake(
        "interpolated_pixels",
        "pixels interpolated instead of codes",
        "Blending two images pixel by pixel, (1 - t) x1 + t x2, overlays them: a double exposure that never passes "
        "through another digit. Interpolate the codes z and decode the path: the decoder maps it onto images the "
        "model considers likely.",
        "s5-interpolation",
        behaviour="(1 - t) * x1 + t * x2 on images in place of decoding interpolate_latents(z1, z2, steps)",
    ),
    Mistake(
        "cvae_elbo_compared_with_vae",
        "a conditional VAE's ELBO compared with a VAE's",
        "A conditional VAE bounds log p(x|y), the log-probability of the image given its label, an easier quantity "
        "than log p(x): by Bayes' rule log p(x|y) = log p(x) + log p(y|x) - log p(y), up to log 10 nats more with ten "
        "equally frequent classes. Its higher number does not mean it models images better. Compare bounds on the "
        "same quantity: for a conditional model, estimate log p(x) = log sum_y p(y) p(x|y).",
        "s5-conditional-vae",
        behaviour="evaluate(cvae, data).elbo compared with evaluate(vae, data).elbo",
    ),
    Mistake(
        "nll_without_k",
        "an importance-sampled NLL without its k",
        "The importance-sampled estimate of log p(x) is itself a (stochastic) lower bound that rises with the number "
        "of samples k, so the NLL it gives is biased upwards and falls as k grows. Two models compared at different k, "
        "or a paper's number at k = 5000 against yours at k = 100, can differ by more than the models do. State k, use "
        "the same k for every model compared, and check that the estimate has levelled off.",
        "s5-evaluation",
        behaviour="an NLL at k = 100 compared with a published one at k = 5000",
    ),
    Mistake(
        "compared_across_datasets",
        "numbers compared across different data",
        "A log-likelihood is a number about one data set: an NLL on Fashion-MNIST is not worse than an MNIST figure, "
        "and thresholded and dynamically binarized MNIST are different data sets whose NLLs lie several nats apart. "
        "Compare with a published figure only on the same data, split and binarized the same way.",
        "s5-evaluation",
        behaviour="a test NLL on one data set or binarization compared with a published one on another",
    ),
    Mistake(
        "short_run_as_final",
        "a short run read as the final answer",
        "After a few passes over the data the curves are still falling: a short run shows the direction of a "
        "difference at equal passes, not the sizes reached at the end of a long schedule. State the number of passes "
        "beside every number.",
        "s5-evaluation",
        behaviour="the test NLL after a few epochs reported as the model's, without the number of passes",
    ),
    Mistake(
        "warmup_longer_than_training",
        "a KL warm-up longer than the training run",
        "warmup_steps counts updates, not epochs. With a small data set an epoch is only a handful of updates, so a "
        "warm-up of 1000 steps may never finish, and the 'annealed' model is trained with a KL weight below 1 "
        "throughout (and its reported objective is not the ELBO). Compute the number of updates, and check that the "
        "last weight (history.kl_weight[-1]) is 1 before reporting.",
        "s6-kl-annealing",
        behaviour="kl_annealing_weight(last_update, warmup_steps) < 1: warmup_steps above the number of updates",
    ),
    Mistake(
        "highest_rate_generates_best",
        "the highest-rate model expected to generate best",
        "A lower beta gives more rate, more used dimensions and better reconstructions, but not better samples: the "
        "information goes into codes the prior does not cover, and prior samples land between them and decode to "
        "less certain images. The sharpest samples come from near beta = 1, where the model is trained on the bound it "
        "is judged by.",
        "s6-beta-vae",
        behaviour="the beta = 0.1 model's prior samples taken as better than the beta = 1 model's because its distortion is lower",
    ),
    Mistake(
        "traversed_unused_dimension",
        "a traversal of an unused latent dimension",
        "A traversal of a dimension whose KL is near zero shows nothing, and suggests the model learned nothing there: "
        "the decoder ignores that dimension. Sort the dimensions by their KL (kl_per_dimension) before traversing them.",
        "s6-beta-vae",
        behaviour="traverse latent dimension 0 without looking at the KL of each dimension",
    ),
)
