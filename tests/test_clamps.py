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
