"""The exact forest solver against dense linear algebra, and its derivative against finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dendrax.solve import native
from dendrax.solve.hines import couple, matvec, solve_voltage_system
from dendrax.solve.layout import plan_solver


@pytest.fixture(autouse=True, params=["vectorised", "native"])
def solve_path(request, monkeypatch):
    """Every test twice: with the vectorised solve (GPU, batches) and the compiled CPU one."""
    if request.param == "native":
        if not native.enabled():
            pytest.skip(f"compiled solve unavailable here ({native.status()})")
    else:
        monkeypatch.setattr(native, "enabled", lambda: False)
    jax.clear_caches()  # traces of the other path must not be reused
    return request.param

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
    x = jax.jit(lambda c, d, r: solve_voltage_system(layout, c, d, r))(
        coupling, jnp.asarray(diag[layout.order]), jnp.asarray(rhs[layout.order])
    )
    np.testing.assert_allclose(
        np.asarray(x)[layout.rank], expected, rtol=SOLVE_RTOL, atol=SOLVE_RTOL * np.abs(expected).max()
    )
    product = jax.jit(lambda c, d, x_: matvec(layout, c, d, x_))(
        coupling, jnp.asarray(diag[layout.order]), jnp.asarray(expected[layout.order])
    )
    np.testing.assert_allclose(np.asarray(product)[layout.rank], rhs, atol=1e-12 * np.abs(rhs).max() * n)


def test_solve_forest_of_several_trees():
    rng = np.random.default_rng(5)
    edges = random_forest(rng, 30, n_roots=4)
    layout = plan_solver(30, edges)
    w, diag, dense = random_system(rng, 30, edges)
    rhs = rng.normal(size=30)
    x = solve_voltage_system(
        layout,
        couple(layout, jnp.asarray(w)),
        jnp.asarray(diag[layout.order]),
        jnp.asarray(rhs[layout.order]),
    )
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

    grads = jax.jit(jax.grad(f, argnums=(0, 1, 2)))(diag, w, rhs)
    f = jax.jit(f)  # compiled once for the twelve evaluations (op by op: slow)
    eps = 1e-6  # central differences: truncation ~eps², round-off ~1e-16/eps; both << 1e-7
    for arg, i in [(0, 5), (0, 17), (1, 7), (1, 0), (2, 3), (2, 30)]:
        plus = [diag.copy(), w.copy(), rhs.copy()]
        minus = [a.copy() for a in plus]
        plus[arg][i] += eps
        minus[arg][i] -= eps
        fd = (f(*plus) - f(*minus)) / (2 * eps)
        np.testing.assert_allclose(float(grads[arg][i]), float(fd), rtol=1e-6, atol=1e-9)


def cell_like_forest(rng, n_branches, max_len, soma_children=0, cables=0):
    """Branches (paths of 1..max_len compartments) joined at zero-area junction nodes, as a
    compiled cell has them: each child branch hangs from a junction at its parent's end; the
    first junction (a "soma" point) can have many children; plus unbranched cables.

    Returns (n, edges, separator mask).
    """
    edges, lengths, n = [], rng.integers(1, max_len + 1, n_branches), 0
    starts = []
    for length in lengths:
        starts.append(n)
        edges += [(n + k, n + k + 1) for k in range(length - 1)]
        n += length
    n_comps = n
    end_junction = {}
    parents = [-1] + [int(rng.integers(0, b)) if b > soma_children else 0 for b in range(1, n_branches)]
    for b, p in enumerate(parents):
        if p < 0:
            continue
        if p not in end_junction:
            end_junction[p] = n
            edges.append((starts[p] + lengths[p] - 1, n))
            n += 1
        edges.append((end_junction[p], starts[b]))
    for length in rng.integers(1, max_len + 1, cables):  # isolated cables: chains without separators
        edges += [(n + k, n + k + 1) for k in range(length - 1)]
        n += length
    mask = np.zeros(n, dtype=bool)
    mask[n_comps : n_comps + len(end_junction)] = True
    return n, np.array(edges, dtype=np.int64).reshape(-1, 2), mask


def axial_system(rng, n, edges, membrane=0.05):
    """Weights and diagonal shaped like the voltage equation: axial conductances spanning a
    few decades, plus a membrane term (relative to the axial ones) on every node."""
    g = 10.0 ** rng.uniform(-2, 2, len(edges))
    coupling = np.zeros(n)
    np.add.at(coupling, edges[:, 0], g)
    np.add.at(coupling, edges[:, 1], g)
    diag = coupling * (1 + membrane * rng.uniform(0.5, 2.0, n)) + 1e-3
    return -g, diag


def dense_of(n, edges, w, diag):
    dense = np.diag(diag)
    dense[edges[:, 0], edges[:, 1]] = w
    dense[edges[:, 1], edges[:, 0]] = w
    return dense


def solve_with(layout, w, diag, rhs, dtype=jnp.float64):
    x = _jitted_solve(layout)(
        jnp.asarray(w, dtype), jnp.asarray(diag[layout.order], dtype), jnp.asarray(rhs[layout.order], dtype)
    )
    return np.asarray(x, dtype=np.float64)[layout.rank]


_SOLVES = {}  # one jitted solve per layout: a new closure per call compiled it again (~3 s each)


def _jitted_solve(layout):
    if id(layout) not in _SOLVES:
        _SOLVES.clear()  # layouts are made per test; keep the last one only

        def solve(w_, d_, r_):
            return solve_voltage_system(layout, couple(layout, w_), d_, r_)

        _SOLVES[id(layout)] = (layout, jax.jit(solve))
    return _SOLVES[id(layout)][1]


@pytest.mark.parametrize(
    "n_branches, max_len, soma_children, cables",
    [
        (1, 1, 0, 0),
        (1, 60, 0, 0),
        (5, 3, 0, 2),
        (31, 8, 0, 0),
        (30, 60, 0, 1),
        (60, 20, 25, 0),
        (100, 30, 3, 3),
    ],
)
def test_cell_like_systems_match_dense(n_branches, max_len, soma_children, cables):
    """Long and uneven chains, many half-chain lengths, high-degree junctions, chains without
    separators, several trees."""
    rng = np.random.default_rng(n_branches * 1000 + max_len)
    n, edges, mask = cell_like_forest(rng, n_branches, max_len, soma_children, cables)
    layout = plan_solver(n, edges, mask)
    assert (
        np.all(layout.order[: layout.n_chain_nodes] < mask.size)
        and not mask[layout.order[: layout.n_chain_nodes]].any()
    )
    w, diag = axial_system(rng, n, edges)
    rhs = rng.normal(size=n) * 65.0
    expected = np.linalg.solve(dense_of(n, edges, w, diag), rhs)
    np.testing.assert_allclose(
        solve_with(layout, w, diag, rhs), expected, rtol=0, atol=SOLVE_RTOL * np.abs(expected).max() * 10
    )


def test_separators_next_to_each_other():
    """Direct separator-separator edges (adjacent junctions) and single-compartment chains."""
    rng = np.random.default_rng(11)
    n = 60
    edges = random_forest(rng, n, n_roots=2, locality=6)
    mask = rng.random(n) < 0.5
    layout = plan_solver(n, edges, mask)
    w, diag = axial_system(rng, n, edges)
    rhs = rng.normal(size=n)
    expected = np.linalg.solve(dense_of(n, edges, w, diag), rhs)
    np.testing.assert_allclose(
        solve_with(layout, w, diag, rhs), expected, rtol=0, atol=SOLVE_RTOL * np.abs(expected).max()
    )


@pytest.mark.parametrize("membrane", [0.05, 1e-4])
def test_float32_is_as_accurate_as_elimination_allows(membrane):
    """float32: the error stays within a small multiple of float32 rounding (times the size of
    the system), also for nearly singular systems (tiny membrane term, long cables)."""
    rng = np.random.default_rng(7)
    n, edges, mask = cell_like_forest(rng, 30, 50, soma_children=5)
    layout = plan_solver(n, edges, mask)
    w, diag = axial_system(rng, n, edges, membrane)
    rhs = rng.normal(size=n) * 65.0
    expected = np.linalg.solve(dense_of(n, edges, w, diag), rhs)
    x64 = solve_with(layout, w, diag, rhs)
    x32 = solve_with(layout, w, diag, rhs, jnp.float32)
    scale = np.abs(expected).max()
    eigenvalues = np.linalg.eigvalsh(dense_of(n, edges, w, diag))
    cond = eigenvalues[-1] / eigenvalues[0]
    assert np.abs(x64 - expected).max() <= 1e-12 * scale * max(1.0, cond * 1e-4)
    # Backward stable elimination: error ~ eps * cond; bounded here by eps * sqrt(n) * cond.
    assert np.abs(x32 - expected).max() <= np.finfo(np.float32).eps * np.sqrt(n) * cond * scale


def test_vmap_matches_individual_solves():
    rng = np.random.default_rng(3)
    n, edges, mask = cell_like_forest(rng, 20, 12, cables=1)
    layout = plan_solver(n, edges, mask)
    batch = [axial_system(rng, n, edges) for _ in range(4)]
    rhs = rng.normal(size=(4, n))
    w = np.stack([b[0] for b in batch])
    diag = np.stack([b[1] for b in batch])

    def one(w_, d_, r_):
        return solve_voltage_system(layout, couple(layout, w_), d_, r_)

    xs = jax.jit(jax.vmap(one))(
        jnp.asarray(w), jnp.asarray(diag[:, layout.order]), jnp.asarray(rhs[:, layout.order])
    )
    for k in range(4):
        np.testing.assert_allclose(
            np.asarray(xs[k])[layout.rank], solve_with(layout, w[k], diag[k], rhs[k]), rtol=1e-13, atol=1e-13
        )


def test_gradient_through_long_chains():
    rng = np.random.default_rng(9)
    n, edges, mask = cell_like_forest(rng, 12, 30, cables=1)
    layout = plan_solver(n, edges, mask)
    w, diag = axial_system(rng, n, edges, membrane=0.5)
    rhs = rng.normal(size=n)

    def f(d, w_, r):
        x = solve_voltage_system(layout, couple(layout, w_), d[layout.order], r[layout.order])
        return jnp.sum(jnp.sin(x))

    grads = jax.jit(jax.grad(f, argnums=(0, 1, 2)))(diag, w, rhs)
    f = jax.jit(f)  # one compile for the ten evaluations (op by op they took ~40 s)
    eps = 1e-6
    for arg, i in [(0, 3), (0, n - 1), (1, 5), (1, len(w) - 1), (2, n // 2)]:
        plus = [diag.copy(), w.copy(), rhs.copy()]
        minus = [a.copy() for a in plus]
        step = eps * max(1.0, abs(plus[arg][i]))
        plus[arg][i] += step
        minus[arg][i] -= step
        fd = (f(*plus) - f(*minus)) / (2 * step)
        np.testing.assert_allclose(float(grads[arg][i]), float(fd), rtol=1e-5, atol=1e-9)
