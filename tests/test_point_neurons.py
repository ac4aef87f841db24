"""Point neurons against analytic solutions and independent NumPy implementations."""

import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.point_neurons import LIF, AdEx, Izhikevich, RateNeuron

DT = 0.025


def run(mechanism, amp, t_max, v0=None, **params):
    cell = dx.Compartment()
    cell.insert(mechanism)
    for k, v in params.items():
        cell.set(f"{mechanism.name}_{k}", v)
    if v0 is not None:
        cell.set("v", v0)
    cell.stimulate(np.full(int(round(t_max / DT)) + 1, amp))
    cell.record("v")
    cell.record(f"{mechanism.name}_spike")
    return np.asarray(dx.integrate(cell, t_max=t_max, delta_t=DT))


def test_lif_interspike_interval_is_analytic():
    amp = 0.3  # nA
    c, g, e, vth, vr, tref = 0.2, 0.01, -70.0, -50.0, -70.0, 2.0
    out = run(LIF(), amp, 300.0, v0=vr)
    spikes = np.flatnonzero(out[1]) * DT  # the flag is recorded with the state after the step
    v_inf = e + amp / g
    free = c / g * np.log((v_inf - vr) / (v_inf - vth))  # ms from reset to threshold
    # Each spike is detected at the end of the step where threshold is crossed: at most one
    # step late, and the refractory period is counted in whole steps.
    assert abs(spikes[0] - free) <= DT + 1e-9
    np.testing.assert_allclose(np.diff(spikes), tref + free, atol=2 * DT)
    assert len(spikes) >= 10


def lif_numpy(amp, t_max, tref, c=0.2, g=0.01, e=-70.0, vth=-50.0, vr=-70.0):
    """The LIF's scheme: exact relaxation over each step, reset on reaching vTh, then held
    at vReset for round(tRef / dt) steps."""
    v, held, vs = vr, 0, [vr]
    v_inf = e + amp / g
    for _ in range(int(round(t_max / DT))):
        if held:
            v, held = vr, held - 1
        else:
            v = v_inf + (v - v_inf) * np.exp(-DT * g / c)
            if v >= vth:
                v, held = vr, int(round(tref / DT))
        vs.append(v)
    return np.array(vs)


@pytest.mark.parametrize("tref", [2.0, 1.0, 0.3, 0.1, 0.0])
def test_lif_refractory_period_is_whole_steps(tref):
    # Bug: the refractory clock (tRef, minus dt each step) was tested > 0, so a round-off
    # remainder held v one extra step for tRef = 2, 0.3, 0.1 ms (ISI 24.0 instead of 23.975).
    out = run(LIF(), 0.3, 100.0, v0=-70.0, tRef=tref)
    ref = lif_numpy(0.3, 100.0, tref)
    # Same arithmetic up to XLA's fused multiply-adds: round-off only.
    np.testing.assert_allclose(out[0], ref, atol=1e-9)
    assert out[1].sum() >= 4


def test_lif_below_threshold_relaxes_exactly():
    out = run(LIF(), 0.1, 50.0, v0=-70.0)  # v_inf = -60 mV, below threshold
    t = np.arange(out.shape[1]) * DT
    np.testing.assert_allclose(out[0], -60.0 - 10.0 * np.exp(-t / 20.0), atol=1e-10)
    assert out[1].sum() == 0


def izhikevich_numpy(i, t_max, a=0.02, b=0.2, c=-65.0, d=8.0, v0=-65.0):
    v, u = v0, b * v0
    vs, spikes = [v], 0
    for _ in range(int(round(t_max / DT))):
        v, u = v + DT * (0.04 * v * v + 5 * v + 140 - u + i), u + DT * a * (b * v - u)
        if v >= 30.0:
            v, u, spikes = c, u + d, spikes + 1
        vs.append(v)
    return np.array(vs), spikes


@pytest.mark.parametrize("kind, params", [("regular", {}), ("chattering", {"c": -50.0, "d": 2.0}), ("fast", {"a": 0.1, "d": 2.0})])
def test_izhikevich_matches_the_paper_equations(kind, params):
    out = run(Izhikevich(), 10.0, 200.0, **params)
    ref, n_spikes = izhikevich_numpy(10.0, 200.0, **params)
    # Same scheme: differences are round-off (XLA may fuse multiply-adds), amplified by the
    # quadratic during upstrokes to ~1e-5 mV.
    np.testing.assert_allclose(out[0], ref, rtol=1e-4, atol=1e-4)
    assert out[1].sum() == n_spikes > 2


