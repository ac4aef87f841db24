"""Read an SWC file into a `Cell`, as NEURON's Import3d does.

The same file and the same number of compartments per branch give the same compartments as
NEURON: the same sections (branches; `neuron_section_names` gives their NEURON names, as
``h.allsec()`` orders them differently), connected at the same places, with the same 3-D
points, so that every compartment's area and axial resistance equal NEURON's
``seg.area()`` and ``seg.ri()`` to round-off. See `dendrax.morphology.import3d` for the rules
and `dendrax.morphology.neuron_geometry` for the arithmetic.

Where dendrax differs from NEURON (each is tested):

- Malformed files raise `SwcError` (file and line) where NEURON prints a message and goes on:
  a parent with a larger id than its child, several roots (NEURON would build several
  cells), samples that NEURON would join into one section though they are not parent and
  child, a branch of zero length or a compartment of zero area (NEURON divides by zero).
- ``neuron_precision=False`` keeps the file's float64 coordinates instead of NEURON's
  8-digit, float32 ones (areas and resistances then differ from NEURON's by up to 5e-6
  relative on the CA1 test cell, 2e-8 on the L5PC cell).
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..model.cell import MAX_COMPARTMENTS, Cell
from ..model.tree import CABLE_DEFAULTS, GEOMETRY_RANGE, TreeData
from ..model.values import flag
from .discretization import BranchShapes, Discretization, as_discretization
from .import3d import Sections, import3d_sections
from .neuron_geometry import neuron_round, section_arcs, segment_geometry
from .swc_parse import SwcError, SwcSamples, listed, parse_swc

#: More compartments than this in one cell read from a file draws a warning.
MANY_COMPARTMENTS = 1_000_000
#: A file whose every radius is below this (µm) draws a warning: no neurite is that thin,
#: while a file written in millimetres (a 10 µm soma as 0.01) gives such radii.
THINNEST_RADIUS = 0.05

__all__ = ["SwcError", "read_swc", "type_group"]

TYPE_GROUPS = {1: "soma", 2: "axon", 3: "basal", 4: "apical"}


def type_group(swc_type: int) -> str:
    """The group name of an SWC type: soma, axon, basal, apical, else ``custom<type>``."""
    return TYPE_GROUPS.get(int(swc_type), f"custom{int(swc_type)}")


def read_swc(
    path: str | os.PathLike,
    ncomp: int | None = None,
    *,
    discretization: Discretization | None = None,
    require_soma: bool = False,
    neuron_precision: bool = True,
) -> Cell:
    r"""Read a neuron's morphology from an SWC file, cut into compartments.

    Branches are NEURON's sections (``Import3d_GUI.instantiate`` order), each cut into
    ``ncomp`` compartments, or as many as ``discretization`` says. Groups ``soma``, ``axon``,
    ``basal``, ``apical`` (and ``custom<N>`` for other types) come from the SWC types.

    Args:
        path: the ``.swc`` file.
        ncomp: compartments per branch (NEURON's ``nseg``); default 1.
        discretization: a policy instead of ``ncomp``: ``dx.FixedNcomp(n)``,
            ``dx.MaxLength(µm)``, ``dx.DLambda(0.1)``, ``dx.PerBranch(...)``.
        require_soma: raise `SwcError` if the file has no soma sample (type 1).
        neuron_precision: read coordinates and radii as NEURON does (32-bit floats) and
            round the points as NEURON stores them (8 significant digits, then float32), so
            that areas equal NEURON's to round-off.

    Raises:
        SwcError: a malformed file (the message names the file and line).

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.swc"
        >>> _ = path.write_text(
        ...     "# id type x y z radius parent\n"
        ...     "1 1 0 0 0 5 -1\n"
        ...     "2 3 0 -5 0 1 1\n3 3 0 -50 0 0.5 2\n"
        ...     "4 4 0 5 0 2 1\n5 4 0 80 0 1 4\n6 4 30 120 0 0.5 5\n7 4 -30 120 0 0.5 5\n"
        ... )
        >>> cell = dx.read_swc(path, ncomp=3)
        >>> cell.groups
        ['soma', 'basal', 'apical']
        >>> cell.n_branches, cell.n_comps
        (5, 15)
        >>> cell.apical.insert(HH())
    """
    policy = as_discretization(ncomp, discretization)
    require_soma = flag(require_soma, "read_swc(require_soma=...)")
    samples = parse_swc(path, as_float32=neuron_precision)
    if require_soma and not np.any(samples.type == 1):
        raise SwcError(
            f"{samples.source}: no soma sample (type 1), and a soma is required (require_soma=True)"
        )
    _warn_if_millimetres(samples)
    sections = import3d_sections(samples)
    _warn_if_removed(samples, sections)
    return _build_cell(samples, sections, policy, neuron_precision)


def _build_cell(
    samples: SwcSamples, sections: Sections, policy: Discretization, neuron_precision: bool
) -> Cell:
    offsets = sections.offsets
    if neuron_precision:
        xyz = neuron_round(sections.xyz)
        diam = neuron_round(sections.diam)
        arc = section_arcs(xyz, offsets)
    else:
        xyz, diam = sections.xyz, sections.diam
        arc = section_arcs_double(xyz, offsets)
    length = arc[offsets[1:] - 1]
    zero = np.flatnonzero(length <= 0)
    if len(zero):
        s = int(zero[0])
        raise SwcError(
            f"{sections.lines(s, samples)}: branch {s} has zero length (all its points coincide); NEURON would give it "
            "zero area and divide by zero. Remove the duplicate samples or move them apart"
        )
    groups = tuple(type_group(t) for t in sections.type)
    shapes = BranchShapes(length=length, arc=arc, diam=diam, offsets=offsets, group=groups)
    ncomp = np.asarray(policy.counts(shapes))
    if ncomp.shape != (sections.n_sections,) or ncomp.dtype.kind not in "iu" or np.any(ncomp < 1):
        raise ValueError(f"{policy!r} gave an invalid number of compartments per branch: {ncomp!r}")
    ncomp = ncomp.astype(np.int64)
    if ncomp.sum() > MAX_COMPARTMENTS:
        raise ValueError(
            f"{policy!r} would cut this cell into {int(ncomp.sum()):,} compartments, more than dendrax builds "
            f"({MAX_COMPARTMENTS:,}; they would take several GB before any simulation): use fewer, e.g. "
            "discretization=dx.DLambda() (NEURON's usual count) or a small ncomp"
        )
    if ncomp.sum() > MANY_COMPARTMENTS:
        finest = float(np.min(length / ncomp))
        warnings.warn(
            f"{policy!r} cuts this cell into {int(ncomp.sum()):,} compartments (the shortest {finest:.3g} µm): "
            "far more than a cable needs (dx.DLambda() gives NEURON's usual count); check the rule's units (µm)",
            stacklevel=3,
        )
    geo = segment_geometry(arc, diam, offsets, ncomp)
    bad = np.flatnonzero(~(geo.area > 0) | ~(geo.diam > 0))
    if len(bad):
        comp = int(bad[0])
        s = int(np.searchsorted(np.cumsum(ncomp), comp, side="right"))
        raise SwcError(
            f"{sections.lines(s, samples)}: compartment {comp} (branch {s}) has zero membrane area: the radius is 0 "
            "over its whole length. NEURON cannot simulate it either (it divides by the area). Give those samples a "
            "radius > 0, or use fewer compartments on that branch"
        )
    for name, values in (("length", geo.length), ("radius", geo.diam / 2.0)):
        lo, hi = GEOMETRY_RANGE
        out = np.flatnonzero((values < lo) | (values > hi))
        if len(out):  # what set() refuses: a unit slip (nm, pm) or a mistyped coordinate
            comp = int(out[0])
            s = int(np.searchsorted(np.cumsum(ncomp), comp, side="right"))
            raise SwcError(
                f"{sections.lines(s, samples)}: compartment {comp} (branch {s}) has {name} {values[comp]:g} µm; "
                f"dendrax takes lengths and radii between {lo:g} and {hi:g} µm. SWC coordinates and radii are in "
                "µm: check those samples' values (and the file's units)"
            )
    return Cell.from_tree(_tree_data(sections, ncomp, geo, groups))


def _warn_if_removed(samples: SwcSamples, sections) -> None:
    """Say which zero-length sections were removed (as NEURON's Import3d does, and says),
    unless `dx.write_swc` wrote them (it uses such sections to make Import3d connect branches
    where they connected)."""
    if not sections.removed or samples.written_by_dendrax:
        return
    lines = [int(samples.line[s[-1]]) for s in sections.removed]  # the section's last sample, as NEURON says
    warnings.warn(
        f"{samples.source}: {len(lines)} section(s) of two samples at one place (zero length; ending at line "
        f"{listed(lines)}) removed, as NEURON's Import3d removes them; their children connect to the section before. "
        "Move the samples apart to keep such a section",
        stacklevel=3,
    )


def _warn_if_millimetres(samples: SwcSamples) -> None:
    largest = float(np.max(samples.radius)) if len(samples.radius) else 0.0
    if 0.0 < largest < THINNEST_RADIUS:
        span = float(np.max(np.ptp(samples.xyz, axis=0)))
        warnings.warn(
            f"{samples.source}: every radius is below {THINNEST_RADIUS} µm (the largest {largest:.3g} µm) and the "
            f"cell spans {span:.3g} µm: thinner than any neurite. SWC coordinates and radii are in µm; if this file "
            "is in millimetres, multiply its x, y, z and radius columns by 1000",
            stacklevel=3,
        )


def section_arcs_double(xyz: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Arc lengths (µm) in float64 throughout (``neuron_precision=False``)."""
    step = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    step = np.concatenate([[0.0], step])
    step[offsets[:-1]] = 0.0
    arc = np.empty(len(step))
    for s in range(len(offsets) - 1):
        arc[offsets[s] : offsets[s + 1]] = np.cumsum(step[offsets[s] : offsets[s + 1]])
    return arc


def _tree_data(sections: Sections, ncomp, geo, groups) -> TreeData:
    n = int(ncomp.sum())
    radius = geo.diam / 2.0
    length = geo.length
    columns = {"length": length.copy(), "radius": radius}
    columns.update({k: np.full(n, v) for k, v in CABLE_DEFAULTS.items()})
    cylinder_half = (length / 2.0) / (4.0 * radius * radius)  # integral of 1/d² over a cylindrical half
    shape = {
        "area_factor": geo.area / (2.0 * np.pi * radius * length),
        "resistance_factor_left": geo.ri_left / cylinder_half,
        "resistance_factor_right": geo.ri_right / cylinder_half,
        "volume_factor": geo.volume / (np.pi * radius * radius * length),
    }
    offsets = sections.offsets
    # The branches keep the file's float64 points (NEURON's rounding is recomputed from them).
    pts = np.column_stack([sections.xyz, sections.diam / 2.0])
    points = [pts[offsets[s] : offsets[s + 1]].copy() for s in range(sections.n_sections)]
    branch_group = np.asarray(groups, dtype=object)
    comp_group = np.repeat(branch_group, ncomp)
    group_masks = {g: comp_group == g for g in dict.fromkeys(sorted(set(groups), key=_group_order))}
    return TreeData(
        ncomp=ncomp,
        parent=sections.parent.astype(np.int64),
        parent_x=sections.parent_x.astype(np.float64),
        columns=columns,
        shape=shape,
        points=points,
        groups=group_masks,
    )


def _group_order(name: str) -> tuple[int, str]:
    order = {"soma": 0, "axon": 1, "basal": 2, "apical": 3}
    return (order.get(name, 4), name)
