"""Tests of vaecourse.data (digits, IDX files and their error messages) and vaecourse.data.toy2d."""

import gzip
import math

import pytest
import torch

from vaecourse.data import DEBIAN_DATASETS_DIR, ImageDataset, binarize, load_digits, load_idx, read_idx, sample_binarized
from vaecourse.data.toy2d import TOY_DATASETS, gaussian_mixture, gaussian_mixture_log_density, rings, two_moons


def idx_bytes(array: torch.Tensor, type_code: int = 0x08) -> bytes:
    """Encode ``array`` as IDX by hand (independently of read_idx): header, big-endian sizes, big-endian data."""
    header = bytes([0, 0, type_code, array.dim()]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    if array.dtype == torch.uint8:
        body = bytes(array.flatten().tolist())
    else:  # int32, written big-endian element by element
        body = b"".join(int(v).to_bytes(4, "big", signed=True) for v in array.flatten().tolist())
    return header + body


def write_mnist_like(folder, n_train=6, n_test=4, gz=False, shape=(5, 4)):
    generator = torch.Generator().manual_seed(0)
    suffix = ".gz" if gz else ""
    data = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, *shape), generator=generator, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=generator, dtype=torch.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            raw = idx_bytes(array)
            (folder / f"{split}-{kind}-ubyte{suffix}").write_bytes(gzip.compress(raw) if gz else raw)
        data[split] = (images, labels)
    return data


# --- digits ---------------------------------------------------------------------------------------

def test_digits_split_is_fixed_disjoint_stratified_and_complete():
    data = load_digits()
    assert data.x_train.shape == (1438, 64) and data.x_test.shape == (359, 64)
    assert data.image_shape == (8, 8) and data.data_dim == 64 and data.num_classes == 10
    assert data.y_train.dtype == torch.int64 and data.x_train.dtype == torch.float32
    again = load_digits()
    assert torch.equal(again.x_train, data.x_train) and torch.equal(again.y_test, data.y_test)
    # every class keeps ~20% of its members in the test set
    for label in range(10):
        n_test = int((data.y_test == label).sum())
        n_all = n_test + int((data.y_train == label).sum())
        assert n_test == round(0.2 * n_all)
    # the two parts together are exactly sklearn's 1797 images (compare as multisets of rows)
    from sklearn.datasets import load_digits as sklearn_digits
    everything = torch.as_tensor(sklearn_digits().data, dtype=torch.float32) / 16
    combined = torch.cat([load_digits(binarized=False).x_train, load_digits(binarized=False).x_test])
    rows_a, counts_a = torch.unique(combined, dim=0, return_counts=True)
    rows_b, counts_b = torch.unique(everything, dim=0, return_counts=True)
    assert torch.equal(rows_a, rows_b) and torch.equal(counts_a, counts_b)


