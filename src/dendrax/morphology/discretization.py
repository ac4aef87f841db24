"""How many compartments each branch gets: policies as objects.

- `FixedNcomp`: the same number for every branch (NEURON's ``nseg``).
- `MaxLength`: as few as make every compartment at most so long.
- `DLambda`: NEURON's d_lambda rule (an odd number from the AC length constant).
- `PerBranch`: one policy by default, others for chosen branches or groups.

A policy sees the branches' 3-D shape (`BranchShapes`) and returns one count per branch.

Example:
    >>> import dendrax as dx
    >>> rule = dx.PerBranch(dx.DLambda(d_lambda=0.1), {"soma": dx.FixedNcomp(1)})
    >>> rule
    PerBranch(default=DLambda(d_lambda=0.1, frequency=100.0, axial_resistivity=35.4, capacitance=1.0), overrides={'soma': FixedNcomp(ncomp=1)})
"""

from __future__ import annotations

import abc
import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from .neuron_geometry import d_lambda_ncomp

__all__ = [
    "BranchShapes",
    "DLambda",
    "Discretization",
    "FixedNcomp",
    "MaxLength",
    "OddCount",
    "PerBranch",
    "as_discretization",
]


@dataclasses.dataclass(frozen=True, eq=False)
class BranchShapes:
    """What a discretisation policy may look at, for S branches with P points in all.

    Attributes:
        length: (S,) branch length, µm.
        arc: (P,) arc length of each point from its branch's start, µm.
        diam: (P,) diameter at each point, µm.
        offsets: (S + 1,) branch s owns points ``offsets[s]:offsets[s + 1]``.
        group: (S,) the group name of each branch (``"soma"``, ``"apical"``, ...).
        index: (S,) the branches' indices in the cell (they differ from 0..S-1 in the
            subsets that `PerBranch` gives its policies).
        cell_branches: the number of branches of the whole cell (S, except in subsets).
    """

    length: np.ndarray
    arc: np.ndarray
    diam: np.ndarray
    offsets: np.ndarray
    group: tuple[str, ...]
    index: np.ndarray | None = None
    cell_branches: int | None = None

    def __post_init__(self):
        if self.index is None:
            object.__setattr__(self, "index", np.arange(len(self.length)))
        if self.cell_branches is None:
            object.__setattr__(self, "cell_branches", len(self.length))

    @property
    def n_branches(self) -> int:
        return len(self.length)

    def subset(self, branches: np.ndarray) -> BranchShapes:
        """The shapes of some of the branches (positions in this object)."""
        branches = np.asarray(branches, dtype=np.int64)
        counts = np.diff(self.offsets)[branches]
        points = (
            np.concatenate([np.arange(self.offsets[b], self.offsets[b + 1]) for b in branches])
            if len(branches)
            else np.zeros(0, np.int64)
        )
        return BranchShapes(
            length=self.length[branches],
            arc=self.arc[points],
            diam=self.diam[points],
            offsets=np.concatenate([[0], np.cumsum(counts)]),
            group=tuple(self.group[b] for b in branches),
            index=self.index[branches],
            cell_branches=self.cell_branches,
        )


class Discretization(abc.ABC):
    """A rule giving each branch its number of compartments.

    Subclasses implement `counts`; pass an instance to ``dx.read_swc(discretization=...)``.

    Example:
        >>> import pathlib, tempfile
        >>> import numpy as np
        >>> import dendrax as dx
        >>> class OnePer100um(dx.Discretization):
        ...     def counts(self, shapes):                 # shapes.length: (S,) µm
        ...         return np.maximum(np.round(shapes.length / 100.0), 1).astype(np.int64)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ball_and_stick.swc"
        >>> _ = path.write_text("1 1 0 0 0 10 -1\\n2 3 10 0 0 0.5 1\\n3 3 510 0 0 0.5 2\\n")   # µm
        >>> dx.read_swc(path, discretization=OnePer100um()).ncomp.tolist()   # soma 20 µm, dendrite 500 µm
        [1, 5]
    """

    @abc.abstractmethod
    def counts(self, shapes: BranchShapes) -> np.ndarray:
        """Number of compartments of each branch, int64 (S,)."""


@dataclasses.dataclass(frozen=True)
class FixedNcomp(Discretization):
    """``ncomp`` compartments in every branch (NEURON: ``forall nseg = ncomp``).

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ball_and_stick.swc"
        >>> _ = path.write_text("1 1 0 0 0 10 -1\\n2 3 10 0 0 0.5 1\\n3 3 510 0 0 0.5 2\\n")   # µm
        >>> dx.read_swc(path, discretization=dx.FixedNcomp(3)).ncomp.tolist()   # as read_swc(path, ncomp=3)
        [3, 3]
    """

    ncomp: int

    def __post_init__(self):
        n = self.ncomp
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"FixedNcomp needs a positive integer number of compartments; got {n!r}")

    def counts(self, shapes: BranchShapes) -> np.ndarray:
        return np.full(shapes.n_branches, int(self.ncomp), dtype=np.int64)


