"""What a training run records: the per-epoch History, the per-step records behind it, and the progress bar.

The History holds plain Python floats (JSON-ready, compared exactly by the reproducibility tests);
per-step values stay detached tensors until an epoch ends or the bar refreshes, so recording never
forces a device synchronisation inside a step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import torch


@dataclass
class History:
    """Per-epoch records of a run (plain floats, one entry per epoch; ``test_*`` empty without test data).

    ``train_*`` average the training estimates over the epoch's steps; ``test_*`` evaluate the model at
    the epoch's end with fixed noise. ``*_elbo`` is the true bound (beta = 1); ``train_loss`` is what
    was minimised. ``*_kl_per_dim`` holds one list of D values per epoch. ``seconds`` is the cumulative
    training time, evaluation excluded.
    """

    epoch: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list, compare=False)  # wall-clock: never equal across runs
    kl_weight: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_elbo: list[float] = field(default_factory=list)
    train_reconstruction: list[float] = field(default_factory=list)
    train_kl: list[float] = field(default_factory=list)
    train_kl_per_dim: list[list[float]] = field(default_factory=list)
    test_elbo: list[float] = field(default_factory=list)
    test_reconstruction: list[float] = field(default_factory=list)
    test_kl: list[float] = field(default_factory=list)
    test_kl_per_dim: list[list[float]] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    optimizer: torch.optim.Optimizer | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.epoch)

    def to_dict(self) -> dict:
        """Everything but the optimizer, as plain Python values (JSON-ready)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "optimizer"}

    @classmethod
    def from_dict(cls, values: dict) -> "History":
        return cls(**values)

    def record(self, epoch: int, step: int, seconds: float, kl_weight: float, train: tuple, test=None) -> None:
        """Append one epoch: ``train`` is :meth:`EpochRecords.summary`'s tuple, ``test`` an ``Evaluation`` or ``None``."""
        rec, kl, loss, kl_dims = train
        self.epoch.append(epoch)
        self.step.append(step)
        self.seconds.append(seconds)
        self.kl_weight.append(kl_weight)
        self.train_loss.append(loss)
        self.train_elbo.append(rec - kl)
        self.train_reconstruction.append(rec)
        self.train_kl.append(kl)
        self.train_kl_per_dim.append(kl_dims)
        if test is not None:
            self.test_elbo.append(test.elbo)
            self.test_reconstruction.append(test.reconstruction)
            self.test_kl.append(test.kl)
            self.test_kl_per_dim.append(test.kl_per_dim)

    def last(self) -> dict:
        """The final epoch's numbers, e.g. ``history.last()["test_elbo"]``."""
        return {k: v[-1] for k, v in self.to_dict().items() if isinstance(v, list) and v}


class EpochRecords:
    """Detached per-step values of one epoch, reduced only when shown or recorded (no per-step sync).

    The per-dimension KL comes with the closed-form KL of a Gaussian prior and is kept as it is; for a
    mixture prior (a Monte Carlo estimate) it is computed once per epoch from the stored posteriors and
    samples, outside autograd, instead of in every step.
    """

    def __init__(self):
        self.reconstruction, self.kl, self.kl_per_dim, self.losses, self.sizes = [], [], [], [], []
        self.posteriors, self.y = [], []  # (mu, logvar, z) and labels, where kl_per_dim is not free
        self._means = None  # (steps, reconstruction, kl) when last reduced

    def add(self, out, loss: float, y: torch.Tensor | None = None) -> None:
        self.reconstruction.append(out.terms.reconstruction.detach())  # (b,)
        self.kl.append(out.terms.kl.detach())  # (b,)
        self.losses.append(loss)
        self.sizes.append(out.terms.kl.shape[0])
        if out.kl_per_dim is not None:
            self.kl_per_dim.append(out.kl_per_dim.detach())  # (b, D)
        else:
            self.posteriors.append((out.mu.detach(), out.logvar.detach(), out.z.detach()))  # (b, D) (b, D) (L, b, D)
            if y is not None:
                self.y.append(y)

    def means(self) -> tuple[float, float]:
        """Mean reconstruction and KL per example so far."""
        if self._means is None or self._means[0] != len(self.kl):
            rec, kl = torch.cat(self.reconstruction).mean().item(), torch.cat(self.kl).mean().item()
            self._means = (len(self.kl), rec, kl)
        return self._means[1], self._means[2]

    @torch.no_grad()
    def summary(self, model) -> tuple[float, float, float, list[float]]:
        """Per-example means of the reconstruction, the KL and the loss, and the mean KL of each latent."""
        loss = sum(value * size for value, size in zip(self.losses, self.sizes)) / sum(self.sizes)
        rec, kl = self.means()
        per_dim = list(self.kl_per_dim)
        if self.posteriors:
            mu, logvar, z = (torch.cat(parts, dim=-2) for parts in zip(*self.posteriors))
            per_dim.append(model.kl_per_dimension(mu, logvar, z, torch.cat(self.y) if self.y else None))
        return rec, kl, loss, torch.cat(per_dim).mean(dim=0).tolist()


class ProgressBar:
    """A tqdm bar over steps whose text is refreshed at most every ``interval`` seconds (costs ~nothing)."""

    def __init__(self, enabled: bool, total: int, interval: float = 0.5):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total, unit="step", leave=True, dynamic_ncols=True)
        self.interval, self.pending, self.last = interval, 0, time.perf_counter()

    def step(self, records, epoch: int) -> None:
        if self.bar is None:
            return
        self.pending += 1
        now = time.perf_counter()
        if now - self.last >= self.interval:
            self.show(records, epoch, now)

    def show(self, records, epoch: int, now: float | None = None) -> None:
        if self.bar is None:
            return
        rec, kl = records.means()
        self.bar.set_postfix(epoch=epoch, elbo=f"{rec - kl:.2f}", recon=f"{rec:.2f}", kl=f"{kl:.2f}", refresh=False)
        self.bar.update(self.pending)
        self.pending, self.last = 0, now or time.perf_counter()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
