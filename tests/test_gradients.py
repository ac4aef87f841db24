"""Gradients of a trace loss agree with central finite differences (float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH

T_MAX, DT = 8.0, 0.025
# Central differences with a relative step of 1e-6: truncation error ~1e-12 relative and
# round-off ~1e-16 / 1e-6 = 1e-10 relative, far below the 1e-4 agreement required.
REL_STEP = 1e-6
RTOL = 1e-4


def small_cell():
    branches = [dx.Branch(length=120.0, radius=1.0, ncomp=3), dx.Branch(length=80.0, radius=0.6, ncomp=2)]
    cell = dx.Cell([branches[0], branches[1], branches[1]], parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 3.0, 0.4, DT, T_MAX))
    cell.branch(0).loc(0.5).record("v")
    cell.branch(2).loc(1.0).record("v")
    return cell


CELL = small_cell()
# Reference values: NEURON-like defaults and the cell's own geometry.
DEFAULTS = {
    "HH_gNa": 0.12,
    "HH_gK": 0.036,
    "HH_gLeak": 0.0003,
    "HH_eLeak": -54.3,
    "radius": 0.9,
    "length": 30.0,
    "axial_resistivity": 60.0,
    "capacitance": 1.2,
    "ena": 52.0,
    "celsius": 9.0,
}


def loss(params):
    v = dx.integrate(CELL, t_max=T_MAX, delta_t=DT, params=params)
    return jnp.mean((v + 60.0) ** 2)


def central_difference(params, name):
    value = params[name]
    h = REL_STEP * abs(value)
    plus = dict(params, **{name: value + h})
    minus = dict(params, **{name: value - h})
    return (float(loss(plus)) - float(loss(minus))) / (2.0 * h)


def test_the_loss_sees_spikes():
    v = dx.integrate(CELL, t_max=T_MAX, delta_t=DT, params=DEFAULTS)
    assert float(v.max()) > 0.0


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_scalar_parameter_gradient(name):
    grads = jax.grad(loss)(DEFAULTS)
    np.testing.assert_allclose(float(grads[name]), central_difference(DEFAULTS, name), rtol=RTOL)


def test_per_compartment_gradient():
    """One entry of a per-compartment array: the radius of compartment 4 alone."""
    radius = np.asarray(CELL.get("radius"), dtype=np.float64)
    base = dict(DEFAULTS, radius=radius)

    def f(r4):
        return loss(dict(base, radius=jnp.asarray(radius).at[4].set(r4)))

    g = float(jax.grad(f)(radius[4]))
    h = REL_STEP * radius[4]
    fd = (float(f(radius[4] + h)) - float(f(radius[4] - h))) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=RTOL)


def test_forward_mode_without_the_adjoint_equals_reverse_mode():
    """``Checkpoint(adjoint=False)`` allows ``jax.jvp``/``jacfwd``; its directional derivative
    must equal the reverse-mode gradient (hand-written adjoint, the default) projected on the
    same direction. Both are exact derivatives of the same discrete map, so they agree to
    round-off (1e-10 relative); the finite difference (1e-4, as above) guards both."""
    names = ["HH_gNa", "HH_gK", "radius", "capacitance"]
    direction = {k: 1.0 if k in names else 0.0 for k in DEFAULTS}

    def f(params, checkpoint):
        v = dx.integrate(CELL, t_max=T_MAX, delta_t=DT, params=params, checkpoint=checkpoint)
        return jnp.mean((v + 60.0) ** 2)

    primals = dict(DEFAULTS)
    _, forward = jax.jvp(lambda p: f(p, dx.Checkpoint(adjoint=False)), (primals,), (direction,))
    reverse = jax.grad(lambda p: f(p, dx.Checkpoint()))(primals)
    projected = sum(float(reverse[k]) * direction[k] for k in names)
    np.testing.assert_allclose(float(forward), projected, rtol=1e-10)
    plain_reverse = jax.grad(lambda p: f(p, dx.Checkpoint(adjoint=False)))(primals)
    for k in names:
        np.testing.assert_allclose(float(plain_reverse[k]), float(reverse[k]), rtol=1e-10)
    np.testing.assert_allclose(float(reverse["HH_gNa"]), central_difference(DEFAULTS, "HH_gNa"), rtol=RTOL)
    # The default says what to use (JAX's own message, "can't apply forward-mode autodiff
    # (jvp) to a custom_vjp function", did not).
    with pytest.raises(TypeError, match=r"needs checkpoint=dx.Checkpoint\(adjoint=False\)"):
        jax.jvp(lambda p: f(p, dx.Checkpoint()), (primals,), (direction,))


def test_a_simulator_built_inside_jit_leaves_no_tracer_behind():
    """Compiling a description inside a jitted function caches its System on the
    description; that System must hold concrete arrays, or the next use outside the trace
    fails with UnexpectedTracerError."""
    cell = small_cell()
    inside = jax.jit(lambda g: dx.simulator(cell, t_max=T_MAX, delta_t=DT)({"HH_gNa": g})[0, -1])(0.12)
    outside = dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": 0.12})[0, -1]
    # The same compiled model, once traced under jit and once not: equal to round-off.
    np.testing.assert_allclose(float(inside), float(outside), rtol=0, atol=1e-10)


def test_jit_takes_a_simulator_itself():
    """`jax.jit(sim)` raised "unhashable type: 'dict'" (a Simulator hashed its System); it
    must give the uncompiled call's traces, and compile once for new values."""
    sim = dx.simulator(small_cell(), t_max=T_MAX, delta_t=DT)
    compiled = jax.jit(sim)
    for g in (0.12, 0.2):
        np.testing.assert_allclose(
            np.asarray(compiled({"HH_gNa": g})), np.asarray(sim({"HH_gNa": g})), rtol=0, atol=1e-10
        )  # the same computation, once under jit: equal to round-off
    assert compiled._cache_size() == 1
    assert sim == sim and sim != dx.simulator(small_cell(), t_max=T_MAX, delta_t=DT)


