"""Node order and solve plan for the voltage equation of one or many neurons.

The voltage equation couples each node (compartment centre or zero-area junction) to its
neighbours through axial conductances; its graph is a forest. Most nodes lie on *chains*:
runs of compartments with at most two neighbours (the inside of a branch). The plan
eliminates all chains at once, row by row along them, so that every step is a contiguous
slice operation over all chains; what is left is a small forest of *separator* nodes
(branch points, somata with many children, chain ends) solved by parallel tree
contraction (`schedule_forest`).

Chain nodes are stored in *jagged diagonal* order: chains sorted by decreasing length,
then row ``j`` (the ``j``-th node of every chain long enough) is one contiguous slice, and
the chains present in row ``j`` are a prefix of those in row ``j - 1``. Separator nodes
follow the chain nodes. This order is the node order of a compiled `System`.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from .contraction import Schedule, schedule_forest

__all__ = ["SolverLayout", "plan_solver"]


@dataclasses.dataclass(frozen=True, eq=False)
class SolverLayout:
    """How to order and solve a forest-shaped nodal system (computed once, in NumPy).

    Attributes:
        n: number of nodes.
        order: ``order[new] = old``: caller's node ids in solver order.
        n_chain_nodes: nodes ``[0, n_chain_nodes)`` lie on chains (jagged-diagonal order).
        row_sizes: number of chains present in each row (non-increasing).
        chain_top, chain_bottom: separator (local index, ``n_sep`` when absent) joined to
            the first and to the last node of each chain.
        chain_last: position of each chain's last node among the chain nodes.
        separators: schedule of the reduced system over the ``n - n_chain_nodes``
            separators; its edges are the direct separator-separator edges followed by
            one edge per chain that has both a top and a bottom.
        edge_kind, edge_index: for each caller edge, where its weight goes: 0 the
            upstream weight of chain node ``edge_index`` (first nodes: weight to top),
            1 the bottom weight of chain ``edge_index``, 2 direct separator edge number
            ``edge_index``.
        n_direct: number of direct separator-separator edges.
        chain_edge_chains: the chains with both ends (their T-B edge order).
        separator_pulls: (width, n_sep) indices into ``[top hand-over of each chain, bottom
            hand-over of each chain, 0]``: what each separator receives from its chains.
        separator_weight_source: for each slot of the separator schedule, index into
            ``[direct edge weights, fill weight of each chain, 0]``.
    """

    n: int
    order: np.ndarray
    rank: np.ndarray
    n_chain_nodes: int
    row_sizes: tuple[int, ...]
    chain_top: np.ndarray
    chain_bottom: np.ndarray
    chain_last: np.ndarray
    separators: Schedule
    edge_kind: np.ndarray
    edge_index: np.ndarray
    n_direct: int
    chain_edge_chains: np.ndarray
    separator_pulls: np.ndarray
    separator_weight_source: np.ndarray
    digest: str

    @property
    def n_chains(self) -> int:
        return self.row_sizes[0] if self.row_sizes else 0

    @property
    def n_separators(self) -> int:
        return self.n - self.n_chain_nodes

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SolverLayout) and other.digest == self.digest


def plan_solver(n: int, edges: np.ndarray, separator: np.ndarray | None = None) -> SolverLayout:
    """Plan the solve of an ``n``-node system whose graph (``edges``, shape (E, 2)) is a forest.

    Args:
        n: number of nodes.
        edges: undirected edges (pairs of node ids).
        separator: optional boolean mask of nodes that must not lie on a chain (e.g.
            zero-area junctions, so that chain nodes are all compartments). Nodes of
            degree three or more are always separators.

    Nodes on chains keep their relative order along the chain as given by the caller's
    numbering where possible (a chain runs from its lower-numbered end).
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) > max(n - 1, 0):
        raise ValueError(f"a forest of {n} nodes has at most {n - 1} edges; got {len(edges)}: it has a cycle")
    degree = np.bincount(edges.ravel(), minlength=n) if len(edges) else np.zeros(n, np.int64)
    is_sep = degree >= 3
    if separator is not None:
        is_sep = is_sep | np.asarray(separator, dtype=bool)

    neighbours: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (a, b) in enumerate(edges):
        neighbours[a].append((b, e))
        neighbours[b].append((a, e))

    # Walk the chains: maximal paths of non-separator nodes.
    visited = np.zeros(n, dtype=bool)
    chains: list[list[int]] = []
    for start in range(n):
        if is_sep[start] or visited[start]:
            continue
        # Go to one end of the path: follow non-separator neighbours towards lower ids first.
        end, prev = start, -1
        while True:
            nxt = [b for b, _ in neighbours[end] if not is_sep[b] and b != prev]
            if not nxt:
                break
            prev, end = end, nxt[0]
            if end == start:
                raise ValueError("the system graph has a cycle")
        path = [end]
        visited[end] = True
        prev = -1
        cur = end
        while True:
            nxt = [b for b, _ in neighbours[cur] if not is_sep[b] and b != prev]
            if not nxt:
                break
            prev, cur = cur, nxt[0]
            if visited[cur]:
                raise ValueError("the system graph has a cycle")
            visited[cur] = True
            path.append(cur)
        if path[-1] < path[0]:
            path.reverse()
        chains.append(path)

    sep_nodes = np.flatnonzero(is_sep)
    n_sep = len(sep_nodes)
    sep_local = np.full(n, -1, dtype=np.int64)
    sep_local[sep_nodes] = np.arange(n_sep)

    # Separator neighbours of each chain's two ends.
    tops, bottoms, top_edges, bottom_edges = [], [], [], []
    for path in chains:
        first, last = path[0], path[-1]
        inner = set(path)
        first_seps = [(b, e) for b, e in neighbours[first] if b not in inner]
        last_seps = [(b, e) for b, e in neighbours[last] if b not in inner]
        if len(path) == 1:
            ends = first_seps  # up to two separators around a single node
            top = ends[0] if len(ends) > 0 else None
            bottom = ends[1] if len(ends) > 1 else None
        else:
            top = first_seps[0] if first_seps else None
            bottom = last_seps[0] if last_seps else None
        if top is None and bottom is not None:
            top, bottom = bottom, None  # a chain hanging from one separator: call it the top
            path.reverse()
        tops.append(top)
        bottoms.append(bottom)
        top_edges.append(top[1] if top else -1)
        bottom_edges.append(bottom[1] if bottom else -1)

    # Jagged-diagonal order: chains by decreasing length (stable).
    lengths = np.array([len(p) for p in chains], dtype=np.int64)
    chain_order = np.argsort(-lengths, kind="stable")
    chains = [chains[i] for i in chain_order]
    tops = [tops[i] for i in chain_order]
    bottoms = [bottoms[i] for i in chain_order]
    lengths = lengths[chain_order]
    n_chains = len(chains)
    max_len = int(lengths[0]) if n_chains else 0
    row_sizes = tuple(int(np.sum(lengths > j)) for j in range(max_len))
    order_chain = [chains[c][j] for j in range(max_len) for c in range(row_sizes[j])]
    n_chain_nodes = len(order_chain)
    order = np.concatenate([np.asarray(order_chain, dtype=np.int64), sep_nodes]).astype(np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    row_offsets = np.concatenate([[0], np.cumsum(row_sizes)]).astype(np.int64)
    chain_last = np.array(
        [row_offsets[lengths[c] - 1] + c for c in range(n_chains)], dtype=np.int64
    )

    chain_top = np.array([sep_local[t[0]] if t else n_sep for t in tops], dtype=np.int64)
    chain_bottom = np.array([sep_local[b[0]] if b else n_sep for b in bottoms], dtype=np.int64)

    # Where each caller edge's weight lives.
    edge_kind = np.full(len(edges), -1, dtype=np.int64)
    edge_index = np.full(len(edges), -1, dtype=np.int64)
    for c, path in enumerate(chains):
        for j, node in enumerate(path):
            if j == 0:
                e = tops[c][1] if tops[c] else -1
            else:
                e = _edge_between(neighbours, path[j - 1], node)
            if e >= 0:
                edge_kind[e] = 0
                edge_index[e] = rank[node]
        if bottoms[c]:
            edge_kind[bottoms[c][1]] = 1
            edge_index[bottoms[c][1]] = c
    direct = [e for e in range(len(edges)) if is_sep[edges[e, 0]] and is_sep[edges[e, 1]]]
    for i, e in enumerate(direct):
        edge_kind[e] = 2
        edge_index[e] = i
    if np.any(edge_kind < 0):  # pragma: no cover - every edge of a forest is classified
        raise RuntimeError("internal error: an edge was not assigned to the solver plan")

    both = np.flatnonzero((chain_top < n_sep) & (chain_bottom < n_sep))
    sep_edges = [(sep_local[edges[e, 0]], sep_local[edges[e, 1]]) for e in direct]
    sep_edges += [(chain_top[c], chain_bottom[c]) for c in both]
    separators = schedule_forest(n_sep, np.array(sep_edges, dtype=np.int64).reshape(-1, 2))

    # What each separator pulls from the chains around it (padded to the widest).
    received: list[list[int]] = [[] for _ in range(n_sep)]
    for c in range(n_chains):
        if chain_top[c] < n_sep:
            received[chain_top[c]].append(c)
        if chain_bottom[c] < n_sep:
            received[chain_bottom[c]].append(n_chains + c)
    width = max((len(r) for r in received), default=0)
    separator_pulls = np.full((width, n_sep), 2 * n_chains, dtype=np.int64)
    for s_, items in enumerate(received):
        separator_pulls[: len(items), s_] = items
    # Weight of each separator-schedule slot: a direct edge or a chain's fill edge.
    separator_weight_source = np.full(n_sep, len(direct) + n_chains, dtype=np.int64)
    n_sep_edges = len(sep_edges)
    if n_sep_edges:
        sources = np.concatenate([np.arange(len(direct)), len(direct) + both]).astype(np.int64)
        separator_weight_source[separators.edge_slot] = sources

    h = hashlib.sha1()
    for arr in (order, np.asarray(row_sizes), chain_top, chain_bottom, edge_kind, edge_index, separator_pulls):
        h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    h.update(separators.fingerprint())
    return SolverLayout(
        n=n,
        order=order,
        rank=rank,
        n_chain_nodes=n_chain_nodes,
        row_sizes=row_sizes,
        chain_top=chain_top,
        chain_bottom=chain_bottom,
        chain_last=chain_last,
        separators=separators,
        edge_kind=edge_kind,
        edge_index=edge_index,
        n_direct=len(direct),
        chain_edge_chains=both,
        separator_pulls=separator_pulls,
        separator_weight_source=separator_weight_source,
        digest=h.hexdigest(),
    )


def _edge_between(neighbours: list[list[tuple[int, int]]], a: int, b: int) -> int:
    for other, e in neighbours[a]:
        if other == b:
            return e
    raise RuntimeError(f"internal error: nodes {a} and {b} are not adjacent")
