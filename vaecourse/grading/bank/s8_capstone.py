"""Capstone exercises: build and train your own VAE (encoder, decoder, loss, training function), graded by behaviour in five parts.

The learner's answer is a dict ``{"Encoder": ..., "Decoder": ..., "loss": ..., "train": ...}`` (see
:mod:`vaecourse.grading.vae_probe` for the interface). :mod:`~vaecourse.grading.vae_probe` runs it in
the sandbox; :mod:`~vaecourse.grading.vae_judge` scores the record here, with these points:

1. shapes for every batch, data and latent size tried (2);
2. the loss equals the negative ELBO of the learner's own networks with the same noise (3);
3. a gradient reaches every encoder parameter through the sample, and every decoder parameter (1);
4. trained by the checker from a seeded start (8 latent dimensions, 30 epochs of the digits, at most
   60 s of one CPU core), the test ELBO reaches ``TARGET_TEST_ELBO`` with ``MIN_ACTIVE_UNITS`` active
   dimensions (3; 1 if it learns but falls short);
5. prior samples decode to images of the right shape and range (1).

``capstone_debug`` grades the learner's repair of a training script whose loss has the bug of the
Keras VAE example (keras-team/keras#3373, fixed in #3383) and of zdebruine/MMVAE#19: the
reconstruction averaged over pixels beside a summed KL, which collapses the posterior.
"""

from __future__ import annotations

import torch

from ..exercise import ChoiceExercise, Mistake
from ..mistakes_generic import GENERIC_BY_NAME
from ..mistakes_of_models import MODELS_BY_NAME, mistake_id
from ..model_exercise import ModelExercise, PartResult
from ..training_judge import judge_samples, judge_training
from ..vae_judge import judge_gradients, judge_loss, judge_shapes
from ..vae_probe import probe_vae
from . import s3_reparameterization, s4_gaussian_kl, s4_likelihoods

TARGET_TEST_ELBO = -23.0  # nats per test image; the page's plain loop reaches about -19.3 (8 latents, 30 epochs)
MIN_ACTIVE_UNITS = 3  # of 8; a collapsed model has 0
WALL_SECONDS = 300.0  # the sandbox's wall-clock ceiling; the training budget itself is CPU time (vae_probe)
POINTS = {"shapes": 2.0, "loss": 3.0, "gradients": 1.0, "training": 3.0, "samples": 1.0}
_KL_MISTAKES = next(e for e in s4_gaussian_kl.EXERCISES if e.id == "gaussian_kl").mistakes
# The entries the judges can name, for the feedback's title and review section: the exercises' own (a KL, a
# likelihood, a sample), the generic ones, and the whole-model ones.
_NAMED = {m.name: m for module in (s3_reparameterization, s4_gaussian_kl, s4_likelihoods)
          for exercise in module.EXERCISES for m in exercise.mistakes}
_NAMED |= GENERIC_BY_NAME | MODELS_BY_NAME


def _test_images() -> torch.Tensor:
    from ...data import load_digits

    return load_digits().x_test


def judge_capstone(record: dict, seed: int) -> list[PartResult]:
    """The five parts' results from the probe's record (see the module docstring)."""
    parts = []

    def add(title, key, outcome, review):
        if isinstance(outcome, dict) and "not_attempted" in outcome:
            parts.append(PartResult(title, POINTS[key], 0.0, "not attempted yet.", attempted=False))
            return
        earned, message, mistake = outcome[:3]
        named = _NAMED.get(mistake) if earned < POINTS[key] else None
        if named is not None:  # the entry's title and section, so the feedback names and links it
            end = "" if message.endswith((".", "?", "!")) else "."
            message = f"{message}{end} Mistake: {named.title} (`{named.name}`)."
            review = tuple(dict.fromkeys((*review, named.section))) if named.section else review
        parts.append(PartResult(title, POINTS[key], earned, message, mistake, review if earned < POINTS[key] else ()))

    def run(judge, data, *args):
        if not isinstance(data, (dict, list)) or (isinstance(data, dict) and "not_attempted" in data):
            return data if isinstance(data, dict) else {"not_attempted": "no record"}
        if isinstance(data, dict) and "raised" in data and judge is not judge_gradients and judge is not judge_training:
            return 0.0, f"your code raised {data['raised']['error_type']}: {data['raised']['error_message']}", \
                mistake_id("capstone_error")
        return judge(data, *args)

    add("shapes", "shapes", run(judge_shapes, record.get("shapes"), POINTS["shapes"]), ("s4-reductions",))
    add("loss = negative ELBO", "loss", run(judge_loss, record.get("loss"), POINTS["loss"], _KL_MISTAKES),
        ("s4-reductions", "s4-likelihoods"))
    add("gradients through the sample", "gradients", run(judge_gradients, record.get("gradients"), POINTS["gradients"]),
        ("s3-reparameterization",))
    training = record.get("training")
    add("training reaches the target", "training",
        run(judge_training, training, _test_images(), POINTS["training"], TARGET_TEST_ELBO, MIN_ACTIVE_UNITS),
        ("s6-posterior-collapse", "s4-first-vae"))
    add("prior samples", "samples", run(judge_samples, training, POINTS["samples"]), ("s5-generation",))
    return parts


