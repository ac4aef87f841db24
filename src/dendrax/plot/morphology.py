"""Draw a cell's morphology in a 2-D projection or in 3-D, coloured per compartment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..morphology.layout import branch_points
from . import _mpl

if TYPE_CHECKING:
    from ..model.module import Module

__all__ = ["compartment_polylines", "morphology"]


def compartment_polylines(module: Module) -> tuple[list[np.ndarray], np.ndarray]:
    """Each compartment's piece of its branch's 3-D polyline, (m, 3) µm, and its mean
    diameter (µm), in compartment order."""
    data = module._data
    lines: list[np.ndarray] = []
    for b, pts in enumerate(branch_points(module)):
        xyz = pts[:, :3]
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))])
        ncomp = int(data.ncomp[b])
        length = data.columns["length"][data.comp_start[b] : data.comp_start[b] + ncomp]
        # Compartment boundaries in proportion to their lengths (equal ones: NEURON's division).
        bounds = arc[-1] * np.concatenate([[0.0], np.cumsum(length)]) / np.sum(length)
        for k in range(ncomp):
            lo, hi = bounds[k], bounds[k + 1]
            inside = (arc > lo) & (arc < hi)
            at = np.concatenate([[lo], arc[inside], [hi]])
            lines.append(np.stack([np.interp(at, arc, xyz[:, j]) for j in range(3)], axis=1))
    return lines, 2.0 * data.columns["radius"].copy()


def morphology(
    module: Module,
    color: Any = None,
    *,
    ax: Any = None,
    dims: tuple[int, ...] = (0, 1),
    cmap: Any = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    linewidth: float | None = None,
    colorbar: bool = True,
    label: str | None = None,
):
    """Plot ``module``'s compartments as lines, in the projection on ``dims``.

    Args:
        module: a cell (branches built by hand are laid out as in `dx.compute_xyz`), or a
            selection of one (``cell.apical``): only its compartments are drawn. A network
            is drawn with each cell at its own coordinates (`dx.move` its cells apart
            before building it if they overlap).
        color: one value per compartment drawn (e.g. voltages, `dx.path_distance(cell)`;
            for a selection, also one per compartment of the cell) mapped through ``cmap``;
            or one matplotlib colour (a name, or an RGB(A) tuple); or (n, 3 or 4) RGB(A)
            rows. Default black. A NaN value leaves its compartment undrawn.
        ax: the matplotlib Axes to draw in (a 3-D Axes when ``dims`` has three entries);
            default a new figure.
        dims: which coordinates to show: ``(0, 1)`` is x-y, ``(0, 2)`` x-z, ``(1, 2)`` y-z,
            ``(0, 1, 2)`` a 3-D view.
        cmap, vmin, vmax: colour map and its range for numeric ``color``.
        linewidth: line width in points; default proportional to each compartment's diameter
            (1 µm -> 1 point, clipped to [0.5, 8]).
        colorbar: add a colour bar for numeric ``color``.
        label: the colour bar's label.

    Returns:
        The Axes.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
        >>> ax = dx.plot.morphology(cell, color=dx.path_distance(cell, origin=(0, 0.0)), label="µm")
        >>> len(ax.collections[0].get_segments())
        12
    """
    from ..model.module import Module
    from ..model.view import View

    plt = _mpl.pyplot()
    selected = None
    if isinstance(module, View):
        # In the selection's order (each compartment once): values given per selected
        # compartment are in that order (sorted, branch([2, 1]) drew each branch in the
        # other's colour: a review).
        selected = module.comps
        _, first = np.unique(selected, return_index=True)
        module, drawn = module._module, selected[np.sort(first)]
        if not len(drawn):
            raise ValueError("morphology() of an empty selection: it selects no compartment to draw")
    elif isinstance(module, Module):
        drawn = None
    else:
        raise TypeError(f"morphology() takes a cell, network or selection of one; got {type(module).__name__}")
    dims = tuple(int(d) for d in dims)
    if len(dims) not in (2, 3) or any(d not in (0, 1, 2) for d in dims) or len(set(dims)) != len(dims):
        raise ValueError(f"dims must be two or three different axes among 0 (x), 1 (y), 2 (z); got {dims}")
    lines, diameter = compartment_polylines(module)
    n_all = len(lines)
    if drawn is not None:
        lines, diameter = [lines[k] for k in drawn], diameter[drawn]
    n = len(lines)
    if vmin is not None and vmax is not None and float(vmin) > float(vmax):
        raise ValueError(f"vmin ({vmin}) is above vmax ({vmax}): give the colour range low to high")
    if linewidth is not None and not (np.isfinite(float(linewidth)) and float(linewidth) > 0.0):
        raise ValueError(f"linewidth must be > 0 points; got {linewidth!r}")
    segments = [line[:, dims] for line in lines]
    widths = np.clip(diameter, 0.5, 8.0) if linewidth is None else np.full(n, float(linewidth))
    three_d = len(dims) == 3
    if ax is None:
        fig = plt.figure()
        ax = fig.add_subplot(projection="3d" if three_d else None)
    elif three_d != hasattr(ax, "set_zlim"):
        raise ValueError(
            f"dims={dims} needs a {'3-D' if three_d else '2-D'} Axes; got a "
            f"{'2-D' if three_d else '3-D'} one ("
            + ("make it with fig.add_subplot(projection='3d')" if three_d else "or pass dims=(0, 1, 2)")
            + ")"
        )
    if three_d:
        Collection = _mpl.module("mpl_toolkits.mplot3d.art3d").Line3DCollection
    else:
        Collection = _mpl.module("matplotlib.collections").LineCollection
    numeric = None
    if color is None:
        coll = Collection(segments, colors="k", linewidths=widths)
    elif isinstance(color, str) or (
        isinstance(color, tuple) and len(color) in (3, 4) and len(color) != n
        and _mpl.module("matplotlib.colors").is_color_like(color)
    ):  # one colour: a name, or an RGB(A) tuple (a tuple of n values is one per compartment)
        coll = Collection(segments, colors=[color] * n, linewidths=widths)
    else:
        values = np.asarray(color)
        if drawn is not None and values.shape[:1] == (n_all,) and n_all != n:
            values = values[drawn]  # values for the whole cell: those of the selection
        elif selected is not None and values.shape[:1] == (len(selected),) != (n,):
            values = values[np.sort(first)]  # a selection that lists compartments twice
        if values.shape == (n,) and values.dtype.kind in "biuf":
            numeric = values.astype(np.float64)
            if n and not np.isfinite(numeric).any():
                raise ValueError("color has no finite value to map through the colour map")
            if np.isinf(numeric).any():  # the colour range became (.., inf): one colour for all
                k = int(np.flatnonzero(np.isinf(numeric))[0])
                raise ValueError(
                    f"color value {k} (of the compartments drawn) is {numeric[k]}: give finite values (NaN leaves a "
                    "compartment undrawn)"
                )
            coll = Collection(segments, cmap=cmap, linewidths=widths)
            coll.set_array(numeric)
            coll.set_clim(
                vmin if vmin is not None else np.nanmin(numeric),
                vmax if vmax is not None else np.nanmax(numeric),
            )
        elif values.ndim == 2 and values.shape[0] == n and values.shape[1] in (3, 4):
            coll = Collection(segments, colors=values, linewidths=widths)
        else:
            raise ValueError(
                f"color must be one number per compartment ({n}), a matplotlib colour, or ({n}, 3|4) RGB(A) rows; "
                f"got an array of shape {values.shape}"
            )
    ax.add_collection(coll)
    names = ("x (µm)", "y (µm)", "z (µm)")
    allpts = np.concatenate(segments) if segments else np.zeros((1, len(dims)))
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    pad = 0.05 * max(float(np.max(hi - lo)), 1.0)
    if three_d:
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_zlim(lo[2] - pad, hi[2] + pad)
        ax.set_box_aspect(hi - lo + 2 * pad)  # to scale, as the 2-D views (equal aspect)
        ax.set_xlabel(names[dims[0]])
        ax.set_ylabel(names[dims[1]])
        ax.set_zlabel(names[dims[2]])
    else:
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_aspect("equal")
        ax.set_xlabel(names[dims[0]])
        ax.set_ylabel(names[dims[1]])
    if numeric is not None and colorbar:
        cb = ax.figure.colorbar(coll, ax=ax)
        if label:
            cb.set_label(label)
    return ax
