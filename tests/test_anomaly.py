"""Anomaly scores by minus the ELBO, the ROC AUC against a brute-force pair count, and the held-out split."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from vaecourse.studies.anomaly import elbo_anomaly_scores, hold_out_class, roc_auc
from vaecourse.data import load_digits
from vaecourse.models import VAE, VAEConfig
from vaecourse.training import fit

scores = st.lists(st.integers(0, 6), min_size=1, max_size=15).map(lambda v: torch.tensor(v, dtype=torch.float64))


def pairwise_auc(normal, anomalous):
    """P(anomaly outscores normal) + half the ties, by counting all pairs (Mann-Whitney)."""
    wins = sum(1.0 if a > n else 0.5 if a == n else 0.0 for a in anomalous.tolist() for n in normal.tolist())
    return wins / (len(normal) * len(anomalous))


@given(scores, scores)
def test_auc_equals_the_pairwise_count_including_ties(normal, anomalous):
    assert roc_auc(normal, anomalous) == pytest.approx(pairwise_auc(normal, anomalous), abs=1e-12)


def test_perfect_reversed_and_tied_rankings():
    low, high = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([5.0, 6.0])
    assert roc_auc(low, high) == 1.0
    assert roc_auc(high, low) == 0.0
    assert roc_auc(torch.ones(4), torch.ones(3)) == 0.5


@pytest.mark.parametrize(
    "normal, anomalous, words",
    [
        (torch.zeros(0), torch.ones(2), "non-empty"),
        (torch.zeros(2, 2), torch.ones(2), "1-D"),
        (torch.tensor([0.0, float("nan")]), torch.ones(2), "NaN"),
    ],
)
def test_bad_scores_are_refused(normal, anomalous, words):
    with pytest.raises(ValueError, match=words):
        roc_auc(normal, anomalous)


def test_scores_are_minus_the_elbo_with_the_seeded_noise():
    model = VAE(VAEConfig(data_dim=6, latent_dim=2, hidden_dims=(8,)), seed=0)
    x = torch.rand(7, 6, generator=torch.Generator().manual_seed(0)).round()
    result = elbo_anomaly_scores(model, x, num_samples=4, seed=3)
    eps = torch.randn(4, 7, 2, generator=torch.Generator().manual_seed(3))  # the same draws, made by hand
    with torch.no_grad():
        expected = -model.elbo(x, num_samples=4, eps=eps).elbo
    assert result.shape == (7,)
    assert torch.allclose(result, expected)
    assert torch.equal(result, elbo_anomaly_scores(model, x, num_samples=4, seed=3))  # repeatable
    assert torch.allclose(elbo_anomaly_scores(model, x, num_samples=4, seed=3, batch_size=2), result)  # batching


def test_hold_out_class_removes_every_image_of_the_class():
    data = load_digits()
    split = hold_out_class(data, 4)
    assert not (split.train.y_train == 4).any() and not (split.train.y_test == 4).any()
    assert split.anomalies.shape[0] == int((data.y_train == 4).sum() + (data.y_test == 4).sum())
    assert split.normal_test.shape[0] == int((data.y_test != 4).sum())
    assert split.train.x_train.shape[0] + split.train.x_test.shape[0] + split.anomalies.shape[0] == 1797
    with pytest.raises(ValueError, match="held_out_class"):
        hold_out_class(data, 10)


def test_a_small_vae_ranks_an_unseen_class_above_chance():
    data = load_digits()
    split = hold_out_class(data, 4)
    model = VAE(VAEConfig(latent_dim=4, hidden_dims=(64,)), seed=0)
    fit(model, split.train, epochs=20, progress=False, seed=0)
    auc = roc_auc(elbo_anomaly_scores(model, split.normal_test), elbo_anomaly_scores(model, split.anomalies))
    assert auc > 0.6
