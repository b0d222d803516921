"""Argument checks shared by the public functions: clear errors that name the argument and the rule."""

from __future__ import annotations

import torch


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def require_tensor(name: str, value, *, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a floating-point tensor with at least ``min_dim`` dims, else raise.

    Raises TypeError for a non-tensor or a non-floating dtype, ValueError for too few dimensions.
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {_describe(value)}; "
            f"wrap numbers with torch.tensor(..., dtype=torch.float32)"
        )
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must have a floating-point dtype, got {value.dtype} "
            f"(shape {tuple(value.shape)}); convert it with .float()"
        )
    if value.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dimension(s), the last one indexing "
            f"{'latent or data dimensions' if min_dim else 'values'}; got shape {tuple(value.shape)}"
        )
    return value


def require_finite(name: str, value: torch.Tensor) -> torch.Tensor:
    """Raise ValueError if ``value`` holds NaN or infinity, saying how many and where the first is."""
    finite = torch.isfinite(value)
    if not bool(finite.all()):
        bad = (~finite).nonzero()[0].tolist()
        count = int((~finite).sum())
        first = value[tuple(bad)].item()
        raise ValueError(
            f"{name} (shape {tuple(value.shape)}) must be finite, but {count} value(s) are not; "
            f"the first is {first} at index {tuple(bad)}"
        )
    return value


def require_broadcastable(**tensors: torch.Tensor) -> torch.Size:
    """Return the broadcast shape of the named tensors or raise ValueError naming each shape."""
    try:
        return torch.broadcast_shapes(*(t.shape for t in tensors.values()))
    except RuntimeError:
        shapes = ", ".join(f"{n} has shape {tuple(t.shape)}" for n, t in tensors.items())
        raise ValueError(f"shapes do not broadcast: {shapes}") from None


def require_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return value


def require_nonnegative_float(name: str, value) -> float:
    """Return ``value`` as a float if it is a finite real number >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number >= 0, got {_describe(value)}")
    value = float(value)
    if not (value >= 0.0 and value != float("inf")):
        raise ValueError(f"{name} must be a finite real number >= 0, got {value}")
    return value
