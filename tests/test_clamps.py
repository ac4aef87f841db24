"""Voltage and state clamps: against NEURON's SEClamp, and their exact semantics."""

import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH

DT, T_MAX = 0.025, 20.0
# NEURON's SEClamp with a series resistance of 1e-9 MΩ holds v within ~(nA)·1e-9 MΩ of the
# command; gates then differ from an ideal clamp by far less than 1e-6.
TOL_V, TOL_STATE = 1e-6, 1e-8


def command():
    t = np.arange(int(round(T_MAX / DT)) + 1) * DT
    # NEURON's SEClamp switches between the steps that straddle t = 5 and t = 12 ms.
    return np.where(t <= 5.0, -65.0, np.where(t <= 12.0, -20.0, -50.0))


def seclamp(h, seg):
    se = h.SEClamp(seg)
    se.rs = 1e-9
    se.dur1, se.amp1, se.dur2, se.amp2, se.dur3, se.amp3 = 5.0, -65.0, 7.0, -20.0, 100.0, -50.0
    return se


def test_voltage_clamp_single_compartment(neuron_h):
    h = neuron_h
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    comp.clamp("v", command())
    for s in "mhn":
        comp.record(f"HH_{s}")
    comp.record("v")
    ours = np.asarray(dx.integrate(comp, t_max=T_MAX, delta_t=DT))

    sec = h.Section()
    sec.L, sec.diam = 20.0, 20.0
    sec.insert("hh")
    se = seclamp(h, sec(0.5))
    recs = [h.Vector().record(getattr(sec(0.5), f"_ref_{s}_hh")) for s in "mhn"] + [h.Vector().record(sec(0.5)._ref_v)]
    h.finitialize(-65.0)
    h.continuerun(T_MAX)
    ref = np.array([r.as_numpy() for r in recs])
    del se
    assert np.max(np.abs(ours[:3] - ref[:3])) < TOL_STATE
    assert np.max(np.abs(ours[3] - ref[3])) < TOL_V
    np.testing.assert_array_equal(ours[3], command())  # an ideal clamp


def test_voltage_clamp_in_a_cable(neuron_h):
    solver = dx.BackwardEuler()
    h = neuron_h
    cable = dx.Branch(length=300.0, radius=1.0, ncomp=9)
    cable.insert(HH())
    cable.comp(4).clamp("v", command())
    for x in (0.0, 0.3, 1.0):
        cable.loc(x).record("v")
    ours = np.asarray(dx.integrate(cable, t_max=T_MAX, delta_t=DT, solver=solver))

    sec = h.Section()
    sec.L, sec.diam, sec.nseg = 300.0, 2.0, 9
    sec.insert("hh")
    se = seclamp(h, sec(0.5))
    recs = [h.Vector().record(sec(x)._ref_v) for x in (0.0, 0.3, 1.0)]
    h.secondorder = 2 if isinstance(solver, dx.CrankNicolson) else 0
    h.finitialize(-65.0)
    h.continuerun(T_MAX)
    ref = np.array([r.as_numpy() for r in recs])
    del se
    # The cable ends are driven through the axial resistance: round-off level again.
    assert np.max(np.abs(ours - ref)) < 1e-5


def test_voltage_clamp_with_crank_nicolson():
    """An ideal clamp stays exact under Crank-Nicolson.

    (NEURON's SEClamp is not compared here: with secondorder = 2 its nearly algebraic node
    alternates around the command, +-45 mV after a step, because CN extrapolates it.)
    """
    cable = dx.Branch(length=300.0, radius=1.0, ncomp=9)
    cable.insert(HH())
    cable.comp(4).clamp("v", command())
    cable.comp(4).record("v")
    cable.comp(3).record("v")
    cn = np.asarray(dx.integrate(cable, t_max=T_MAX, delta_t=DT, solver=dx.CrankNicolson()))
    be = np.asarray(dx.integrate(cable, t_max=T_MAX, delta_t=DT))
    np.testing.assert_array_equal(cn[0], command())
    # Against a fine backward-Euler reference (dt / 25), Crank-Nicolson's neighbour trace is
    # closer than backward Euler's at the same dt.
    fine = cable.copy()
    fine.delete_clamps()
    fine_dt = DT / 25
    t_fine = np.arange(int(round(T_MAX / fine_dt)) + 1) * fine_dt
    fine.comp(4).clamp("v", np.where(t_fine <= 5.0, -65.0, np.where(t_fine <= 12.0, -20.0, -50.0)))
    ref = np.asarray(dx.integrate(fine, t_max=T_MAX, delta_t=fine_dt))[1, ::25]
    assert np.mean(np.abs(cn[1] - ref)) < np.mean(np.abs(be[1] - ref))


def test_state_clamp_holds_the_state():
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    values = np.linspace(0.0, 1.0, 401)
    comp.clamp("HH_m", values)
    comp.record("HH_m")
    comp.record("v")
    out = np.asarray(dx.integrate(comp, t_max=10.0, delta_t=DT))
    np.testing.assert_array_equal(out[0], values)
    assert out[1].max() > -40.0  # opening the sodium activation gate depolarises (at rest: -65)


