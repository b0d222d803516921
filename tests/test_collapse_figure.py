"""Tests of vaecourse.viz.collapse_figure: the shared-noise grid uses one set of codes; the panels draw the runs."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vaecourse.models import AutoregressiveVAE, AutoregressiveVAEConfig  # noqa: E402
from vaecourse.studies.collapse import CollapseRun, shared_noise_images  # noqa: E402
from vaecourse.training import History  # noqa: E402
from vaecourse.viz.collapse_figure import draw_collapse_comparison, shared_noise_grid  # noqa: E402


def run(name, seed, context=None):
    model = AutoregressiveVAE(AutoregressiveVAEConfig(latent_dim=2, hidden_dims=(8,), decoder_hidden=8, context=context),
                              seed=seed)
    history = History(epoch=[1, 2], test_kl=[0.5, 0.0])
    return CollapseRun(name, model, history, test_elbo=-30.0, kl=0.0, active_units=0, mutual_information=0.0,
                       latent_value=0.0)


def test_grid_decodes_the_same_codes_for_every_run():
    runs = [run("a", 0), run("b", 1, context=0)]
    grid = shared_noise_grid(runs, num_codes=3, seed=5)
    z = torch.randn(3, 2, generator=torch.Generator().manual_seed(5))
    for r, images in zip(runs, grid):
        np.testing.assert_array_equal(images, shared_noise_images(r.model, z, seed=5).numpy())


def test_figure_has_the_three_panels():
    runs = [run("a", 0), run("b", 1)]
    fig = Figure(figsize=(8, 5))
    draw_collapse_comparison(fig, runs, shared_noise_grid(runs, num_codes=4))
    kl_ax, value_ax, image_ax = fig.axes
    assert len(kl_ax.lines) == 2 and kl_ax.get_yscale() == "log"
    assert [t.get_text() for t in value_ax.get_yticklabels()] == ["a", "b"]
    assert image_ax.images[0].get_array().shape == (2 * 10 - 2, 4 * 9 - 1)
