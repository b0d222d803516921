"""stated(): a trained number printed as the page writes it only when it lies within the stated tolerance."""

import pytest
import torch

from vaecourse.studies.stated import StatedValueError, stated


def test_within_the_tolerance_prints_the_number_as_written():
    assert stated(6.0750, "6.08", 0.05) == "6.08"
    assert stated(6.0249, "6.07", 0.05) == "6.07"
    assert stated(torch.tensor(95.25), "95", 1.0) == "95"  # a 0-d tensor is read with .item()


def test_the_band_edge_is_inside_and_beyond_it_raises():
    assert stated(6.13, "6.08", 0.05) == "6.08"
    with pytest.raises(StatedValueError, match=r"denoising: computed 6\.14.*not within 0\.05 of the stated 6\.08"):
        stated(6.14, "6.08", 0.05, name="denoising")


def test_a_nan_never_passes():
    with pytest.raises(StatedValueError, match="computed nan"):
        stated(float("nan"), "6.08", 0.05)
    with pytest.raises(StatedValueError):
        stated(float("inf"), "6.08", 1e9)


@pytest.mark.parametrize("args, error, message", [
    (("6.08", "6.08", 0.05), TypeError, "value .* must be a real number, got str"),
    ((6.08, 6.08, 0.05), TypeError, "written .* as a string"),
    ((6.08, "six", 0.05), ValueError, "written .* got 'six'"),
    ((6.08, "6.08", 0.0), ValueError, "tolerance .* > 0, got 0.0"),
    ((6.08, "6.08", float("nan")), ValueError, "tolerance .* finite"),
])
def test_bad_arguments_name_the_argument(args, error, message):
    with pytest.raises(error, match=message):
        stated(*args)
