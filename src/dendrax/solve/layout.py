"""Node order and solve plan for the voltage equation of one or many neurons.

The voltage equation couples each node (compartment centre or zero-area junction) to its
neighbours through axial conductances; its graph is a forest. Most nodes lie on *chains*:
runs of compartments with at most two neighbours (the inside of a branch), each joined at its
ends to at most two *separators* (branch points, somata with many children, chain ends that
the caller marks). The plan (computed once, in NumPy) cuts every chain at its middle node into
two *half-chains*, each hanging from the separator at its outer end, so that the sequential
part of the solve is half a chain long:

1. all half-chains are swept at once from their separator end towards the middle, one *row*
   (the ``s``-th node from the end of every half-chain long enough) per step;
2. the middle nodes (one *middle row*) are eliminated, handing each chain's contribution to
   its two separators and joining them by a fill edge;
3. the separator system (a small forest) is solved by parallel tree contraction
   (`contraction`);
4. the rows are swept back to recover the chain nodes.

Node order (the order of a compiled `System`): half-chain rows first, then the middle row,
then the separators. Half-chains are sorted by decreasing length, so the half-chains present
in row ``s`` are a prefix of those of row ``s - 1`` and each row is a contiguous slice.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from .contraction import FILL, HD0, HD1, HR0, HR1, SeparatorSchedule, as_int32, schedule_forest

__all__ = ["SolverLayout", "plan_solver", "MIDDLE_ROWS"]

# Rows of the middle row's output: as a contraction round's (`contraction.ROWS`).
MIDDLE_ROWS = 9
# Rows of a half-chain state (see `hines`).
STATE_ROWS = 6


@dataclasses.dataclass(frozen=True, eq=False)
class SolverLayout:
    """How to order and solve a forest-shaped nodal system (computed once, in NumPy).

    Attributes:
        n: number of nodes.
        order: ``order[new] = old``: caller's node ids in solver order.
        rank: ``rank[old] = new``.
        n_chain_nodes: nodes ``[0, n_chain_nodes)`` lie on chains (half-chain rows, then the
            middle row); the rest are separators.
        row_sizes: number of half-chains present in each row (non-increasing).
        n_chains: number of chains (= size of the middle row).
        chain_top, chain_bottom: (n_chains,) separator at each end of each chain (local
            index; ``n_separators`` where there is none).
        half_chain_of: (2 n_chains,) chain of each half-chain (half-chain order).
        half_end: (2 n_chains,) separator at the outer end of each half-chain (local index;
            ``n_separators`` where there is none).
        half_length: (2 n_chains,) number of nodes of each half-chain (may be zero).
        end_rows: rows where some half-chain ends, longest first: the *final state buffer*
            is the tails of these rows' states, then a zero state, flattened.
        last_top, last_bottom: (STATE_ROWS, n_chains) index in that buffer of each entry of
            the final state of each chain's top / bottom half (the dummy for an empty half).
        top_pieces, bottom_pieces: the same as runs ``(row, first column, count)`` of the
            rows' states, in chain order; the chains after them have an empty half.
        separators: contraction schedule of the separator system.
        weight_index: (K,) index into ``[caller edge weights, 0]`` of every weight the solve
            uses, laid out in `couple` order (see `weight_segments`).
        weight_segments: name -> (start, stop) of each segment of that layout.
        chain_neighbours, separator_neighbours: (2, n_chain_nodes) and (width, n_separators)
            the neighbours (solver order; ``n`` = none) of each chain node and of each
            separator, and ``*_neighbour_edge`` the caller edges joining them (``E`` = none),
            for `matvec`.
        serial_order: (n,) the nodes (solver order) children before parents, for the serial
            elimination of `native`; ``serial_parent`` (n,) each node's parent (solver order,
            -1 for a root) and ``serial_edge`` (n,) the caller edge joining them (``E`` = none).
        digest: identifies the plan (hash and equality).
    """

    n: int
    order: np.ndarray
    rank: np.ndarray
    n_chain_nodes: int
    row_sizes: tuple[int, ...]
    n_chains: int
    chain_top: np.ndarray
    chain_bottom: np.ndarray
    half_chain_of: np.ndarray
    half_end: np.ndarray
    half_length: np.ndarray
    last_top: np.ndarray
    last_bottom: np.ndarray
    end_rows: tuple[int, ...]
    top_pieces: tuple[tuple[int, int, int], ...]
    bottom_pieces: tuple[tuple[int, int, int], ...]
    separators: SeparatorSchedule
    weight_index: np.ndarray
    weight_segments: dict[str, tuple[int, int]]
    chain_neighbours: np.ndarray
    chain_neighbour_edge: np.ndarray
    separator_neighbours: np.ndarray
    separator_neighbour_edge: np.ndarray
    serial_order: np.ndarray
    serial_parent: np.ndarray
    serial_edge: np.ndarray
    digest: str

    @property
    def n_separators(self) -> int:
        return self.n - self.n_chain_nodes

    @property
    def n_rows(self) -> int:
        return len(self.row_sizes)

    def row_offsets(self) -> np.ndarray:
        """Start of each row in solver order, and the start of the middle row last."""
        return np.concatenate([[0], np.cumsum(self.row_sizes)]).astype(np.int64)

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SolverLayout) and other.digest == self.digest


def _find_chains(n: int, neighbours: list[list[tuple[int, int]]], is_sep: np.ndarray) -> list[list[int]]:
    """Maximal paths of non-separator nodes, each from its lower-numbered end."""
    visited = np.zeros(n, dtype=bool)
    chains: list[list[int]] = []
    for start in range(n):
        if is_sep[start] or visited[start]:
            continue
        end, prev = start, -1
        while True:  # walk to one end of the path
            nxt = [b for b, _ in neighbours[end] if not is_sep[b] and b != prev]
            if not nxt:
                break
            prev, end = end, nxt[0]
            if end == start:
                raise ValueError("the system graph has a cycle")
        path, prev, cur = [end], -1, end
        visited[end] = True
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
    return chains


def _serial_plan(
    n: int, neighbours: list[list[tuple[int, int]]], rank: np.ndarray, none: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breadth-first order of each tree of the forest, reversed (children before parents), with
    each node's parent and the edge to it; everything in solver order."""
    parent = np.full(n, -1, dtype=np.int64)
    edge = np.full(n, none, dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    visit: list[int] = []
    for root in range(n):
        if seen[root]:
            continue
        seen[root] = True
        start = len(visit)
        visit.append(root)
        while start < len(visit):
            a = visit[start]
            start += 1
            for b, e in neighbours[a]:
                if not seen[b]:
                    seen[b] = True
                    parent[b], edge[b] = a, e
                    visit.append(b)
    old = np.asarray(visit[::-1], dtype=np.int64)
    solver_parent = np.full(n, -1, dtype=np.int64)
    has = parent >= 0
    solver_parent[rank[has]] = rank[parent[has]]
    solver_edge = np.full(n, none, dtype=np.int64)
    solver_edge[rank] = edge
    return rank[old], solver_parent, solver_edge


def plan_solver(n: int, edges: np.ndarray, separator: np.ndarray | None = None) -> SolverLayout:
    """Plan the solve of an ``n``-node system whose graph (``edges``, shape (E, 2)) is a forest.

    Args:
        n: number of nodes.
        edges: undirected edges (pairs of node ids).
        separator: optional boolean mask of nodes that must not lie on a chain (e.g.
            zero-area junctions, so that chain nodes are all compartments). Nodes of
            degree three or more are always separators.

    Raises:
        ValueError: if the graph has a cycle (or a self-loop or a repeated edge).
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    n_edges = len(edges)
    if n_edges > max(n - 1, 0):
        raise ValueError(f"a forest of {n} nodes has at most {n - 1} edges; got {n_edges}: it has a cycle")
    if n_edges and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"edge endpoints must lie in [0, {n})")
    if n_edges:
        pairs = np.sort(edges, axis=1)
        if np.any(pairs[:, 0] == pairs[:, 1]):
            raise ValueError(f"the system graph has a self-loop at node {int(pairs[pairs[:, 0] == pairs[:, 1]][0, 0])}")
        unique, counts = np.unique(pairs, axis=0, return_counts=True)
        if np.any(counts > 1):
            a, b = unique[np.argmax(counts > 1)]
            raise ValueError(f"the system graph repeats the edge ({a}, {b}): it has a cycle")
    degree = np.bincount(edges.ravel(), minlength=n) if n_edges else np.zeros(n, np.int64)
    is_sep = degree >= 3
    if separator is not None:
        is_sep = is_sep | np.asarray(separator, dtype=bool)
    neighbours: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (a, b) in enumerate(edges):
        neighbours[a].append((b, e))
        neighbours[b].append((a, e))

    chains = _find_chains(n, neighbours, is_sep)
    sep_nodes = np.flatnonzero(is_sep)
    n_sep = len(sep_nodes)
    sep_local = np.full(n, n_sep, dtype=np.int64)
    sep_local[sep_nodes] = np.arange(n_sep)

    # Each chain's end separators (local index, n_sep = none) and the edges to them.
    tops, bottoms = [], []
    for path in chains:
        inner = set(path)
        first = [(b, e) for b, e in neighbours[path[0]] if b not in inner]
        last = [(b, e) for b, e in neighbours[path[-1]] if b not in inner]
        if len(path) == 1:
            top, bottom = (first + [None, None])[:2]
        else:
            top = first[0] if first else None
            bottom = last[0] if last else None
        tops.append(top)
        bottoms.append(bottom)

    # Chains by decreasing length (stable); half-chains likewise.
    n_chains = len(chains)
    lengths = np.array([len(p) for p in chains], dtype=np.int64)
    chain_order = np.argsort(-lengths, kind="stable")
    chains = [chains[i] for i in chain_order]
    tops = [tops[i] for i in chain_order]
    bottoms = [bottoms[i] for i in chain_order]
    lengths = lengths[chain_order]
    middle = lengths // 2  # index of each chain's middle node
    # Half-chain h < n_chains: top half of chain h (path[middle-1] .. path[0] seen from the
    # top, i.e. node s is path[s]); h >= n_chains: bottom half (node s is path[L-1-s]).
    half_nodes: list[list[int]] = []
    half_end_edge: list[tuple[int, int] | None] = []
    for c, path in enumerate(chains):
        half_nodes.append(path[: middle[c]])
        half_end_edge.append(tops[c])
    for c, path in enumerate(chains):
        half_nodes.append(path[middle[c] + 1 :][::-1])
        half_end_edge.append(bottoms[c])
    half_length = np.array([len(h) for h in half_nodes], dtype=np.int64)
    half_order = np.argsort(-half_length, kind="stable")  # half-chain order
    half_nodes = [half_nodes[i] for i in half_order]
    half_end_edge = [half_end_edge[i] for i in half_order]
    half_length = half_length[half_order]
    half_chain_of = (half_order % max(n_chains, 1)).astype(np.int64)
    half_is_top = half_order < n_chains
    n_rows = int(half_length[0]) if len(half_length) else 0
    row_sizes = tuple(int(np.sum(half_length > s)) for s in range(n_rows))
    half_end = np.array([sep_local[e[0]] if e else n_sep for e in half_end_edge], dtype=np.int64)

    # Node order: rows, middle row, separators.
    order_list = [half_nodes[h][s] for s in range(n_rows) for h in range(row_sizes[s])]
    order_list += [path[middle[c]] for c, path in enumerate(chains)]
    n_chain_nodes = len(order_list)
    order = np.concatenate([np.asarray(order_list, dtype=np.int64), sep_nodes]).astype(np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)

    # Buffer of final half-chain states (used when there are many distinct half lengths): the
    # tails of the rows where half-chains end (longest first), then a zero state (which
    # serves empty halves), flattened.
    end_rows = tuple(
        s for s in reversed(range(n_rows)) if row_sizes[s] > (row_sizes[s + 1] if s + 1 < n_rows else 0)
    )
    final_state = np.empty((STATE_ROWS, 2 * n_chains), dtype=np.int64)
    buffered = 0  # states in the buffer so far
    for s in end_rows:
        first, stop = (row_sizes[s + 1] if s + 1 < n_rows else 0), row_sizes[s]
        final_state[:, first:stop] = (
            STATE_ROWS * (buffered + np.arange(stop - first))[None, :] + np.arange(STATE_ROWS)[:, None]
        )
        buffered += stop - first
    n_full = row_sizes[0] if n_rows else 0  # half-chains with at least one node
    final_state[:, n_full:] = STATE_ROWS * buffered + np.arange(STATE_ROWS)[:, None]  # the zero state
    last_top = np.empty((STATE_ROWS, n_chains), dtype=np.int64)
    last_bottom = np.empty((STATE_ROWS, n_chains), dtype=np.int64)
    for h in range(2 * n_chains):
        (last_top if half_is_top[h] else last_bottom)[:, half_chain_of[h]] = final_state[:, h]
    # The same as runs of columns of single rows: chains with equal half lengths are
    # consecutive, and so are their halves in the row where those end.
    column = np.empty(2 * n_chains, dtype=np.int64)  # of each (unsorted) half in its rows
    column[half_order] = np.arange(2 * n_chains)
    pieces = []
    for half_len, offset in ((middle, 0), (lengths - 1 - middle, n_chains)):
        runs: list[tuple[int, int, int]] = []
        for c in range(n_chains):
            if half_len[c] == 0:
                continue
            s = int(half_len[c]) - 1
            col = int(column[offset + c])
            if runs and runs[-1][0] == s and runs[-1][1] + runs[-1][2] == col:
                runs[-1] = (s, runs[-1][1], runs[-1][2] + 1)
            else:
                runs.append((s, col, 1))
        pieces.append(tuple(runs))
    top_pieces, bottom_pieces = pieces

    # Weights, as indices into [caller edge weights, 0].
    none = n_edges

    def edge_between(a: int, b: int) -> int:
        for other, e in neighbours[a]:
            if other == b:
                return e
        raise RuntimeError(f"internal error: nodes {a} and {b} are not adjacent")

    # Per row node: weight to its predecessor in the half-chain (row 0: to the end separator).
    w_up = np.full(n_chain_nodes, none, dtype=np.int64)
    # Per row node: weight to its successor (next row, or the middle node).
    w_down = np.full(n_chain_nodes, none, dtype=np.int64)
    pos = 0
    for s in range(n_rows):
        for h in range(row_sizes[s]):
            nodes = half_nodes[h]
            if s == 0:
                w_up[pos] = half_end_edge[h][1] if half_end_edge[h] else none
            else:
                w_up[pos] = edge_between(nodes[s - 1], nodes[s])
            c = half_chain_of[h]
            nxt = nodes[s + 1] if s + 1 < len(nodes) else chains[c][middle[c]]
            w_down[pos] = edge_between(nodes[s], nxt)
            pos += 1
    # Middle: weight to the last node of each half (none if the half is empty), and the
    # direct weight to the end separator when the half is empty.
    w_mid = np.full((4, n_chains), none, dtype=np.int64)  # top, bottom, direct top, direct bottom
    for c, path in enumerate(chains):
        m = middle[c]
        if m > 0:
            w_mid[0, c] = edge_between(path[m - 1], path[m])
        elif tops[c]:
            w_mid[2, c] = tops[c][1]
        if m + 1 < len(path):
            w_mid[1, c] = edge_between(path[m + 1], path[m])
        elif bottoms[c]:
            w_mid[3, c] = bottoms[c][1]

    # The separator system: direct edges, plus one fill edge per chain with two ends (its
    # weight is the middle row's fill output). Outside source: the middle row's output,
    # (n_chains + 1, MIDDLE_ROWS) flattened; its last row is zero.
    direct = [e for e in range(n_edges) if is_sep[edges[e, 0]] and is_sep[edges[e, 1]]]
    sep_edges = [(sep_local[edges[e, 0]], sep_local[edges[e, 1]]) for e in direct]
    fill_sources = [-1] * len(direct)
    external: list[list[tuple[int, int]]] = [[] for _ in range(n_sep)]
    for c in range(n_chains):
        t = sep_local[tops[c][0]] if tops[c] else n_sep
        b = sep_local[bottoms[c][0]] if bottoms[c] else n_sep
        if t < n_sep:
            external[t].append((c * MIDDLE_ROWS + HD0, c * MIDDLE_ROWS + HR0))
        if b < n_sep:
            external[b].append((c * MIDDLE_ROWS + HD1, c * MIDDLE_ROWS + HR1))
        if t < n_sep and b < n_sep:
            sep_edges.append((t, b))
            fill_sources.append(c * MIDDLE_ROWS + FILL)
    schedule = schedule_forest(
        n_sep,
        np.array(sep_edges, dtype=np.int64).reshape(-1, 2),
        np.array(fill_sources, dtype=np.int64),
        external,
        outside_size=(n_chains + 1) * MIDDLE_ROWS,
        outside_zero=n_chains * MIDDLE_ROWS,
    )
    # Direct weights of each round's neighbour slots (caller edge, or none).
    direct_caller = np.array(direct + [none], dtype=np.int64)  # indexed by edge, -1 -> none
    direct_slots = np.concatenate(
        [direct_caller[rd.direct_edge].ravel() for rd in schedule.rounds[:-1]] + [np.zeros(0, np.int64)]
    )

    segments: dict[str, tuple[int, int]] = {}
    parts: list[np.ndarray] = []

    def add(name: str, idx: np.ndarray) -> None:
        start = sum(len(p) for p in parts)
        parts.append(np.asarray(idx, dtype=np.int64).ravel())
        segments[name] = (start, start + parts[-1].size)

    add("up", w_up)
    add("down", w_down)
    add("middle", w_mid)
    add("direct", direct_slots)
    weight_index = np.concatenate(parts) if parts else np.zeros(0, np.int64)

    # Neighbours for matvec (solver order; n = none, with the zero weight): at most two for a
    # chain node, any number for a separator.
    def neighbour_table(nodes: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        table = np.full((width, len(nodes)), n, dtype=np.int64)
        weight = np.full((width, len(nodes)), none, dtype=np.int64)
        for col, v in enumerate(nodes):
            for k, (b, e) in enumerate(neighbours[v]):
                table[k, col], weight[k, col] = rank[b], e
        return table, weight

    chain_neighbours, chain_neighbour_edge = neighbour_table(order[:n_chain_nodes], 2)
    sep_width = max((len(neighbours[v]) for v in sep_nodes), default=0)
    separator_neighbours, separator_neighbour_edge = neighbour_table(sep_nodes, sep_width)

    serial_order, serial_parent, serial_edge = _serial_plan(n, neighbours, rank, none)

    h = hashlib.sha1()
    for arr in (
        order,
        np.asarray(row_sizes),
        half_chain_of,
        half_end,
        weight_index,
        chain_neighbours,
        separator_neighbours,
        serial_order,
        serial_parent,
        serial_edge,
    ):
        h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    h.update(schedule.fingerprint)
    return as_int32(
        SolverLayout(
            n=n,
            order=order,
            rank=rank,
            n_chain_nodes=n_chain_nodes,
            row_sizes=row_sizes,
            n_chains=n_chains,
            chain_top=np.array([sep_local[t[0]] if t else n_sep for t in tops], dtype=np.int64),
            chain_bottom=np.array([sep_local[b[0]] if b else n_sep for b in bottoms], dtype=np.int64),
            half_chain_of=half_chain_of,
            half_end=half_end,
            half_length=half_length,
            last_top=last_top,
            last_bottom=last_bottom,
            end_rows=end_rows,
            top_pieces=top_pieces,
            bottom_pieces=bottom_pieces,
            separators=schedule,
            weight_index=weight_index,
            weight_segments=segments,
            chain_neighbours=chain_neighbours,
            chain_neighbour_edge=chain_neighbour_edge,
            separator_neighbours=separator_neighbours,
            separator_neighbour_edge=separator_neighbour_edge,
            serial_order=serial_order,
            serial_parent=serial_parent,
            serial_edge=serial_edge,
            digest=h.hexdigest(),
        )
    )