def reference_answer() -> dict:
    """A correct answer, written as a learner would (separate mean and log-variance heads, tanh, Adam)."""
    from torch import nn
    from torch.nn import functional as F

    class Encoder(nn.Module):
        def __init__(self, data_dim, latent_dim, hidden=128):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(data_dim, hidden), nn.Tanh())
            self.mu, self.logvar = nn.Linear(hidden, latent_dim), nn.Linear(hidden, latent_dim)

        def forward(self, x):
            h = self.body(x)  # (B, H)
            return self.mu(h), self.logvar(h)  # (B, L) each

    def Decoder(latent_dim, data_dim, hidden=128):  # noqa: N802 - the interface calls it like a class
        return nn.Sequential(nn.Linear(latent_dim, hidden), nn.Tanh(), nn.Linear(hidden, data_dim))

    def loss(x, encoder, decoder, eps=None):
        mu, logvar = encoder(x)  # (B, L)
        eps = torch.randn_like(mu) if eps is None else eps
        logits = decoder(mu + torch.exp(0.5 * logvar) * eps)  # (B, D)
        reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)  # (B,): sum over pixels
        kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)  # (B,): sum over latents
        return (reconstruction + kl).mean()  # the one mean, over the batch

    def train(encoder, decoder, x, epochs, batch_size=64, lr=2e-3):
        optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
        losses = []
        for _ in range(epochs):
            for index in torch.randperm(len(x)).split(batch_size):
                value = loss(x[index], encoder, decoder)
                optimizer.zero_grad()
                value.backward()
                optimizer.step()
                losses.append(value.item())
        return losses

    return {"Encoder": Encoder, "Decoder": Decoder, "loss": loss, "train": train}


_HINTS = (
    "Check the parts one at a time: shapes first (print mu.shape, logvar.shape, decoder(z).shape), then the loss on one batch.",
    "The loss: sum the reconstruction over pixels and the KL over latent dimensions (one value per example), then take one mean over the batch. Use the eps you are given.",
    "If training collapses (KL near 0), compare the scale of your reconstruction term with the KL's: a mean over pixels weights the KL 64 times.",
)

def _vae_exercise(exercise_id: str, title: str, section: str, hints: tuple[str, ...], required=()) -> ModelExercise:
    """A whole VAE graded by the five parts above (the capstone and the repaired script share them)."""
    return ModelExercise(
        id=exercise_id, session="s8", title=title, section=section, hints=hints, probe=probe_vae,
        judge=judge_capstone, reference=reference_answer, points=sum(POINTS.values()), seconds=WALL_SECONDS,
        required=required,
        answer_form='a dict {"Encoder": ..., "Decoder": ..., "loss": ..., "train": ...}',
    )


capstone_vae = _vae_exercise("capstone_vae", "your own VAE: encoder, decoder, loss, training", "s4-vae-from-scratch", _HINTS)
capstone_debug = _vae_exercise("capstone_debug", "the repaired training script", "s4-reductions", (
    "Run the script as given and look at the KL it reports, the active latent dimensions and the samples.",
    "Compare the scale of the reconstruction term with the KL's: which of them is averaged over what?",
), required=("loss = negative ELBO",))  # the script's networks come given: the repair is the learner's part

capstone_bug_choice = ChoiceExercise(
    id="capstone_bug_choice",
    session="s8",
    title="what the bug did",
    section="s6-posterior-collapse",
    hints=("Which term does the buggy loss shrink, and by how much? Session 4, section 6 ran the same change.",),
    options={
        "a": "The KL is weighted about 64 times too much relative to the reconstruction, so the posterior collapses onto the prior.",
        "b": "The reconstruction is weighted too much, so the KL explodes and training diverges.",
        "c": "The gradient no longer reaches the encoder through the sample.",
        "d": "Nothing changes: a mean and a sum differ only by a constant, which the optimizer does not see.",
    },
    correct=frozenset("a"),
    mistakes=(
        Mistake("bug_reconstruction_weighted_up", "the direction of the re-weighting reversed",
                "Dividing the reconstruction by 64 pixels leaves the KL 64 times heavier, not lighter.",
                "s4-reductions", choices=frozenset("b")),
        Mistake("bug_is_gradient_cut", "a reduction bug taken for a cut gradient",
                "The sample still carries the gradient; only the weights of the two terms changed.",
                "s3-reparameterization", choices=frozenset("c")),
        Mistake("bug_constant_factor_harmless", "a factor on one term taken as harmless",
                "A constant factor on the whole loss is harmless; a factor on one of its two terms changes the optimum.",
                "s4-reductions", choices=frozenset("d")),
    ),
)

EXERCISES = (capstone_vae, capstone_debug, capstone_bug_choice)
