"""Plot recorded traces against time in ms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _mpl

__all__ = ["traces"]


def traces(
    values: Any,
    delta_t: float,
    *,
    ax: Any = None,
    labels: Sequence[str] | None = None,
    t0: float = 0.0,
    ylabel: str = "v (mV)",
    **line_kwargs: Any,
):
    """Plot recordings (as returned by `dx.integrate`: one row per recording) against time.

    Args:
        values: (n_recordings, n_time_points) or (n_time_points,) array.
        delta_t: time step, ms (the columns are at ``t0 + k * delta_t``).
        ax: the Axes to draw in; default a new figure.
        labels: one legend label per recording.
        t0: time of the first column, ms.
        ylabel: the y-axis label.
        **line_kwargs: passed to ``ax.plot`` (colour, line width, ...).

    Returns:
        The Axes.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> import dendrax as dx
        >>> ax = dx.plot.traces(np.zeros((2, 41)), delta_t=0.025, labels=["soma", "dendrite"])
        >>> ax.get_xlabel(), ax.lines[0].get_xdata()[-1]
        ('time (ms)', np.float64(1.0))
    """
    plt = _mpl.pyplot()
    data = np.asarray(values, dtype=np.float64)
    if data.ndim == 1:
        data = data[None]
    if data.ndim != 2:
        raise ValueError(
            f"values must be (n_recordings, n_time_points) or (n_time_points,); got shape {data.shape}"
        )
    dt = float(delta_t)
    if not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"delta_t must be > 0 ms; got {delta_t!r}")
    if isinstance(labels, str):  # a string is a sequence of letters: "soma" labelled four rows
        if data.shape[0] != 1:
            raise ValueError(f"labels takes one string per recording ({data.shape[0]}); got the string {labels!r}")
        labels = [labels]
    if labels is not None and len(labels) != data.shape[0]:
        raise ValueError(f"labels has {len(labels)} entries for {data.shape[0]} recordings")
    if ax is None:
        ax = plt.figure().add_subplot()
    t = t0 + dt * np.arange(data.shape[1])
    for k, row in enumerate(data):
        ax.plot(t, row, label=None if labels is None else labels[k], **line_kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if labels is not None:
        ax.legend()
    return ax
