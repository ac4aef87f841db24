"""Gradients through mechanisms generated from .mod files, against central differences, and
the transformations (jit, vmap) that must give the same numbers as eager code.

Models, each differentiated once with respect to all its parameters (float64):
- cnexp channels with guarded FUNCTIONs (tests/mod: Hay et al.'s sodium, potassium and Ih);
- KINETIC ``sparse`` (a nonlinear buffer with COMPARTMENT; a linear Markov scheme with
  CONSERVE and STEADYSTATE, under a clamp, against celsius) and ``derivimplicit`` (a calcium
  pump), whose implicit solves carry exact derivatives through one Newton step (implicit
  function theorem);
- NET_RECEIVE synapses (the weight, both time constants, and Exp2Syn's INITIAL-computed
  normalisation, carried as a state).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak

HERE = Path(__file__).parent
DT, T_MAX = 0.025, 10.0
# Central differences with a relative step of 1e-5: truncation ~1e-10 and round-off
# ~1e-16 / 1e-5 relative to the loss, far below the tolerance.
REL_STEP = 1e-5
RTOL = 1e-4


@functools.cache
def load(path: str):
    return dx.nmodl.load(HERE / path)


def cnexp_model():
    comp = dx.Compartment(length=20.0, radius=10.0)
    # (Hay et al.'s channels keep their 34 °C kinetics at any celsius; Pospischil et al.'s K
    # carries celsius's gradient.)
    for name in ("NaTs2_t", "K_Tst", "SKv3_1", "Ih", "K"):
        comp.insert(load(f"mod/dx_{name}.mod")())
    comp.insert(Leak())
    params = {
        "dx_NaTs2_t_gbar": 0.05, "dx_K_Tst_gbar": 0.03, "dx_SKv3_1_gbar": 0.05, "dx_Ih_gbar": 2e-4, "dx_K_gbar": 5e-3,
        "dx_Ih_ehcn": -45.0, "Leak_gLeak": 3e-4, "Leak_eLeak": -70.0, "celsius": 34.0,
    }  # fmt: skip
    return comp, params


def kinetic_model():
    comp = dx.Compartment(length=20.0, radius=10.0)
    for name in ("nx_cabuf", "nx_cal"):
        comp.insert(load(f"nmodl/{name}.mod")())
    comp.insert(HH())
    params = {
        "nx_cal_gcalbar": 3e-3, "nx_cal_ki": 1e-3, "nx_cabuf_kf": 100.0, "nx_cabuf_kb": 0.1,
        "nx_cabuf_Btot": 0.05, "nx_cabuf_taur": 20.0, "nx_cabuf_depth": 0.1, "HH_gK": 0.036,
    }  # fmt: skip
    return comp, params


def markov_model():
    """The 8-state scheme under a voltage clamp: its states depend on celsius (Q10 3)."""
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(load("nmodl/nx_na8st.mod")())
    t = np.arange(int(round(T_MAX / DT)) + 1) * DT
    comp.clamp("v", np.where(t < 2.0, -70.0, np.where(t < 6.0, -20.0, -50.0)))
    return comp, {"nx_na8st_gbar": 0.12, "celsius": 12.0}


def pump_model():
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(load("nmodl/nx_cad.mod")())
    comp.insert(load("nmodl/nx_cal.mod")())
    comp.insert(HH())
    params = {
        "nx_cad_kt": 1e-4,
        "nx_cad_kd": 1e-4,
        "nx_cad_taur": 5.0,
        "nx_cal_gcalbar": 3e-3,
        "HH_gNa": 0.12,
    }
    return comp, params


def synapse_model():
    pre = dx.Compartment(length=20.0, radius=10.0)
    pre.insert(HH())
    post = dx.Compartment(length=20.0, radius=10.0)
    post.insert(Leak())
    net = dx.Network([pre, post, post])
    dx.connect(net.cell(0), net.cell(1), load("nmodl/nx_Exp2Syn.mod")(), weight=0.003, delay=1.0)
    dx.connect(net.cell(0), net.cell(2), load("nmodl/nx_ExpSyn.mod")(), weight=0.003, delay=1.0)
    net.synapses.nx_Exp2Syn.make_trainable("weight")
    net.synapses.nx_Exp2Syn.make_trainable("tau1")
    net.synapses.nx_Exp2Syn.make_trainable("tau2")
    net.synapses.nx_ExpSyn.make_trainable("tau")
    return net


MODELS = {"cnexp": cnexp_model, "kinetic": kinetic_model, "pump": pump_model, "markov": markov_model}


@functools.cache
def prepared(kind: str):
    comp, params = MODELS[kind]()
    comp.set("v", -70.0)
    if kind == "markov":
        comp.record("ina")
    else:
        comp.stimulate(dx.step_current(1.0, 4.0, 0.4, DT, T_MAX))
        comp.record("v")
    cai = [n for n in comp.parameter_names if n.endswith("_cai")]
    if cai:
        comp.record(cai[0])
    sim = dx.simulator(comp, t_max=T_MAX, delta_t=DT)

    def loss(p):
        out = sim(params=p)
        if kind == "markov":
            return jnp.mean(out[0] ** 2)
        extra = jnp.mean((1e3 * out[1]) ** 2) if cai else 0.0
        return jnp.mean((out[0] + 60.0) ** 2) / 100.0 + extra

    params = {k: jnp.asarray(v) for k, v in params.items()}
    return jax.jit(loss), params, jax.jit(jax.grad(loss))(params)


CASES = [(kind, name) for kind, model in MODELS.items() for name in model()[1]]


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}-{n}" for k, n in CASES])
def test_parameter_gradient(kind, name):
    loss, params, grad = prepared(kind)
    value = float(params[name])
    step = REL_STEP * abs(value)
    plus = float(loss(dict(params, **{name: value + step})))
    minus = float(loss(dict(params, **{name: value - step})))
    fd = (plus - minus) / (2.0 * step)
    g = float(grad[name])
    assert np.isfinite(g) and g != 0.0
    np.testing.assert_allclose(g, fd, rtol=RTOL)


def test_synapse_gradients():
    net = synapse_model()
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 1.0, 1.0, DT, 15.0))
    net.cell(1).branch(0).loc(0.5).record("v")
    net.cell(2).branch(0).loc(0.5).record("v")
    sim = dx.simulator(net, t_max=15.0, delta_t=DT)

    def loss(p):
        return jnp.mean((sim(p) + 65.0) ** 2)

    params = net.get_parameters()
    grad = jax.grad(loss)(params)
    for k, entry in enumerate(params):
        ((name, value),) = entry.items()
        step = REL_STEP * float(value[0])
        up = [dict(e) for e in params]
        down = [dict(e) for e in params]
        up[k] = {name: value + step}
        down[k] = {name: value - step}
        fd = (float(loss(up)) - float(loss(down))) / (2.0 * step)
        g = float(grad[k][name][0])
        assert g != 0.0, name
        np.testing.assert_allclose(g, fd, rtol=RTOL, err_msg=name)


def test_gradients_are_finite_where_a_guarded_branch_is_singular():
    """vtrap's else-branch is 0/0 at x = 0 and exptrap's exp overflows above 700: the
    branches not taken must not turn the gradient into NaN (`nm.guard`)."""
    na = load("mod/dx_NaTs2_t.mod")()

    def rates(v):
        p = {"gbar": jnp.ones(2), "ena": jnp.full(2, 50.0), "celsius": 34.0}
        s = na.init_states(v, p)
        return sum(jnp.sum(x) for x in na.update_states(s, v, 0.025, p).values())

    v = jnp.asarray([-32.0, -60.0])  # vtrap(0, 6) for m's and h's rates
    g = jax.grad(rates)(v)
    assert np.all(np.isfinite(np.asarray(g))) and np.all(np.asarray(g) != 0.0)
    np.testing.assert_allclose(np.asarray(g), np.asarray(jax.grad(rates)(v + 1e-7)), rtol=1e-4)

    module = sys.modules[load("nmodl/nx_na8st.mod").__module__]  # the generated functions
    x = jnp.asarray([0.0, 1e-9, 5.0, 800.0])
    assert np.all(np.isfinite(np.asarray(jax.vmap(jax.grad(lambda a: module.vtrap(a, 10.0)))(x[:3]))))
    g = jax.vmap(jax.grad(module.exptrap))(x)
    np.testing.assert_allclose(np.asarray(g), [1.0, 1.0 + 1e-9, np.exp(5.0), 0.0], rtol=1e-12)


def test_jit_and_vmap_give_the_eager_numbers():
    """jit and vmap of generated code give the eager numbers (a cnexp channel), and vmap over
    compartments the numbers of one call over all of them (the Newton solves of a KINETIC
    scheme run per compartment, whatever the batch)."""
    v = jnp.linspace(-90.0, 30.0, 7)

    def runner(mech, p, ion, steps=3):
        def run(v, gbar):
            q = dict(p, gbar=gbar)
            s = mech.init_states(v, q)
            for _ in range(steps):
                s = mech.update_states(s, v + 10.0, 0.025, q)
            return mech.current(s, v, q)[ion]

        return run

    na = runner(load("mod/dx_NaTs2_t.mod")(), {"ena": jnp.full(7, 50.0), "celsius": 34.0}, "na")
    g = jnp.full(7, 0.05)
    eager = np.asarray(na(v, g))
    np.testing.assert_allclose(np.asarray(jax.jit(na)(v, g)), eager, rtol=1e-14, atol=1e-18)
    one = {"ena": jnp.full(1, 50.0), "celsius": 6.3}
    markov = runner(load("nmodl/nx_na8st.mod")(), dict(one, ena=jnp.full(7, 50.0)), "na", 1)
    together = np.asarray(jax.jit(markov)(v, jnp.full(7, 0.12)))
    single = runner(load("nmodl/nx_na8st.mod")(), one, "na", 1)
    apart = np.asarray(jax.jit(jax.vmap(lambda vi, gi: single(vi[None], gi[None])[0]))(v, jnp.full(7, 0.12)))
    np.testing.assert_allclose(apart, together, rtol=1e-12, atol=1e-18)


def test_surrogate_gradients_through_a_mod_synapse_equal_the_built_in_ones():
    """With a surrogate for spike detection, the gradient of a postsynaptic loss with respect
    to the presynaptic gNa passes through the synapse. Through nx_ExpSyn (NET_RECEIVE, run
    per spike) it was gated by the spike's arrival: -5783 where the built-in ExpSyn
    (g + count w) gives -161.9; now they agree (the same model, to round-off)."""

    def loss_and_grad(synapse):
        pre = dx.Compartment(length=20.0, radius=10.0)
        pre.insert(HH())
        post = dx.Compartment(length=20.0, radius=10.0)
        post.insert(Leak())
        net = dx.Network([pre, post])
        dx.connect(net.cell(0), net.cell(1), synapse, weight=0.01, delay=1.0)
        net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 5.0, 0.3, DT, 15.0))
        net.cell(1).branch(0).loc(0.5).record("v")
        net.cell(0).make_trainable("HH_gNa")
        sim = dx.simulator(net, t_max=15.0, delta_t=DT, surrogate=dx.Surrogate(beta=0.5))
        f = lambda p: jnp.mean(sim(p) ** 2)  # noqa: E731
        p = net.get_parameters()
        return float(f(p)), float(jax.grad(f)(p)[0]["HH_gNa"][0])

    ours = loss_and_grad(load("nmodl/nx_ExpSyn.mod")())
    built_in = loss_and_grad(dx.synapses.ExpSyn())
    assert ours[0] == pytest.approx(built_in[0], rel=1e-12)
    assert abs(built_in[1]) > 1.0  # the surrogate passes
    assert ours[1] == pytest.approx(built_in[1], rel=1e-10)
