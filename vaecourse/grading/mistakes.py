"""The one catalogue of mistakes: every mistake the graded exercises, the practice variants and the book name, by id.

A mistake is a :class:`~vaecourse.grading.exercise.Mistake`, defined once: its ``name`` (the id),
``title`` (what it is), ``explanation`` (why it is wrong), ``section`` (the book section) and how to
produce it from the reference (``variants``, a ``predicate``, or, where nothing runs, a ``behaviour``).
Where an entry is defined depends only on what produces it, so each mistake has exactly one place:

- :mod:`.mistakes_generic`, ``GENERIC``: what the checker recognises by behaviour in any exercise (a
  sign, a factor, a shape, a cut gradient);
- the bank's modules: the mistakes of their exercises (with variants), and in ``PRACTICE_MISTAKES``
  those that only a practice skill meets;
- :mod:`.mistakes_of_models`: what the whole-model (capstone) judges name from a probed or trained VAE;
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
from .mistakes_generic import GENERIC, GENERIC_BY_NAME, GRADIENT_CUT  # noqa: F401 - defined there, looked up here

# Retired id -> the entry it was merged into: one mistake, one entry; the old id still reads.
ALIASES = {
    "reparam_gradient_cut": "gradient_cut",  # the reparameterization exercise's copy of the generic entry
    "kl_divided_by_batch_size": "divided_by_batch_size",  # three exercises' copies of the generic entry
    "bernoulli_divided_by_batch_size": "divided_by_batch_size",
    "eval_divided_by_batch_size": "divided_by_batch_size",
    "free_bits_mean_over_dims": "mean_over_last_axis",  # the free-bits exercise's copy of the generic entry
    "score_sum_not_mean": "mc_sum_not_mean",  # one Monte Carlo mistake, met by three exercises
    "elbo_sum_over_samples": "mc_sum_not_mean",
    "reported_reconstruction_only": "elbo_expected_loglik_only",  # one ELBO mistake, met by two exercises
    "gap_reverse_kl": "kl_direction_reversed",  # the KL's direction, met in the gap and in practice
    "capstone_decoder_not_trained": "gradient_cut",  # the capstone's decoder cut from the loss: a cut gradient
}


@functools.cache
def catalogue() -> dict[str, Mistake]:
    """Every mistake by id: the generic entries, the mistakes of method and of prerequisites, the exercises' and the
    practice-only ones.

    Raises if one id has two different definitions, or an alias names an id in use.
    """
    from .mistakes_of_method import METHOD
    from .mistakes_of_models import MODELS
    from .mistakes_of_prerequisites import PREREQUISITES
    from .registry import all_mistakes, practice_only_mistakes

    entries: dict[str, Mistake] = dict(GENERIC_BY_NAME)
    for where, mistakes in (("mistakes_of_method", METHOD), ("mistakes_of_models", MODELS),
                             ("mistakes_of_prerequisites", PREREQUISITES)):
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
