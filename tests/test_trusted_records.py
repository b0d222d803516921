"""The checker computes the reference's and the variants' records once per exercise and seed, and grading never changes them."""

import json
from dataclasses import replace

import torch

from vaecourse.grading import check, trusted_records
from vaecourse.grading.checker import _reference_records, _variant_records
from vaecourse.grading.misreadings import misreading_variants
from vaecourse.grading.observe import observe
from vaecourse.grading.registry import all_exercises, get_exercise

SEED = 2101


def _same(a, b) -> bool:
    return json.dumps(a) == json.dumps(b)  # NaN equals NaN here, as in the checker's own comparisons


def test_grading_wrong_answers_leaves_the_memoized_records_as_computed():
    trusted_records.forget()
    exercises = [e for e in all_exercises() if e.kind == "function"]
    for exercise in exercises:  # two catalogued mistakes of each exercise, submitted as answers: diagnosed
        variants = [v for m in exercise.mistakes for v in m.variants][:2]
        for variant in variants:
            answer = lambda *args, variant=variant: variant(*args)  # noqa: E731 - the learner's copy of the mistake
            result = check(exercise.id, answer, seed=SEED, quiet=True)
            assert not result.passed, (exercise.id, result.feedback)
    # NumPy answers cut the graph: the checker's second path (cases without gradients), right and wrong values
    numpy_kl = lambda mu, logvar: torch.from_numpy(0.5 * (mu.numpy() ** 2 + logvar.exp().numpy() - logvar.numpy() - 1).sum(-1))  # noqa: E731
    assert check("gaussian_kl", numpy_kl, seed=SEED, quiet=True).mistake == "gradient_cut"
    no_half = lambda mu, logvar: torch.from_numpy((mu.numpy() ** 2 + logvar.exp().numpy() - logvar.numpy() - 1).sum(-1))  # noqa: E731
    assert check("gaussian_kl", no_half, seed=SEED, quiet=True).mistake == "kl_missing_half"
    entries = trusted_records.entries()
    whats = {what for _, _, what, _ in entries}
    assert {"reference on cases", "variants on cases", "variants on cases without gradients"} <= whats
    volatile = []
    for exercise, seed, what, kept in entries:
        cases = exercise.cases(seed)
        if what.endswith("without gradients"):
            cases = [replace(c, grad_args=()) for c in cases]
        if what.startswith("reference"):
            assert kept[0] is not None and _same(kept[0], observe(exercise.reference, cases)), (exercise.id, what)
            continue
        variants = [(m, v) for m in exercise.mistakes for v in m.variants] + misreading_variants(exercise)
        assert len(kept) == len(variants), (exercise.id, what)
        for (mistake, variant), records in zip(variants, kept):
            if records is None:
                volatile.append(mistake.name)
            else:
                assert _same(records, observe(variant, cases)), (exercise.id, what, mistake.name)
    # the variants that draw their own noise whatever eps is given are observed at every check, and only they
    assert sorted(set(volatile)) == ["diffusion_ignores_eps", "reparam_ignores_eps"]


def test_records_are_computed_once_per_exercise_object_and_seed():
    trusted_records.forget()
    exercise = get_exercise("gaussian_kl")
    calls = []

    def counted(fn):
        def run(*args):
            calls.append(1)
            return fn(*args)
        return run

    changed = replace(exercise, reference=counted(lambda mu, logvar: 2 * exercise.reference(mu, logvar)))
    first = _reference_records(changed, changed.cases(SEED), SEED)
    count = len(calls)
    assert count > 0
    assert _same(_reference_records(changed, changed.cases(SEED), SEED), first) and len(calls) == count
    assert len(calls) == count
    _reference_records(changed, changed.cases(SEED + 1), SEED + 1)  # another seed: computed
    assert len(calls) == 2 * count
    own = _reference_records(exercise, exercise.cases(SEED), SEED)  # the registered exercise: its own records
    assert not _same(own, first)
    # a changed copy of the exercise never reads the registered exercise's records, nor the other way round
    right = lambda mu, logvar: exercise.reference(mu, logvar)  # noqa: E731 - an answer defined here, not the library's
    assert not check(changed, right, seed=SEED, quiet=True).passed
    assert check(exercise, right, seed=SEED, quiet=True).passed


def test_a_variant_that_draws_its_own_noise_is_observed_at_every_check():
    trusted_records.forget()
    exercise = get_exercise("reparameterize")
    cases = exercise.cases(SEED)
    first, second = _variant_records(exercise, cases, SEED), _variant_records(exercise, cases, SEED)
    for (mistake, a), (_, b) in zip(first, second):
        if mistake.name == "reparam_ignores_eps":
            assert not _same(a, b)  # fresh noise, as without the memo
        else:
            assert _same(a, b)


def test_the_memo_is_bounded():
    trusted_records.forget()
    exercise = get_exercise("kl_annealing_weight")
    for seed in range(trusted_records.MAX_ENTRIES + 5):
        _reference_records(exercise, exercise.cases(seed), seed)
    assert len(trusted_records.entries()) == trusted_records.MAX_ENTRIES
    assert trusted_records.entries()[-1][1] == trusted_records.MAX_ENTRIES + 4
    trusted_records.forget()
    assert trusted_records.entries() == []
