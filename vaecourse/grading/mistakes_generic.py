"""The catalogue's generic entries: what the checker recognises by behaviour in any exercise (a sign, a factor, a shape, a cut gradient).

Each is a :class:`~vaecourse.grading.exercise.Mistake` with a ``behaviour`` (how the checker recognises
it) and no variants; an exercise whose own variants make one reuses it (:meth:`Mistake.made_by`).
They live apart from :mod:`.mistakes`, the catalogue's lookup, because the bank imports them and the
lookup imports the bank. Add a generic entry here, once.
"""

from __future__ import annotations

from .exercise import Mistake

_GRAD = "s3-why-sampling-blocks-gradients"
_RED = "s4-reductions"

GRADIENT_CUT = Mistake(
    "gradient_cut",
    "the gradient path is cut",
    "Your values may be right, but the gradient does not reach every input it should: something detaches the "
    "result from its inputs (.detach(), torch.no_grad(), .data, .item(), torch.normal(mu, std) or "
    "distribution.sample() as a sample, a NumPy round-trip, or a new tensor built with torch.tensor(...)). Training "
    "backpropagates through this function: a loop on such a result runs without an error and its parameters never "
    "move (check that a parameter's .grad is non-zero after the first step). Use differentiable torch operations on "
    "the inputs; a sample is z = mu + sigma * eps, a differentiable function of mu and logvar.",
    _GRAD,
    behaviour="a required input receives no gradient (None or all zeros where the reference's is not)",
)

