"""Numbers a page states for a float32-trained model, printed as written once they are checked to a tolerance."""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["StatedValueError", "stated"]


class StatedValueError(AssertionError):
    """A computed number is further from the value the page states than the stated tolerance."""


def stated(value, written: str, tolerance: float, *, name: str = "value") -> str:
    r"""Return ``written`` when ``value`` lies within ``tolerance`` of it; raise :class:`StatedValueError` otherwise.

    A model trained in float32 reaches digits that depend on the machine: the order of a sum differs
    between CPU vector units, thread counts and GPUs, and training amplifies that round-off. A page
    that printed the raw value would state digits another reader cannot reproduce (or sit on a
    rounding boundary such as 6.075, where one machine prints 6.07 and the next 6.08). Instead the
    page writes the number it claims and the tolerance it is checked at:

    .. math:: |\text{value} - \text{written}| \le \text{tolerance}

    and prints ``written`` (as typed: ``"6.08"`` keeps its two decimals) when that holds. The check
    is a real one: a value outside the band raises, naming the computed number, so a notebook run or
    the book build fails instead of showing a number the code no longer produces.

    Args:
        value: the computed number (a Python or 0-d tensor float).
        written: the number as the page states it, e.g. ``"6.08"``.
        tolerance: the largest accepted ``|value - written|``, > 0.
        name: what the number is, for the error message.
    """
    if hasattr(value, "item"):
        value = value.item()
    if not isinstance(value, Real) or isinstance(value, bool):
        raise TypeError(f"value ({name}) must be a real number, got {type(value).__name__}")
    if not isinstance(written, str):
        raise TypeError(f"written ({name}) must be the stated number as a string such as '6.08', "
                        f"got {type(written).__name__}")
    try:
        reference = float(written)
    except ValueError:
        raise ValueError(f"written ({name}) must be a number such as '6.08', got {written!r}") from None
    if not (isinstance(tolerance, Real) and math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance ({name}) must be a finite number > 0, got {tolerance!r}")
    value = float(value)
    # The tiny slack keeps a value exactly on the band's edge inside despite decimal-to-binary conversion.
    if not math.isfinite(value) or abs(value - reference) > tolerance * (1 + 1e-9):
        raise StatedValueError(f"{name}: computed {value:.6g}, which is not within {tolerance:g} of the stated "
                               f"{written}; update the page (and its text) or find what changed")
    return written
