"""Tests of vaecourse.viz.beta_figure: one frame per beta, sorted, with the same prior draws for every model."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vaecourse.models import VAE, VAEConfig  # noqa: E402
from vaecourse.studies.rate_distortion import RatePoint  # noqa: E402
from vaecourse.viz import count_frames  # noqa: E402
from vaecourse.viz.beta_figure import beta_figure  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_figure_left_open")


def point(beta, rate, distortion, seed):
    return RatePoint(beta=beta, rate=rate, distortion=distortion, active_units=2,
                     model=VAE(VAEConfig(latent_dim=2, hidden_dims=(8,)), seed=seed))


def test_frames_follow_beta_and_show_each_models_samples():
    points = [point(4.0, 0.5, 30.0, 1), point(0.5, 8.0, 12.0, 2), point(1.0, 4.0, 16.0, 3)]
    player = beta_figure(points, num_samples=4, seed=7, dpi=30)
    assert [p.beta for p in player.data] == [0.5, 1.0, 4.0] and len(player) == 3
    expected = points[1].model.sample(4, seed=7).numpy()  # beta = 0.5 comes first
    np.testing.assert_array_equal(player.frames[0]["samples"], expected)
    fig = player.figure(2)
    curve_ax = fig.axes[0]
    marked = curve_ax.lines[-1]
    assert (marked.get_xdata()[0], marked.get_ydata()[0]) == (0.5, 30.0)  # the beta = 4 point is highlighted
    assert count_frames(player.to_html()) == 3


def test_empty_sweep_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        beta_figure([])
