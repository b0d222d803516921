r"""Posterior collapse on the bench: train one model per mitigation with the same seed and measure how much each uses z.

A collapsed posterior satisfies :math:`q_\phi(z\mid x) \approx p(z)` for every :math:`x`, so the decoder
cannot tell codes apart. Besides the KL, active units and mutual information of
:mod:`vaecourse.training.diagnostics`, this module measures that directly, as the nats a decoder gains from
the right code over a code drawn from the prior,

.. math::
    V = \frac1N\sum_{n=1}^N \Big(\log p_\theta\big(x_n \mid z=\mu_\phi(x_n)\big)
        - \mathbb E_{z\sim p(z)}\big[\log p_\theta(x_n\mid z)\big]\Big),

which is 0 for a decoder that ignores :math:`z`, and by how often images decoded from different codes
with the *same* pixel noise disagree (0 when the decoder ignores :math:`z`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..core._validation import require_positive_int, require_tensor
from ..models.autoregressive import AutoregressiveVAE, AutoregressiveVAEConfig
from ..training.diagnostics import active_units, encode_data, mutual_information
from ..training.loop import History, fit


@dataclass(frozen=True)
class Mitigation:
    """One arm of the comparison: keyword overrides for :func:`~vaecourse.training.loop.fit` and the decoder's context.

    ``context=None`` keeps the full autoregressive (GRU) decoder; an integer ``k`` swaps in the weaker
    decoder that sees only ``k`` previous pixels (``0``: none, a plain VAE decoder).
    """

    name: str
    train: dict = field(default_factory=dict)
    context: int | None = None


DEFAULT_MITIGATIONS = (
    Mitigation("plain ELBO"),
    Mitigation("KL annealing", {"warmup_steps": 40}),
    Mitigation("beta = 0.2", {"beta": 0.2}),
    Mitigation("free bits 0.25", {"free_bits": 0.25}),
    Mitigation("weaker decoder", context=0),
)
"""The outline's four remedies beside the collapsing baseline; the warm-up suits runs of about 75 updates."""


@dataclass
class CollapseRun:
    """A trained model with its history and the collapse measurements on the test set (nats, counts)."""

    name: str
    model: torch.nn.Module = field(repr=False)
    history: History = field(repr=False)
    test_elbo: float
    kl: float
    active_units: int
    mutual_information: float
    latent_value: float


@torch.no_grad()
def latent_value(model, x: torch.Tensor, *, num_prior_samples: int = 16, seed: int = 0) -> float:
    r"""Mean nats the decoder gains from the encoder's code over codes from the prior (0 when z is ignored).

    .. math:: V = \frac1N\sum_n \Big(\log p(x_n\mid \mu_\phi(x_n)) - \frac1S\sum_{s=1}^S \log p(x_n\mid z_s)\Big),
              \quad z_s\sim\mathcal N(0, I)

    Args:
        model: a VAE (anything with ``encode`` and ``log_likelihood(x, z)`` of shape ``(L, B)``).
        x: data ``(N, data_dim)``.
        num_prior_samples: S, the prior codes per example.
        seed: seeds the prior codes (the global random stream is untouched).
    """
    require_tensor("x", x, min_dim=2)
    require_positive_int("num_prior_samples", num_prior_samples)
    model.eval()
    mu, _ = model.encode(x)  # (N, D)
    generator = torch.Generator(device=mu.device).manual_seed(seed)
    z_prior = torch.randn(num_prior_samples, *mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)  # (S, N, D)
    own = model.log_likelihood(x, mu.unsqueeze(0))[0]  # (N,)
    other = model.log_likelihood(x, z_prior).mean(dim=0)  # (N,)
    return float((own - other).mean())


