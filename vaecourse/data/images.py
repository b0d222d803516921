r"""Image data for the course: scikit-learn's digits (default, offline) and local IDX files (MNIST-style).

Pixels are flattened to vectors with values in :math:`[0, 1]`; the *binarized* variant thresholds them,

.. math:: x^{\text{bin}}_i = \mathbb 1\,[\,x_i > \tfrac12\,],

which is what a Bernoulli likelihood :math:`\log p(x\mid z) = \sum_i x_i\ell_i - \log(1+e^{\ell_i})` models; the
*dynamic* binarization of Burda et al. (2016) instead draws :math:`x^{\text{bin}}_i \sim \mathrm{Bernoulli}(x_i)`.
"""

from __future__ import annotations

import gzip
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from ..core._validation import require_tensor

DEBIAN_DATASETS_DIR = Path("/usr/share/datasets")
"""Where Debian's ``dataset-fashion-mnist`` package puts its IDX files (optional, never required)."""

# The IDX header's third byte names the element type (LeCun's MNIST page); data are big-endian.
_IDX_DTYPES = {0x08: (torch.uint8, 1), 0x09: (torch.int8, 1), 0x0B: (torch.int16, 2),
               0x0C: (torch.int32, 4), 0x0D: (torch.float32, 4), 0x0E: (torch.float64, 8)}


@dataclass(frozen=True)
class ImageDataset:
    """Flattened images with labels, already split into a training and a test set.

    Attributes:
        x_train, x_test: float32 pixels in [0, 1], shapes ``(N_train, H*W)`` and ``(N_test, H*W)``.
        y_train, y_test: int64 class labels, shapes ``(N_train,)`` and ``(N_test,)``.
        image_shape: ``(H, W)``, to reshape a row back into a picture.
        name: a short description, e.g. ``"digits (binarized)"``.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    image_shape: tuple[int, int]
    name: str

    @property
    def data_dim(self) -> int:
        """Pixels per image, ``H * W``."""
        return self.x_train.shape[1]

    @property
    def num_classes(self) -> int:
        """Number of distinct labels (10 for digits and MNIST)."""
        return int(torch.cat([self.y_train, self.y_test]).max()) + 1

    def to(self, device) -> "ImageDataset":
        """The same data on ``device`` (a string or ``torch.device``)."""
        move = lambda t: t.to(device)  # noqa: E731
        return ImageDataset(move(self.x_train), move(self.y_train), move(self.x_test), move(self.y_test),
                            self.image_shape, self.name)


def binarize(x: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    r"""Threshold pixel intensities in [0, 1] to {0, 1}: :math:`\mathbb 1[x > \text{threshold}]`, same shape and dtype."""
    require_tensor("x", x)
    return (x > threshold).to(x.dtype)


TEST_BINARIZATION_SEED = 0
"""The seed of the one binary draw of a test set under dynamic binarization: every run is scored on the same images."""


def sample_binarized(x: torch.Tensor, *, seed: int | None = None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    r"""One stochastic binarization: :math:`x^{\text{bin}}_i \sim \mathrm{Bernoulli}(x_i)`, same shape and dtype.

    Pixels at 0 or 1 stay as they are, so binary data pass through unchanged. Pass ``seed`` (a fresh
    generator on ``x``'s device) or ``generator`` for a reproducible draw.

    >>> sample_binarized(torch.tensor([0.0, 1.0, 1.0]), seed=0)
    tensor([0., 1., 1.])
    """
    require_tensor("x", x)
    if x.numel() == 0:
        return x.clone()
    low, high = (value.item() for value in torch.aminmax(x))
    if not (0.0 <= low and high <= 1.0):  # also catches NaN
        raise ValueError(f"x (shape {tuple(x.shape)}) must hold intensities in [0, 1] to be binarized by sampling, "
                         f"found values from {low:.4g} to {high:.4g}")
    if seed is not None:
        generator = torch.Generator(device=x.device).manual_seed(seed)
    return _bernoulli_draw(x, generator)


def _bernoulli_draw(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """The unchecked kernel of :func:`sample_binarized`: :math:`\\mathbb 1[u < x]`, :math:`u \\sim U[0, 1)` per pixel."""
    # What torch.bernoulli computes, in a third of its time on a CPU (it draws element by element).
    return torch.lt(torch.empty_like(x).uniform_(generator=generator), x).to(x.dtype)


def _split(labels: torch.Tensor, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A stratified split: the same fraction of every class goes to the test set, chosen by ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    train_idx, test_idx = [], []
    for label in labels.unique().tolist():
        members = (labels == label).nonzero().squeeze(1)  # (n_c,)
        members = members[torch.randperm(members.numel(), generator=generator)]
        n_test = int(round(test_fraction * members.numel()))
        test_idx.append(members[:n_test])
        train_idx.append(members[n_test:])
    return torch.cat(train_idx).sort().values, torch.cat(test_idx).sort().values


def load_digits(binarized: bool = True, *, test_fraction: float = 0.2, seed: int = 0) -> ImageDataset:
    """scikit-learn's 1797 handwritten digits (8x8, 16 grey levels), split into train and test sets.

    The split is stratified by label and fixed by ``seed`` (the default gives 1438 training and
    359 test images). Intensities 0..16 are divided by 16; ``binarized=True`` then thresholds at 1/2
    (:func:`binarize`), the data a Bernoulli decoder models. Nothing is downloaded: the images ship
    with scikit-learn.

    Args:
        binarized: ``True`` for {0, 1} pixels, ``False`` for grey levels in [0, 1].
        test_fraction: share of each class held out for testing, in (0, 1).
        seed: chooses the split; the same seed gives the same split on every machine.

    Returns:
        An :class:`ImageDataset` with ``image_shape=(8, 8)`` and 64 pixels per row.
    """
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    from sklearn.datasets import load_digits as _sklearn_digits

    bunch = _sklearn_digits()
    x = torch.as_tensor(bunch.data, dtype=torch.float32) / 16.0  # (1797, 64)
    y = torch.as_tensor(bunch.target, dtype=torch.int64)  # (1797,)
    if binarized:
        x = binarize(x)
    train, test = _split(y, test_fraction, seed)
    kind = "binarized" if binarized else "grey levels"
    return ImageDataset(x[train], y[train], x[test], y[test], (8, 8), f"digits ({kind})")


def read_idx(path: str | os.PathLike) -> torch.Tensor:
    """Read one IDX file (``*-ubyte`` or ``*-ubyte.gz``, the MNIST format) into a tensor.

    The format: two zero bytes, a type byte (0x08 = uint8, ...), a byte ``n`` giving the number of
    dimensions, ``n`` big-endian int32 sizes, then the values in row-major, big-endian order.

    Raises:
        FileNotFoundError: ``path`` does not exist (the message names it).
        ValueError: the file cannot be read, the header is not IDX (wrong magic), the file is not valid
            gzip, or it is truncated / too long for the sizes in its header (the message gives both byte counts).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path} (expected a file such as "
                                f"train-images-idx3-ubyte or train-images-idx3-ubyte.gz)")
    try:
        stored = path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read the IDX file {path}: {error.strerror or error}") from None
    try:
        raw = gzip.decompress(stored) if path.suffix == ".gz" else stored
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise ValueError(f"{path} ends in .gz but is not a complete gzip file ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        hint = "; it is gzip-compressed: name it *.gz" if raw[:2] == b"\x1f\x8b" else ""
        raise ValueError(f"{path} is not an IDX file: expected a header 00 00 <type> <ndim> with type one of "
                         f"{sorted(hex(t) for t in _IDX_DTYPES)}, found the bytes {raw[:4].hex(' ') or 'nothing'}{hint}")
    dtype, itemsize = _IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header announces {ndim} dimension sizes "
                         f"({header} bytes) but the file has {len(raw)} bytes")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + itemsize * math.prod(shape)
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "longer than its header says"
        raise ValueError(f"{path} is {problem}: a {shape} array of {dtype} needs {expected} bytes, "
                         f"the file has {len(raw)}")
    values = torch.frombuffer(bytearray(raw[header:]), dtype=torch.uint8)
    if itemsize > 1 and sys.byteorder == "little":  # big-endian on disk: reverse each element's bytes
        values = values.view(-1, itemsize).flip(1).reshape(-1)
    return values.view(dtype).reshape(shape).clone()


