r"""A VAE with an autoregressive (GRU) decoder over the pixels: strong enough to ignore z (posterior collapse).

.. math::
    p_\theta(x\mid z) = \prod_{i=1}^{P} \mathrm{Bernoulli}\big(x_i;\ \sigma(\ell_i)\big), \qquad
    \ell_i = w^\top h_i + c, \quad h_i = \mathrm{GRU}\big(h_{i-1}, [x_{i-1}, e_i]\big), \quad h_0 = \tanh(A z + b)

The decoder reads the pixels in raster order; :math:`z` only sets the initial state :math:`h_0`, as in
Bowman et al. (2016). A decoder that sees all previous pixels :math:`x_{<i}` can model :math:`p(x)` on
its own, so plain ELBO training drifts to :math:`q(z\mid x) = p(z)` (KL = 0): *posterior collapse*.
Mitigations: KL annealing, free bits, :math:`\beta < 1`, or a weaker decoder (``context=k``: an MLP of
:math:`z` plus a linear map of only the ``k`` previous pixels; ``context=0`` is the plain VAE decoder).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..core._validation import require_positive_int
from ..core.likelihoods import bernoulli_log_likelihood
from .vae import VAE, VAEConfig, _generator, mlp


@dataclass(frozen=True)
class AutoregressiveVAEConfig(VAEConfig):
    """A :class:`~vaecourse.models.vae.VAEConfig` (Bernoulli only) with an autoregressive decoder.

    ``hidden_dims`` sizes the encoder (and the MLP of the weaker decoder); ``decoder_hidden`` the GRU.
    """

    decoder_hidden: int = 64  # GRU width: 64 already collapses on digits and trains in seconds
    context: int | None = None  # None: GRU over every previous pixel; k: MLP(z) + linear map of k previous

    def __post_init__(self):
        super().__post_init__()
        require_positive_int("decoder_hidden", self.decoder_hidden)
        if self.likelihood != "bernoulli":
            raise ValueError(f"AutoregressiveVAE models binary pixels: likelihood must be 'bernoulli', "
                             f"got {self.likelihood!r}")
        if self.context is not None:
            require_positive_int("context", self.context, minimum=0)


class MaskedLinear(nn.Linear):
    """``nn.Linear`` whose weight is multiplied by a fixed 0/1 ``mask`` of shape ``(out, in)``."""

    def __init__(self, mask: torch.Tensor, bias: bool = True):
        super().__init__(mask.shape[1], mask.shape[0], bias=bias)
        self.register_buffer("mask", mask.to(self.weight.dtype))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.linear(inputs, self.weight * self.mask, self.bias)


def banded_mask(num_inputs: int, context: int | None) -> torch.Tensor:
    """Output ``i`` sees pixels ``i-context .. i-1`` (every pixel ``< i`` if ``None``), shape ``(P, P)``."""
    i = torch.arange(num_inputs)
    lag = i[:, None] - i[None, :]  # (P, P): how far back pixel d lies from output i
    allowed = lag > 0
    if context is not None:
        allowed &= lag <= context
    return allowed.float()


class GRUDecoder(nn.Module):
    """Logits of every pixel given all previous ones (teacher forcing) and ``z`` through ``h_0`` only."""

    def __init__(self, config: AutoregressiveVAEConfig):
        super().__init__()
        p, h = config.data_dim, config.decoder_hidden
        self.initial_state = nn.Linear(config.latent_dim, h)
        self.gru = nn.GRU(1 + p, h, batch_first=True)  # input: previous pixel and a one-hot position
        self.readout = nn.Linear(h, 1)
        self.register_buffer("positions", torch.eye(p))  # (P, P)

    def start(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.initial_state(z)).unsqueeze(0)  # (1, N, H)

    def step_inputs(self, previous: torch.Tensor, index: slice) -> torch.Tensor:
        """``previous`` pixels ``(N, T)`` for positions ``index`` -> GRU inputs ``(N, T, 1 + P)``."""
        positions = self.positions[index].expand(previous.shape[0], -1, -1)  # (N, T, P)
        return torch.cat([previous.unsqueeze(-1), positions], dim=-1)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``x`` ``(..., B, P)``, ``z`` ``(..., B, D)`` with equal leading shapes -> logits ``(..., B, P)``."""
        p = x.shape[-1]
        flat_x, flat_z = x.reshape(-1, p), z.reshape(-1, z.shape[-1])  # (N, P), (N, D)
        previous = F.pad(flat_x[:, :-1], (1, 0))  # (N, P): pixel i-1, and 0 before the first
        states, _ = self.gru(self.step_inputs(previous, slice(0, p)), self.start(flat_z))  # (N, P, H)
        return self.readout(states).squeeze(-1).reshape(x.shape)  # (..., B, P)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, generator, mean: bool) -> torch.Tensor:
        """Draw pixels one at a time from ``z`` ``(N, D)``; each pixel's probability if ``mean``, ``(N, P)``."""
        p = self.positions.shape[0]
        state, previous = self.start(z), z.new_zeros(z.shape[0], 1)  # (1, N, H), (N, 1)
        pixels, probs = [], []
        for i in range(p):
            out, state = self.gru(self.step_inputs(previous, slice(i, i + 1)), state)  # (N, 1, H)
            prob = torch.sigmoid(self.readout(out[:, 0]))  # (N, 1)
            previous = torch.bernoulli(prob, generator=generator)
            pixels.append(previous)
            probs.append(prob)
        return torch.cat(probs if mean else pixels, dim=1)  # (N, P)


