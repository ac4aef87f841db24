"""Gap junctions that close a loop, inside the implicit voltage solve.

Cells joined by gap junctions without a loop form one tree, which the tree solve handles
exactly (`hines`). A junction that closes a loop (a ring of cells, two junctions between the
same two cells' different points, ...) would make the matrix a graph with cycles. Each such
junction of conductance ``g`` (µS) between nodes ``a`` and ``b`` adds the rank-one term
``g u u^T``, ``u = e_a - e_b``, to the tree matrix ``T``; with ``k`` of them

    A = T + U G U^T,        A^-1 b = y - Z (I + G W)^-1 G U^T y,

where ``y = T^-1 b``, ``Z = T^-1 U`` (``k`` more tree solves) and ``W = U^T Z`` (``k x k``), the
Sherman-Morrison-Woodbury identity. The solve stays exact (NEURON's implicit coupling, to
round-off) at ``k + 1`` tree solves and one dense ``k x k`` solve per step: cheap for the
rings and small loops of typical models, costly for thousands of loop-closing junctions.

The caller's ``diag`` already holds each loop junction's ``g`` at both of its nodes (as the
tree's own edges are in it); ``T`` is that matrix less those diagonal terms.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .hines import CouplingWeights, matvec, solve_plain, solve_voltage_system
from .layout import SolverLayout

__all__ = ["loop_matvec", "solve_with_loops"]

FEW = 4  # loop junctions up to which their tree solves run one by one


def solve_with_loops(
    layout: SolverLayout,
    weights: CouplingWeights,
    diag: Float[Array, " nodes"],
    rhs: Float[Array, " nodes"],
    loops: np.ndarray,
    g: Float[Array, " loops"],
    plain: bool = False,
) -> Float[Array, " nodes"]:
    """Solve ``A x = rhs`` with ``A`` = ``diag`` + the tree's coupling ``weights`` + the
    off-diagonal terms ``-g`` of each loop-closing junction ``loops[j] = (a, b, ...)``.

    ``plain``: no derivative rule of its own (for `dendrax.adjoint`, which has one); else
    differentiable at the cost of one more such solve (``A`` is symmetric).

    Example:
        Three nodes in a chain (two tree edges) and a junction that closes the ring:

        >>> import numpy as np, jax.numpy as jnp
        >>> from dendrax.solve.hines import couple
        >>> from dendrax.solve.layout import plan_solver
        >>> from dendrax.solve.loops import loop_matvec, solve_with_loops
        >>> layout = plan_solver(3, np.array([[0, 1], [1, 2]]), np.zeros(3, bool))
        >>> weights = couple(layout, -jnp.array([1.0, 1.0]))       # µS, the tree's edges
        >>> diag, rhs = jnp.array([4.0, 4.0, 4.0]), jnp.array([1.0, 0.0, 0.0])
        >>> loops, g = np.array([[2, 0, 0]]), jnp.array([1.0])     # (a, b, row), µS
        >>> x = solve_with_loops(layout, weights, diag, rhs, loops, g)
        >>> bool(jnp.allclose(loop_matvec(layout, weights, diag, loops, g, x), rhs))
        True
    """
    tree_solve = solve_plain if plain else solve_voltage_system
    if not len(loops):
        return tree_solve(layout, weights, diag, rhs)
    a, b = loops[:, 0], loops[:, 1]
    k = len(loops)
    diag_tree = diag.at[a].add(-g).at[b].add(-g)

    def woodbury(b_vec):
        y = solve_plain(layout, weights, diag_tree, b_vec)
        u = (
            jnp.zeros((k, diag.shape[0]), diag.dtype)
            .at[np.arange(k), a]
            .set(1.0)
            .at[np.arange(k), b]
            .add(-1.0)
        )
        if k <= FEW:  # one solve each (on a CPU, the compiled serial one), not a batch
            z = jnp.stack([solve_plain(layout, weights, diag_tree, u[j]) for j in range(k)])
        else:
            z = jax.vmap(lambda col: solve_plain(layout, weights, diag_tree, col))(u)  # (k, nodes)
        w = (z[:, a] - z[:, b]).T  # w[i, j] = u_i . z_j
        m, r = jnp.eye(k, dtype=diag.dtype) + g[:, None] * w, g * (y[a] - y[b])
        c = r / m[0, 0] if k == 1 else jnp.linalg.solve(m, r)
        return y - c @ z

    if plain:
        return woodbury(rhs)
    return jax.lax.custom_linear_solve(
        lambda x: loop_matvec(layout, weights, diag, loops, g, x),
        rhs,
        lambda _, r: woodbury(r),
        symmetric=True,
    )


def loop_matvec(
    layout: SolverLayout,
    weights: CouplingWeights,
    diag: Float[Array, " nodes"],
    loops: np.ndarray,
    g: Float[Array, " loops"],
    x: Float[Array, " nodes"],
) -> Float[Array, " nodes"]:
    """``A x`` for the matrix of `solve_with_loops` (µS · mV = nA)."""
    out = matvec(layout, weights, diag, x)
    if len(loops):
        a, b = loops[:, 0], loops[:, 1]
        out = out.at[a].add(-g * x[b]).at[b].add(-g * x[a])
    return out
