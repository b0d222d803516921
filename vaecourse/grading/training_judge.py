"""Judge how a learner's VAE trained (from the probe's record): the test ELBO, active units, and what went wrong otherwise.

Runs in the grader. The record holds the trained networks' outputs on the test digits and the
losses the learner's ``train`` returned; the test ELBO is the course's own (Bernoulli log-likelihood
of the logits minus the closed-form KL, :class:`~vaecourse.core.bounds.ElboTerms`). A failure is
named from behaviour: a NaN in the losses (divergence, with its step), losses that did not fall (no
learning), losses that fell while the ELBO did not rise (a wrong objective), a KL near zero with no
active unit (collapse), or an effective beta far from 1, measured where the gradients of the
reconstruction and of the KL balance at the trained weights.
"""

from __future__ import annotations

import math

import torch

from ..core.bounds import ElboTerms
from ..core.kl import gaussian_kl
from ..core.likelihoods import bernoulli_log_likelihood
from .mistakes_of_models import mistake_id
from .vae_judge import error_text, float64
from .vae_probe import TRAIN_BUDGET_S, TRAIN_LATENT, finite


def elbo_of(outputs: dict, x: torch.Tensor) -> ElboTerms:
    """The course's ELBO terms (B,) of returned outputs: Bernoulli log-likelihood of the logits, closed-form KL."""
    return ElboTerms(bernoulli_log_likelihood(float64(outputs["logits"]), x.double()),
                     gaussian_kl(float64(outputs["mu"]), float64(outputs["logvar"])))


def active_count(mu: torch.Tensor, threshold: float = 1e-2) -> int:
    """Latent dimensions whose posterior mean varies with x: Var_x(mu_j) > threshold (Burda et al., 2016).

    The same rule as :func:`vaecourse.training.diagnostics.active_units`, which the grading layer cannot import.
    """
    return int((mu.var(dim=0, unbiased=False) > threshold).sum())


def effective_beta(terms) -> float | None:
    """beta with g_rec + beta * g_kl closest to 0 over all parameters: -<g_rec, g_kl> / <g_kl, g_kl>."""
    if not terms or not terms["kl_kl"] > 1e-12:
        return None
    return -terms["rec_kl"] / terms["kl_kl"]


