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

The losses compare traces of the same shape only (no broadcasting: a ``(1, T)`` trace
against a ``(T, 1)`` one raises rather than comparing every pair of samples), and check
their settings (``sigma``, ``delta_t``, ``sharpness``) before any tracing.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

__all__ = ["mse", "smoothed_mse", "soft_spike_count", "summary_statistics"]

# smoothed_mse builds its kernel on the host: refuse one of more than this many samples per side.
_MAX_KERNEL_HALF_WIDTH = 10**7


def _same_shape(loss: str, v: ArrayLike, target: ArrayLike) -> tuple[Array, Array]:
    """``v`` and ``target`` as arrays; raise unless they have one (nonempty) shape."""
    v, target = jnp.asarray(v), jnp.asarray(target)
    if v.shape != target.shape:
        raise ValueError(
            f"{loss} compares traces of the same shape; got v of shape {v.shape} and target of "
            f"shape {target.shape}. Reshape one to match (e.g. target.reshape(v.shape)), or "
            "broadcast on purpose with jnp.broadcast_to(target, v.shape)."
        )
    if v.size == 0:
        raise ValueError(f"{loss} got empty traces (shape {v.shape}): there is nothing to compare")
    _real_traces(loss, v, target)
    return _as_float(v), _as_float(target)


def _as_float(trace: Array) -> Array:
    """An integer trace (a recording digitised as int16) as floating point: integer
    arithmetic overflowed or wrapped (``mse`` of two int16 traces of ±300 was 21546.7, not
    240000; a spike of a uint8 trace counted 0; a review)."""
    return trace if jnp.issubdtype(trace.dtype, jnp.floating) else trace.astype(jnp.result_type(float))


def _real_traces(loss: str, *traces: Array) -> None:
    """Raise unless every trace holds real numbers (complex traces gave a complex loss, 0j)."""
    for name, trace in zip(("v", "target"), traces):
        if not (jnp.issubdtype(trace.dtype, jnp.floating) or jnp.issubdtype(trace.dtype, jnp.integer)):
            raise TypeError(f"{loss}: {name} must hold real numbers (voltages, mV); got an array of {trace.dtype}")


def _time_axis(loss: str, v: ArrayLike, samples: int = 1) -> Array:
    """``v`` as an array; raise unless its last (time) axis has at least ``samples`` samples."""
    v = jnp.asarray(v)
    if v.ndim == 0 or v.shape[-1] < samples:
        raise ValueError(
            f"{loss} needs traces with a time axis (the last) of at least {samples} samples; "
            f"got shape {v.shape}"
        )
    _real_traces(loss, v)
    return _as_float(v)


def _known(loss: str, name: str, value: Any, unit: str, scalar: bool) -> np.ndarray:
    """``value`` as a NumPy array of real numbers, one number if ``scalar``; else a TypeError
    naming the argument (NumPy's own said nothing of it, e.g. "ufunc 'isfinite' not
    supported" for a string; a review)."""
    known = np.asarray(value) if not isinstance(value, (str, bytes)) else np.asarray(None)
    if known.dtype.kind not in "iuf" or (scalar and known.ndim):
        what = "a number" if scalar else "a number or an array of numbers"
        raise TypeError(f"{loss}: {name} must be {what} (in{unit}); got {value!r}")
    return known


def _positive(loss: str, name: str, value: Any, unit: str, scalar: bool = False) -> None:
    """Raise unless ``value`` is > 0 and finite (one number if ``scalar``); a traced value is
    checked by nothing."""
    if isinstance(value, jax.core.Tracer):
        return
    known = _known(loss, name, value, unit, scalar)
    if not np.all(np.isfinite(known) & (known > 0)):
        shown = float(known) if known.ndim == 0 else value
        raise ValueError(f"{loss}: {name} must be a finite number > 0{unit}; got {shown!r}")


def _finite(loss: str, name: str, value: Any, unit: str) -> None:
    """Raise unless ``value`` is finite (a NaN threshold made every count NaN); a traced value
    is checked by nothing."""
    if isinstance(value, jax.core.Tracer):
        return
    known = _known(loss, name, value, unit, scalar=False)
    if not np.all(np.isfinite(known)):
        raise ValueError(f"{loss}: {name} must be a finite number{unit}; got {value!r}")


def _static_positive(loss: str, name: str, value: Any, unit: str) -> float:
    """``value`` as a float > 0; raise if it is traced (it sets an array length) or not > 0."""
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            f"{loss}: {name} must be a number in {unit.strip()}, known before tracing (it sets the "
            "kernel length); got a traced value. Pass it as a static argument of jax.jit."
        )
    _positive(loss, name, value, unit, scalar=True)
    return float(value)


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
    v, target = _same_shape("mse", v, target)
    return jnp.mean((v - target) ** 2)


