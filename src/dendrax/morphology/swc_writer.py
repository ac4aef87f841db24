"""Write a cell's morphology to an SWC file.

Each branch's 3-D points become samples, in branch order (for a cell read from SWC, the
order of the original samples), with the exact float64 values, so that reading the file
back (with dendrax or NEURON) gives the same branches, connections and geometry:

- a branch whose lengths or radii were set after its points were read (`View.set`) is
  written through points rebuilt from its compartments (`edited_points`), with a warning
  where SWC cannot hold them exactly;

- a branch's first point is not written when it is the copy of its parent's sample that
  NEURON's Import3d adds when reading (same place; same radius, or for a neurite on the soma
  the radius of its next point);
- a single-sample root, which the reader turns into a three-point cylinder, is written back
  as one sample (a soma without other soma branches as NeuroMorpho.org's three-point soma,
  which NEURON reads as one point);
- a branch whose first point is at its parent's sample with another radius (what remains
  where Import3d removed a zero-length section) is written through two zero-length samples,
  which Import3d removes again;
- a branch that connects strictly inside a non-soma parent (possible in cells built by hand)
  is attached to the parent's nearest point; reading back then splits the parent there;
- a branch whose first point is away from the parent's sample it attaches to (a cell built
  by hand from points in each branch's own frame) is moved there, with its subtree: Import3d
  would read the gap as a piece of cable. Only where Import3d connects by a wire (neurites
  on a single-point soma, or inside a soma) do branches keep their place.

Not reproduced: files where Import3d removed several zero-length sections in a row across
type changes (all samples at one place) may read back with a different number of branches.

SWC types come from the groups ``soma`` (1), ``axon`` (2), ``basal`` (3), ``apical`` (4)
and ``custom<N>`` (N) of each branch's first compartment; branches in none of them are
written as type 0 (undefined). A branch of one type with a single child of the same type
is read back merged with it, as NEURON reads such files.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path

import numpy as np

from ..model.module import Module
from .layout import _topological, points_now
from .swc_parse import WRITER_HEADER, listed

__all__ = ["write_swc"]

TYPE_CODES = {"soma": 1, "axon": 2, "basal": 3, "apical": 4}


def _branch_types(module: Module) -> np.ndarray:
    data = module._data
    first = data.comp_start
    types = np.zeros(data.n_branches, dtype=np.int64)
    assigned = np.zeros(data.n_branches, dtype=bool)
    names = [g for g in TYPE_CODES if g in data.groups]
    names += sorted(g for g in data.groups if re.fullmatch(r"custom-?\d+", g))
    for g in names:
        code = TYPE_CODES.get(g, None)
        if code is None:
            code = int(g[len("custom") :])
        hit = data.groups[g][first] & ~assigned
        types[hit] = code
        assigned |= hit
    return types


def _is_sphere(points: np.ndarray) -> bool:
    """The reader's cylinder for a single-point soma: three points along x, equal radii,
    the middle one the sample, the ends one radius away."""
    if len(points) != 3:
        return False
    r = points[:, 3]
    if not (r[0] == r[1] == r[2]) or r[1] <= 0:
        return False
    if not (np.all(points[:, 1] == points[1, 1]) and np.all(points[:, 2] == points[1, 2])):
        return False
    x = points[:, 0]
    return bool(
        np.isclose(x[1] - x[0], r[1], rtol=1e-12, atol=0)
        and np.isclose(x[2] - x[1], r[1], rtol=1e-12, atol=0)
    )


def write_swc(module: Module, path: str | os.PathLike, *, comment: str | None = None) -> None:
    """Write ``module``'s morphology to ``path`` in SWC format (see the module docstring).

    Args:
        module: a cell (branches without 3-D points are laid out as in `dx.compute_xyz`).
        path: the file to write.
        comment: extra text for the header (each line prefixed with ``#``).

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "cell.swc"
        >>> dx.write_swc(cell, path)
        >>> again = dx.read_swc(path, ncomp=2)
        >>> again.n_branches, round(dx.total_area(again), 3), round(dx.total_area(cell), 3)
        (3, 1884.956, 1884.956)
    """
    from ..model.network import Network

    if not isinstance(module, Module) or isinstance(module, Network):
        raise TypeError(
            "write_swc writes one cell (a dx.Cell, Branch or Compartment); got "
            f"{type(module).__name__}" + (": write each cell before building the network" if isinstance(module, Network) else "")
        )
    data = module._data
    points, approximate = points_now(data)
    if approximate:
        worst = max(approximate.values())
        warnings.warn(
            f"write_swc: SWC cannot hold the compartments of branch(es) {listed(approximate)} exactly (lengths that differ "
            "within a branch, which NEURON's equal division cannot give, or a step of radius between "
            "compartments, which NEURON reads with the annulus between them); the file gives their areas, "
            f"lengths and radii within {worst:.2%}",
            stacklevel=2,
        )
    types = _branch_types(module)
    soma_type = types == 1
    order = list(range(data.n_branches))
    if any(data.parent[b] >= b for b in order if data.parent[b] >= 0):
        order = _topological(data.parent)
    # Branches with one child only, at their 1 end, of their type.
    hung = np.flatnonzero(data.parent >= 0)
    n_kids = np.bincount(data.parent[hung], minlength=data.n_branches)
    kid = np.zeros(data.n_branches, dtype=np.int64)
    kid[data.parent[hung]] = hung  # the child, where there is one only
    continued = (n_kids == 1) & (data.parent_x[kid] == 1.0) & (types[kid] == types)
    own, attach, relay, owner = _plan(data, points, order, soma_type, continued)
    n_attached: dict[tuple[int, int], int] = {}
    for b, k in attach.items():
        key = (owner.get(b, int(data.parent[b])), k)
        n_attached[key] = n_attached.get(key, 0) + 1
    rows: list[tuple[int, int, float, float, float, float, int]] = []
    ids_of: dict[int, np.ndarray] = {}
    next_id = 1
    for b in order:
        p = int(data.parent[b])
        if p < 0:
            parent_id = -1
        else:
            k = attach[b]
            # At 0 of a branch whose first sample is its parent's: on that sample (`_plan`).
            parent_id = int(ids_of[owner.get(b, p)][k])
            merge = b not in owner and _would_merge(data, b, types, k, len(own[p]), n_attached[(p, k)], p in relay)
            if parent_id == next_id - 1 and merge:
                # Import3d would join this branch to its parent: put a zero-length leaf in
                # between, which it removes again (a two-point section of length 0).
                sample = own[p][k]
                dummy_type = 3 if types[p] == 1 else int(types[p])
                rows.append((next_id, dummy_type, sample[0], sample[1], sample[2], sample[3], parent_id))
                next_id += 1
            if b not in owner and parent_id == next_id - 1 and _needs_gap(data, b, types, k, len(own[p]), p in relay):
                # NEURON connects a branch at 0 of a neurite on the soma only when the branch
                # does not follow that neurite's first sample: put a zero-length leaf of the
                # soma in between, which Import3d removes again.
                gp = int(data.parent[p])
                sample = own[gp][attach[p]]
                rows.append(
                    (next_id, 3, sample[0], sample[1], sample[2], sample[3], int(ids_of[gp][attach[p]]))
                )
                next_id += 1
            if b in relay:
                # A sample with the first point's radius, ended by a zero-length leaf: Import3d
                # removes both zero-length sections and hangs the branch where they hung.
                r = relay[b]
                rows.append((next_id, int(types[b]), r[0], r[1], r[2], r[3], parent_id))
                rows.append((next_id + 1, int(types[b]), r[0], r[1], r[2], r[3], next_id))
                parent_id = next_id
                next_id += 2
        ids = np.arange(next_id, next_id + len(own[b]))
        parents = np.concatenate([[parent_id], ids[:-1]])
        for i, q, row in zip(ids, parents, own[b]):
            rows.append((int(i), int(types[b]), row[0], row[1], row[2], row[3], int(q)))
        ids_of[b] = ids
        next_id += len(own[b])
        if p < 0 and len(own[b]) == 1 and _needs_three_points(data, order, own, soma_type):
            # NeuroMorpho's three-point soma, which Import3d reads as one point, so that the
            # first neurite's first sample is not the file's second sample (NEURON connects
            # a branch at 0 of that neurite only then).
            c = own[b][0]
            for dy in (-c[3], c[3]):
                rows.append((next_id, 1, c[0], c[1] + dy, c[2], c[3], int(ids[0])))
                next_id += 1
    header = [WRITER_HEADER, "# id type x y z radius parent (µm)"]
    if comment:
        header += ["# " + line for line in str(comment).splitlines()]
    body = [f"{i} {t} {x!r} {y!r} {z!r} {r!r} {q}" for i, t, x, y, z, r, q in _floats(rows)]
    # UTF-8 (the header's "µm"; a locale's encoding failed to write it), through a file beside
    # the target that then replaces it: a failed write leaves an existing file as it was.
    target = Path(os.path.realpath(path))  # through a symbolic link, to the file it names
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        partial.write_text("\n".join(header + body) + "\n", encoding="utf-8")
        if target.is_file():
            shutil.copymode(target, partial)  # the replaced file's permissions
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _plan(data, points, order, soma_type, continued):
    """Per branch, the points to write, the index of the parent's written sample it attaches
    to, (``relay``) a first point at the parent's sample but with another radius, and
    (``owner``) for a branch at 0 of a non-root branch whose first point is not written (the
    copy of its own parent's sample, away from the soma, where NEURON has no rule that
    connects at 0), the branch whose written sample it attaches to instead: that parent's,
    the same place (Import3d then reads it as the grandparent's child there)."""
    own: dict[int, np.ndarray] = {}
    attach: dict[int, int] = {}
    relay: dict[int, np.ndarray] = {}
    owner: dict[int, int] = {}
    for b in order:
        pts = points[b]
        p = int(data.parent[b])
        if p < 0:
            # A single-sample root, as the reader makes it: NEURON connects neurites to a
            # single-sample soma at 0.5, and everything else at 0.
            kids = np.flatnonzero(data.parent == b)
            x_single = np.where(soma_type[b] & ~soma_type[kids], 0.5, 0.0)
            single = _is_sphere(pts) and np.array_equal(data.parent_x[kids], x_single)
            own[b] = pts[1:2] if single else pts
            if soma_type[b] and not single:
                own[b] = _with_samples_where_neurites_hang(data, b, pts, points, soma_type)
            continue
        gp = int(data.parent[p])
        first_written = len(own[p]) == len(points[p])
        if float(data.parent_x[b]) == 0.0 and gp >= 0 and not first_written and not soma_type[gp]:
            owner[b] = gp
            written_p, k = own[gp], attach[p]
        else:
            written_p = own[p]
            k = _parent_sample(written_p, pts, float(data.parent_x[b]), gp < 0 and len(written_p) == 1)
        attach[b] = k
        if not np.array_equal(pts[0, :3], written_p[k][:3]) and not _wire(data, b, soma_type, len(written_p)):
            # Import3d would join the gap to the parent's sample with a piece of cable: move
            # the branch (its descendants follow, each to its own attachment) to close it.
            pts = pts.copy()
            pts[:, :3] += written_p[k][:3] - pts[0, :3]
        kind = _first_point(data, b, pts, written_p[k], soma_type, len(written_p), continued[b])
        own[b] = pts if kind == "own" else pts[1:]
        if kind == "other radius":
            relay[b] = pts[0]
    return own, attach, relay, owner


def _with_samples_where_neurites_hang(data, b: int, pts: np.ndarray, points, soma_type) -> np.ndarray:
    """The soma's points, with a sample added where a neurite hangs strictly inside it at a
    place that is no sample (a soma built by hand, with dendrites on ``soma(0.5)``): without
    one, the neurite was written on the first sample and read at 0, its gap as more cable
    (a review). Import3d connects a neurite on an inner soma sample at the soma's middle
    (0.5) wherever the sample is: elsewhere than 0.5 a warning says so."""
    from .layout import point_at

    out = pts
    neurites = [k for k in np.flatnonzero(data.parent == b) if not soma_type[k]]
    moved = sorted({float(data.parent_x[k]) for k in neurites} - {0.0, 0.5, 1.0})
    if moved:
        warnings.warn(
            f"neurites hang on the soma (branch {b}) at x = {', '.join(f'{x:g}' for x in moved)}: NEURON's Import3d "
            "connects a neurite inside a soma at its middle (0.5), so the file is read with them there (their "
            "lengths and radii as they are)",
            stacklevel=4,
        )
    for kid in np.flatnonzero(data.parent == b):
        x = float(data.parent_x[kid])
        first = points[kid][0]
        if soma_type[kid] or not 0.0 < x < 1.0 or any(np.array_equal(q[:3], first[:3]) for q in out):
            continue
        if not np.allclose(first[:3], point_at(out, x), rtol=0.0, atol=1e-9 * (1.0 + np.abs(first[:3]).max())):
            continue  # the neurite starts elsewhere: placed as before (`_parent_sample`)
        xyz = out[:, :3]
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))])
        k = int(np.searchsorted(arc, x * arc[-1], side="right"))  # insert before out[k]
        if not 0 < k < len(out):
            continue
        radius = np.interp(x * arc[-1], arc, out[:, 3])  # on the frustum between its neighbours
        out = np.insert(out, k, [first[0], first[1], first[2], radius], axis=0)
    return out