def judge_training(record, x_test: torch.Tensor, points: float, target_elbo: float, min_active: int):
    """Part 4: the learner's training function, from a seeded start, reaches the target test ELBO with active units."""
    if "raised" in record:
        return 0.0, f"your training function raised {error_text(record['raised'])}", mistake_id("capstone_training_error"), {}
    if record.get("over_budget") or record.get("cpu_seconds", 0.0) > TRAIN_BUDGET_S:
        return 0.0, f"training took more than its budget of {TRAIN_BUDGET_S:g} s of one CPU core.", mistake_id("capstone_over_budget"), {}
    losses = record.get("losses") or []
    bad_step = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if bad_step is not None or not finite([record["test"]["mu"], record["test"]["logvar"], record["test"]["logits"]]):
        at = f"the loss became NaN or infinite at step {bad_step}" if bad_step is not None else "the trained networks output NaN"
        return 0.0, f"training diverged: {at}. Lower the learning rate, or check exp(logvar) and the loss.", mistake_id("training_diverged"), {}
    if bool(((float64(record["test"]["logits"]) >= 0) & (float64(record["test"]["logits"]) <= 1)).all()):
        return 0.0, ("every output of the trained decoder lies in [0, 1]: it returns probabilities, but the "
                     "exercise's decoder returns logits (the ELBO reads them so). Drop the final sigmoid."), \
            "bernoulli_logits_as_probabilities", {}
    terms = elbo_of(record["test"], x_test)
    elbo, kl = float(terms.elbo.mean()), float(terms.kl.mean())
    units = active_count(float64(record["test"]["mu"]))
    n0 = len(record["init"]["mu"])
    before = float(elbo_of(record["init"], x_test[:n0]).elbo.mean())
    after = float(terms.elbo[:n0].mean())
    beta = effective_beta(record.get("beta_terms"))
    facts = {"test_elbo": elbo, "test_kl": kl, "active_units": units, "elbo_at_start": before,
             "effective_beta": beta, "cpu_seconds": record.get("cpu_seconds")}
    reached = (f"test ELBO {elbo:.4g} nats (KL {kl:.4g}), {units} of {TRAIN_LATENT} latent dimensions active, "
               f"within the budget of {TRAIN_BUDGET_S:g} s")
    if elbo >= target_elbo and units >= min_active:
        return points, f"{reached}; the target is {target_elbo:g} nats with at least {min_active} active.", None, facts
    beta_note = f" The effective beta measured at the trained weights is {beta:.2g}." if beta is not None else ""
    third = len(losses) // 3
    falling = third == 0 or sum(losses[-third:]) / third < sum(losses[:third]) / third - 1.0  # nats: noise is not a fall
    if not falling:
        return 0.0, (f"no learning: {reached}, against {before:.4g} at the start, and the loss your function returned "
                     "did not fall. Does the optimizer step, are the gradients zeroed every step, and are the "
                     "networks' parameters given to the optimizer?"), mistake_id("capstone_no_learning"), facts
    if after <= before + 1.0:
        return 0.0, (f"your training loss fell, but the ELBO did not rise: {reached}, against {before:.2f} at the "
                     f"start. The loop minimises something other than the negative ELBO.{beta_note}"), \
            mistake_id("capstone_wrong_objective"), facts
    if units == 0 or kl < 0.5:
        return 0.0, (f"posterior collapse: {reached}. The KL is near 0 and the decoder ignores z.{beta_note} Usual "
                     "causes: a KL weighted too much (a mean over pixels beside a summed KL), or no gradient "
                     "through the sample (part 3)."), mistake_id("posterior_collapse"), facts
    if beta is not None and not 0.4 <= beta <= 2.5:
        return 0.0, (f"the KL is mis-weighted: {reached}; the effective beta measured at the trained weights is "
                     f"{beta:.2g}, not 1."), mistake_id("capstone_kl_misweighted"), facts
    return points / 3, (f"it learns, but not enough: {reached}; the target is {target_elbo:g} nats with at least "
                        f"{min_active} active. Train better within the budget (learning rate, batch size, width)."), \
        mistake_id("capstone_undertrained"), facts


def judge_samples(record, points: float):
    """Part 5: decoded prior samples are (N, D) images in [0, 1] (logits, not probabilities), and they differ."""
    if "prior_logits" not in record:
        return 0.0, "needs a trained decoder (part 4 did not finish).", None
    logits = float64(record["prior_logits"])
    n = logits.shape[0]
    if logits.dim() != 2 or record["single_sample_shape"] != [1, logits.shape[-1]]:
        return 0.0, f"decoding {n} prior samples gave shape {list(logits.shape)}; expected ({n}, D).", mistake_id("capstone_wrong_shape")
    if not torch.isfinite(logits).all():
        return 0.0, "decoded prior samples contain NaN or inf.", mistake_id("training_diverged")
    if bool(((logits >= 0) & (logits <= 1)).all()):
        return 0.0, ("every decoder output lies in [0, 1]: the decoder returns probabilities, but the loss and the "
                     "samples read its outputs as logits (drop the final sigmoid)."), "bernoulli_logits_as_probabilities"
    images = torch.sigmoid(logits)  # (N, D) pixel probabilities
    spread = float(images.std(dim=0).mean())
    if spread < 0.02:
        return 0.0, f"all {n} samples decode to nearly the same image (spread {spread:.3f}): the decoder ignores z.", mistake_id("posterior_collapse")
    return points, f"{n} prior samples decode to {n} different images of {logits.shape[-1]} pixels in [0, 1].", None