@dataclasses.dataclass(frozen=True)
class MaxLength(Discretization):
    """The fewest compartments that are each at most ``max_length`` µm long
    (``ceil(L / max_length)``), optionally rounded up to an odd number as NEURON users often
    do so that the branch's middle is a compartment centre.

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ball_and_stick.swc"
        >>> _ = path.write_text("1 1 0 0 0 10 -1\\n2 3 10 0 0 0.5 1\\n3 3 510 0 0 0.5 2\\n")   # µm
        >>> dx.read_swc(path, discretization=dx.MaxLength(50.0)).ncomp.tolist()   # 500 µm / 50 µm
        [1, 10]
        >>> dx.read_swc(path, discretization=dx.MaxLength(50.0, odd=True)).ncomp.tolist()
        [1, 11]
    """

    max_length: float
    odd: bool = False

    def __post_init__(self):
        if not isinstance(self.max_length, (int, float, np.floating, np.integer)) or not (
            math.isfinite(self.max_length) and self.max_length > 0
        ):
            raise ValueError(f"MaxLength needs a finite max_length > 0 µm; got {self.max_length!r}")

    def counts(self, shapes: BranchShapes) -> np.ndarray:
        n = np.maximum(np.ceil(shapes.length / float(self.max_length)), 1).astype(np.int64)
        if self.odd:
            n = n + (n % 2 == 0)
        return n


@dataclasses.dataclass(frozen=True)
class OddCount(Discretization):
    """``1 + 2 int(L / per)`` compartments (``L`` the branch's length, µm): one more than
    twice the number of whole ``per`` lengths, always odd. This is the rule of Hay et al.
    (2011)'s template (``nseg = 1 + 2*int(L/40)``, ``per=40``) and of models built on it.

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ball_and_stick.swc"
        >>> _ = path.write_text("1 1 0 0 0 10 -1\\n2 3 10 0 0 0.5 1\\n3 3 510 0 0 0.5 2\\n")   # µm
        >>> dx.read_swc(path, discretization=dx.OddCount(40.0)).ncomp.tolist()   # 20 µm, 500 µm
        [1, 25]
    """

    per: float = 40.0

    def __post_init__(self):
        if not isinstance(self.per, (int, float, np.floating, np.integer)) or not (
            math.isfinite(self.per) and self.per > 0
        ):
            raise ValueError(f"OddCount needs a finite per > 0 µm; got {self.per!r}")

    def counts(self, shapes: BranchShapes) -> np.ndarray:
        return (1 + 2 * np.floor(shapes.length / float(self.per))).astype(np.int64)


@dataclasses.dataclass(frozen=True)
class DLambda(Discretization):
    """NEURON's d_lambda rule: ``nseg = int((L / (d_lambda * lambda_f) + 0.9) / 2) * 2 + 1``.

    ``lambda_f`` is the AC length constant at ``frequency`` computed along the branch's 3-D
    points exactly as NEURON's standard ``lambda_f`` (``fixnseg.hoc``), with the
    ``axial_resistivity`` and ``capacitance`` given here (NEURON's defaults; set them to the
    values you will simulate with, as NEURON's ``geom_nseg()`` uses the section's).

    Args:
        d_lambda: the longest compartment as a fraction of the length constant.
        frequency: Hz.
        axial_resistivity: Ω·cm.
        capacitance: µF/cm².

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ball_and_stick.swc"
        >>> _ = path.write_text("1 1 0 0 0 10 -1\\n2 3 10 0 0 0.5 1\\n3 3 510 0 0 0.5 2\\n")   # µm
        >>> dx.read_swc(path, discretization=dx.DLambda(d_lambda=0.1)).ncomp.tolist()   # 500 µm of 1 µm diameter
        [1, 11]
        >>> dx.read_swc(path, discretization=dx.DLambda(0.1, frequency=1000.0)).ncomp.tolist()   # Hz
        [1, 35]
    """

    d_lambda: float = 0.1
    frequency: float = 100.0
    axial_resistivity: float = 35.4
    capacitance: float = 1.0

    def __post_init__(self):
        for name in ("d_lambda", "frequency", "axial_resistivity", "capacitance"):
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.floating, np.integer)) or not (
                math.isfinite(value) and value > 0
            ):
                raise ValueError(f"DLambda {name} must be a finite number > 0; got {value!r}")

    def counts(self, shapes: BranchShapes) -> np.ndarray:
        d = shapes.diam
        arc = shapes.arc
        for s in range(shapes.n_branches):
            a, b = shapes.offsets[s], shapes.offsets[s + 1]
            both_zero = (d[a : b - 1] + d[a + 1 : b]) == 0
            if both_zero.any():
                s = int(shapes.index[s])
                raise ValueError(
                    f"DLambda: branch {s} has a piece with zero diameter at both ends (points {int(np.argmax(both_zero))} "
                    "and next); its length constant is 0 (NEURON's lambda_f divides by zero). Use MaxLength or FixedNcomp "
                    "for it, e.g. PerBranch(DLambda(), {" + str(s) + ": FixedNcomp(1)})"
                )
        n = d_lambda_ncomp(
            arc, d, shapes.offsets, self.d_lambda, self.frequency, self.axial_resistivity, self.capacitance
        )
        return np.maximum(n, 1)


