"""Exact, vectorised solve of the voltage equation (a symmetric system on a forest).

See `layout` for the plan: half-chains swept in rows from their separator end, the middle row,
the separator system (`contraction`), the rows back. Each step below is one XLA kernel (see
`kernels` for how the arrays are shaped for that), with one true division per node.

**Half-chain rows.** A half-chain hangs from separator ``E`` (weight ``w_0``); its node ``s`` has
diagonal ``D_s``, right-hand side ``R_s`` and weight ``w_s`` to node ``s - 1``. Gaussian
elimination from ``E``'s end (Thomas' algorithm) keeps, after node ``s``, with
``q_s = w_s / d_{s-1}``:

    pivot            d_s = D_s - q_s w_s                                    (d_0 = D_0)
    right-hand side  r_s = R_s - q_s r_{s-1}                                (r_0 = R_0)
    coupling to E    t_s = -q_s t_{s-1}                                     (t_0 = w_0)
    handed to E      A_s = A_{s-1} + t_s^2 / d_s,   B_s = B_{s-1} + t_s r_s / d_s

(what ``E``'s diagonal and right-hand side lose). Row ``s`` stores ``1/d_s, r_s, t_s, A_{s-1},
B_{s-1}, d_s``: the sums lag one row, so that the row's only division is ``1/d_s`` and the rest
are products with the previous row's reciprocal.

**Middle row.** The middle node ``M`` of a chain joins the last nodes of its top half (state
``1/d1, r1, t1, A1, B1``, weight ``w_t``) and of its bottom half (``1/d2, r2, t2, A2, B2``,
``w_b``); an empty half is the all-zero state and ``M`` then touches the separator directly
(weights ``c_T0``, ``c_B0``, else zero):

    d_M = D - w_t^2/d1 - w_b^2/d2,   r_M = R - w_t r1/d1 - w_b r2/d2,
    c_T = c_T0 - w_t t1/d1,         c_B = c_B0 - w_b t2/d2                 (couplings to T, B)

Eliminating ``M`` hands ``A1 + t1^2/d1 + c_T^2/d_M`` and ``B1 + t1 r1/d1 + c_T r_M/d_M`` to the top
separator, the same to the bottom one, and joins them by a fill edge ``-c_T c_B / d_M``: the
output of a contraction round (`contraction.ROWS`), which the separator system reads like one.
Afterwards ``x_M = (r_M - c_T x_T - c_B x_B) / d_M``.

**Back substitution** row by row: ``x_s = (r_s - t_s x_E - w_{s+1} x_{s+1}) / d_s``, where
``x_{s+1}`` is ``x_M`` after a half-chain's last node.

The solve is wrapped in `jax.lax.custom_linear_solve`: the derivative of ``x = A^-1 b`` is one
more solve with the same (symmetric) matrix, so gradients never differentiate the sweeps.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..manual_axes import varying_axes
from . import contraction, native
from .kernels import concat, quotient, stack, take
from .layout import SolverLayout

__all__ = ["CouplingWeights", "couple", "solve_voltage_system", "solve_plain", "matvec"]

# (every weight the solve uses, in the plan's layout; the two neighbour weights of each chain
# node, (2, n_chain_nodes); those of each separator, (width, n_separators)), for `matvec`;
# the weight joining each node to its parent in the serial plan, (n,), for `native`)
CouplingWeights = tuple[Array, Array, Array, Array]

# Columns of a half-chain state (layout.STATE_ROWS).
_INV, _RHS, _COUPLING, _HAND_D, _HAND_R, _PIVOT = range(6)


def couple(layout: SolverLayout, edge_weights: Float[Array, " edges"]) -> CouplingWeights:
    """Lay out the off-diagonal entries of the caller's edges for the solver.

    Called once per simulation (the coupling is constant in time).
    """
    padded = jnp.concatenate([edge_weights, jnp.zeros((1,), edge_weights.dtype)])
    return (
        padded[layout.weight_index],
        padded[layout.chain_neighbour_edge],
        padded[layout.separator_neighbour_edge],
        padded[layout.serial_edge],
    )


def _segment(layout: SolverLayout, weights: Array, name: str) -> Array:
    start, stop = layout.weight_segments[name]
    return weights[start:stop]


def _rows_forward(layout: SolverLayout, up: Array, diag: Array, rhs: Array) -> list[Array]:
    """The state (m_s, STATE_ROWS) of every half-chain after each row: one kernel a row."""
    offsets = layout.row_offsets()
    states: list[Array] = []
    for s, m in enumerate(layout.row_sizes):
        D, R, w = (a[offsets[s] : offsets[s] + m] for a in (diag, rhs, up))
        one = jnp.ones_like(D)
        if s == 0:
            d, num = D, [one, R, w, 0 * one, 0 * one, D]
        else:
            inv, r, t, hand_d, hand_r, _ = (states[-1][:m, k] for k in range(6))
            q = w * inv
            d = D - q * w
            num = [one, R - q * r, -q * t, hand_d + t * t * inv, hand_r + t * r * inv, d]
        states.append(stack(num) / stack([d] + [one] * 5))
    return states


def _final_states(layout: SolverLayout, states: list[Array], dtype) -> tuple[list[Array], list[Array]]:
    """The state of the last node of each chain's top and bottom half (chain order)."""
    n_c = layout.n_chains
    pieces = (layout.top_pieces, layout.bottom_pieces)
    if max(len(p) for p in pieces) <= 8:  # a few runs of the rows' states: fused into the next kernel
        out = []
        for runs in pieces:
            found = sum(k for _, _, k in runs)
            out.append(
                [
                    jnp.pad(concat([states[s][col : col + k, i] for s, col, k in runs]), (0, n_c - found))
                    if runs
                    else jnp.zeros((n_c,), dtype)
                    for i in range(6)
                ]
            )
        return out[0], out[1]
    # Many half lengths: one gather (a kernel) from the tails of the rows where halves end.
    rows = layout.row_sizes
    tails = [states[s][(rows[s + 1] if s + 1 < len(rows) else 0) : rows[s]] for s in layout.end_rows]
    ends = jnp.concatenate(tails + [jnp.zeros((1, 6), dtype)]).reshape(-1)
    both = ends[np.stack([layout.last_top, layout.last_bottom])]
    return list(both[0]), list(both[1])


