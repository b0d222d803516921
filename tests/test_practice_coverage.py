"""Practice draws over many seeds: every advertised problem type of every level appears, and the shortcuts a level tests fail."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from vaecourse.grading import grade
from vaecourse.practice import LEVELS, OneOf, all_skills, draw_variant

SEEDS = range(300)
# the features that count things (dimensions, samples, steps, ...): every whole number in their range is advertised
COUNTS = {"dims", "samples", "observations", "pixels", "outcomes", "states", "examples", "step"}


@pytest.fixture(autouse=True)
def _in_process(monkeypatch):
    monkeypatch.setenv("VAECOURSE_GRADING_INPROCESS", "1")


def _advertised(spec) -> dict[str, list]:
    values = {name: list(allowed.values) for name, allowed in spec.items() if isinstance(allowed, OneOf)}
    values |= {
        name: list(range(int(allowed.low), int(allowed.high) + 1)) for name, allowed in spec.items() if name in COUNTS
    }
    return values


@pytest.mark.parametrize("skill", [s.name for s in all_skills()])
def test_every_advertised_type_and_count_of_every_level_is_drawn_over_300_seeds(skill):
    spec = next(s for s in all_skills() if s.name == skill).levels
    for level in LEVELS:
        seen = defaultdict(set)
        for seed in SEEDS:
            for name, value in draw_variant(skill, level, seed).features.items():
                seen[name].add(value)
        for name, values in _advertised(spec[level]).items():
            missing = [v for v in values if v not in seen[name]]
            assert not missing, f"{skill}/{level}: {name} never drawn as {missing} in {len(SEEDS)} seeds"


def test_the_two_cases_that_used_to_be_dropped_are_drawn_often():
    hard_kl = [draw_variant("gaussian_kl", "hard", seed).features["given"] for seed in SEEDS]
    assert 0.3 < hard_kl.count("log-variance") / len(SEEDS) < 0.7, "log-variances in about half the hard KL variants"
    past = [draw_variant("kl_annealing", "medium", seed).features["past_warmup"] for seed in SEEDS]
    assert 0.3 < sum(past) / len(SEEDS) < 0.7, "the medium annealing level goes past the warm-up"


def _iwae_shortcuts(variant):
    log_w = variant.inputs["log_w"]
    k, m = len(log_w), max(log_w)
    elbo = sum(log_w) / k
    plain_mean = math.log(sum(math.exp(v) for v in log_w) / k)  # right in float64: the control
    for name, bound in (("max - log K", m - math.log(k)), ("max", m), ("right", plain_mean)):
        yield name, ((bound, elbo) if variant.level != "easy" else bound)


@pytest.mark.parametrize("level", LEVELS)
def test_iwae_shortcuts_fail_on_every_one_of_200_variants(level):
    passed = defaultdict(int)
    for seed in range(200):
        variant = draw_variant("iwae_bound", level, seed)
        for name, answer in _iwae_shortcuts(variant):
            passed[name] += grade(variant._exercise(), answer).passed
    assert passed["right"] == 200 and passed["max - log K"] == 0 and passed["max"] == 0, dict(passed)


def test_hard_iwae_checks_to_a_hundredth_of_a_nat_and_four_digits_still_pass():
    for seed in range(200):
        variant = draw_variant("iwae_bound", "hard", seed)
        assert (variant.rtol, variant.atol) == (0.0, 0.01)
        bound, elbo = variant._solved().answer
        assert -100 < min(bound, elbo), "below -100 four significant digits would be a tenth of a nat"
        rounded = (float(f"{bound:.4g}"), float(f"{elbo:.4g}"))
        assert grade(variant._exercise(), rounded).passed
        assert not grade(variant._exercise(), (bound + 0.02, elbo)).passed


def test_a_wrong_kl_carried_through_to_the_gap_is_named():
    for seed in range(40):
        variant = draw_variant("discrete_elbo", "hard", seed)
        i = variant.inputs
        prior, lik, q = i["prior"], i["likelihood"], i["q"]
        recon = sum(a * math.log(b) for a, b in zip(q, lik))
        log_px = math.log(sum(a * b for a, b in zip(prior, lik)))
        wrong_kls = {
            "gap_with_reversed_kl": sum(p * math.log(p / a) for p, a in zip(prior, q)),
            "gap_with_cross_entropy": -sum(a * math.log(p) for a, p in zip(q, prior)),
        }
        for name, kl in wrong_kls.items():
            result = grade(variant._exercise(), (recon, kl, log_px - (recon - kl)))
            assert not result.passed and result.mistake == name, (variant.key, result.feedback)
            assert "carried into the gap" in result.feedback
