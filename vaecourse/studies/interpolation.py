r"""Latent interpolation: decode the straight line between two codes to see what lies between two images.

.. math::
    z(t) = (1 - t)\,z_1 + t\,z_2, \qquad t \in \{0, \tfrac{1}{S-1}, \dots, 1\}

With ``spherical=True`` the path keeps to the shell where prior samples live instead (Shoemake's
slerp, used by White, 2016, for VAE latents):

.. math::
    z(t) = \frac{\sin((1-t)\Omega)}{\sin\Omega}\,z_1 + \frac{\sin(t\Omega)}{\sin\Omega}\,z_2,
    \qquad \cos\Omega = \frac{z_1\cdot z_2}{\lVert z_1\rVert\,\lVert z_2\rVert}
"""

from __future__ import annotations

import torch

from ..core._validation import require_finite, require_positive_int, require_tensor


def _check_pair(z1: torch.Tensor, z2: torch.Tensor, steps: int) -> None:
    require_tensor("z1", z1, min_dim=1)
    require_tensor("z2", z2, min_dim=1)
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape (..., D), got {tuple(z1.shape)} and {tuple(z2.shape)}")
    require_finite("z1", z1)
    require_finite("z2", z2)
    require_positive_int("steps", steps, minimum=2)


def interpolate_latents(z1: torch.Tensor, z2: torch.Tensor, steps: int, *, spherical: bool = False) -> torch.Tensor:
    r"""``steps`` evenly spaced points from ``z1`` to ``z2``, both ends included: :math:`(1-t)z_1 + t z_2`.

    Args:
        z1, z2: two latents of the same shape ``(..., D)``; leading dimensions interpolate several
            pairs at once.
        steps: number of points, ``>= 2``; ``t = torch.linspace(0, 1, steps)``.
        spherical: interpolate along the great circle (slerp) instead of the chord; the norm then
            moves smoothly between the two norms instead of dipping in the middle. Falls back to the
            straight line where the two latents are (anti-)parallel.

    Returns:
        Shape ``(steps, ..., D)``: row ``i`` is the latent at ``t_i``; row 0 is ``z1``, the last row ``z2``.

    Raises:
        TypeError / ValueError: non-tensors, different shapes, NaN/inf, or ``steps < 2``.

    Example:
        >>> interpolate_latents(torch.tensor([0.0, 2.0]), torch.tensor([4.0, 0.0]), 3)
        tensor([[0., 2.],
                [2., 1.],
                [4., 0.]])
    """
    _check_pair(z1, z2, steps)
    t = torch.linspace(0.0, 1.0, steps, dtype=z1.dtype, device=z1.device)  # (S,)
    t = t.reshape(steps, *([1] * z1.dim()))  # (S, 1, ..., 1)
    line = (1 - t) * z1 + t * z2  # (S, ..., D)
    if not spherical:
        return line
    norm1, norm2 = z1.norm(dim=-1, keepdim=True), z2.norm(dim=-1, keepdim=True)  # (..., 1)
    cos = ((z1 * z2).sum(-1, keepdim=True) / (norm1 * norm2).clamp_min(1e-12)).clamp(-1.0, 1.0)  # (..., 1)
    omega = torch.arccos(cos)  # (..., 1)
    sin = torch.sin(omega)  # (..., 1)
    safe_sin = torch.where(sin > 1e-6, sin, torch.ones_like(sin))
    arc = (torch.sin((1 - t) * omega) * z1 + torch.sin(t * omega) * z2) / safe_sin  # (S, ..., D)
    return torch.where(sin > 1e-6, arc, line)


@torch.no_grad()
def decode_interpolation(model, x1: torch.Tensor, x2: torch.Tensor, steps: int = 8, *,
                         spherical: bool = False) -> torch.Tensor:
    r"""Encode two batches of images to their posterior means, interpolate, decode: ``(P, steps, data_dim)``.

    Row ``p`` runs from the reconstruction of ``x1[p]`` to that of ``x2[p]``; each image is the
    decoder mean :math:`\mathbb E[x\mid z(t)]` (pixel probabilities for a Bernoulli decoder).

    Args:
        model: an unconditional :class:`~vaecourse.models.vae.VAE` (``encode`` and ``decoder_mean``).
        x1, x2: ``(P, data_dim)`` each, the start and end images of ``P`` paths.
        steps: points per path, ``>= 2``.
        spherical: as :func:`interpolate_latents`.
    """
    require_tensor("x1", x1, min_dim=2)
    require_tensor("x2", x2, min_dim=2)
    if x1.shape != x2.shape:
        raise ValueError(f"x1 and x2 must have the same shape (P, data_dim), got {tuple(x1.shape)} and {tuple(x2.shape)}")
    model.eval()
    z1, _ = model.encode(x1)  # (P, D)
    z2, _ = model.encode(x2)  # (P, D)
    path = interpolate_latents(z1, z2, steps, spherical=spherical)  # (S, P, D)
    return model.decoder_mean(path).transpose(0, 1)  # (P, S, data_dim)
