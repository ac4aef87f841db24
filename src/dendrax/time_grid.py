"""The time grid of a simulation: ``t_max`` and ``delta_t`` (ms) and the steps between them."""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from .static_values import as_written

__all__ = ["checked_record_interval", "checked_times", "n_steps_of"]


#: Steps in one run at most: the step counter is a 32-bit integer.
MAX_STEPS = 2**31 - 2


def n_steps_of(t_max: Any, delta_t: Any) -> int:
    """The number of steps of ``delta_t`` in ``t_max`` (ms); see `checked_times`."""
    return checked_times(t_max, delta_t)[2]


def checked_times(t_max: Any, delta_t: Any) -> tuple[float, float, int]:
    """``t_max`` and ``delta_t`` (ms) as Python floats, and the number of steps between them.

    Raises a ValueError naming the value unless both are finite numbers > 0 and ``t_max`` is
    a whole number of steps (to 1e-9 relative), with a ``t_max`` that would be.

    Example:
        >>> import numpy as np
        >>> from dendrax.time_grid import checked_times
        >>> checked_times(20.0, np.float32(0.025))      # a float32 0.025 means 0.025
        (20.0, 0.025, 800)
    """
    checked = []
    for name, value in (("t_max", t_max), ("delta_t", delta_t)):
        if isinstance(value, jax.core.Tracer):
            raise TypeError(
                f"{name} must be a Python number (it fixes the number of steps), not a traced value"
            )
        value = as_written(value)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.floating, np.integer))
            or not (math.isfinite(value) and value > 0)
        ):
            raise ValueError(f"{name} must be a number > 0 ms; got {value!r}")
        checked.append(float(value))
    t_max, delta_t = checked
    n = round(t_max / delta_t)
    if n < 1 or abs(n * delta_t - t_max) > 1e-9 * max(1.0, t_max):
        raise ValueError(
            f"t_max = {t_max} ms is not a whole number of steps of delta_t = {delta_t} ms; "
            f"use e.g. t_max = {max(n, 1) * delta_t:g}"
        )
    if n > MAX_STEPS:
        raise ValueError(
            f"t_max = {t_max} ms in steps of delta_t = {delta_t} ms is {n:,} steps, more than a run can count "
            f"({MAX_STEPS:,}; each recording alone would hold {8 * (n + 1) / 2**30:,.0f} GiB in float64): use a larger "
            "delta_t or a shorter t_max"
        )
    return t_max, delta_t, int(n)


def checked_record_interval(interval: Any, t_max: float, delta_t: float) -> int:
    """Steps between kept recordings for ``integrate(..., record_interval=interval)`` (ms):
    1 for ``None``. Raises a ValueError naming the value unless it is a number > 0 that is a
    whole number of steps and divides ``t_max`` (both to 1e-9 relative).

    Example:
        >>> from dendrax.time_grid import checked_record_interval
        >>> checked_record_interval(0.1, 20.0, 0.025), checked_record_interval(None, 20.0, 0.025)
        (4, 1)
    """
    if interval is None:
        return 1
    if isinstance(interval, jax.core.Tracer):
        raise TypeError("record_interval must be a Python number (it fixes the recordings' shape), not a traced value")
    value = as_written(interval)  # a float32 0.1 is 0.1 here too (was "not a whole number of steps; use e.g. 0.1")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"record_interval must be a number > 0 ms (or None: every time point); got {interval!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"record_interval must be a number > 0 ms (or None: every time point); got {interval!r}")
    every = round(value / delta_t)
    if every < 1 or abs(every * delta_t - value) > 1e-9 * max(1.0, value):
        raise ValueError(
            f"record_interval = {value} ms is not a whole number of steps of delta_t = {delta_t} ms; "
            f"use e.g. {max(every, 1) * delta_t:g}"
        )
    n_steps = round(t_max / delta_t)
    if n_steps % every:
        raise ValueError(
            f"t_max = {t_max} ms is not a whole number of record_interval = {value} ms; "
            f"use e.g. t_max = {max(n_steps // every, 1) * every * delta_t:g}"
        )
    return int(every)