def test_clamp_values_at_call_time():
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    comp.clamp("v", command())
    comp.record("HH_m")
    held = np.stack([np.full_like(command(), -30.0)])
    a = np.asarray(dx.integrate(comp, t_max=T_MAX, delta_t=DT, clamps=held))
    comp2 = dx.Compartment(length=20.0, radius=10.0)
    comp2.insert(HH())
    comp2.clamp("v", held[0])
    comp2.record("HH_m")
    np.testing.assert_allclose(a, np.asarray(dx.integrate(comp2, t_max=T_MAX, delta_t=DT)), atol=1e-12)


def test_clamp_errors():
    comp = dx.Compartment()
    comp.insert(HH())
    comp.clamp("v", command())
    with pytest.raises(ValueError, match="already clamped"):
        comp.clamp("v", command())
    with pytest.raises(ValueError, match="not a state"):
        comp.clamp("HH_gNa", command())
    comp.record("v")
    with pytest.raises(ValueError, match="clamp 0 has 801 values"):
        dx.integrate(comp, t_max=5.0, delta_t=DT)


def soma_and_dendrite(mechanism):
    """A soma (one compartment) with a five-compartment dendrite at its 1 end, in both
    simulators; NEURON's sections use NEURON's default Ra, dendrax's default."""
    cell = dx.Cell([dx.Branch(length=20.0, radius=10.0, ncomp=1), dx.Branch(length=200.0, radius=1.0, ncomp=5)], [-1, 0])
    cell.insert(mechanism)
    return cell


def test_clamp_current_matches_neurons_seclamp_current(neuron_h):
    """``record("i_clamp")`` is NEURON's SEClamp.i (rs -> 0) at a clamped soma with a dendrite.

    Compared at every time point but the one step after each change of the command: there
    NEURON 9's recorded SEClamp.i is 0.42 nA off the charge balance of its own voltages at
    one of the two changes (which one varies with the membrane; see the passive test below,
    which checks those steps against the balance exactly).
    """
    h = neuron_h
    cell = soma_and_dendrite(HH())
    cell.branch(0).loc(0.5).clamp("v", command())
    cell.branch(0).loc(0.5).record("i_clamp")
    ours = np.asarray(dx.integrate(cell, t_max=T_MAX, delta_t=DT))[0]

    soma, dend = h.Section(name="soma"), h.Section(name="dend")
    soma.L, soma.diam = 20.0, 20.0
    dend.L, dend.diam, dend.nseg = 200.0, 2.0, 5
    dend.connect(soma(1))
    for sec in (soma, dend):
        sec.insert("hh")
    se = seclamp(h, soma(0.5))
    rec = h.Vector().record(se._ref_i)
    h.secondorder = 0
    h.finitialize(-65.0)
    h.continuerun(T_MAX)
    ref = rec.as_numpy().copy()
    del se, rec
    assert np.abs(ours).max() > 20.0  # the capacitive surge at a change (nA), so the test has teeth
    changes = np.flatnonzero(np.diff(command())) + 1
    keep = np.ones(len(ref), bool)
    keep[changes] = False
    # rs = 1e-9 MΩ moves NEURON's node by rs·i ~ 1e-8 mV: its current differs by ~1e-5 nA
    # (the time derivative of that offset); 1e-4 nA leaves room for round-off.
    assert np.max(np.abs(ours[keep] - ref[keep])) < 1e-4
    assert ours[0] == 0.0


@pytest.mark.parametrize("solver", [dx.BackwardEuler(), dx.CrankNicolson()])
def test_clamp_current_is_the_charge_balance_of_the_clamped_node(solver):
    """For a passive membrane the clamp current has a closed form in the step's voltages:
    BE: C (v' - v)/dt + g A (v' - e) + axial current at v'; CN: the same at the midpoint
    x = (v + v')/2 (the current that drives the step). Covers changes of the command."""
    cell = soma_and_dendrite(dx.channels.Leak())
    cell.set("Leak_gLeak", 3e-4)  # S/cm²
    cell.set("Leak_eLeak", -54.3)  # mV
    cell.branch(0).loc(0.5).clamp("v", command())
    cell.branch(0).loc(0.5).record("i_clamp")
    cell.branch(0).loc(0.5).record("v")
    cell.branch(0).loc(1.0).record("v")  # the node between soma and dendrite
    i, v, v_end = np.asarray(dx.integrate(cell, t_max=T_MAX, delta_t=DT, solver=solver))
    area = 2 * np.pi * 10.0 * 20.0 * 1e-8  # cm²
    c = 1.0 * area * 1e3  # 1 µF/cm² × area = C in µF; 1 µF·mV/ms = 1000 nA
    g_axial = 1.0 / (35.4 * 10e-4 / (np.pi * (10e-4) ** 2) * 1e-6)  # µS, soma centre to its end
    if isinstance(solver, dx.CrankNicolson):
        x, x_end = (v[1:] + v[:-1]) / 2, (v_end[1:] + v_end[:-1]) / 2
    else:
        x, x_end = v[1:], v_end[1:]
    expected = c * np.diff(v) / DT + 3e-4 * area * 1e6 * (x + 54.3) + g_axial * (x - x_end)
    assert np.abs(expected).max() > 20.0
    np.testing.assert_allclose(i[1:], expected, rtol=0, atol=1e-9)  # round-off on ~50 nA


