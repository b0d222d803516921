"""Benchmark of vaecourse's training loop: overhead, achieved FLOP rate and quality for time.

Run from the repository root (a quiet machine gives the meaningful numbers)::

    python benchmarks/bench_fit.py            # the full benchmark, a few minutes on 2 cores
    python benchmarks/bench_fit.py --quick    # a smoke run in well under a minute (numbers are noisy)

It prints three measured ratios beside their targets:

1. ``fit()`` steps per second / a minimal hand-written PyTorch loop's (same model, batch, optimizer);
   target >= 0.95.
2. Achieved GFLOP/s of one training step of the MNIST-size model (784-400-20, batch 128) / this
   machine's fp32 matmul peak measured here; target >= 40 %.
3. Quality for time on digits: the course recipe's test NLL (k = 1000) and training seconds, beside a
   bare reference loop (64-256-256-8 tanh VAE, Adam 1e-3, batch 100, 300 epochs); targets NLL <= 16.0
   nats and time <= 30 s.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vaecourse.data import load_digits  # noqa: E402
from vaecourse.training.diagnostics import log_likelihood_estimate  # noqa: E402
from vaecourse.models import VAE, VAEConfig  # noqa: E402
from vaecourse.training import digits_recipe  # noqa: E402
from vaecourse.training.loop import fit, make_adam  # noqa: E402


def bare_loop(model: VAE, x: torch.Tensor, epochs: int, batch_size: int, lr: float, seed: int,
              use_model_elbo: bool = False, optimizer: torch.optim.Optimizer | None = None) -> float:
    """The minimal hand-written loop: Adam on minus the single-sample ELBO, written inline (or through the
    model's own ``elbo``); returns the wall time."""
    torch.manual_seed(seed)
    optimizer = optimizer or make_adam(model, lr)  # the optimizer fit() uses
    started = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(x.shape[0])
        for start in range(0, x.shape[0], batch_size):
            xb = x[order[start:start + batch_size]]
            if use_model_elbo:
                loss = -model.elbo(xb).elbo.mean()
            else:
                mu, logvar = model.encoder(xb).chunk(2, dim=-1)
                z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
                rec = -F.binary_cross_entropy_with_logits(model.decoder(z), xb, reduction="none").sum(-1)
                kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)
                loss = -(rec - kl).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - started


def timed_fit(model: VAE, x: torch.Tensor, **hyper) -> float:
    started = time.perf_counter()
    fit(model, x, **hyper)
    return time.perf_counter() - started


def throughput(quick: bool) -> dict:
    """Median steps/s of fit(), of the inline bare loop and of a bare loop calling ``model.elbo``.

    Short runs of the three are interleaved many times (one model and optimizer each, trained on), so
    that a change in the machine's load hits all three alike; the medians are compared.
    """
    x = load_digits().x_train
    epochs, rounds = (3, 5) if quick else (5, 20)
    steps = epochs * math.ceil(x.shape[0] / 100)
    models = {name: VAE(VAEConfig(), seed=0) for name in ("fit", "inline", "elbo")}
    optimizers = {name: make_adam(model, 1e-3) for name, model in models.items()}
    rates = {name: [] for name in models}
    for r in range(rounds):
        rates["inline"].append(steps / bare_loop(models["inline"], x, epochs, 100, 1e-3, r,
                                                 optimizer=optimizers["inline"]))
        rates["elbo"].append(steps / bare_loop(models["elbo"], x, epochs, 100, 1e-3, r, use_model_elbo=True,
                                               optimizer=optimizers["elbo"]))
        rates["fit"].append(steps / timed_fit(models["fit"], x, epochs=epochs, batch_size=100, seed=r,
                                              progress=True, device="cpu", optimizer=optimizers["fit"]))
    return {name: statistics.median(values) for name, values in rates.items()}


def matmul_seconds(a: torch.Tensor, b: torch.Tensor, repeats: int) -> float:
    """Best time of ``repeats`` products ``a @ b``."""
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return best


def step_flops(model: VAE, batch: int) -> float:
    """Matmul flops of one training step: forward 2*B*in*out per layer, backward twice that, except
    no input gradient for the first layer (the data). Elementwise work is not counted."""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    forward = sum(2 * batch * m.in_features * m.out_features for m in layers)
    first = layers[0]
    return 3 * forward - 2 * batch * first.in_features * first.out_features


