"""The entry diagnostic's questions: prompts, answers, the classic confusions they catch (by catalogue id) and the sections that refresh them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..grading.sections import PREREQUISITE_SECTIONS, section_url

TOPICS = {
    "bayes": "Bayesian inference",
    "pytorch": "neural networks in PyTorch",
    "kl": "the KL divergence",
    "notation": "the course's notation",
}

REFRESHERS = {  # label -> (title, page in the built book); the s1 labels live on the Session 1 page
    "s1-latent-variable-models": ("latent-variable models and the evidence", None),
    "s1-conjugate-example": ("a conjugate example: the exact posterior", None),
    "s1-monte-carlo": ("Monte Carlo estimates and their standard error", None),
    "s1-kl-divergence": ("KL divergence basics", None),
    **PREREQUISITE_SECTIONS,
}


def refresher_reference(label: str) -> str:
    """``"section LABEL (title): URL"`` for a refresher section."""
    title, page = REFRESHERS[label]
    url = section_url(label) if page is None else f"{page}.html#{label}"
    return f"section {label} ({title}): {url}"


@dataclass(frozen=True)
class Question:
    """One question: ``answer`` is a tuple of numbers, or a frozenset of option letters for a choice."""

    id: str
    topic: str
    prompt: str
    answer: tuple[float, ...] | frozenset[str] = field(repr=False)  # a displayed question hides its answer
    refresher: str
    answer_form: str = "a number"
    options: dict[str, str] = field(default_factory=dict)
    # (wrong answer, the catalogue id of the mistake it reveals: vaecourse.grading.mistakes)
    mistakes: tuple[tuple[tuple[float, ...] | str, str], ...] = field(default=(), repr=False)
    rtol: float = 1e-3

    def __post_init__(self):
        assert self.topic in TOPICS and self.refresher in REFRESHERS, self.id


_BAYES_POST = 0.01 * 0.9 / (0.01 * 0.9 + 0.99 * 0.05)
QUESTIONS = (
    Question(
        "bayes_rule",
        "bayes",
        "1% of patients have a condition. A test detects it with probability 0.9 and gives a false alarm for a "
        "healthy patient with probability 0.05. What is P(condition | positive test)?",
        (_BAYES_POST,),
        "s1-latent-variable-models",
        mistakes=(
            ((0.9,), "bayes_conditional_inverted"),
            ((0.009,), "bayes_joint_for_posterior"),
            ((0.0585,), "bayes_evidence_for_posterior"),
        ),
    ),
    Question(
        "conjugate_update",
        "bayes",
        "theta ~ N(0, 1) a priori and one observation x = 2 ~ N(theta, 1). Give the posterior mean and variance of theta.",
        (1.0, 0.5),
        "s1-conjugate-example",
        "a pair (mean, variance)",
        mistakes=(
            ((2.0, 1.0), "posterior_ignores_prior"),
            ((1.0, 2.0), "posterior_returns_precision"),
            ((1.0, math.sqrt(0.5)), "posterior_returns_std"),
        ),
    ),
    Question(
        "evidence",
        "bayes",
        "A latent z is 0 or 1 with p(z = 1) = 0.3. For an observed x, p(x | z = 0) = 0.2 and p(x | z = 1) = 0.9. What is p(x)?",
        (0.41,),
        "s1-latent-variable-models",
        mistakes=(
            ((0.55,), "evidence_unweighted_sum"),
            ((0.27,), "evidence_one_term"),
        ),
    ),
    Question(
        "mc_error",
        "bayes",
        "A Monte Carlo estimate from 100 independent draws has standard error 0.2. How many draws give a standard error of 0.05?",
        (1600.0,),
        "s1-monte-carlo",
        mistakes=(
            ((400.0,), "mc_error_linear_in_n"),
        ),
    ),
    Question(
        "linear_shape",
        "pytorch",
        "x = torch.randn(32, 784) passes through torch.nn.Linear(784, 20). What is the output's shape?",
        (32.0, 20.0),
        "pytorch-tensors",
        "a shape such as (2, 3)",
        mistakes=(
            ((20.0, 32.0), "shape_batch_last"),
            ((784.0, 20.0), "shape_layer_for_output"),
        ),
    ),
    Question(
        "sum_shape",
        "pytorch",
        "t has shape (8, 3, 5). What is the shape of t.sum(dim=-1)?",
        (8.0, 3.0),
        "pytorch-tensors",
        "a shape such as (2, 3)",
        mistakes=(
            ((3.0, 5.0), "shape_wrong_dim_reduced"),
            ((8.0, 3.0, 1.0), "shape_keepdim_assumed"),
        ),
    ),
    Question(
        "autograd",
        "pytorch",
        "w = torch.tensor(3.0, requires_grad=True); y = (2 * w) ** 2; y.backward(). What is w.grad?",
        (24.0,),
        "pytorch-autograd",
        mistakes=(
            ((36.0,), "autograd_value_for_gradient"),
            ((12.0,), "autograd_chain_rule_missing"),
            ((6.0,), "autograd_constant_dropped"),
        ),
    ),
    Question(
        "training_loop",
        "pytorch",
        "Which is a correct training step?",
        frozenset("a"),
        "pytorch-training-loop",
        "one letter",
        options={
            "a": "optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step()",
            "b": "loss = loss_fn(model(x), y); optimizer.step(); loss.backward()",
            "c": "loss = loss_fn(model(x), y); loss.backward(); optimizer.step()  (gradients never zeroed)",
            "d": "optimizer.zero_grad(); loss = loss_fn(model(x), y); optimizer.step()",
        },
        mistakes=(
            ("b", "training_step_before_backward"),
            ("c", "training_gradients_not_zeroed"),
            ("d", "training_no_backward"),
        ),
    ),
    Question(
        "kl_bernoulli",
        "kl",
        "Compute KL(q || p) in nats for q = Bernoulli(0.5) and p = Bernoulli(0.25).",
        (0.5 * math.log(2) + 0.5 * math.log(2 / 3),),
        "s1-kl-divergence",
        mistakes=(
            (
                (0.25 * math.log(0.5) + 0.75 * math.log(1.5),),
                "kl_direction_reversed",
            ),
            (
                ((0.5 * math.log(2) + 0.5 * math.log(2 / 3)) / math.log(2),),
                "kl_in_bits",
            ),
        ),
    ),
    Question(
        "kl_properties",
        "kl",
        "Which statement about KL(q || p) is true?",
        frozenset("a"),
        "s1-kl-divergence",
        "one letter",
        options={
            "a": "It is >= 0, and 0 only when q = p.",
            "b": "It is symmetric: KL(q || p) = KL(p || q).",
            "c": "It can be negative when q is narrower than p.",
            "d": "It is a distance: it satisfies the triangle inequality.",
        },
        mistakes=(
            ("b", "kl_is_symmetric"),
            ("c", "kl_can_be_negative"),
            ("d", "kl_taken_as_metric"),
        ),
    ),
    Question(
        "notation",
        "notation",
        "In this course's notation, which distribution is the encoder?",
        frozenset("a"),
        "notation",
        "one letter",
        options={"a": "q_phi(z | x)", "b": "p_theta(x | z)", "c": "p(z)", "d": "p_theta(z | x)"},
        mistakes=(
            ("b", "notation_decoder_for_encoder"),
            ("c", "notation_prior_for_encoder"),
            ("d", "notation_posterior_for_encoder"),
        ),
    ),
)
