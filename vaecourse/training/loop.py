r"""Training a VAE: ``fit``, a seeded loop that reads on one screen, and its :class:`TrainConfig`.

Each step draws a batch, computes the model's :class:`~vaecourse.models.vae.VAEOutput` and minimises
the step's loss, one of :mod:`.objectives` (the weighted ELBO with KL annealing, beta and free bits, or
the IWAE bound) at the KL weight of :mod:`.schedules`; the data come from :mod:`.batches` (with dynamic
binarization), the random state from :mod:`.seeding`, and each epoch ends with a record in the
:class:`~.history.History`. The history always records the true ELBO (:math:`\beta = 1`, no free bits),
the number to report.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields, replace
from typing import Callable

import torch

from ..core._validation import require_nonnegative_float, require_positive_int, value_checks
from .batches import prepare_data, shuffled_batches
from .diagnostics import evaluate
from .history import EpochRecords, History, ProgressBar
from .objectives import TrainingDivergedError, check_options, finite_loss, training_loss
from .schedules import (  # noqa: F401  (cyclical_kl_weight, iwae_lr_factor, kl_annealing_weight: their import path)
    LR_SCHEDULES,
    cyclical_kl_weight,
    iwae_lr_factor,
    kl_annealing_weight,
    kl_weight_schedule,
    lr_scheduler,
    make_adam,
)
from .seeding import place_model, resolve_device, run_callback, seeded_run  # noqa: F401  (resolve_device: its import path)

Callback = Callable[[int, torch.nn.Module, "History"], None]


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

    def updated(self, **hyperparameters) -> "TrainConfig":
        """A copy with some fields changed; raise TypeError naming any unknown one."""
        valid = {f.name for f in fields(self)}
        unknown = sorted(set(hyperparameters) - valid)
        if unknown:
            raise TypeError(f"fit() got unknown hyperparameter(s) {unknown}; valid ones: {sorted(valid)}")
        return replace(self, **hyperparameters)


def clip_gradients(model: torch.nn.Module, max_norm: float | None) -> None:
    """Rescale the gradients so that their global norm is at most ``max_norm`` (``None``: leave them)."""
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)


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
    config = (config or TrainConfig()).updated(**hyperparameters)
    device = resolve_device(device)
    place_model(model, device)
    train, test = prepare_data(model, train_data, test_data, config.binarize, device)
    check_options(model, config.objective, config.free_bits, kl_schedule)
    steps_per_epoch = math.ceil(train[0].shape[0] / config.batch_size)
    optimizer = optimizer or make_adam(model, config.lr, config.weight_decay, config.adam_eps)
    scheduler = lr_scheduler(optimizer, config.lr_schedule, steps_per_epoch, config.epochs)
    kl_weight = kl_weight_schedule(config.beta, config.warmup_steps, kl_schedule)
    loss_of = training_loss(config.objective, config.free_bits)
    history = History(config=config.to_dict(), optimizer=optimizer)
    step, elapsed = 0, 0.0
    with seeded_run(config.seed, device, config.binarize == "dynamic") as rng, \
            ProgressBar(progress, steps_per_epoch * config.epochs) as bar:
        run_callback(callback, 0, model, history, device)
        for epoch in range(1, config.epochs + 1):
            started, records = time.perf_counter(), EpochRecords()
            if not model.training:  # evaluate() and callbacks leave eval mode on; train() walks every module
                model.train()
            with value_checks(False):  # the data were checked once; finite_loss names a diverged step
                for xb, yb in shuffled_batches(train, config.batch_size, rng.shuffle, rng.binarizer):
                    weight = float(kl_weight(step))
                    out = model(xb, yb, num_samples=config.num_samples, beta=weight,
                                log_weights=config.objective == "iwae", per_dim=False)  # VAEOutput
                    loss = loss_of(out, weight)
                    loss_value = finite_loss(loss, step, epoch, model)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    clip_gradients(model, config.grad_clip)
                    optimizer.step()
                    if scheduler is not None:
                        scheduler.step()
                    step += 1
                    records.add(out, loss_value, yb)
                    bar.step(records, epoch)
            elapsed += time.perf_counter() - started
            bar.show(records, epoch)
            summary = records.summary(model)
            scores = None if test is None else evaluate(model, test, batch_size=config.eval_batch_size, seed=config.seed)
            history.record(epoch, step, elapsed, weight, summary, scores)
            run_callback(callback, epoch, model, history, device)
    return history