def adex_numpy(i, t_max, v0=-70.6):
    c, g, e, vt, dt_, tw, a, b, vr, vp = 0.281, 0.030, -70.6, -50.4, 2.0, 144.0, 0.004, 0.0805, -70.6, -40.4
    v, w = v0, 0.0
    vs = [v]
    for _ in range(int(round(t_max / DT))):
        dv = (-g * (v - e) + g * dt_ * np.exp((min(v, vp) - vt) / dt_) - w + i) / c
        v, w = v + DT * dv, w + DT * (a * (v - e) - w) / tw
        if v >= vp:
            v, w = vr, w + b
        vs.append(v)
    return np.array(vs)


def test_adex_matches_the_paper_equations():
    out = run(AdEx(), 1.0, 300.0, v0=-70.6)
    np.testing.assert_allclose(out[0], adex_numpy(1.0, 300.0), atol=1e-9)
    spikes = np.flatnonzero(out[1]) * DT
    assert len(spikes) > 3 and np.diff(spikes)[-1] > np.diff(spikes)[0]  # adaptation


def test_rate_neuron_relaxes_to_its_transfer_function():
    out = run(RateNeuron(), 0.5, 50.0, v0=0.0)
    t = np.arange(out.shape[1]) * DT
    np.testing.assert_allclose(out[0], np.tanh(0.5) * (1 - np.exp(-t / 10.0)), atol=1e-12)


def test_point_neuron_needs_its_own_compartment():
    cell = dx.Cell([dx.Branch(ncomp=2)] * 2, parents=[-1, 0])
    cell.insert(LIF())
    cell.branch(0).comp(0).record("v")
    with pytest.raises(ValueError, match="needs a compartment of its own"):
        dx.integrate(cell, t_max=1.0)


def test_a_gap_junction_cannot_couple_a_point_neuron():
    """A point neuron's row of the voltage equation is its own update; an implicit gap
    junction there would leave a stray coupling in the matrix (its voltage then drifted to
    -731 mV in 10 ms). Refused before compilation, with the description left usable."""
    from dendrax.channels import HH

    a = dx.Compartment(length=20.0, radius=10.0)
    a.insert(LIF())
    b = dx.Compartment(length=20.0, radius=10.0)
    b.insert(HH())
    net = dx.Network([a, b])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.GapJunction())
    net.cell(0).record("v")
    with pytest.raises(ValueError, match="a gap junction cannot couple it"):
        dx.integrate(net, t_max=1.0)
    net2 = dx.Network([a, b])
    dx.connect(net2.cell(0), net2.cell(1), dx.synapses.ExpSyn(), delay=1.0)
    net2.cell(0).record("v")
    v = np.asarray(dx.integrate(net2, t_max=1.0))[0]
    # Synapses still work: LIF relaxes from -65 towards its rest; no drift like the one above.
    assert np.all(np.abs(v + 65.0) < 1.0)


def test_a_negative_refractory_period_is_refused():
    """tRef < 0 acted as tRef = 0 (the clock is clamped at 0): a value that means nothing
    physically, now refused where it is given, with the cell left as it was."""
    cell = dx.Compartment()
    cell.insert(LIF())
    with pytest.raises(ValueError, match="LIF_tRef.*must be >= 0 ms; got -0.5"):
        cell.set("LIF_tRef", -0.5)
    assert cell.get("LIF_tRef").tolist() == [2.0]
    cell.make_trainable("LIF_tRef")
    cell.record("v")
    with pytest.raises(ValueError, match="must be >= 0 ms"):
        dx.integrate(cell, t_max=1.0, params=[{"LIF_tRef": jnp.array([-1.0])}])
    cell.set("LIF_tRef", 0.0)  # no refractory period: allowed