def _would_merge(
    data, b: int, types: np.ndarray, k: int, n_parent: int, n_children: int, relayed: bool
) -> bool:
    """Whether Import3d would read branch b, written right after its parent's sample k, as
    the continuation of its parent (one child of the same type)."""
    p = int(data.parent[b])
    if n_children != 1 or k != n_parent - 1 or types[b] != types[p]:
        return False
    # On the first sample of a neurite that hangs on the soma, a separated child would be
    # connected at 0 (connect2prox), not at 1: let NEURON merge it instead.
    gp = int(data.parent[p])
    return not (n_parent == 1 and gp >= 0 and types[gp] == 1 and types[p] != 1 and not relayed)


def _needs_three_points(data, order, own, soma_type) -> bool:
    """Whether a single-sample soma must be written as NeuroMorpho's three samples: when the
    first branch after it is a neurite with a branch connected at its 0 end."""
    root = order[0]
    if not soma_type[root] or soma_type.sum() != 1 or len(order) < 2:
        return False
    first = order[1]
    kids = np.flatnonzero(data.parent == first)
    return bool(data.parent[first] == root and np.any(data.parent_x[kids] == 0.0))


def _needs_gap(data, b: int, types: np.ndarray, k: int, n_parent: int, relayed: bool) -> bool:
    """Whether branch b connects at 0 of a neurite p that hangs on the soma, right after
    p's only written sample (NEURON would then connect it at 1)."""
    p = int(data.parent[b])
    gp = int(data.parent[p])
    return (
        float(data.parent_x[b]) == 0.0
        and k == 0
        and n_parent == 1
        and gp >= 0
        and types[gp] == 1
        and types[p] != 1
        and not relayed
    )


