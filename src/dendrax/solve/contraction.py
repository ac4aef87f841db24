"""Elimination schedule for symmetric systems whose graph is a forest.

The voltage equation of a neuron (or of many neurons, or of cells joined by gap junctions
that keep the graph free of cycles) is a symmetric linear system whose sparsity graph is a
forest. Gaussian elimination of a node of degree at most two keeps the graph a forest: a
leaf only updates its neighbour, an interior node of a chain joins its two neighbours by a
new ("fill") edge. Eliminating, in each round, an independent set of such nodes (all leaves
and every other node of each chain) is *parallel tree contraction*: the number of rounds
grows with the logarithm of the number of nodes, and each round is a single vectorised
operation. This module computes that schedule once, in NumPy; `solve_contraction` executes it.

Nodes are renumbered so that the nodes eliminated in one round are contiguous: each round
then writes one contiguous slice of its output buffers.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

__all__ = ["Schedule", "schedule_forest", "solve_contraction"]


@dataclasses.dataclass(frozen=True, eq=False)
class Round:
    """The nodes eliminated together in one round (contiguous ``start:stop`` after renumbering).

    Index arrays point into buffers with one extra, always-zero, entry at the end (the
    "dummy" slot) so that padding needs no masks.
    """

    start: int
    stop: int
    nodes: np.ndarray  # the eliminated nodes, in the caller's numbering
    # Earlier-eliminated neighbours whose elimination updated these nodes: shape (width, n).
    pull_node: np.ndarray
    pull_weight: np.ndarray  # index into the weight buffer of the edge that joined them
    # Neighbours still present when the node is eliminated (at most two): shape (2, n).
    neighbour: np.ndarray
    neighbour_weight: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class Schedule:
    """A precomputed elimination order for one forest-shaped symmetric system.

    Attributes:
        n: number of nodes.
        order: ``order[new] = old``: the node renumbering (new ids are elimination order).
        rank: ``rank[old] = new``.
        edge_slot: for each input edge, its slot in the weight buffer (``0 .. n-1``: the
            original edges, stored at the position of one of their endpoints).
        partner: for each slot, the other endpoint of the edge stored there (``n`` where
            the slot holds no edge).
        slot_node: ``order`` as int32 (gathers the weights into elimination order).
        edge_ends: the input edges, shape (E, 2).
        rounds: the rounds, in elimination order.

    The weight buffer used by the solver has ``2 n + 1`` entries: ``[0, n)`` the original
    edge weights, ``[n, 2n)`` the fill weight created by eliminating node ``i - n`` and the
    last entry is zero.
    """

    n: int
    order: np.ndarray
    rank: np.ndarray
    edge_slot: np.ndarray
    partner: np.ndarray
    slot_node: np.ndarray
    edge_ends: np.ndarray
    rounds: tuple[Round, ...]

    @property
    def dummy_node(self) -> int:
        return self.n

    @property
    def dummy_weight(self) -> int:
        return 2 * self.n

    def fingerprint(self) -> bytes:
        """Bytes that identify the schedule (used to hash compiled layouts)."""
        parts = [np.int64(self.n).tobytes(), self.order.tobytes(), self.edge_slot.tobytes()]
        return b"".join(parts)


def schedule_forest(n: int, edges: np.ndarray) -> Schedule:
    """Plan the elimination of an ``n``-node system whose graph (``edges``, shape (E, 2)) is a forest.

    Raises:
        ValueError: if the edges contain a self-loop, a repeated edge or a cycle.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    n_edges = len(edges)
    if n_edges and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"edge endpoints must lie in [0, {n}); got {edges.min()}..{edges.max()}")
    if np.any(edges[:, 0] == edges[:, 1]):
        raise ValueError("the system graph has a self-loop")
    if n_edges > max(n - 1, 0):
        raise ValueError(f"a forest of {n} nodes has at most {n - 1} edges, got {n_edges}: it has a cycle")

    # Adjacency as dicts: neighbour -> weight slot (slot of an original edge assigned below).
    adjacency: list[dict[int, int]] = [dict() for _ in range(n)]
    # Orient each original edge towards a root so that every non-root node owns one edge slot.
    owner = _orient(n, edges)  # node that stores each edge's weight
    for e, (a, b) in enumerate(edges):
        if b in adjacency[a]:
            raise ValueError(f"the system graph repeats the edge ({a}, {b})")
        adjacency[a][b] = int(owner[e])
        adjacency[b][a] = int(owner[e])

    eliminated_at = np.full(n, -1, dtype=np.int64)  # round index
    # For each node: earlier-eliminated neighbours (node, weight slot) that updated it.
    pulls: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    neighbours_at_elimination: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    alive = set(range(n))
    degree = np.array([len(a) for a in adjacency], dtype=np.int64)
    rounds_nodes: list[list[int]] = []

    candidates = sorted(i for i in alive if degree[i] <= 2)
    while alive:
        chosen: list[int] = []
        blocked: set[int] = set()
        # Leaves (and isolated nodes) first: they are cheapest and shrink the tree fastest.
        for i in candidates:
            if degree[i] <= 1 and i not in blocked:
                chosen.append(i)
                blocked.add(i)
                blocked.update(adjacency[i])
        for i in candidates:
            if degree[i] == 2 and i not in blocked:
                chosen.append(i)
                blocked.add(i)
                blocked.update(adjacency[i])
        if not chosen:  # cannot happen on a forest: every forest has a node of degree <= 1
            raise ValueError("the system graph has a cycle")
        r = len(rounds_nodes)
        touched: set[int] = set()
        for k in chosen:
            eliminated_at[k] = r
            nbrs = list(adjacency[k].items())
            neighbours_at_elimination[k] = nbrs
            for q, slot in nbrs:
                pulls[q].append((k, slot))
                del adjacency[q][k]
                touched.add(q)
            if len(nbrs) == 2:
                (p, _), (q, _) = nbrs
                fill_slot = n + k  # indexed by the eliminating node; renumbered below
                adjacency[p][q] = fill_slot
                adjacency[q][p] = fill_slot
            adjacency[k] = {}
            alive.discard(k)
        for q in touched:
            degree[q] = len(adjacency[q])
        rounds_nodes.append(chosen)
        candidates = sorted(i for i in alive if degree[i] <= 2)

    order = np.array([k for nodes in rounds_nodes for k in nodes], dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)

    def new_slot(slot: int) -> int:
        return int(rank[slot]) if slot < n else n + int(rank[slot - n])

    rounds = []
    start = 0
    dummy_node, dummy_weight = n, 2 * n
    for nodes in rounds_nodes:
        m = len(nodes)
        width = max(len(pulls[k]) for k in nodes)
        pull_node = np.full((width, m), dummy_node, dtype=np.int32)
        pull_weight = np.full((width, m), dummy_weight, dtype=np.int32)
        neighbour = np.full((2, m), dummy_node, dtype=np.int32)
        neighbour_weight = np.full((2, m), dummy_weight, dtype=np.int32)
        for col, k in enumerate(nodes):
            for w, (j, slot) in enumerate(pulls[k]):
                pull_node[w, col] = rank[j]
                pull_weight[w, col] = new_slot(slot)
            for w, (q, slot) in enumerate(neighbours_at_elimination[k]):
                neighbour[w, col] = rank[q]
                neighbour_weight[w, col] = new_slot(slot)
        rounds.append(
            Round(
                start, start + m, np.asarray(nodes, dtype=np.int32),
                pull_node, pull_weight, neighbour, neighbour_weight,
            )
        )
        start += m
    # Edge weights are given by the caller in its own numbering: slot = owning node (old id).
    partner = np.full(n, n, dtype=np.int64)
    if n_edges:
        other = np.where(edges[:, 0] == owner, edges[:, 1], edges[:, 0])
        partner[owner] = other
    edge_slot = owner.copy()
    return Schedule(
        n=n, order=order, rank=rank, edge_slot=edge_slot, partner=partner,
        slot_node=order.astype(np.int32), edge_ends=edges.copy(), rounds=tuple(rounds),
    )


