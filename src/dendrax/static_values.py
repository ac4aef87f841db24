"""Settings that are part of the compiled program (``static`` fields) as plain Python values."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["python_number"]


def python_number(value: Any) -> Any:
    """A NumPy scalar (``np.int64(8)``, ``np.float64(0.5)``) as the Python number it holds;
    anything else unchanged (and checked by the setting's own rule).

    Static fields are hashed into the compiled program, where a NumPy value draws JAX's
    "JAX array is being set as static" warning.

    Example:
        >>> import numpy as np
        >>> from dendrax.static_values import python_number
        >>> python_number(np.int64(8)), python_number(np.bool_(True)), python_number("x")
        (8, True, 'x')
    """
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    return value
