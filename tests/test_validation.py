"""The shared argument checks: the pure-Python broadcast and the value-check switch."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from vaecourse import bernoulli_log_likelihood, gaussian_kl
from vaecourse.core._validation import require_broadcastable, value_checks, value_checks_enabled

shapes = st.lists(st.integers(min_value=1, max_value=3), min_size=0, max_size=4).map(tuple)


@given(st.lists(shapes, min_size=1, max_size=3))
def test_broadcast_agrees_with_torch(shape_list):
    tensors = {f"t{i}": torch.empty(shape) for i, shape in enumerate(shape_list)}
    try:
        expected = torch.broadcast_shapes(*shape_list)
    except RuntimeError:
        with pytest.raises(ValueError, match="shapes do not broadcast"):
            require_broadcastable(**tensors)
    else:
        assert require_broadcastable(**tensors) == expected


def test_value_checks_switch_off_and_restore():
    nan = torch.tensor([float("nan")])
    with value_checks(False):
        assert not value_checks_enabled()
        assert torch.isnan(gaussian_kl(nan, torch.zeros(1)))
        bernoulli_log_likelihood(torch.zeros(1, 1), torch.tensor([[2.0]]))  # range check off too
        with pytest.raises(ValueError, match="do not broadcast"):  # shape checks always run
            gaussian_kl(torch.zeros(2), torch.zeros(3))
    assert value_checks_enabled()
    with pytest.raises(ValueError, match="finite"):
        gaussian_kl(nan, torch.zeros(1))


def test_switch_is_restored_after_an_exception():
    with pytest.raises(RuntimeError):
        with value_checks(False):
            raise RuntimeError("boom")
    assert value_checks_enabled()


def test_one_value_per_sample_names_the_call_and_shapes():
    from vaecourse.core._validation import require_one_value_per_sample

    samples = torch.zeros(5, 3)
    assert require_one_value_per_sample("f(z)", torch.ones(5), samples).shape == (5,)
    with pytest.raises(ValueError, match=r"f\(y\) must return one value per sample, shape \(5,\), got \(5, 3\)"):
        require_one_value_per_sample("f(y)", samples, samples)
    with pytest.raises(ValueError, match="got float"):
        require_one_value_per_sample("f(y)", 1.0, samples)