def _orient(n: int, edges: np.ndarray) -> np.ndarray:
    """For each edge, the endpoint farther from its component's root (breadth-first).

    Each non-root node of a forest is the far end of exactly one edge, so it can store that
    edge's weight. Raises ValueError on a cycle.
    """
    if len(edges) == 0:
        return np.zeros(0, dtype=np.int64)
    incident: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (a, b) in enumerate(edges):
        incident[a].append((b, e))
        incident[b].append((a, e))
    owner = np.full(len(edges), -1, dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    for root in range(n):
        if seen[root]:
            continue
        seen[root] = True
        stack = [root]
        while stack:
            a = stack.pop()
            for b, e in incident[a]:
                if owner[e] >= 0:
                    continue
                if seen[b]:
                    raise ValueError("the system graph has a cycle")
                seen[b] = True
                owner[e] = b
                stack.append(b)
    return owner


def solve_contraction(
    schedule: Schedule,
    diag: Float[Array, " n"],
    weights: Float[Array, " n"],
    rhs: Float[Array, " n"],
) -> Float[Array, " n"]:
    """Solve ``A x = rhs`` by executing ``schedule``; arrays in the caller's node order.

    ``A`` has diagonal ``diag`` and the off-diagonal ``weights[slot]`` for the edge stored
    at each slot (``schedule.edge_slot``); slots without an edge must hold zero. Not
    differentiable by itself (the caller wraps it in `jax.lax.custom_linear_solve`).

    Each round produces small arrays: later rounds gather from the concatenation of
    earlier ones (concatenation and gathers fuse into the round's kernel).
    """
    dtype = diag.dtype
    n = schedule.n
    if n == 0:
        return jnp.zeros((0,), dtype)
    zero = jnp.zeros((1,), dtype)
    orig = weights[schedule.slot_node]  # original edge weights, in elimination order
    outs: list[Array] = []  # per round: stacked (1/diag', rhs'/diag', fill weight)
    for rd in schedule.rounds:
        d = diag[rd.nodes]
        r = rhs[rd.nodes]
        # Everything eliminated so far, padded with zeros to n + 1 (the dummy slot).
        prev = jnp.concatenate(outs + [jnp.zeros((3, n + 1 - rd.start), dtype)], axis=1)
        w_all = jnp.concatenate([orig, prev[2, :-1], zero])  # original | fill | dummy
        for w in range(rd.pull_node.shape[0]):
            a = w_all[rd.pull_weight[w]]
            d = d - a * a * prev[0, rd.pull_node[w]]
            r = r - a * prev[1, rd.pull_node[w]]
        inv_k = 1.0 / d
        fill_k = -w_all[rd.neighbour_weight[0]] * w_all[rd.neighbour_weight[1]] * inv_k
        outs.append(jnp.stack([inv_k, r * inv_k, fill_k]))

    buf = jnp.concatenate(outs, axis=1)
    w_all = jnp.concatenate([orig, buf[2], zero])
    xs: list[Array] = []  # solutions of the later rounds
    for rd in reversed(schedule.rounds):
        x_later = jnp.concatenate([jnp.zeros((rd.stop,), dtype)] + xs + [zero])
        acc = w_all[rd.neighbour_weight[0]] * x_later[rd.neighbour[0]]
        acc = acc + w_all[rd.neighbour_weight[1]] * x_later[rd.neighbour[1]]
        xs.insert(0, buf[1, rd.start : rd.stop] - buf[0, rd.start : rd.stop] * acc)
    return jnp.concatenate(xs)[schedule.rank]
