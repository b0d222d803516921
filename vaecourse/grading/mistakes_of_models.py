"""The catalogue's entries for whole-model answers: what the capstone's judges name from a trained or probed VAE.

The judges (:mod:`.vae_judge`, :mod:`.training_judge`, and the capstone's ``judge_capstone``) read a
learner's encoder, decoder, loss and training loop by behaviour; no exercise's variants make these
mistakes, so each is an entry with a ``behaviour`` (how the judge recognises it). They live apart from
the capstone's bank module because the judges, which the bank imports, name them. Add one here, once.
"""

from __future__ import annotations

from .exercise import Mistake
from .mistakes_generic import GENERIC_BY_NAME

_SCRATCH, _REDUCE, _COLLAPSE, _FIRST = "s4-vae-from-scratch", "s4-reductions", "s6-posterior-collapse", "s4-first-vae"


def _judged(name: str, title: str, explanation: str, section: str, behaviour: str) -> Mistake:
    return Mistake(name, title, explanation, section, behaviour=behaviour)


MODELS = (
    _judged("capstone_error", "your code raised an error", "A part of your answer raised an exception when the "
            "checker called it as the interface asks; nothing after the error could be checked.", _SCRATCH,
            "a part (Encoder, Decoder, loss) raises when called with the interface's arguments"),
    _judged("capstone_shape_error", "the networks raise on some sizes", "Your encoder or decoder raised at one of the "
            "batch, data and latent sizes tried: sizes hard-coded where the constructor's arguments belong.",
            _SCRATCH, "Encoder(D, L)(x) or Decoder(L, D)(z) raises at one of the sizes tried"),
    _judged("capstone_wrong_shape", "outputs of the wrong shape", "The encoder must return mu and logvar of shape "
            "(B, L) and the decoder logits of shape (B, D), for every batch, data and latent size.", _SCRATCH,
            "mu, logvar or the decoder's output (also of prior samples) has another shape than (B, L) or (B, D)"),
    _judged("capstone_squared_error", "a squared error for the Bernoulli reconstruction", "The digits' pixels are "
            "modelled as Bernoulli: their negative log-likelihood is the binary cross-entropy of the logits, not a "
            "squared error of probabilities or logits.", "s4-likelihoods",
            "the loss matches a squared-error reconstruction plus the KL on every case"),
    _judged("capstone_loss_is_elbo", "the ELBO where its negative belongs", "Your loss is the ELBO itself: "
            "minimising it lowers the bound. The loss is the negative ELBO, reconstruction loss plus KL.", _SCRATCH,
            "both terms fitted with the same negative factor"),
    _judged("capstone_loss_summed_over_batch", "the loss summed over the batch", "Your loss sums the per-example "
            "negative ELBOs over the batch: its size (and the step size) then grows with B. Take their mean, once.",
            _REDUCE, "both terms fitted with a factor B on cases of different batch sizes"),
    _judged("capstone_loss_rescaled", "both terms scaled by one constant", "Both terms carry the same constant "
            "factor: the optimum is the same, but the value is not the negative ELBO the page defines (nats per "
            "example), so it cannot be compared or reported as one.", _REDUCE,
            "both terms fitted with the same positive factor other than 1"),
    _judged("capstone_kl_weighted", "the KL weighted against the reconstruction", "The KL carries another weight "
            "than the reconstruction (a beta other than 1): that is a beta-VAE's objective, not the negative ELBO, "
            "and a heavy KL collapses the posterior.", _REDUCE,
            "the two terms fitted with different positive constant factors"),
    _judged("capstone_loss_error", "the loss raised an error", "Your loss (or its backward pass) raised an "
            "exception on ordinary inputs at one of the sizes tried.", _SCRATCH,
            "loss(x, encoder, decoder, eps) or its .backward() raises"),
    _judged("capstone_loss_not_scalar", "a loss that is not one number", "The loss must be one number, the batch "
            "mean of the per-example negative ELBO; yours has another shape (a reduction is missing).", _REDUCE,
            "the loss's shape is not ()"),
    _judged("capstone_loss_not_finite", "a loss that is NaN or infinite", "Your loss is NaN or infinite on ordinary "
            "inputs: a log of 0 (a sigmoid or softmax followed by log), an exp of a large logvar, or a division "
            "by 0. Use the stable forms (binary_cross_entropy_with_logits on logits).", _SCRATCH,
            "the loss is NaN or inf on the ordinary cases"),
    _judged("capstone_training_error", "the training function raised an error", "Your training function raised an "
            "exception when the checker ran it from a seeded start on the digits.", _FIRST,
            "train(encoder, decoder, x, epochs) raises"),
    _judged("capstone_over_budget", "training over its time budget", "Training took more CPU time than its budget: "
            "the checker trains every answer on one CPU core. Use fewer or smaller steps (batch size, width).",
            _FIRST, "the training function's CPU time exceeds the budget"),
    _judged("training_diverged", "training diverged", "The loss or the trained networks became NaN or infinite "
            "during training: a learning rate too high, or an exp(logvar) that overflows.", _FIRST,
            "a training loss, the trained networks' outputs or decoded prior samples are NaN or inf"),
    _judged("capstone_no_learning", "training does not learn", "The loss your function returned did not fall: the "
            "optimizer does not step, the gradients are not zeroed or computed, or the networks' parameters are "
            "not given to the optimizer.", _FIRST, "the returned losses do not fall over training"),
    _judged("capstone_wrong_objective", "training minimises something other than the negative ELBO", "Your "
            "training loss fell, but the test ELBO did not rise: the loop optimises another objective than the "
            "loss the page defines.", _FIRST, "the returned losses fall while the test ELBO does not rise"),
    _judged("posterior_collapse", "the posterior collapsed", "The KL is near 0 and the decoder ignores z: every "
            "latent code decodes to nearly the same image. Usual causes: a KL weighted too much (a mean over pixels "
            "beside a summed KL) or no gradient through the sample.", _COLLAPSE,
            "after training no latent dimension is active (or KL < 0.5 nats), or prior samples decode alike"),
    _judged("capstone_kl_misweighted", "the KL mis-weighted in training", "The effective beta measured at the "
            "trained weights (the KL weight that balances the two terms' gradients) is far from 1: the loop "
            "trains another objective than the negative ELBO.", _REDUCE,
            "the effective beta at the trained weights lies outside [0.4, 2.5]"),
    _judged("capstone_undertrained", "trained, but not enough", "It learns, but within the budget the test ELBO "
            "stays below the target: tune the learning rate, batch size or width.", _FIRST,
            "the test ELBO rises but stays below the target (or too few active dimensions)"),
)
MODELS_BY_NAME = {m.name: m for m in MODELS}


def mistake_id(name: str) -> str:
    """The id of the entry a whole-model judge names: one of ``MODELS`` or a generic entry (KeyError otherwise).

    Ids of the bank's exercise entries (``kl_wrong_sign``, ...) are written as literals in the judges; the
    catalogue test checks that every id a judge names resolves through :func:`.mistakes.entry`.
    """
    found = MODELS_BY_NAME.get(name) or GENERIC_BY_NAME.get(name)
    if found is None:
        raise KeyError(f"no whole-model or generic mistake {name!r}")
    return found.name
