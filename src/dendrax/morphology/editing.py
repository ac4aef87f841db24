"""Edit a cell's morphology: move it, rotate it, cut off a subtree.

Each function returns a new cell and leaves its argument unchanged. Moving and rotating
change the 3-D points only (not areas or resistances); a cell built by hand first gets the
laid-out coordinates of `dendrax.compute_xyz`.

Example:
    >>> import dendrax as dx
    >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    >>> moved = dx.move(cell, (0.0, 10.0, 0.0))
    >>> dx.compartment_centers(moved)[0].tolist()
    [25.0, 10.0, 0.0]
    >>> turned = dx.rotate(cell, 90.0, center=(0.0, 0.0, 0.0))
    >>> dx.compartment_centers(turned)[0].round(9).tolist()
    [0.0, 25.0, 0.0]
    >>> dx.delete_subtree(cell, 2).n_branches
    2
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import numpy as np

from ..model.module import Module
from ..model.site import Site
from ..model.tree import TreeData
from ..model.values import is_numeric, real_number
from .layout import _topological, branch_points, compute_xyz, point_at

__all__ = ["delete_subtree", "move", "rotate"]

M = TypeVar("M", bound=Module)


def _vector(value: Any, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64) if is_numeric(value) else None
    if arr is None or arr.shape != (3,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be three finite numbers (x, y, z) in µm; got {value!r}")
    return arr


def _check_module(module: Any, what: str) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{what}() takes a dx.Cell (or another module) as its first argument; got {type(module).__name__}")


def move(module: M, offset: Any) -> M:
    """A copy of the cell translated by ``offset`` = (dx, dy, dz), µm.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> moved = dx.move(cell, (0.0, 10.0, 0.0))                   # µm
        >>> dx.compartment_centers(moved)[:2].tolist()                # 10 µm up in y
        [[25.0, 10.0, 0.0], [75.0, 10.0, 0.0]]
        >>> dx.compartment_centers(cell)[:2].tolist()                 # the original is unchanged
        [[25.0, 0.0, 0.0], [75.0, 0.0, 0.0]]
    """
    _check_module(module, "move")
    shift = _vector(offset, "offset")
    new = module.copy()
    compute_xyz(new)
    new._data.points = [np.column_stack([p[:, :3] + shift, p[:, 3]]) for p in new._data.points]
    return new


def rotate(module: M, degrees: float, axis: Any = (0.0, 0.0, 1.0), center: Any = None) -> M:
    """A copy of the cell rotated by ``degrees`` about ``axis`` (a direction, default z)
    through ``center`` (µm; default the soma's middle, or the root's first point).

    Positive angles turn counter-clockwise when looking down the axis.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> turned = dx.rotate(cell, 90.0, center=(0.0, 0.0, 0.0))    # about z: x becomes y
        >>> dx.compartment_centers(turned)[:2].round(9).tolist()      # µm
        [[0.0, 25.0, 0.0], [0.0, 75.0, 0.0]]
    """
    _check_module(module, "rotate")
    angle = real_number(degrees, "rotate(module, degrees)")
    if not np.isfinite(angle):
        raise ValueError(f"degrees must be finite; got {degrees!r}")
    u = _vector(axis, "axis")
    norm = np.linalg.norm(u)
    if norm == 0.0:
        raise ValueError("axis must not be the zero vector")
    u = u / norm
    new = module.copy()
    compute_xyz(new)
    if center is None:
        c = _default_center(new)
    else:
        c = _vector(center, "center")
    theta = np.deg2rad(angle)
    k = np.array([[0.0, -u[2], u[1]], [u[2], 0.0, -u[0]], [-u[1], u[0], 0.0]])
    rot = np.eye(3) + np.sin(theta) * k + (1.0 - np.cos(theta)) * (k @ k)
    new._data.points = [np.column_stack([(p[:, :3] - c) @ rot.T + c, p[:, 3]]) for p in new._data.points]
    return new


def _default_center(module: Module) -> np.ndarray:
    from .anatomy import soma_point

    pts = branch_points(module)
    try:
        b, x = soma_point(module)
    except ValueError:
        root = int(np.flatnonzero(module._data.parent == -1)[0])
        return pts[root][0, :3].copy()
    return point_at(pts[b], x)


def delete_subtree(module: M, branch: int) -> M:
    """A copy of the cell without ``branch`` and everything that hangs on it.

    Mechanisms, parameter values and groups of the other compartments are kept, and so are
    stimuli, clamps, recordings and trainables (renumbered: a trainable keeps the values
    that still drive a compartment, and is dropped where none does); stimuli, clamps and
    recordings must not be in the removed part (delete them first). A cell only: edit a
    network's cells before building the network.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> pruned = dx.delete_subtree(cell, 2)
        >>> pruned.n_branches, pruned.n_comps, dx.total_length(pruned)   # µm
        (2, 4, 200.0)
        >>> cell.n_branches                                              # the original is unchanged
        3
    """
    from ..model.network import Network

    _check_module(module, "delete_subtree")
    if isinstance(module, Network):
        raise TypeError(
            "delete_subtree edits one cell, not a network (its cells, synapses and spike sources would be "
            "misnumbered): delete the subtree from the cell, then build the network from the result"
        )
    data = module._data
    if isinstance(branch, bool) or not isinstance(branch, (int, np.integer)):
        raise TypeError(f"branch must be an integer branch index; got {branch!r}")
    b0 = int(branch)
    if not 0 <= b0 < data.n_branches:
        raise IndexError(f"branch {b0} is out of range: there are {data.n_branches}")
    if data.parent[b0] == -1:
        raise ValueError(f"branch {b0} is the root; deleting it would delete the whole cell")
    remove = np.zeros(data.n_branches, dtype=bool)
    for b in _topological(data.parent):
        p = data.parent[b]
        remove[b] = b == b0 or (p >= 0 and remove[p])
    keep = ~remove
    new_branch = np.cumsum(keep) - 1
    comp_keep = keep[data.comp_branch]
    new_comp = np.cumsum(comp_keep) - 1
    parent = data.parent[keep]
    new_data = TreeData(
        ncomp=data.ncomp[keep].copy(),
        parent=np.where(parent >= 0, new_branch[np.maximum(parent, 0)], -1),
        parent_x=data.parent_x[keep].copy(),
        columns={k: v[comp_keep] for k, v in data.columns.items()},
        shape={k: v[comp_keep] for k, v in data.shape.items()},
        points=[None if p is None else p.copy() for p, k in zip(data.points, keep) if k],
        # A group the deletion emptied goes, as in a cell read without it.
        groups={g: m[comp_keep] for g, m in data.groups.items() if m[comp_keep].any()},
    )

    def remap(site: Site, what: str) -> Site:
        if site.kind == "comp":
            if not comp_keep[site.index]:
                raise ValueError(
                    f"a {what} is at {site.describe()}, in the subtree being deleted; remove it first "
                    "(delete_stimuli() / delete_recordings())"
                )
            return Site("comp", int(new_comp[site.index]))
        if not keep[site.index]:
            raise ValueError(
                f"a {what} is at {site.describe()}, in the subtree being deleted; remove it first"
            )
        return Site(site.kind, int(new_branch[site.index]))

    new = module.copy()
    new._data = new_data
    new._mechanisms = {
        name: (mech, mask[comp_keep])
        for name, (mech, mask) in module._mechanisms.items()
        if mask[comp_keep].any()
    }
    new._stimuli = [(remap(s, "stimulus"), w) for s, w in module._stimuli]  # read-only, shared
    new._clamps = [(remap(s, "clamp"), name, w) for s, name, w in module._clamps]
    new._recordings = [(remap(s, "recording"), v) for s, v in module._recordings]
    new._trainables = [t for t in (_kept_trainable(t, comp_keep, new_comp) for t in module._trainables) if t]
    new._touch()
    return new


def _kept_trainable(t, comp_keep: np.ndarray, new_comp: np.ndarray):
    """A trainable on the compartments that remain (renumbered), with the values that still
    drive one of them; None where none remains. Model-wide trainables are kept as they are."""
    if t.over != "compartments" or len(t.comps) == 0:
        return t
    kept = comp_keep[t.comps]
    if not kept.any():
        return None
    values, value_index = np.unique(t.value_index[kept], return_inverse=True)
    return dataclasses.replace(
        t, comps=new_comp[t.comps[kept]], value_index=value_index.reshape(-1), initial=np.asarray(t.initial)[values]
    )
