"""The course's data: image sets (scikit-learn's digits offline, local IDX files such as MNIST) and 2-d toy sets; it may import only :mod:`vaecourse.core`.

:mod:`.images` loads and splits images into an :class:`~.images.ImageDataset` of flattened pixels in
[0, 1] (binarized or not); :mod:`.toy2d` draws the two-moons, rings and Gaussian-mixture points of
the diffusion chapter.
"""

from .images import (DEBIAN_DATASETS_DIR, TEST_BINARIZATION_SEED, ImageDataset, binarize, load_digits, load_idx, read_idx,
                     sample_binarized)

# What ``from vaecourse.data import ...`` gave when this was one module, data.py (toy2d stays a module of its own).
__all__ = ["DEBIAN_DATASETS_DIR", "TEST_BINARIZATION_SEED", "ImageDataset", "binarize", "load_digits", "load_idx", "read_idx",
           "sample_binarized"]
