"""Session 6 exercises: active units, the KL annealing weight, free bits (one module each), diagnosing collapse, the beta-VAE."""

from __future__ import annotations

from ..exercise import ChoiceExercise, Mistake
from . import s6_active_units, s6_annealing, s6_free_bits

_ANNEAL = s6_annealing._ANNEAL

# --- mistakes only the practice variants meet (vaecourse.practice.skills_collapse) ------------------

PRACTICE_MISTAKES = (
    Mistake(
        "anneal_ramp_over_cycle",
        "the ramp stretched over the whole cycle",
        "Cyclical annealing raises the weight over the first r C steps of each cycle of C steps, then holds it "
        "at 1: w_t = min(1, (t mod C) / (r C)). Dividing by C stretches the ramp over the whole cycle.",
        _ANNEAL,
        behaviour="(t mod C) / C as the cyclical weight",
    ),
    Mistake(
        "anneal_no_modulo",
        "the cycle ignored (no t mod C)",
        "Each cycle restarts the ramp from 0: the weight depends on t mod C, the step within the cycle, not on t.",
        _ANNEAL,
        behaviour="min(1, t / (r C)) as the cyclical weight",
    ),
)

EXERCISES = (
    s6_active_units.EXERCISE,
    s6_annealing.EXERCISE,
    s6_free_bits.EXERCISE,
    ChoiceExercise(
        id="collapse_diagnosis_choice",
        session="s6",
        title="diagnosing a collapsed VAE",
        section="s6-posterior-collapse",
        options={
            "a": "Posterior collapse: q(z|x) is close to the prior for every x and the decoder models the data without using z.",
            "b": "Overfitting: the encoder has memorised the training set.",
            "c": "Nothing is wrong: a KL this small means q(z|x) approximates the true posterior p(z|x) very well.",
            "d": "Training has not started yet: the learning rate is too low.",
        },
        correct=frozenset("a"),
        mistakes=(
            Mistake(
                "collapse_is_overfitting",
                "collapse mistaken for overfitting",
                "A memorising encoder would carry much information about x (a large KL); here z carries almost none.",
                "s6-posterior-collapse",
                choices=frozenset("b"),
            ),
            Mistake(
                "small_kl_means_good_posterior",
                "the KL to the prior confused with the KL to the posterior",
                "The KL in the ELBO is to the prior p(z), not to the posterior; a KL to the prior near 0 means q ignores x.",
                "s6-posterior-collapse",
                choices=frozenset("c"),
            ),
            Mistake(
                "collapse_is_undertraining",
                "collapse mistaken for under-training",
                "The reconstruction term is good, so the decoder has learned; it has learned to do without z.",
                "s6-posterior-collapse",
                choices=frozenset("d"),
            ),
        ),
        hints=("Which distribution is the KL in the ELBO measured against?",),
    ),
    ChoiceExercise(
        id="beta_vae_choice",
        session="s6",
        title="what beta > 1 does",
        section="s6-beta-vae",
        options={
            "a": "The KL term (the rate) goes down.",
            "b": "Reconstructions get sharper.",
            "c": "The latent code carries more information about x.",
            "d": "Fewer latent dimensions stay active.",
        },
        correct=frozenset("ad"),
        multiple=True,
        mistakes=(
            Mistake(
                "beta_sharpens",
                "beta > 1 sharpens reconstructions",
                "A heavier KL weight buys a lower rate with worse reconstructions (more distortion), typically blurrier.",
                "s6-beta-vae",
                choices=frozenset("b"),
            ),
            Mistake(
                "beta_more_information",
                "beta > 1 puts more information in z",
                "The KL bounds the information z carries about x; penalising it more leaves less.",
                "s6-beta-vae",
                choices=frozenset("c"),
            ),
        ),
        hints=("beta multiplies the KL, the price of information in z. What happens when a price goes up?",),
    ),
)