def smoothed_mse(
    v: Float[ArrayLike, "... time"], target: Float[ArrayLike, "... time"], sigma: float, delta_t: float
) -> Array:
    """Mean squared difference after Gaussian smoothing in time (``sigma`` ms, step ``delta_t`` ms).

    Each sample is replaced by the Gaussian-weighted average of the samples within
    ``3 sigma`` of it, the trace counting as 0 mV beyond its ends (zero padding, as in
    ``numpy.convolve(..., mode="same")``): differences within about ``3 sigma`` of either end
    weigh less, down to about a quarter at the ends themselves. A kernel wider than the trace
    is truncated to it, which changes nothing (the part cut off falls on the padding), so
    any ``sigma`` works on any trace.

    ``sigma`` and ``delta_t`` must be numbers > 0 known before tracing (they set the kernel
    length; pass them as static arguments of ``jax.jit``). For no smoothing use `mse`.

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
    v, target = _same_shape("smoothed_mse", v, target)
    _time_axis("smoothed_mse", v)
    sigma = _static_positive("smoothed_mse", "sigma", sigma, " ms")
    delta_t = _static_positive("smoothed_mse", "delta_t", delta_t, " ms")
    reach = 3.0 * sigma / delta_t  # the kernel's half-width in samples
    if reach > _MAX_KERNEL_HALF_WIDTH:
        raise ValueError(
            f"smoothed_mse: sigma = {sigma} ms is {reach / 3:.3g} steps of delta_t = {delta_t} ms; "
            "smooth over fewer steps (is sigma in ms and delta_t the step of the traces?)"
        )
    half = max(1, round(reach))
    lags = jnp.arange(-half, half + 1, dtype=jnp.result_type(float)) * delta_t
    kernel = jnp.exp(-0.5 * (lags / sigma) ** 2)
    kernel = kernel / jnp.sum(kernel)
    n = v.shape[-1]
    cut = max(0, half - (n - 1))  # taps that reach past the trace from every sample
    kernel, half = kernel[cut : kernel.size - cut], half - cut

    def smooth(x: Array) -> Array:
        if not jnp.issubdtype(x.dtype, jnp.inexact):
            x = x.astype(jnp.result_type(float))
        k = jnp.asarray(kernel, dtype=x.dtype)
        rows = jax.vmap(lambda row: jnp.convolve(row, k)[half : half + n])(x.reshape(-1, n))
        return rows.reshape(x.shape)

    return jnp.mean((smooth(v) - smooth(target)) ** 2)


def soft_spike_count(
    v: Float[ArrayLike, "... time"], threshold: float = -20.0, sharpness: float = 1.0
) -> Array:
    """A differentiable count of upward threshold crossings along the last axis.

    Each step contributes ``sigmoid(k (v_next - threshold)) * (1 - sigmoid(k (v - threshold)))``
    with ``k = sharpness`` (1/mV): about 0 away from the threshold. A crossing adds about 1
    only when it takes one step, i.e. when ``k`` times the voltage change per step near the
    threshold is large; a crossing spread over several steps adds a little at each, more in
    total (a slow downward crossing adds too: a spike's repolarisation), so the count grows as ``delta_t`` shrinks (an HH spike train of 2 spikes counts
    3.05 at dt = 0.025 ms and 11.8 at 0.005 ms with ``k = 1``; 2.01 and 3.04 with ``k = 5``).
    Compare counts computed at the same ``delta_t`` and ``sharpness``, or raise
    ``sharpness`` until the count of a known trace is right.

    The gradient with respect to a model parameter ripples with where each upstroke falls on
    the time grid, and which ``k`` ripples less depends on the cell: over gK steps of 1e-4
    S/cm² on one HH cell firing twice, ``k = 1`` gave gradients from -78 to +26 around a
    trend of -4 and ``k = 5`` a steady -0.07 to -0.19; on another (20 µm soma, 0.3 nA for
    15 ms), ``k = 1`` a steady -16 to -3 (trend -10) while ``k = 5`` had the wrong sign at
    21 of 121 values and ``k = 20`` at 31. The count's gradient is a weak, grid-dependent
    signal: check it over a sweep of the parameter before relying on it, and prefer losses
    on the voltage traces (`smoothed_mse`) where they fit the problem. A trace resting at
    the threshold counts ``1/4`` per step (both sigmoids are 1/2): keep the threshold away
    from resting and plateau voltages.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> v = jnp.array([-65.0, -65.0, 30.0, -70.0, -65.0, 25.0, 0.0])
        >>> round(float(dx.fit.soft_spike_count(v, sharpness=2.0)), 3)
        2.0
    """
    v = _time_axis("soft_spike_count", v)
    _positive("soft_spike_count", "sharpness", sharpness, " 1/mV")
    _finite("soft_spike_count", "threshold", threshold, " mV")
    above = jax.nn.sigmoid(sharpness * (v - threshold))
    return jnp.sum(above[..., 1:] * (1.0 - above[..., :-1]), axis=-1)


def summary_statistics(
    v: Float[ArrayLike, "... time"], delta_t: float, threshold: float = -20.0, sharpness: float = 1.0
) -> Float[Array, "... 4"]:
    """Features of traces: mean (mV), standard deviation (mV), soft spike count (it depends on
    ``delta_t``: see `soft_spike_count`), and a soft
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
    v = _time_axis("summary_statistics", v, samples=2)
    _positive("summary_statistics", "delta_t", delta_t, " ms", scalar=True)
    _positive("summary_statistics", "sharpness", sharpness, " 1/mV")
    _finite("summary_statistics", "threshold", threshold, " mV")
    above = jax.nn.sigmoid(sharpness * (v - threshold))
    crossing = above[..., 1:] * (1.0 - above[..., :-1])
    reached = jnp.minimum(jnp.cumsum(crossing, axis=-1), 1.0)
    first = jnp.diff(reached, axis=-1, prepend=jnp.zeros_like(reached[..., :1]))
    t = (jnp.arange(v.shape[-1] - 1, dtype=v.dtype) + 1.0) * delta_t
    latency = jnp.sum(first * t, axis=-1) + (1.0 - reached[..., -1]) * t[-1]
    # The standard deviation's derivative is infinite at zero variance (a flat trace: a cell
    # at rest); there its gradient is taken as 0 instead of NaN. A NaN variance stays NaN (it
    # became 0, hiding a NaN trace from a loss on the standard deviation).
    var = jnp.var(v, -1)
    std = jnp.where(var == 0, 0.0, jnp.sqrt(jnp.where(var == 0, 1.0, var)))
    return jnp.stack([jnp.mean(v, -1), std, jnp.sum(crossing, -1), latency], axis=-1)
