"""The three ways to describe a neuron by hand: a compartment, a branch, a cell of branches."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..morphology.frustum import branch_geometry
from .module import Module, joined_model_wide, warn_dropped_attachments
from .tree import CABLE_DEFAULTS, GEOMETRY_RANGE, TreeData, geometry_error
from .values import real_values
from .view import View, user_stacklevel

# µm: thinner than a membrane is thick; a radius below it is a unit slip (metres, mm).
THINNEST_NEURITE = 0.01

__all__ = ["Branch", "Cell", "Compartment"]

# NEURON's default section: L = 100 µm, diam = 500 µm.
DEFAULT_LENGTH = 100.0
DEFAULT_RADIUS = 250.0


class Compartment(Module):
    """A single isopotential compartment: a cylinder of ``length`` and ``radius`` (µm).

    The defaults are NEURON's for a new section (L = 100 µm, diam = 500 µm).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> comp = dx.Compartment(length=20.0, radius=10.0)
        >>> comp.insert(HH())
        >>> comp.record("v")
        >>> v = dx.integrate(comp, t_max=5.0)
        >>> v.shape
        (1, 201)
    """

    def __init__(self, length: float = DEFAULT_LENGTH, radius: float = DEFAULT_RADIUS, **unknown: Any):
        _refuse_unknown("Compartment", unknown)
        super().__init__(_cylinder(length, radius, 1))


class Branch(Module):
    """An unbranched cable (NEURON's section) cut into ``ncomp`` equal-length compartments.

    Either a cylinder of total ``length`` and ``radius`` (µm; NEURON's defaults 100 and
    250), or the cable through ``points``: an array of shape (P, 4) of x, y, z and radius
    in µm, whose radius varies linearly between points (areas and axial resistances are
    those of the frustums, as in NEURON, computed in float64 from the points as given;
    NEURON's ``pt3dadd`` stores points in float32, so the two differ by ~1e-7 relative in
    area and ~1e-6 mV in voltage; `dendrax.read_swc` reproduces NEURON's storage).

    Args:
        length: total length of the cable, µm (each compartment is ``length / ncomp``).
        radius: radius, µm.
        ncomp: number of compartments (NEURON's ``nseg``).
        points: 3-D points with radii; excludes ``length`` and ``radius``.

    Example:
        >>> import dendrax as dx
        >>> branch = dx.Branch(length=200.0, radius=1.0, ncomp=8)
        >>> branch.get("length")[0]
        np.float64(25.0)
    """

    def __init__(
        self,
        length: float | None = None,
        radius: float | None = None,
        ncomp: int = 1,
        *,
        points: np.ndarray | None = None,
        **unknown: Any,
    ):
        _refuse_unknown("Branch", unknown)
        ncomp = _check_ncomp(ncomp)
        if points is None:
            data = _cylinder(
                DEFAULT_LENGTH if length is None else length,
                DEFAULT_RADIUS if radius is None else radius,
                ncomp,
            )
        else:
            if length is not None or radius is not None:
                raise ValueError("give either length and radius, or points, not both")
            data = _from_points(points, ncomp)
        super().__init__(data)


class Cell(Module):
    """A neuron made of branches joined into a tree.

    Args:
        branches: the branches (`Branch` or `Compartment`); each is copied, with its
            mechanisms and parameter values (not its stimuli, clamps, recordings or trainables:
            a warning says when it had any), so one branch can be used several times.
        parents: for each branch, the index of its parent branch, ``-1`` for the root
            (exactly one).
        parent_locs: for each branch, where on its parent it connects (fraction of the
            parent's length, NEURON's ``child.connect(parent(x))``); default 1.0, the
            parent's end. At 0 or 1 the branch joins the parent's end node; in between, as
            in NEURON, the centre of the parent's compartment containing x, through the
            branch's own first half-compartment only. A root's value is not used.

    Example:
        >>> import dendrax as dx
        >>> branch = dx.Branch(length=200.0, radius=1.0, ncomp=8)
        >>> cell = dx.Cell([branch] * 7, parents=[-1, 0, 0, 1, 1, 2, 2])
        >>> cell.n_comps
        56
    """

    def __init__(
        self,
        branches: Sequence[Module],
        parents: Sequence[int],
        parent_locs: Sequence[float] | None = None,
    ):
        branches = list(branches)
        if not branches:
            raise ValueError("a Cell needs at least one branch")
        for i, b in enumerate(branches):
            if not isinstance(b, (Branch, Compartment)):
                raise TypeError(f"branches[{i}] must be a dx.Branch or dx.Compartment; got {type(b).__name__}")
        parent = _check_parents(parents, len(branches))
        if parent_locs is None:
            locs = np.ones(len(branches))
        else:
            locs = real_values(parent_locs, "parent_locs (fractions of the parent branch)")
            if locs.shape != (len(branches),):
                raise ValueError(f"parent_locs needs one value per branch ({len(branches)}); got shape {locs.shape}")
            if not np.all(np.isfinite(locs)) or np.any((locs < 0) | (locs > 1)):
                raise ValueError(f"parent_locs must lie in [0, 1]; got {locs.tolist()}")
        data = TreeData.concatenate([b._data for b in branches], parent, locs)
        super().__init__(data)
        offsets = np.concatenate([[0], np.cumsum([b.n_comps for b in branches])])
        for i, b in enumerate(branches):
            for name, (mech, mask) in b._mechanisms.items():
                comps = offsets[i] + np.flatnonzero(mask)
                if name in self._mechanisms and self._mechanisms[name][0] != mech:
                    raise ValueError(f"branches insert different mechanisms under the same name {name!r}")
                if name not in self._mechanisms:
                    self._mechanisms[name] = (mech, np.zeros(self.n_comps, dtype=bool))
                self._mechanisms[name][1][comps] = True
        self._celsius, self._diffusion = joined_model_wide(branches, "branches")
        warn_dropped_attachments(branches, "Cell")

    @classmethod
    def from_tree(cls, data: TreeData) -> Cell:
        """A cell from ready-made `TreeData` (used by readers such as `read_swc`)."""
        _check_parents(data.parent, data.n_branches)
        cell = cls.__new__(cls)
        Module.__init__(cell, data)
        return cell

    @property
    def soma(self) -> View:
        """The compartments of SWC type 1 (group ``"soma"``)."""
        return self.group("soma")

    @property
    def axon(self) -> View:
        """The compartments of SWC type 2 (group ``"axon"``)."""
        return self.group("axon")

    @property
    def basal(self) -> View:
        """The compartments of SWC type 3 (group ``"basal"``)."""
        return self.group("basal")

    @property
    def apical(self) -> View:
        """The compartments of SWC type 4 (group ``"apical"``)."""
        return self.group("apical")


#: The most compartments dendrax builds in one cell: ~10 float64 columns each while building,
#: several GB beyond this before any simulation (read_swc(ncomp=1e7) asked for 3.2e9).
MAX_COMPARTMENTS = 20_000_000


def _check_ncomp(ncomp) -> int:
    if isinstance(ncomp, bool) or not isinstance(ncomp, (int, np.integer)) or ncomp < 1:
        raise ValueError(f"ncomp must be a positive integer; got {ncomp!r}")
    if ncomp > MAX_COMPARTMENTS:
        raise ValueError(f"ncomp = {ncomp:,} is more compartments than dendrax builds ({MAX_COMPARTMENTS:,})")
    return int(ncomp)


def _cylinder(length, radius, ncomp) -> TreeData:
    numbers = []
    for name, value in (("length", length), ("radius", radius)):
        try:
            arr = np.asarray(value)
        except Exception:  # a traced value
            raise TypeError(
                f"{name} takes one number (µm), not a traced value: to vary it inside jit or grad, "
                f"make_trainable({name!r}) or pass params={{{name!r}: ...}}"
            ) from None
        if isinstance(value, bool) or arr.ndim != 0 or arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} takes one number (µm); got {value!r}")
        number = float(arr)
        if not (np.isfinite(number) and number > 0):
            raise ValueError(f"{name} must be a finite number > 0 µm; got {value!r}")
        error = geometry_error(name, number)
        if error:
            raise ValueError(error)
        numbers.append(number)
    if numbers[1] < THINNEST_NEURITE:
        warnings.warn(
            f"radius {numbers[1]:g} µm is thinner than any neurite (< {THINNEST_NEURITE} µm): lengths and radii are "
            f"in µm (a value in metres, 10e-6, is a million times too small)",
            stacklevel=user_stacklevel(),
        )
    return TreeData.cylinder(numbers[0], numbers[1], ncomp)


_NEURON_ARGUMENTS = {"diam": "radius = diam / 2 (µm)", "L": "length (µm)", "nseg": "ncomp"}


def _refuse_unknown(what: str, unknown: dict[str, Any]) -> None:
    """TypeError for unexpected keyword arguments, with dendrax's name for NEURON's."""
    for name in unknown:
        hint = f"; in dendrax: {_NEURON_ARGUMENTS[name]}" if name in _NEURON_ARGUMENTS else ""
        raise TypeError(f"{what}() got an unexpected keyword argument {name!r}{hint}")


def _from_points(points, ncomp) -> TreeData:
    pts = real_values(points, "points (x, y, z, radius in µm)")  # ragged, complex, strings: TypeError
    if pts.ndim != 2 or pts.shape[1] != 4 or len(pts) < 2:
        raise ValueError(f"points must have shape (P, 4) with P >= 2 (x, y, z, radius in µm); got {pts.shape}")
    if not np.all(np.isfinite(pts)):
        i, j = np.argwhere(~np.isfinite(pts))[0]
        raise ValueError(f"points[{i}, {j}] ({'x, y, z, radius'.split(', ')[j]}) is {pts[i, j]}; every value must be finite")
    if np.any(np.abs(pts) > GEOMETRY_RANGE[1]):
        i, j = np.argwhere(np.abs(pts) > GEOMETRY_RANGE[1])[0]
        raise ValueError(f"points[{i}, {j}] is {pts[i, j]:g}: coordinates and radii must lie within ±{GEOMETRY_RANGE[1]:g} µm")
    if np.any(pts[:, 3] < 0):
        i = int(np.flatnonzero(pts[:, 3] < 0)[0])
        raise ValueError(f"radius must be >= 0 µm; point {i} has radius {pts[i, 3]}")
    if not np.any(pts[:, 3] > 0):
        raise ValueError("every point has radius 0: a branch needs a membrane (radius > 0 µm somewhere)")
    geo = branch_geometry(pts[:, :3], 2.0 * pts[:, 3], ncomp)
    if geo.length[0] <= 0:
        raise ValueError("the points of a branch must not all coincide (its length would be 0)")
    if not np.all(geo.radius > 0):
        k = int(np.flatnonzero(geo.radius <= 0)[0])
        raise ValueError(f"every point of compartment {k} has radius 0: it has no membrane (radius > 0 µm)")
    for name, values in (("length", geo.length), ("radius", geo.radius)):
        error = geometry_error(f"the compartments' {name}", values)
        if error:
            raise ValueError(f"points give {error}")
    r, length = geo.radius, geo.length
    columns = {"length": length.copy(), "radius": r.copy()}
    columns.update({k: np.full(ncomp, v) for k, v in CABLE_DEFAULTS.items()})
    cylinder_half = (length / 2.0) / (4.0 * r * r)  # integral of 1/d² over a cylindrical half
    shape = {
        "area_factor": geo.area / (2.0 * np.pi * r * length),
        "resistance_factor_left": geo.resistance_left / cylinder_half,
        "resistance_factor_right": geo.resistance_right / cylinder_half,
        "volume_factor": geo.volume / (np.pi * r * r * length),
    }
    return TreeData(
        ncomp=np.array([ncomp]),
        parent=np.array([-1]),
        parent_x=np.array([1.0]),
        columns=columns,
        shape=shape,
        points=[pts.copy()],
    )


def _check_parents(parents, n: int) -> np.ndarray:
    parent = np.asarray(parents)
    if parent.shape != (n,) or parent.dtype.kind not in "iu":
        raise ValueError(f"parents must be {n} integers (one per branch, -1 for the root); got {parents!r}")
    parent = parent.astype(np.int64)
    roots = np.flatnonzero(parent == -1)
    if len(roots) != 1:
        raise ValueError(f"parents must have exactly one root (-1); got {len(roots)} in {parent.tolist()}")
    bad = np.flatnonzero((parent < -1) | (parent >= n) | (parent == np.arange(n)))
    if len(bad):
        i = int(bad[0])
        raise ValueError(f"parents[{i}] = {parent[i]} is not a valid parent (use -1..{n - 1}, not the branch itself)")
    # Every branch must reach the root (no cycles): walk down from the root, O(n). (Walking
    # up from every branch was O(n x depth): 2.5 s for an 8,000-branch SWC reconstruction.)
    children: list[list[int]] = [[] for _ in range(n)]
    for child, p in enumerate(parent.tolist()):
        if p >= 0:
            children[p].append(child)
    reached = np.zeros(n, bool)
    stack = [int(roots[0])]
    while stack:
        j = stack.pop()
        reached[j] = True
        stack.extend(children[j])
    if not reached.all():
        i = int(np.flatnonzero(~reached)[0])
        for _ in range(n):  # from a branch that never reaches the root, up into its cycle
            i = int(parent[i])
        raise ValueError(f"parents {parent.tolist()} contain a cycle through branch {i}: they do not form a tree")
    return parent
