"""The float32 path (JAX's default precision): what float64 gets exactly must not drift in
float32 (each case was found wrong by review and fails on the code before its fix)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak

jax.config.update("jax_enable_x64", True)  # float64 references; float32 inside `with` blocks


def passive_cable(ncomp, e_leak=-65.0):
    cable = dx.Branch(length=1000.0, radius=2.0, ncomp=ncomp)  # µm
    cable.insert(Leak())
    cable.set("Leak_gLeak", 1e-5)  # S/cm²
    cable.set("Leak_eLeak", e_leak)  # mV
    cable.loc(0.0).record("v")
    cable.loc(0.5).record("v")
    return cable


def test_a_cable_at_rest_stays_at_rest_in_float32():
    # Bug: the voltage equation was solved for v itself (rhs = C v / dt + ...), so float32
    # round-off of the axial conductance summed at each node acted as a leak to 0 mV: a
    # 401-compartment cable starting at rest rose by 3 mV in 500 ms. In NEURON's correction
    # form (solve for dv, axial currents from voltage differences) rest is exact.
    cable = passive_cable(401)
    with jax.enable_x64(False):
        v = np.asarray(dx.integrate(cable, t_max=100.0), np.float64)
    assert v.dtype == np.float64
    np.testing.assert_array_equal(v, -65.0)


def test_rest_in_float32_finds_the_float64_rest():
    # Bug: float32 Rest() on a 401-compartment cable with two leak reversals landed at -49.7
    # mV instead of -60.0, and more Newton steps did not help (each re-solved for v).
    cable = passive_cable(401, e_leak=-70.0)
    cable.comp(range(200)).set("Leak_eLeak", -50.0)
    v64 = np.asarray(dx.integrate(cable, t_max=5.0, initial=dx.Rest()))
    with jax.enable_x64(False):
        v32 = np.asarray(dx.integrate(cable, t_max=5.0, initial=dx.Rest()), np.float64)
    assert abs(v64[0, 0] - v64[0, -1]) < 1e-7  # float64 (solved for v itself): at rest to round-off
    # float32 resolves ~60 mV to ~4e-6 mV; 1e-4 leaves room for the solve's round-off.
    np.testing.assert_allclose(v32, v64, rtol=0, atol=1e-4)


def test_half_step_delays_are_rounded_up_in_float32_too():
    # Bug: 1.4875 ms / 0.025 ms is 59.49999 in float32 and the lag rounded down: the spike
    # arrived a step early (NEURON and float64: 60 steps), then the ring buffer was one row
    # short and the spike never arrived.
    soma = dx.Compartment(length=20.0, radius=10.0)
    soma.insert(HH())
    net = dx.Network([soma, soma])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.05, delay=1.4875)
    net.cell(0).stimulate(dx.step_current(1.0, 1.0, 1.0, 0.025, 20.0))
    net.record_spikes(threshold=10.0)
    spikes64 = np.asarray(dx.integrate(net, t_max=20.0))
    with jax.enable_x64(False):
        spikes32 = np.asarray(dx.integrate(net, t_max=20.0))
    assert spikes64[1].sum() == 1  # the second cell fires once, driven by the first
    np.testing.assert_array_equal(spikes32, spikes64)


def test_long_delays_round_to_the_nearest_step_in_float32():
    # Bug: the rounding tolerance, 16 eps of the step count, reached half a step at 250,000
    # steps: 250.00019 ms at dt = 0.001 ms (250000.17 steps) arrived a step late (review).
    from dendrax.synaptic import nearest_step

    cases = [(250.00019, 0.001, 250000), (1000.0106, 0.025, 40000), (1.4875, 0.025, 60), (99.9875, 0.025, 4000)]
    for delay, dt, steps in cases:  # ms, ms, NEURON's (float64's) rounding, halves up
        assert nearest_step(np.float64(delay) / np.float64(dt), np) == steps
        assert nearest_step(np.float32(delay) / np.float32(dt), np) == steps, (delay, dt)


@pytest.mark.parametrize("order", [(True, False), (False, True)], ids=["float64_first", "float32_first"])
def test_trainables_run_in_both_precisions_in_one_process(order):
    # Bug: the trainables' NumPy int64 index arrays were cached by JAX under one precision
    # and broke the other ("lax.add requires arguments to have the same dtypes").
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch("all").make_trainable("HH_gNa")
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 3.0, 0.5, 0.025, 10.0))
    cell.branch(2).loc(1.0).record("v")
    out = {}
    for x64 in order:
        with jax.enable_x64(x64):
            out[x64] = np.asarray(dx.integrate(cell, t_max=10.0, params=cell.get_parameters()), np.float64)
    np.testing.assert_allclose(out[False], out[True], rtol=0, atol=1e-3)  # float32 vs float64 (mV)


def test_float64_trainable_values_differentiate_in_a_float32_run():
    # A simulator built with x64, run without it on get_parameters()'s float64 values: the
    # forward run worked, its gradient failed ("lax.scatter requires arguments to have the
    # same dtypes"; a review). Reference: the same float32 run given float32 values.
    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(HH())
    cell.stimulate(dx.step_current(0.5, 2.0, 0.3, 0.025, 5.0))
    cell.record("v")
    cell.make_trainable("HH_gNa")
    sim = dx.simulator(cell, t_max=5.0)
    params = cell.get_parameters()
    assert params[0]["HH_gNa"].dtype == jnp.float64
    loss = lambda p: jnp.mean(sim(p))  # noqa: E731
    with jax.enable_x64(False):
        ours = float(jax.grad(loss)(params)[0]["HH_gNa"][0])
        reference = float(jax.grad(loss)([{"HH_gNa": jnp.asarray(params[0]["HH_gNa"], jnp.float32)}])[0]["HH_gNa"][0])
    assert abs(reference) > 1.0  # mV per S/cm²: the loss depends on gNa
    assert ours == reference  # the same float32 computation


def test_a_simulator_made_in_float32_is_not_run_in_float64():
    # Bug: it ran, returned float64 arrays, and was float32-accurate (4.5e-5 mV off NEURON).
    cell = dx.Compartment()
    cell.insert(HH())
    cell.record("v")
    with jax.enable_x64(False):
        sim = dx.simulator(cell, t_max=5.0)
    with pytest.raises(ValueError, match="compiled in float32 .* and is run with float64 on"):
        sim()
    np.testing.assert_allclose(np.asarray(dx.simulator(cell, t_max=5.0)())[0, 0], -65.0)


@pytest.mark.parametrize(
    "solver", [dx.BackwardEuler(), dx.CrankNicolson()], ids=["backward_euler", "crank_nicolson"]
)
def test_a_voltage_clamp_and_its_current_in_float32(solver):
    """The clamp's rows in the correction form (float32): the neighbours take the clamped
    end's current and change, and the clamp current its own edges'. Against float64."""

    def build():
        cell = dx.Cell(
            [dx.Branch(length=20.0, radius=10.0, ncomp=1), dx.Branch(length=200.0, radius=1.0, ncomp=5)],
            [-1, 0],
        )
        cell.insert(HH())
        t = np.arange(801) * 0.025
        cell.branch(0).loc(0.5).clamp("v", np.where(t <= 5, -65.0, np.where(t <= 12, -20.0, -50.0)))
        cell.branch(0).loc(0.5).record("i_clamp")
        cell.branch(1).loc(1.0).record("v")
        return cell

    ref = np.asarray(dx.integrate(build(), t_max=20.0, solver=solver))
    with jax.enable_x64(False):
        ours = np.asarray(dx.integrate(build(), t_max=20.0, solver=solver), np.float64)
    assert np.abs(ref[0]).max() > 20.0  # nA: the surge at a command step
    # float32 round-off: 2e-4 nA on ~30 nA and 2e-5 mV measured; 1e-3 leaves room.
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-3)


def test_the_relaxation_step_is_accurate_in_float32():
    # Bug: exponential Euler took 1 - exp(-dt/tau) in float32, which keeps no digit of a
    # step below 6e-8 time constants (and 1 % at 1e-6): slow states relaxed at the wrong rate.
    from dendrax.mechanisms.gating import relaxed_fraction

    k = np.logspace(-8, 1, 2000).astype(np.float32)  # dt / tau
    with jax.enable_x64(False):
        fraction = np.asarray(relaxed_fraction(k), np.float64)
    exact = -np.expm1(-k.astype(np.float64))
    # Taylor below 0.05 (truncation 5.2e-8), 1 - exp(-k) above (3e-8 / 0.05 at worst): 5e-7.
    np.testing.assert_allclose(fraction, exact, rtol=1e-6, atol=0)


def test_a_slow_gate_keeps_its_rate_in_float32():
    # The same bug in a simulation: a gate with tau = 500 ms at dt = 0.001 ms (dt/tau = 2e-6,
    # where float32's 1 - exp was 1.3 % too large) drifted 2.8 % of its 20 ms change away
    # from the exact exponential; now 0.4 %, what rounding the state to float32 each step
    # allows (at most 0.5 ulp of 0.9 per step, 20,000 steps: 1.9 % of the change).
    dt, t_max, tau, x0, x_inf = 0.001, 20.0, 500.0, 0.9, 0.1  # ms, ms, ms, 1, 1

    class Slow(dx.Channel):
        states = {"s": x0}

        def gates(self, v, p):
            return {"s": dx.Gate(jnp.full_like(v, x_inf), jnp.full_like(v, tau))}

    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(Slow())
    comp.set("Slow_s", x0)  # away from its steady state
    comp.record("Slow_s")
    with jax.enable_x64(False):
        x = np.asarray(dx.integrate(comp, t_max=t_max, delta_t=dt)[0], np.float64)
    t = np.arange(len(x)) * dt
    exact = x_inf + (x0 - x_inf) * np.exp(-t / tau)
    # the state's own round-off: 1.9 % of its change (x0 - x_inf)(1 - exp(-t_max / tau));
    # the old code: 2.8 %
    rounding = (t_max / dt) * 0.5 * np.spacing(np.float32(x0))
    assert np.max(np.abs(x - exact)) < rounding


@pytest.mark.parametrize("tau2", [5.0, 10.0, 20.0])  # ms
def test_an_exp2syn_with_equal_time_constants_keeps_its_conductance_in_float32(tau2):
    # Bug: Exp2Syn kept NEURON's states A and B, about 1e4 times larger than g = B - A when
    # tau1 == tau2 (clamped to 0.9999 tau2): in float32 g was 1.4-43 % off (5 % at the
    # default tau2 = 10 ms, 1.6 mV on a 58 mV PSP). Now g is a state advanced exactly: its
    # error is float32 round-off accumulated over the steps, 7.6e-6 relative at most when
    # measured; 1e-4 leaves room for other platforms' exp and still fails the old code 100x.
    def model():
        comp = dx.Compartment(length=20.0, radius=10.0)
        comp.insert(Leak())
        comp.set("Leak_gLeak", 1e-4)  # S/cm²
        comp.set("Leak_eLeak", -65.0)  # mV
        net = dx.Network([comp])
        train = net.add_spike_trains([np.array([1.0])])  # ms
        dx.connect(train, net.cell(0), dx.synapses.Exp2Syn(), weight=0.01, delay=0.0)  # µS
        net.synapses.Exp2Syn.set("tau1", tau2)
        net.synapses.Exp2Syn.set("tau2", tau2)
        net.synapses.Exp2Syn.record("g")
        net.cell(0).branch(0).loc(0.5).record("v")
        return net

    g64, v64 = np.asarray(dx.integrate(model(), t_max=40.0))
    with jax.enable_x64(False):
        g32, v32 = np.asarray(dx.integrate(model(), t_max=40.0), np.float64)
    assert 0.0099 < g64.max() <= 0.01 + 1e-12  # µS: the weight is the peak conductance
    big = g64 > 0.1 * g64.max()
    np.testing.assert_allclose(g32[big], g64[big], rtol=1e-4, atol=0)
    assert np.ptp(v64) > 40.0  # mV: a large PSP
    np.testing.assert_allclose(v32, v64, rtol=0, atol=5e-3)  # mV (2.5e-4 measured; 1.6 before)


def test_synapse_and_point_neuron_decays_keep_their_rate_in_float32():
    # Bug: ExpSyn, Exp2Syn, Ionotropic, LIF and RateNeuron multiplied by exp(-dt / tau),
    # which float32 rounds to 6e-8: at dt / tau = 1e-5 the rate was 0.3 % off (ExpSyn's g
    # at tau = 100 ms, dt = 0.001 ms; the LIF's first spike 0.33 ms late). Now as the gates
    # (relax_linear): what is left is the state's own rounding.
    from dendrax.point_neurons import LIF

    dt, t_max, tau = 0.001, 10.0, 100.0  # ms
    net = dx.Network([dx.Compartment()])
    train = net.add_spike_trains([np.array([0.0])])
    dx.connect(train, net.cell(0), dx.synapses.ExpSyn(), weight=0.01, delay=0.0)  # µS
    net.synapses.ExpSyn.set("tau", tau)
    net.synapses.ExpSyn.set("e", -65.0)  # mV: no current at rest, only the decay is seen
    net.synapses.ExpSyn.record("g")
    with jax.enable_x64(False):
        g = np.asarray(dx.integrate(net, t_max=t_max, delta_t=dt)[0], np.float64)
    t = np.arange(len(g)) * dt
    exact = 0.01 * np.exp(-t / tau)
    # 10,000 roundings of g of 0.5 ulp each at most: 3e-4 relative, 3e-5 when they average
    # out (measured 1e-6); the old factor drifted 0.1 % by 10 ms.
    np.testing.assert_allclose(g[1:], exact[1:], rtol=1e-4)

    def lif():
        comp = dx.Compartment()
        comp.insert(LIF())
        comp.set("LIF_C", 1.0)  # nF: with gLeak 0.01 µS, tau = 100 ms
        comp.stimulate(np.full(int(round(80.0 / dt)) + 1, 0.4))  # nA: v_inf = -30 mV
        comp.record("LIF_spike")
        return comp

    first = []
    for x64 in (True, False):
        with jax.enable_x64(x64):
            spikes = np.asarray(dx.integrate(lif(), t_max=80.0, delta_t=dt)[0])
        first.append(np.argmax(spikes > 0.5) * dt)
    assert abs(first[0] - 100.0 * np.log(35.0 / 20.0)) < 0.01  # ms: -65 to -50 mV on the way to -30
    assert abs(first[1] - first[0]) < 0.05  # ms (was 0.33)


def test_a_slow_voltage_reaches_its_target_at_a_small_step_in_float32():
    # Bug: in float32 v + dv dropped a change below half a unit in the last place of v
    # (1.9e-6 mV near -70 mV): a passive compartment with tau = 100 ms at dt = 0.001 ms
    # stalled 0.357 mV short of rest (review). The voltage is now a compensated sum
    # (State.v_carry): 3.8e-7 mV off the exact solution when measured.
    dt, t_max, tau = 0.001, 100.0, 100.0  # ms
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(Leak())
    comp.set("Leak_gLeak", 1e-5)  # S/cm²: tau = C / g = 1 µF/cm² / 1e-5 S/cm² = 100 ms
    comp.set("Leak_eLeak", -70.0)
    comp.set("v", -60.0)
    comp.record("v")
    with jax.enable_x64(False):
        v = np.asarray(dx.integrate(comp, t_max=t_max, delta_t=dt)[0], np.float64)
    t = np.arange(len(v)) * dt
    exact = -70.0 + 10.0 * np.exp(-t / tau)  # backward Euler's own error: 5e-7 mV here
    assert np.max(np.abs(v - exact)) < 1e-4  # mV: a few ulp of -70 mV (3.8e-6 each)


def test_a_long_refractory_period_is_whole_steps_in_float32():
    # Bug: the LIF's refractory clock subtracted dt each step; in float32, 50,000
    # subtractions of 0.001 ms from 50 ms drifted by 16 steps (v held 16 steps too long).
    from dendrax.point_neurons import LIF

    dt, t_ref = 0.001, 50.0
    cell = dx.Compartment()
    cell.insert(LIF())
    cell.set("LIF_tRef", t_ref)
    cell.set("v", -49.0)  # above threshold: a spike in the first step, then the hold
    cell.stimulate(np.full(60001, 0.3))  # nA: v_inf = -40 mV, so v rises once released
    cell.record("v")
    with jax.enable_x64(False):
        v = np.asarray(dx.integrate(cell, t_max=60.0, delta_t=dt))[0]
    held = np.flatnonzero(v[1:] != np.float32(-70.0))[0]  # steps at vReset after the spike
    # The hold is round(tRef / dt) steps after the spike step, exactly (as in float64).
    assert held == 1 + round(t_ref / dt), held


def test_a_saturated_graded_synapse_has_finite_gradients_in_float32():
    """A review of float32: the float64 test of this (test_network_gradients) passed while
    float32 gave NaN for every gradient. Ionotropic's rate reaches kMinus (1 + e^60), so a
    step's k = dt * rate ~ 7e22, where relaxed_fraction's polynomial branch (not taken)
    overflowed and sent back 0 * inf. Now each gradient is within 1e-3 of float64's
    (float32 round-off over 320 steps through a saturated synapse: measured 1e-5)."""
    def gradients():
        comp = dx.Compartment(length=20.0, radius=10.0)
        comp.insert(HH())
        net = dx.Network([comp] * 2)
        dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
        net.synapses.Ionotropic.set("gS", 0.01)
        net.synapses.Ionotropic.set("delta", 1.0)  # mV: saturates at the spike's peak
        net.cell(0).stimulate(dx.step_current(0.5, 1.0, 0.3, 0.025, 8.0))
        net.cell(1).record("v")
        sim = dx.simulator(net, t_max=8.0)
        names = ("Ionotropic_delta", "Ionotropic_vTh", "Ionotropic_kMinus")
        base = {k: jnp.asarray(net.synapses.Ionotropic.get(k.split("_")[1]), jnp.result_type(float)) for k in names}
        return {k: np.asarray(g, np.float64) for k, g in jax.grad(lambda p: jnp.mean(sim(p)))(base).items()}

    reference = gradients()
    with jax.enable_x64(False):
        single = gradients()
    for k, g in single.items():
        assert np.all(np.isfinite(g)), k
        np.testing.assert_allclose(g, reference[k], rtol=1e-3, err_msg=k)


def test_compartments_too_short_for_float32_get_a_warning():
    """A review of float32: 0.05 µm compartments at dt = 0.025 ms were 0.35 mV (mean) off
    NEURON, silently: float32 keeps C/dt to 6e-8 of the axial conductances it is added to.
    Such a run warns; 1 µm compartments (0.001 mV off) and float64 runs do not."""
    import warnings

    def cell(ncomp):
        soma = dx.Branch(length=20.0, radius=10.0, ncomp=1)
        dend = dx.Branch(length=100.0, radius=0.5, ncomp=ncomp)
        c = dx.Cell([soma, dend], parents=[-1, 0])
        c.insert(HH())
        c.branch(1).loc(1.0).record("v")
        return c

    with jax.enable_x64(False):
        with pytest.warns(UserWarning, match=r"in float32, compartment \d+ \(0.05 µm long\) is so short for dt = 0.025 ms"):
            dx.integrate(cell(2001), t_max=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dx.integrate(cell(101), t_max=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.integrate(cell(2001), t_max=0.5)


def test_a_float64_jax_array_passed_to_a_float32_run_gives_no_jax_warning():
    # A review: a System compiled under float64, run without it, cast a float64 JAX array in
    # params to float64 ("Explicitly requested dtype float64 ... truncated"); the run's
    # dtype is float32, and the values equal those of a natively float32 run.
    import warnings

    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(HH())
    cell.record("v")
    system = cell.compile()
    g = jnp.full(1, 0.2, jnp.float64)
    with jax.enable_x64(False):
        native = np.asarray(dx.integrate(cell, t_max=2.0, params={"HH_gNa": np.full(1, 0.2)}))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = dx.integrate(system, t_max=2.0, params={"HH_gNa": g})
    assert out.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(out), native)
