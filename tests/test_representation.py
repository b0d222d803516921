"""Linear probes on codes, principal components and pixels: known answers, chance level, the labelled subset."""

import pytest
import torch

from vaecourse.data import load_digits
from vaecourse.models import VAE, VAEConfig
from vaecourse.studies.representation import compare_representations, labelled_subset, principal_components, probe_accuracy
from vaecourse.training import fit


def blobs(n_per_class, centres, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.cat([c + 0.3 * torch.randn(n_per_class, len(c), generator=g) for c in centres])
    y = torch.arange(len(centres)).repeat_interleave(n_per_class)
    return x, y


def test_separated_classes_are_classified_perfectly():
    centres = [torch.tensor(c) for c in ([0.0, 0.0], [5.0, 0.0], [0.0, 5.0])]
    x_train, y_train = blobs(30, centres, seed=0)
    x_test, y_test = blobs(20, centres, seed=1)
    assert probe_accuracy(x_train, y_train, x_test, y_test) == 1.0


def test_labels_independent_of_the_features_give_chance_accuracy():
    g = torch.Generator().manual_seed(2)
    x_train, x_test = torch.randn(400, 5, generator=g), torch.randn(400, 5, generator=g)
    y_train, y_test = torch.randint(0, 4, (400,), generator=g), torch.randint(0, 4, (400,), generator=g)
    accuracy = probe_accuracy(x_train, y_train, x_test, y_test)
    assert abs(accuracy - 0.25) < 5 * (0.25 * 0.75 / 400) ** 0.5  # five binomial standard errors


@pytest.mark.parametrize(
    "args, error, words",
    [
        ((torch.zeros(4, 2), torch.zeros(3, dtype=torch.long), torch.zeros(2, 2), torch.zeros(2, dtype=torch.long)),
         ValueError, "same length"),
        ((torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]), torch.zeros(2, 3), torch.zeros(2, dtype=torch.long)),
         ValueError, "width"),
        ((torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), torch.zeros(2, 2), torch.zeros(2, dtype=torch.long)),
         ValueError, "two classes"),
        ((torch.zeros(4), torch.zeros(4, dtype=torch.long), torch.zeros(2, 2), torch.zeros(2, dtype=torch.long)),
         ValueError, "dimension"),
    ],
)
def test_bad_probe_inputs_are_named(args, error, words):
    with pytest.raises(error, match=words):
        probe_accuracy(*args)


def test_labelled_subset_takes_exactly_k_per_class_reproducibly():
    labels = torch.tensor([0, 1, 2] * 10)
    chosen = labelled_subset(labels, 4, seed=5)
    assert chosen.shape == (12,) and torch.equal(chosen, chosen.sort().values)
    assert torch.bincount(labels[chosen]).tolist() == [4, 4, 4]
    assert torch.equal(chosen, labelled_subset(labels, 4, seed=5))
    assert not torch.equal(chosen, labelled_subset(labels, 4, seed=6))
    with pytest.raises(ValueError, match="fewer than per_class"):
        labelled_subset(labels, 11)


def test_principal_components_match_an_eigendecomposition():
    g = torch.Generator().manual_seed(3)
    x = torch.randn(200, 4, generator=g, dtype=torch.float64) @ torch.tensor(
        [[3.0, 0, 0, 0], [1.0, 1.0, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.1]], dtype=torch.float64)
    (projected,) = principal_components(x, 2, x)
    centred = x - x.mean(0)
    eigenvalues, eigenvectors = torch.linalg.eigh(centred.T @ centred / (x.shape[0] - 1))  # ascending
    top = eigenvectors[:, [-1, -2]]  # (4, 2) the two largest
    expected = centred @ top
    for k in range(2):  # principal axes are defined up to sign
        column = projected[:, k].double()
        assert torch.allclose(column.abs(), expected[:, k].abs(), atol=1e-4)
        assert column.var().item() == pytest.approx(eigenvalues[-1 - k].item(), rel=1e-4)


def test_a_trained_vae_code_classifies_digits_well_above_chance():
    data = load_digits()
    model = VAE(VAEConfig(latent_dim=4, hidden_dims=(64,)), seed=0)
    fit(model, data, epochs=10, progress=False, seed=0)
    result = compare_representations(model, data, labels_per_class=10, seed=0)
    assert result.num_labelled == 100 and (result.latent_dim, result.pixel_dim) == (4, 64)
    assert result.latent_accuracy > 0.4 and result.pixel_accuracy > 0.4  # chance is 0.1
    assert 0.0 <= result.pca_accuracy <= 1.0
