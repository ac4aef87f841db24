"""Exact, vectorised solve of the voltage equation (a symmetric system on a forest).

The plan (`SolverLayout`) puts chain nodes first in jagged-diagonal order and separators
last. The solve

1. sweeps down all chains at once, row by row (each row a contiguous slice), eliminating
   every chain node while keeping its coupling to the separator at the chain's top;
2. solves the small system left on the separators by parallel tree contraction;
3. sweeps back up the rows to recover the chain nodes.

It is wrapped in `jax.lax.custom_linear_solve`: the derivative of ``x = A^-1 b`` is one more
solve with the same (symmetric) matrix, so gradients never differentiate the sweeps.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .contraction import solve_contraction
from .layout import SolverLayout

__all__ = ["CouplingWeights", "couple", "solve_voltage_system", "matvec"]

# (upstream weight of each chain node, bottom weight of each chain, direct separator edges)
CouplingWeights = tuple[Array, Array, Array]


def couple(layout: SolverLayout, edge_weights: Float[Array, " edges"]) -> CouplingWeights:
    """Distribute the off-diagonal entries of the caller's edges to the solver's arrays.

    Called once per simulation (the coupling is constant in time).
    """
    dtype = edge_weights.dtype
    kind, index = layout.edge_kind, layout.edge_index
    up = jnp.zeros((layout.n_chain_nodes,), dtype)
    bottom = jnp.zeros((layout.n_chains,), dtype)
    direct = jnp.zeros((layout.n_direct,), dtype)
    for k, arr in ((0, up), (1, bottom), (2, direct)):
        sel = np.flatnonzero(kind == k)
        if len(sel):
            arr = arr.at[index[sel]].set(edge_weights[sel])
        if k == 0:
            up = arr
        elif k == 1:
            bottom = arr
        else:
            direct = arr
    return up, bottom, direct


def _sweep(layout: SolverLayout, weights: CouplingWeights, diag: Array, rhs: Array) -> Array:
    up, bottom, direct = weights
    dtype = diag.dtype
    nc = layout.n_chain_nodes
    rows = layout.row_sizes
    offsets = np.concatenate([[0], np.cumsum(rows)]).astype(int)
    n_chains = layout.n_chains
    n_sep = layout.n_separators

    # 1. Down the chains, all at once, one row per step. Each row is one stacked array:
    #    d' (modified diagonal), r' (modified rhs), t (coupling to the chain's top), and the
    #    running sums of what the eliminated nodes hand to the top (t²/d', t r'/d').
    stacked: list[Array] = []
    for j, m in enumerate(rows):
        s = slice(offsets[j], offsets[j] + m)
        d, r, w = diag[s], rhs[s], up[s]
        if j == 0:
            t = w
            acc_d = acc_r = 0.0
        else:
            prev = stacked[-1][:, :m]
            q = w / prev[0]
            d = d - w * q
            r = r - q * prev[1]
            t = -q * prev[2]
            acc_d, acc_r = prev[3], prev[4]
        stacked.append(jnp.stack([d, r, t, acc_d + t * t / d, acc_r + t * r / d]))

    # 2. The separator system: each separator pulls what its chains hand it.
    if nc:
        last = jnp.concatenate(stacked, axis=1)[:, layout.chain_last]  # each chain's last row
        dp_last, rp_last, t_last, top_d, top_r = last[0], last[1], last[2], last[3], last[4]
        zero = jnp.zeros((1,), dtype)
        hand_d = jnp.concatenate([top_d, bottom * bottom / dp_last, zero])
        hand_r = jnp.concatenate([top_r, bottom * rp_last / dp_last, zero])
        pulls = layout.separator_pulls
        d_sep = diag[nc:] - sum(hand_d[pulls[w]] for w in range(pulls.shape[0]))
        r_sep = rhs[nc:] - sum(hand_r[pulls[w]] for w in range(pulls.shape[0]))
        fill = -t_last * bottom / dp_last
    else:
        d_sep, r_sep = diag, rhs
        fill = jnp.zeros((0,), dtype)
    sep_weights = jnp.concatenate([direct, fill, jnp.zeros((1,), dtype)])[layout.separator_weight_source]
    x_sep = solve_contraction(layout.separators, d_sep, sep_weights, r_sep)

    # 3. Back up the chains.
    if not nc:
        return x_sep
    x_sep_pad = jnp.concatenate([x_sep, jnp.zeros((1,), dtype)])
    x_top = x_sep_pad[layout.chain_top]
    x_bottom = x_sep_pad[layout.chain_bottom]
    xs: list[Array] = [None] * len(rows)  # type: ignore[list-item]
    for j in reversed(range(len(rows))):
        m = rows[j]
        below_n = rows[j + 1] if j + 1 < len(rows) else 0
        if below_n:
            s_next = slice(offsets[j + 1], offsets[j + 1] + below_n)
            w_down = jnp.concatenate([up[s_next], bottom[below_n:m]])
            x_below = jnp.concatenate([xs[j + 1], x_bottom[below_n:m]])
        else:
            w_down = bottom[:m]
            x_below = x_bottom[:m]
        row = stacked[j]
        xs[j] = (row[1] - row[2] * x_top[:m] - w_down * x_below) / row[0]
    return jnp.concatenate(xs + [x_sep])


def matvec(
    layout: SolverLayout, weights: CouplingWeights, diag: Array, x: Array
) -> Float[Array, " nodes"]:
    """``A x`` for the matrix described by ``weights`` and ``diag`` (solver order)."""
    up, bottom, direct = weights
    dtype = x.dtype
    nc = layout.n_chain_nodes
    rows = layout.row_sizes
    offsets = np.concatenate([[0], np.cumsum(rows)]).astype(int)
    n_sep = layout.n_separators
    out = diag * x
    x_sep_pad = jnp.concatenate([x[nc:], jnp.zeros((1,), dtype)])
    # Upstream neighbour of each chain node: previous row, or the chain's top separator.
    upstream = [x_sep_pad[layout.chain_top[: rows[0]]]] if rows else []
    for j in range(1, len(rows)):
        upstream.append(x[offsets[j - 1] : offsets[j - 1] + rows[j]])
    if nc:
        x_up = jnp.concatenate(upstream)
        contrib_chain = up * x_up  # acting on chain nodes
        # Transposed: the upstream neighbour receives up * x_chain.
        back = up * x[:nc]
        out_chain = out[:nc] + contrib_chain
        add_rows = jnp.zeros((nc,), dtype)
        for j in range(1, len(rows)):
            add_rows = add_rows.at[offsets[j - 1] : offsets[j - 1] + rows[j]].add(
                back[offsets[j] : offsets[j] + rows[j]]
            )
        out_chain = out_chain + add_rows
        sep_add = jnp.zeros((n_sep + 1,), dtype).at[layout.chain_top].add(back[: rows[0]])
        # Bottom edges.
        x_last = x[layout.chain_last]
        x_bot = x_sep_pad[layout.chain_bottom]
        out_chain = out_chain.at[layout.chain_last].add(bottom * x_bot)
        sep_add = sep_add.at[layout.chain_bottom].add(bottom * x_last)
        out = jnp.concatenate([out_chain, out[nc:] + sep_add[:n_sep]])
    if layout.n_direct:
        sched = layout.separators
        ends = sched.edge_ends[: layout.n_direct]
        xs = x[nc:]
        sep = jnp.zeros((n_sep,), dtype)
        sep = sep.at[ends[:, 0]].add(direct * xs[ends[:, 1]])
        sep = sep.at[ends[:, 1]].add(direct * xs[ends[:, 0]])
        out = out.at[nc:].add(sep)
    return out


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

    def mv(x):
        return matvec(layout, weights, diag, x)

    def solve(_, b):
        return _sweep(layout, weights, diag, b)

    return jax.lax.custom_linear_solve(mv, rhs, solve, symmetric=True)