def _middle(layout: SolverLayout, states: list[Array], mid_w: Array, diag: Array, rhs: Array) -> Array:
    """Eliminate the middle row: an (n_chains + 1, ROWS) output in contraction format."""
    n_c = layout.n_chains
    (i1, r1, t1, a1, b1, _), (i2, r2, t2, a2, b2, _) = _final_states(layout, states, diag.dtype)
    w_t, w_b, c_t0, c_b0 = (mid_w[k * n_c : (k + 1) * n_c] for k in range(4))
    start = layout.n_chain_nodes - n_c
    D, R = diag[start : layout.n_chain_nodes], rhs[start : layout.n_chain_nodes]
    q1, q2 = w_t * i1, w_b * i2
    d = D - q1 * w_t - q2 * w_b
    r = R - q1 * r1 - q2 * r2
    c_t = c_t0 - q1 * t1
    c_b = c_b0 - q2 * t2
    hand_t, hand_b = a1 + t1 * t1 * i1, a2 + t2 * t2 * i2
    rhs_t, rhs_b = b1 + t1 * r1 * i1, b2 + t2 * r2 * i2
    one = jnp.ones_like(d)
    c = contraction
    columns = {
        c.HD0: (hand_t * d + c_t * c_t, d),
        c.HD1: (hand_b * d + c_b * c_b, d),
        c.HR0: (rhs_t * d + c_t * r, d),
        c.HR1: (rhs_b * d + c_b * r, d),
        c.RHS: (r, one),
        c.PIVOT: (d, one),
        c.A0: (c_t, one),
        c.A1: (c_b, one),
        c.FILL: (-c_t * c_b, d),
    }
    return quotient(
        stack([columns[k][0] for k in range(c.ROWS)]), stack([columns[k][1] for k in range(c.ROWS)])
    )


def _native(layout: SolverLayout, weights: CouplingWeights, diag: Array, rhs: Array) -> bool:
    """Whether this solve goes to the compiled CPU routine (`native`)."""
    return layout.n_chains != layout.n and native.enabled() and native.supports(weights, diag, rhs)


def _solve(layout: SolverLayout, weights: CouplingWeights, diag: Array, rhs: Array) -> Array:
    if layout.n_chains == layout.n:
        # Every node is a chain of its own: no edges (single compartments, point neurons).
        return rhs / diag
    if _native(layout, weights, diag, rhs):
        vectorised = partial(_vectorised_solve, layout)
        return native.solve(layout.serial_order, layout.serial_parent, weights, diag, rhs, vectorised)
    return _vectorised_solve(layout, weights, diag, rhs)