class WeakDecoder(nn.Module):
    r"""The weaker decoder: :math:`\ell = g(z) + D_{\text{band}}\,x`, seeing only ``context`` previous pixels."""

    def __init__(self, config: AutoregressiveVAEConfig):
        super().__init__()
        self.from_latent = mlp(config.latent_dim, config.hidden_dims, config.data_dim, config.activation)
        self.direct = MaskedLinear(banded_mask(config.data_dim, config.context), bias=False)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.from_latent(z) + self.direct(x)  # (..., B, P)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, generator, mean: bool) -> torch.Tensor:
        base = self.from_latent(z)  # (N, P)
        x, probs = torch.zeros_like(base), torch.zeros_like(base)
        for i in range(base.shape[-1]):  # pixel i depends only on pixels < i, already drawn
            probs[:, i] = torch.sigmoid(base[:, i] + self.direct(x)[:, i])
            x[:, i] = torch.bernoulli(probs[:, i], generator=generator)
        return probs if mean else x


class AutoregressiveVAE(VAE):
    """A :class:`~vaecourse.models.vae.VAE` whose decoder is :class:`GRUDecoder` (or :class:`WeakDecoder`).

    ``log_likelihood(x, z)`` scores all pixels in one pass; ``sample`` and ``reconstruct`` generate
    pixel by pixel (``data_dim`` passes), so they are slower than the plain VAE's.
    """

    def __init__(self, config: AutoregressiveVAEConfig | None = None, *, seed: int | None = None):
        super().__init__(config if config is not None else AutoregressiveVAEConfig(), seed=seed)

    def _build(self, config: AutoregressiveVAEConfig) -> None:
        self.encoder = mlp(config.data_dim, config.hidden_dims, 2 * config.latent_dim, config.activation)
        self.decoder = GRUDecoder(config) if config.context is None else WeakDecoder(config)
        self._build_prior(config)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None, *, x: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced logits of every pixel given the true previous pixels ``x``, ``(..., B, P)``."""
        self._check_y(y)
        if x is None:
            raise ValueError("an autoregressive decoder needs the previous pixels: call decode(z, x=x), "
                             "or sample(...) to generate them")
        x = x.expand(*z.shape[:-1], x.shape[-1])  # (..., B, P)
        return self.decoder(x, z)

    def decoder_mean(self, z, y=None):
        raise NotImplementedError("E[x|z] has no closed form under an autoregressive decoder; use sample()")

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r""":math:`\sum_i \log p(x_i\mid x_{<i}, z)`: ``x`` ``(B, P)``, ``z`` ``(L, B, D)`` -> ``(L, B)``."""
        return bernoulli_log_likelihood(self.decode(z, y, x=self._check_x(x)), x)

    @torch.no_grad()
    def sample(self, n, y=None, *, seed=None, generator=None, mean=False):
        """``n`` images drawn pixel by pixel from :math:`z\\sim p(z)`; ``mean=True`` gives each pixel's
        probability given the pixels drawn before it. Shape ``(n, data_dim)``."""
        self._check_y(y)
        require_positive_int("n", n)
        generator = _generator(seed, generator, self.device)
        z = self.latent_prior(y).sample(n, generator)  # (n, D)
        return self.decoder.generate(z, generator, mean)

    @torch.no_grad()
    def reconstruct(self, x, y=None, *, seed=None, generator=None):
        """Images generated pixel by pixel from :math:`z = \\mu_\\phi(x)`; shape ``(B, data_dim)``.

        If the posterior has collapsed, these no longer resemble ``x``: the decoder ignores ``z``."""
        mu, _ = self.encode(x, y)
        return self.decoder.generate(mu, _generator(seed, generator, self.device), mean=False)
