"""The data behind a neuron description: branches, compartments and their columns.

`TreeData` holds, in NumPy (float64), everything a `Cell` description is made of:

- one row per branch: number of compartments, parent branch, where on the parent it
  hangs (``parent_x`` in [0, 1], NEURON's ``connect child(0), parent(x)``);
- one row per compartment (branch-major order): a column per quantity (``length``,
  ``radius``, ``capacitance``, ``axial_resistivity``, initial ``v``, and the parameters
  and states of the inserted mechanisms, NaN where a mechanism is absent);
- the shape factors that make a compartment cut from 3-D points a frustum chain rather
  than a cylinder (1 for cylinders): area, left and right half resistances, volume.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

__all__ = ["CABLE_DEFAULTS", "GEOMETRY_RANGE", "TreeData", "geometry_error"]

# NEURON's defaults: cm 1 µF/cm², Ra 35.4 Ω·cm, v_init -65 mV.
CABLE_DEFAULTS = {"capacitance": 1.0, "axial_resistivity": 35.4, "v": -65.0}
GEOMETRY = ("length", "radius")
# µm: lengths and radii outside this range overflow (1/r², 2 pi r L) into inf or NaN
# currents; no cell comes near either end.
GEOMETRY_RANGE = (1e-9, 1e9)


def geometry_error(name: str, values) -> str | None:
    """Why ``values`` (µm) of ``name`` (length or radius) are out of `GEOMETRY_RANGE`, or None."""
    values = np.asarray(values, dtype=np.float64)
    lo, hi = GEOMETRY_RANGE
    bad = values[(values < lo) | (values > hi)]
    if len(bad):
        return f"{name} must lie between {lo:g} and {hi:g} µm; got {bad[0]:g}"
    return None
SHAPE = ("area_factor", "resistance_factor_left", "resistance_factor_right", "volume_factor")


@dataclasses.dataclass
class TreeData:
    """Branch table and compartment columns of one or many unbranched cables."""

    ncomp: np.ndarray  # (n_branches,) int
    parent: np.ndarray  # (n_branches,) int, -1 for a root
    parent_x: np.ndarray  # (n_branches,) float in [0, 1]
    columns: dict[str, np.ndarray]  # name -> (n_comps,)
    shape: dict[str, np.ndarray]  # SHAPE name -> (n_comps,)
    points: list[np.ndarray | None]  # per branch: (P, 4) x, y, z, radius in µm, or None
    groups: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)  # name -> comp mask

    @property
    def n_branches(self) -> int:
        return len(self.ncomp)

    @property
    def n_comps(self) -> int:
        return int(self.ncomp.sum())

    @property
    def comp_start(self) -> np.ndarray:
        """Index of each branch's first compartment."""
        return np.concatenate([[0], np.cumsum(self.ncomp)[:-1]]).astype(np.int64)

    @property
    def comp_branch(self) -> np.ndarray:
        """Branch of each compartment."""
        return np.repeat(np.arange(self.n_branches), self.ncomp)

    def copy(self) -> TreeData:
        return copy.deepcopy(self)

    @staticmethod
    def cylinder(length: float, radius: float, ncomp: int) -> TreeData:
        """One branch: a cylinder of total ``length`` (µm) and ``radius`` (µm)."""
        columns = {
            "length": np.full(ncomp, length / ncomp),
            "radius": np.full(ncomp, float(radius)),
        }
        columns.update({k: np.full(ncomp, v) for k, v in CABLE_DEFAULTS.items()})
        shape = {k: np.ones(ncomp) for k in SHAPE}
        return TreeData(
            ncomp=np.array([ncomp]),
            parent=np.array([-1]),
            parent_x=np.array([1.0]),
            columns=columns,
            shape=shape,
            points=[None],
        )

    @staticmethod
    def concatenate(parts: list[TreeData], parent: np.ndarray, parent_x: np.ndarray) -> TreeData:
        """Join single-branch (or multi-branch) pieces; ``parent`` indexes the new branches."""
        sizes = [p.n_comps for p in parts]

        def join(pieces: list[np.ndarray | None], fill, dtype) -> np.ndarray:
            # Missing pieces are filled without building one array per piece.
            if all(x is not None for x in pieces):
                return np.concatenate(pieces).astype(dtype, copy=False)
            out = np.full(sum(sizes), fill, dtype=dtype)
            start = 0
            for x, size in zip(pieces, sizes):
                if x is not None:
                    out[start : start + size] = x
                start += size
            return out

        names = list(dict.fromkeys(k for p in parts for k in p.columns))
        columns = {name: join([p.columns.get(name) for p in parts], np.nan, np.float64) for name in names}
        shape = {k: join([p.shape.get(k) for p in parts], 1.0, np.float64) for k in SHAPE}
        group_names = list(dict.fromkeys(g for p in parts for g in p.groups))
        groups = {g: join([p.groups.get(g) for p in parts], False, bool) for g in group_names}
        return TreeData(
            ncomp=np.concatenate([p.ncomp for p in parts]).astype(np.int64),
            parent=np.asarray(parent, dtype=np.int64),
            parent_x=np.asarray(parent_x, dtype=np.float64),
            columns=columns,
            shape=shape,
            points=[pt for p in parts for pt in p.points],
            groups=groups,
        )
