"""Judge the shapes, the loss and the gradients of a learner's VAE from the plain-data record of :mod:`.vae_probe`, with the course's own ELBO.

Runs in the grader, never beside the learner's code. Each input the probe used is drawn again here
from the same seed; the reference negative ELBO of the learner's *own* networks is computed from the
outputs they returned (``mu``, ``logvar``, ``logits``) with :func:`vaecourse.core.gaussian_kl` and
:func:`~vaecourse.core.likelihoods.bernoulli_log_likelihood`. A wrong loss is explained by fitting
``loss = a * reconstruction + b * KL`` per size and reading how ``a`` and ``b`` scale with the
batch size B, the data size D and the latent size L (``1/D``: a mean over pixels; ``B``: a sum over
the batch; a constant ``b/a``: a KL weight beta), after trying the catalogue's formula mistakes of
the two terms (sigma for sigma², logits as probabilities, a squared error).
"""

from __future__ import annotations

import itertools
import math

import torch

from ..core.bounds import ElboTerms
from ..core.kl import gaussian_kl
from ..core.likelihoods import bernoulli_log_likelihood
from .mistakes_of_models import mistake_id
from .vae_probe import SHAPE_SIZES, finite, tensors

LOSS_RTOL = 1e-4
FIT_RTOL = 2e-3  # a fitted explanation must reproduce every loss value this closely


