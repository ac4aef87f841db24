"""Manual mesh axes inside `jax.shard_map`: which values vary across devices.

Inside ``jax.shard_map`` every value has a type that says along which mesh axes it differs
from device to device ("varying"). A loop's carry must keep its type, so a simulation
state that starts invariant (from the description) but becomes varying after one step
(it depends on per-device parameters) is marked varying from the start. Outside
``shard_map`` there are no manual axes and these functions change nothing.
"""

from __future__ import annotations

from typing import Any

import jax

__all__ = ["varying_axes", "varying_like"]


def varying_axes(x: Any) -> frozenset:
    """The manual mesh axes along which ``x`` varies (empty outside `jax.shard_map`).

    Example:
        >>> import jax.numpy as jnp
        >>> from dendrax.manual_axes import varying_axes
        >>> varying_axes(jnp.ones(3))
        frozenset()
    """
    aval = getattr(x, "aval", None)  # tracers and JAX arrays; NumPy arrays vary along nothing
    kind = getattr(aval, "manual_axis_type", None)  # JAX >= 0.10; earlier versions: ``vma``
    return frozenset(kind.varying) if kind is not None else frozenset(getattr(aval, "vma", ()))


def varying_like(tree: Any, inputs: Any) -> Any:
    """``tree`` with every leaf marked varying along each manual axis any of ``inputs`` vary along.

    Example:
        >>> import jax.numpy as jnp
        >>> from dendrax.manual_axes import varying_like
        >>> varying_like({"v": jnp.zeros(2)}, jnp.ones(3))["v"].tolist()   # no shard_map: unchanged
        [0.0, 0.0]
    """
    axes = frozenset().union(*(varying_axes(x) for x in jax.tree.leaves(inputs)))
    if not axes:
        return tree

    def mark(x):
        missing = tuple(sorted(axes - varying_axes(x)))
        if not missing:
            return x
        cast = getattr(jax.lax, "pcast", None)
        return cast(x, missing, to="varying") if cast is not None else jax.lax.pvary(x, missing)

    return jax.tree.map(mark, tree)