@torch.no_grad()
def shared_noise_images(model, z: torch.Tensor, *, seed: int = 0) -> torch.Tensor:
    """Decode each code in ``z`` ``(K, D)`` with the same pixel noise; binary images ``(K, data_dim)``.

    Every row restarts the generator from ``seed``, so two rows differ only where the codes change the
    decoder's pixel probabilities. A decoder that ignores ``z`` draws the same image K times.
    """
    require_tensor("z", z, min_dim=2)
    model.eval()
    rows = []
    for code in z:
        generator = torch.Generator(device=z.device).manual_seed(seed)
        rows.append(model.decoder.generate(code.unsqueeze(0), generator, mean=False))  # (1, P)
    return torch.cat(rows)  # (K, P)


def pixel_disagreement(images: torch.Tensor) -> float:
    """Mean fraction of pixels in which two different rows of ``images`` ``(K, P)`` differ (0 = all equal).

    Example:
        >>> round(pixel_disagreement(torch.tensor([[0.0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]])), 4)
        0.6667
    """
    require_tensor("images", images, min_dim=2)
    k = images.shape[0]
    if k < 2:
        raise ValueError(f"images must hold at least 2 rows to compare, got shape {tuple(images.shape)}")
    differ = (images[:, None, :] != images[None, :, :]).float().mean(dim=-1)  # (K, K)
    return float(differ.sum() / (k * (k - 1)))


def mean_mutual_information(mu: torch.Tensor, logvar: torch.Tensor, *, repeats: int = 8) -> float:
    """:func:`~vaecourse.training.diagnostics.mutual_information` averaged over ``repeats`` seeds (its noise / sqrt(repeats))."""
    require_positive_int("repeats", repeats)
    return sum(mutual_information(mu, logvar, seed=s) for s in range(repeats)) / repeats


def run_mitigations(data, mitigations=DEFAULT_MITIGATIONS, *, model_config: AutoregressiveVAEConfig | None = None,
                    seed: int = 0, num_prior_samples: int = 4, **train) -> list[CollapseRun]:
    """Train one :class:`~vaecourse.models.autoregressive.AutoregressiveVAE` per mitigation and measure it.

    Every arm starts from the same initial weights (``seed``), sees the same batches in the same order
    and draws the same noise, so the differences are the mitigations'.

    Args:
        data: an :class:`~vaecourse.data.images.ImageDataset` of binary images (its train and test splits).
        mitigations: :class:`Mitigation` arms (default :data:`DEFAULT_MITIGATIONS`).
        model_config: sizes shared by every arm; its ``context`` is replaced by each arm's.
        seed: initial weights and training noise.
        num_prior_samples: prior codes per test example for :func:`latent_value` (its cost grows with it).
        **train: keyword arguments for :func:`~vaecourse.training.loop.fit` shared by every arm (``epochs=...``).
    """
    base = model_config or AutoregressiveVAEConfig()
    runs = []
    for arm in mitigations:
        config = AutoregressiveVAEConfig(**{**base.to_dict(), "context": arm.context})
        model = AutoregressiveVAE(config, seed=seed)
        history = fit(model, data.x_train, data.x_test, **{"progress": False, "seed": seed, **train, **arm.train})
        mu, logvar = encode_data(model, data.x_test)  # (N, D) each
        runs.append(CollapseRun(
            name=arm.name, model=model, history=history, test_elbo=history.test_elbo[-1], kl=history.test_kl[-1],
            active_units=active_units(mu), mutual_information=mean_mutual_information(mu, logvar),
            latent_value=latent_value(model, data.x_test.to(mu.device), num_prior_samples=num_prior_samples, seed=seed)))
    return runs


def comparison_table(runs: list[CollapseRun]) -> str:
    """A fixed-width text table of the runs (rounded so that it prints identically on every run)."""
    header = f"{'run':<16}{'test ELBO':>10}{'KL':>8}{'active':>8}{'MI':>7}{'value of z':>12}"
    lines = [header, "-" * len(header)]
    for run in runs:
        units = f"{run.active_units}/{run.model.latent_dim}"
        lines.append(f"{run.name:<16}{run.test_elbo:10.1f}{run.kl:8.2f}{units:>8}"
                     f"{run.mutual_information:7.2f}{run.latent_value:12.2f}")
    return "\n".join(lines)