@dataclasses.dataclass(frozen=True, eq=False)
class PerBranch(Discretization):
    """``default`` everywhere except where ``overrides`` says otherwise.

    Keys of ``overrides`` are group names (``"soma"``, ``"axon"``, ``"basal"``,
    ``"apical"``, ``"custom5"``) or branch indices (negative ones from the end, as
    ``cell.branch(-1)``); a branch index wins over its group,
    later groups over earlier ones.

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ball_and_stick.swc"
        >>> _ = path.write_text("1 1 0 0 0 10 -1\\n2 3 10 0 0 0.5 1\\n3 3 510 0 0 0.5 2\\n")   # µm
        >>> rule = dx.PerBranch(dx.FixedNcomp(5), {"soma": dx.FixedNcomp(1)})
        >>> dx.read_swc(path, discretization=rule).ncomp.tolist()
        [1, 5]
        >>> dx.read_swc(path, discretization=dx.PerBranch(dx.DLambda(), {1: dx.MaxLength(10.0)})).ncomp.tolist()
        [1, 50]
    """

    default: Discretization
    overrides: Mapping[int | str, Discretization] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        for value in [self.default, *self.overrides.values()]:
            if not isinstance(value, Discretization):
                raise TypeError(
                    f"PerBranch takes discretisation objects (e.g. dx.FixedNcomp(1)); got {value!r}"
                )
        for key in self.overrides:
            if not isinstance(key, (str, int, np.integer)) or isinstance(key, bool):
                raise TypeError(f"PerBranch override keys are group names or branch indices; got {key!r}")

    def counts(self, shapes: BranchShapes) -> np.ndarray:
        # Which rule each branch follows (-1: the default), then each rule on its branches.
        which = np.full(shapes.n_branches, -1)
        groups = np.asarray(shapes.group, dtype=object)
        known = set(shapes.group)
        rules = list(self.overrides.values())
        for r, key in enumerate(self.overrides):
            if isinstance(key, str):
                if key not in known:
                    raise KeyError(f"PerBranch: no branch is in group {key!r}; groups: {sorted(known)}")
                which[groups == key] = r
        for r, key in enumerate(self.overrides):
            if not isinstance(key, str):
                # A cell's branch index, from the end when negative, as cell.branch(-1); also
                # in a PerBranch nested under a group (a review: -1 counted the group's).
                total = shapes.cell_branches
                index = int(key) + total if int(key) < 0 else int(key)
                if not 0 <= index < total:
                    raise IndexError(f"PerBranch: branch {key} is out of range: the cell has {total} branches")
                hit = np.flatnonzero(shapes.index == index)
                if not len(hit):
                    raise IndexError(
                        f"PerBranch: branch {key} is not among the branches this rule covers "
                        f"({shapes.index.tolist()}): a PerBranch nested under a group applies to that "
                        "group's branches only; give the branch's rule in the outer PerBranch"
                    )
                which[hit] = r
        n = np.zeros(shapes.n_branches, dtype=np.int64)
        for r, rule in [(-1, self.default)] + list(enumerate(rules)):
            mine = np.flatnonzero(which == r)
            if len(mine):
                n[mine] = rule.counts(shapes.subset(mine))
        return n


def as_discretization(ncomp: int | None, discretization: Discretization | None) -> Discretization:
    """The policy from ``read_swc``'s ``ncomp=`` / ``discretization=`` arguments."""
    if ncomp is not None and discretization is not None:
        raise ValueError("give either ncomp or discretization, not both")
    if discretization is None:
        return FixedNcomp(1 if ncomp is None else ncomp)
    if not isinstance(discretization, Discretization):
        raise TypeError(
            "discretization must be a dx.FixedNcomp, dx.MaxLength, dx.DLambda or dx.PerBranch object; "
            f"got {discretization!r}"
        )
    return discretization
