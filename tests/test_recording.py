"""Recorded membrane currents: against NEURON's ina and ik, and their sums."""

import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak

# Same equations and the same timing convention (the current that drove the step leading
# to a time point): round-off.
TOL = 1e-9


@pytest.mark.parametrize("second_order", [False, True], ids=["backward_euler", "crank_nicolson"])
def test_ion_currents_match_neuron(neuron_h, second_order):
    """With ``secondorder = 2`` NEURON reports ina and ik at the half-step voltage (moved
    along their slopes after the solve), and so does dendrax with Crank–Nicolson: without
    that they differ by up to 0.05 mA/cm² during a spike, while v agrees."""
    h = neuron_h
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    comp.stimulate(dx.step_current(1.0, 2.0, 0.3, 0.025, 10.0))
    for name in ("v", "ina", "ik"):
        comp.record(name)
    solver = dx.CrankNicolson() if second_order else dx.BackwardEuler()
    ours = np.asarray(dx.integrate(comp, t_max=10.0, solver=solver))
    sec = h.Section()
    sec.L, sec.diam = 20.0, 20.0
    sec.insert("hh")
    ic = h.IClamp(sec(0.5))
    ic.delay, ic.dur, ic.amp = 1.0, 2.0, 0.3
    recs = [h.Vector().record(getattr(sec(0.5), f"_ref_{n}")) for n in ("v", "ina", "ik")]
    h.usetable_hh = 0
    h.secondorder = 2 if second_order else 0
    try:
        h.finitialize(-65.0)
        h.continuerun(10.0)
    finally:
        h.secondorder = 0
    ref = np.array([r.as_numpy() for r in recs])
    assert np.max(np.abs(ref[1])) > 0.5  # a spike's sodium current, mA/cm²
    np.testing.assert_allclose(ours, ref, atol=TOL)


def test_current_sums():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=3)] * 2, parents=[-1, 0])
    cell.insert(HH())
    cell.branch(1).insert(Leak())
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 3.0, 0.3, 0.025, 10.0))
    site = cell.branch(1).loc(0.5)
    for name in ("i", "i_HH", "i_Leak", "ina", "ik"):
        site.record(name)
    i, i_hh, i_leak, ina, ik = np.asarray(dx.integrate(cell, t_max=10.0))
    np.testing.assert_allclose(i, i_hh + i_leak, atol=1e-14)
    # HH's own total is sodium + potassium + its leak, 0.0003 (v - (-54.3)) mA/cm².
    site.record("v")
    v = np.asarray(dx.integrate(cell, t_max=10.0))[-1]
    np.testing.assert_allclose(i_hh - ina - ik, 0.0003 * (np.concatenate([[v[0]], v[:-1]]) + 54.3), atol=1e-12)
    with pytest.raises(ValueError, match="no membrane"):
        cell.branch(1).loc(1.0).record("i")


def test_a_current_is_recorded_only_where_a_mechanism_carries_it():
    # Bug: "i_HH" or "ina" where HH is not inserted recorded a row of zeros; NEURON raises
    # ("ina, the mechanism does not exist at b(0.5)"), as dendrax does for states.
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 2, parents=[-1, 0])
    cell.branch(0).insert(HH())
    cell.branch(1).insert(Leak())
    for name, branch in (("i_HH", 1), ("ina", 1), ("ik", 1), ("i_Leak", 0)):
        with pytest.raises(ValueError, match=f"cannot record '{name}' at compartment .: no mechanism there carries it"):
            cell.branch(branch).loc(0.5).record(name)
    assert cell._recordings == []  # nothing half-registered
    for name, branch in (("i", 1), ("ina", 0), ("i_HH", 0), ("i_Leak", 1)):
        cell.branch(branch).loc(0.5).record(name)
    assert len(cell._recordings) == 4