def _find_idx(data_dir: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):  # the last: some mirrors use dots
        if (data_dir / name).is_file():
            return data_dir / name
    raise FileNotFoundError(f"{data_dir} has no {stem} or {stem}.gz; an IDX data folder needs "
                            f"train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte "
                            f"and t10k-labels-idx1-ubyte (each may be .gz)")


def _read_pair(data_dir: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    image_path = _find_idx(data_dir, f"{split}-images-idx3-ubyte")
    label_path = _find_idx(data_dir, f"{split}-labels-idx1-ubyte")
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.dim() != 3 or images.dtype != torch.uint8:
        raise ValueError(f"{image_path} should hold uint8 images of shape (N, H, W), "
                         f"found {images.dtype} of shape {tuple(images.shape)}: is it a labels file?")
    if labels.dim() != 1:
        raise ValueError(f"{label_path} should hold one label per image, shape (N,), "
                         f"found shape {tuple(labels.shape)}: is it an images file?")
    if labels.numel() != images.shape[0]:
        raise ValueError(f"{image_path} has {images.shape[0]} images but {label_path} has {labels.numel()} labels")
    return images, labels.to(torch.int64)


def load_idx(data_dir: str | os.PathLike, binarized: bool = True, *, name: str | None = None) -> ImageDataset:
    """MNIST-style data from local IDX files: the official train / t10k split, pixels scaled to [0, 1].

    ``data_dir`` must hold ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each optionally gzipped: the files of
    MNIST or Fashion-MNIST (Debian's ``dataset-fashion-mnist`` package installs such files under
    :data:`DEBIAN_DATASETS_DIR`). Nothing is downloaded.

    Raises:
        FileNotFoundError: the folder or one of the four files is missing.
        ValueError: a file is not IDX, is truncated, or holds labels where images belong (or the
            reverse), or the image and label counts differ.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"IDX data folder not found: {data_dir}")
    x_train, y_train = _read_pair(data_dir, "train")
    x_test, y_test = _read_pair(data_dir, "t10k")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise ValueError(f"train images are {tuple(x_train.shape[1:])} but t10k images are {tuple(x_test.shape[1:])}")
    height, width = x_train.shape[1:]
    scale = lambda images: images.reshape(images.shape[0], -1).float() / 255.0  # noqa: E731  # (N, H*W)
    x_train, x_test = scale(x_train), scale(x_test)
    if binarized:
        x_train, x_test = binarize(x_train), binarize(x_test)
    label = name or f"{data_dir.name} ({'binarized' if binarized else 'grey levels'})"
    return ImageDataset(x_train, y_train, x_test, y_test, (height, width), label)
