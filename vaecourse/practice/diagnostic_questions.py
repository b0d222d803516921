"""The entry diagnostic's questions: prompts, answers, the classic confusions they catch and the sections that refresh them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..grading.sections import section_url

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
    "notation": ("notation", "book/notation"),
    "pytorch-tensors": ("tensors, shapes and reductions", "book/pytorch_refresher"),
    "pytorch-autograd": ("autograd", "book/pytorch_refresher"),
    "pytorch-training-loop": ("the training loop", "book/pytorch_refresher"),
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
    mistakes: tuple[tuple[tuple[float, ...] | str, str], ...] = field(default=(), repr=False)  # (wrong answer, what it reveals)
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
            ((0.9,), "P(positive | condition) is not P(condition | positive): Bayes' rule inverts the conditional."),
            ((0.009,), "0.009 is the joint P(condition, positive); divide by the evidence P(positive) = 0.0585."),
            ((0.0585,), "0.0585 is the evidence P(positive), the normaliser, not the posterior."),
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
            ((2.0, 1.0), "That ignores the prior: the posterior combines prior and likelihood, precisions adding."),
            ((1.0, 2.0), "2 is the posterior precision (1 + 1); the variance is its reciprocal."),
            ((1.0, math.sqrt(0.5)), "That is the posterior standard deviation; the variance is 0.5."),
        ),
    ),
    Question(
        "evidence",
        "bayes",
        "A latent z is 0 or 1 with p(z = 1) = 0.3. For an observed x, p(x | z = 0) = 0.2 and p(x | z = 1) = 0.9. What is p(x)?",
        (0.41,),
        "s1-latent-variable-models",
        mistakes=(
            ((0.55,), "The evidence weights each p(x | z) by its prior p(z): sum_z p(z) p(x | z)."),
            ((0.27,), "0.27 = p(z = 1) p(x | z = 1) is one term; add the term of z = 0."),
        ),
    ),
    Question(
        "mc_error",
        "bayes",
        "A Monte Carlo estimate from 100 independent draws has standard error 0.2. How many draws give a standard error of 0.05?",
        (1600.0,),
        "s1-monte-carlo",
        mistakes=(
            ((400.0,), "The standard error falls like 1/sqrt(n), not 1/n: 4 times smaller needs 16 times the draws."),
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
            ((20.0, 32.0), "PyTorch puts the batch first: (batch, features) in, (batch, out_features) out."),
            (
                (784.0, 20.0),
                "(784, 20) is (in, out) of the layer; its weight is stored as (20, 784). The output keeps the batch of 32.",
            ),
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
            ((3.0, 5.0), "dim=-1 is the last dimension: it disappears, the leading (8, 3) stay."),
            ((8.0, 3.0, 1.0), "Only keepdim=True keeps a dimension of size 1."),
        ),
    ),
    Question(
        "autograd",
        "pytorch",
        "w = torch.tensor(3.0, requires_grad=True); y = (2 * w) ** 2; y.backward(). What is w.grad?",
        (24.0,),
        "pytorch-autograd",
        mistakes=(
            ((36.0,), "36 is y itself; w.grad holds the derivative dy/dw."),
            ((12.0,), "The chain rule multiplies by the inner derivative d(2w)/dw = 2 as well."),
            ((6.0,), "(2w)^2 = 4 w^2: the factor 4 stays in the derivative."),
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
            ("b", "step() uses the gradients backward() computes: backward first, then step."),
            (
                "c",
                "Gradients accumulate in .grad across steps unless they are zeroed: each step would add the old ones.",
            ),
            ("d", "Without loss.backward() there are no gradients: step() changes nothing."),
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
                "That is KL(p || q): the KL is not symmetric, and KL(q || p) averages under q.",
            ),
            (
                ((0.5 * math.log(2) + 0.5 * math.log(2 / 3)) / math.log(2),),
                "That is in bits (log base 2); nats use the natural log.",
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
            ("b", "KL(q || p) and KL(p || q) differ in general: one averages under q, the other under p."),
            ("c", "Gibbs' inequality: the KL is never negative, however narrow q is."),
            ("d", "The KL is not a metric: it is not symmetric and has no triangle inequality."),
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
            ("b", "p_theta(x | z) is the decoder (the likelihood)."),
            ("c", "p(z) is the prior over the latents."),
            (
                "d",
                "p_theta(z | x) is the true posterior, usually intractable: the encoder q_phi(z | x) approximates it.",
            ),
        ),
    ),
)
