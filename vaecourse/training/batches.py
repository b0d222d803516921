r"""The data of a run: what a caller passes (``x``, ``(x, y)`` or an ImageDataset) as device tensors, checked once, and its batches.

With ``binarize="dynamic"`` each training batch is drawn anew, :math:`x \sim \mathrm{Bernoulli}(\text{intensities})`
(Burda et al., 2016), and the test set is scored on one fixed draw.
"""

from __future__ import annotations

import math
from typing import Iterator

import torch

from ..core._validation import require_tensor
from ..data.images import TEST_BINARIZATION_SEED, ImageDataset, _bernoulli_draw, sample_binarized

Pair = tuple[torch.Tensor, torch.Tensor | None]


def split_xy(model, data, name: str = "data", device=None) -> Pair:
    """Turn ``x``, ``(x, y)`` or an :class:`~vaecourse.data.images.ImageDataset` (its test split) into ``(x, y)``.

    ``y`` is returned only when ``model.requires_labels``; such models raise if it is missing.
    Both tensors are moved to ``device`` (default: the model's).
    """
    if isinstance(data, ImageDataset):
        data = (data.x_test, data.y_test)
    if isinstance(data, (tuple, list)):
        if len(data) not in (1, 2):
            raise ValueError(f"{name} must be x, (x,) or (x, y), got a sequence of {len(data)} items")
        x, y = data[0], (data[1] if len(data) == 2 else None)
    else:
        x, y = data, None
    require_tensor(name, x, min_dim=2)
    if x.dim() != 2:
        raise ValueError(f"{name} must be a (N, data_dim) tensor of flattened examples, got shape {tuple(x.shape)}")
    needs_labels = getattr(model, "requires_labels", False)
    if needs_labels and y is None:
        raise ValueError(f"{type(model).__name__} needs labels: pass {name} as a pair (x, y)")
    if needs_labels and (not isinstance(y, torch.Tensor) or tuple(y.shape) != (x.shape[0],)):
        raise ValueError(f"{name}: labels y must be a tensor of shape ({x.shape[0]},), got "
                         f"{tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__}")
    device = device if device is not None else next(model.parameters()).device
    return x.to(device), (y.to(device) if needs_labels else None)


def batches(x: torch.Tensor, y: torch.Tensor | None, batch_size: int) -> Iterator[Pair]:
    """Consecutive slices ``(x[i:i+b], y[i:i+b])`` of at most ``batch_size`` examples (for evaluation)."""
    for start in range(0, x.shape[0], batch_size):
        yield x[start:start + batch_size], (y[start:start + batch_size] if y is not None else None)


def check_training_data(model, x: torch.Tensor, name: str) -> None:
    """Raise ValueError for NaN/inf, or values outside [0, 1] under a Bernoulli decoder (one pass over ``x``)."""
    low, high = (value.item() for value in torch.aminmax(x))  # NaN propagates to both
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} (shape {tuple(x.shape)}) holds NaN or inf values")
    if getattr(model.config, "likelihood", "") == "bernoulli" and (low < 0 or high > 1):
        raise ValueError(f"{name} must lie in [0, 1] for a Bernoulli decoder, found values from "
                         f"{low:.4g} to {high:.4g}; rescale it or use likelihood='gaussian'")


def prepare_data(model, train_data, test_data, binarize: str, device: torch.device) -> tuple[Pair, Pair | None]:
    """The training pair and the test pair (or ``None``) on ``device``, checked; an ImageDataset gives both splits.

    With ``binarize="dynamic"`` (Bernoulli decoders only) the test set becomes one fixed draw, the same
    for every run (a no-op on binary data).
    """
    if isinstance(train_data, ImageDataset):
        if test_data is None:
            test_data = (train_data.x_test, train_data.y_test)
        train_data = (train_data.x_train, train_data.y_train)
    train = split_xy(model, train_data, "train_data", device)
    test = split_xy(model, test_data, "test_data", device) if test_data is not None else None
    check_training_data(model, train[0], "train_data")
    if binarize == "dynamic":
        if getattr(model.config, "likelihood", "") != "bernoulli":
            raise ValueError("binarize='dynamic' draws binary pixels for a Bernoulli decoder; this model's "
                             f"likelihood is {getattr(model.config, 'likelihood', None)!r}")
        if test is not None:
            test = (sample_binarized(test[0], seed=TEST_BINARIZATION_SEED), test[1])
    return train, test


def shuffled_batches(train: Pair, batch_size: int, shuffle: torch.Generator,
                     binarizer: torch.Generator | None = None) -> Iterator[Pair]:
    """One epoch: the examples in a fresh order drawn from ``shuffle``, ``batch_size`` at a time.

    With a ``binarizer`` each batch is a fresh binary draw of its images (dynamic binarization).
    """
    x, y = train
    order = torch.randperm(x.shape[0], generator=shuffle).to(x.device)  # (N,)
    for start in range(0, x.shape[0], batch_size):
        # Gathered per step, not once per epoch: a small batch stays in cache for the first layer (on
        # MNIST-size data an epoch-wide copy makes steps ~2% slower); index_select is the row-gather
        # kernel, ~1.6x faster than x[index].
        index = order[start:start + batch_size]  # (b,)
        xb = x.index_select(0, index)  # (b, data_dim)
        if binarizer is not None:
            xb = _bernoulli_draw(xb, binarizer)  # (b, data_dim)
        yield xb, (y.index_select(0, index) if y is not None else None)