def flop_rate(quick: bool) -> tuple[float, float, float]:
    """GFLOP/s of fit() on the 784-400-20 model, batch 128, and the fraction of the fp32 matmul peak.

    The peak is the best rate of square products (2 n^3 flops each). Runs of fit() and of the products
    alternate, so that a change in the machine's load hits both alike; the best of each is compared.
    """
    model = VAE(VAEConfig(data_dim=784, latent_dim=20, hidden_dims=(400,), activation="relu"), seed=0)
    steps, rounds, n = (20, 2, 1024) if quick else (100, 10, 2048)
    x = torch.bernoulli(torch.full((128 * steps, 784), 0.13), generator=torch.Generator().manual_seed(0))
    a, b = torch.randn(n, n), torch.randn(n, n)
    fit(VAE(model.config, seed=1), x[:128 * 3], epochs=1, batch_size=128, progress=False, device="cpu")  # warm-up
    a @ b  # warm-up
    fit_seconds, product_seconds = math.inf, math.inf
    for r in range(rounds):
        fresh = VAE(model.config, seed=r)
        fit_seconds = min(fit_seconds, timed_fit(fresh, x, epochs=1, batch_size=128, seed=r, progress=False,
                                                 device="cpu"))
        product_seconds = min(product_seconds, matmul_seconds(a, b, repeats=2))
    achieved = step_flops(model, 128) * steps / fit_seconds / 1e9
    peak = 2 * n**3 / product_seconds / 1e9
    return achieved, peak, achieved / peak


def reference_loop(data, epochs: int, seed: int = 0) -> tuple[float, VAE]:
    model = VAE(VAEConfig(hidden_dims=(256, 256), latent_dim=8, activation="tanh"), seed=seed)
    return bare_loop(model, data.x_train, epochs, 100, 1e-3, seed), model


def quality_for_time(quick: bool, k: int) -> dict:
    data = load_digits()
    model_config, train_config = digits_recipe()
    scale = 0.1 if quick else 1.0
    model = VAE(model_config, seed=0)
    epochs = max(1, round(train_config.epochs * scale))
    started, cpu_started = time.perf_counter(), time.process_time()
    fit(model, data.x_train, config=train_config, epochs=epochs, progress=False, device="cpu")
    recipe_seconds, recipe_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    recipe_nll = -log_likelihood_estimate(model, data.x_test, k=k).mean().item()
    cpu_started = time.process_time()
    reference_seconds, reference = reference_loop(data, max(1, round(300 * scale)))
    reference_cpu = time.process_time() - cpu_started
    reference_nll = -log_likelihood_estimate(reference, data.x_test, k=k).mean().item()
    return {"recipe_seconds": recipe_seconds, "recipe_cpu": recipe_cpu, "recipe_nll": recipe_nll,
            "recipe_epochs": epochs, "reference_seconds": reference_seconds, "reference_cpu": reference_cpu,
            "reference_nll": reference_nll}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs that prove the script works")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "flops", "quality"])
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    k = 100 if args.quick else 1000
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s){', QUICK mode' if args.quick else ''}")
    if "throughput" not in args.skip:
        rate = throughput(args.quick)
        ratio = rate["fit"] / rate["inline"]
        print(f"1. fit() {rate['fit']:.1f} steps/s | inline bare loop {rate['inline']:.1f} steps/s | ratio "
              f"{ratio:.3f} (target >= 0.95) {'PASS' if ratio >= 0.95 else 'FAIL'}\n"
              f"   (bare loop through model.elbo, value checks on: {rate['elbo']:.1f} steps/s; fit / that loop "
              f"{rate['fit'] / rate['elbo']:.3f}: fit switches the NaN/range scans off inside its steps)", flush=True)
    if "flops" not in args.skip:
        achieved, peak, fraction = flop_rate(args.quick)
        print(f"2. 784-400-20 step {achieved:8.1f} GFLOP/s | matmul peak {peak:8.1f} GFLOP/s | "
              f"fraction {fraction:.1%} (target >= 40%) {'PASS' if fraction >= 0.4 else 'FAIL'}", flush=True)
    if "quality" not in args.skip:
        q = quality_for_time(args.quick, k)
        ok = q["recipe_nll"] <= 16.0 and q["recipe_seconds"] <= 30.0
        print(f"3. recipe ({q['recipe_epochs']} epochs): test NLL {q['recipe_nll']:.3f} nats (k={k}) in "
              f"{q['recipe_seconds']:.1f} s (CPU {q['recipe_cpu']:.1f} s) | reference loop: "
              f"{q['reference_nll']:.3f} nats in {q['reference_seconds']:.1f} s (CPU {q['reference_cpu']:.1f} s) | "
              f"time ratio {q['recipe_seconds'] / q['reference_seconds']:.2f} "
              f"(targets <= 16.0 nats, <= 30 s) {'PASS' if ok else 'FAIL'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
