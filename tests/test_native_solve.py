"""The compiled CPU solve (`dendrax.solve.native`) against the vectorised one and NumPy."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH
from dendrax.solve import native
from dendrax.solve.hines import _vectorised_solve, couple, solve_plain
from dendrax.solve.layout import plan_solver

from .test_solver import random_forest, random_system

pytestmark = pytest.mark.skipif(not native.enabled(), reason=f"compiled solve unavailable: {native.status()}")

# Both solves are exact eliminations of a diagonally dominant system, in different orders:
# they differ by round-off, which grows with the length of the elimination paths (hundreds of
# nodes here): 1e-12 is ~5,000 float64 ulps, 1e-5 ~80 float32 ulps; a wrong elimination
# (a missing or misplaced weight) errs by more than 1e-2.
RTOL64, RTOL32 = 1e-12, 1e-5


def _system(seed, n, n_roots=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    edges = random_forest(rng, n, n_roots=n_roots, locality=6)
    layout = plan_solver(n, edges, rng.random(n) < 0.1)
    w, diag, dense = random_system(rng, n, edges)
    coupling = couple(layout, jnp.asarray(w, dtype))
    d = jnp.asarray(diag[layout.order], dtype)
    return rng, layout, coupling, d, dense


@pytest.mark.parametrize("n, n_roots", [(2, 1), (60, 1), (3000, 1), (500, 7)])
def test_compiled_equals_vectorised_and_dense(n, n_roots):
    rng, layout, coupling, d, dense = _system(n, n, n_roots)
    rhs = rng.normal(size=n)
    r = jnp.asarray(rhs[layout.order])
    x_native = jax.jit(lambda c, d_, r_: solve_plain(layout, c, d_, r_))(coupling, d, r)
    x_vector = jax.jit(lambda c, d_, r_: _vectorised_solve(layout, c, d_, r_))(coupling, d, r)
    scale = float(np.abs(x_vector).max())
    np.testing.assert_allclose(x_native, x_vector, rtol=RTOL64, atol=RTOL64 * scale)
    np.testing.assert_allclose(np.asarray(x_native)[layout.rank], np.linalg.solve(dense, rhs), rtol=1e-10)


def test_compiled_float32():
    with jax.enable_x64(False):
        rng, layout, coupling, d, _ = _system(5, 400, 1, np.float32)
        r = jnp.asarray(rng.normal(size=400)[layout.order], jnp.float32)
        x_native = jax.jit(lambda c, d_, r_: solve_plain(layout, c, d_, r_))(coupling, d, r)
        x_vector = jax.jit(lambda c, d_, r_: _vectorised_solve(layout, c, d_, r_))(coupling, d, r)
        assert x_native.dtype == jnp.float32
        np.testing.assert_allclose(x_native, x_vector, rtol=RTOL32, atol=RTOL32 * float(np.abs(x_vector).max()))


@pytest.mark.parametrize("batched", ["diag", "all", "rhs"])
def test_vmap_falls_back_to_the_vectorised_solve(batched):
    rng, layout, coupling, d, _ = _system(11, 200)
    r = jnp.asarray(rng.normal(size=(4, 200)))
    ds = d[None] * jnp.asarray(rng.uniform(1.0, 2.0, (4, 1)))
    cs = jax.tree.map(lambda w: jnp.stack([w * s for s in (1.0, 0.9, 1.1, 0.5)]), coupling)
    args, axes = {
        "diag": ((coupling, ds, r[0]), (None, 0, None)),
        "all": ((cs, ds, r), (0, 0, 0)),
        "rhs": ((coupling, d, r), (None, None, 0)),
    }[batched]
    got = jax.jit(jax.vmap(lambda c, d_, r_: solve_plain(layout, c, d_, r_), in_axes=axes))(*args)
    for k in range(4):
        one = [jax.tree.map(lambda a, k=k: a[k], arg) if ax == 0 else arg for arg, ax in zip(args, axes)]
        expected = jax.jit(lambda c, d_, r_: solve_plain(layout, c, d_, r_))(*one)
        np.testing.assert_allclose(got[k], expected, rtol=RTOL64, atol=RTOL64 * float(np.abs(expected).max()))


def test_cell_traces_do_not_depend_on_the_solve_path(monkeypatch):
    """A branched HH cell, forward and gradient, with each solve (float64, round-off)."""
    cell = dx.Cell([dx.Branch(length=150.0, radius=1.0, ncomp=5)] * 7, parents=[-1, 0, 0, 1, 1, 2, 2])
    cell.insert(HH())
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 5.0, 0.4, 0.025, 15.0))
    cell.branch(0).loc(0.0).record("v")
    cell.branch(6).loc(1.0).record("v")

    def run():
        jax.clear_caches()
        loss = lambda g: jnp.mean(dx.integrate(cell, t_max=15.0, params={"HH_gNa": g}) ** 2)  # noqa: E731
        return dx.integrate(cell, t_max=15.0), jax.grad(loss)(0.12)

    v_native, g_native = run()
    monkeypatch.setattr(native, "enabled", lambda: False)
    v_vector, g_vector = run()
    assert float(jnp.max(jnp.abs(v_native - v_vector))) < 1e-9  # mV; spikes amplify round-off
    np.testing.assert_allclose(g_native, g_vector, rtol=1e-8)


def test_status_and_switch_off():
    assert native.status().startswith("in use: ")
    code = "from dendrax.solve import native; print(native.enabled()); print(native.status())"
    env = dict(os.environ, DENDRAX_NATIVE_SOLVE="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["False", "not in use: RuntimeError: switched off by DENDRAX_NATIVE_SOLVE=0"]


def test_second_order_derivatives_through_the_adjoint(monkeypatch):
    """Forward over reverse (jax.hessian) through the default adjoint: as the vectorised path."""
    cell = dx.Cell([dx.Branch(length=150.0, radius=1.0, ncomp=5)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 2.0, 0.4, 0.025, 3.0))
    cell.branch(2).loc(1.0).record("v")

    def hessian():
        jax.clear_caches()
        return jax.hessian(lambda g: jnp.mean(dx.integrate(cell, t_max=3.0, params={"HH_gNa": g}) ** 2))(0.12)

    h_native = hessian()
    monkeypatch.setattr(native, "enabled", lambda: False)
    np.testing.assert_allclose(h_native, hessian(), rtol=1e-9)  # round-off of two eliminations


def test_operands_it_does_not_take_go_to_the_vectorised_solve():
    """Mixed or other float dtypes: the vectorised solve (with JAX's promotion), no error."""
    rng, layout, coupling, d, _ = _system(3, 50)
    r = jnp.asarray(rng.normal(size=50)[layout.order])
    assert native.supports(coupling, d, r)
    mixed = (coupling, d.astype(jnp.float32), r)
    assert not native.supports(*mixed)
    with jax.numpy_dtype_promotion("standard"):  # the tests run with strict promotion
        x = solve_plain(layout, *mixed)
    np.testing.assert_allclose(x, solve_plain(layout, coupling, d, r), rtol=1e-6)  # float32 diag


def test_repeated_edges_are_refused():
    with pytest.raises(ValueError, match=r"repeats the edge \(0, 1\)"):
        plan_solver(3, np.array([[0, 1], [1, 0]]))
    with pytest.raises(ValueError, match="self-loop"):
        plan_solver(3, np.array([[0, 1], [2, 2]]))
