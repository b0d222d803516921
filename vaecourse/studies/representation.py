r"""The latent space as a representation: a linear classifier (probe) on the codes versus on the raw pixels.

A *linear probe* fits multinomial logistic regression on fixed features :math:`f(x)` and reports its
test accuracy:

.. math::
    p(y = c \mid x) = \mathrm{softmax}_c\big(W f(x) + b\big), \qquad
    \text{accuracy} = \frac1{N_{\text{test}}}\sum_n \mathbb 1\big[\arg\max_c p(c\mid x_n) = y_n\big]

with :math:`f(x) = \mu_\phi(x)` (the encoder's posterior mean, D numbers), :math:`f(x) = x` (all
pixels), or the first D principal components of the pixels (the best *linear* code of the same size).
The VAE never saw a label, so whatever class information the probe finds in :math:`\mu_\phi(x)` the
encoder discovered on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..core._validation import require_positive_int, require_tensor
from ..data.images import ImageDataset
from ..training.diagnostics import encode_data


def _as_numpy(name: str, value: torch.Tensor, dims: int) -> np.ndarray:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got a {type(value).__name__}")
    if value.dim() != dims:
        raise ValueError(f"{name} must have {dims} dimension(s), got shape {tuple(value.shape)}")
    return value.detach().cpu().numpy()


def probe_accuracy(train_features: torch.Tensor, train_labels: torch.Tensor, test_features: torch.Tensor,
                   test_labels: torch.Tensor, *, regularization: float = 1.0, max_iter: int = 5000) -> float:
    r"""Test accuracy of logistic regression fitted on standardised features (a linear probe).

    Args:
        train_features, test_features: ``(N, F)`` and ``(M, F)`` float tensors.
        train_labels, test_labels: ``(N,)`` and ``(M,)`` integer class labels.
        regularization: scikit-learn's ``C`` (inverse L2 strength); the default 1.0 suits both
            8 latent and 64 pixel features.
        max_iter: L-BFGS iterations; the fit is deterministic (no random state involved).

    Returns:
        The fraction of test examples classified correctly, a float in [0, 1].

    Raises:
        TypeError / ValueError: non-tensors, wrong numbers of dimensions, mismatched lengths or
            feature counts, or fewer than two classes in the training labels.

    Example:
        >>> x = torch.tensor([[0.0], [0.2], [1.0], [1.2]]); y = torch.tensor([0, 0, 1, 1])
        >>> probe_accuracy(x, y, torch.tensor([[0.1], [1.1]]), torch.tensor([0, 1]))
        1.0
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    require_tensor("train_features", train_features, min_dim=2)
    require_tensor("test_features", test_features, min_dim=2)
    xs, xt = _as_numpy("train_features", train_features, 2), _as_numpy("test_features", test_features, 2)
    ys, yt = _as_numpy("train_labels", train_labels, 1), _as_numpy("test_labels", test_labels, 1)
    if xs.shape[0] != ys.shape[0] or xt.shape[0] != yt.shape[0]:
        raise ValueError(f"features and labels must have the same length: train {xs.shape[0]} vs {ys.shape[0]}, "
                         f"test {xt.shape[0]} vs {yt.shape[0]}")
    if xs.shape[1] != xt.shape[1]:
        raise ValueError(f"train and test features must have the same width, got {xs.shape[1]} and {xt.shape[1]}")
    if len(np.unique(ys)) < 2:
        raise ValueError(f"train_labels must contain at least two classes, found {np.unique(ys).tolist()}")
    require_positive_int("max_iter", max_iter)
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=regularization, max_iter=max_iter))
    probe.fit(xs, ys)
    return float((probe.predict(xt) == yt).mean())


def labelled_subset(labels: torch.Tensor, per_class: int, *, seed: int = 0) -> torch.Tensor:
    """Indices of ``per_class`` examples of every class, chosen at random by ``seed``, sorted, ``(C * per_class,)``.

    Raises ValueError if a class has fewer than ``per_class`` examples.
    """
    require_positive_int("per_class", per_class)
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for label in labels.unique().tolist():
        members = (labels == label).nonzero().squeeze(1)  # (n_c,)
        if members.numel() < per_class:
            raise ValueError(f"class {label} has {members.numel()} examples, fewer than per_class={per_class}")
        chosen.append(members[torch.randperm(members.numel(), generator=generator)[:per_class]])
    return torch.cat(chosen).sort().values


def principal_components(fit_on: torch.Tensor, num_components: int, *inputs: torch.Tensor) -> list[torch.Tensor]:
    """Project each of ``inputs`` ``(N_i, P)`` onto the top ``num_components`` principal axes of ``fit_on`` ``(N, P)``.

    Exact SVD (no randomness), so the result repeats; returns a list of ``(N_i, num_components)`` tensors.
    """
    from sklearn.decomposition import PCA

    require_positive_int("num_components", num_components)
    pca = PCA(num_components, svd_solver="full").fit(_as_numpy("fit_on", fit_on, 2))
    return [torch.as_tensor(pca.transform(_as_numpy("inputs[i]", x, 2)), dtype=torch.float32) for x in inputs]


@dataclass(frozen=True)
class ProbeComparison:
    """Test accuracies of the same linear probe on the VAE's codes, on as many principal components, and on the pixels."""

    latent_accuracy: float
    pca_accuracy: float
    pixel_accuracy: float
    num_labelled: int
    latent_dim: int
    pixel_dim: int


def compare_representations(model, data: ImageDataset, *, labels_per_class: int | None = None,
                            seed: int = 0, regularization: float = 1.0) -> ProbeComparison:
    r"""Fit the probe on :math:`\mu_\phi(x)`, on D principal components and on :math:`x`, with the same labels.

    The principal components are fitted on all training images (no labels needed, like the VAE).

    Args:
        model: an unconditional VAE; its encoder's posterior means are the latent features.
        data: the training split fits the probes, the test split scores them.
        labels_per_class: use only this many labelled training examples per class (chosen by
            ``seed``), the few-labels setting where a good representation matters most; ``None``
            uses every training label.
    """
    if getattr(model, "requires_labels", False):
        raise ValueError("compare_representations needs an unconditional VAE: a conditional encoder is given the label")
    if labels_per_class is None:
        index = torch.arange(data.y_train.numel())
    else:
        index = labelled_subset(data.y_train, labels_per_class, seed=seed)
    x_train, y_train = data.x_train[index], data.y_train[index]  # (n, P), (n,)
    mu_train, _ = encode_data(model, x_train)  # (n, D)
    mu_test, _ = encode_data(model, data.x_test)  # (M, D)
    latent = probe_accuracy(mu_train.cpu(), y_train, mu_test.cpu(), data.y_test, regularization=regularization)
    pca_train, pca_test = principal_components(data.x_train, mu_train.shape[1], data.x_train[index], data.x_test)
    pca = probe_accuracy(pca_train, y_train, pca_test, data.y_test, regularization=regularization)
    pixels = probe_accuracy(x_train, y_train, data.x_test, data.y_test, regularization=regularization)
    return ProbeComparison(latent, pca, pixels, int(index.numel()), mu_train.shape[1], x_train.shape[1])
