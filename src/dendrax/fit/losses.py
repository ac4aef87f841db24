"""Losses for fitting to voltage recordings, with their trade-offs.

- `mse` on traces: exact and informative when the model is already close (subthreshold
  data, or spikes nearly aligned); with misaligned spikes its gradient points to shifting
  spikes by shrinking them, and the landscape is rugged.
- `smoothed_mse`: the same after Gaussian smoothing in time: tolerates spike-timing
  errors up to about ``sigma`` and gives smoother gradients, at the price of resolution.
- `soft_spike_count` and `summary_statistics`: compare features (rates, mean voltage,
  latency) rather than traces: robust to timing but blind to what the features leave out;
  the soft versions make thresholds differentiable (``sharpness`` trades bias for
  gradient magnitude: sharper is closer to the true count but has sparser gradients).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

__all__ = ["mse", "smoothed_mse", "soft_spike_count", "summary_statistics"]


def mse(v: Float[ArrayLike, "... time"], target: Float[ArrayLike, "... time"]) -> Array:
    """Mean squared difference (mV²).

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> v = jnp.array([-65.0, -60.0, -55.0])                    # mV
        >>> target = jnp.array([-65.0, -62.0, -56.0])
        >>> round(float(dx.fit.mse(v, target)), 4)                  # (0 + 4 + 1) / 3 mV²
        1.6667
    """
    return jnp.mean((jnp.asarray(v) - jnp.asarray(target)) ** 2)


def smoothed_mse(
    v: Float[ArrayLike, "... time"], target: Float[ArrayLike, "... time"], sigma: float, delta_t: float
) -> Array:
    """Mean squared difference after Gaussian smoothing in time (``sigma`` ms, step ``delta_t`` ms).

    Example:
        A spike 0.2 ms late costs much less once both traces are smoothed over 0.5 ms.

        >>> import numpy as np
        >>> import dendrax as dx
        >>> v = np.full(200, -65.0)                                 # mV, 5 ms at 0.025 ms
        >>> v[80] = 30.0
        >>> target = np.roll(v, 8)                                  # the same spike, 0.2 ms later
        >>> smooth = dx.fit.smoothed_mse(v, target, sigma=0.5, delta_t=0.025)
        >>> round(float(dx.fit.mse(v, target)), 1), round(float(smooth), 2)   # mV²
        (90.2, 0.05)
    """
    half = max(1, int(round(3 * sigma / delta_t)))
    t = jnp.arange(-half, half + 1, dtype=jnp.result_type(float)) * delta_t
    kernel = jnp.exp(-0.5 * (t / sigma) ** 2)
    kernel = kernel / jnp.sum(kernel)

    def smooth(x):
        x = jnp.asarray(x)
        flat = x.reshape(-1, x.shape[-1])
        out = jax.vmap(lambda row: jnp.convolve(row, kernel.astype(row.dtype), mode="same"))(flat)
        return out.reshape(x.shape)

    return mse(smooth(v), smooth(target))


def soft_spike_count(
    v: Float[ArrayLike, "... time"], threshold: float = -20.0, sharpness: float = 1.0
) -> Array:
    """A differentiable count of upward threshold crossings along the last axis.

    Each step contributes ``sigmoid(k (v_next - threshold)) * (1 - sigmoid(k (v - threshold)))``
    with ``k = sharpness`` (1/mV): about 1 at a crossing, about 0 elsewhere.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> v = jnp.array([-65.0, -65.0, 30.0, -70.0, -65.0, 25.0, 0.0])
        >>> round(float(dx.fit.soft_spike_count(v, sharpness=2.0)), 3)
        2.0
    """
    v = jnp.asarray(v)
    above = jax.nn.sigmoid(sharpness * (v - threshold))
    return jnp.sum(above[..., 1:] * (1.0 - above[..., :-1]), axis=-1)


def summary_statistics(
    v: Float[ArrayLike, "... time"], delta_t: float, threshold: float = -20.0, sharpness: float = 1.0
) -> Float[Array, "... 4"]:
    """Features of traces: mean (mV), standard deviation (mV), soft spike count, and a soft
    first-crossing latency (ms): the time at which the soft count reaches one, weighted by
    how it gets there (the end of the trace if it never does).

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> v = jnp.array([-65.0, -65.0, 30.0, -70.0, -65.0, 25.0, 0.0])   # mV, two spikes
        >>> stats = dx.fit.summary_statistics(v, delta_t=0.025, sharpness=2.0)
        >>> stats.shape, [round(float(x), 3) for x in stats]   # mV, mV, count, ms
        ((4,), [-30.0, 42.762, 2.0, 0.05])
    """
    v = jnp.asarray(v)
    above = jax.nn.sigmoid(sharpness * (v - threshold))
    crossing = above[..., 1:] * (1.0 - above[..., :-1])
    reached = jnp.minimum(jnp.cumsum(crossing, axis=-1), 1.0)
    first = jnp.diff(reached, axis=-1, prepend=jnp.zeros_like(reached[..., :1]))
    t = (jnp.arange(v.shape[-1] - 1, dtype=v.dtype) + 1.0) * delta_t
    latency = jnp.sum(first * t, axis=-1) + (1.0 - reached[..., -1]) * t[-1]
    return jnp.stack([jnp.mean(v, -1), jnp.std(v, -1), jnp.sum(crossing, -1), latency], axis=-1)
