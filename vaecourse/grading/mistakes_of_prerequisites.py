"""The catalogue's mistakes of prerequisites: the confusions about what the course assumes that the entry diagnostic names.

Each entry is a :class:`~vaecourse.grading.exercise.Mistake` like the bank's, citing the section that
refreshes it, with its ``behaviour`` saying which answer reveals it. The diagnostic
(:mod:`vaecourse.practice.diagnostic_questions`) names each wrong answer by catalogue id; a confusion
that an exercise or a practice skill also meets (the prior left out of a posterior, the KL's direction,
the standard error's 1/sqrt(n)) is that exercise's entry, reused by id, not a second one here.
"""

from __future__ import annotations

from .exercise import Mistake

_BAYES, _TENSORS, _AUTOGRAD, _LOOP = "s1-latent-variable-models", "pytorch-tensors", "pytorch-autograd", "pytorch-training-loop"

PREREQUISITES = (
    Mistake(
        "bayes_conditional_inverted",
        "P(positive | condition) taken for P(condition | positive)",
        "A test's accuracy P(positive | condition) is not the probability of the condition given a positive test: "
        "Bayes' rule inverts the conditional, P(c | +) = P(+ | c) P(c) / P(+), and a rare condition stays unlikely.",
        _BAYES,
        behaviour="the likelihood P(x | z) given where the posterior P(z | x) is asked for",
    ),
    Mistake(
        "bayes_joint_for_posterior",
        "the joint probability taken for the posterior",
        "P(condition, positive) = P(positive | condition) P(condition) is the numerator of Bayes' rule; the posterior "
        "divides it by the evidence P(positive), the joint summed over every value of the condition.",
        _BAYES,
        behaviour="the joint P(z, x) given where the posterior P(z | x) is asked for",
    ),
    Mistake(
        "bayes_evidence_for_posterior",
        "the evidence taken for the posterior",
        "P(positive) = sum_c P(positive | c) P(c) is the normaliser of Bayes' rule, the same for every value of the "
        "condition, not the posterior: the posterior is the joint divided by it.",
        _BAYES,
        behaviour="the evidence P(x) given where the posterior P(z | x) is asked for",
    ),
    Mistake(
        "evidence_unweighted_sum",
        "the likelihoods summed without their prior weights",
        "The evidence is p(x) = sum_z p(z) p(x | z): each likelihood weighted by the prior probability of its z. "
        "The p(x | z) summed alone are not a probability of x (the sum can exceed 1).",
        _BAYES,
        behaviour="sum_z p(x | z) given where sum_z p(z) p(x | z) is asked for",
    ),
    Mistake(
        "evidence_one_term",
        "one term of the evidence's sum",
        "p(z) p(x | z) for one value of z is the joint p(x, z); the evidence adds this term over every value of z.",
        _BAYES,
        behaviour="p(z) p(x | z) for one z given where the sum over z is asked for",
    ),
    Mistake(
        "shape_batch_last",
        "the batch taken as the last dimension",
        "PyTorch puts the batch first: a layer maps (batch, in_features) to (batch, out_features).",
        _TENSORS,
        behaviour="(out_features, batch) given as a layer's output shape",
    ),
    Mistake(
        "shape_layer_for_output",
        "the layer's (in, out) sizes taken for the output's shape",
        "nn.Linear(in, out) names the feature sizes of one example, and stores its weight as (out, in). The output "
        "keeps the input's batch: (batch, out).",
        _TENSORS,
        behaviour="(in_features, out_features) given as a layer's output shape",
    ),
    Mistake(
        "shape_wrong_dim_reduced",
        "the first dimension reduced instead of the last",
        "dim=-1 is the last dimension: a sum over it removes that dimension, and the leading ones stay.",
        _TENSORS,
        behaviour="the shape without its first dimension given for t.sum(dim=-1)",
    ),
    Mistake(
        "shape_keepdim_assumed",
        "the reduced dimension kept with size 1",
        "A reduction removes the dimension it runs over; only keepdim=True keeps it, with size 1.",
        _TENSORS,
        behaviour="a size-1 dimension in place of the reduced one",
    ),
    Mistake(
        "autograd_value_for_gradient",
        "the value taken for the gradient",
        "After y.backward(), w.grad holds the derivative dy/dw at w, not the value y.",
        _AUTOGRAD,
        behaviour="y given for w.grad",
    ),
    Mistake(
        "autograd_chain_rule_missing",
        "the inner derivative of the chain rule left out",
        "The chain rule multiplies the outer derivative by the inner one: d f(g(w)) / dw = f'(g(w)) g'(w); for "
        "(2w)^2 that is 2 (2w) times d(2w)/dw = 2.",
        _AUTOGRAD,
        behaviour="f'(g(w)) given for the derivative of f(g(w))",
    ),
    Mistake(
        "autograd_constant_dropped",
        "a constant factor dropped from the derivative",
        "(2w)^2 = 4 w^2: the constant factor 4 stays in the derivative, 8 w.",
        _AUTOGRAD,
        behaviour="the derivative of w^2 given for that of (2w)^2",
    ),
    Mistake(
        "training_step_before_backward",
        "optimizer.step() before loss.backward()",
        "step() moves the parameters along the gradients that backward() computes: backward first, then step.",
        _LOOP,
        behaviour="a training step that calls optimizer.step() before loss.backward()",
    ),
    Mistake(
        "training_gradients_not_zeroed",
        "gradients never zeroed",
        "backward() adds to .grad: unless optimizer.zero_grad() clears it, each step uses the sum of every past "
        "step's gradients.",
        _LOOP,
        behaviour="a training step without optimizer.zero_grad()",
    ),
    Mistake(
        "training_no_backward",
        "no loss.backward()",
        "Without loss.backward() no gradient is computed: step() finds none and changes nothing.",
        _LOOP,
        behaviour="a training step without loss.backward()",
    ),
    Mistake(
        "kl_taken_as_metric",
        "the KL taken as a distance",
        "The KL is not a metric: it is not symmetric and satisfies no triangle inequality. It is a divergence, >= 0 "
        "and 0 only when q = p.",
        "s1-kl-divergence",
        behaviour="the KL said to satisfy the triangle inequality",
    ),
    Mistake(
        "notation_decoder_for_encoder",
        "the decoder p_theta(x | z) taken for the encoder",
        "p_theta(x | z) is the decoder, the likelihood of x given a code z; the encoder q_phi(z | x) maps an x to a "
        "distribution over codes.",
        "notation",
        behaviour="p_theta(x | z) named as the encoder",
    ),
    Mistake(
        "notation_prior_for_encoder",
        "the prior p(z) taken for the encoder",
        "p(z) is the prior over the latents, the same for every x; the encoder q_phi(z | x) depends on x.",
        "notation",
        behaviour="p(z) named as the encoder",
    ),
    Mistake(
        "notation_posterior_for_encoder",
        "the true posterior taken for the encoder",
        "p_theta(z | x) is the model's true posterior, usually intractable; the encoder q_phi(z | x) approximates it.",
        "notation",
        behaviour="p_theta(z | x) named as the encoder",
    ),
)
