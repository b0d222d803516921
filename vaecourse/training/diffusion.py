r"""Training the DDPM of :mod:`vaecourse.models.ddpm`: Adam on :math:`\mathcal L_{\text{simple}}` with a cosine learning rate.

.. math:: \mathcal L_{\text{simple}} = \mathbb E_{t, x_0, \varepsilon}\,\|\varepsilon - \varepsilon_\theta(x_t, t)\|^2,
          \qquad \eta_s = \eta\cdot\tfrac12\big(1 + \cos(\pi s / S)\big)

The same shape as :func:`~vaecourse.training.loop.fit`'s loop (a batch, its loss, zero_grad, backward,
step, the scheduler of :mod:`.schedules`), without the VAE's options; it lives beside it so that every
training loop of the course is in :mod:`vaecourse.training`.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core._validation import require_positive_int, require_tensor
from ..models.ddpm import NoiseSchedule, ddpm_loss
from .schedules import lr_scheduler


def train_ddpm(model: nn.Module, data: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 5000,
               batch_size: int = 256, lr: float = 2e-3, seed: int = 0, progress: bool = False) -> list[float]:
    """Fit ``model`` to ``data`` ``(N, 2)`` with Adam on :func:`~vaecourse.models.ddpm.ddpm_loss`; returns the loss of every step.

    Seeded through its own generator (the global RNG is untouched); the learning rate decays to 0 on a
    cosine, which sharpens the samples at the end. A few thousand steps take seconds on a CPU.
    """
    require_tensor("data", data, min_dim=2)
    require_positive_int("steps", steps)
    device = next(model.parameters()).device
    data = data.to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = lr_scheduler(optimizer, "cosine", steps_per_epoch=steps, epochs=1)
    iterator = range(steps)
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, mininterval=0.5)
    losses = []
    model.train()
    for _ in iterator:
        index = torch.randint(data.shape[0], (batch_size,), generator=generator, device=device)  # (B,)
        loss = ddpm_loss(model, data[index], schedule, generator=generator).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.detach())
    return torch.stack(losses).tolist()
