"""What an input changed in place became is said only in the checker's own words: a record from the sandbox is untrusted data."""

import torch

from vaecourse.grading import check
from vaecourse.grading.checker import _reading
from vaecourse.grading.observe import IN_PLACE_READINGS


def _kl_exp_in_place(mu, logvar):
    var = logvar.exp_()  # overwrites logvar with the variance
    return 0.5 * (mu.pow(2) + var - torch.log(var) - 1).sum(-1)


def test_a_real_in_place_exp_is_said():
    r = check("gaussian_kl", _kl_exp_in_place, seed=2101, quiet=True)
    assert not r.passed and r.mistake == "mutated_input"
    assert "holds exp(logvar) (an in-place exp_())" in r.feedback


def test_a_forged_reading_is_never_formatted_or_shown():
    known = next(iter(IN_PLACE_READINGS))
    assert _reading({"mutated_as": [[1, known]]}, 1) == known
    for forged in (
        {"mutated_as": [[1, "{x:>999999999}"]]},  # a format spec that would allocate a gigabyte
        {"mutated_as": [[1, "{x.__class__.__mro__}"]]},
        {"mutated_as": [[1, ["not", "a", "string"]]]},
        {"mutated_as": "not pairs"},
        {"mutated_as": [[1, 2, 3]]},
    ):
        assert _reading(forged, 1) is None, forged
