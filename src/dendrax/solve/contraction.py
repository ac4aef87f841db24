"""Parallel tree contraction of the small system left on the separators.

After the chains are eliminated (`hines`), the voltage equation is left with a small system on
the *separators* (branch points, somata, chain ends). Its graph is still a forest. Gaussian
elimination of a node of degree at most two keeps it a forest: a leaf only updates its
neighbour; an interior node of a path joins its two neighbours by a new ("fill") edge.
Eliminating, in each *round*, an independent set of such nodes (all leaves, then every other
node of each path) is parallel tree contraction: the number of rounds grows with the
logarithm of the number of nodes.

Eliminating node ``k`` (diagonal ``d`` and right-hand side ``r`` after what it received,
neighbours ``n0, n1`` joined by weights ``a0, a1``, zero where absent) hands

    to ``n_i``:   ``a_i^2 / d`` (subtracted from its diagonal) and ``a_i r / d`` (from its rhs),
    to the pair:  a fill edge of weight ``-a0 a1 / d``,

and, once the neighbours are known, ``x_k = (r - a0 x_n0 - a1 x_n1) / d``.

How it runs (as few XLA kernels as possible, see `kernels`):

- each round is two kernels: one gathers everything the round reads from earlier outputs
  (hand-overs received, fill weights) into one array, through one index array; one does the
  arithmetic and produces the round's (m + 1, ROWS) output (a trailing zero row, which padding
  indices point to);
- the last round's nodes have no neighbours left: that round produces their solution;
- going back, one kernel per round produces the solution of every separator eliminated from
  that round on (zero for the others), in the separators' own order: each kernel reads one
  round's output and the previous solution only.

All index arrays are computed here, once, in NumPy.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .kernels import concat, quotient, stack

__all__ = ["ROWS", "Round", "SeparatorSchedule", "schedule_forest", "solve"]

# Rows of a round's output: the hand-overs to the two neighbours (divided by the pivot), what
# the back substitution needs (divided by one), the fill weight (divided by the pivot).
HD0, HD1, HR0, HR1, RHS, PIVOT, A0, A1, FILL = range(9)
ROWS = 9


@dataclasses.dataclass(frozen=True, eq=False)
class Round:
    """One round of eliminations (all tables are fixed NumPy index arrays).

    The round reads from the concatenation of its *sources*: the outside source (hand-overs
    and fill weights computed by the chains), then the flattened outputs of the earlier rounds.

    Attributes:
        nodes: the separators eliminated (local numbering), shape (m,).
        n_sources: how many sources the round reads (the outside one and ``n_sources - 1``
            earlier rounds).
        reads: (2 width + 2, m) indices into the sources: the diagonal hand-overs received
            (``width`` rows), the right-hand-side ones, then the fill weight of each of the two
            neighbour slots (a zero where the edge is direct or absent).
        direct_edge: (2, m) the input edge of each neighbour slot when it is direct, else -1.
        back_rows: (4, n) for every separator, the index of its (RHS, PIVOT, A0, A1) entry in
            this round's flattened output, or of a zero if it is eliminated in another round.
        back_neighbours: (2, n) the neighbours at elimination of this round's nodes (0 where
            there is none, and for every other separator: their weight is zero).
        not_here: (n,) 1.0 for the separators eliminated in other rounds, else 0.0.
    """

    nodes: np.ndarray
    n_sources: int
    reads: np.ndarray
    direct_edge: np.ndarray
    back_rows: np.ndarray
    back_neighbours: np.ndarray
    not_here: np.ndarray

    @property
    def size(self) -> int:
        return len(self.nodes)

    @property
    def width(self) -> int:
        return (self.reads.shape[0] - 2) // 2


@dataclasses.dataclass(frozen=True, eq=False)
class SeparatorSchedule:
    """Elimination plan of the separator system.

    Attributes:
        n: number of separators.
        rounds: the rounds, in elimination order.
        last_solution: (n,) position of each separator in the last round (``m``, for the
            separators eliminated earlier).
        fingerprint: bytes identifying the plan.
    """

    n: int
    rounds: tuple[Round, ...]
    last_solution: np.ndarray
    fingerprint: bytes


def as_int32(record):
    """The frozen dataclass `record` with its integer index arrays stored as int32.

    Index arrays become constants of the compiled program; int32 keeps them the same whether
    or not ``jax_enable_x64`` is on when the program is traced (and halves their size).
    """
    changes = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
            if value.size and (value.max() > np.iinfo(np.int32).max or value.min() < np.iinfo(np.int32).min):
                raise ValueError(f"the system is too large for int32 indices ({field.name})")
            changes[field.name] = value.astype(np.int32)
    return dataclasses.replace(record, **changes)


def _adjacency(n: int, edges: np.ndarray) -> list[dict[int, int]]:
    adjacency: list[dict[int, int]] = [dict() for _ in range(n)]
    for e, (a, b) in enumerate(edges):
        if a == b:
            raise ValueError("the system graph has a self-loop")
        if b in adjacency[a]:
            raise ValueError(f"the system graph repeats the edge ({a}, {b})")
        adjacency[a][b] = e
        adjacency[b][a] = e
    return adjacency


def _choose_rounds(
    n: int, edges: np.ndarray
) -> tuple[list[list[int]], dict[int, list[tuple[int, tuple[str, int]]]]]:
    """Independent sets of nodes of degree <= 2, leaves first, until no node is left.

    Returns the rounds and, for each node, its neighbours when eliminated with the weight of
    the joining edge: ``("edge", e)`` for input edge ``e``, ``("fill", k)`` for the fill edge
    created by eliminating node ``k``.
    """
    adjacency = _adjacency(n, edges)
    weight: list[dict[int, tuple[str, int]]] = [{b: ("edge", e) for b, e in adj.items()} for adj in adjacency]
    alive = set(range(n))
    degree = np.array([len(a) for a in adjacency], dtype=np.int64)
    rounds: list[list[int]] = []
    neighbours_at: dict[int, list[tuple[int, tuple[str, int]]]] = {}
    candidates = sorted(i for i in alive if degree[i] <= 2)
    while alive:
        chosen: list[int] = []
        blocked: set[int] = set()
        for leaves in (True, False):  # leaves (and isolated nodes) first, then path interiors
            for i in candidates:
                if (degree[i] <= 1) == leaves and i not in blocked:
                    chosen.append(i)
                    blocked.add(i)
                    blocked.update(weight[i])
        if not chosen:
            raise ValueError("the system graph has a cycle")
        touched: set[int] = set()
        for k in chosen:
            nbrs = list(weight[k].items())
            neighbours_at[k] = nbrs
            for q, _ in nbrs:
                del weight[q][k]
                touched.add(q)
            if len(nbrs) == 2:
                (p, _), (q, _) = nbrs
                weight[p][q] = weight[q][p] = ("fill", k)
            weight[k] = {}
            alive.discard(k)
        for q in touched:
            degree[q] = len(weight[q])
        rounds.append(chosen)
        candidates = sorted(i for i in alive if degree[i] <= 2)
    return rounds, neighbours_at


def schedule_forest(
    n: int,
    edges: np.ndarray,
    fill_sources: np.ndarray,
    outside_pulls: list[list[tuple[int, int]]],
    outside_size: int,
    outside_zero: int,
) -> SeparatorSchedule:
    """Plan the contraction of an ``n``-node forest.

    Args:
        n: number of nodes.
        edges: (E, 2) edges. Each is either *direct* (``fill_sources[e] < 0``: its weight is
            given by the caller) or computed outside (``fill_sources[e]``: its index in the
            flat outside source).
        fill_sources: (E,) as above.
        outside_pulls: for each node, the (diagonal, rhs) indices in the outside source of
            the hand-overs it receives from outside.
        outside_size: length of the flat outside source.
        outside_zero: an index of the outside source that holds zero.

    Raises:
        ValueError: if the edges contain a self-loop, a repeated edge or a cycle.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"edge endpoints must lie in [0, {n}); got {edges.min()}..{edges.max()}")
    if len(edges) > max(n - 1, 0):
        raise ValueError(f"a forest of {n} nodes has at most {n - 1} edges, got {len(edges)}: it has a cycle")
    rounds_nodes, neighbours_at = _choose_rounds(n, edges)
    sizes = [len(nodes) for nodes in rounds_nodes]
    # Start of each source in the concatenation the rounds read: outside, round 0, ...
    starts = np.concatenate([[0], outside_size + np.cumsum([0] + [(m + 1) * ROWS for m in sizes])]).astype(
        np.int64
    )
    round_of = np.full(n, -1, dtype=np.int64)
    col_of = np.full(n, -1, dtype=np.int64)
    for q, nodes in enumerate(rounds_nodes):
        round_of[nodes] = q
        col_of[nodes] = np.arange(len(nodes))

    def output(k: int, row: int) -> int:
        """Index of output ``row`` of eliminated node ``k`` in the concatenated sources."""
        return int(starts[1 + round_of[k]] + col_of[k] * ROWS + row)

    # (diagonal index, rhs index) of every hand-over each node receives.
    received: list[list[tuple[int, int]]] = [list(outside_pulls[i]) for i in range(n)]
    for k, nbrs in neighbours_at.items():
        for slot, (q, _) in enumerate(nbrs):
            received[q].append((output(k, HD0 + slot), output(k, HR0 + slot)))

    rounds = []
    for q, nodes in enumerate(rounds_nodes):
        m = len(nodes)
        width = max(len(received[k]) for k in nodes)
        reads = np.full((2 * width + 2, m), outside_zero, dtype=np.int64)
        direct_edge = np.full((2, m), -1, dtype=np.int64)
        back_neighbours = np.zeros((2, n), dtype=np.int64)
        used = 1  # sources read: the outside one and rounds up to used - 2
        for col, k in enumerate(nodes):
            for w, (i_d, i_r) in enumerate(received[k]):
                reads[w, col], reads[width + w, col] = i_d, i_r
            for slot, (p, (kind, ref)) in enumerate(neighbours_at[k]):
                back_neighbours[slot, k] = p
                if kind == "fill":
                    reads[2 * width + slot, col] = output(ref, FILL)
                elif fill_sources[ref] >= 0:
                    reads[2 * width + slot, col] = fill_sources[ref]
                else:
                    direct_edge[slot, col] = ref
        if reads.size:
            used = int(np.searchsorted(starts, reads.max(), side="right"))
        here = round_of == q
        back_rows = np.full((4, n), m * ROWS, dtype=np.int64)  # the trailing zero row
        for i, row in enumerate((RHS, PIVOT, A0, A1)):
            back_rows[i, here] = col_of[here] * ROWS + row
        rounds.append(
            as_int32(
                Round(
                    np.asarray(nodes, dtype=np.int64),
                    max(used, 1),
                    reads,
                    direct_edge,
                    back_rows,
                    back_neighbours,
                    (~here).astype(np.float64),
                )
            )
        )
    last_solution = np.where(round_of == len(sizes) - 1, col_of, sizes[-1] if sizes else 0).astype(np.int64)

    parts = [
        np.int64(n).tobytes(),
        np.asarray(edges, dtype=np.int64).tobytes(),
        np.asarray(fill_sources, dtype=np.int64).tobytes(),
    ]
    parts += [np.asarray(nodes, dtype=np.int64).tobytes() + b"|" for nodes in rounds_nodes]
    return as_int32(SeparatorSchedule(n, tuple(rounds), last_solution, b"".join(parts)))


