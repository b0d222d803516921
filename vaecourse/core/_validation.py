"""Argument checks shared by the public functions: clear errors that name the argument and the rule."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

# Value checks (NaN/inf, data ranges) scan whole tensors; inside a training loop that has its own
# loss guard they cost ~10-25% of a small model's step. Like torch.distributions'
# ``set_default_validate_args``, they can be switched off there; type and shape checks always run.
_value_checks_enabled = True


def value_checks_enabled() -> bool:
    """Whether NaN/inf and range checks run (they do, except inside ``value_checks(False)``)."""
    return _value_checks_enabled


@contextlib.contextmanager
def value_checks(enabled: bool) -> Iterator[None]:
    """Turn the value checks on or off inside a ``with`` block (``fit`` turns them off per step)."""
    global _value_checks_enabled
    previous, _value_checks_enabled = _value_checks_enabled, bool(enabled)
    try:
        yield
    finally:
        _value_checks_enabled = previous


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
    if not _value_checks_enabled:
        return value
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
    # Pure Python: torch.broadcast_shapes costs ~100 us a call, a visible share of a small training step.
    shapes = [tuple(t.shape) for t in tensors.values()]
    if all(shape == shapes[0] for shape in shapes):  # the usual case, decided without the loop below
        return torch.Size(shapes[0])
    result: list[int] = []
    for dims in zip(*(((1,) * (max(map(len, shapes)) - len(s)) + s) for s in shapes)):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            described = ", ".join(f"{n} has shape {tuple(t.shape)}" for n, t in tensors.items())
            raise ValueError(f"shapes do not broadcast: {described}")
        result.append(sizes.pop() if sizes else 1)
    return torch.Size(result)


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


def require_one_value_per_sample(call: str, values, samples: torch.Tensor) -> torch.Tensor:
    """Check that ``call`` (e.g. ``"f(z)"``) returned one value per sample: shape ``samples.shape[:-1]``."""
    expected = tuple(samples.shape[:-1])
    if not isinstance(values, torch.Tensor) or tuple(values.shape) != expected:
        got = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(f"{call} must return one value per sample, shape {expected}, got {got}")
    return values