def float64(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def error_text(raised: dict) -> str:
    at = f" ({raised['error_line']})" if raised.get("error_line") else ""
    return f"{raised['error_type']}{at}: {raised['error_message']}"


def judge_shapes(records, points: float):
    """Part 1: mu and logvar (B, L) from x (B, D); logits (B, D) from z (B, L), at every size tried."""
    wrong = []
    for r in records:
        b, d, l = r["size"]
        where = f"B={b}, D={d}, L={l}"
        if "raised" in r:
            return 0.0, f"at {where} your code raised {error_text(r['raised'])}", mistake_id("capstone_shape_error")
        expected = {"mu": [b, l], "logvar": [b, l], "logits": [b, d]}
        wrong += [f"{k} has shape {r[k]} instead of {v} at {where}" for k, v in expected.items() if r[k] != v]
    if wrong:
        return 0.0, "; ".join(wrong[:3]) + ".", mistake_id("capstone_wrong_shape")
    sizes = ", ".join(f"(B={b}, D={d}, L={l})" for b, d, l in SHAPE_SIZES)
    return points, f"right shapes for every batch, data and latent size tried: {sizes}.", None


def _terms(record) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    b, d, l = record["size"]
    x = tensors(record["case"], (b, d), "x").double()
    return x, float64(record["mu"]), float64(record["logvar"]), float64(record["logits"])


def _recon_variants():
    """Per-example reconstruction losses (B,): the reference, then formula mistakes of whole-model code."""
    def reference(logits, x):
        return -bernoulli_log_likelihood(logits, x)

    def logits_as_probabilities(out, x):  # the decoder ends in a sigmoid and the loss takes probabilities
        p = out.clamp(1e-12, 1 - 1e-12)
        return -(x * p.log() + (1 - x) * (1 - p).log()).sum(-1)

    def sigmoid_twice(logits, x):  # a probability passed to a loss that applies the sigmoid itself
        return -bernoulli_log_likelihood(torch.sigmoid(logits), x)

    def squared_error(logits, x):
        return (torch.sigmoid(logits) - x).pow(2).sum(-1)

    def squared_error_on_logits(logits, x):
        return (logits - x).pow(2).sum(-1)

    return (
        (None, reference),
        ("bernoulli_logits_as_probabilities", logits_as_probabilities),
        ("bernoulli_sigmoid_twice", sigmoid_twice),
        (mistake_id("capstone_squared_error"), squared_error),
        (mistake_id("capstone_squared_error"), squared_error_on_logits),
    )


def kl_variants(mistakes) -> list:
    """Per-example KLs (B,): the closed form, then the formula mistakes among the catalogue's ``mistakes`` of the KL."""
    found = [(None, gaussian_kl)]
    for mistake in mistakes:
        if mistake.section != "s4-reductions":  # reductions are read off the fitted scale instead
            found += [(mistake.name, variant) for variant in mistake.variants]
    return found


def _scaling(values: list[float], sizes: list[tuple[int, int, int]]):
    """Write values = c * B^i * D^j * L^k (i, j, k in -1, 0, 1; c the same at every size); None if impossible."""
    best = None
    for i, j, k in sorted(itertools.product((0, 1, -1), repeat=3), key=lambda e: sum(map(abs, e))):
        cs = [v / (b**i * d**j * l**k) for v, (b, d, l) in zip(values, sizes)]
        c = sum(cs) / len(cs)
        if abs(c) > 1e-6 and all(abs(x - c) <= 1e-3 * abs(c) for x in cs):
            best = (c, (i, j, k))
            break
    return best


def _fit(groups, rec_fn, kl_fn):
    """Per size, least squares of loss = a * mean(rec) + b * mean(kl); None if it does not explain the losses."""
    coefficients = []
    for records in groups:
        rows, ys = [], []
        for r in records:
            x, mu, logvar, logits = _terms(r)
            try:
                rec, kl = rec_fn(logits, x), kl_fn(mu, logvar)
            except Exception:  # noqa: BLE001 - a variant that does not apply to these inputs
                return None
            if rec.shape != x.shape[:1] or kl.shape != x.shape[:1]:
                return None
            rows.append([float(rec.mean()), float(kl.mean())])
            ys.append(float(r["loss"]))
        a_matrix, y = float64(rows), float64(ys)
        if not torch.isfinite(a_matrix).all():  # the variant is undefined here (the log of a negative number)
            return None
        solution = torch.linalg.lstsq(a_matrix, y.unsqueeze(-1)).solution.squeeze(-1)
        if not torch.isfinite(solution).all() or not torch.allclose(a_matrix @ solution, y, rtol=FIT_RTOL, atol=1e-6):
            return None
        coefficients.append([float(v) for v in solution])
    return coefficients


_FACTOR_WORDS = {0: ("batch size B", "a sum over the batch"), 1: ("number of pixels D", "a mean over pixels"),
                 2: ("latent size L", "a mean over latent dimensions")}


def _describe_scale(term: str, scaled) -> list[str]:
    c, exponents = scaled
    words = []
    for axis, e in enumerate(exponents):
        name, meaning = _FACTOR_WORDS[axis]
        if e == 1:
            words.append(f"your {term} is multiplied by the {name}" + (" (a sum over the batch instead of its mean)" if axis == 0 else ""))
        elif e == -1:
            words.append(f"your {term} is divided by the {name}" + (f" ({meaning})" if axis else " twice (a mean taken twice)"))
    if abs(c - 1) > 1e-3:
        words.append(f"your {term} is weighted by {c:.4g}")
    return words


def _name_scaling(a, b) -> str:
    (ca, ea), (cb, eb) = a, b
    if ea == eb and ca * cb > 0 and ca < 0:
        return mistake_id("capstone_loss_is_elbo")
    if cb < 0 < ca:
        return "kl_wrong_sign"
    if ca < 0 < cb:
        return "bernoulli_sign_flipped"
    if ea != eb:
        if ea == (0, -1, 0) and eb == (0, 0, 0):
            return "bernoulli_mean_over_pixels"
        if eb == (0, 0, -1) and ea == (0, 0, 0):
            return "kl_mean_over_latent"
        return "mismatched_reductions"
    if ea == (1, 0, 0):
        return mistake_id("capstone_loss_summed_over_batch")
    if abs(cb / ca - 1) <= 1e-3:
        return mistake_id("capstone_loss_rescaled")  # both terms scaled alike: the same optimum, but not the negative ELBO
    return mistake_id("capstone_kl_weighted")


def judge_loss(records, points: float, kl_mistakes=()):
    """Part 2: the loss equals the batch mean of the reference negative ELBO of the learner's own networks."""
    raised = next((r for r in records if "raised" in r), None)
    if raised:
        return 0.0, f"at B, D, L = {raised['size']} your code raised {error_text(raised['raised'])}", mistake_id("capstone_loss_error")
    if any(r["loss_shape"] != [] for r in records):
        r = next(r for r in records if r["loss_shape"] != [])
        return 0.0, (f"your loss returned shape {r['loss_shape']}; return one number, the batch mean of the "
                     "per-example negative ELBO."), mistake_id("capstone_loss_not_scalar")
    if not all(r["same_noise_same_loss"] for r in records):
        return 0.0, ("the same x, networks and eps gave two different losses: your loss draws its own noise "
                     "instead of using the eps it is given."), "reparam_ignores_eps"
    if not all(finite([r["loss"]]) for r in records):
        return 0.0, "your loss is NaN or infinite on ordinary inputs.", mistake_id("capstone_loss_not_finite")
    wrong = 0
    for r in records:
        x, mu, logvar, logits = _terms(r)
        reference = ElboTerms(bernoulli_log_likelihood(logits, x), gaussian_kl(mu, logvar)).loss()
        wrong += not math.isclose(r["loss"], float(reference), rel_tol=LOSS_RTOL, abs_tol=1e-4)
    if not wrong:
        return points, (f"equals the negative ELBO of your own networks with the same noise on all {len(records)} "
                        "cases (batch, data and latent sizes varied)."), None
    sizes = sorted({tuple(r["size"]) for r in records}, key=[tuple(r["size"]) for r in records].index)
    groups = [[r for r in records if tuple(r["size"]) == s] for s in sizes]
    for (rec_name, rec_fn), (kl_name, kl_fn) in itertools.product(_recon_variants(), kl_variants(kl_mistakes)):
        coefficients = _fit(groups, rec_fn, kl_fn)
        if coefficients is None:
            continue
        a = _scaling([c[0] for c in coefficients], sizes)
        b = _scaling([c[1] for c in coefficients], sizes)
        if a is None or b is None:
            continue
        words = []
        if rec_name:
            words.append(f"the reconstruction term matches the mistake '{rec_name}'")
        if kl_name:
            words.append(f"the KL term matches the mistake '{kl_name}'")
        words += _describe_scale("reconstruction term", a) + _describe_scale("KL", b)
        name = rec_name or kl_name or _name_scaling(a, b)
        if a[1] == b[1] and a[0] * b[0] > 0 and abs(b[0] / a[0] - 1) > 1e-3:
            words.append(f"the effective beta (KL weight over reconstruction weight) is {b[0] / a[0]:.4g}")
        detail = "; ".join(words) if words else "it differs"
        return 0.0, f"differs from the negative ELBO of your networks on {wrong} of {len(records)} cases: {detail}.", name
    return 0.0, (f"differs from the negative ELBO of your networks on {wrong} of {len(records)} cases, in a way that "
                 "is not one of the known mistakes; compare each term and each reduction with the page."), None


def judge_gradients(record, points: float):
    """Part 3: a gradient reaches every decoder parameter, and every encoder parameter through the sample z."""
    if "raised" in record:
        return 0.0, f"computing the gradient raised {error_text(record['raised'])}", mistake_id("capstone_loss_error")
    if not record["connected"]:
        return 0.0, ("your loss carries no gradient (computed under torch.no_grad, with .item(), or rebuilt from "
                     "numbers)."), mistake_id("gradient_cut")
    dead_decoder = [n for n, g in zip(record["decoder_names"], record["decoder"]) if not g]
    cut = [n for n, t, s in zip(record["encoder_names"], record["encoder_total"], record["encoder_through_sample"])
           if t is None or s is None or s <= 1e-6 * max(t, 1e-12)]
    if dead_decoder:
        return 0.0, f"no gradient reaches the decoder's {', '.join(dead_decoder)}.", mistake_id("gradient_cut")
    if cut:
        return 0.0, (f"the encoder's {', '.join(cut)} get a gradient from the KL only, none through the sample z: "
                     "is z detached, or drawn without mu + exp(logvar / 2) * eps?"), mistake_id("gradient_cut")
    return points, "a gradient reaches every encoder parameter through the sample, and every decoder parameter.", None