def _first_point(
    data, b: int, pts: np.ndarray, sample: np.ndarray, soma_type: np.ndarray, n_parent: int, continued: bool
) -> str:
    """What the branch's first point is: ``"copy"``, the copy of its parent's sample that
    Import3d adds when reading (not written); ``"other radius"``, at the parent's sample but
    with another radius (left by a zero-length section that Import3d removed; written through
    two zero-length samples that it removes again); ``"own"``, a sample of its own."""
    p = int(data.parent[b])
    if not np.array_equal(pts[0, :3], sample[:3]) or len(pts) < 2:
        return "own"
    if not (soma_type[p] and not soma_type[b]):
        return "copy" if pts[0, 3] == sample[3] else "other radius"
    # A neurite on the soma: the copy has the radius of the neurite's next point, and the
    # neurite is a "wire" (no copy at all) where NEURON makes one (`_wire`). A wired neurite of
    # one sample is read from the soma's sample (its first point here); with a child of its
    # type after it, the two are read as one section from that child's first sample on: write
    # the first point (two 30 µm pieces of Hay's axon stub came back as one of 30: a review).
    if _wire(data, b, soma_type, n_parent) and (len(pts) > 2 or continued):
        return "own"
    return "copy" if pts[0, 3] == pts[1, 3] else "other radius"