def _vectorised_solve(layout: SolverLayout, weights: CouplingWeights, diag: Array, rhs: Array) -> Array:
    w_all = weights[0]
    dtype = diag.dtype
    nc, n_c, rows = layout.n_chain_nodes, layout.n_chains, layout.row_sizes
    sched = layout.separators
    states = _rows_forward(layout, _segment(layout, w_all, "up"), diag, rhs)
    mid = (
        _middle(layout, states, _segment(layout, w_all, "middle"), diag, rhs)
        if n_c
        else jnp.zeros((1, contraction.ROWS), dtype)
    )
    x_sep = contraction.solve(sched, diag[nc:], rhs[nc:], _segment(layout, w_all, "direct"), mid.reshape(-1))
    if not n_c:
        return x_sep
    # One kernel: the middle nodes, and the separator at the outer end of each half-chain. (A
    # missing separator, index 0 here, has zero weight.)
    x_sep_or_0 = x_sep if sched.n else jnp.zeros((1,), dtype)
    top, bottom, end = (
        np.where(i < sched.n, i, 0) for i in (layout.chain_top, layout.chain_bottom, layout.half_end)
    )
    c = contraction
    num_mid = (
        mid[:n_c, c.RHS]
        - mid[:n_c, c.A0] * take(x_sep_or_0, top)
        - mid[:n_c, c.A1] * take(x_sep_or_0, bottom)
    )
    x_both = concat([num_mid, take(x_sep_or_0, end)]) / concat(
        [mid[:n_c, c.PIVOT], jnp.ones((2 * n_c,), dtype)]
    )
    x_mid, x_ends = x_both[:n_c], x_both[n_c:]
    # The rows back, one kernel each.
    down = _segment(layout, w_all, "down")
    offsets = layout.row_offsets()
    xs: list[Array] = [x_mid] * len(rows)
    for s in reversed(range(len(rows))):
        m, m_next = rows[s], (rows[s + 1] if s + 1 < len(rows) else 0)
        d, r, t = states[s][:, _PIVOT], states[s][:, _RHS], states[s][:, _COUPLING]
        x_next = take(x_mid, layout.half_chain_of[m_next:m])  # halves whose last node is this row's
        if m_next:
            x_next = concat([xs[s + 1], x_next])
        xs[s] = (r - t * x_ends[:m] - down[offsets[s] : offsets[s] + m] * x_next) / d
    return concat(xs + [x_mid, x_sep])


def solve_plain(
    layout: SolverLayout,
    weights: CouplingWeights,
    diag: Float[Array, " nodes"],
    rhs: Float[Array, " nodes"],
) -> Float[Array, " nodes"]:
    """`solve_voltage_system` for callers with their own derivative rule (`dendrax.adjoint`):
    the vectorised elimination bare (JAX can differentiate it, e.g. in higher-order
    derivatives, and the rule's transposed solve is never traced). The compiled routine has
    no derivative of its own, so it keeps the rule."""
    if _native(layout, weights, diag, rhs):
        return solve_voltage_system(layout, weights, diag, rhs)
    return _solve(layout, weights, diag, rhs)


def matvec(layout: SolverLayout, weights: CouplingWeights, diag: Array, x: Array) -> Float[Array, " nodes"]:
    """``A x`` for the matrix described by ``weights`` and ``diag`` (solver order)."""
    _, w_chain, w_sep, _ = weights
    nc = layout.n_chain_nodes
    x_pad = jnp.pad(x, (0, 1))  # index n: a missing neighbour
    chain = (
        diag[:nc] * x[:nc]
        + w_chain[0] * x_pad[layout.chain_neighbours[0]]
        + w_chain[1] * x_pad[layout.chain_neighbours[1]]
    )
    sep = diag[nc:] * x[nc:]
    for k in range(layout.separator_neighbours.shape[0]):
        sep = sep + w_sep[k] * x_pad[layout.separator_neighbours[k]]
    return jnp.concatenate([chain, sep])


def edge_currents(layout: SolverLayout, weights: CouplingWeights, x: Array) -> Float[Array, " nodes"]:
    """The current (nA) leaving each node along the coupling ``weights`` (negative
    conductances, µS) at voltages ``x`` (mV): ``sum_j g_ij (x_i - x_j)``, from differences (zero
    at uniform ``x`` in any precision), by the gathers of `matvec`."""
    _, w_chain, w_sep, _ = weights
    nc, n = layout.n_chain_nodes, layout.n

    def neighbour(index, own):  # a missing neighbour (index n, weight 0): the node itself
        return x[np.where(index == n, own, index)]

    own_chain, own_sep = np.arange(nc), np.arange(nc, n)
    xc = x[:nc]
    chain = -(
        w_chain[0] * (xc - neighbour(layout.chain_neighbours[0], own_chain))
        + w_chain[1] * (xc - neighbour(layout.chain_neighbours[1], own_chain))
    )
    xs = x[nc:]
    sep = jnp.zeros_like(xs)
    for k in range(layout.separator_neighbours.shape[0]):
        sep = sep - w_sep[k] * (xs - neighbour(layout.separator_neighbours[k], own_sep))
    return jnp.concatenate([chain, sep])


def solve_voltage_system(
    layout: SolverLayout,
    weights: CouplingWeights,
    diag: Float[Array, " nodes"],
    rhs: Float[Array, " nodes"],
) -> Float[Array, " nodes"]:
    """Solve ``A x = rhs`` exactly; ``A`` = ``diag`` + the symmetric coupling ``weights``.

    All arrays are in solver order (`SolverLayout.order`). Differentiable with respect to
    ``weights``, ``diag`` and ``rhs`` at the cost of one extra solve.
    """

    if any(varying_axes(a) for a in (diag, rhs, *weights)):
        # Inside jax.shard_map, custom_linear_solve fails on operands that vary across
        # devices (JAX 0.10/0.11); JAX then differentiates the solve's own operations.
        return _solve(layout, weights, diag, rhs)

    def mv(x):
        return matvec(layout, weights, diag, x)

    def solve(_, b):
        return _solve(layout, weights, diag, b)

    return jax.lax.custom_linear_solve(mv, rhs, solve, symmetric=True)
