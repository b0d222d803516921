"""The benchmark script's pieces that are not timings: its FLOP count and its reference loops run."""

import importlib.util
from pathlib import Path

import torch

from vaecourse.models import VAE, VAEConfig

torch.set_num_threads(1)

spec = importlib.util.spec_from_file_location("bench_fit", Path(__file__).parents[1] / "benchmarks" / "bench_fit.py")
bench_fit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_fit)


def test_step_flops_of_the_mnist_size_model():
    model = VAE(VAEConfig(data_dim=784, latent_dim=20, hidden_dims=(400,), activation="relu"), seed=0)
    forward = 2 * 128 * (784 * 400 + 400 * 40 + 20 * 400 + 400 * 784)  # encoder outputs mu and log-variance
    no_data_gradient = 2 * 128 * 784 * 400  # the first layer's input is the data
    assert bench_fit.step_flops(model, 128) == 3 * forward - no_data_gradient == 419_840_000


def test_the_bare_loops_train_the_model_they_are_given():
    x = torch.bernoulli(torch.full((60, 64), 0.3), generator=torch.Generator().manual_seed(0))
    for use_model_elbo in (False, True):
        model = VAE(VAEConfig(hidden_dims=(16,), latent_dim=2), seed=0)
        before = [p.detach().clone() for p in model.parameters()]
        seconds = bench_fit.bare_loop(model, x, epochs=1, batch_size=20, lr=1e-2, seed=0, use_model_elbo=use_model_elbo)
        assert seconds > 0
        assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_the_inline_loop_and_the_model_compute_the_same_training_run():
    # The throughput ratio compares like with like: same noise draws, same loss, same updates.
    x = torch.bernoulli(torch.full((60, 64), 0.3), generator=torch.Generator().manual_seed(1))
    inline, through_model = (VAE(VAEConfig(hidden_dims=(16,), latent_dim=2), seed=0) for _ in range(2))
    bench_fit.bare_loop(inline, x, epochs=2, batch_size=20, lr=1e-2, seed=3)
    bench_fit.bare_loop(through_model, x, epochs=2, batch_size=20, lr=1e-2, seed=3, use_model_elbo=True)
    for a, b in zip(inline.parameters(), through_model.parameters()):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
