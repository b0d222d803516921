"""Shared test settings: float64 where closed forms are compared, and a hypothesis profile for CI."""

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "course", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("course")

# Progress files written by notebooks and tests go to a temporary folder, never the user's home.
os.environ.setdefault("VAECOURSE_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "vaecourse-test-data"))


# xdist runs two workers on two cores: one intra-op thread each avoids oversubscription.
torch.set_num_threads(1)


@pytest.fixture
def no_figure_left_open():
    """Fail a figure test that leaves a pyplot figure open (pages would leak memory and print twice)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before, "a viz function left a pyplot figure open"


@pytest.fixture
def generator():
    return torch.Generator().manual_seed(1234)
