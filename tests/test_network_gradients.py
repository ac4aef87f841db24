"""Gradients through networks: synaptic weights against finite differences, saturated
graded synapses, and the adjoint's handling of the spike ring buffer (memory, and equality
with JAX's own derivative)."""

import jax
import jax.numpy as jnp
import numpy as np

import dendrax as dx
from dendrax.channels import HH

from .network_cells import hh_cell

DT = 0.025


def test_gradient_with_respect_to_synaptic_weights():
    net = dx.Network([hh_cell()] * 2)
    dx.connect(net.cell(0), net.cell(1).branch(1).loc(0.5), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
    net.synapses.ExpSyn.set("tau", 3.0)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 1.0, 1.0, DT, 15.0))
    net.cell(1).branch(0).loc(0.5).record("v")
    net.synapses.ExpSyn.make_trainable("weight")
    sim = dx.simulator(net, t_max=15.0, delta_t=DT)

    def loss(p):
        return jnp.mean((sim(p) + 65.0) ** 2)

    params = net.get_parameters()
    grad = float(jax.grad(loss)(params)[0]["ExpSyn_weight"][0])
    h = 1e-7
    fd = (float(loss([{"ExpSyn_weight": params[0]["ExpSyn_weight"] + h}])) - float(loss([{"ExpSyn_weight": params[0]["ExpSyn_weight"] - h}]))) / (2 * h)
    assert abs(grad) > 0
    np.testing.assert_allclose(grad, fd, rtol=1e-5)


def test_a_saturated_graded_synapse_has_finite_gradients():
    """Ionotropic's release saturates (s_inf rounds to 1) for a presynaptic spike far above
    vTh on the scale of delta: 1 - s_inf was 0, the rate infinite, and the gradients with
    respect to delta, vTh and kMinus NaN (a user review). Now finite, and equal to central
    differences."""
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    net = dx.Network([comp] * 2)
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
    net.synapses.Ionotropic.set("gS", 0.01)
    net.synapses.Ionotropic.set("delta", 1.0)  # mV: (40 - (-35)) / 1 = 75 at the spike's peak
    net.cell(0).stimulate(dx.step_current(0.5, 1.0, 0.3, DT, 8.0))
    net.cell(1).record("v")
    sim = dx.simulator(net, t_max=8.0, delta_t=DT)

    def loss(p):
        return jnp.mean(sim(p))

    names = ("Ionotropic_delta", "Ionotropic_vTh", "Ionotropic_kMinus")
    base = {k: jnp.asarray(net.synapses.Ionotropic.get(k.split("_")[1])) for k in names}
    grads = jax.grad(loss)(base)
    for k in names:
        g = float(grads[k][0])
        eps = 1e-6 * max(abs(float(base[k][0])), 1.0)
        up, down = dict(base), dict(base)
        up[k], down[k] = base[k] + eps, base[k] - eps
        fd = (float(loss(up)) - float(loss(down))) / (2 * eps)
        assert np.isfinite(g) and g != 0.0, (k, g)
        # float64 central differences: truncation O(eps²), round-off ~1e-16 / eps.
        np.testing.assert_allclose(g, fd, rtol=1e-4, err_msg=k)


def test_the_adjoint_keeps_arriving_spikes_not_the_spike_buffer():
    """Found by review: the hand-written adjoint stored the step's whole state at every
    step, spike ring buffer included (sources x longest delay): a ring of 50 cells with
    200 ms delays needed 639 MiB and 25 times the time of JAX's own derivative for 10,000
    steps. It keeps the spikes the synapses receive instead; gradients are unchanged."""
    n_cells, t_max = 50, 250.0  # 10,000 steps; a 200 ms delay is a buffer of 8,001 rows
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    net = dx.Network([comp] * n_cells)
    net.cell(0).stimulate(dx.step_current(1.0, 5.0, 0.3, DT, t_max))
    ring = [(i + 1) % n_cells for i in range(n_cells)]
    dx.connect(net.cell(list(range(n_cells))), net.cell(ring), dx.synapses.ExpSyn(), weight=0.05, delay=200.0)
    net.cell(1).record("v")
    system = net.compile()

    def loss(weights, adjoint):
        v = dx.integrate(system, t_max=t_max, delta_t=DT, params={"ExpSyn_weight": weights},
                         checkpoint=dx.Checkpoint(adjoint=adjoint))
        return jnp.mean(v**2)

    weights = jnp.full(n_cells, 0.05)

    def temporaries(adjoint):  # bytes, from XLA's buffer assignment (no run)
        compiled = jax.jit(jax.grad(loss), static_argnums=1).lower(weights, adjoint).compile()
        return compiled.memory_analysis().temp_size_in_bytes

    # JAX's derivative keeps the buffer at each segment boundary only (247.5 MiB); the
    # adjoint kept it at every step of a segment too (638.7 MiB); now 247.5 MiB as well.
    assert temporaries(True) <= 1.05 * temporaries(False)


def test_adjoint_gradients_through_delayed_spikes_equal_jaxs_own():
    """The adjoint's cotangent of the spike buffer is scattered from that of the spikes
    read from it: equal to JAX's derivative of the whole step, with surrogate spikes (which
    carry gradient through the buffer) and without."""
    n_cells, t_max = 6, 40.0
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    net = dx.Network([comp] * n_cells)
    net.cell(0).stimulate(dx.step_current(1.0, 30.0, 0.3, DT, t_max))
    ring = [(i + 1) % n_cells for i in range(n_cells)]
    delays = [1.0, 2.0, 0.5, 3.0, 1.5, 0.25]  # ms: rows of the buffer read at different lags
    dx.connect(net.cell(list(range(n_cells))), net.cell(ring), dx.synapses.ExpSyn(), weight=0.05, delay=delays)
    dx.connect(net.cell([0, 2]), net.cell([3, 5]), dx.synapses.Exp2Syn(), weight=0.02, delay=4.0)
    for i in range(n_cells):
        net.cell(i).record("v")
    system = net.compile()
    params = {"ExpSyn_weight": jnp.full(n_cells, 0.05), "Exp2Syn_weight": jnp.full(2, 0.02),
              "HH_gNa": jnp.full(n_cells, 0.12)}

    def loss(p, adjoint, surrogate):
        v = dx.integrate(system, t_max=t_max, delta_t=DT, params=p, checkpoint=dx.Checkpoint(adjoint=adjoint),
                         surrogate=surrogate)
        return jnp.mean(v**2)

    for surrogate in (None, dx.Surrogate(beta=2.0)):
        ours, jaxs = jax.grad(loss)(params, True, surrogate), jax.grad(loss)(params, False, surrogate)
        for key in params:
            scale = np.max(np.abs(jaxs[key]))
            assert scale > 1.0  # every parameter matters
            # round-off of two orders of summation: measured 1.3e-14 relative
            assert np.max(np.abs(ours[key] - jaxs[key])) < 1e-10 * scale, key