GENERIC = (
    GRADIENT_CUT,
    Mistake(
        "sign_flipped",
        "minus the expected values",
        "Your values are minus the expected ones: a minus sign is dropped or doubled (a loss where the quantity "
        "itself is asked for, or the reverse).",
        "",
        behaviour="values times -1 on every case",
    ),
    Mistake(
        "factor_two",
        "twice the expected value",
        "Your values are exactly twice the expected ones: a factor 1/2 is missing (or counted twice over).",
        "",
        behaviour="values times 2 on every case",
    ),
    Mistake(
        "log_base_not_natural",
        "a log in another base (base 10 or bits) where natural logs belong",
        "Your values are the expected ones in another log base: log10 or log2 in place of log, or a result divided "
        "by ln 2 to report bits, scales every value by one constant (0.4343 for base 10, 1.443 for bits). The course's "
        "log-likelihoods, KLs and bounds are natural logs, in nats: use torch.log (and logsumexp, logsigmoid), and "
        "convert to bits only when you report a number, not inside the function.",
        "",
        behaviour="values times 1/ln 10, 1/ln 2, ln 10 or ln 2 on every case, in an exercise whose answer is a log-density, KL or bound",
    ),
    Mistake(
        "factor_half",
        "half the expected value",
        "Your values are exactly half the expected ones: an extra factor 1/2 (or a mean of two where a sum belongs).",
        "",
        behaviour="values times 1/2 on every case",
    ),
    Mistake(
        "mean_over_last_axis",
        "a mean over the last dimension where a sum belongs",
        "Your values are the right ones divided by the size of the last dimension (latent dimensions, pixels or "
        "samples), on cases of different sizes: a mean where a sum belongs. Independent dimensions add up; "
        "averaging makes the value (and its weight in the loss) change with that size.",
        _RED,
        behaviour="values times 1/D, D the size of the first argument's last axis, on every case",
    ),
    Mistake(
        "divided_by_batch_size",
        "each example's value divided by the batch size",
        "Your values are the right ones divided by the batch size B, on cases with different B: an example's value "
        "does not depend on how many examples share its batch. The 1/B belongs to the batch mean, taken once in the loss.",
        _RED,
        behaviour="values times 1/B, B the size of the first argument's batch axis, on every case",
    ),
    Mistake(
        "mean_over_everything",
        "divided by the batch size times the last dimension's size",
        "Your values are the right ones divided by B * D (a mean over the whole array, or sum / (batch * pixels)). "
        "Sum over the event dimension only; the batch mean happens once, in the loss.",
        _RED,
        behaviour="values times 1/(B*D) on every case",
    ),
    Mistake(
        "reduced_over_batch",
        "one number for the whole batch",
        "Your function returns a single number where one value per example, shape (B,), is due: it reduces over the "
        "batch. Per-example values serve diagnostics and the ELBO of one image; the batch mean belongs in the loss.",
        _RED,
        behaviour="output shape () where (B,) is expected",
    ),
    Mistake(
        "reduced_over_wrong_axis",
        "reduced over the wrong axis",
        "Your output has the shape of another axis than the expected one: the reduction runs over the batch (dim=0) "
        "where it belongs over the last dimension (dim=-1), or the reverse.",
        _RED,
        behaviour="output shape (D,) where (B,) is expected, or the reverse",
    ),
    Mistake(
        "no_reduction",
        "no reduction at all",
        "Your function returns one value per entry, the shape of its input: the sum over the last dimension is missing.",
        _RED,
        behaviour="output shape equal to the first argument's where a reduction is expected",
    ),
    Mistake(
        "unstable_at_extremes",
        "NaN or infinity at extreme (but valid) inputs",
        "Your function is finite on ordinary inputs and returns NaN or infinity on extreme ones where the true value "
        "is finite: an overflow or underflow (the log of a sigmoid that underflows to 0, exp of a large number). "
        "Rewrite the computation in log space (softplus, logsumexp) so that no intermediate leaves the float range.",
        "",
        behaviour="finite on ordinary cases, NaN/inf on the stability cases",
    ),
    Mistake(
        "scale_wrong_function",
        "the standard deviation (or variance) built with the wrong function of the log-variance",
        "The standard deviation is sigma = exp(logvar / 2), the same as sqrt(exp(logvar)), and the variance is "
        "sigma^2 = exp(logvar): logvar = log sigma^2 is any real number, and exp turns it into a positive scale. Your "
        "code builds the scale from logvar with another function (the note says which: softplus, the exp left out, "
        "the variance squared, ...), so every value that depends on the spread is wrong. Write std = torch.exp(0.5 * logvar) "
        "and var = torch.exp(logvar).",
        "s4-log-variance",
        behaviour="the noise's scale (output at eps = 1 minus at eps = 0), or the variance term of a formula, is a named "
        "function of the log-variance other than exp(logvar / 2) (or exp(logvar)), on every case",
    ),
    Mistake(
        "scale_parameter_misread",
        "a variance, standard deviation or log of one read as another",
        "sigma, sigma^2, log sigma and log sigma^2 = logvar are four different numbers: sigma = exp(logvar / 2), "
        "sigma^2 = exp(logvar), log sigma = logvar / 2. Your values are the right formula applied to the wrong one of "
        "these (said above). Write each quantity from the argument explicitly and check which one every term of your "
        "formula expects.",
        "",
        behaviour="values equal the reference with a scale argument converted and read as another parametrisation",
    ),
    Mistake(
        "scale_power_wrong",
        "a scale parameter raised to the wrong power",
        "Your values are the right ones multiplied by a power of a scale argument (the note says which power): on "
        "cases with different sigma the ratio follows sigma^k exactly. The formula divides or multiplies by that "
        "argument to another power than it should: sigma^3 or sigma where the variance sigma^2 belongs, a variance "
        "squared, or a multiplication where a division belongs. Write down which quantity each term needs (the "
        "standard deviation or the variance) and check its exponent.",
        "",
        behaviour="values equal the reference times s^p (s a scale argument, p a non-zero multiple of 1/2) on every case",
    ),
    Mistake(
        "output_clamped",
        "the result clamped to a range",
        "Your values are the expected ones wherever they lie inside a range such as [-1, 1], and sit exactly on its "
        "bound where the expected ones lie beyond it: a torch.clamp (or clip) at the end. The function's result is not "
        "bounded (a noised x_t, a sample): clamping it to the data's range changes its distribution. Return the "
        "formula's value unclamped.",
        "",
        behaviour="values equal the reference inside [-1, 1] (or [0, 1]) and sit on the bound where the reference leaves it",
    ),
    Mistake(
        "wrong_input",
        "the right formula applied to the wrong input",
        "Your values are exactly what the right formula gives with one of its inputs changed (said above): another "
        "argument used in its place, two arguments swapped, or the argument transformed before use (negated, doubled, "
        "halved, squared, its exp or log). The formula is right; what goes into it is not. Check which argument each "
        "term takes: the right slice of the encoder's output, the log-weights themselves, the logits rather than the data.",
        "",
        behaviour="values equal the reference's on the cases' arguments with one replaced, two swapped or one transformed",
    ),
    Mistake(
        "output_transformed",
        "the expected values passed through a function (square root, square, log, exp, 1 - x, reversed)",
        "Your values are a function of the right ones (the note says which): their square root or square (a standard "
        "deviation where a variance is due, sqrt(alpha_bar) where alpha_bar is), their log or exp (a log-space result "
        "not exponentiated back, or an exp too many), 1 minus them (the complement), or the right values in reverse "
        "order; sometimes with the first or last value also set by hand. Check which quantity the exercise asks you to "
        "return, and return it for every step as computed.",
        "",
        behaviour="values equal a named transform of the reference's on every case (sqrt, square, log, exp, 1 - x, reversed), "
        "or such a transform, a running sum or product, or a one-step shift with only the first and/or last value a constant",
    ),
    Mistake(
        "not_a_tensor",
        "the right values, but not as a torch.Tensor",
        "Your values are the right ones, returned as a NumPy array, a list or a Python number where a torch.Tensor is "
        "due. Training backpropagates through this function, and NumPy values, lists and floats carry no gradient: "
        "keep the computation in torch operations on the inputs and return the tensor itself.",
        "",
        behaviour="every value right once converted, but the output is not a tensor",
    ),
    Mistake(
        "broadcast_to_square",
        "a (B, 1) tensor broadcast against a (B,) one",
        "Your output is a (B, B) matrix whose diagonal holds the values due: one part of the formula keeps the reduced "
        "axis (keepdim=True gives (B, 1)) while another drops it (B,), and adding them broadcasts every example against "
        "every other. .squeeze() does not undo it. Reduce both parts the same way (keepdim=False, or squeeze the "
        "(B, 1) part before combining) so the result is one value per example.",
        _RED,
        behaviour="output shape (B, B) where (B,) is expected, with the expected values on the diagonal",
    ),
    Mistake(
        "values_right_shape_wrong",
        "the right values in the wrong shape",
        "Your values are the right ones, but the output's shape is not the one asked for (e.g. (B, 1) or (1, B) where "
        "(B,) is due: keepdim=True, an unsqueeze, or a reshape too many). Broadcasting a (B, 1) against a (B,) tensor "
        "later gives a (B, B) matrix silently. Return exactly the shape the exercise states.",
        "",
        behaviour="every value right, but the output has another shape than the reference's",
    ),
    Mistake(
        "dtype_changed",
        "the output's dtype is not the inputs'",
        "Your output has another dtype than its inputs (float64 from float32 inputs, or an integer tensor). Functions in "
        "a model keep their inputs' dtype: avoid .double(), torch.tensor(..., dtype=...), NumPy round-trips and integer "
        "arithmetic (//, .long(), rounding); build constants with the inputs' dtype (torch.full_like, x.new_tensor).",
        "",
        behaviour="the output's dtype differs from the reference's (values right, or an integer output)",
    ),
    Mistake(
        "zero_output",
        "zeros everywhere",
        "Your function returns zeros on every case, whatever its input: a result that is never computed, overwritten, "
        "or multiplied by a zero weight. Print an intermediate value to see where the numbers vanish.",
        "",
        behaviour="every value of every case is 0",
    ),
    Mistake(
        "constant_output",
        "the same value for every input",
        "Your function returns the same number everywhere, whatever its input: the inputs do not reach the result "
        "(a hard-coded value, or a variable that shadows an argument).",
        "",
        behaviour="every value of every case is the same constant",
    ),
    Mistake(
        "formula_term_changed",
        "a term of the formula missing, doubled, or with its sign flipped",
        "Your answer is built from the same terms as the formula, but with a term's weight changed: left out, counted "
        "twice, halved, with its sign flipped, or a term added that does not belong (the note says which, and how your "
        "result decomposes). Write the formula term by term next to your code and compare each sign and factor.",
        "",
        behaviour="the answer is exactly the formula's terms with simple coefficients (0, +-1, +-2, +-1/2) that differ "
        "from the formula's, in a way no catalogued mistake reads",
    ),
    # kl_wfvae_dims_are_sizes (held-out set 5): torch.sum(..., dim=list(mu.shape)[1:]) passes the latent size as an axis
    Mistake(
        "size_passed_as_axis",
        "an axis's size passed where its index belongs (dim=)",
        "dim= takes axis indices (0 for the batch, 1 or -1 for the last axis of a (B, D) tensor), not the sizes of the "
        "axes: dim=list(x.shape)[1:] or dim=x.shape[-1] asks for axis number D, which does not exist (IndexError: "
        "Dimension out of range). Sum over the latent axis with dim=-1 (or dim=tuple(range(1, x.dim())) for all "
        "non-batch axes).",
        _RED,
        behaviour="the answer raises 'Dimension out of range ... but got N' where N is the size of an input's axis, on "
        "cases whose sizes differ",
    ),
    Mistake(
        "tensor_to_python_number",
        "a tensor of several values turned into one Python number",
        ".item(), float() and int() turn a tensor holding ONE value into a Python number, and math.exp, math.log or "
        "math.sqrt call float() on their argument; on a tensor with one value per example they raise ('a Tensor with "
        "B elements cannot be converted to Scalar', 'only one element tensors can be converted to Python scalars'). Even "
        "on one value the result is a plain number that no gradient reaches. Use torch.exp, torch.log, torch.sqrt, "
        "which work element by element, and return the tensor itself; call .item() only to print or log one number.",
        _RED,
        behaviour="the answer raises torch's 'cannot be converted to Scalar' / 'only one element tensors can be "
        "converted to Python scalars' where the expected output has several values, and raises nothing else",
    ),
    # Shape slips that torch refuses with an error (named from its message by diagnose_shape_errors).
    Mistake(
        "indexed_too_many_axes",
        "an index with more axes than the tensor has",
        "An index names one position or slice per axis: t[:, 0] needs two axes. torch refused (too many indices) because "
        "your index names more axes than the tensor has at that line. Print the tensor's shape there; None adds an axis "
        "only on its own (t[:, None], or t.unsqueeze(-1)), while None: is a slice.",
        "",  # reviewed in the exercise's own section; shapes are in the PyTorch refresher
        behaviour="the answer raises torch's 'too many indices for tensor of dimension n', and no other error",
    ),
    Mistake(
        "axis_out_of_range",
        "a dim that the tensor does not have",
        "dim=k must lie between -n and n - 1 for a tensor with n axes. torch refused a reduction or an index along an "
        "axis your tensor does not have at that line: a (B,) tensor has only dim 0 (= -1), a (B, D) tensor dims 0 and 1. "
        "Print the shape there, and prefer dim=-1 for the last axis whatever comes before it.",
        "",  # reviewed in the exercise's own section; shapes are in the PyTorch refresher
        behaviour="the answer raises torch's 'Dimension out of range', and no other error",
    ),
    Mistake(
        "shapes_do_not_broadcast",
        "two tensors whose shapes do not broadcast, combined element by element",
        "+, -, * and / need shapes that broadcast: aligned from the last axis, each pair of sizes equal or one of them "
        "1. torch refused to pair two different sizes. Print both shapes at that line: often one tensor was reduced over "
        "the wrong axis, or a (B,) tensor meets a (B, D) one without [:, None] (the (B,) then lines up with D, not B).",
        "",  # reviewed in the exercise's own section; shapes are in the PyTorch refresher
        behaviour="the answer raises torch's 'The size of tensor a must match the size of tensor b', and no other error",
    ),
    Mistake(
        "matrix_product_shapes",
        "a matrix product (@, matmul, mm, dot) on sizes that do not multiply",
        "A matrix product needs the inner sizes to agree, (n, k) @ (k, m), and torch.dot takes two 1-D tensors. The "
        "line torch stopped at multiplies matrices on sizes that do not agree. The formulas of these exercises multiply "
        "element by element: a * b, then a sum over the axis the formula sums.",
        "",  # reviewed in the exercise's own section; shapes are in the PyTorch refresher
        behaviour="the answer raises torch's matrix-product size error on a line with @, matmul, mm, bmm, mv, dot or einsum",
    ),
    Mistake(
        "library_function_submitted",
        "the course library's function handed in",
        "You handed in the course library's own function (from vaecourse) instead of your implementation: the exercise "
        "checks the code you write, so write the function yourself (the library's is the reference it is compared with).",
        "",
        behaviour="the answer is a function defined in the vaecourse package",
    ),
    Mistake(
        "mutated_input",
        "an input changed in place",
        "Your function changed one of its input tensors in place (x += ..., x.mul_(...), x[...] = ...). Callers reuse "
        "their tensors, and autograd may need the original values: compute new tensors instead.",
        "",
        behaviour="an input tensor's values differ after the call from before it",
    ),
)
GENERIC_BY_NAME = {m.name: m for m in GENERIC}
