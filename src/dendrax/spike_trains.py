"""Spike trains: given spike times that drive event-driven synapses (NEURON's ``VecStim`` and
``NetStim``).

A train is a list of spike times (ms). `Network.add_spike_trains` adds trains to a network;
the selection it returns is the presynaptic side of `dx.connect` (and of the other
connection helpers), exactly as ``net.cell(...)`` is for spikes detected in a cell.

Timing. A train's spike at time ``t_s`` is rounded to the nearest time point of the run
(``round(t_s / delta_t)``, halves up) and then delivered like a cell's spike: a connection
with delay ``d`` delivers it ``round(d / delta_t)`` steps later. NEURON instead rounds
``t_s + d`` once, so the two agree exactly whenever the delays or the spike times are
multiples of ``delta_t`` (times are when they come from a run with the same step, from
`regular_spikes` with such a start and interval, or from `spike_raster`), and otherwise by at
most one step. At an exact tie, ``t_s + d`` an odd multiple of ``delta_t / 2`` (a delay of
1.0125 ms at 0.025 ms), we round up and NEURON's choice depends on its own round-off (up for
some such delays, down for others): avoid delays on half steps when comparing.
Spikes after ``t_max`` are never delivered; two spikes in one step each deliver their weight.

`spike_raster` turns trains into the per-time-point spike counts that ``integrate(...,
spike_trains=...)`` and a `Simulator` take at call time (so that ``jax.vmap`` runs a batch of
input patterns).

Cost. A run keeps the description's trains as a table of the trains that spike at each time
point (memory: time points × the most spikes at one point; new times compile the run again
only when that most passes a power of two); counts given at call time are
dense, one number per train per time point (8 bytes in float64: 1,000 trains over 1 s at
0.025 ms take 320 MB). Each connection is a synapse of its own: many trains onto one linear
synapse (``ExpSyn``, ``Exp2Syn``) with one weight act as one train of all their spikes, and
merging them (``np.concatenate``) saves the synapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from jaxtyping import Float

from .model.values import real_number

__all__ = ["checked_trains", "event_table", "poisson_spikes", "regular_spikes", "spike_raster"]


def checked_trains(trains: Any, where: str) -> list[np.ndarray]:
    """``trains`` (a list of trains, each a list of spike times in ms) checked, each train as
    a sorted float64 array. A flat list of numbers is refused: it is one train, not many."""
    if _one_value(trains) or isinstance(trains, (str, bytes)):
        raise TypeError(f"{where} takes a list of trains, each a list of spike times (ms); got {trains!r}")
    trains = list(trains)
    if trains and all(_one_value(t) for t in trains):
        raise TypeError(
            f"{where} takes a list of trains, each a list of spike times (ms), and got a flat list of "
            "numbers; for one train, pass [times]"
        )
    return [checked_train(t, f"{where}: train {i}") for i, t in enumerate(trains)]


def _one_value(x: Any) -> bool:
    """Whether ``x`` is one number (a Python or NumPy scalar, or a 0-d array)."""
    return isinstance(x, (int, float, np.number)) or getattr(x, "ndim", None) == 0


def checked_train(times: Any, where: str) -> np.ndarray:
    """``times`` (ms) as a sorted float64 array, checked: finite, >= 0, one dimension."""
    try:
        arr = np.asarray(times, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: a spike train is a list of spike times in ms; got {times!r}") from None
    if arr.ndim == 0:
        raise TypeError(f"{where}: a spike train is a list of spike times (ms), not one number; write [{times!r}]")
    if arr.ndim != 1:
        raise ValueError(f"{where}: a spike train is a 1-D list of spike times (ms); got an array of shape {arr.shape}")
    bad = arr[~(np.isfinite(arr) & (arr >= 0))]
    if len(bad):
        raise ValueError(f"{where}: spike times must be finite and >= 0 ms; got {float(bad[0])}")
    return np.sort(arr)


def regular_spikes(start: float, number: float, interval: float, *, stop: float | None = None) -> np.ndarray:
    """``number`` spikes, the first at ``start`` (ms), then one every ``interval`` (ms):
    NEURON's ``NetStim`` with ``noise = 0``; ``stop`` (ms) drops those after it (for
    NEURON's "until the end", ``number=1e9``, give ``stop=t_max``).

    Example:
        >>> import dendrax as dx
        >>> dx.regular_spikes(start=5.0, number=3, interval=10.0).tolist()   # ms
        [5.0, 15.0, 25.0]
        >>> len(dx.regular_spikes(start=0.0, number=1e9, interval=10.0, stop=1000.0))
        101
    """
    try:
        count = float(number)
    except (TypeError, ValueError):
        count = np.nan
    if isinstance(number, bool) or not (count >= 0 and count == np.floor(count)):
        raise ValueError(f"regular_spikes(number=...) takes a whole number of spikes >= 0; got {number!r}")
    start = real_number(start, "regular_spikes(start=...) (ms)")
    interval = real_number(interval, "regular_spikes(interval=...) (ms)")
    stop = None if stop is None else real_number(stop, "regular_spikes(stop=...) (ms)")
    if not (np.isfinite(start) and start >= 0):
        raise ValueError(f"regular_spikes(start=...) takes a time >= 0 ms; got {start!r}")
    if not (np.isfinite(interval) and interval > 0):
        raise ValueError(f"regular_spikes(interval=...) takes a time > 0 ms; got {interval!r}")
    if stop is not None:
        if not np.isfinite(stop):
            raise ValueError(f"regular_spikes(stop=...) takes a finite time (ms); got {stop!r}")
        count = min(count, max(np.floor((float(stop) - float(start)) / float(interval) + 1e-9) + 1, 0))
    if count > 1e8:
        raise ValueError(
            f"regular_spikes(number={number!r}) would make {count:.3g} spike times; give stop= (ms), e.g. stop=t_max"
        )
    return float(start) + float(interval) * np.arange(int(count), dtype=np.float64)


def poisson_spikes(rate: float, t_max: float, *, start: float = 0.0, seed: int | None = None) -> np.ndarray:
    """Spike times (ms) of a Poisson process of ``rate`` (Hz, spikes per second) from
    ``start`` to ``t_max`` (ms); reproducible with ``seed``. The times are continuous: a run
    rounds each to its time grid (see the module's notes on timing).

    Example:
        >>> import dendrax as dx
        >>> times = dx.poisson_spikes(rate=50.0, t_max=1000.0, seed=0)   # Hz, ms
        >>> 30 < len(times) < 70, bool((times >= 0).all() and (times < 1000.0).all())
        (True, True)
    """
    rate = real_number(rate, "poisson_spikes(rate=...) (Hz)")
    start, t_max = real_number(start, "poisson_spikes(start=...) (ms)"), real_number(t_max, "poisson_spikes(t_max) (ms)")
    if not (np.isfinite(rate) and rate >= 0):
        raise ValueError(f"poisson_spikes(rate=...) takes a rate >= 0 Hz; got {rate!r}")
    if not (np.isfinite(start) and np.isfinite(t_max) and 0 <= start <= t_max):
        raise ValueError(f"poisson_spikes needs 0 <= start <= t_max (ms); got start={start!r}, t_max={t_max!r}")
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate * (t_max - start) / 1000.0)
    return np.sort(rng.uniform(start, t_max, size=n))


def time_points(times: np.ndarray, delta_t: float, n_points: int) -> np.ndarray:
    """The time point of each spike before ``n_points``: `synaptic.nearest_step` of
    ``t / delta_t`` (halves up), as delays are rounded; later spikes are dropped."""
    from .synaptic import nearest_step

    times = np.asarray(times, np.float64)
    steps = times[times < n_points * delta_t] / delta_t  # no overflow for huge times
    k = nearest_step(steps, np).astype(np.int64)
    return k[k < n_points]


def event_table(trains: Sequence[np.ndarray], delta_t: float, n_points: int) -> np.ndarray:
    """(n_points, width) int32: the numbers of the trains that spike at each time point (a
    train twice for two spikes), padded with ``len(trains)``; ``width`` is the most spikes at
    one point, rounded up to a power of two (fewer compilations as the times change)."""
    points = [time_points(times, delta_t, n_points) for times in trains]
    k = np.concatenate(points) if points else np.zeros(0, np.int64)
    train = np.concatenate([np.full(len(p), i) for i, p in enumerate(points)]) if points else k
    order = np.argsort(k, kind="stable")
    k, train = k[order], train[order]
    per_point = np.bincount(k, minlength=n_points)
    width = 1 << int(max(per_point.max(initial=0), 1) - 1).bit_length()
    slot = np.arange(len(k)) - np.repeat(np.cumsum(per_point) - per_point, per_point)
    out = np.full((n_points, width), len(trains), np.int32)
    out[k, slot] = train
    return out


def spike_raster(
    trains: Sequence[Any], t_max: float, delta_t: float = 0.025
) -> Float[np.ndarray, "trains time_points"]:
    """Spike counts of each train at each time point ``0, delta_t, ..., t_max``, as a NumPy
    array of shape (n_trains, n_time_points): what ``integrate(..., spike_trains=...)`` takes.

    Example:
        >>> import dendrax as dx
        >>> dx.spike_raster([[0.05, 0.1], [0.1]], t_max=0.1, delta_t=0.025)
        array([[0., 0., 1., 0., 1.],
               [0., 0., 0., 0., 1.]])
    """
    from .time_grid import checked_times

    t_max, delta_t, n_steps = checked_times(t_max, delta_t)
    trains = checked_trains(trains, "spike_raster")
    out = np.zeros((len(trains), n_steps + 1))
    for row, times in zip(out, trains):
        np.add.at(row, time_points(times, delta_t, n_steps + 1), 1.0)
    return out
