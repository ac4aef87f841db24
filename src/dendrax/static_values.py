"""Settings that are part of the compiled program (``static`` fields) as plain Python values."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

__all__ = ["as_written", "python_number"]


def python_number(value: Any) -> Any:
    """A NumPy scalar (``np.int64(8)``, ``np.float64(0.5)``, ``np.True_``) or a concrete
    JAX scalar (``jnp.asarray(5)``) as the Python number it holds; anything else unchanged
    (and checked by the setting's own rule).

    Static fields are hashed into the compiled program, where an array value draws
    Equinox's "JAX array is being set as static" warning. A traced value (one computed
    inside ``jit``, ``vmap`` or ``grad``) has no number yet: TypeError, saying so.

    Example:
        >>> import numpy as np
        >>> from dendrax.static_values import python_number
        >>> import jax.numpy as jnp
        >>> python_number(np.int64(8)), python_number(np.bool_(True)), python_number(jnp.asarray(5)), python_number("x")
        (8, True, 5, 'x')
    """
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            f"got a traced value ({value}) for a setting that is fixed when the simulation is "
            "compiled (a number of steps, an option): pass a Python number, not one computed "
            "inside jax.jit, jax.vmap or jax.grad"
        )
    return as_written(value)


def as_written(value: Any) -> Any:
    """A number in a 0-d array or NumPy scalar as a Python number; anything else unchanged.
    A float32 one stands for the decimal the user wrote (0.025, not 0.02500000037): its
    shortest repr, as JAX's default precision makes ``jnp.asarray(0.025)`` float32.

    Example:
        >>> import numpy as np
        >>> from dendrax.static_values import as_written
        >>> as_written(np.float32(0.1)), as_written(np.asarray(4)), as_written("x")
        (0.1, 4, 'x')
    """
    if (
        isinstance(value, (np.ndarray, jax.Array, np.generic))
        and not isinstance(value, jax.core.Tracer)
        and np.ndim(value) == 0
        and value.dtype.kind in "biuf"
    ):
        held = np.asarray(value)[()]
        return float(str(held)) if held.dtype.kind == "f" and held.dtype.itemsize < 8 else held.item()
    return value
