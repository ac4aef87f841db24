"""3-D points of every branch: the stored ones, or coordinates laid out from the lengths.

A cell read from SWC has 3-D points on every branch. A cell built by hand (`dx.Branch` with
``length`` and ``radius``) has none; for plotting and Euclidean measures its branches are
laid out in the xy plane as NEURON's ``define_shape`` does: the root along +x from the
origin, a child from the point where it connects, in its parent's direction (reversed when
it hangs on the parent's first half, turned by 90° when it hangs inside the parent), with
siblings at the same place fanned over ±0.4 rad, the first at +0.4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..model.module import Module
    from ..model.tree import TreeData

__all__ = ["branch_points", "compute_xyz", "point_at", "points_now"]


def branch_points(module: Module) -> list[np.ndarray]:
    """Per branch, its 3-D points (P, 4): x, y, z, radius in µm, as the compartments are now.

    The stored points (or, for branches built by hand, points laid out from the lengths),
    rebuilt where ``set("length" | "radius", ...)`` changed a branch after they were read
    (`edited_points.points_as_set`: each compartment's piece of the path stretched to its
    length), with everything hanging on a changed branch moved along, so that it stays
    attached (as NEURON's ``sec.L = ...`` moves the children).

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> pts = dx.branch_points(cell)
        >>> pts[0][[0, -1], :3].tolist()
        [[0.0, 0.0, 0.0], [100.0, 0.0, 0.0]]
    """
    return points_now(module._data)[0]


def points_now(data: TreeData) -> tuple[list[np.ndarray], dict[int, float]]:
    """`branch_points` of the cell ``data``, and the branches whose compartments the points
    can describe only approximately (`edited_points.points_as_set`), with the error."""
    from .edited_points import points_as_set

    stored = list(data.points) if all(p is not None for p in data.points) else _laid_out(data)
    rebuilt, approximate = points_as_set(data, stored)
    if all(a is b for a, b in zip(rebuilt, stored)):
        return rebuilt, approximate
    out = list(rebuilt)
    for b in _topological(data.parent):
        p, x = int(data.parent[b]), float(data.parent_x[b])
        if p >= 0:  # where the branch hangs, moved by the edits of its parent and above
            shift = point_at(out[p], x) - point_at(stored[p], x)
            out[b] = np.column_stack([rebuilt[b][:, :3] + shift, rebuilt[b][:, 3]])
    return out, approximate


def compute_xyz(module: Module) -> None:
    """Give every branch without 3-D points the laid-out ones (in place; geometry used in
    simulation is unchanged: it comes from the compartments' lengths and radii).

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=50.0, radius=1.0)] * 2, parents=[-1, 0])
        >>> dx.compute_xyz(cell)
        >>> cell._data.points[1][-1, :3].tolist()
        [100.0, 0.0, 0.0]
    """
    data = module._data
    if any(p is None for p in data.points):
        data.points = _laid_out(data)


def point_at(points: np.ndarray, x: float | np.ndarray) -> np.ndarray:
    """Coordinates (µm) at fraction ``x`` of the arc length along a branch's points."""
    xyz = points[:, :3]
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))])
    target = np.asarray(x, dtype=np.float64) * arc[-1]
    return np.stack([np.interp(target, arc, xyz[:, k]) for k in range(3)], axis=-1)


def _topological(parent: np.ndarray) -> list[int]:
    children: dict[int, list[int]] = {}
    for b, p in enumerate(parent):
        children.setdefault(int(p), []).append(b)
    order, stack = [], list(reversed(children.get(-1, [])))
    while stack:
        b = stack.pop()
        order.append(b)
        stack.extend(reversed(children.get(b, [])))
    return order


def _laid_out(data: TreeData) -> list[np.ndarray]:
    starts = data.comp_start
    length = data.columns["length"]
    radius = data.columns["radius"]
    out: list[np.ndarray | None] = list(data.points)
    siblings: dict[tuple[int, float], list[int]] = {}
    for b, (p, x) in enumerate(zip(data.parent, data.parent_x)):
        siblings.setdefault((int(p), float(x)), []).append(b)
    for b in _topological(data.parent):
        if out[b] is not None:
            continue
        p, x = int(data.parent[b]), float(data.parent_x[b])
        if p < 0:
            start, angle = np.zeros(3), 0.0
        else:
            ppts = out[p]
            start = point_at(ppts, x)
            direction = ppts[-1, :3] - ppts[0, :3]
            angle = float(np.arctan2(direction[1], direction[0])) if np.hypot(*direction[:2]) > 1e-6 else 0.0
            if x < 0.5:
                angle += np.pi
            if 0.0 < x < 1.0:
                angle += np.pi / 2.0
            group = siblings[(p, x)]
            if len(group) > 1:  # the first at +0.4 rad, as define_shape fans them
                angle += 0.4 - group.index(b) / (len(group) - 1.0) * 0.8
        n = int(data.ncomp[b])
        comps = starts[b] + np.arange(n)
        bounds = np.concatenate([[0.0], np.cumsum(length[comps])])
        along = np.repeat(bounds, 2)[1:-1]  # each compartment's start and end
        unit = np.array([np.cos(angle), np.sin(angle), 0.0])
        xyz = start + along[:, None] * unit
        out[b] = np.column_stack([xyz, np.repeat(radius[comps], 2)])
    return out  # type: ignore[return-value]
