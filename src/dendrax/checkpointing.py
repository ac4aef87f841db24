"""Memory-bounded reverse-mode differentiation of the time loop.

Reverse mode through ``lax.scan`` keeps every intermediate value of every step: for a
long simulation of a large cell that is gigabytes, and writing it is slow. `Checkpoint`
splits the loop into segments of at most ``every`` steps: the forward pass keeps only the
state at segment boundaries; the backward pass recomputes one segment at a time, keeping
that segment's intermediates (a few MB). Memory then grows as ``n_steps / every + every``
instead of ``n_steps``; the price is one more forward pass. Without gradients the results
are the same; the last segment is padded by fewer steps than there are segments (computed,
then dropped).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .static_values import python_number

__all__ = ["Checkpoint", "checkpointed_scan"]


class Checkpoint(eqx.Module):
    """How to checkpoint the time loop for gradients (``integrate(..., checkpoint=...)``).

    Args:
        every: steps per segment. ``None`` (default) chooses about ``sqrt(n_steps)``, which
            minimises memory; ``every >= n_steps`` keeps everything (fastest for short
            simulations, most memory).
        adjoint: reverse-mode derivative of each step by its hand-written adjoint
            (`dendrax.adjoint`: few stored values, one adjoint solve per step, and each
            state's slope in its own compartment's voltage; gradients about 1.7x cheaper,
            equal to round-off). It requires every mechanism to update its states
            compartment by compartment, as all built-in and .mod mechanisms do. ``False``
            leaves the whole derivative to JAX: for a mechanism that reads other
            compartments' voltages, and for forward mode (``jax.jvp``, ``jax.jacfwd``),
            which the adjoint refuses with a TypeError that names this option.

    Example:
        >>> import dendrax as dx
        >>> dx.Checkpoint(every=100).segment_length(4000)
        100
        >>> dx.Checkpoint(every=3000).segment_length(4000)       # two segments of 2000
        2000
        >>> dx.Checkpoint().segment_length(4000)
        64
        >>> dx.Checkpoint(adjoint=False).adjoint       # for jax.jvp / jax.jacfwd
        False
    """

    every: int | None = eqx.field(default=None, static=True, converter=python_number)
    adjoint: bool = eqx.field(default=True, static=True, converter=python_number)

    def __check_init__(self):
        if self.every is not None and (
            isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1
        ):
            raise ValueError(f"Checkpoint(every=...) takes a positive number of steps; got {self.every!r}")
        if not isinstance(self.adjoint, bool):
            raise TypeError(f"Checkpoint(adjoint=...) takes True or False; got {self.adjoint!r}")

    def segment_length(self, n_steps: int) -> int:
        """Steps per segment for a run of ``n_steps``: at most ``every`` (or the default's
        power of two near ``sqrt(n_steps)``), evened out over as many segments as that
        needs, so that the last one is padded by fewer steps than there are segments (with
        the longest allowed length instead, ``every=399_999`` on 400,000 steps ran 399,998
        extra steps, forward runs too)."""
        n_steps = max(n_steps, 1)
        longest = self.every if self.every is not None else 2 ** round(math.log2(math.sqrt(n_steps)))
        longest = max(1, min(longest, n_steps))
        n_segments = -(-n_steps // longest)
        return -(-n_steps // n_segments)


def checkpointed_scan(
    body: Callable[[Any, Any], tuple[Any, Any]], carry: Any, xs: Any, n_steps: int, checkpoint: Checkpoint
) -> tuple[Any, Any]:
    """``lax.scan(body, carry, xs)`` over ``n_steps`` steps, checkpointed in segments.

    When ``n_steps`` is not a multiple of the segment length, the last segment runs a few
    extra steps on a copy of the last input (stimulus, clamp values) whose outputs are
    dropped (so the step is compiled once); the returned carry is then that of the padded
    loop. The copy, not zeros: a state clamped to 0 mM (log(cao / 0) in a reversal
    potential) made the dropped steps infinite and the gradient NaN.
    """
    k = checkpoint.segment_length(n_steps)
    n_segments = -(-n_steps // k)
    if n_segments <= 1:
        return jax.lax.scan(body, carry, xs, length=n_steps)
    pad = n_segments * k - n_steps

    def reshape(x):
        x = jnp.concatenate([x, jnp.broadcast_to(x[-1:], (pad,) + x.shape[1:])]) if pad else x
        return x.reshape((n_segments, k) + x.shape[1:])

    @partial(jax.checkpoint, prevent_cse=False)  # inside a scan, CSE cannot undo the remat
    def segment(carry, xs_segment):
        return jax.lax.scan(body, carry, xs_segment, length=k)

    carry, ys = jax.lax.scan(segment, carry, jax.tree.map(reshape, xs), length=n_segments)
    ys = jax.tree.map(lambda y: y.reshape((n_segments * k,) + y.shape[2:])[:n_steps], ys)
    return carry, ys
