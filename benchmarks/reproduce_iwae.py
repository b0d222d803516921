"""Reproduce Burda et al.'s (2016) VAE-versus-IWAE comparison on 28x28 IDX data, and time the training step.

Run from the repository root::

    python benchmarks/reproduce_iwae.py                       # Fashion-MNIST from Debian's package, CPU: 10 passes
    python benchmarks/reproduce_iwae.py --data-dir ~/mnist    # your MNIST IDX files: the paper's figures appear
    python benchmarks/reproduce_iwae.py --quick               # a smoke run in about a minute (numbers meaningless)

It trains the paper's one-stochastic-layer model (``vaecourse.training.recipes.iwae_paper_recipe``: 784-200-200-50
tanh, dynamic binarization, Adam with eps 1e-4, batch 20, lr 1e-3 * 10^(-i/7) for 3^i epochs) once per
setting (default VAE k=1 and IWAE k=5; with CUDA also IWAE k=50) for a stated number of passes, the first
passes of the paper's 3280 (all of them by default on CUDA), and prints

- the test NLL (k = 5000 importance samples, in bounded memory, its peak stated) beside the paper's
  figure for the same setting (MNIST only), the time per pass and the hardware, and whether the IWAE
  beat the VAE at equal passes (or what the measurements say about why not);
- GFLOP/s of one fit() training step of the 784-200-200-50 model against the fp32 matmul peak measured
  in the same run (CPU, alternating rounds, best of each), at the recipe's batch 20 and at batch 128, beside
  the step's matrix products alone, the step on images binarized beforehand and a bare PyTorch loop.

It writes ``benchmarks/results/iwae_<dataset>.json`` (read by the book page ``book/s5_practice/mnist_scale.md``),
the learning curves beside it as ``iwae_<dataset>_curves.csv``, and for every model three pictures beside it
(``iwae_<dataset>_<setting>_{samples,reconstructions,traversal}.png``, listed in the results file:
``vaecourse.viz.model_pictures``). ``--images-only`` retrains the runs of an existing results file with
their seeds, checks that each reaches its recorded test ELBO, and writes only the pictures.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from vaecourse.data import DEBIAN_DATASETS_DIR, TEST_BINARIZATION_SEED, load_idx, sample_binarized  # noqa: E402
from vaecourse.training.diagnostics import active_units, encode_data  # noqa: E402
from vaecourse.studies.iwae_reproduction import (  # noqa: E402
    BURDA_2016_TABLE1,
    METHODS,
    RESULTS_SCHEMA,
    comparison_table,
    iwae_verdict,
    load_results,
    parse_setting,
    setting_name,
    speed_table,
)
from vaecourse.models.vae import VAE  # noqa: E402
from vaecourse.core.montecarlo import monte_carlo_estimate  # noqa: E402
from vaecourse.training.recipes import iwae_paper_recipe  # noqa: E402
from vaecourse.training.streamed_nll import streamed_log_likelihood_estimate  # noqa: E402
from vaecourse.training.loop import fit, resolve_device  # noqa: E402
from vaecourse.viz.model_pictures import write_model_pictures  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_fit", Path(__file__).with_name("bench_fit.py"))
bench_fit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_fit)

DEFAULT_DATA_DIR = DEBIAN_DATASETS_DIR / "fashion-mnist"
RESULTS_DIR = ROOT / "benchmarks" / "results"
CPU_PASSES = 10  # ~10 minutes for the two default settings on one core of a 2.5 GHz Xeon


# --- the machine -------------------------------------------------------------------------------------

def hardware(device: torch.device) -> dict:
    """What ran the numbers: CPU model, threads, torch version, and the GPU if one was used."""
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"device": device.type, "cpu": cpu, "threads": torch.get_num_threads(), "torch": torch.__version__}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["description"] = f"{info['gpu']} (CUDA), torch {torch.__version__}"
    else:
        info["description"] = (f"{cpu} CPU ({os.cpu_count()} logical cores), {info['threads']} thread(s), "
                               f"torch {torch.__version__}")
    return info


_MEMORY_PROBE = """
import re, sys
import torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
from vaecourse.models.vae import VAE
from vaecourse.training.recipes import iwae_paper_recipe
from vaecourse.training.streamed_nll import streamed_log_likelihood_estimate
status = lambda field: int(re.search(field + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
k, batch_size, chunk_size, data_dim = map(int, sys.argv[2:6])
model = VAE(iwae_paper_recipe("elbo", 1, data_dim=data_dim)[0], seed=0)
x = torch.bernoulli(torch.full((batch_size, data_dim), 0.3), generator=torch.Generator().manual_seed(0))
streamed_log_likelihood_estimate(model, x[:1], k=1, batch_size=1, chunk_size=1)  # torch's one-off set-up
open("/proc/self/clear_refs", "w").write("5")  # the high-water mark starts again from the current resident set
before = status("VmRSS")
streamed_log_likelihood_estimate(model, x, k=k, batch_size=batch_size, chunk_size=chunk_size)
print(before, status("VmHWM"))
"""


def cpu_evaluation_memory(k: int, batch_size: int, chunk_size: int, data_dim: int) -> dict:
    """Memory of the streamed k-sample evaluation of one batch on a CPU, measured in a fresh process by the
    kernel: the high-water mark of its resident set (VmHWM, reset through /proc/self/clear_refs just before;
    exact, where polling can miss a short peak) above the resident set of the loaded model and batch. The
    model's weights do not change the shapes, so an untrained recipe model stands in for the trained ones;
    further batches reuse the same memory. Linux only."""
    command = [sys.executable, "-c", _MEMORY_PROBE, str(ROOT), str(k), str(batch_size), str(chunk_size), str(data_dim)]
    try:
        before, peak = map(int, subprocess.run(command, capture_output=True, text=True, check=True).stdout.split())
    except (subprocess.CalledProcessError, ValueError) as error:  # no /proc (not Linux): say so, do not guess
        print(f"reproduce_iwae: the evaluation's memory was not measured ({error})", file=sys.stderr)
        return {"peak_mib": math.nan, "above_start_mib": math.nan}
    return {"peak_mib": peak / 1024, "above_start_mib": (peak - before) / 1024}  # /proc reports kB


# --- training and evaluation ---------------------------------------------------------------------------

def load_data(data_dir: Path, train_images: int | None, device: torch.device):
    """Grey-level training images (fit binarizes them anew every pass) and one fixed binary draw of the test set."""
    data = load_idx(data_dir, binarized=False)
    x_train = data.x_train[:train_images] if train_images else data.x_train  # (N, 784)
    x_test = sample_binarized(data.x_test, seed=TEST_BINARIZATION_SEED)  # (10000, 784), the paper's fixed test draw
    return x_train.to(device), x_test.to(device), data


def train_setting(method: str, k: int, x_train, x_test, args, device, *, curves: bool = True) -> tuple[VAE, dict]:
    """Train one setting of the paper's table for ``args.passes`` passes; returns the model and its record.
    ``curves=False`` skips the per-pass NLL of the learning curve (it runs on a forked random state, so the
    trained model is the same either way)."""
    model_config, train_config = iwae_paper_recipe(METHODS[method], k, data_dim=x_train.shape[1])
    train_config = replace(train_config, epochs=args.passes, seed=args.seed)
    model = VAE(model_config, seed=args.seed)
    curve_images = x_test[:args.eval_images]
    curve = {"pass": [], "seconds": [], "train_elbo": [], "test_elbo": [], "test_nll_small_k": []}

    def record_curve(epoch, trained, history):  # after each pass, in eval mode; does not change the training run
        if epoch > 0 and curves:
            estimate = streamed_log_likelihood_estimate(trained, curve_images, k=args.curve_k, seed=args.seed,
                                                        batch_size=args.eval_batch_size, chunk_size=args.curve_k)
            curve["test_nll_small_k"].append(-estimate.mean().item())

    history = fit(model, x_train, x_test, train_config, device=device, progress=args.progress, callback=record_curve)
    curve.update({"pass": history.epoch, "seconds": history.seconds, "train_elbo": history.train_elbo,
                  "test_elbo": history.test_elbo})
    mu, _ = encode_data(model, x_test)
    record = {"name": setting_name(method, k), "method": method, "objective": METHODS[method], "k": k,
              "passes": args.passes, "train_seconds": history.seconds[-1],
              "seconds_per_pass": history.seconds[-1] / args.passes, "test_elbo": history.test_elbo[-1],
              "active_units": active_units(mu), "curve": curve}
    return model, record


def evaluate_nll(model: VAE, x_eval, args, device) -> tuple[torch.Tensor, float | None, float]:
    """Per-image importance-sampled log p(x) with args.eval_k samples, its seconds, and on CUDA the
    allocator's peak above its start in MiB (on a CPU see :func:`cpu_evaluation_memory`)."""
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
    started = time.perf_counter()
    log_px = streamed_log_likelihood_estimate(model, x_eval, k=args.eval_k, batch_size=args.eval_batch_size,
                                              chunk_size=args.chunk_size, seed=args.seed)  # (n,)
    seconds = time.perf_counter() - started
    peak = (torch.cuda.max_memory_allocated(device) - start) / 2**20 if cuda else None
    return log_px.cpu(), peak, seconds


# --- the FLOP rate of a training step --------------------------------------------------------------------

def training_step_flops(model: VAE, batch: int, num_samples: int = 1) -> float:
    """Matmul flops of one training step with ``num_samples`` latent samples per example: forward
    ``2·rows·in·out`` per layer (the encoder's rows are the batch, the decoder's batch x samples), backward
    twice that, except no input gradient for the encoder's first layer (the data). Element-wise work is not
    counted. With one sample it is ``bench_fit.step_flops``."""
    def forward(layers, rows):
        return [2 * rows * m.in_features * m.out_features for m in layers if isinstance(m, torch.nn.Linear)]
    encoder = forward(model.encoder, batch)
    decoder = forward(model.decoder, batch * num_samples)
    return 3 * (sum(encoder) + sum(decoder)) - encoder[0]


def step_matmuls(model: VAE, batch: int, num_samples: int = 1, seed: int = 0):
    """The matrix products of one training step, alone: a function that runs, for every linear layer, the
    forward ``addmm`` and the backward products (input gradient, except for the data; weight gradient) on
    tensors of the step's shapes. Timing it gives the ceiling of a step whose other work cost nothing."""
    generator = torch.Generator().manual_seed(seed)
    layers = [(m, batch) for m in model.encoder if isinstance(m, torch.nn.Linear)]
    layers += [(m, batch * num_samples) for m in model.decoder if isinstance(m, torch.nn.Linear)]
    operands = [(torch.randn(m.out_features, m.in_features, generator=generator),  # weight (out, in)
                 torch.randn(m.out_features, generator=generator),  # bias (out,)
                 torch.randn(rows, m.in_features, generator=generator),  # input (rows, in)
                 torch.randn(rows, m.out_features, generator=generator))  # output gradient (rows, out)
                for m, rows in layers]

    def run():
        for index, (weight, bias, inputs, grad) in enumerate(operands):
            torch.addmm(bias, inputs, weight.t())  # (rows, out)
            if index:  # the first layer's input is the data: no gradient
                grad @ weight  # (rows, in)
            grad.t() @ inputs  # (out, in)
    return run


def flop_rates(quick: bool, seed: int = 0, *, images: int | None = None, rounds: int | None = None,
               matmul_size: int | None = None) -> dict:
    """GFLOP/s of fit() steps of the recipe's model (CPU) beside the fp32 matmul peak measured between them.

    Five steps are timed: the VAE, the IWAE k=5 and the IWAE k=50 at the recipe's batch 20, and the VAE and
    the IWAE k=5 at batch 128 (the batch of bench_fit's 784-400-20 measurement). Each step's matrix
    products are also timed alone (its ceiling). Beside each VAE step, the same ``fit`` on images binarized
    once beforehand (the step without the dynamic-binarization draw, as bench_fit times the 784-400-20
    model) and a minimal hand-written PyTorch loop on those images (``bench_fit.bare_loop``) show what the
    draw costs and what PyTorch itself reaches at that batch. Rounds alternate all of these and the square
    products, so that a change in the machine's load hits all alike; the best of each is compared.
    ``images``, ``rounds`` and ``matmul_size`` override the sizes (for tests).
    """
    cases = [("VAE", 1, 20), ("IWAE", 5, 20), ("IWAE", 50, 20), ("VAE", 1, 128), ("IWAE", 5, 128)]
    rounds = rounds or (2 if quick else 7)
    n = matmul_size or (1024 if quick else 2048)
    images = images or (1280 if quick else 6400)
    x = torch.rand(images, 784, generator=torch.Generator().manual_seed(seed))  # grey levels: fit binarizes them
    x_binary = sample_binarized(x, seed=seed)  # the comparisons' data: binarized once, outside the timing
    images_of = {case: images // 5 if case[1] >= 50 else images for case in cases}  # k=50: 64 steps suffice
    steps_of = {case: math.ceil(images_of[case] / case[2]) for case in cases}
    recipe_of = {case: iwae_paper_recipe(METHODS[case[0]], case[1]) for case in cases}
    matmuls_of = {case: step_matmuls(VAE(recipe_of[case][0], seed=0), case[2], case[1], seed) for case in cases}
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = {case: math.inf for case in cases}
    matmuls = {case: math.inf for case in cases}
    prebinarized = {case: math.inf for case in cases if case[1] == 1}
    bare = {case: math.inf for case in cases if case[1] == 1}

    def keep(table, case, seconds, r):
        if r:  # round 0 warms up
            table[case] = min(table[case], seconds)

    product_seconds = math.inf
    for r in range(rounds + 1):
        for case in cases:
            method, k, batch = case
            model_config, train_config = recipe_of[case]
            keep(best, case, bench_fit.timed_fit(VAE(model_config, seed=r), x[:images_of[case]], config=train_config,
                                                 epochs=1, batch_size=batch, seed=r, progress=False, device="cpu"), r)
            started = time.perf_counter()
            for _ in range(steps_of[case]):
                matmuls_of[case]()
            keep(matmuls, case, time.perf_counter() - started, r)
            if case in bare:
                keep(prebinarized, case, bench_fit.timed_fit(
                    VAE(model_config, seed=r), x_binary[:images_of[case]], config=replace(train_config, binarize="none"),
                    epochs=1, batch_size=batch, seed=r, progress=False, device="cpu"), r)
                keep(bare, case, bench_fit.bare_loop(VAE(model_config, seed=r), x_binary[:images_of[case]], epochs=1,
                                                     batch_size=batch, lr=train_config.lr, seed=r), r)
        seconds = bench_fit.matmul_seconds(a, b, repeats=2)
        if r:
            product_seconds = min(product_seconds, seconds)
    peak = 2 * n**3 / product_seconds / 1e9
    steps = []
    for case, seconds in best.items():
        method, k, batch = case
        count = steps_of[case]
        flops = training_step_flops(VAE(recipe_of[case][0], seed=0), batch, k)

        def rate(total_seconds, prefix=""):
            return {f"{prefix}ms_per_step": 1000 * total_seconds / count,
                    f"{prefix}fraction_of_peak": flops * count / total_seconds / 1e9 / peak}
        step = {"setting": setting_name(method, k), "batch": batch, **rate(seconds),
                "gflops": flops * count / seconds / 1e9, **rate(matmuls[case], "matmuls_only_")}
        if case in bare:
            step.update(**rate(prebinarized[case], "prebinarized_"), **rate(bare[case], "bare_"))
        steps.append(step)
    return {"matmul_peak_gflops": peak, "matmul_size": n, "rounds": rounds, "threads": torch.get_num_threads(),
            "steps": steps}


# --- the command ---------------------------------------------------------------------------------------

def dataset_of(data_dir: Path) -> str:
    name = data_dir.name.lower()
    return "fashion-mnist" if "fashion" in name else "mnist" if "mnist" in name else name


def results_path(args, dataset: str) -> Path:
    """Where the results file goes: ``--out``, else ``benchmarks/results/`` (quick runs: ``/tmp``)."""
    return args.out or (Path("/tmp") if args.quick else RESULTS_DIR) / f"iwae_{dataset}.json"


def write_pictures(model: VAE, method: str, k: int, x_test, image_shape, out: Path, seed: int) -> list[dict]:
    """The model's sample grid, reconstructions and latent traversal beside the results file ``out``, named
    ``<out's stem>_<setting>_<kind>.png``; returns their entries for the results file."""
    return write_model_pictures(model, x_test, out.parent, f"{out.stem}_{method.lower()}-k{k}",
                                image_shape=image_shape, seed=seed, columns=min(10, x_test.shape[0] // 3))


def add_pictures(out: Path, name: str, images: list[dict], made: dict) -> None:
    """List run ``name``'s pictures (and how ``--images-only`` made them) in the results file ``out``, changing
    nothing else; the file is read again and replaced atomically under a lock, so that runs drawn by several
    processes at once all land."""
    folder = os.open(out.parent, os.O_RDONLY)  # the lock: the folder, which outlives the file's replacement
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        results = json.loads(out.read_text())
        (run,) = [run for run in results["runs"] if run["name"] == name]
        run.update(images=images, images_made=made)
        partial = out.with_name(out.name + ".partial")
        partial.write_text(json.dumps(results, indent=1) + "\n")
        partial.replace(out)
    finally:
        os.close(folder)  # releases the lock


def pictures_only(args, device) -> int:
    """``--images-only``: retrain the runs of the results file (all, or those of ``--settings``) with their
    setting, passes, training images and seed, check that each reaches the recorded final test ELBO (within
    0.01 nats: the same model; the same machine and threads give the same digits), write its pictures and
    list them in the results file (:func:`add_pictures`), which is otherwise unchanged. The file is
    rewritten after each run; several processes may draw different settings of the same file at once."""
    out = results_path(args, args.dataset or dataset_of(args.data_dir))
    try:
        results = load_results(out)
        chosen = [setting_name(*parse_setting(text)) for text in args.settings] if args.settings else None
        x_train, x_test, data = load_data(args.data_dir, results["train_images"], device)
    except (FileNotFoundError, ValueError) as error:
        print(f"reproduce_iwae: error: {error}", file=sys.stderr)
        return 2
    runs = [run for run in results["runs"] if chosen is None or run["name"] in chosen]
    if chosen is not None and len(runs) < len(chosen):
        print(f"reproduce_iwae: error: {out} holds the runs {[run['name'] for run in results['runs']]}, "
              f"not all of {chosen}", file=sys.stderr)
        return 2
    args.passes, args.seed = results["passes"], results["seed"]
    args.eval_images = results["evaluation"]["images"]
    print(f"retraining {len(runs)} run(s) of {out} ({args.passes} passes each, seed {args.seed}) to draw their "
          f"pictures", flush=True)
    started = time.perf_counter()
    for run in runs:
        model, record = train_setting(run["method"], run["k"], x_train, x_test, args, device, curves=False)
        if abs(record["test_elbo"] - run["test_elbo"]) > 0.01:
            print(f"reproduce_iwae: error: the retrained {run['name']} reached a test ELBO of {record['test_elbo']:.4f}, "
                  f"the recorded run {run['test_elbo']:.4f}: not the same model (other threads, torch or machine?); "
                  f"no pictures written", file=sys.stderr)
            return 1
        images = write_pictures(model, run["method"], run["k"], x_test, data.image_shape, out, args.seed)
        made = {"command": "python benchmarks/reproduce_iwae.py " + " ".join(args.argv),
                "date": date.today().isoformat(), "retrain_seconds": record["train_seconds"],
                "hardware": hardware(device)}
        add_pictures(out, run["name"], images, made)
        print(f"{run['name']}: test ELBO {record['test_elbo']:.4f} as recorded ({record['train_seconds']:.0f} s of "
              f"training); wrote {', '.join(entry['file'] for entry in images)} and their list into {out}",
              flush=True)
    print(f"{(time.perf_counter() - started) / 60:.1f} minutes")
    return 0


def default_plan(cuda: bool) -> dict:
    """What a run does unless told otherwise: on CUDA the paper's long version (3280 passes, k = 50 too, all
    10000 test images), on a CPU a short one whose number of passes is stated."""
    if cuda:
        return {"settings": ["vae-k1", "iwae-k5", "iwae-k50"], "passes": BURDA_2016_TABLE1["passes"], "eval_images": 10000}
    return {"settings": ["vae-k1", "iwae-k5"], "passes": CPU_PASSES, "eval_images": 1000}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="folder with the four IDX files of MNIST or Fashion-MNIST (each may be .gz)")
    parser.add_argument("--dataset", default=None,
                        help="name of the data set (mnist shows the paper's figures); default: from the folder name")
    parser.add_argument("--passes", type=int, default=None,
                        help=f"training passes per setting; default {BURDA_2016_TABLE1['passes']} (the paper's) "
                             f"with CUDA, {CPU_PASSES} on a CPU")
    parser.add_argument("--settings", nargs="+", default=None,
                        help="settings to train, e.g. vae-k1 iwae-k5 iwae-k50; default vae-k1 iwae-k5 "
                             "(and iwae-k50 with CUDA)")
    parser.add_argument("--eval-k", type=int, default=BURDA_2016_TABLE1["eval_k"], help="importance samples of the test NLL")
    parser.add_argument("--eval-images", type=int, default=None,
                        help="test images for the NLL (the first ones); default all 10000 with CUDA, 1000 on a CPU")
    parser.add_argument("--curve-k", type=int, default=50, help="importance samples of the per-pass learning curve")
    parser.add_argument("--eval-batch-size", type=int, default=100)
    parser.add_argument("--chunk-size", type=int, default=100, help="importance samples evaluated at once")
    parser.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-speed", action="store_true", help="do not measure the FLOP rate")
    parser.add_argument("--speed-only", action="store_true", help="only measure the FLOP rate")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 pass over 2000 images, k = 100 on 100 images (numbers meaningless)")
    parser.add_argument("--skip-images", action="store_true", help="do not write the models' pictures")
    parser.add_argument("--images-only", action="store_true",
                        help="retrain the runs of the existing results file (--out) with their seeds and write only "
                             "their pictures (each must reach its recorded test ELBO)")
    parser.add_argument("--progress", action="store_true", help="show fit's progress bars")
    parser.add_argument("--out", type=Path, default=None,
                        help="results JSON (default benchmarks/results/iwae_<dataset>.json; quick runs under /tmp)")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.quick:
        args.passes, args.train_images = args.passes or 1, args.train_images or 2000
        args.eval_k, args.eval_images, args.curve_k = min(args.eval_k, 100), args.eval_images or 100, 10
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} CPU thread(s)"
          f"{', QUICK mode' if args.quick else ''}", flush=True)
    if args.images_only:
        return pictures_only(args, device)
    results = {}
    if not args.speed_only:
        if not (args.data_dir / "train-images-idx3-ubyte.gz").exists() and not (args.data_dir / "train-images-idx3-ubyte").exists():
            print(f"reproduce_iwae: error: no IDX data in {args.data_dir}. Install Debian's dataset-fashion-mnist "
                  f"package (files in {DEFAULT_DATA_DIR}), or pass --data-dir DIR with MNIST's train-images-idx3-ubyte, "
                  f"train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz)",
                  file=sys.stderr)
            return 2
        try:
            settings = [parse_setting(text) for text in args.settings or default_plan(cuda)["settings"]]
            x_train, x_test, data = load_data(args.data_dir, args.train_images, device)
        except (FileNotFoundError, ValueError) as error:
            print(f"reproduce_iwae: error: {error}", file=sys.stderr)
            return 2
        args.passes = args.passes or default_plan(cuda)["passes"]
        args.eval_images = min(args.eval_images or default_plan(cuda)["eval_images"], x_test.shape[0])
        dataset = args.dataset or dataset_of(args.data_dir)
        out = results_path(args, dataset)
        print(f"data: {dataset} from {args.data_dir}: {x_train.shape[0]} training images (dynamically binarized), "
              f"test set binarized once with seed {TEST_BINARIZATION_SEED}; {args.passes} passes per setting; "
              f"NLL with k={args.eval_k} on the first {args.eval_images} test images", flush=True)
        x_eval = x_test[:args.eval_images]
        runs, log_px, cuda_peaks = [], {}, []
        for method, k in settings:
            model, record = train_setting(method, k, x_train, x_test, args, device)
            if not args.skip_images:
                record["images"] = write_pictures(model, method, k, x_test, data.image_shape, out, args.seed)
            log_px[record["name"]], peak, seconds = evaluate_nll(model, x_eval, args, device)
            estimate = monte_carlo_estimate(-log_px[record["name"]])
            record.update(test_nll=estimate.mean, test_nll_se=estimate.standard_error, eval_seconds=seconds)
            cuda_peaks.append(peak)
            runs.append(record)
            print(f"{record['name']}: {record['seconds_per_pass']:.1f} s/pass, test NLL (k={args.eval_k}) "
                  f"{estimate.mean:.2f} nats, evaluated in {seconds:.0f} s", flush=True)
        memory = {}  # the evaluation's peak memory at the full k and at one chunk of samples
        for label, k in (("", args.eval_k), ("small_k_", args.chunk_size)):
            if cuda:  # the real evaluation's allocator peak; one chunk's: a batch of the first model's
                if label:
                    torch.cuda.reset_peak_memory_stats(device)
                    start = torch.cuda.memory_allocated(device)
                    streamed_log_likelihood_estimate(model, x_eval[:args.eval_batch_size], k=k,
                                                     batch_size=args.eval_batch_size, chunk_size=args.chunk_size)
                    torch.cuda.synchronize(device)
                    peak = (torch.cuda.max_memory_allocated(device) - start) / 2**20
                else:
                    peak = max(cuda_peaks)
                memory[f"{label}peak_memory_above_start_mib"] = peak
                memory[f"{label}peak_memory_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
            else:
                measured = cpu_evaluation_memory(k, args.eval_batch_size, args.chunk_size, x_train.shape[1])
                memory[f"{label}peak_memory_mib"] = measured["peak_mib"]
                memory[f"{label}peak_memory_above_start_mib"] = measured["above_start_mib"]
        print(f"peak memory of the evaluation (one batch of {args.eval_batch_size} images, chunks of {args.chunk_size} "
              f"samples): {memory['peak_memory_above_start_mib']:.0f} MiB at k={args.eval_k}, "
              f"{memory['small_k_peak_memory_above_start_mib']:.0f} MiB at k={args.chunk_size}", flush=True)
        differences = []
        baseline = next((run for run in runs if run["method"] == "VAE" and run["k"] == 1), None)
        for run in runs:
            if baseline is not None and run is not baseline:
                paired = monte_carlo_estimate(log_px[baseline["name"]] - log_px[run["name"]])  # NLL(run) - NLL(VAE)
                differences.append({"a": run["name"], "b": baseline["name"], "mean": paired.mean, "se": paired.standard_error})
        results = {
            "schema": RESULTS_SCHEMA, "dataset": dataset, "data_dir": str(args.data_dir),
            "train_images": x_train.shape[0], "test_images": x_test.shape[0], "passes": args.passes,
            "schedule": (f"the first {args.passes} of the paper's {BURDA_2016_TABLE1['passes']} epochs: "
                         f"lr 1e-3 * 10^(-i/7) for 3^i epochs"), "batch_size": 20, "seed": args.seed,
            "hardware": hardware(device),
            "evaluation": {"k": args.eval_k, "images": args.eval_images, "batch_size": args.eval_batch_size,
                           "chunk_size": args.chunk_size, "seed": args.seed,
                           "test_binarization_seed": TEST_BINARIZATION_SEED,
                           "small_k": args.chunk_size, **memory,
                           "memory_measure": ("CUDA allocator peak above its start" if cuda else
                                              "rise of the resident set's high-water mark (VmHWM) of a fresh "
                                              "process over one batch's evaluation")},
            "curve_evaluation": {"k": args.curve_k, "images": args.eval_images},
            "runs": runs, "differences": differences,
            "command": "python benchmarks/reproduce_iwae.py " + " ".join(args.argv),
            "date": date.today().isoformat(),
        }
    if not args.skip_speed:
        results["speed"] = flop_rates(args.quick, args.seed)
    if results.get("runs"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n")
        curves = out.with_name(out.stem + "_curves.csv")
        with curves.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["setting", "pass", "seconds", "train_elbo", "test_elbo", f"test_nll_k{args.curve_k}"])
            for run in results["runs"]:
                c = run["curve"]
                for row in zip(c["pass"], c["seconds"], c["train_elbo"], c["test_elbo"], c["test_nll_small_k"]):
                    writer.writerow([run["name"], *row])
        print("\n" + comparison_table(results) + "\n\n" + iwae_verdict(results))
        print(f"\nwrote {out} and {curves}")
    if "speed" in results:
        print("\n" + speed_table(results["speed"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
