"""The course's data: image sets (scikit-learn's digits offline, local IDX files such as MNIST) and 2-d toy sets; it may import only :mod:`vaecourse.core`.

:mod:`.images` loads and splits images into an :class:`~.images.ImageDataset` of flattened pixels in
[0, 1] (binarized or not); :mod:`.toy2d` draws the two-moons, rings and Gaussian-mixture points of
the diffusion chapter.
"""

from .images import ImageDataset, binarize, load_digits, load_idx, read_idx

__all__ = ["ImageDataset", "binarize", "load_digits", "load_idx", "read_idx"]
