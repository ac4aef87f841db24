"""Edit a cell's morphology: move it, rotate it, cut off a subtree, replace its axon by a stub.

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

__all__ = ["delete_subtree", "move", "replace_axon", "rotate"]

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
    keep = np.ones(data.n_branches, dtype=bool)
    keep[_subtree(data.parent, b0)] = False
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


# Hay et al. (2011)'s stub: two sections of 30 µm and diameter 1 µm on soma(0.5).
HAY_AXON_STUB = ((30.0, 30.0), 0.5)


def replace_axon(cell: M, lengths: Any = HAY_AXON_STUB[0], radius: float = HAY_AXON_STUB[1], ncomp: int = 1) -> M:
    """A copy of ``cell`` whose axon (group ``axon``) is replaced by a stub: a chain of
    cylinders hanging on the soma's middle, NEURON's ``connect axon[0](0), soma(0.5)``.

    The default is the stub of Hay et al. (2011)'s published model (their template deletes
    the reconstructed axon and adds two sections of 30 µm, diameter 1 µm, one compartment
    each): build their cell as ``hay_l5pc(dx.replace_axon(dx.read_swc(path, discretization=dx.OddCount(40.0))))``. Models fitted
    with such a stub need it; the reconstructed axon loads the soma differently (Hay's
    somatic spikes move by tens of ms).

    Args:
        cell: a cell with a ``soma`` group (from `read_swc`); it is left unchanged.
        lengths: the stub's branches, soma outwards (µm).
        radius: their radius (µm).
        ncomp: compartments per branch.

    Returns:
        A new cell: the old branches keep their order, values, mechanisms, stimuli and
        recordings (those on the axon must be deleted first); the stub's branches come last,
        in the ``axon`` group, with NEURON's defaults for a new section (cm 1 µF/cm², Ra
        35.4 Ω·cm, v -65 mV) and no mechanisms: replace the axon before inserting them (an
        ion that diffuses needs its writer on the stub too, or the cell does not compile).
        Trainables keep the values that still drive a compartment.

    Example:
        >>> import dendrax as dx
        >>> soma = dx.Branch(length=20.0, radius=10.0)
        >>> axon = dx.Branch(length=1000.0, radius=0.5, ncomp=10)
        >>> cell = dx.Cell([soma, axon, axon], parents=[-1, 0, 1])
        >>> cell.add_group("soma", cell.branch(0))
        >>> cell.add_group("axon", cell.branch([1, 2]))
        >>> stub = dx.replace_axon(cell)
        >>> stub.n_branches, dx.total_length(stub.axon), stub.branch(1).get("radius").tolist()
        (3, 60.0, [0.5])
    """
    from ..model.cell import Cell, _check_ncomp
    from ..model.tree import GEOMETRY_RANGE
    from ..model.values import real_values
    from .anatomy import soma_point

    if not isinstance(cell, Cell):
        raise TypeError(f"replace_axon() takes a dx.Cell; got {type(cell).__name__}")
    lengths = real_values(lengths, "lengths (µm)").reshape(-1)
    radius = real_number(radius, "radius (µm)")
    ncomp = _check_ncomp(ncomp)
    lo, hi = GEOMETRY_RANGE
    for name, values in (("lengths", lengths), ("radius", np.array([radius]))):
        if len(values) == 0 or not np.all((values >= lo) & (values <= hi)):
            raise ValueError(f"replace_axon(): {name} must be one or more values between {lo:g} and {hi:g} µm; got {values.tolist()}")
    if "soma" not in cell.groups:
        raise ValueError(
            f"replace_axon() hangs the stub on the soma, but the cell has no 'soma' group (groups: {cell.groups}); "
            "name it with cell.add_group('soma', cell.branch(0))"
        )
    new = cell
    while True:
        data = new._data
        axon = data.groups.get("axon", np.zeros(data.n_comps, bool))[data.comp_start]
        roots = [b for b in range(data.n_branches) if axon[b] and (data.parent[b] < 0 or not axon[data.parent[b]])]
        if not roots:
            break
        b = roots[0]
        if data.parent[b] < 0:
            raise ValueError(f"branch {b}, the cell's root, is axon: replace_axon() keeps the root (a soma)")
        below = _subtree(data.parent, b)
        other = [int(k) for k in below if not axon[k]]
        if other:
            raise ValueError(
                f"branch {other[0]} is not axon but hangs on the axon (branch {b}); replace_axon() would delete it. "
                "Delete it (dx.delete_subtree) or take it out of the 'axon' group first"
            )
        new = delete_subtree(new, b)  # refuses stimuli, clamps and recordings on the axon
    if new is cell:
        new = cell.copy()
    data = new._data
    soma_branch = soma_point(new)[0]  # NEURON's soma[0]: the root if it is soma
    stub = []
    for length in lengths:
        piece = TreeData.cylinder(float(length), radius, ncomp)
        piece.groups = {"axon": np.ones(ncomp, dtype=bool)}
        stub.append(piece)
    n = data.n_branches
    parent = np.concatenate([data.parent, [soma_branch], n + np.arange(len(stub) - 1)])
    parent_x = np.concatenate([data.parent_x, [0.5], np.ones(len(stub) - 1)])
    new._data = TreeData.concatenate([data, *stub], parent, parent_x)
    added = new._data.n_comps - data.n_comps
    new._mechanisms = {k: (m, np.concatenate([mask, np.zeros(added, bool)])) for k, (m, mask) in new._mechanisms.items()}
    new._touch()
    return new


def _subtree(parent: np.ndarray, branch: int) -> np.ndarray:
    """``branch`` and every branch below it."""
    inside = np.zeros(len(parent), dtype=bool)
    for b in _topological(parent):
        inside[b] = b == branch or (parent[b] >= 0 and inside[parent[b]])
    return np.flatnonzero(inside)

