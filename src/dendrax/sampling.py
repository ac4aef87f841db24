"""Recording every k-th time point (``integrate(..., record_interval=...)``): the time loop
runs in chunks of k steps and keeps one column of recordings per chunk, so that a long run's
recordings (and their share of a gradient's memory) shrink k-fold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .checkpointing import Checkpoint, checkpointed_scan

__all__ = ["sampled_scan"]


def sampled_scan(
    advance: Callable[[Any, Any], Any],
    observe: Callable[[Any], Float[Array, " recordings"]],
    state: Any,
    xs: Any,
    n_steps: int,
    every: int,
    checkpoint: Checkpoint,
    spike_rows: np.ndarray,
) -> Float[Array, "samples recordings"]:
    """The recordings at steps ``every, 2 every, ..., n_steps`` (``n_steps`` a multiple of
    ``every``), one row each; ``advance(state, inputs)`` runs one step on ``xs``' row.

    Spike recordings (rows ``spike_rows``) count the spikes of the whole interval that ends
    at each sample (a spike is a step's event, not a sampled value), except, as for every
    step's recording, a crossing during the run's last step. Checkpointed segments keep
    about as many steps as ``checkpoint`` would without sampling.
    """
    n_chunks = n_steps // every
    chunked = jax.tree.map(lambda x: x.reshape((n_chunks, every) + x.shape[1:]), xs)
    counts_spikes = state.spikes is not None and state.spikes.shape[0] > 0

    def chunk(state, inputs):
        def one(carry, x):
            s, count = carry
            s = advance(s, x)
            return (s, count + s.spikes if counts_spikes else count), None

        zero = jnp.zeros_like(state.spikes) if counts_spikes else None
        if inner:
            state, count = _checkpointed_steps(one, (state, zero), inputs, every, steps)
        else:
            (state, count), _ = jax.lax.scan(one, (state, zero), inputs, length=every)
        sample = observe(eqx.tree_at(lambda s: s.spikes, state, count) if counts_spikes else state)
        return state, (sample, observe(state)[spike_rows])  # the last step's own spikes

    steps = checkpoint.segment_length(n_steps)
    # Intervals of at most about a segment: segments of whole intervals. Longer ones: each
    # interval checkpointed within (with whole intervals as segments, an interval of t_max
    # kept every step, as much memory as no checkpointing: a review).
    inner = every >= 2 * steps
    segments = Checkpoint(every=n_chunks if inner else max(1, steps // every), adjoint=checkpoint.adjoint)
    _, (samples, last) = checkpointed_scan(chunk, state, chunked, n_chunks, segments)
    if len(spike_rows):
        samples = samples.at[-1, spike_rows].add(-last[-1])
    return samples


def _checkpointed_steps(one: Callable, carry: Any, inputs: Any, n: int, k: int) -> Any:
    """The carry after ``lax.scan(one, carry, inputs)`` over ``n >= 2 k`` steps, in segments
    of ``k`` steps and one of the remaining ``n mod k`` that keep only their starting carry
    for the backward pass (exactly ``n`` steps: `checkpointed_scan` would pad the last)."""
    m, r = divmod(n, k)
    head = jax.tree.map(lambda x: x[: m * k], inputs)
    carry, _ = checkpointed_scan(one, carry, head, m * k, Checkpoint(every=k))
    if r:
        tail = jax.tree.map(lambda x: x[m * k :], inputs)
        rest = jax.checkpoint(lambda c, x: jax.lax.scan(one, c, x, length=r)[0], prevent_cse=False)
        carry = rest(carry, tail)
    return carry
