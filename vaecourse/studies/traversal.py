r"""Latent traversal: decode a grid of codes that move along the two most active latent dimensions.

The two dimensions :math:`i, j` whose posterior means vary most over the data (the activity
:math:`A_d = \mathrm{Var}_x\,\mu_d(x)` of :func:`~vaecourse.training.diagnostics.latent_activity`) are
varied around the average code :math:`\bar\mu = \mathbb E_x\,\mu(x)`, every other coordinate held there:

.. math::
    z_{ab} = \bar\mu + a\sqrt{A_i}\,e_i + b\sqrt{A_j}\,e_j, \qquad a, b \in \{-s, \dots, s\}\ (S \text{ steps}),

so the offsets are in units of each dimension's spread over the data, and the decoder's means
:math:`\mathbb E[x\mid z_{ab}]` show what each dimension changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core._validation import require_positive_int, require_tensor
from ..training.diagnostics import encode_data, latent_activity


@dataclass(frozen=True)
class Traversal:
    """Decoded grid ``images`` ``(S, S, P)``: row ``a`` moves along ``dimensions[0]``, column ``b`` along
    ``dimensions[1]``, by ``offsets`` ``(S,)`` times each dimension's spread ``spreads`` (its posterior means'
    standard deviation over the data)."""

    images: torch.Tensor
    dimensions: tuple[int, int]
    spreads: tuple[float, float]
    offsets: tuple[float, ...]


def most_active_dimensions(mu: torch.Tensor, count: int = 2) -> list[int]:
    """The ``count`` latent dimensions with the largest activity :math:`\\mathrm{Var}_x\\,\\mu_d(x)`, most active first.

    ``mu`` ``(N, D)``: posterior means of N examples.
    """
    require_tensor("mu", mu, min_dim=2)
    require_positive_int("count", count)
    if count > mu.shape[-1]:
        raise ValueError(f"count must be at most the latent dimension D = {mu.shape[-1]} of mu {tuple(mu.shape)}, "
                         f"got {count}")
    return [int(d) for d in torch.argsort(latent_activity(mu), descending=True, stable=True)[:count]]


@torch.no_grad()
def latent_traversal(model, x: torch.Tensor, *, steps: int = 9, span: float = 2.5) -> Traversal:
    """Decode the :math:`S\\times S` grid of codes of the module docstring around the average code of ``x`` ``(N, P)``.

    Deterministic: no sampling, only the encoder's means and the decoder's means. ``steps`` (odd, so that
    the middle image is the average code) and ``span`` :math:`s` (the largest offset, in spreads).
    """
    require_tensor("x", x, min_dim=2)
    require_positive_int("steps", steps, minimum=2)
    if not span > 0:
        raise ValueError(f"span must be positive (the largest offset, in spreads), got {span!r}")
    if model.latent_dim < 2:
        raise ValueError(f"a traversal of two dimensions needs latent_dim >= 2, got {model.latent_dim}")
    mu, _ = encode_data(model, x)  # (N, D)
    dimensions = most_active_dimensions(mu, 2)
    spreads = latent_activity(mu)[dimensions].sqrt()  # (2,)
    offsets = torch.linspace(-span, span, steps, device=mu.device)  # (S,)
    codes = mu.mean(dim=0).expand(steps, steps, -1).clone()  # (S, S, D)
    codes[:, :, dimensions[0]] += (offsets * spreads[0])[:, None]
    codes[:, :, dimensions[1]] += (offsets * spreads[1])[None, :]
    images = model.decoder_mean(codes.reshape(steps * steps, -1)).reshape(steps, steps, -1)  # (S, S, P)
    return Traversal(images=images, dimensions=(dimensions[0], dimensions[1]),
                     spreads=(float(spreads[0]), float(spreads[1])), offsets=tuple(float(o) for o in offsets))
