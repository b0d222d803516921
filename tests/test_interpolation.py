"""Latent interpolation: endpoints, even spacing, the slerp's constant norm and speed, decoding a path."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from vaecourse.studies.interpolation import decode_interpolation, interpolate_latents
from vaecourse.models import VAE, VAEConfig

F64 = torch.float64
vectors = st.lists(st.floats(-5, 5), min_size=3, max_size=3).map(lambda v: torch.tensor(v, dtype=F64))


def test_matches_the_formula_row_by_row():
    z1, z2 = torch.tensor([1.0, -2.0, 0.5], dtype=F64), torch.tensor([-3.0, 4.0, 0.5], dtype=F64)
    path = interpolate_latents(z1, z2, 5)
    assert path.shape == (5, 3)
    for i, t in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):  # the formula, evaluated by hand for each t
        expected = [(1 - t) * a + t * b for a, b in zip(z1.tolist(), z2.tolist())]
        assert path[i].tolist() == pytest.approx(expected, abs=1e-12)


@given(vectors, vectors, st.integers(2, 12))
def test_endpoints_are_exact_and_steps_are_equal(z1, z2, steps):
    path = interpolate_latents(z1, z2, steps)
    assert torch.equal(path[0], z1) and torch.allclose(path[-1], z2, atol=1e-12)
    increments = path[1:] - path[:-1]  # (steps - 1, D)
    assert torch.allclose(increments, ((z2 - z1) / (steps - 1)).expand_as(increments), atol=1e-9)


def test_leading_dimensions_interpolate_each_pair_separately():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(4, 3, generator=g, dtype=F64), torch.randn(4, 3, generator=g, dtype=F64)
    batched = interpolate_latents(z1, z2, 6)  # (6, 4, 3)
    assert batched.shape == (6, 4, 3)
    for p in range(4):
        assert torch.allclose(batched[:, p], interpolate_latents(z1[p], z2[p], 6))


def test_slerp_keeps_the_norm_and_moves_at_constant_angular_speed():
    z1 = torch.tensor([2.0, 0.0, 0.0], dtype=F64)
    z2 = torch.tensor([0.0, 2.0 * math.cos(0.3), 2.0 * math.sin(0.3)], dtype=F64)  # same norm, 90 degrees apart
    arc = interpolate_latents(z1, z2, 7, spherical=True)
    assert torch.allclose(arc.norm(dim=-1), torch.full((7,), 2.0, dtype=F64), atol=1e-12)
    angles = torch.arccos((arc[1:] * arc[:-1]).sum(-1) / 4.0)  # angle between consecutive points
    assert torch.allclose(angles, torch.full((6,), math.pi / 2 / 6, dtype=F64), atol=1e-9)
    assert torch.allclose(arc[0], z1) and torch.allclose(arc[-1], z2, atol=1e-12)
    line = interpolate_latents(z1, z2, 7)
    assert line[3].norm() < 2.0 * math.cos(math.pi / 4) + 1e-12  # the chord dips to r cos(45 degrees)


def test_slerp_of_parallel_latents_falls_back_to_the_line():
    z1 = torch.tensor([1.0, 1.0], dtype=F64)
    path = interpolate_latents(z1, 3 * z1, 4, spherical=True)
    assert torch.allclose(path, interpolate_latents(z1, 3 * z1, 4))
    assert torch.isfinite(path).all()


@pytest.mark.parametrize(
    "args, error, words",
    [
        ((torch.zeros(3), torch.zeros(4), 5), ValueError, "same shape"),
        ((torch.zeros(3), torch.zeros(3), 1), ValueError, "steps"),
        ((torch.tensor([float("nan")] * 3), torch.zeros(3), 5), ValueError, "z1"),
        (([0.0, 1.0], torch.zeros(2), 5), TypeError, "z1"),
    ],
)
def test_bad_arguments_are_named(args, error, words):
    with pytest.raises(error, match=words):
        interpolate_latents(*args)


def test_decoded_paths_start_and_end_at_the_reconstructions():
    model = VAE(VAEConfig(data_dim=6, latent_dim=2, hidden_dims=(8,)), seed=0)
    g = torch.Generator().manual_seed(1)
    x1, x2 = torch.rand(3, 6, generator=g).round(), torch.rand(3, 6, generator=g).round()
    images = decode_interpolation(model, x1, x2, steps=5)
    assert images.shape == (3, 5, 6)
    assert torch.allclose(images[:, 0], model.reconstruct(x1), atol=1e-6)
    assert torch.allclose(images[:, -1], model.reconstruct(x2), atol=1e-6)
    assert ((images >= 0) & (images <= 1)).all()  # Bernoulli decoder means are probabilities
    with pytest.raises(ValueError, match="same shape"):
        decode_interpolation(model, x1, x2[:2])
