"""Shaping the solver's arrays into few, cheap XLA kernels on a CPU.

Each time step of a simulation runs the voltage solve inside `jax.lax.scan`; on a CPU, XLA
runs a step as a sequence of *kernels* (fusions), each producing one array. For cells of a few
hundred compartments what a step costs is the number of kernels, the divisions in them and
the bookkeeping of calling them, not memory traffic. What XLA does, and what the solver is
shaped after (measured with jaxlib 0.10 on x86-64; `tests/test_solver.py` does not depend on
any of it, only speed does):

- Cheap operations (``+ - *``, slices, pads, small concatenations) are fused into every
  kernel that uses them, recomputed there. An expensive one (a division, a gather) with more
  than one user is computed once, in a kernel of its own. So each step of the solve ends in a
  single division, `quotient`: what feeds it fuses into its kernel, its result is computed
  once and read by the later kernels. Without that, XLA would fuse a whole recurrence into its
  last consumer and recompute it there.
- A real division costs about ten multiplications (0.75 ns per double with AVX2), so each node
  gets one; divisions by the constant 1 cost nothing (LLVM removes them).
- Within a kernel, a gathered value read by more than one expression makes XLA gather it in a
  kernel of its own.
- A kernel reads each array it uses as an argument, fixed index arrays included; XLA calls a
  kernel of more than 12 arguments through a slower path (which allocates memory each time).
- XLA does not fuse a concatenation of more than 8 arrays, nor a large one along the last
  dimension; under `jax.vmap` a batch dimension comes first, so 1-D arrays are concatenated as
  columns (`concat`).
- In a ``(rows, k)`` array built by `stack`, XLA's loop over the ``k`` entries of a row is
  unrolled: they are computed together, sharing what they have in common, and vectorised
  across rows.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

__all__ = ["take", "concat", "stack", "quotient"]


def take(x: Array, index: np.ndarray) -> Array:
    """``x[index]`` for a fixed index array: a slice when it is a contiguous range."""
    index = np.asarray(index)
    if index.ndim == 1 and len(index) and np.array_equal(index, np.arange(index[0], index[0] + len(index))):
        return x[int(index[0]) : int(index[0]) + len(index)]
    return x[index]


def concat(pieces: list[Array]) -> Array:
    """``jnp.concatenate`` of 1-D arrays, done on columns so that XLA can fuse it under vmap."""
    pieces = [p for p in pieces if p.shape[0]] or pieces[:1]
    return jnp.concatenate([p[:, None] for p in pieces])[:, 0] if len(pieces) > 1 else pieces[0]


def stack(columns: list[Array]) -> Array:
    """``jnp.stack(columns, axis=1)`` that XLA fuses into its consumer.

    Blocks of at most 7 columns are padded and added: XLA does not fuse a concatenation of
    8 doubles or more along the last dimension when the result is large. (A block made of
    constants only would become a kernel of its own.)
    """
    out = None
    for start in range(0, len(columns), 7):
        block = jnp.stack(columns[start : start + 7], axis=1)
        block = jnp.pad(block, ((0, 0), (start, len(columns) - start - block.shape[1])))
        out = block if out is None else out + block
    return out


def quotient(num: Array, den: Array) -> Array:
    """``num / den`` with a trailing row ``0 / 1``, the zero that padding indices point to.

    One kernel, whose result XLA computes once (see the module docstring).
    """
    return jnp.pad(num, ((0, 1), (0, 0))) / jnp.pad(den, ((0, 1), (0, 0)), constant_values=1)
