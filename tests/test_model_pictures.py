"""The pictures of a trained image VAE: tiling, the PNG files, the latent traversal, and the page's HTML (present or missing files)."""

import numpy as np
import pytest
import torch
from PIL import Image

from vaecourse.models.vae import VAE, VAEConfig
from vaecourse.studies.traversal import latent_traversal, most_active_dimensions
from vaecourse.viz.model_pictures import GAP_VALUE, pictures_html, save_png, tile, write_model_pictures

torch.set_num_threads(1)


def test_tile_places_each_image_with_one_pixel_between():
    images = torch.arange(2 * 3 * 6, dtype=torch.float32).reshape(2, 3, 6) / 36  # (R, C, h*w), h, w = 2, 3
    canvas = tile(images, (2, 3))
    assert canvas.shape == (2 * 3 - 1, 3 * 4 - 1)
    np.testing.assert_allclose(canvas[3:5, 4:7], images[1, 1].reshape(2, 3).numpy())
    assert (canvas[2, :] == GAP_VALUE).all() and (canvas[:, 3] == GAP_VALUE).all()
    paired = tile(torch.zeros(4, 1, 6), (2, 3), pair_rows=True)  # a wider gap after every second row
    assert paired.shape == (4 * 3 - 1 + 1, 3) and (paired[5:7] == GAP_VALUE).all()
    with pytest.raises(ValueError, match=r"images must have shape \(R, C, 6\)"):
        tile(torch.zeros(2, 7), (2, 3))


def test_save_png_writes_opaque_grey_ink_on_white(tmp_path):
    canvas = np.array([[0.0, 1.0], [GAP_VALUE, 0.5]])
    path = save_png(tmp_path / "c.png", canvas)
    with Image.open(path) as image:
        assert image.mode == "L" and image.size == (2, 1 * 2)
        assert np.array(image).tolist() == [[255, 0], [217, 128]]  # 1 = ink = black
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        save_png(tmp_path / "bad.png", canvas + 1)


def test_the_most_active_dimensions_are_those_whose_means_vary_most():
    mu = torch.randn(500, 4, generator=torch.Generator().manual_seed(0)) * torch.tensor([0.1, 2.0, 0.5, 1.0])
    assert most_active_dimensions(mu, 2) == [1, 3]
    with pytest.raises(ValueError, match="count must be at most the latent dimension D = 4"):
        most_active_dimensions(mu, 5)


def test_the_traversal_moves_two_dimensions_around_the_average_code():
    model = VAE(VAEConfig(data_dim=12, latent_dim=3, hidden_dims=(8,)), seed=0)
    x = torch.bernoulli(torch.full((40, 12), 0.4), generator=torch.Generator().manual_seed(1))
    traversal = latent_traversal(model, x, steps=5, span=2.0)
    assert traversal.images.shape == (5, 5, 12) and traversal.offsets == (-2.0, -1.0, 0.0, 1.0, 2.0)
    mu, _ = model.encode(x)
    assert list(traversal.dimensions) == most_active_dimensions(mu.detach(), 2)
    centre = model.decoder_mean(mu.mean(0, keepdim=True))  # the middle image: the average code, decoded
    torch.testing.assert_close(traversal.images[2, 2], centre[0].detach())
    i, _ = traversal.dimensions
    moved = mu.mean(0).clone()
    moved[i] += 2.0 * mu[:, i].var(unbiased=False).sqrt()  # the last row: +span spreads along the first dimension
    torch.testing.assert_close(traversal.images[4, 2], model.decoder_mean(moved[None])[0].detach())
    with pytest.raises(ValueError, match="span must be positive"):
        latent_traversal(model, x, span=0)


@pytest.fixture
def pictured(tmp_path):
    model = VAE(VAEConfig(data_dim=12, latent_dim=3, hidden_dims=(8,)), seed=0)
    x = torch.bernoulli(torch.full((30, 12), 0.4), generator=torch.Generator().manual_seed(1))
    entries = write_model_pictures(model, x, tmp_path, "m", image_shape=(3, 4), columns=5, steps=3)
    run = {"name": "VAE k=1", "method": "VAE", "k": 1, "passes": 10, "test_nll": 240.8451, "images": entries}
    return {"dataset": "fashion-mnist", "evaluation": {"k": 5000, "images": 1000}, "runs": [run]}, tmp_path


def test_the_pictures_are_deterministic_and_sized_as_recorded(pictured, tmp_path_factory):
    results, folder = pictured
    entries = results["runs"][0]["images"]
    assert [entry["file"] for entry in entries] == ["m_samples.png", "m_reconstructions.png", "m_traversal.png"]
    model = VAE(VAEConfig(data_dim=12, latent_dim=3, hidden_dims=(8,)), seed=0)
    x = torch.bernoulli(torch.full((30, 12), 0.4), generator=torch.Generator().manual_seed(1))
    again = tmp_path_factory.mktemp("again")
    write_model_pictures(model, x, again, "m", image_shape=(3, 4), columns=5, steps=3)
    for entry in entries:
        assert (folder / entry["file"]).read_bytes() == (again / entry["file"]).read_bytes()
        with Image.open(folder / entry["file"]) as image:
            assert [image.height, image.width] == entry["shape"]
    assert entries[1]["shape"] == [6 * 4 - 1 + 2, 5 * 5 - 1]  # 3 pairs of rows of 5 images of 3 x 4


def test_the_page_shows_each_picture_with_alt_text_and_a_caption(pictured):
    results, folder = pictured
    page = pictures_html(results, folder)
    assert page.count("<img ") == 3 and page.count("<figcaption ") == 3 and "No pictures yet" not in page
    assert 'alt="samples of the VAE k=1 after 10 passes on fashion-mnist, test NLL 240.85 nats' in page
    assert "<strong>VAE k=1, traversal</strong>" in page and "k = 5000, 1000 test images" in page
    only = pictures_html(results, folder, ["traversal", "samples"])  # by kind, in the order asked
    assert only.count("<img ") == 2 and only.index("VAE k=1, traversal") < only.index("VAE k=1, samples")
    with pytest.raises(ValueError, match="kinds must be among"):
        pictures_html(results, folder, ["latents"])


def test_the_page_says_how_to_make_missing_pictures(pictured):
    results, folder = pictured
    (folder / "m_traversal.png").unlink()
    page = pictures_html(results, folder)
    assert page.count("<img ") == 2 and "No pictures yet." in page
    assert "Listed but missing beside the results file: m_traversal.png" in page
    assert ">python benchmarks/reproduce_iwae.py --images-only</code>" in page
    results["runs"].append({"name": "IWAE k=50", "method": "IWAE", "k": 50, "passes": 10, "test_nll": 238.0})
    page = pictures_html(results, folder, ["samples"])  # a run without pictures is named, with its command
    assert page.count("<img ") == 1 and "No pictures yet of IWAE k=50." in page
    assert ">python benchmarks/reproduce_iwae.py --images-only --settings iwae-k50</code>" in page
    for run in results["runs"]:
        run.pop("images", None)  # a results file written before the pictures existed
    page = pictures_html(results, folder)
    assert "<img " not in page and "No pictures yet of VAE k=1, IWAE k=50." in page
    assert ">python benchmarks/reproduce_iwae.py --images-only</code>" in page  # every run: no --settings
