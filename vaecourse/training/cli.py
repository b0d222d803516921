"""The ``train`` command: ``python -m vaecourse train`` fits a VAE, reports its test numbers and saves figures.

Example::

    python -m vaecourse train --dataset digits --latent-dim 8 --epochs 100 --out runs/digits
    python -m vaecourse train --prior mixture --objective iwae --num-samples 3 --epochs 200 --out runs/recipe
    python -m vaecourse train --dataset idx --data-dir /usr/share/datasets/fashion-mnist --epochs 10 --out runs/fashion

The IWAE paper's setting (``vaecourse.training.recipes.iwae_paper_recipe``) on local MNIST files, in full::

    python -m vaecourse train --dataset idx --data-dir ~/mnist --dynamic-binarization --hidden 200 200
        --latent-dim 50 --batch-size 20 --lr-schedule iwae-paper --adam-eps 1e-4 --objective iwae
        --num-samples 5 --epochs 3280 --k 5000 --out runs/iwae   (one command line)

The summary reports the test ELBO (beta = 1) on every test image, the importance-sampled NLL
:math:`-\\log p(x)` with ``--k`` samples on ``--nll-images`` test images (a seeded random subset, with its
standard error; ``--nll-images all`` for every one), and the active units; the output folder receives
``checkpoint.pt``, ``history.json``, ``samples.png``, ``reconstructions.png``, ``latent_space.png`` and
``curves.png``. The NLL costs ``images * k`` decoder passes and shows a progress bar: with the defaults
(1000 images, k = 1000) about 30 s of one CPU core for a 784-256-256-8 VAE, a tenth of the 10 000-image
test set's cost.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_HIDDEN = (256, 256)
LR_SCHEDULES = ("constant", "cosine", "iwae-paper")  # as vaecourse.training.loop.LR_SCHEDULES (not imported: keeps --help fast)


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train", help="train a VAE on digits or local IDX files, print test numbers, save figures",
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=("digits", "idx"), default="digits",
                      help="scikit-learn's 8x8 digits (offline), or MNIST-style IDX files in --data-dir")
    data.add_argument("--data-dir", type=Path, help="folder with train-/t10k- images and labels IDX files")
    data.add_argument("--likelihood", choices=("bernoulli", "gaussian"), default="bernoulli",
                      help="bernoulli on binarized pixels, or gaussian on grey levels")
    data.add_argument("--dynamic-binarization", action="store_true",
                      help="bernoulli only: draw x ~ Bernoulli(intensities) anew every epoch, and the test set once "
                           "with a fixed seed (Burda et al., 2016), instead of thresholding at 1/2")
    model = parser.add_argument_group("model")
    model.add_argument("--latent-dim", type=int, default=8)
    model.add_argument("--hidden", type=int, nargs="+", default=list(DEFAULT_HIDDEN), help="hidden layer widths")
    model.add_argument("--prior", choices=("standard", "mixture"), default="standard",
                       help="N(0, I), or a learned mixture of --prior-components Gaussians")
    model.add_argument("--prior-components", type=int, default=50)
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=int, default=100)
    training.add_argument("--batch-size", type=int, default=100)
    training.add_argument("--lr", type=float, default=1e-3)
    training.add_argument("--lr-schedule", choices=LR_SCHEDULES, default="constant",
                          help="iwae-paper: lr * 10^(-i/7) for 3^i epochs, i = 0..7 (Burda et al., 2016)")
    training.add_argument("--adam-eps", type=float, default=1e-8, help="Adam's epsilon (the IWAE paper: 1e-4)")
    training.add_argument("--beta", type=float, default=1.0, help="KL weight in the training objective")
    training.add_argument("--warmup-steps", type=int, default=0, help="linear KL annealing steps")
    training.add_argument("--free-bits", type=float, default=0.0, help="nats per latent dimension")
    training.add_argument("--objective", choices=("elbo", "iwae"), default="elbo")
    training.add_argument("--num-samples", type=int, default=1, help="latent samples per example (IWAE's k)")
    training.add_argument("--seed", type=int, default=0)
    training.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    training.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    report = parser.add_argument_group("report")
    report.add_argument("--k", type=_count, default=1000,
                        help="importance samples per image for the test NLL (cost: images * k decoder passes)")
    report.add_argument("--nll-images", type=_count_or_all, default=1000, metavar="N|all",
                        help="test images for the NLL: a seeded random subset reported with its standard error, "
                             "or all (at k=1000, about 30 ms of one CPU core per 28x28 image: 10 000 images take "
                             "minutes)")
    report.add_argument("--out", type=Path, default=Path("vae-run"), help="output folder")
    report.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run)
    return parser


def _count(text: str) -> int:
    """A positive integer, or an argparse error naming what was given."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def _count_or_all(text: str) -> int | None:
    """``all`` -> ``None`` (every test image); else a positive integer."""
    return None if text == "all" else _count(text)


def _load_data(args):
    from dataclasses import replace

    from ..data.images import TEST_BINARIZATION_SEED, load_digits, load_idx, sample_binarized

    if args.dynamic_binarization and args.likelihood != "bernoulli":
        raise ValueError("--dynamic-binarization draws binary pixels for --likelihood bernoulli, not gaussian")
    binarized = args.likelihood == "bernoulli" and not args.dynamic_binarization
    if args.dataset == "digits":
        data = load_digits(binarized=binarized, seed=args.seed)
    elif args.data_dir is None:
        raise ValueError("--dataset idx needs --data-dir, a folder with train-images-idx3-ubyte(.gz), "
                         "train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)")
    else:
        data = load_idx(args.data_dir, binarized=binarized)
    if args.dynamic_binarization:  # training images stay grey (fit draws them); the test set is one fixed draw
        data = replace(data, x_test=sample_binarized(data.x_test, seed=TEST_BINARIZATION_SEED),
                       name=data.name.replace("grey levels", "dynamically binarized"))
    return data


