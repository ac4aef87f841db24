"""The resting state (initial=dx.Rest()) against independent solutions, and its gradient."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

import dendrax as dx
from dendrax.channels import HH, Leak

DT = 0.025  # ms


def hh_steady_current(v, g_na=0.12, g_k=0.036, g_l=0.0003, e_l=-54.3):
    """HH's membrane current with every gate at steady state (NumPy, from the paper's rates)."""
    am = 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10))
    bm = 4 * np.exp(-(v + 65) / 18)
    ah = 0.07 * np.exp(-(v + 65) / 20)
    bh = 1 / (1 + np.exp(-(v + 35) / 10))
    an = 0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10))
    bn = 0.125 * np.exp(-(v + 65) / 80)
    m, h, n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    return g_na * m**3 * h * (v - 50) + g_k * n**4 * (v + 77) + g_l * (v - e_l)


@pytest.mark.parametrize("g_na", [0.12, 0.08])
def test_hh_rests_where_the_steady_current_vanishes(g_na):
    comp = dx.Compartment()
    comp.insert(HH())
    comp.set("HH_gNa", g_na)
    comp.record("v")
    v = np.asarray(dx.integrate(comp, t_max=5.0, initial=dx.Rest()))[0]
    expected = scipy.optimize.brentq(lambda x: hh_steady_current(x, g_na=g_na), -80.0, -50.0, xtol=1e-12)
    np.testing.assert_allclose(v, expected, atol=1e-6)  # and it stays there


def test_passive_tree_rests_at_the_linear_steady_state():
    cell = dx.Cell([dx.Branch(length=200.0, radius=0.5, ncomp=4)] * 3, parents=[-1, 0, 0])
    cell.insert(Leak())
    cell.branch(1).set("Leak_eLeak", -50.0)
    cell.branch(2).set("Leak_eLeak", -80.0)
    for k in range(cell.n_comps):
        cell.comp(k).record("v")
    v = np.asarray(dx.integrate(cell, t_max=1.0, initial=dx.Rest()))[:, 0]
    # Independent: the same compartments as a linear circuit, G v = G_leak E.
    n, seg = cell.n_comps, 50.0
    area = np.pi * 1.0 * seg  # µm²
    g_leak = 0.001 * area * 1e-2  # µS
    g_axial = 1.0 / (1e-2 * 35.4 * seg / (np.pi * 0.25))  # µS between neighbouring centres
    half = 1.0 / (1e-2 * 35.4 * (seg / 2) / (np.pi * 0.25))
    g = np.diag(np.full(n, g_leak))

    def link(i, j, c):
        g[i, i] += c
        g[j, j] += c
        g[i, j] -= c
        g[j, i] -= c

    for b in range(3):
        for k in range(3):
            link(4 * b + k, 4 * b + k + 1, g_axial)
    # Branch point: compartments 3, 4 and 8 meet at a zero-area node (series halves).
    star = [3, 4, 8]
    total = 3 * half
    for i in star:
        for j in star:
            if i < j:
                link(i, j, half * half / total)
    e = np.repeat([-70.0, -50.0, -80.0], 4)
    expected = np.linalg.solve(g, g_leak * e)
    np.testing.assert_allclose(v, expected, atol=1e-8)


def test_rest_is_differentiable():
    comp = dx.Compartment()
    comp.insert(HH())
    comp.record("v")

    def rest(g):
        return dx.integrate(comp, t_max=0.1, initial=dx.Rest(), params={"HH_gLeak": g})[0, 0]

    g0 = 0.0003
    h = 1e-9
    fd = (float(rest(g0 + h)) - float(rest(g0 - h))) / (2 * h)
    np.testing.assert_allclose(float(jax.grad(rest)(g0)), fd, rtol=1e-5)


def _kept_voltage_model():
    # A point neuron keeps its initial voltage at rest: the rest depends on the start.
    from dendrax.point_neurons import LIF

    lif = dx.Compartment()
    lif.insert(LIF())
    lif.record("v")
    return lambda v, checkpoint: jnp.sum(
        dx.integrate(lif, t_max=2.0, initial=dx.Rest(), params={"v": v}, checkpoint=checkpoint)[0]
    ), -60.0, 1e-4


def _bare_membrane_model():
    # No conductance at all: every voltage is at rest and the start is kept.
    bare = dx.Compartment()
    bare.record("v")
    bare.stimulate(dx.step_current(0.5, 1.0, 0.01, DT, 2.0))
    return lambda v, checkpoint: jnp.sum(
        dx.integrate(bare, t_max=2.0, initial=dx.Rest(), params={"v": v}, checkpoint=checkpoint)[0]
    ), -60.0, 1e-4


def _graded_synapse_model():
    # A graded synapse: Newton's iteration converges linearly there (its slope is not zero).
    net = dx.Network([dx.Compartment(length=20.0, radius=10.0) for _ in range(2)])
    net.insert(HH())
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
    net.cell(1).record("v")
    return lambda g, checkpoint: dx.integrate(
        net, t_max=1.0, initial=dx.Rest(), params={"Ionotropic_gS": g}, checkpoint=checkpoint
    )[0, -1], 0.005, 1e-7


def _clamped_ring_model():
    # Call-time clamp values: the rest holds the clamped cell at its first value.
    ring = dx.Network([dx.Compartment(length=20.0, radius=10.0) for _ in range(3)])
    ring.insert(Leak())
    for a, b in [(0, 1), (1, 2), (2, 0)]:
        dx.connect(ring.cell(a), ring.cell(b), dx.synapses.GapJunction())
    ring.cell(0).clamp("v", np.full(41, -30.0))
    ring.cell(2).record("v")
    return lambda c, checkpoint: dx.integrate(
        ring, t_max=1.0, initial=dx.Rest(), clamps=jnp.full((1, 41), c), checkpoint=checkpoint
    )[0, -1], -30.0, 1e-4


@pytest.mark.parametrize(
    "model",
    [_kept_voltage_model, _bare_membrane_model, _graded_synapse_model, _clamped_ring_model],
    ids=["point_neuron_start", "bare_membrane_start", "graded_synapse", "clamp_value"],
)
def test_the_rests_derivative_rule_equals_the_loops_and_finite_differences(model):
    # Rest's reverse-mode rule (`rest.settled`) linearises one Newton iteration at the rest
    # and applies it `steps` times. References: JAX's derivative of the loop itself
    # (Checkpoint(adjoint=False)), and central finite differences. Where the iteration keeps
    # a value (a point neuron's voltage, a membrane without conductance) the rest depends on
    # the start; an implicit-function derivative that ignored that gave 0 there.
    loss, x0, h = model()
    ours = float(jax.grad(lambda x: loss(x, dx.Checkpoint()))(x0))
    jaxs = float(jax.grad(lambda x: loss(x, dx.Checkpoint(adjoint=False)))(x0))
    fd = (float(loss(x0 + h, dx.Checkpoint())) - float(loss(x0 - h, dx.Checkpoint()))) / (2 * h)
    assert abs(ours) > 1e-3  # the loss depends on the value (so the check has teeth)
    # The same linear maps at the fixed point (converged to round-off in 20 iterations):
    # round-off apart; measured <= 1.2e-13.
    np.testing.assert_allclose(ours, jaxs, rtol=1e-10)
    # Central differences of step h in float64: truncation and cancellation ~1e-8; measured
    # <= 9e-9.
    np.testing.assert_allclose(ours, fd, rtol=1e-6)


def test_hessians_through_rest_equal_jaxs_own():
    # jax.hessian is forward over reverse: Rest's derivative rule called its custom_vjp from
    # inside its own forward pass, which forward mode cannot enter (a review: a TypeError
    # that said hessians were supported).
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    comp.stimulate(dx.step_current(0.1, 0.3, 0.05, DT, 0.5))
    comp.record("v")

    sim = dx.simulator(comp, t_max=0.5, initial=dx.Rest())
    loss = lambda x: jnp.mean((sim({"HH_gLeak": x[0], "HH_gK": x[1]}) + 60.0) ** 2)  # noqa: E731
    x0 = np.array([3e-4, 0.036])
    ours = np.asarray(jax.hessian(loss)(jnp.asarray(x0)))
    # Reference: central differences of the gradient, steps 1e-4 of each value (float64:
    # truncation ~1e-8 relative; measured 2e-9).
    grad = jax.jit(jax.grad(loss))
    steps = 1e-4 * x0
    fd = np.stack(
        [(np.asarray(grad(x0 + h)) - np.asarray(grad(x0 - h))) / (2 * steps[k]) for k, h in enumerate(np.diag(steps))],
        axis=1,
    )
    assert np.abs(ours).min() > 1.0  # every entry depends on both parameters
    np.testing.assert_allclose(ours, fd, rtol=1e-6)


def test_rest_includes_graded_synapses_and_loop_closing_gap_junctions():
    """Bugs: Rest() left synapses out of the balance, so a cell under a graded synapse drifted
    2.3 mV after a 'rest' start, and a clamped ring of gap junctions started at the balance
    without its loop-closing junction (then applied explicitly)."""
    net = dx.Network([dx.Compartment(length=20.0, radius=10.0) for _ in range(2)])
    net.insert(HH())
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
    net.synapses.Ionotropic.set("gS", 0.005)  # µS
    net.cell(1).record("v")
    v = np.asarray(dx.integrate(net, t_max=30.0, initial=dx.Rest()))[0]
    assert abs(v[0] - (-64.97)) > 0.5  # the synapse moves the rest (so the check has teeth)
    assert np.abs(v - v[0]).max() < 1e-9  # at rest: flat (round-off)

    # Three leaky somata in a ring of 0.01 µS junctions, cell 0 clamped at -30 mV: by
    # symmetry cells 1 and 2 rest at v with GL (v - eL) + g (v - (-30)) = 0.
    g, e_leak, g_leak = 0.01, -70.0, 1e-3  # µS, mV, S/cm²
    area = 2 * np.pi * 10.0 * 20.0 * 1e-8  # cm²
    gl = g_leak * area * 1e6  # µS
    ring = dx.Network([dx.Compartment(length=20.0, radius=10.0) for _ in range(3)])
    ring.insert(Leak())
    for a, b in [(0, 1), (1, 2), (2, 0)]:
        dx.connect(ring.cell(a), ring.cell(b), dx.synapses.GapJunction())
    ring.synapses.GapJunction.set("gGap", g)
    ring.cell(0).clamp("v", np.full(401, -30.0))
    ring.cell(2).record("v")
    ring.cell(0).record("i_clamp")
    v2, i = np.asarray(dx.integrate(ring, t_max=10.0, initial=dx.Rest()))
    v_rest = (gl * e_leak + g * -30.0) / (gl + g)
    np.testing.assert_allclose(v2, v_rest, rtol=0, atol=1e-9)
    # The clamp holds the ring: two junctions at (-30 - v_rest) and its own leak, from t = dt.
    np.testing.assert_allclose(i[1:], 2 * g * (-30.0 - v_rest) + gl * (-30.0 - e_leak), rtol=0, atol=1e-9)


def test_a_membrane_without_conductance_rests_where_it_is():
    """With no membrane conductance every voltage is at rest (for a tree: every uniform one):
    the solve divided by zero and Rest() gave NaN. Now a compartment keeps its initial
    voltage, and a tree settles to one voltage between its initial ones."""
    comp = dx.Compartment()
    comp.record("v")
    np.testing.assert_array_equal(np.asarray(dx.integrate(comp, t_max=1.0, initial=dx.Rest())), -65.0)
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=3)] * 3, parents=[-1, 0, 0])
    cell.branch(2).set("v", -50.0)
    for k in range(cell.n_comps):
        cell.comp(k).record("v")
    v = np.asarray(dx.integrate(cell, t_max=1.0, initial=dx.Rest()))
    assert np.ptp(v) < 1e-9 and -65.0 < v[0, 0] < -50.0, v[:, 0]  # mV: uniform, and stays


@pytest.mark.parametrize("gamma", [0.05, 1.0])
def test_a_calcium_pool_rests_within_the_default_iterations(gamma):
    # Found by review: with a mechanism writing cai, the Newton slope left out the pool's
    # response (its steady state lagged an iteration): linear convergence, and at gamma = 1
    # the default 20 iterations stopped 2.4e-3 mV from rest, so the trace drifted.
    from dendrax.channels import SK_E2, Ca_HVA, Ca_LVAst, CaDynamics_E2, Ih, Im, NaTs2_t, SKv3_1

    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.set("celsius", 34.0)
    comp.insert(Leak())
    comp.set("Leak_gLeak", 3e-5)
    comp.set("Leak_eLeak", -90.0)
    for mech, g in [(NaTs2_t, 0.0213), (SKv3_1, 0.0261), (SK_E2, 0.0012), (Ca_HVA, 5.55e-4),
                    (Ca_LVAst, 0.0187), (Ih, 2e-4), (Im, 1e-4)]:
        comp.insert(mech())
        comp.set(f"{mech.__name__}_gbar", g)  # S/cm²
    comp.insert(CaDynamics_E2())
    comp.set("CaDynamics_E2_gamma", gamma)
    comp.set("CaDynamics_E2_decay", 200.0)  # ms
    comp.set("ek", -85.0)
    comp.set("ena", 50.0)
    comp.record("v")
    comp.record("CaDynamics_E2_cai")
    v, cai = np.asarray(dx.integrate(comp, t_max=50.0, initial=dx.Rest()))
    # At rest nothing moves: what is left is round-off (~1e-12 mV; the lag left 2.4e-3).
    assert np.max(np.abs(v - v[0])) < 1e-8
    assert np.max(np.abs(cai / cai[0] - 1.0)) < 1e-8


@pytest.mark.parametrize("coefficient", [0.6, 50.0])  # µm²/ms: calcium's; a fast one
def test_a_diffusing_pool_rests_at_the_runs_fixed_point(coefficient):
    # Found by review: Rest relaxed each compartment's pool on its own, ignoring diffusion,
    # so calcium entering one end of a cable rested there (0.10 mM against 1e-4 elsewhere):
    # over 2 s from "rest" it moved 0.018 mM (D = 0.6) and 0.074 mM (D = 50), the voltage
    # 0.05 and 0.3 mV. Now each diffusing concentration is at the fixed point of the run's
    # step (pool update, then diffusion): what remains is round-off.
    from dendrax.channels import CaDynamics_E2

    class CalciumLeak(dx.Channel):
        """A constant calcium conductance: calcium enters where it is inserted."""

        params = {"g": 1e-5}  # S/cm²
        ions = ("ca",)

        def current(self, s, v, p):
            return {"ca": p["g"] * (v - p["eca"])}

    cable = dx.Cell([dx.Branch(length=100.0, radius=0.5, ncomp=5)], parents=[-1])
    cable.insert(Leak())
    cable.set("Leak_gLeak", 1e-4)
    cable.set("Leak_eLeak", -65.0)
    cable.insert(CaDynamics_E2())
    cable.set("CaDynamics_E2_gamma", 1.0)
    cable.set("CaDynamics_E2_decay", 200.0)  # ms
    cable.branch(0).comp(0).insert(CalciumLeak())
    cable.diffuse("cai", coefficient)
    for k in range(5):
        cable.branch(0).comp(k).record("CaDynamics_E2_cai")
    cable.branch(0).comp(0).record("v")
    x = np.asarray(dx.integrate(cable, t_max=500.0, delta_t=DT, initial=dx.Rest()))
    cai, v = x[:5], x[5]
    assert cai[4, 0] > 2.0 * CaDynamics_E2().params["minCai"]  # mM: calcium reached the far end
    # round-off: measured 1.8e-13 relative and 7e-15 mV (the drift was 1e-2 mM and 5e-2 mV)
    assert np.max(np.abs(cai - cai[:, :1]) / cai[:, :1]) < 1e-10
    assert np.max(np.abs(v - v[0])) < 1e-9
    if coefficient != 0.6:
        return
    # Differentiable through the Newton iterations: the far end's resting calcium with
    # respect to the pool's decay time, against central differences (step 1e-3 ms of 200:
    # truncation ~1e-9 relative; 1e-6 leaves room for the iterations' round-off).
    cable.make_trainable("CaDynamics_E2_decay")
    params = cable.get_parameters()

    def far_end(p):  # µM
        return dx.integrate(cable, t_max=DT, params=p, initial=dx.Rest())[4, 0] * 1e3

    grad = float(jax.grad(far_end)(params)[0]["CaDynamics_E2_decay"][0])
    h = 1e-3  # ms
    decay = params[0]["CaDynamics_E2_decay"]
    fd = (far_end([{"CaDynamics_E2_decay": decay + h}]) - far_end([{"CaDynamics_E2_decay": decay - h}])) / (2 * h)
    assert abs(grad - float(fd)) < 1e-6 * abs(float(fd))


NA_ACCUMULATOR = """
NEURON {
    SUFFIX accumulate
    USEION na READ ina WRITE nai
}
UNITS { (mA) = (milliamp) (mM) = (milli/liter) (um) = (micron) FARADAY = (faraday) (coulomb) }
PARAMETER { depth = 0.1 (um) }
ASSIGNED { ina (mA/cm2) }
STATE { nai (mM) }
BREAKPOINT { SOLVE s METHOD cnexp }
DERIVATIVE s { nai' = -(10000) * ina / (FARADAY * depth) }
"""


def test_rest_warns_where_the_model_has_no_resting_state():
    # Found by review: sodium that only accumulates (no decay, no pump) has no resting
    # state a run reaches; Rest's long relaxation step returned nai = 1e9 mM (NaN before
    # the Nernst convention), silently. Its last iteration still moves it, and that is
    # what the warning reports.
    import warnings

    from dendrax.channels import NaTs2_t

    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(Leak())
    comp.insert(NaTs2_t())
    comp.set("NaTs2_t_gbar", 1e-6)  # S/cm²: a trickle of sodium
    comp.insert(dx.nmodl.load_source(NA_ACCUMULATOR)())
    comp.record("v")
    with pytest.warns(UserWarning, match=r"Rest\(steps=20\) did not settle: .* a state by"):
        dx.integrate(comp, t_max=1.0, delta_t=DT, initial=dx.Rest())
    with warnings.catch_warnings():  # without it, the model does rest
        warnings.simplefilter("error")
        rested = dx.Compartment(length=20.0, radius=10.0)
        rested.insert(Leak())
        rested.insert(NaTs2_t())
        rested.record("v")
        dx.integrate(rested, t_max=1.0, delta_t=DT, initial=dx.Rest())
        jax.jit(lambda: dx.integrate(comp, t_max=1.0, delta_t=DT, initial=dx.Rest()))()  # traced: no check


CA_OVERPUMPED = """
NEURON {
    SUFFIX overpumped
    USEION ca READ ica WRITE cai
    RANGE pump, cainf, taur
}
UNITS { (mA) = (milliamp) (mM) = (milli/liter) }
PARAMETER { pump = 1e-4 (mM/ms) cainf = 2.4e-4 (mM) taur = 5 (ms) }
ASSIGNED { ica (mA/cm2) }
STATE { cai (mM) }
INITIAL { cai = cainf }
BREAKPOINT { SOLVE s METHOD cnexp }
DERIVATIVE s { cai' = -pump + (cainf - cai) / taur }
"""


def test_rest_warns_where_its_fixed_point_has_a_negative_concentration():
    # A pump that keeps removing calcium at any concentration has its only fixed point at
    # cainf - pump taur = -2.6e-4 mM: Newton reaches it exactly (so the last iteration moves
    # nothing), and the run started there silently. A concentration below 0 is not a
    # resting state; the warning names it.
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(Leak())
    comp.insert(dx.nmodl.load_source(CA_OVERPUMPED)())
    comp.record("overpumped_cai")
    with pytest.warns(UserWarning, match=r"Rest\(steps=20\) reached a concentration below 0: cai = -0.00026 mM"):
        cai = dx.integrate(comp, t_max=1.0, delta_t=DT, initial=dx.Rest())
    assert float(cai[0, 0]) == pytest.approx(2.4e-4 - 1e-4 * 5.0, rel=1e-9)  # mM: the equation's own root


def test_rest_warns_that_it_replaces_trainable_initial_values():
    # Trainable initial values under initial=dx.Rest() were silently replaced: their gradient
    # is exactly 0 (review of fitting); now a warning says so when the simulator is made.
    import jax.numpy as jnp

    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(HH())
    cell.record("v")
    cell.stimulate(dx.step_current(1.0, 3.0, 0.3, 0.025, 5.0))
    cell.make_trainable("HH_m", 0.1)
    cell.make_trainable("HH_gNa")
    params = cell.get_parameters()
    free = jax.grad(lambda p: jnp.sum(dx.simulator(cell, t_max=5.0)(p)))(params)
    assert abs(float(free[0]["HH_m"][0])) > 1.0  # without Rest the initial gate matters
    with pytest.warns(UserWarning, match=r"replace the trainable initial value\(s\) HH_m: their gradient is 0"):
        sim = dx.simulator(cell, t_max=5.0, initial=dx.Rest())
    grads = jax.grad(lambda p: jnp.sum(sim(p)))(params)
    assert float(grads[0]["HH_m"][0]) == 0.0 and abs(float(grads[1]["HH_gNa"][0])) > 1.0


def test_rest_does_not_warn_for_point_neurons_whose_initial_values_it_keeps():
    # Rest keeps a point neuron's voltage and states: their trainable initial values keep
    # their gradient (77 for a LIF's v here), so the warning above must not tell users to
    # drop them (review of the change).
    import warnings

    import jax.numpy as jnp

    from dendrax.point_neurons import LIF

    cell = dx.Compartment()
    cell.insert(LIF())
    cell.stimulate(np.full(201, 0.1))
    cell.record("v")
    cell.make_trainable("v", -60.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim = dx.simulator(cell, t_max=5.0, initial=dx.Rest())
        dx.integrate(cell, t_max=5.0, initial=dx.Rest())  # nothing trained here either
    grad = jax.grad(lambda p: jnp.sum(sim(p)))(cell.get_parameters())
    assert abs(float(grad[0]["v"][0])) > 1.0


def test_a_diffusing_pool_with_a_buffer_rests_as_without_diffusion():
    # Found by review: the diffusion Newton step held a buffer's other states (B, CaB of a
    # KINETIC pool) fixed, and Rest reached -20 mM and +19,609 mV even at D = 0. Pools with
    # several states rest compartment by compartment, as without diffusion (a limitation:
    # their diffusion is not in Rest).
    from pathlib import Path

    from dendrax.channels import Leak as LeakChannel

    pool = dx.nmodl.load(Path(__file__).parent / "nmodl" / "nx_cabuf.mod")

    class CalciumLeak(dx.Channel):
        params = {"g": 1e-5}  # S/cm²
        ions = ("ca",)

        def current(self, s, v, p):
            return {"ca": p["g"] * (v - p["eca"])}

    def rest(coefficient):
        cable = dx.Cell([dx.Branch(length=100.0, radius=0.5, ncomp=5)], parents=[-1])
        cable.insert(LeakChannel())
        cable.set("Leak_gLeak", 1e-4)
        cable.insert(pool())
        cable.set("nx_cabuf_taur", 200.0)
        cable.branch(0).comp(0).insert(CalciumLeak())
        if coefficient is not None:
            cable.diffuse("cai", coefficient)
        cable.branch(0).comp(0).record("v")
        cable.branch(0).comp(0).record("nx_cabuf_cai")
        return np.asarray(dx.integrate(cable, t_max=DT, delta_t=DT, initial=dx.Rest()))[:, 0]

    plain = rest(None)
    assert -70.0 < plain[0] < -60.0 and 0.0 < plain[1] < 1.0  # mV, mM
    np.testing.assert_allclose(rest(0.0), plain, rtol=1e-12)  # was -20 mM, +19,609 mV


@pytest.mark.parametrize("solver", [dx.BackwardEuler(), dx.CrankNicolson()], ids=["BE", "CN"])
def test_rest_holds_clamped_states_at_their_clamp_values(solver):
    """Bug: Rest relaxed a clamped gate to its unclamped steady state (n = 0.318 against a
    clamp of 0.35) and rested v at the unclamped cell's -64.97 mV; the run then drifted 3.4 mV.
    Reference: the clamped cell's own rest, where a 300 ms run from the default start ends."""

    def run(t_max, initial):
        comp = dx.Compartment(length=20.0, radius=10.0)
        comp.insert(HH())
        comp.clamp("HH_n", np.full(round(t_max / DT) + 1, 0.35))
        comp.record("v")
        comp.record("HH_n")
        return np.asarray(dx.integrate(comp, t_max=t_max, delta_t=DT, solver=solver, initial=initial))

    v, n = run(10.0, dx.Rest())
    long_v = run(300.0, None)[0]
    assert np.ptp(long_v[-2000:]) < 1e-9  # the long run has settled (its last 50 ms are flat)
    assert n[0] == 0.35
    # Newton's fixed point equals the run's to round-off (measured 8e-13 mV), and the run
    # from it stays there (flat to 0 mV measured; the unclamped rest drifted 3.4 mV).
    assert abs(v[0] - long_v[-1]) < 1e-8
    assert np.ptp(v) < 1e-8


@pytest.mark.parametrize("solver", [dx.BackwardEuler(), dx.CrankNicolson()], ids=["BE", "CN"])
def test_currents_recorded_at_t0_are_those_of_the_resting_state(solver):
    # A review found the t = 0 column of recorded currents left at the description's initial
    # state (v = -65 mV) while v itself was at rest. References: at rest the membrane current
    # balances the synaptic one (charge conservation in one compartment), and every current
    # is the same at t = 0 as after the first step (a resting state does not move).
    comp = dx.Compartment(length=20.0, radius=10.0)  # µm
    comp.insert(HH())
    comp.set("HH_eLeak", -45.0)  # mV: rests near -63 mV, not at v_init
    net = dx.Network([comp, comp])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())  # graded: a current at rest
    net.synapses.Ionotropic.set("gS", 0.001)  # µS
    net.cell(1).record("v")
    net.cell(1).record("ina")
    net.cell(1).record("i")
    net.synapses.Ionotropic[0].record("i")
    v, ina, i, syn_i = np.asarray(dx.integrate(net, t_max=1.0, solver=solver, initial=dx.Rest()))
    assert abs(v[0] + 65.0) > 1.0  # mV: rest is away from v_init, so stale values would show
    area = 2 * np.pi * 10.0 * 20.0 * 1e-8  # cm²: the cylinder's side
    # 1e-12 nA: the Newton iteration converges to round-off; the currents are ~1e-2 nA.
    np.testing.assert_allclose(i[0] * area * 1e6, -syn_i[0], rtol=0, atol=1e-12)
    for row in (ina, i, syn_i):
        np.testing.assert_allclose(row[0], row[1], rtol=1e-9, atol=0)


def test_a_diffusing_derivimplicit_pool_rests_at_crank_nicolsons_fixed_point():
    # Rest found the fixed point of the backward-Euler step; a derivimplicit mechanism steps
    # differently under Crank–Nicolson (NEURON's secondorder), so a CN run moved off "rest"
    # at once: by 1.1e-7 of cai and 1.5e-11 mV here, 1.5e-6 on an 8-compartment cable
    # (review of combined features). Reference: at rest nothing moves.
    from pathlib import Path

    from dendrax.channels import Ca_LVAst

    Cad = dx.nmodl.load(Path(__file__).parent / "nmodl" / "nx_cad.mod")  # Destexhe et al. 1993; derivimplicit
    cable = dx.Branch(length=200.0, radius=1.0, ncomp=3)
    cable.insert(HH())
    cable.insert(Ca_LVAst())
    cable.insert(Cad())
    cable.set("Ca_LVAst_gbar", 0.0)
    cable.comp(0).set("Ca_LVAst_gbar", 5e-3)  # S/cm²: calcium enters at one end
    cable.diffuse("cai", 0.6)  # µm²/ms
    for k in range(3):
        cable.comp(k).record("nx_cad_cai")
    cable.comp(0).record("v")
    x = np.asarray(dx.integrate(cable, t_max=5.0, solver=dx.CrankNicolson(), initial=dx.Rest()))
    cai, v = x[:3], x[3]
    assert cai[0, 0] > 1.05 * cai[2, 0]  # mM: uneven (6.1e-5 vs 5.7e-5), so diffusion takes part
    # round-off: measured 4.7e-16 relative and 0 mV
    assert np.max(np.abs(cai - cai[:, :1]) / cai[:, :1]) < 1e-10
    assert np.max(np.abs(v - v[0])) < 1e-12
