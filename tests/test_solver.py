"""The exact forest solver against dense linear algebra, and its derivative against finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dendrax.solve.hines import couple, matvec, solve_voltage_system
from dendrax.solve.layout import plan_solver

# The solve is a direct elimination of a diagonally dominant system: errors are a few ulps
# of the solution times the (small) condition number, far below this bound.
SOLVE_RTOL = 1e-12


def random_forest(rng, n, n_roots=1, locality=3):
    parent = np.full(n, -1)
    for i in range(n_roots, n):
        parent[i] = rng.integers(max(0, i - locality), i)
    return np.array([(i, parent[i]) for i in range(n) if parent[i] >= 0], dtype=np.int64).reshape(-1, 2)


def random_system(rng, n, edges):
    w = -rng.uniform(0.5, 2.0, len(edges))
    diag = rng.uniform(0.1, 1.0, n)
    np.add.at(diag, edges[:, 0], -w)
    np.add.at(diag, edges[:, 1], -w)
    dense = np.diag(diag)
    dense[edges[:, 0], edges[:, 1]] = w
    dense[edges[:, 1], edges[:, 0]] = w
    return w, diag, dense


@pytest.mark.parametrize("n", [1, 2, 3, 7, 40, 500])
@pytest.mark.parametrize("separators", [False, True])
def test_solve_matches_dense(n, separators):
    rng = np.random.default_rng(n + 1000 * separators)
    edges = random_forest(rng, n)
    mask = rng.random(n) < 0.2 if separators else None
    layout = plan_solver(n, edges, mask)
    w, diag, dense = random_system(rng, n, edges)
    rhs = rng.normal(size=n)
    expected = np.linalg.solve(dense, rhs)
    coupling = couple(layout, jnp.asarray(w))
    x = solve_voltage_system(layout, coupling, jnp.asarray(diag[layout.order]), jnp.asarray(rhs[layout.order]))
    np.testing.assert_allclose(np.asarray(x)[layout.rank], expected, rtol=SOLVE_RTOL, atol=SOLVE_RTOL * np.abs(expected).max())
    product = matvec(layout, coupling, jnp.asarray(diag[layout.order]), jnp.asarray(expected[layout.order]))
    np.testing.assert_allclose(np.asarray(product)[layout.rank], rhs, atol=1e-12 * np.abs(rhs).max() * n)


def test_solve_forest_of_several_trees():
    rng = np.random.default_rng(5)
    edges = random_forest(rng, 30, n_roots=4)
    layout = plan_solver(30, edges)
    w, diag, dense = random_system(rng, 30, edges)
    rhs = rng.normal(size=30)
    x = solve_voltage_system(layout, couple(layout, jnp.asarray(w)), jnp.asarray(diag[layout.order]), jnp.asarray(rhs[layout.order]))
    np.testing.assert_allclose(np.asarray(x)[layout.rank], np.linalg.solve(dense, rhs), rtol=SOLVE_RTOL)


def test_cycle_is_rejected():
    with pytest.raises(ValueError, match="cycle"):
        plan_solver(3, np.array([[0, 1], [1, 2], [2, 0]]))


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    n = 40
    edges = random_forest(rng, n)
    layout = plan_solver(n, edges)
    w, diag, _ = random_system(rng, n, edges)
    rhs = rng.normal(size=n)

    def f(d, w_, r):
        x = solve_voltage_system(layout, couple(layout, w_), d, r)
        return jnp.sum(jnp.sin(x))

    grads = jax.grad(f, argnums=(0, 1, 2))(diag, w, rhs)
    eps = 1e-6  # central differences: truncation ~eps², round-off ~1e-16/eps; both << 1e-7
    for arg, i in [(0, 5), (0, 17), (1, 7), (1, 0), (2, 3), (2, 30)]:
        plus = [diag.copy(), w.copy(), rhs.copy()]
        minus = [a.copy() for a in plus]
        plus[arg][i] += eps
        minus[arg][i] -= eps
        fd = (f(*plus) - f(*minus)) / (2 * eps)
        np.testing.assert_allclose(float(grads[arg][i]), float(fd), rtol=1e-6, atol=1e-9)
