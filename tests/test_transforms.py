"""jit, vmap and grad apply to integrate; changing parameter values never recompiles."""

import jax
import jax.numpy as jnp
import numpy as np

import dendrax as dx
from dendrax.channels import HH
from dendrax.integrate import _run

T_MAX, DT = 10.0, 0.025


def tree():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 4.0, 0.3, DT, T_MAX))
    cell.branch(1).loc(1.0).record("v")
    cell.branch(2).loc(0.5).record("HH_n")
    return cell


def test_jit_vmap_and_loop_agree():
    cell = tree()
    g_na = jnp.array([0.08, 0.12, 0.2])

    def run(g):
        return dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": g})

    looped = np.stack([np.asarray(run(g)) for g in g_na])
    jitted = np.stack([np.asarray(jax.jit(run)(g)) for g in g_na])
    vmapped = np.asarray(jax.jit(jax.vmap(run))(g_na))
    # Same operations in the same order: identical up to the reassociation XLA may do.
    np.testing.assert_allclose(jitted, looped, rtol=0, atol=1e-10)
    np.testing.assert_allclose(vmapped, looped, rtol=0, atol=1e-10)
    assert not np.allclose(looped[0], looped[2])  # the parameter matters


def test_vmap_over_stimuli():
    cell = tree()
    base = np.stack([w for _, w in cell.stimuli])
    amplitudes = jnp.array([0.0, 1.0, 2.0])
    out = jax.vmap(lambda a: dx.integrate(cell, t_max=T_MAX, delta_t=DT, stimuli=a * base))(amplitudes)
    single = dx.integrate(cell, t_max=T_MAX, delta_t=DT, stimuli=2.0 * base)
    np.testing.assert_allclose(np.asarray(out[2]), np.asarray(single), atol=1e-10)
    assert np.ptp(np.asarray(out[0][0])) < 1.0  # no stimulus: stays at rest


def test_changing_values_does_not_recompile():
    cell = tree()
    dx.integrate(cell, t_max=T_MAX, delta_t=DT)
    size = _run._cache_size()
    cell.branch(1).set("HH_gK", 0.05)
    cell.set("radius", 1.3)
    dx.integrate(cell, t_max=T_MAX, delta_t=DT)
    dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": 0.3})
    dx.integrate(cell, t_max=T_MAX, delta_t=0.0125 * 2)
    assert _run._cache_size() <= size + 1  # + the params dict with one override

    traces = []

    @jax.jit
    def f(g):
        traces.append(1)
        return dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": g})

    for g in (0.1, 0.11, 0.12):
        f(g)
    assert len(traces) == 1


def test_a_copy_is_independent():
    cell = tree()
    twin = cell.copy()
    twin.set("HH_gNa", 0.0)
    a = dx.integrate(cell, t_max=T_MAX, delta_t=DT)
    b = dx.integrate(twin, t_max=T_MAX, delta_t=DT)
    assert float(jnp.max(a[0])) > 0.0 > float(jnp.max(b[0]))