def test_digits_other_seed_gives_another_split_and_binarized_matches_threshold():
    assert not torch.equal(load_digits(seed=1).y_test, load_digits(seed=0).y_test)
    grey, binary = load_digits(binarized=False), load_digits(binarized=True)
    assert 0.0 <= grey.x_train.min() and grey.x_train.max() <= 1.0 and grey.x_train.unique().numel() == 17
    assert set(binary.x_train.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(binary.x_train, (grey.x_train > 0.5).float())
    assert torch.equal(binarize(torch.tensor([0.4, 0.5, 0.6])), torch.tensor([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=1.0)


# --- IDX files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips_uint8_and_big_endian_int32(tmp_path, gz):
    images = torch.arange(2 * 3 * 4, dtype=torch.uint8).reshape(2, 3, 4)
    wide = torch.tensor([[1, -2, 70000], [2**31 - 1, 0, -(2**31)]], dtype=torch.int32)
    for name, array, code in (("a-ubyte", images, 0x08), ("b-ubyte", wide, 0x0C)):
        raw = idx_bytes(array, code)
        path = tmp_path / (name + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(raw) if gz else raw)
        loaded = read_idx(path)
        assert loaded.dtype == array.dtype and torch.equal(loaded, array)


def test_load_idx_scales_flattens_and_binarizes(tmp_path):
    written = write_mnist_like(tmp_path, gz=True)
    grey = load_idx(tmp_path, binarized=False)
    assert isinstance(grey, ImageDataset) and grey.image_shape == (5, 4)
    assert torch.allclose(grey.x_train, written["train"][0].reshape(6, 20).float() / 255)
    assert torch.equal(grey.y_test, written["t10k"][1].long())
    binary = load_idx(tmp_path)
    assert torch.equal(binary.x_test, (written["t10k"][0].reshape(4, 20).float() / 255 > 0.5).float())


def test_missing_folder_and_missing_file_name_what_is_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="IDX data folder not found: .*nowhere"):
        load_idx(tmp_path / "nowhere")
    write_mnist_like(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz"):
        load_idx(tmp_path)
    with pytest.raises(FileNotFoundError, match="IDX file not found"):
        read_idx(tmp_path / "absent-ubyte")


def test_truncated_file_reports_expected_and_found_bytes(tmp_path):
    raw = idx_bytes(torch.zeros(3, 2, 2, dtype=torch.uint8))  # 4 + 12 header bytes + 12 data bytes = 28
    (tmp_path / "t-ubyte").write_bytes(raw[:-5])
    with pytest.raises(ValueError, match=r"truncated: .* needs 28 bytes, the file has 23"):
        read_idx(tmp_path / "t-ubyte")
    (tmp_path / "h-ubyte").write_bytes(raw[:9])  # the header itself is cut
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "h-ubyte")
    (tmp_path / "long-ubyte").write_bytes(raw + b"\x00")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(tmp_path / "long-ubyte")


def test_wrong_magic_and_broken_gzip_are_reported(tmp_path):
    (tmp_path / "png-ubyte").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(ValueError, match="not an IDX file: expected a header 00 00"):
        read_idx(tmp_path / "png-ubyte")
    (tmp_path / "bad-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not a complete gzip file"):
        read_idx(tmp_path / "bad-ubyte.gz")


def test_mislabelled_files_are_caught(tmp_path):
    written = write_mnist_like(tmp_path)
    images_path, labels_path = tmp_path / "train-images-idx3-ubyte", tmp_path / "train-labels-idx1-ubyte"
    images_raw, labels_raw = images_path.read_bytes(), labels_path.read_bytes()
    images_path.write_bytes(labels_raw)
    labels_path.write_bytes(images_raw)
    with pytest.raises(ValueError, match="should hold uint8 images of shape \\(N, H, W\\).*labels file"):
        load_idx(tmp_path)
    images_path.write_bytes(images_raw)
    labels_path.write_bytes(idx_bytes(written["train"][1][:5]))  # one label short
    with pytest.raises(ValueError, match="has 6 images but .* has 5 labels"):
        load_idx(tmp_path)


# --- 2-D toy sets ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_toy_sets_are_seeded_with_the_right_shape(name):
    make = TOY_DATASETS[name]
    a, b, c = make(500, seed=3), make(500, seed=3), make(500, seed=4)
    assert a.shape == (500, 2) and torch.equal(a, b) and not torch.equal(a, c)


def test_standardized_sets_have_zero_mean_unit_variance():
    for points in (two_moons(800), rings(800)):
        torch.testing.assert_close(points.mean(0), torch.zeros(2), atol=1e-5, rtol=0)
        torch.testing.assert_close(points.std(0), torch.ones(2), atol=1e-5, rtol=0)


def test_noiseless_shapes_lie_exactly_on_their_curves():
    moons = two_moons(400, noise=0.0, standardize=False)
    # the two arcs: |p| = 1 for the upper one, |p - (1, 0.5)| = 1 for the lower one
    on_upper = (moons.norm(dim=1) - 1).abs() < 1e-5
    on_lower = ((moons - torch.tensor([1.0, 0.5])).norm(dim=1) - 1).abs() < 1e-5
    assert bool((on_upper | on_lower).all()) and int(on_upper.sum()) == 200
    ring = rings(300, radii=(1.0, 3.0), noise=0.0, standardize=False).norm(dim=1)
    assert bool((((ring - 1).abs() < 1e-5) | ((ring - 3).abs() < 1e-5)).all())


def test_mixture_density_matches_torch_distributions():
    k, radius, std = 5, 1.5, 0.3
    angles = 2 * math.pi * torch.arange(k) / k
    centres = radius * torch.stack([angles.cos(), angles.sin()], 1)
    oracle = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(torch.ones(k)),
        torch.distributions.Independent(torch.distributions.Normal(centres, std), 1))
    points = gaussian_mixture(200, num_components=k, radius=radius, std=std, seed=1)
    ours = gaussian_mixture_log_density(points, num_components=k, radius=radius, std=std)
    torch.testing.assert_close(ours, oracle.log_prob(points), atol=1e-5, rtol=0)
    # the sampled points follow the mixture: their mean is 0 within 4 standard errors
    many = gaussian_mixture(20000, num_components=k, radius=radius, std=std, seed=2)
    se = math.sqrt((radius**2 / 2 + std**2) / 20000)
    assert bool((many.mean(0).abs() < 4 * se).all())


# --- the IDX files of a real data set, and more damaged files --------------------------------------------

FASHION_MNIST = DEBIAN_DATASETS_DIR / "fashion-mnist"


@pytest.mark.skipif(not (FASHION_MNIST / "t10k-labels-idx1-ubyte.gz").exists(),
                    reason="Debian's dataset-fashion-mnist package is not installed")
def test_fashion_mnist_from_debians_package_is_read_as_mnist_would_be():
    data = load_idx(FASHION_MNIST, binarized=False)
    assert data.x_train.shape == (60000, 784) and data.x_test.shape == (10000, 784) and data.image_shape == (28, 28)
    assert data.num_classes == 10 and data.y_test.bincount().tolist() == [1000] * 10
    assert 0.0 == data.x_train.min() and data.x_train.max() == 1.0
    assert data.name == "fashion-mnist (grey levels)"


def test_an_uncompressed_name_holding_gzip_data_gets_a_hint(tmp_path):
    (tmp_path / "x-ubyte").write_bytes(gzip.compress(idx_bytes(torch.zeros(2, 2, dtype=torch.uint8))))
    with pytest.raises(ValueError, match="found the bytes 1f 8b .*; it is gzip-compressed: name it \\*.gz"):
        read_idx(tmp_path / "x-ubyte")


def test_a_header_that_announces_more_images_than_the_file_holds(tmp_path):
    raw = bytearray(idx_bytes(torch.zeros(3, 2, 2, dtype=torch.uint8)))
    raw[4:8] = (4).to_bytes(4, "big")  # the header says 4 images, the payload holds 3
    (tmp_path / "count-ubyte").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"count-ubyte is truncated: a \(4, 2, 2\) array .* needs 32 bytes, the file has 28"):
        read_idx(tmp_path / "count-ubyte")


def test_sample_binarized_follows_the_intensities():
    x = torch.tensor([0.0, 0.2, 0.5, 0.9, 1.0]).repeat(20000, 1)  # (20000, 5)
    drawn = sample_binarized(x, seed=3)
    assert set(drawn.unique().tolist()) == {0.0, 1.0} and torch.equal(drawn, sample_binarized(x, seed=3))
    assert drawn[:, 0].sum() == 0 and drawn[:, 4].sum() == 20000
    standard_error = (x[0] * (1 - x[0]) / 20000).sqrt()  # (5,)
    assert bool(((drawn.mean(0) - x[0]).abs() <= 4 * standard_error + 1e-9).all())
