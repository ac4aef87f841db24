"""Concrete NumPy values onto the device without compiling anything.

Since JAX 0.10, ``jnp.asarray`` of a NumPy array or number runs a small XLA program
(``jit(stage)``), compiled once per shape and dtype: ~20 ms each on a CPU, more on a GPU,
where building a cell compiled three of them and calling it compiled three more.
``jax.device_put`` gives the same array (dtype and weak type included) with none.

On a CPU ``jax.device_put`` may hand back a buffer that *shares memory* with the NumPy
array it was given (zero-copy when the array happens to be suitably aligned), so a later
in-place edit of the description's arrays would reach a compiled, supposedly immutable
System. Where the device array shares the NumPy array's memory, a private copy is put
instead. (Copying every array first cost 1.9 s instead of 0.4 s for 2,000 call-time
stimuli of 40,001 points, which are never aliased; ``may_alias=False`` still aliased.)

Inside a caller's ``jax.jit`` the array is still concrete (``jax.ensure_compile_time_eval``),
so that call-time values are checked and read (spike delays fix the ring buffer's size)
as outside it.
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
    # Concrete even while a caller's jax.jit traces us: a traced constant hid the values from
    # the checks that follow (a NaN stimulus ran; call-time delays were refused as traced).
    with jax.ensure_compile_time_eval():
        on_dev = jax.device_put(value)
        if not isinstance(value, np.ndarray):
            return on_dev  # a number: nothing shared
        on_cpu = all(d.platform == "cpu" for d in on_dev.devices())
        if on_cpu and np.shares_memory(np.asarray(on_dev), value):  # (a GPU's copy is never shared)
            on_dev = jax.device_put(value.copy())  # a private copy: the caller may change theirs
    return on_dev
