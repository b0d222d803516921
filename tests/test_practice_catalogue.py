"""Practice mistakes are the catalogue's entries: ids resolve, texts are the graded exercises', no mistake is a right answer."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest
import torch

import vaecourse.practice as practice_package
from vaecourse.grading import all_mistakes, get_exercise, grade
from vaecourse.grading.mistakes import catalogue, entry
from vaecourse.grading.registry import practice_only_mistakes
from vaecourse.practice import LEVELS, all_skills, draw_variant

SKILLS = [s.name for s in all_skills()]
SEEDS = range(60)
SKILL_FILES = sorted(Path(practice_package.__file__).parent.glob("skills_*.py"))
F64 = torch.float64


def _problems(skill, seeds=SEEDS):
    for level in LEVELS:
        for seed in seeds:
            variant = draw_variant(skill, level, seed)
            yield variant, variant._solved()


def _close(a, b, rtol, atol) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= atol + rtol * abs(y) for x, y in zip(a, b))


@pytest.mark.parametrize("skill", SKILLS)
def test_every_practice_mistake_is_a_catalogue_entry_with_its_text(skill):
    for variant, problem in _problems(skill):
        assert problem.mistakes, variant.key
        for name, title, explanation, section, _ in problem.mistakes:
            known = entry(name)  # KeyError if the id is not catalogued
            assert (title, explanation, section) == (known.title, known.explanation, known.section), (variant.key, name)


@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: p.name)
def test_no_practice_module_writes_a_mistake_of_its_own(path):
    # every mistake goes through practice("<catalogue id>", ...); no title or explanation is written here again
    texts = {text for m in catalogue().values() for text in (m.title, m.explanation)}
    tree = ast.parse(path.read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "practice"
    ]
    assert calls, f"{path.name} names no catalogue mistake"
    ids = [call.args[0].value for call in calls if isinstance(call.args[0], ast.Constant)]
    assert all(i in catalogue() for i in ids), (path.name, [i for i in ids if i not in catalogue()])
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if s in texts], path.name
    # a 5-tuple (id, title, explanation, section, values) written in place is how mistakes used to be defined
    tuples = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Tuple)
        and len(n.elts) == 5
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in n.elts[:2])
    ]
    assert not tuples, (path.name, [ast.unparse(t)[:60] for t in tuples])


def test_ids_shared_by_practice_and_graded_exercises_have_one_text_and_practice_only_ids_are_used():
    used = {}
    for skill in SKILLS:
        for _, problem in _problems(skill, range(30)):
            used |= {name: (title, explanation, section) for name, title, explanation, section, _ in problem.mistakes}
    graded = {}
    for exercise, mistake in all_mistakes():
        graded.setdefault(mistake.name, set()).add((mistake.title, mistake.explanation, mistake.section))
    shared = [name for name in used if name in graded]
    assert len(shared) >= 30, shared  # the practice skills reuse the graded exercises' entries
    for name in shared:
        assert graded[name] == {used[name]}, name
    only = [m.name for m in practice_only_mistakes()]
    assert len(only) == len(set(only)) and not set(only) & set(graded), "a practice-only entry is also graded"
    assert set(only) <= set(used), f"practice-only entries no skill uses: {sorted(set(only) - set(used))}"
    assert all(m.behaviour and m.section for m in practice_only_mistakes())


@pytest.mark.parametrize("skill", SKILLS)
def test_no_practice_mistake_gives_the_right_answer_over_many_seeds(skill, monkeypatch):
    monkeypatch.setenv("VAECOURSE_GRADING_INPROCESS", "1")  # values need no sandbox
    for variant, problem in _problems(skill, range(100)):
        exercise = variant._exercise()
        for mistake in exercise.mistakes:
            for make in mistake.variants:  # every value of an entry (one entry may give several)
                wrong = tuple(make())
                assert all(math.isfinite(v) for v in wrong), (variant.key, mistake.name)
                # the check's own tolerance, five times over: a rounded mistake cannot pass either
                assert not _close(wrong, problem.answer, 5 * problem.rtol, 5 * problem.atol), (variant.key, mistake.name)
                if variant.seed < 8:
                    result = grade(exercise, wrong if len(wrong) > 1 else wrong[0])
                    assert not result.passed and result.mistake == mistake.name, (variant.key, result.feedback)


# --- the graded references, applied to the practice variant's inputs -------------------------------------


def _t(values):
    return torch.tensor(values, dtype=F64)


def _kl_logvar(i):
    if "variance" in i:
        return _t(i["variance"]).log()
    if "std" in i:
        return 2 * _t(i["std"]).log()
    return _t(i["logvar"])


def _diffusion(i):
    from vaecourse.practice.skills_diffusion import schedule_betas

    alpha_bar = get_exercise("alpha_bar_schedule").reference(schedule_betas(i))[i["t"] - 1]
    out = (alpha_bar.sqrt().item(), (1 - alpha_bar).item())
    if "x0" in i:
        xt = get_exercise("forward_diffusion_sample").reference(_t([[i["x0"]]]), alpha_bar[None], _t([[i["eps"]]]))
        out += (xt.item(),)
    return out


def _posterior(i):  # the graded exercise's prior is N(0, 1): only variants with that prior compare
    if i.get("m0") != 0 or i.get("v0") != 1:
        return None
    mean, var = get_exercise("conjugate_posterior").reference(_t(i["x"]), i["noise_var"])
    return float(mean), float(var)


# skill -> (graded exercise, the reference's value for the variant's inputs, or None where it does not apply)
GRADED = {
    "gaussian_kl": (
        "gaussian_kl",
        lambda i: (get_exercise("gaussian_kl").reference(_t(i["mu"])[None], _kl_logvar(i)[None]).item(),),
    ),
    "bernoulli_log_likelihood": (
        "bernoulli_log_likelihood",
        lambda i: (get_exercise("bernoulli_log_likelihood").reference(_t(i["logits"])[None], _t(i["x"])[None]).item(),),
    ),
    "iwae_bound": ("iwae_bound", lambda i: (get_exercise("iwae_bound").reference(_t(i["log_w"])[None]).item(),)),
    "free_bits": ("free_bits_kl", lambda i: (get_exercise("free_bits_kl").reference(_t(i["kl"]), i["floor"]).item(),)),
    "kl_annealing": (  # the cyclical schedule has no graded exercise
        "kl_annealing_weight",
        lambda i: (get_exercise("kl_annealing_weight").reference(i["step"], i["warmup"]),) if "warmup" in i else None,
    ),
    "mc_standard_error": (
        "mc_estimate",
        lambda i: tuple(float(v) for v in get_exercise("mc_estimate").reference(_t(i["values"]))),
    ),
    "reparameterized_sample": (
        "reparameterize",
        lambda i: tuple(get_exercise("reparameterize").reference(_t(i["mu"]), _kl_logvar(i), _t(i["eps"])).tolist()),
    ),
    "diffusion_marginal": ("alpha_bar_schedule", _diffusion),
    "conjugate_posterior": ("conjugate_posterior", _posterior),
    "reported_elbo": (
        "evaluation_elbo",
        lambda i: (get_exercise("evaluation_elbo").reference(_t(i["recon"]), _t(i["kl"]), 1.0).mean().item(),),
    ),
}
_COMPONENTS = {"reported_elbo": (1,)}  # the answer's components the graded reference gives: (objective, ELBO) -> ELBO


@pytest.mark.parametrize("skill", sorted(GRADED))
def test_the_graded_reference_gives_the_practice_answer_and_no_practice_mistake_equals_it(skill):
    exercise_id, reference = GRADED[skill]
    compared = 0
    for variant, problem in _problems(skill, range(40)):
        want = reference(variant.inputs)
        if want is None:
            continue
        components = _COMPONENTS.get(skill, range(len(want)))
        expected = list(problem.answer)  # the graded reference's values in place of the practice answer's
        for index, value in zip(components, want, strict=True):
            assert _close((problem.answer[index],), (value,), 1e-9, 1e-9), (variant.key, exercise_id, index)
            expected[index] = value
        for name, *_, value in problem.mistakes:
            assert not _close(value, expected, 1e-6, 1e-9), (variant.key, name, "a practice mistake is the graded reference")
        compared += 1
    assert compared >= 10, (skill, compared)  # conjugate_posterior: only the easy variants with the prior N(0, 1)