def test_a_mechanism_reading_other_compartments_is_right_without_the_adjoint():
    """The default derivative assumes each compartment's states depend on that compartment
    alone (true of every built-in and .mod mechanism). ``Checkpoint(adjoint=False)`` leaves
    the derivative to JAX, so a mechanism that reads its neighbour's voltage gets the
    finite-difference gradient (1e-4 relative, as above)."""

    class Neighbour(dx.Mechanism):
        params = {"tau": 1.0, "g": 1e-3}
        units = {"tau": "ms"}
        states = {"x": 0.0}

        def init_states(self, v, p):
            return {"x": jnp.zeros_like(v)}

        def update_states(self, s, v, dt, p):
            target = jnp.roll(v, 1) + 65.0  # mV above rest of the neighbouring compartment
            return {"x": target + (s["x"] - target) * jnp.exp(-dt / p["tau"])}

        def current(self, s, v, p):
            return p["g"] * s["x"] * (v + 80.0) / 10.0

    branch = dx.Branch(length=300.0, radius=1.0, ncomp=4)
    branch.insert(HH())
    branch.insert(Neighbour())
    branch.loc(0.0).stimulate(dx.step_current(0.5, 3.0, 0.3, DT, 5.0))
    branch.loc(1.0).record("v")

    def f(g):
        v = dx.integrate(branch, t_max=5.0, delta_t=DT, params={"Neighbour_g": g}, checkpoint=dx.Checkpoint(adjoint=False))
        return jnp.mean((v + 60.0) ** 2)

    g0 = 1e-3
    h = REL_STEP * g0
    fd = (float(f(g0 + h)) - float(f(g0 - h))) / (2 * h)
    np.testing.assert_allclose(float(jax.grad(f)(g0)), fd, rtol=RTOL)
