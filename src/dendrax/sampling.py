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
        (state, count), _ = jax.lax.scan(one, (state, zero), inputs, length=every)
        sample = observe(eqx.tree_at(lambda s: s.spikes, state, count) if counts_spikes else state)
        return state, (sample, observe(state)[spike_rows])  # the last step's own spikes

    steps = checkpoint.segment_length(n_steps)
    segments = Checkpoint(every=max(1, steps // every), adjoint=checkpoint.adjoint)
    _, (samples, last) = checkpointed_scan(chunk, state, chunked, n_chunks, segments)
    if len(spike_rows):
        samples = samples.at[-1, spike_rows].add(-last[-1])
    return samples