def _image_grid(images, image_shape, path: Path, title: str, columns: int = 10) -> None:
    import matplotlib.pyplot as plt

    rows = (len(images) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.8, rows * 0.8 + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image in zip(axes.flat, images):
        ax.imshow(image.reshape(image_shape).cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
    fig.suptitle(title)
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)


def save_figures(model, data, history, out: Path, seed: int = 0) -> list[Path]:
    """Write samples, test reconstructions (originals on odd rows), the latent space and the curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from .diagnostics import encode_data

    device = next(model.parameters()).device
    paths = [out / name for name in ("samples.png", "reconstructions.png", "latent_space.png", "curves.png")]
    _image_grid(model.sample(50, seed=seed), data.image_shape, paths[0], "samples: decoder mean of z ~ p(z)")
    x = data.x_test[:50].to(device)
    recon = model.reconstruct(x)  # (n, data_dim)
    rows = [block for i in range(0, len(x), 10) for block in (x[i:i + 10], recon[i:i + 10])]
    _image_grid(torch.cat(rows), data.image_shape, paths[1], "test images (odd rows) and reconstructions (even rows)",
                columns=min(10, len(x)))
    mu, _ = encode_data(model, data.x_test)
    coords = (mu - mu.mean(0)) @ torch.linalg.svd(mu - mu.mean(0), full_matrices=False).Vh[:2].T if mu.shape[1] > 2 else mu
    fig, ax = plt.subplots(figsize=(5, 4.5))
    points = ax.scatter(*coords.cpu().T, c=data.y_test.cpu(), cmap="tab10", s=6)
    fig.colorbar(points, ax=ax, label="label")
    ax.set_title("posterior means of test images" + (" (first 2 principal axes)" if mu.shape[1] > 2 else ""))
    fig.savefig(paths[2], dpi=80, bbox_inches="tight")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(history.epoch, history.train_elbo, label="train ELBO")
    if history.test_elbo:
        ax.plot(history.epoch, history.test_elbo, label="test ELBO")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per example")
    ax.legend()
    fig.savefig(paths[3], dpi=80, bbox_inches="tight")
    plt.close(fig)
    return paths


def run(args) -> int:
    import torch

    from .checkpoint import save_checkpoint
    from .diagnostics import active_units, encode_data, mutual_information
    from ..models.vae import VAE, VAEConfig
    from .loop import TrainingDivergedError, fit
    from .streamed_nll import subset_nll

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        data = _load_data(args)
        config = VAEConfig(data_dim=data.data_dim, latent_dim=args.latent_dim, hidden_dims=tuple(args.hidden),
                           likelihood=args.likelihood, prior=args.prior, prior_components=args.prior_components)
        model = VAE(config, seed=args.seed)
        print(f"data: {data.name}, {len(data.x_train)} train / {len(data.x_test)} test images of "
              f"{data.image_shape[0]}x{data.image_shape[1]}; model: {data.data_dim}-{'-'.join(map(str, args.hidden))}-"
              f"{args.latent_dim}, {args.likelihood} decoder, {args.prior} prior, {args.objective} objective",
              flush=True)
        history = fit(model, data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, beta=args.beta,
                      warmup_steps=args.warmup_steps, free_bits=args.free_bits, seed=args.seed,
                      objective=args.objective, num_samples=args.num_samples,
                      lr_schedule=args.lr_schedule, adam_eps=args.adam_eps,
                      binarize="dynamic" if args.dynamic_binarization else "none",
                      device=args.device, progress=not args.no_progress)
    except (FileNotFoundError, ValueError, TypeError, TrainingDivergedError) as error:
        print(f"vaecourse train: error: {error}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    n_test = len(data.x_test)
    n_nll = n_test if args.nll_images is None else min(args.nll_images, n_test)
    print(f"test NLL: {args.k} importance samples on {n_nll} of {n_test} test images "
          f"({n_nll * args.k:,} decoder passes; --nll-images and --k set the cost)", flush=True)
    nll = subset_nll(model, data, k=args.k, num_examples=n_nll, seed=args.seed, progress=not args.no_progress)
    mu, logvar = encode_data(model, data)
    summary = {
        "test_elbo": history.test_elbo[-1], "test_nll": nll.nll, "k": args.k,
        "nll_images": nll.num_examples, "nll_standard_error": nll.standard_error, "nll_seconds": nll.seconds,
        "active_units": active_units(mu), "latent_dim": args.latent_dim,
        "mutual_information": mutual_information(mu, logvar, seed=args.seed),
        "train_seconds": history.seconds[-1],
    }
    save_checkpoint(args.out / "checkpoint.pt", model, history=history)
    (args.out / "history.json").write_text(json.dumps({"summary": summary, **history.to_dict()}, indent=1))
    figures = save_figures(model, data, history, args.out, seed=args.seed)
    error = f" ± {nll.standard_error:.2f} (standard error)" if nll.num_examples < n_test else ""
    print(f"test ELBO (beta=1, {n_test} images): {summary['test_elbo']:.3f} nats | test NLL (k={args.k}, "
          f"{nll.num_examples} images): {nll.nll:.3f}{error} nats in {nll.seconds:.1f} s | "
          f"active units: {summary['active_units']}/{args.latent_dim} | "
          f"MI estimate: {summary['mutual_information']:.3f} nats | training: {summary['train_seconds']:.1f} s")
    print(f"saved {args.out / 'checkpoint.pt'}, history.json and " + ", ".join(p.name for p in figures))
    return 0