def test_clamp_current_gradient_matches_finite_differences():
    """Fitting conductances to voltage-clamp currents: d(loss)/d(gK) of the clamp current."""
    import jax

    cell = soma_and_dendrite(HH())
    cell.branch(0).loc(0.5).clamp("v", command())
    cell.branch(0).loc(0.5).record("i_clamp")
    sim = dx.simulator(cell, t_max=T_MAX, delta_t=DT)

    def loss(g_k):
        return (sim({"HH_gK": g_k})[0] ** 2).mean()

    g = 0.036
    grad = float(jax.grad(loss)(g))
    h = 1e-6
    fd = (float(loss(g + h)) - float(loss(g - h))) / (2 * h)
    assert abs(grad - fd) < 1e-6 * abs(fd)  # central differences: error ~h² ≪ 1e-6 relative


def test_a_clamp_holds_its_node_against_a_gap_junction():
    """A clamped soma joined to another by a gap junction stays at the command (before: the
    junction's coupling stayed in the clamped row, 3 mV off), and the other cell sees a
    constant source: the same as a leak to the command's voltage."""
    g_gap = 0.05  # µS
    cells = [dx.Compartment(length=20.0, radius=10.0) for _ in range(2)]
    net = dx.Network(cells)
    net.insert(HH())
    dx.connect(net.cell(0), net.cell(1), dx.synapses.GapJunction())
    net.synapses.GapJunction.set("gGap", g_gap)
    held = np.full(401, -20.0)
    net.cell(0).clamp("v", held)
    net.cell(0).record("v")
    net.cell(1).record("v")
    net.cell(0).record("i_clamp")
    v0, v1, i = np.asarray(dx.integrate(net, t_max=10.0, delta_t=DT))
    np.testing.assert_array_equal(v0, held)

    alone = dx.Compartment(length=20.0, radius=10.0)
    alone.insert(HH())
    alone.insert(dx.channels.Leak())
    area = 2 * np.pi * 10.0 * 20.0 * 1e-8  # cm²
    alone.set("Leak_gLeak", g_gap * 1e-6 / area)  # µS -> S/cm²
    alone.set("Leak_eLeak", -20.0)
    alone.record("v")
    expected = np.asarray(dx.integrate(alone, t_max=10.0, delta_t=DT))[0]
    assert np.abs(expected - (-65.0)).max() > 10.0  # the junction drives the other cell
    np.testing.assert_allclose(v1, expected, rtol=0, atol=1e-9)
    # The clamp supplies what flows through the junction (plus its own cell's currents).
    assert np.all(np.isfinite(i))


def test_clamp_current_errors():
    comp = dx.Compartment()
    comp.insert(HH())
    comp.record("i_clamp")
    with pytest.raises(ValueError, match="no voltage clamp holds this point"):
        dx.integrate(comp, t_max=1.0)


def test_clamp_current_of_a_point_neuron_is_refused():
    # Bug: it returned v_clamp - v_update (mV), the row of the point neuron's own update rule.
    from dendrax.point_neurons import LIF

    comp = dx.Compartment()
    comp.insert(LIF())
    comp.clamp("v", np.full(401, -60.0))
    comp.record("v")
    np.testing.assert_array_equal(np.asarray(dx.integrate(comp, t_max=10.0))[0], -60.0)  # the clamp holds
    comp.record("i_clamp")
    with pytest.raises(ValueError, match="LIF is a point neuron"):
        dx.integrate(comp, t_max=10.0)


def test_one_point_is_clamped_once_whatever_it_is_called():
    # Bug: a point named twice in one call (two locs in one compartment), or as a branch's
    # 1 end and its child's 0 end, was accepted by clamp() and refused only by integrate
    # (or, for a state, held twice), and stayed in the model.
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=3)] * 2, parents=[-1, 0])
    cell.insert(HH())
    values = np.full(41, -50.0)  # mV
    with pytest.raises(ValueError, match="names one point twice"):
        cell.branch(0).loc([0.4, 0.6]).clamp("v", values)
    with pytest.raises(ValueError, match="names one point twice"):
        cell.branch(0).loc([0.4, 0.6]).clamp("HH_m", np.full(41, 0.1))
    assert cell.clamps == []
    cell.branch(0).loc(1.0).clamp("v", values)
    with pytest.raises(ValueError, match=r"already clamped at branch 1 at x=0.0 \(as branch 0 at x=1.0\)"):
        cell.branch(1).loc(0.0).clamp("v", values)
    assert len(cell.clamps) == 1
