"""NEURON's rules for cutting SWC samples into sections (``Import3d_SWC_read`` + ``Import3d_GUI``).

Reproduced from NEURON 9's ``import3d/read_swc.hoc`` and ``import3d_gui.hoc``:

- A section is a run of consecutive samples (in id order), each the parent of the next, of
  one type, ending at a branch point, a leaf, a type change or a sample whose next sample is
  not its child. Soma samples (type 1) chained one after the other stay in one section even
  where dendrites branch off them, except where a soma sample has several soma children.
- Every section but the root starts with a copy of its parent sample; where a non-soma
  section hangs on a soma section, that copy gets the diameter of the section's own first
  sample.
- Where a section connects (``parent_x``): at 0.5 on a single-point soma, at 0 on the root's
  first sample, at 0.5 when it hangs on an interior sample of a soma section, at 1 otherwise.
  A dendrite hanging on the first sample of a dendrite that is itself attached to the soma
  connects at 0 of that dendrite (``connect2prox``).
- A "wire": a dendrite of two or more samples attached to a single-point soma, to an
  interior soma sample, or to a soma sample with several soma children, leaves out the copy
  of its parent sample (``pt3dstyle`` logical connection): its geometry starts at its own
  first sample.
- NeuroMorpho.org's three-point soma (middle sample the root, two samples at distance
  radius on either side, equal diameters, no children) is a single-point soma.
- A single-point soma becomes a cylinder along x of length and diameter equal to the
  sample's diameter (three points), the same area as the sphere.
- A non-root section with a single geometric point, or with two at the same place (within
  1e-11 µm), is removed; its children connect where it connected.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .swc_parse import SwcError, SwcSamples

__all__ = ["Sections", "import3d_sections"]

HOC_EPSILON = 1e-11  # NEURON's float_epsilon: Vector.eq compares within it


@dataclasses.dataclass(frozen=True, eq=False)
class Sections:
    """Sections as NEURON's ``Import3d_GUI.instantiate`` creates them, in its order.

    Attributes:
        type: SWC type of each section (S,).
        parent: parent section (-1 for the root) (S,).
        parent_x: where on the parent it connects, NEURON's ``connect`` x (S,).
        offsets: points of section s are ``offsets[s]:offsets[s + 1]`` (S + 1,).
        xyz: 3-D points (P, 3), µm, as read (float64, before NEURON's rounding).
        diam: diameters (P,), µm (twice the radii).
        sample: the SWC sample (index into the samples) behind each point (P,).
        wire: whether the section leaves out the copy of its parent sample (S,).
        removed: the samples (indices) of each zero-length two-point section that was
            removed, as NEURON removes them (it prints a notice; `read_swc` warns).
    """

    type: np.ndarray
    parent: np.ndarray
    parent_x: np.ndarray
    offsets: np.ndarray
    xyz: np.ndarray
    diam: np.ndarray
    sample: np.ndarray
    wire: np.ndarray
    removed: tuple[np.ndarray, ...] = ()

    @property
    def n_sections(self) -> int:
        return len(self.type)

    def lines(self, s: int, samples: SwcSamples) -> str:
        """``"cell.swc lines 10-25"``: the lines behind section ``s``."""
        pts = self.sample[self.offsets[s] : self.offsets[s + 1]]
        lo, hi = int(samples.line[pts].min()), int(samples.line[pts].max())
        return f"{samples.source} line {lo}" if lo == hi else f"{samples.source} lines {lo}-{hi}"


def import3d_sections(samples: SwcSamples) -> Sections:
    """Cut validated SWC samples into NEURON's sections (see the module docstring)."""
    n = len(samples)
    typ = samples.type
    par = samples.parent.copy()
    d = 2.0 * samples.radius
    xyz = samples.xyz
    idx = np.arange(n)

    # --- mark_branch: which samples end a section, and connect2prox.
    child = idx[1:]
    p = par[1:]
    noncontig = p != child - 1
    type_diff = typ[p] != typ[child]
    grand = np.where(p > 0, par[np.maximum(p, 0)], -1)
    override = noncontig & (
        ((p > 1) & (typ[p] != 1) & (typ[np.maximum(grand, 0)] == 1) & (grand >= 0))
        | ((p == 0) & (typ[0] != 1))
    )
    connect2prox = np.zeros(n, dtype=bool)
    connect2prox[child[override]] = True
    n_children = np.bincount(p, minlength=n)
    # NEURON's nchild == 1 ("not a section end"). Children add 1 (+0.01 if not the next
    # sample, +0.01 if of another type); a connect2prox child resets the count to 1 first.
    last_child = np.full(n, -1)
    np.maximum.at(last_child, p, child)
    last_override = np.full(n, -1)
    np.maximum.at(last_override, p[override], child[override])
    is_one = np.zeros(n, dtype=bool)
    single = (n_children == 1) & (last_child >= 0)
    lc = np.maximum(last_child, 0)
    is_one[single] = ~noncontig[lc[single] - 1] & ~type_diff[lc[single] - 1]
    has_override = last_override >= 0
    lo = np.maximum(last_override, 0)
    is_one[has_override] = (last_override[has_override] == last_child[has_override]) & ~type_diff[
        lo[has_override] - 1
    ]

    # --- sectionify: soma children, the NeuroMorpho three-point soma, soma contiguity.
    soma_child = (typ[child] == 1) & (typ[p] == 1)
    nchild_soma = np.bincount(p[soma_child], minlength=n)
    soma3geom = False
    if int(np.count_nonzero(typ == 1)) == 3 and n >= 3:
        if par[1] == 0 and par[2] == 0 and n_children[1] == 0 and n_children[2] == 0:
            if d[1] == d[0] and d[2] == d[0] and d[0] > 0:
                length = np.linalg.norm(xyz[1] - xyz[0]) + np.linalg.norm(xyz[2] - xyz[0])
                if abs(length / d[0] - 1.0) < 0.01:
                    soma3geom = True
                    par[2] = 1
    i = idx[:-1]
    chain = (typ[i] == 1) & (typ[i + 1] == 1) & (par[i + 1] == i)
    keep_branch = (i != 0) & (nchild_soma[i] > 1)
    is_one[i[chain & ~keep_branch]] = True
    ends = np.flatnonzero(~is_one)
    starts = np.concatenate([[0], ends[:-1] + 1])
    point2sec = np.repeat(np.arange(len(ends)), ends - starts + 1)

    # A section must be a path: each sample the parent of the next.
    inner = np.flatnonzero(point2sec[1:] == point2sec[:-1]) + 1
    if soma3geom:
        inner = inner[inner > 2]
    broken = inner[par[inner] != inner - 1]
    if len(broken):
        k = int(broken[0])
        raise SwcError(
            f"{samples.where(k - 1)} and line {samples.line[k]}: NEURON's Import3d would put these samples in one "
            f"section although sample {samples.id[k]} is not a child of sample {samples.id[k - 1]} (a sample attached "
            "to the first sample of a dendrite that hangs on the soma, with no other child). Reorder the samples so "
            "that each branch's samples follow one another"
        )

    # --- mksection: points, parent_x and wires, section by section.
    n_sec = len(ends)
    sec_parent = np.full(n_sec, -1)
    sec_x = np.ones(n_sec)
    sec_first = np.zeros(n_sec, dtype=np.int64)  # 1: wire, leave out the parent copy
    sec_type = typ[starts]
    root_points = 1 if soma3geom else int(ends[0] - starts[0] + 1)
    sec_npts = np.where(np.arange(n_sec) == 0, root_points, ends - starts + 2)
    for s in range(1, n_sec):
        first, own = int(starts[s]), int(ends[s] - starts[s] + 1)
        pp = int(par[first])
        ps = int(point2sec[pp])
        sec_parent[s] = ps
        den_con_soma = sec_type[ps] == 1 and typ[first] != 1
        con_soma = sec_type[ps] == 1
        handled = False
        if ps == 0:
            handled = True
            if den_con_soma and sec_npts[0] == 1:
                sec_x[s] = 0.5
                if own > 1:
                    sec_first[s] = 1
            elif pp == 0:
                sec_x[s] = 0.0
                if typ[first] != 1 and nchild_soma[pp] > 1:
                    sec_first[s] = 1
            else:
                handled = False
        if not handled and con_soma:
            psec_id = int(starts[ps])
            offset = -1 if psec_id == 0 else -2
            if pp < psec_id + sec_npts[ps] + offset:
                sec_x[s] = 0.5
                if den_con_soma and own > 1:
                    sec_first[s] = 1
            elif own > 1 and nchild_soma[pp] > 1 and typ[first] != 1:
                sec_first[s] = 1
        if connect2prox[first]:
            sec_x[s] = 0.0

    # Point lists: the root's own samples; other sections a parent copy plus their own.
    counts = sec_npts.astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    sample = np.empty(offsets[-1], dtype=np.int64)
    sample[: counts[0]] = np.arange(root_points)
    if n_sec > 1:
        rest = np.arange(counts[0], offsets[-1])
        sec_of = np.repeat(np.arange(1, n_sec), counts[1:])
        k = rest - offsets[sec_of]  # 0 for the copy, then own samples
        sample[rest] = np.where(k == 0, par[starts[sec_of]], starts[sec_of] + k - 1)
    pt_d = d[sample]
    # The copy of a soma sample at the start of a non-soma section takes its own diameter.
    copy_fix = np.flatnonzero(
        (sec_parent >= 0) & (sec_type[np.maximum(sec_parent, 0)] == 1) & (sec_type != 1)
    )
    pt_d[offsets[copy_fix]] = pt_d[offsets[copy_fix] + 1]
    pt_xyz = xyz[sample]

    # --- chk_valid: drop one-point and zero-length two-point sections (not the root).
    keep = np.ones(n_sec, dtype=bool)
    removed = []
    for s in range(n_sec - 1, 0, -1):
        geometric = counts[s] - sec_first[s]
        a = offsets[s] + sec_first[s]
        zero_length = geometric == 2 and bool(np.all(np.abs(pt_xyz[a] - pt_xyz[a + 1]) <= HOC_EPSILON))
        if zero_length:
            removed.append(sample[offsets[s] : offsets[s + 1]])
        if geometric <= 1 or zero_length:
            keep[s] = False
            kids = np.flatnonzero(sec_parent == s)
            kids = kids[kids > s]
            sec_parent[kids] = sec_parent[s]
            sec_x[kids] = sec_x[s]

    # --- instantiate: leave out wire copies, renumber, single-point root -> cylinder.
    kept = np.flatnonzero(keep)
    new_index = np.full(n_sec, -1)
    new_index[kept] = np.arange(len(kept))
    for_sections = np.repeat(np.arange(n_sec), counts)
    local = np.arange(offsets[-1]) - offsets[for_sections]
    point_keep = keep[for_sections] & (local >= sec_first[for_sections])
    new_counts = (counts - sec_first)[kept]
    pt_xyz, pt_d, sample = pt_xyz[point_keep], pt_d[point_keep], sample[point_keep]
    if new_counts[0] == 1:
        r = pt_d[0] / 2.0
        pt_xyz = np.concatenate([np.repeat(pt_xyz[:1], 3, axis=0), pt_xyz[1:]])
        pt_xyz[0, 0] -= r
        pt_xyz[2, 0] += r
        pt_d = np.concatenate([np.repeat(pt_d[:1], 3), pt_d[1:]])
        sample = np.concatenate([np.repeat(sample[:1], 3), sample[1:]])
        new_counts = new_counts.copy()
        new_counts[0] = 3
    parents = sec_parent[kept]
    return Sections(
        type=sec_type[kept],
        parent=np.where(parents >= 0, new_index[np.maximum(parents, 0)], -1),
        parent_x=sec_x[kept],
        offsets=np.concatenate([[0], np.cumsum(new_counts)]),
        xyz=pt_xyz,
        diam=pt_d,
        sample=sample,
        wire=sec_first[kept] == 1,
        removed=tuple(reversed(removed)),
    )
