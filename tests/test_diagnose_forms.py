"""An answer whose values are right but packaged wrongly (NumPy, list, float, another dtype or shape) is told exactly that.

Issue 21: "answers that return numpy arrays, python floats, lists, wrong dtype (float64 vs float32),
shapes (B, 1) instead of (B,): the feedback must name the problem". Each form below is graded with
the same ``check`` the notebooks call and must fail with the named mistake; a device-agnostic right
answer (``torch.as_tensor`` of the inputs' dtype and device, a float64 computation cast back) passes.
"""

import pytest
import torch

from vaecourse.grading import check

SEED = 2101


def _kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)


FORMS = {
    "numpy": (lambda mu, lv: _kl(mu, lv).detach().numpy(), "not_a_tensor", "NumPy"),
    "list": (lambda mu, lv: _kl(mu, lv).tolist(), "not_a_tensor", "list"),
    "float64": (lambda mu, lv: _kl(mu.double(), lv.double()), "dtype_changed", "dtype"),
    "keepdim": (lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - lv - 1).sum(-1, keepdim=True), "values_right_shape_wrong", "(B, 1)"),
    "row": (lambda mu, lv: _kl(mu, lv)[None, :], "values_right_shape_wrong", "shape"),
    "integer": (lambda mu, lv: _kl(mu, lv).round().long(), "dtype_changed", "integer"),
    "float_sum": (lambda mu, lv: float(_kl(mu, lv).sum()), "kl_batch_mean", "Python number"),
    "numpy_round_trip": (lambda mu, lv: torch.from_numpy(_kl(mu, lv).detach().numpy()), "gradient_cut", "No gradient reaches"),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_packaging_is_named(form):
    fn, mistake, words = FORMS[form]
    result = check("gaussian_kl", fn, seed=SEED, quiet=True)
    assert not result.passed and result.score == 0
    assert result.mistake == mistake, result.feedback
    assert words in result.feedback, result.feedback


def test_device_agnostic_float64_cast_back_passes():
    def kl(mu, logvar):
        value = 0.5 * (mu.double().pow(2) + logvar.double().exp() - logvar.double() - 1).sum(-1)
        return value.to(dtype=mu.dtype, device=mu.device)

    result = check("gaussian_kl", kl, seed=SEED, quiet=True)
    assert result.passed and result.score == result.max_score, result.feedback


def test_bernoulli_keepdim_is_named():
    def ll(logits, x):
        if x.min() < 0 or x.max() > 1:
            raise ValueError("x must lie in [0, 1]")
        return -torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1, keepdim=True)

    result = check("bernoulli_log_likelihood", ll, seed=SEED, quiet=True)
    assert result.mistake == "values_right_shape_wrong", result.feedback
