"""Concrete NumPy values onto the device without compiling anything.

Since JAX 0.10, ``jnp.asarray`` of a NumPy array or number runs a small XLA program
(``jit(stage)``), compiled once per shape and dtype: ~20 ms each on a CPU, more on a GPU,
where building a cell compiled three of them and calling it compiled three more.
``jax.device_put`` gives the same array (dtype and weak type included) with none.

On a CPU ``jax.device_put`` may hand back a buffer that *shares memory* with the NumPy
array it was given (zero-copy when the array happens to be suitably aligned), so a later
in-place edit of the description's arrays would reach a compiled, supposedly immutable
System. NumPy arrays are therefore copied first: the device array owns its memory.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jaxtyping import Array

__all__ = ["on_device"]


def on_device(value: Any) -> Array:
    """``jnp.asarray(value)`` for a concrete NumPy array or Python number, uncompiled.

    Example:
        >>> import numpy as np
        >>> from dendrax.compile.staging import on_device
        >>> on_device(np.arange(3.0)).shape, on_device(6.3).weak_type
        ((3,), True)
    """
    if isinstance(value, np.ndarray):
        value = np.array(value, copy=True)  # never alias the caller's (mutable) memory
    return jax.device_put(value)