def _wire(data, b: int, soma_type: np.ndarray, n_parent: int) -> bool:
    """Whether Import3d connects branch b to its parent by a "wire" (no piece of cable from
    the parent's sample): a neurite on a single-point soma, inside the soma, or at a soma
    sample with several soma children."""
    p, x = int(data.parent[b]), float(data.parent_x[b])
    if not (soma_type[p] and not soma_type[b]):
        return False
    siblings = (data.parent == p) & (data.parent_x == x) & soma_type
    several = int(siblings.sum()) + (1 if x == 0.0 and data.parent[p] < 0 and n_parent > 1 else 0) > 1
    return bool((data.parent[p] < 0 and n_parent == 1) or 0.0 < x < 1.0 or several)


def _floats(rows):
    for i, t, x, y, z, r, q in rows:
        yield i, t, float(x), float(y), float(z), float(r), q


def _parent_sample(parent_pts: np.ndarray, pts: np.ndarray, x: float, single_sample_root: bool) -> int:
    """Index of the parent's written sample that the branch attaches to."""
    n = len(parent_pts)
    if single_sample_root or x == 1.0:
        return n - 1
    if x == 0.0:
        return 0
    interior = np.arange(n - 1) if n > 1 else np.arange(n)
    same = [k for k in interior if np.array_equal(parent_pts[k, :3], pts[0, :3])]
    if same:
        return int(same[0])
    xyz = parent_pts[:, :3]
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))])
    frac = arc / arc[-1] if arc[-1] > 0 else np.zeros(n)
    candidates = interior[1:] if len(interior) > 1 else interior
    return int(candidates[np.argmin(np.abs(frac[candidates] - x))])
