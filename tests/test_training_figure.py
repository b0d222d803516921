"""The training player: snapshots taken by fit's callback, the 2-D projection, and the static player."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from vaecourse.data import load_digits  # noqa: E402
from vaecourse.models import VAE, VAEConfig  # noqa: E402
from vaecourse.training import fit  # noqa: E402
from vaecourse.viz import count_frames  # noqa: E402
from vaecourse.viz.training_figure import TrainingRecorder, project_2d, training_figure  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_figure_left_open")


@pytest.fixture(scope="module")
def recorded():
    data = load_digits()
    recorder = TrainingRecorder(data.x_test[:60], data.y_test[:60], epochs=(0, 2, 3), num_images=5)
    model = VAE(VAEConfig(latent_dim=3, hidden_dims=(32,)), seed=0)
    history = fit(model, data, epochs=3, progress=False, callback=recorder)
    return recorder, history


def test_recorder_snapshots_the_chosen_epochs_only(recorded):
    recorder, history = recorded
    assert [s.epoch for s in recorder.snapshots] == [0, 2, 3]
    first, *_, last = recorder.snapshots
    assert first.test_elbo is None
    assert last.test_elbo == history.test_elbo[2]
    assert last.latents.shape == (60, 2) and last.labels.shape == (60,)
    assert last.originals.shape == last.reconstructions.shape == (5, 8, 8)
    assert last.projected


def test_the_static_player_has_one_frame_per_snapshot(recorded):
    recorder, _ = recorded
    player = training_figure(recorder)
    assert len(player) == 3 and player.data == recorder.snapshots
    assert count_frames(player.to_html()) == 3


def test_two_dimensional_latents_are_plotted_as_they_are():
    mu = torch.randn(10, 2)
    assert np.allclose(project_2d(mu), mu.numpy())
    assert np.allclose(project_2d(mu[:, :1])[:, 1], 0.0)


def test_projection_is_the_top_two_principal_components_with_aligned_signs():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(300, 5, generator=g, dtype=torch.float64) * torch.tensor([4.0, 2.0, 0.5, 0.2, 0.1], dtype=torch.float64)
    projected = project_2d(mu)
    centred = (mu - mu.mean(0)).numpy()
    _, eigenvectors = np.linalg.eigh(np.cov(centred.T))
    expected = centred @ eigenvectors[:, [-1, -2]]  # the largest two
    assert np.allclose(np.abs(projected), np.abs(expected), atol=1e-8)
    flipped = project_2d(mu, reference=-projected)  # a reference with opposite signs flips both axes
    assert np.allclose(flipped, -projected)


def test_bad_recorder_arguments():
    with pytest.raises(ValueError, match="labels"):
        TrainingRecorder(torch.zeros(4, 64), torch.zeros(3))
    with pytest.raises(ValueError, match="image_shape"):
        TrainingRecorder(torch.zeros(4, 63), torch.zeros(4))
    with pytest.raises(ValueError, match="no snapshots"):
        training_figure([])