@pytest.mark.parametrize("steps", [0.5, 1.5, 2.5, 3.5, 1.4, 1.6])
def test_lif_refractory_half_steps_round_down(steps):
    # Found by review: counting the hold with round-half-to-even held tRef = 1.5 dt for two
    # steps (and 2.5 dt for two as well); the hold test (> dt / 2) holds round-half-down.
    dt = 1.0  # ms
    cell = dx.Compartment()
    cell.insert(LIF())
    cell.set("LIF_tRef", steps * dt)
    cell.set("v", -49.0)  # above threshold: a spike in the first step
    cell.stimulate(np.full(21, 0.3))  # nA: v rises again once released
    cell.record("v")
    v = np.asarray(dx.integrate(cell, t_max=20.0, delta_t=dt))[0]
    held = np.flatnonzero(v[2:] != -70.0)[0]  # steps at vReset after the spike step
    assert held == int(np.ceil(steps - 0.5)), held


@pytest.mark.parametrize(
    ("mechanism", "v0", "amp", "name", "value"),
    [(LIF(), -70.0, 0.5, "gLeak", 0.01), (Izhikevich(), -65.0, 10.0, "a", 0.02), (AdEx(), -70.6, 1.0, "gLeak", 0.03)],
    ids=["LIF", "Izhikevich", "AdEx"],
)
def test_surrogate_gradients_reach_point_neuron_spikes(mechanism, v0, amp, name, value):
    # A point neuron's spike was a plain step: its gradient was exactly 0 under a surrogate
    # (review of point neurons). Now it is sigmoid(beta drive)'s, drive being the recorded
    # state: d(number of spikes)/dθ = Σ beta σ'(beta drive_t) d drive_t/dθ over the reported
    # time points (not the last: a crossing in the last step is not reported), with d drive/dθ
    # by central differences of the recorded drive (float64: the root conftest).
    import jax

    beta, full = 0.5, f"{mechanism.name}_{name}"
    cell = dx.Compartment()
    cell.insert(mechanism)
    cell.set("v", v0)
    net = dx.Network([cell, cell])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
    net.cell(0).stimulate(np.full(2401, amp))
    net.record_spikes(cells=[0])
    net.cell(0).record(f"{mechanism.name}_drive")
    net.cell(0).make_trainable(full)
    sim = dx.simulator(net, t_max=60.0, delta_t=DT, surrogate=dx.Surrogate(beta=beta))
    params = net.get_parameters()
    spikes, drive = np.asarray(sim(params))
    assert spikes.sum() >= 2 and np.array_equal(np.flatnonzero(spikes), np.flatnonzero(drive >= 0))
    grad = float(jax.grad(lambda p: jnp.sum(sim(p)[0]))(params)[0][full][0])
    h = 1e-7 * value  # no spike moves (checked), so the drive is smooth in θ here
    up, down = (np.asarray(sim([{full: jnp.asarray([value * (1 + s * 1e-7)])}])) for s in (1, -1))
    assert np.array_equal(up[0], spikes) and np.array_equal(down[0], spikes)
    sigma = 1.0 / (1.0 + np.exp(-beta * drive))
    reference = np.sum((beta * sigma * (1 - sigma) * (up[1] - down[1]) / (2 * h))[:-1])
    assert abs(reference) > 1.0  # the surrogate passes a gradient
    assert grad == pytest.approx(reference, rel=1e-6)  # central differences of O(h²) ~ 1e-8 relative


