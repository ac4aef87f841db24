"""Stimulus waveforms."""

from __future__ import annotations

import jax
import numpy as np

from ..static_values import as_written
from ..time_grid import checked_times

__all__ = ["step_current"]


def step_current(
    i_delay: float, i_dur: float, i_amp: float, delta_t: float, t_max: float, i_offset: float = 0.0
) -> np.ndarray:
    """A current step, as NEURON's ``IClamp``: ``i_amp`` (nA) from ``i_delay`` for ``i_dur`` ms.

    Returns one value per time point ``t_n = n * delta_t`` from 0 to ``t_max`` inclusive. The
    value at index ``n`` drives the step from ``t_n`` to ``t_n + delta_t`` (the last value
    drives no step); it is on when ``i_delay <= m_n < i_delay + i_dur``, with ``m_n`` the time
    at which NEURON's fixed step evaluates the clamp in step ``n``. NEURON starts from
    ``t = 0`` at ``finitialize`` and advances ``t`` by ``0.5 * delta_t`` twice per step, in
    float64, evaluating the clamp after the first addition; ``m_n`` is the ``2n + 1``-th
    partial sum of ``0.5 * delta_t``, added one at a time in float64 (so ``m_0 = 0.5 *
    delta_t`` exactly). With this round-off, an onset or offset that falls on a step's
    midpoint in exact arithmetic (``i_delay = 2.0125`` with ``delta_t = 0.025``) switches on
    the same step as NEURON's ``IClamp``.

    Args:
        i_delay: onset, ms.
        i_dur: duration, ms.
        i_amp: amplitude, nA.
        delta_t: time step, ms.
        t_max: end time, ms.
        i_offset: holding current outside the step, nA.

    Example:
        >>> import dendrax as dx
        >>> i = dx.step_current(i_delay=1.0, i_dur=2.0, i_amp=0.5, delta_t=0.025, t_max=5.0)
        >>> i.shape, float(i.sum() * 0.025)
        ((201,), 1.0)
    """
    t_max, delta_t, n_steps = checked_times(t_max, delta_t)
    values = {"i_delay": i_delay, "i_amp": i_amp, "i_offset": i_offset, "i_dur": i_dur}
    for name, value in values.items():
        if isinstance(value, jax.core.Tracer):
            raise TypeError(
                f"step_current: {name} takes a number, not a traced value: the waveform is fixed data "
                "made before the run. To differentiate with respect to the amplitude, pass "
                "a * dx.step_current(..., i_amp=1.0) as stimuli= to a dx.simulator at call time"
            )
        value = values[name] = as_written(value)  # a float32 0.0125 is 0.0125 (was one step late)
        try:
            number = None if isinstance(value, (bool, np.bool_, str)) or np.ndim(value) else float(value)
        except TypeError:
            number = None
        if number is None:
            raise TypeError(f"step_current: {name} takes a number; got {value!r}")
        endless = name == "i_dur" and number == np.inf  # a step that never ends
        if not (np.isfinite(number) or endless):
            raise ValueError(f"step_current: {name} must be a finite number; got {value!r}")
    i_delay, i_amp, i_offset, i_dur = values["i_delay"], values["i_amp"], values["i_offset"], values["i_dur"]
    if i_dur < 0:
        raise ValueError(f"i_dur must be >= 0 ms; got {i_dur}")
    # NEURON's t, half a step at a time: t_0 = 0, m_0, t_1, m_1, ... (cumsum adds in order).
    half_steps = np.cumsum(np.full(2 * (n_steps + 1), 0.5 * float(delta_t)))
    t_mid = half_steps[0::2]
    on = (t_mid >= float(i_delay)) & (t_mid < float(i_delay) + float(i_dur))
    return np.where(on, float(i_amp), float(i_offset))
