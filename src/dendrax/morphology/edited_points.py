"""3-D points for branches whose lengths or radii were set after their points were read.

``View.set("radius" | "length", ...)`` changes compartments, not the branch's stored 3-D
points (NEURON's ``sec.diam = ...`` rewrites the points). What reads the geometry in space
(`layout.branch_points`: centres, Euclidean distances, plots, `dx.write_swc`) needs points
that describe the compartments as they are: `points_as_set` rebuilds them. Compartment ``i`` of a branch of arc length ``S`` covers the
arc from ``i S / n`` to ``(i + 1) S / n`` (NEURON's equal division); its piece of the path
is stretched to the compartment's length, and its radii become the set radius (a cylinder,
as `set` makes it) or, for a compartment that kept its shape (``keep_shape=True``, or not
set), are scaled by the change of its mean radius. Where that cannot reproduce the
compartments (unequal lengths within a branch, which NEURON's equal division cannot give; a
step of radius between compartments, which NEURON reads with the annulus between them) the
result is the closest such points, and the error is reported.
"""

from __future__ import annotations

import numpy as np

from .frustum import arc_lengths, branch_geometry

__all__ = ["points_as_set"]

#: Relative difference below which points and compartments agree: read with NEURON's
#: float32 rounding of the points, a cell's compartments differ from its float64 points by
#: ~1e-7; any edit worth writing is far larger.
SAME = 1e-5


def points_as_set(data, points: list[np.ndarray]) -> tuple[list[np.ndarray], dict[int, float]]:
    """Per branch, points that give its compartments as they are now; and, for branches
    where points cannot, the largest relative error of a compartment's area or length.

    ``data``: the cell's `TreeData`; ``points``: its branches' (P, 4) points (x, y, z,
    radius, µm), stored or laid out.
    """
    out = list(points)
    approximate: dict[int, float] = {}
    for b, pts in enumerate(points):
        n = int(data.ncomp[b])
        comps = int(data.comp_start[b]) + np.arange(n)
        length = data.columns["length"][comps]
        radius = data.columns["radius"][comps]
        area = 2.0 * np.pi * radius * length * data.shape["area_factor"][comps]
        now = branch_geometry(pts[:, :3], 2.0 * pts[:, 3], n)
        if _error(now, length, radius, area) <= SAME:
            continue
        cylinder = np.all([data.shape[k][comps] == 1.0 for k in data.shape], axis=0)
        out[b] = _rebuilt(pts, now.radius, length, radius, cylinder)
        error = _error(branch_geometry(out[b][:, :3], 2.0 * out[b][:, 3], n), length, radius, area)
        if error > SAME:
            approximate[b] = error
    return out, approximate


def _error(geo, length, radius, area) -> float:
    return float(
        max(
            np.max(np.abs(geo.length / length - 1.0)),
            np.max(np.abs(geo.radius / radius - 1.0)),
            np.max(np.abs(geo.area / area - 1.0)),
        )
    )


def _rebuilt(pts, old_radius, length, radius, cylinder) -> np.ndarray:
    """The branch's path cut into its compartments' pieces, each stretched to its length,
    with the set radius (cylinders) or scaled radii, joined end to end."""
    xyz = pts[:, :3]
    arc = arc_lengths(xyz)
    n = len(length)
    step = arc[-1] / n
    rows: list[np.ndarray] = []
    cursor = xyz[0]
    for i in range(n):
        a, z = i * step, (i + 1) * step
        s = np.concatenate([[a], arc[(arc > a) & (arc < z)], [z]])
        piece = np.column_stack([np.interp(s, arc, xyz[:, k]) for k in range(3)])
        piece = cursor + (piece - piece[0]) * (length[i] / step)
        r = np.full(len(s), radius[i]) if cylinder[i] else np.interp(s, arc, pts[:, 3]) * (radius[i] / old_radius[i])
        block = np.column_stack([piece, r])
        if rows and rows[-1][-1, 3] == block[0, 3]:
            block = block[1:]  # the same point: no step of radius
        rows.append(block)
        cursor = piece[-1]
    return np.concatenate(rows)