def test_lif_integrates_a_large_synaptic_conductance_without_overshoot():
    # The synaptic input was held as a current over each step: an inhibitory 30 µS ExpSyn
    # (reversal -90 mV) drove the LIF to -145 mV at dt = 0.025 ms (review of point neurons).
    # Now its conductance joins the leak in the exact relaxation. Reference: the ODE
    # C v' = -gLeak (v - eLeak) - w exp(-(t - t_on)/tau) (v - E), solved by scipy to 1e-11.
    from scipy.integrate import solve_ivp

    w, e_syn, tau, c, g_leak, e_leak = 30.0, -90.0, 2.0, 0.2, 0.01, -70.0  # µS, mV, ms, nF, µS, mV
    cell = dx.Compartment()
    cell.insert(LIF())
    cell.set("v", e_leak)
    net = dx.Network([cell])
    train = net.add_spike_trains([[1.0]])
    dx.connect(train, net.cell(0), dx.synapses.ExpSyn(), weight=w, delay=0.0)
    net.synapses.ExpSyn.set("e", e_syn)
    net.synapses.ExpSyn.set("tau", tau)
    net.cell(0).record("v")
    v = np.asarray(dx.integrate(net, t_max=6.0, delta_t=DT))[0]
    t = np.arange(len(v)) * DT
    after = t >= 1.0  # the spike's conductance acts from the step that starts at 1 ms
    rhs = lambda s, y: [(-g_leak * (y[0] - e_leak) - w * np.exp(-(s - 1.0) / tau) * (y[0] - e_syn)) / c]  # noqa: E731
    ref = solve_ivp(rhs, (1.0, 6.0), [e_leak], t_eval=t[after], rtol=1e-11, atol=1e-11, method="LSODA").y[0]
    assert v.min() >= e_syn - 1e-9  # never beyond the reversal
    # First order in dt: the conductance's decay within the first step (2 % of it) moves
    # that step's 20 mV fall by 0.011 mV; 0.05 mV leaves a margin (the held current: 55 mV).
    np.testing.assert_allclose(v[after], ref, rtol=0, atol=0.05)


def test_an_event_synapse_from_a_rate_unit_is_refused():
    # A RateNeuron never spikes: an ExpSyn from it received nothing, silently (review).
    unit = dx.Compartment()
    unit.insert(RateNeuron())
    net = dx.Network([unit, dx.Compartment()])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.01)
    net.cell(1).record("v")
    with pytest.raises(ValueError, match=r"comes from a RateNeuron, which never spikes.*TanhRate"):
        dx.integrate(net, t_max=1.0)


def test_a_lif_subclass_with_the_documented_signature_still_runs():
    # LIF takes the input conductance as g_in; a subclass overriding update_voltage with
    # PointNeuron's documented signature (no g_in) failed with an unexpected keyword
    # (review of the change). It gets the current alone, as before: the same voltages as
    # LIF without a synapse, where the conductance input is 0.
    class MyLIF(LIF):
        def update_voltage(self, v, s, i_in, dt, p):
            return super().update_voltage(v, s, i_in, dt, p)

    ours = run(MyLIF(), 0.5, 20.0, v0=-70.0)
    np.testing.assert_array_equal(ours, run(LIF(), 0.5, 20.0, v0=-70.0))


def _integrator(update, states=None):
    """A user's point neuron (`PointNeuron`'s example) whose update_voltage is ``update``."""

    class Integrator(dx.PointNeuron):
        params = {"C": 0.1, "vTh": -50.0, "vReset": -70.0}  # nF, mV, mV
        units = {"C": "nF", "vTh": "mV", "vReset": "mV"}

    Integrator.states = {"spike": 0.0} if states is None else states
    Integrator.update_voltage = update
    return Integrator


def _integrated(v, p, i_in, dt):
    v_next = v + dt * i_in / p["C"]  # nA / nF = mV/ms
    return v_next, v_next >= p["vTh"]


