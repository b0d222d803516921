"""The one catalogue of mistakes: every mistake the graded exercises, the practice variants and the book name, by id.

A mistake is a :class:`~vaecourse.grading.exercise.Mistake`, defined once: its ``name`` (the id),
``title`` (what it is), ``explanation`` (why it is wrong), ``section`` (the book section) and how to
produce it from the reference (``variants``, a ``predicate``, or, where nothing runs, a ``behaviour``).
Where an entry is defined depends only on what produces it, so each mistake has exactly one place:

- here, ``GENERIC``: what the checker recognises by behaviour in any exercise (a sign, a factor, a
  shape, a cut gradient);
- the bank's modules: the mistakes of their exercises (with variants), and in ``PRACTICE_MISTAKES``
  those that only a practice skill meets;
- :mod:`.mistakes_of_method`: how results are measured, read and reported (no function produces them);
- :mod:`.mistakes_of_prerequisites`: the entry diagnostic's confusions about what the course assumes.

An exercise, a practice skill or the diagnostic that meets a mistake defined elsewhere reuses its entry
(:meth:`Mistake.on`, :meth:`Mistake.made_by`, :func:`practice`, an id) instead of writing it again:
no other module holds a mistake text (``tests/test_catalogue_one_definition.py`` scans for them).
:mod:`.misreadings` holds no entry: it builds the variants of the generic ``scale_parameter_misread``.
An id retired by a merge stays readable through ``ALIASES`` (old reports and grades name it).

    >>> entry("kl_mean_over_latent").title
    'a mean over latent dimensions instead of a sum'
    >>> entry("reparam_gradient_cut").name
    'gradient_cut'
"""

from __future__ import annotations

import functools

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
        "output_transformed",
        "the expected values passed through a square root, square, log or exp",
        "Your values are a function of the right ones: their square root or square (a standard deviation where a "
        "variance is due, sqrt(alpha_bar) where alpha_bar is), or their log or exp (a log-space result not "
        "exponentiated back, or an exp too many). Check which quantity the exercise asks you to return.",
        "",
        behaviour="values equal sqrt, square, log or exp of the reference's on every case",
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
)
GENERIC_BY_NAME = {m.name: m for m in GENERIC}

# Retired id -> the entry it was merged into: one mistake, one entry; the old id still reads.
ALIASES = {
    "reparam_gradient_cut": "gradient_cut",  # the reparameterization exercise's copy of the generic entry
    "kl_divided_by_batch_size": "divided_by_batch_size",  # three exercises' copies of the generic entry
    "bernoulli_divided_by_batch_size": "divided_by_batch_size",
    "eval_divided_by_batch_size": "divided_by_batch_size",
    "free_bits_mean_over_dims": "mean_over_last_axis",  # the free-bits exercise's copy of the generic entry
    "score_sum_not_mean": "elbo_sum_over_samples",  # one Monte Carlo mistake, met by two exercises
    "reported_reconstruction_only": "elbo_expected_loglik_only",  # one ELBO mistake, met by two exercises
    "gap_reverse_kl": "kl_direction_reversed",  # the KL's direction, met in the gap and in practice
}


@functools.cache
def catalogue() -> dict[str, Mistake]:
    """Every mistake by id: the generic entries, the mistakes of method and of prerequisites, the exercises' and the
    practice-only ones.

    Raises if one id has two different definitions, or an alias names an id in use.
    """
    from .mistakes_of_method import METHOD
    from .mistakes_of_prerequisites import PREREQUISITES
    from .registry import all_mistakes, practice_only_mistakes

    entries: dict[str, Mistake] = dict(GENERIC_BY_NAME)
    for where, mistakes in (("mistakes_of_method", METHOD), ("mistakes_of_prerequisites", PREREQUISITES)):
        for mistake in mistakes:
            if entries.setdefault(mistake.name, mistake) is not mistake:
                raise ValueError(f"mistake {mistake.name!r} is defined twice (again in {where}); reuse the entry")
    found = [(exercise.id, mistake) for exercise, mistake in all_mistakes()]
    found += [("the practice-only entries", mistake) for mistake in practice_only_mistakes()]
    for where, mistake in found:
        known = entries.setdefault(mistake.name, mistake)
        if (known.title, known.explanation, known.section) != (mistake.title, mistake.explanation, mistake.section):
            raise ValueError(f"mistake {mistake.name!r} is defined twice (again in {where}); reuse the entry")
    for old, new in ALIASES.items():
        if old in entries or new not in entries:
            raise ValueError(f"alias {old!r} -> {new!r}: the old id must be retired and the new one defined")
    return entries


def entry(mistake_id: str) -> Mistake:
    """The catalogue's entry for ``mistake_id`` (a retired id gives the entry it was merged into); KeyError naming
    close ids if there is none."""
    entries = catalogue()
    mistake_id = ALIASES.get(mistake_id, mistake_id)
    if mistake_id not in entries:
        import difflib

        close = difflib.get_close_matches(mistake_id, list(entries), n=3)
        raise KeyError(f"no mistake {mistake_id!r} in the catalogue" + (f"; did you mean {close}?" if close else ""))
    return entries[mistake_id]


def practice(mistake_id: str, *values: float) -> tuple[str, str, str, str, tuple[float, ...]]:
    """A practice problem's known mistake: the entry's id, title, explanation and section with the ``values`` it gives."""
    m = entry(mistake_id)
    return (m.name, m.title, m.explanation, m.section, tuple(float(v) for v in values))


def markdown(mistake_ids) -> str:
    """The entries as a MyST Markdown list, each with its id and a link to its book section.

    The book's "common mistakes" sections render them from here (a ``remove-input`` cell displaying
    ``IPython.display.Markdown(markdown([...]))``; ``nb_render_markdown_format: myst`` in ``_config.yml``
    makes the ``{ref}`` links resolve). Raises KeyError for an id the catalogue lacks.
    """
    lines = []
    for mistake_id in mistake_ids:
        m = entry(mistake_id)
        link = f" (See {{ref}}`{m.section}`.)" if m.section else ""
        lines.append(f"- **{m.title[:1].upper() + m.title[1:]}** (`{m.name}`). {m.explanation}{link}")
    return "\n".join(lines)
