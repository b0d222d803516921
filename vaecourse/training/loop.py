r"""Training a VAE: a seeded ``fit`` loop with KL annealing, beta and free bits, a history and a NaN guard.

Each step maximises the batch mean of the (possibly weighted) objective

.. math::
    \mathcal J = \frac1B\sum_b \mathbb E_q[\log p(x_b\mid z)] - w_t \sum_j \max\Big(\lambda,\ \frac1B\sum_b \mathrm{KL}_{bj}\Big),
    \qquad w_t = \beta\,\min(1, t/T_{\text{warm}}),

with :math:`\lambda` the free bits per latent dimension (0 = off), or, with ``objective="iwae"``, the
importance-weighted bound :math:`\frac1B\sum_b \log\frac1k\sum_{i} p(x_b, z_i)/q(z_i\mid x_b)` (Burda et al.,
2016). The history always records the true ELBO (:math:`\beta = 1`, no free bits), the number to report.
With ``binarize="dynamic"`` every batch is drawn anew as :math:`x \sim \mathrm{Bernoulli}(\text{intensities})`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields, replace
from typing import Callable

import torch

from ..core._validation import require_nonnegative_float, require_positive_int, value_checks
from ..core.bounds import iwae_bound
from ..data.images import TEST_BINARIZATION_SEED, ImageDataset, _bernoulli_draw, sample_binarized
from .diagnostics import evaluate, split_xy
from .history import EpochRecords, History, ProgressBar

Callback = Callable[[int, torch.nn.Module, "History"], None]
LR_SCHEDULES = ("constant", "cosine", "iwae-paper")


class TrainingDivergedError(FloatingPointError):
    """The loss or the parameters became NaN or infinite; the message names the step and likely causes."""


@dataclass(frozen=True)
class TrainConfig:
    """The hyperparameters of :func:`fit`. The defaults train a plain digits VAE in seconds (100 epochs);
    the tuned recipe is :func:`vaecourse.training.recipes.digits_recipe`."""

    epochs: int = 100
    batch_size: int = 100
    lr: float = 1e-3  # Adam; 1e-3 is safe for every model here, 3e-3 is faster but may diverge at large beta
    seed: int = 0
    beta: float = 1.0  # weight on the KL in the training objective (beta-VAE); the reported ELBO ignores it
    warmup_steps: int = 0  # KL annealing: the KL weight rises linearly from 0 to beta over this many steps
    free_bits: float = 0.0  # nats per latent dimension below which the batch-mean KL is not penalised
    num_samples: int = 1  # latent samples per example (the k of the IWAE objective)
    objective: str = "elbo"  # or "iwae": maximise the importance-weighted bound with num_samples samples
    lr_schedule: str = "constant"  # or "cosine": decay to 0 over the run, usually a little better at the end;
    # or "iwae-paper": the stepwise decay of Burda et al. (2016), see iwae_lr_factor
    weight_decay: float = 0.0
    grad_clip: float | None = None  # clip the global gradient norm to this value (None = off)
    eval_batch_size: int = 1000
    adam_eps: float = 1e-8  # Adam's epsilon (PyTorch's default); Burda et al. (2016) used 1e-4
    binarize: str = "none"  # or "dynamic": resample x ~ Bernoulli(intensities) every epoch (Burda et al., 2016)

    def __post_init__(self):
        for name in ("epochs", "batch_size", "num_samples", "eval_batch_size"):
            require_positive_int(name, getattr(self, name))
        require_positive_int("warmup_steps", self.warmup_steps, minimum=0)
        for name in ("lr", "beta", "free_bits", "weight_decay", "adam_eps"):
            require_nonnegative_float(name, getattr(self, name))
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if self.binarize not in ("none", "dynamic"):
            raise ValueError(f"binarize must be 'none' or 'dynamic', got {self.binarize!r}")
        if self.objective not in ("elbo", "iwae"):
            raise ValueError(f"objective must be 'elbo' or 'iwae', got {self.objective!r}")
        if self.objective == "iwae" and (self.beta != 1.0 or self.warmup_steps or self.free_bits):
            raise ValueError("the IWAE objective has no separate KL term: use beta=1, warmup_steps=0, free_bits=0")

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def kl_annealing_weight(step: int, warmup_steps: int) -> float:
    r"""Linear KL warm-up (Bowman et al., 2016): :math:`\min(1, t / T)`, and 1 when ``warmup_steps = 0``.

    ``step`` counts the updates already made, so the first update (``step = 0``) uses weight 0.
    """
    require_positive_int("step", step, minimum=0)
    require_positive_int("warmup_steps", warmup_steps, minimum=0)
    return 1.0 if warmup_steps == 0 else min(1.0, step / warmup_steps)


def cyclical_kl_weight(step: int, cycle_steps: int, ramp_fraction: float = 0.5) -> float:
    r"""Cyclical annealing (Fu et al., 2019): in each cycle of ``cycle_steps``, rise linearly from 0 to 1
    over the first ``ramp_fraction`` of it, then hold 1. :math:`w_t = \min(1, (t \bmod C)/(rC))`."""
    require_positive_int("step", step, minimum=0)
    require_positive_int("cycle_steps", cycle_steps)
    if not 0.0 < ramp_fraction <= 1.0:
        raise ValueError(f"ramp_fraction must lie in (0, 1], got {ramp_fraction}")
    return min(1.0, (step % cycle_steps) / (ramp_fraction * cycle_steps))


def iwae_lr_factor(epoch: int) -> float:
    r"""The learning-rate schedule of Burda et al. (2016): :math:`10^{-i/7}` during the :math:`3^i` epochs of stage i.

    Stage :math:`i = 0, \dots, 7` covers epochs :math:`(3^i - 1)/2 \le e < (3^{i+1} - 1)/2` (``epoch`` counts from 0),
    3280 epochs in all; later epochs keep the last factor :math:`10^{-1}`.
    """
    require_positive_int("epoch", epoch, minimum=0)
    stage = 0
    while stage < 7 and epoch >= (3 ** (stage + 1) - 1) // 2:
        stage += 1
    return 10.0 ** (-stage / 7)


def make_adam(model: torch.nn.Module, lr: float, weight_decay: float = 0.0, eps: float = 1e-8) -> torch.optim.Adam:
    """Adam with the fused kernel where this torch build has one (one pass over the parameters instead of a
    dozen: a 784-400-20 step is a third faster on a CPU); the plain implementation otherwise."""
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, eps=eps, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, eps=eps)


def resolve_device(device=None) -> torch.device:
    """``None`` picks CUDA when it is available, else the CPU; strings and devices pass through."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _diverged(step: int, epoch: int, what: str, model: torch.nn.Module) -> TrainingDivergedError:
    bernoulli = getattr(getattr(model, "config", None), "likelihood", "") == "bernoulli"
    causes = ["the learning rate is too high (try a 3-10x smaller lr or grad_clip=1.0)",
              "the log-variance overflowed: exp(logvar) is inf for logvar > ~88 in float32"]
    if bernoulli:
        causes.append("the data lie outside [0, 1], which a Bernoulli likelihood cannot score")
    return TrainingDivergedError(f"training diverged at step {step} (epoch {epoch}): {what}. "
                                 f"Likely causes: " + "; ".join(causes) + ".")