def _sources(outside: Array, outs: list[Array], count: int) -> Array:
    return concat([outside] + outs[: count - 1])


def solve(
    schedule: SeparatorSchedule,
    diag: Float[Array, " n"],
    rhs: Float[Array, " n"],
    direct_weights: Float[Array, " w"],
    outside: Float[Array, " k"],
) -> Float[Array, " n"]:
    """Solve the separator system; returns the solution in the separators' order.

    Args:
        schedule: the plan.
        diag, rhs: the separators' own diagonal and right-hand side.
        direct_weights: per round, (2, m) weights of the direct edges of `Round.direct_edge`
            (zero where there is none), laid out by `couple`, flattened and concatenated.
        outside: the flat outside source (hand-overs and fill weights from the chains).
    """
    dtype = diag.dtype
    if not schedule.rounds:
        return jnp.zeros((schedule.n,), dtype)
    outs: list[Array] = []  # flattened (m + 1, ROWS) outputs
    start = 0
    for rd in schedule.rounds:
        m, width = rd.size, rd.width
        got = _sources(outside, outs, rd.n_sources)[rd.reads.reshape(-1)].reshape(rd.reads.shape)  # a kernel
        d = diag[rd.nodes] - sum(got[w] for w in range(width))
        r = rhs[rd.nodes] - sum(got[width + w] for w in range(width))
        if rd is schedule.rounds[-1]:  # no neighbours left: the solution, in separator order
            at = schedule.last_solution
            x = jnp.pad(r, (0, 1))[at] / jnp.pad(d, (0, 1), constant_values=1)[at]
            break
        a0 = direct_weights[start : start + m] + got[2 * width]
        a1 = direct_weights[start + m : start + 2 * m] + got[2 * width + 1]
        start += 2 * m
        one = jnp.ones_like(d)
        num = [a0 * a0, a1 * a1, a0 * r, a1 * r, r, d, a0, a1, -a0 * a1]
        den = [d, d, d, d, one, one, one, one, d]
        outs.append(quotient(stack(num), stack(den)).reshape(-1))
    for rd, out in zip(reversed(schedule.rounds[:-1]), reversed(outs)):
        r, d, a0, a1 = (out[rd.back_rows[i]] for i in range(4))
        num = r - a0 * x[rd.back_neighbours[0]] - a1 * x[rd.back_neighbours[1]] + x
        x = num / (d + jnp.asarray(rd.not_here, dtype))
    return x
