"""Measures of a cell's anatomy, one value per compartment (NumPy, float64).

All take a `Cell` (or any module) and return arrays over its compartments in their order
(branch-major), so that a comparison gives a mask for ``cell.select``:

    >>> import dendrax as dx
    >>> cell = dx.Cell([dx.Branch(length=200.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
    >>> cell.add_group("soma", cell.branch(0))
    >>> dx.path_distance(cell).tolist()  # from soma(0.5): the centre of its compartment 2
    [100.0, 50.0, 0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 100.0, 150.0, 200.0, 250.0]
    >>> far = cell.select(dx.path_distance(cell) > 180.0)
    >>> far.comps.tolist()
    [6, 7, 10, 11]
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

import numpy as np
from jaxtyping import Float, Int

from .layout import _topological, branch_points, point_at

if TYPE_CHECKING:
    from ..model.module import Module

__all__ = [
    "neuron_section_names",
    "branch_order",
    "compartment_centers",
    "euclidean_distance",
    "path_distance",
    "soma_point",
    "total_area",
    "total_length",
]


def soma_point(module: Module, root: int | None = None) -> tuple[int, float]:
    """``(branch, x)`` of NEURON's usual origin ``soma(0.5)``: the centre of the soma's
    middle compartment (the one containing x = 0.5, as NEURON's ``h.distance`` takes it), on
    the root if it is in the ``soma`` group, else on the first branch of that group.

    ``root``: the root branch of the cell to take it in (a network has one per cell;
    default the first)."""
    data = module._data
    roots = np.flatnonzero(data.parent == -1)
    root = int(roots[0]) if root is None else int(root)
    point = _soma_points(module).get(root)
    if point is None:
        which = "this cell" if len(roots) == 1 else f"cell {int(np.flatnonzero(roots == root)[0])} (root branch {root})"
        raise ValueError(f"{which} has no {_NO_SOMA}")
    return point


_NO_SOMA = (
    "'soma' group, so distances have no default origin (NEURON's soma(0.5)); name one with "
    "cell.add_group('soma', cell.branch(0)) (read_swc names it), or give "
    "origin=cell.branch(0).loc(0.5), the middle of the root branch"
)


def _soma_points(module: Module) -> dict[int, tuple[int, float]]:
    """`soma_point` of every cell that has a soma, by root branch (one pass over the cell)."""
    data = module._data
    soma = data.groups.get("soma")
    if soma is None:
        return {}
    tree = _tree_of(data.parent)
    x = _comp_x(module)
    out = {}
    for b in np.unique(data.comp_branch[soma]):  # in branch order: the first soma branch
        root = int(tree[b])
        if root not in out or b == root:  # the root itself, if it is in the soma group
            n = int(data.ncomp[b])
            out[root] = (int(b), float(x[int(data.comp_start[b]) + min(int(0.5 * n), n - 1)]))
    return out


def _tree_of(parent: np.ndarray) -> np.ndarray:
    """The root branch of the tree (cell) each branch belongs to."""
    tree = np.arange(len(parent))
    for b in _topological(parent):
        if parent[b] >= 0:
            tree[b] = tree[parent[b]]
    return tree


def _as_point(module: Module, origin: Any) -> tuple[int, float]:
    from ..model.view import View

    if origin is None:
        return soma_point(module)
    if isinstance(origin, tuple) and len(origin) == 2:
        if isinstance(origin[0], (bool, np.bool_)) or not isinstance(origin[0], (int, np.integer)):
            raise TypeError(f"origin (branch, x) takes a whole branch number; got {origin[0]!r}")
        b, x = int(origin[0]), float(origin[1])
        if not (0 <= b < module.n_branches and 0.0 <= x <= 1.0):
            raise ValueError(
                f"origin (branch, x) must have 0 <= branch < {module.n_branches} and 0 <= x <= 1; got {origin}"
            )
        return b, x
    if isinstance(origin, View):
        if origin._module is not module:
            raise ValueError("origin must be a point of the same cell")
        sites = origin.sites
        if len(sites) != 1:
            raise ValueError(
                f"origin must be a single point, e.g. cell.branch(0).loc(0.5); got {len(sites)} points"
            )
        site = sites[0]
        data = module._data
        if site.kind == "comp":
            return int(data.comp_branch[site.index]), float(_comp_x(module)[site.index])
        return int(site.index), (0.0 if site.kind == "start" else 1.0)
    raise TypeError(
        f"origin must be None (the soma), a point such as cell.branch(0).loc(0.5), or (branch, x); got {origin!r}"
    )


def _branch_lengths(module: Module) -> np.ndarray:
    data = module._data
    return np.bincount(data.comp_branch, weights=data.columns["length"], minlength=data.n_branches)


def _comp_x(module: Module) -> np.ndarray:
    """Where each compartment's centre lies along its branch (fraction of the branch's
    length): ``(k + 0.5) / n`` for a branch of equal compartments (NEURON's segment
    centres), from the lengths otherwise (after ``set("length", [...])`` with different
    values)."""
    data = module._data
    length = data.columns["length"]
    start = np.repeat(data.comp_start, data.ncomp)
    k = np.arange(data.n_comps) - start
    equal = (k + 0.5) / np.repeat(data.ncomp, data.ncomp)
    uneven = np.maximum.reduceat(length, data.comp_start) != np.minimum.reduceat(length, data.comp_start)
    if not uneven.any():
        return equal
    before = np.cumsum(length) - length  # from the cell's first compartment
    x = (before - before[start] + 0.5 * length) / _branch_lengths(module)[data.comp_branch]
    return np.where(uneven[data.comp_branch], x, equal)


def path_distance(module: Module, origin: Any = None) -> Float[np.ndarray, " comps"]:
    """Distance along the cell (µm) from ``origin`` to every compartment centre.

    Args:
        module: the cell.
        origin: ``None`` for the soma (NEURON's ``h.distance(soma(0.5), seg)``), a point
            (``cell.branch(3).loc(1.0)``; an interior ``loc`` means that compartment's
            centre, as in NEURON), or ``(branch, x)`` for the exact fraction ``x`` of a
            branch (NEURON would take the centre of the compartment containing it).

    A branch connected strictly inside its parent (``parent_x`` in (0, 1)) starts at the
    centre of the parent's compartment there, where it is connected electrically.

    Returns:
        (n_comps,) distances in µm, equal to NEURON's ``h.distance(origin, seg)``. In a
        network, ``None`` measures each cell from its own soma, and a point measures its own
        cell; the other cells' compartments, which no path reaches, are NaN.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> dx.path_distance(cell, origin=cell.branch(0).loc(0.0)).tolist()   # µm from the root's start
        [25.0, 75.0, 125.0, 175.0, 125.0, 175.0]
        >>> dx.path_distance(cell, origin=(1, 1.0)).tolist()                  # from the tip of branch 1
        [175.0, 125.0, 75.0, 25.0, 125.0, 175.0]
    """
    if origin is None:  # each cell from its own soma
        return _path_distance(module, _default_origins(module))
    bo, xo = _as_point(module, origin)
    return _path_distance(module, {int(_tree_of(module._data.parent)[bo]): (bo, xo)})


def _default_origins(module: Module) -> dict[int, tuple[int, float]]:
    """Each cell's soma point, by root branch; an error if no cell (or the only one) has one."""
    origins = _soma_points(module)
    if not origins:
        roots = np.flatnonzero(module._data.parent == -1)
        raise ValueError(f"{'this cell has no' if len(roots) == 1 else 'no cell of this network has a'} {_NO_SOMA}")
    return origins


def _path_distance(module: Module, origins: dict[int, tuple[int, float]]) -> np.ndarray:
    """`path_distance` in each cell from its origin ``(branch, x)`` (keyed by root branch);
    NaN in cells without one. One pass over the cell, whatever the number of cells."""
    data = module._data
    length = _branch_lengths(module)
    parent = data.parent
    # A branch hanging strictly inside its parent hangs on the centre of the compartment
    # there (the node it is connected to, in NEURON and in dendrax's circuit).
    raw_x = data.parent_x
    safe_parent = np.maximum(parent, 0)
    n_parent = data.ncomp[safe_parent]
    inner = (raw_x > 0.0) & (raw_x < 1.0)
    at_comp = data.comp_start[safe_parent] + np.minimum(np.floor(raw_x * n_parent), n_parent - 1).astype(np.int64)
    cx = _comp_x(module)
    px = np.where(inner, cx[at_comp], raw_x)
    order = _topological(parent)
    dist0 = np.zeros(data.n_branches)  # from the root's 0 end to each branch's 0 end
    for b in order:
        p = parent[b]
        if p >= 0:
            dist0[b] = dist0[p] + px[b] * length[p]
    on_chain = np.zeros(data.n_branches, dtype=bool)
    exit_x = np.zeros(data.n_branches)  # where the path to the origin leaves a chain branch
    d_origin = np.full(data.n_branches, np.nan)  # by root: the origin's distance from it
    for root, (b, x) in origins.items():
        d_origin[root] = dist0[b] + x * length[b]
        while b >= 0:
            on_chain[b] = True
            exit_x[b] = x
            b, x = int(parent[b]), float(px[b])
    meet_branch = np.arange(data.n_branches)
    meet_x = np.full(data.n_branches, np.nan)  # NaN: the compartment's own x (chain branches)
    for b in order:
        p = parent[b]
        if on_chain[b] or p < 0:
            continue
        if on_chain[p]:
            meet_branch[b], meet_x[b] = p, px[b]
        else:
            meet_branch[b], meet_x[b] = meet_branch[p], meet_x[p]
    cb = data.comp_branch
    a = meet_branch[cb]
    ax = np.where(np.isnan(meet_x[cb]), cx, meet_x[cb])
    meet = dist0[a] + np.minimum(ax, exit_x[a]) * length[a]
    d_comp = dist0[cb] + cx * length[cb]
    return d_origin[_tree_of(parent)[cb]] + d_comp - 2.0 * meet


def compartment_centers(module: Module) -> Float[np.ndarray, "comps 3"]:
    """3-D centre (µm) of every compartment: the point half way along it on its branch's
    3-D points (laid out from the lengths for branches built by hand).

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> xyz = dx.compartment_centers(cell)            # µm, one row per compartment
        >>> xyz.shape, xyz[:2].tolist()                   # the root lies along x
        ((6, 3), [[25.0, 0.0, 0.0], [75.0, 0.0, 0.0]])
    """
    return _centres(module, branch_points(module))


def _centres(module: Module, points: list[np.ndarray]) -> np.ndarray:
    """`compartment_centers` on the branches' ``points`` (`branch_points`)."""
    data = module._data
    x = _comp_x(module)
    out = np.empty((data.n_comps, 3))
    for b, pts in enumerate(points):
        n = int(data.ncomp[b])
        s = int(data.comp_start[b])
        out[s : s + n] = point_at(pts, x[s : s + n])
    return out


def euclidean_distance(module: Module, point: Any = None) -> Float[np.ndarray, " comps"]:
    """Straight-line distance (µm) from ``point`` to every compartment centre.

    Args:
        point: ``None`` for the soma (as `path_distance`), a point of the cell (like its
            ``origin``), or coordinates ``(x, y, z)`` in µm.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> dx.euclidean_distance(cell, (0.0, 0.0, 0.0)).round(1).tolist()   # µm, straight lines
        [25.0, 75.0, 123.4, 171.6, 123.4, 171.6]
        >>> dx.path_distance(cell, origin=(0, 0.0)).tolist()                 # µm along the cable: longer
        [25.0, 75.0, 125.0, 175.0, 125.0, 175.0]
    """
    from ..model.view import View

    data = module._data
    points = branch_points(module)  # rebuilt after edits: once for the centres and the point
    centres = _centres(module, points)
    if point is None:  # in a network, each cell from its own soma (NaN without one)
        tree = _tree_of(data.parent)[data.comp_branch]
        xyz = np.full((data.n_comps, 3), np.nan)
        for root, (b, x) in _default_origins(module).items():
            xyz[tree == root] = point_at(points[b], x)
    elif isinstance(point, View) or (isinstance(point, tuple) and len(point) == 2):
        b, x = _as_point(module, point)
        xyz = point_at(points[b], x)
    else:
        try:
            xyz = np.asarray(point, dtype=np.float64)
        except (TypeError, ValueError):
            xyz = np.full(1, np.nan)
        if xyz.shape != (3,) or not np.all(np.isfinite(xyz)):
            raise ValueError(
                f"point must be None, a point of the cell, or finite (x, y, z) in µm; got {point!r}"
            )
    return np.linalg.norm(centres - xyz, axis=-1)


def branch_order(module: Module) -> Int[np.ndarray, " comps"]:
    """Centrifugal branch order of every compartment: 0 in the soma (or the root branch of a
    cell without soma), +1 past the soma and past every branch point (a branch hanging
    inside its parent makes one there). A branch that continues its parent alone (the only
    branch at the parent's 1 end, or at the 0 end of a root; e.g. a type change) keeps its
    parent's order.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0)] * 5, parents=[-1, 0, 0, 1, 1])
        >>> cell.add_group("soma", cell.branch(0))
        >>> dx.branch_order(cell).tolist()                # one compartment per branch
        [0, 1, 1, 2, 2]
    """
    data = module._data
    soma = data.groups.get("soma")
    soma_branch = np.zeros(data.n_branches, dtype=bool)
    if soma is not None:
        soma_branch[np.unique(data.comp_branch[soma])] = True
    from ..model.site import Site, node_key

    # The branches meeting at each node: a branch starts at its parent's end, at a
    # compartment inside it, or at a root's 0 end (a branch at 0 of a sibling starts at that
    # sibling's start); the branch whose end or compartment that is meets them there.
    meeting: dict = {}
    for b in range(data.n_branches):
        if data.parent[b] >= 0:
            kind, index = key = node_key(data, Site("start", b))
            host = int(data.comp_branch[index]) if kind == "comp" else index
            meeting.setdefault(key, [host]).append(b)
    by_branch: dict[int, list] = {}
    for key, branches in meeting.items():
        for b in branches:
            by_branch.setdefault(b, []).append(key)
    # Outwards from the soma (the root where there is none), over the tree as an undirected
    # graph: a soma not at the file's first sample is still where orders start (a review:
    # the neurite between the root and the soma got 0). Crossing a node costs 1, except
    # into the soma, and where exactly two branches meet off the soma (a continuation).
    starts = np.flatnonzero(soma_branch) if soma_branch.any() else np.flatnonzero(data.parent < 0)
    order = np.full(data.n_branches, -1, dtype=np.int64)
    order[starts] = 0
    queue = collections.deque(int(b) for b in starts)
    while queue:  # each branch is reached once: a tree
        a = queue.popleft()
        for key in by_branch.get(a, ()):
            branches = meeting[key]
            for c in branches:
                if order[c] >= 0:
                    continue
                through = key[0] == "comp" or soma_branch[a] or len(branches) != 2
                order[c] = order[a] + (0 if soma_branch[c] else int(through))
                queue.append(c)
    return order[data.comp_branch]


_NEURON_BASE = {"soma": "soma", "axon": "axon", "basal": "dend", "apical": "apic"}


def neuron_section_names(module: Module) -> list[str]:
    """NEURON's name of each branch of a cell read by `read_swc`, as Import3d names the
    sections it creates (``soma[0]``, ``axon[2]``, ``dend[5]`` for basal dendrites,
    ``apic[3]``, ``dend_7[0]`` for SWC type 7), to match branches with NEURON's sections.

    The branches follow the file's samples (a parent before its children), which is not the
    order of ``h.allsec()`` (NEURON lists the sections type by type): match by name, e.g.
    ``{sec.name(): sec for sec in h.allsec()}``. Names refer to the cell as read, before
    any editing.

    Example:
        >>> import pathlib, tempfile
        >>> import dendrax as dx
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "cell.swc"
        >>> _ = path.write_text("1 1 0 0 0 5 -1\\n2 4 0 5 0 1 1\\n3 3 0 -5 0 1 1\\n4 4 0 50 0 1 2\\n")
        >>> dx.neuron_section_names(dx.read_swc(path, ncomp=1))  # h.allsec(): soma, dend, apic, apic
        ['soma[0]', 'apic[0]', 'dend[0]', 'apic[1]']
    """
    data = module._data
    counts: dict[str, int] = {}
    names = []
    for b in range(data.n_branches):
        first = data.comp_start[b]
        types = [g for g, mask in data.groups.items() if mask[first] and (g in _NEURON_BASE or g.startswith("custom"))]
        if not types:
            raise ValueError(
                f"branch {b} has no SWC type group (soma, axon, basal, apical, customN): NEURON's section names "
                "are those of a cell read by dx.read_swc"
            )
        if types[0] in _NEURON_BASE:
            base = _NEURON_BASE[types[0]]
        else:
            t = int(types[0][len("custom") :])
            base = f"dend_{t}" if t >= 0 else f"minus_{-t}"
        names.append(f"{base}[{counts.get(base, 0)}]")
        counts[base] = counts.get(base, 0) + 1
    return names


def _comps_of(target: Any) -> tuple[Module, np.ndarray]:
    from ..model.view import View

    if isinstance(target, View):
        return target._module, np.unique(target.comps)
    return target, np.arange(target.n_comps)


def total_area(target: Any) -> float:
    """Membrane area (µm²) of a cell or a selection (``cell.apical``).

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> round(dx.total_area(cell), 1), round(dx.total_area(cell.branch(0)), 1)   # µm²: 2π r L
        (1885.0, 628.3)
    """
    module, comps = _comps_of(target)
    data = module._data
    c = data.columns
    return float(
        np.sum(2.0 * np.pi * c["radius"][comps] * c["length"][comps] * data.shape["area_factor"][comps])
    )


def total_length(target: Any) -> float:
    """Cable length (µm) of a cell or a selection.

    Example:
        >>> import dendrax as dx
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> dx.total_length(cell), dx.total_length(cell.branch([1, 2]))   # µm
        (300.0, 200.0)
    """
    module, comps = _comps_of(target)
    return float(np.sum(module._data.columns["length"][comps]))