def _check_training_data(model, x: torch.Tensor, name: str) -> None:
    low, high = (value.item() for value in torch.aminmax(x))  # one pass; NaN propagates to both
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} (shape {tuple(x.shape)}) holds NaN or inf values")
    if getattr(model.config, "likelihood", "") == "bernoulli" and (low < 0 or high > 1):
        raise ValueError(f"{name} must lie in [0, 1] for a Bernoulli decoder, found values from "
                         f"{low:.4g} to {high:.4g}; rescale it or use likelihood='gaussian'")


def fit(model: torch.nn.Module, train_data, test_data=None, config: TrainConfig | None = None, *,
        device=None, progress: bool = True, callback: Callback | None = None,
        kl_schedule: Callable[[int], float] | None = None, optimizer: torch.optim.Optimizer | None = None,
        **hyperparameters) -> History:
    """Train ``model`` with Adam on the (weighted) ELBO and return its per-epoch :class:`History`.

    Args:
        model: a :class:`~vaecourse.models.vae.VAE` (or subclass); moved to ``device`` in place.
        train_data, test_data: a tensor ``x`` of shape ``(N, data_dim)``, a pair ``(x, y)`` with labels
            (needed by conditional models), or an :class:`~vaecourse.data.images.ImageDataset` (then its test
            split is used when ``test_data`` is None).
        config: a :class:`TrainConfig`; keyword ``hyperparameters`` override its fields,
            e.g. ``fit(model, x, epochs=20, beta=0.5)``.
        device: ``None`` picks CUDA when available.
        progress: show a tqdm bar (terminal or notebook) with the running ELBO, reconstruction and KL.
        callback: ``callback(epoch, model, history)`` after each epoch's evaluation, and once with
            epoch 0 before training, in eval mode under ``torch.no_grad()``; its random draws do not
            change the training run. Use it to snapshot latents or reconstructions.
        kl_schedule: ``step -> weight`` replacing ``beta * kl_annealing_weight(step, warmup_steps)``
            (e.g. ``lambda t: cyclical_kl_weight(t, 500)``).
        optimizer: continue with this optimizer (and its state) instead of a fresh Adam.

    Returns:
        The :class:`History`; ``history.optimizer`` is the optimizer used (for checkpoints).

    Raises:
        TrainingDivergedError: the loss or parameters became NaN/inf (message: step, epoch, causes).
        ValueError / TypeError: bad data (wrong shape, NaN, values outside [0, 1] for a Bernoulli
            decoder, missing labels) or unknown hyperparameters.

    The same seed, data, model initialisation and device give identical numbers, run after run.
    """
    valid = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(hyperparameters) - valid)
    if unknown:
        raise TypeError(f"fit() got unknown hyperparameter(s) {unknown}; valid ones: {sorted(valid)}")
    config = replace(config or TrainConfig(), **hyperparameters)
    if isinstance(train_data, ImageDataset):
        if test_data is None:
            test_data = (train_data.x_test, train_data.y_test)
        train_data = (train_data.x_train, train_data.y_train)
    device = resolve_device(device)
    if any(t.device != device for t in (*model.parameters(), *model.buffers())):  # .to() walks every module
        model.to(device)
    x_train, y_train = split_xy(model, train_data, "train_data", device)
    test = split_xy(model, test_data, "test_data", device) if test_data is not None else None
    _check_training_data(model, x_train, "train_data")
    dynamic = config.binarize == "dynamic"
    if dynamic:
        if getattr(model.config, "likelihood", "") != "bernoulli":
            raise ValueError("binarize='dynamic' draws binary pixels for a Bernoulli decoder; this model's "
                             f"likelihood is {getattr(model.config, 'likelihood', None)!r}")
        if test is not None:  # scored on one fixed draw, the same for every run (a no-op on binary data)
            test = (sample_binarized(test[0], seed=TEST_BINARIZATION_SEED), test[1])
    if config.free_bits > 0 and getattr(model.config, "prior", "standard") == "mixture":
        raise ValueError("free bits need the per-dimension KL of a Gaussian prior; this model has a mixture prior")
    if config.objective == "iwae" and kl_schedule is not None:
        raise ValueError("kl_schedule has no effect on the IWAE objective, which has no separate KL term")
    iwae = config.objective == "iwae"
    n = x_train.shape[0]
    steps_per_epoch = math.ceil(n / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    if optimizer is None:
        optimizer = make_adam(model, config.lr, config.weight_decay, config.adam_eps)
    scheduler = None
    if config.lr_schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda t: 0.5 * (1.0 + math.cos(math.pi * min(t, total_steps) / total_steps)))
    elif config.lr_schedule == "iwae-paper":  # stepped per update; the factor changes only between epochs
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: iwae_lr_factor(t // steps_per_epoch))
    history = History(config=config.to_dict(), optimizer=optimizer)
    weight_of = kl_schedule or (lambda t: config.beta * kl_annealing_weight(t, config.warmup_steps))
    devices = [device.index or 0] if device.type == "cuda" else []

    def run_callback(epoch: int) -> None:
        if callback is not None:
            model.eval()
            with torch.random.fork_rng(devices=devices), torch.no_grad():
                callback(epoch, model, history)

    bar = ProgressBar(progress, total_steps)
    step, elapsed = 0, 0.0
    with torch.random.fork_rng(devices=devices):
        # The CPU generator and the training GPU's only: torch.manual_seed would also reseed every other
        # GPU (outside the fork above) and costs ~1 ms a call on a CPU build.
        torch.default_generator.manual_seed(config.seed)
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(config.seed)
        shuffle = torch.Generator().manual_seed(config.seed)
        binarizer = torch.Generator(device=device).manual_seed(config.seed) if dynamic else None
        run_callback(0)
        model.train()
        try:
            for epoch in range(1, config.epochs + 1):
                started = time.perf_counter()
                if not model.training:  # evaluate() and callbacks leave eval mode on; train() walks every module
                    model.train()
                order = torch.randperm(n, generator=shuffle).to(device)  # (N,)
                records = EpochRecords()
                # The data were checked once above and the loss guard below names the step, so the
                # per-call NaN/range scans of the math core are switched off for the steps.
                with value_checks(False):
                    for start in range(0, n, config.batch_size):
                        # Gathered per step, not once per epoch: a small batch stays in cache for the
                        # first layer (on MNIST-size data an epoch-wide copy makes steps ~2% slower);
                        # index_select is the row-gather kernel, ~1.6x faster than x[index].
                        index = order[start:start + config.batch_size]  # (b,)
                        xb = x_train.index_select(0, index)  # (b, data_dim)
                        if dynamic:  # a fresh binary draw of these images, every epoch
                            xb = _bernoulli_draw(xb, binarizer)  # (b, data_dim)
                        yb = y_train.index_select(0, index) if y_train is not None else None
                        weight = float(weight_of(step))
                        # per_dim=False: a Gaussian prior's KL per dimension (free bits) comes anyway;
                        # only a mixture prior's would be an extra estimate, made once per epoch instead.
                        out = model(xb, yb, num_samples=config.num_samples, beta=weight, log_weights=iwae,
                                    per_dim=False)
                        if iwae:
                            loss = -iwae_bound(out.log_weights).mean()
                        elif config.free_bits > 0:  # (D,): batch mean per latent dimension, floored
                            kl_floored = out.kl_per_dim.mean(dim=0).clamp(min=config.free_bits)
                            loss = -out.terms.reconstruction.mean() + weight * kl_floored.sum()
                        else:  # at weight 1 (most steps) the product would be one more autograd node
                            kl_term = out.terms.kl if weight == 1.0 else weight * out.terms.kl  # (b,)
                            loss = (kl_term - out.terms.reconstruction).mean()
                        loss_value = loss.item()
                        if not math.isfinite(loss_value):
                            raise _diverged(step, epoch, f"the loss is {loss_value}", model)
                        optimizer.zero_grad(set_to_none=True)
                        loss.backward()
                        if config.grad_clip is not None:
                            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                        optimizer.step()
                        if scheduler is not None:
                            scheduler.step()
                        step += 1
                        records.add(out, loss_value, yb)
                        bar.step(records, epoch)
                elapsed += time.perf_counter() - started
                bar.show(records, epoch)
                _record(history, model, epoch, step, elapsed, weight, records, test, config)
                run_callback(epoch)
        finally:
            bar.close()
    return history


def _record(history: History, model, epoch, step, elapsed, weight, records: EpochRecords, test, config) -> None:
    rec, kl, loss, kl_dims = records.summary(model)
    history.epoch.append(epoch)
    history.step.append(step)
    history.seconds.append(elapsed)
    history.kl_weight.append(weight)
    history.train_loss.append(loss)
    history.train_elbo.append(rec - kl)
    history.train_reconstruction.append(rec)
    history.train_kl.append(kl)
    history.train_kl_per_dim.append(kl_dims)
    if test is not None:
        result = evaluate(model, test, batch_size=config.eval_batch_size, seed=config.seed)
        history.test_elbo.append(result.elbo)
        history.test_reconstruction.append(result.reconstruction)
        history.test_kl.append(result.kl)
        history.test_kl_per_dim.append(result.kl_per_dim)
