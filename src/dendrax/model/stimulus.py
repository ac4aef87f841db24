"""Stimulus waveforms."""

from __future__ import annotations

import numpy as np

__all__ = ["step_current"]


def step_current(
    i_delay: float, i_dur: float, i_amp: float, delta_t: float, t_max: float, i_offset: float = 0.0
) -> np.ndarray:
    """A current step, as NEURON's ``IClamp``: ``i_amp`` (nA) from ``i_delay`` for ``i_dur`` ms.

    Returns one value per time point ``t_n = n * delta_t`` from 0 to ``t_max`` inclusive. The
    value at index ``n`` drives the step from ``t_n`` to ``t_n + delta_t``; like NEURON, which
    evaluates the clamp in the middle of each step, it is on when ``i_delay <= t_n +
    delta_t / 2 < i_delay + i_dur``.

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
    for name, value in (("delta_t", delta_t), ("t_max", t_max)):
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be > 0 ms; got {value}")
    if i_dur < 0:
        raise ValueError(f"i_dur must be >= 0 ms; got {i_dur}")
    n_steps = int(round(t_max / delta_t))
    t_mid = np.arange(n_steps + 1) * delta_t + delta_t / 2.0
    on = (t_mid >= i_delay) & (t_mid < i_delay + i_dur)
    return np.where(on, float(i_amp), float(i_offset))