@pytest.mark.parametrize(
    ("update", "error", "match"),
    [
        (lambda self, v, s, i, dt, p: (_integrated(v, p, i, dt)[0], {"spike": _integrated(v, p, i, dt)[1]}),
         TypeError, r"Integrator.update_voltage\(\) returned state 'spike' of shape \(1,\) and dtype bool.*astype"),
        (lambda self, v, s, i, dt, p: (_integrated(v, p, i, dt)[0], {"spike": jnp.zeros(1, jnp.float32)}),
         TypeError, r"returned state 'spike' of shape \(1,\) and dtype float32.*dtype float64"),
        (lambda self, v, s, i, dt, p: (_integrated(v, p, i, dt)[0], {}),
         ValueError, r"Integrator.update_voltage\(\) did not return 'spike'"),
        (lambda self, v, s, i, dt, p: (v, {"spike": jnp.zeros_like(v), "spkie": v}),
         ValueError, r"Integrator.update_voltage\(\) returned 'spkie', not a declared state"),
        (lambda self, v, s, i, dt, p: (jnp.asarray(-60.0), {"spike": jnp.zeros_like(v)}),
         TypeError, r"returned a voltage of shape \(\) and dtype float64; it must be one value per compartment"),
        (lambda self, v, s, i, dt, p: (v.astype(jnp.float32), {"spike": jnp.zeros_like(v)}),
         TypeError, r"returned a voltage of shape \(1,\) and dtype float32"),
        (lambda self, v, s, i, dt, p: v, TypeError, r"must return a pair \(v_next, states\)"),
    ],
    ids=["bool spike", "float32 spike", "missing state", "misspelt state", "scalar voltage", "float32 voltage", "no pair"],
)
def test_what_a_user_point_neuron_returns_is_checked(update, error, match):
    """Found by review: update_voltage's results were never checked (update_states' are): a
    bool or float32 spike gave JAX's "carry input and carry output must have equal types", a
    misspelt state a pytree-structure error, a missing one a bare KeyError, and a scalar
    voltage ran, broadcast. Each now names the mechanism, the value and the fix."""
    cell = dx.Compartment()
    cell.insert(_integrator(update)())
    cell.stimulate([0.1] * 41)
    cell.record("v")
    with pytest.raises(error, match=match):
        dx.integrate(cell, t_max=1.0)


@pytest.mark.parametrize(
    ("mechanism", "bad", "match"),
    [
        (LIF(), {"vReset": -40.0}, r"LIF_vReset = -40 mV is not below LIF_vTh = -50 mV.*set LIF_vReset below LIF_vTh"),
        (LIF(), {"vReset": -50.0}, r"LIF_vReset = -50 mV is not below LIF_vTh = -50 mV"),
        (AdEx(), {"vReset": -30.0}, r"AdEx_vReset = -30 mV is not below AdEx_vPeak = -40.4 mV"),
        (Izhikevich(), {"c": 40.0}, r"Izhikevich_c = 40 mV is not below the spike peak, 30 mV"),
    ],
    ids=["LIF", "LIF at vTh", "AdEx", "Izhikevich"],
)
def test_a_reset_at_or_above_the_threshold_is_refused(mechanism, bad, match):
    """Found by review: a reset at or above the threshold (LIF vReset >= vTh, AdEx vReset >=
    vPeak, Izhikevich c >= 30 mV) was accepted, and the cell then fired every step with no
    input (400 spikes in 10 ms). Refused before compiling, from the description's values and
    from concrete call-time ones (``params=`` overrides and trainable values), naming the
    values and the compartment; the description is left as it was."""
    name = mechanism.name
    (short, value), = bad.items()
    full = f"{name}_{short}"
    cell = dx.Compartment()
    cell.insert(mechanism)
    cell.record("v")
    cell.set(full, value)  # one value at a time cannot be judged: set() takes it
    with pytest.raises(ValueError, match=match + r".*\(compartment 0, where " + name):
        dx.integrate(cell, t_max=1.0)
    cell.set(full, mechanism.params[short])  # the description is usable again
    with pytest.raises(ValueError, match=r"params: " + match):
        dx.integrate(cell, t_max=1.0, params={full: value})
    cell.make_trainable(full)
    with pytest.raises(ValueError, match=r"params: " + match):
        dx.integrate(cell, t_max=1.0, params=[{full: jnp.array([value])}])
    assert cell.get(full).tolist() == [mechanism.params[short]]
    dx.integrate(cell, t_max=1.0, params=[{full: jnp.array([mechanism.params[short] - 1.0])}])  # a valid one runs


def test_point_neuron_defaults_that_conflict_are_refused_when_made():
    # A subclass whose own defaults break the rule fails where it is made, as a default out of range does.
    class HighReset(LIF):
        params = {**LIF.params, "vReset": -45.0}

    with pytest.raises(ValueError, match=r"HighReset's defaults do not work together: HighReset_vReset = -45 mV"):
        HighReset()


def test_a_lif_subclass_with_parameters_of_its_own_is_not_held_to_lifs_rule():
    # A review: LIF's reset rule read p["vTh"] for any subclass, a KeyError for one without it.
    from dendrax.point_neurons import LIF

    class Other(LIF):
        params = {"theta": -50.0, "reset": -65.0, "tau": 10.0}

    assert Other().conflict_error(Other.params) is None
