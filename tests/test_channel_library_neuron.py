"""Every channel of the library against NEURON, in float64.

The reference mechanisms are tests/mod/dx_<Channel>.mod, written from the same published
equations (Pospischil et al. 2008; Hay et al. 2011) and compiled here with nrnivmodl (once,
cached by content). Three comparisons:

(a) voltage-clamp steps on one compartment, L = diam = 20 µm (NEURON: SEClamp with rs = 1e-9 MΩ; dendrax: an ideal clamp), with
    all channels of a family inserted together (under a clamp they do not interact, except
    through the calcium buffer, which is part of the calcium family): every state and every
    channel's current density are compared;
(b) current injection into each channel with a leak: tests/test_channel_library_injection.py;
(c) a small cell with channels of both families, built by tests/neuron_reference.py.

Both simulators use the same scheme (currents at v_n and the states at t_n, implicit voltage
step, then cnexp on the new voltage; concentration writers before their readers), so the
differences are round-off, with two understood exceptions (SEClamp's series resistance;
CaT's linearisation): see the tolerances in tests/channel_cases.py.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import dendrax as dx
from dendrax.mechanisms.ions import nernst

from .channel_cases import (
    CLAMP_V_MV,
    CURRENT_REL,
    DT,
    INJECTION_V_MV,
    STATES,
    Case,
    channel_current_error,
    channel_library_cell,
    clamp_wave,
    dendrax_compartment,
    run_dendrax,
    run_neuron,
)
from .neuron_mechanisms import nrn_library  # noqa: F401 (a session fixture)
from .neuron_reference import simulate

pytestmark = pytest.mark.usefixtures("nrn_library")

FAMILIES = {
    "pospischil": Case(
        {"Na": {}, "K": {}, "Km": {}, "CaL": {}, "CaT": {}}, celsius=33.0, ions={"ek": -100.0}
    ),
    "hay": Case(
        {n: {} for n in ("NaTa_t", "NaTs2_t", "Nap_Et2", "K_Pst", "K_Tst", "SKv3_1", "Im", "Ih")},
        celsius=34.0,
        ions={"ek": -85.0},
    ),
    "hay_calcium": Case(
        {
            "CaDynamics_E2": {"decay": 20.0, "gamma": 0.5},
            "Ca_HVA": {"gbar": 1e-3},
            "Ca_LVAst": {"gbar": 1e-3},
            "SK_E2": {"gbar": 1e-3},
        },
        celsius=34.0,
        ions={"ek": -85.0},
    ),
}
FAMILY_OF = {name: fam for fam, case in FAMILIES.items() for name in case.mechanisms}
# Step levels (mV) from a holding potential of -70 mV; -38 mV is a removable singularity
# of NaTa_t's and Nap_Et2's activation rates.
STEPS = (-38.0, -20.0, 20.0)
CLAMP_T_MAX = 20.0


def protocol(level: float):
    return [(2.0, -70.0), (10.0, level), (100.0, -90.0)]


@functools.cache
def clamp_runs(family: str):
    """[(dendrax traces, NEURON traces)] for each step level, one dendrax compilation."""
    from neuron import h

    case = FAMILIES[family]
    comp = dendrax_compartment(case)
    comp.clamp("v", clamp_wave(protocol(STEPS[0]), CLAMP_T_MAX))
    runs = []
    for level in STEPS:
        ours = run_dendrax(case, CLAMP_T_MAX, clamp=protocol(level), comp=comp)
        runs.append((ours, run_neuron(h, case, CLAMP_T_MAX, clamp=protocol(level))))
    return runs


@pytest.mark.parametrize("name", list(FAMILY_OF))
def test_voltage_clamp_matches_neuron(name, neuron_h):
    family = FAMILY_OF[name]
    case = FAMILIES[family]
    for level, (ours, ref) in zip(STEPS, clamp_runs(family)):
        np.testing.assert_array_equal(ours["v"], clamp_wave(protocol(level), CLAMP_T_MAX))
        assert np.max(np.abs(ours["v"] - ref["v"])) < CLAMP_V_MV
        for state in case.instances()[name].states:
            key = f"{name}_{state}"
            err = np.max(np.abs(ours[key] - ref[key]))
            assert err < STATES, f"{key} at {level} mV: max |diff| {err:.3g}"
            assert np.ptp(ref[key]) > 0.0, f"{key} never moves: the test would be vacuous"
        if name != "CaDynamics_E2":
            err = channel_current_error(case, name, ours, ref)
            assert err < CURRENT_REL, f"{name} current at {level} mV: relative error {err:.3g}"


def test_eca_follows_nernst_in_neuron_and_dendrax(neuron_h):
    """Where CaDynamics_E2 writes cai, NEURON's ion style computes eca from it (at the start of
    each step, so its record lags by one step), as dendrax does: the calcium currents above
    agree only because both use eca = nernst(cai, cao) at the model's temperature."""
    case = FAMILIES["hay_calcium"]
    for ours, ref in clamp_runs("hay_calcium"):
        eca = np.asarray(nernst(ours["CaDynamics_E2_cai"], 2.0, 2, case.celsius))
        assert np.ptp(eca) > 1.0  # calcium entry moves eca by more than a millivolt
        np.testing.assert_allclose(ref["eca"][1:], eca[:-1], atol=1e-8)


# ------------------------------------------------------------------------ a small cell
@pytest.mark.parametrize("second_order", [False, True], ids=["backward_euler", "crank_nicolson"])
def test_a_cell_with_the_library_matches_neuron(neuron_h, second_order):
    """A soma and two dendrites with Hay et al.'s channels (the buffer where calcium flows)
    and a Pospischil-type dendrite: the generic NEURON builder, several compartments.

    Crank–Nicolson: the calcium buffer reads ica, which NEURON moves to the half-step
    voltage before the states advance (second_order_cur); without that, the soma's voltage
    is 7 mV off by 30 ms."""
    cell = channel_library_cell()
    t_max = 30.0
    ref = simulate(neuron_h, cell, t_max, DT, second_order=second_order, v_init=-75.0)
    solver = dx.CrankNicolson() if second_order else dx.BackwardEuler()
    ours = np.asarray(dx.integrate(cell, t_max=t_max, delta_t=DT, solver=solver))
    assert ref[0].max() > 0.0  # the soma spikes
    np.testing.assert_allclose(ours[:3], ref[:3], rtol=0, atol=INJECTION_V_MV)
    np.testing.assert_allclose(ours[3:], ref[3:], rtol=0, atol=STATES)


@pytest.mark.parametrize("celsius", [6.3, 37.0])  # °C: NEURON's default; a common choice
def test_hay_channels_keep_their_34_degree_kinetics_at_any_temperature_as_in_neuron(neuron_h, celsius):
    """The published files of Hay et al. (ModelDB 139653) fix the Q10 factor at 34 °C; the
    reference files (tests/mod/dx_*.mod) do too. Hay's channels followed celsius: at 6.3 °C
    they ran 10 times slower than in NEURON (one spike instead of two and 130 mV apart in a
    review; 109 mV at 37 °C). Pospischil et al.'s basal channels do follow celsius, in both."""
    cell = channel_library_cell()
    cell.set("celsius", celsius)
    t_max = 30.0
    ref = simulate(neuron_h, cell, t_max, DT, v_init=-75.0)
    ours = np.asarray(dx.integrate(cell, t_max=t_max, delta_t=DT))
    assert ref[0].max() > 0.0  # the soma spikes
    np.testing.assert_allclose(ours[:3], ref[:3], rtol=0, atol=INJECTION_V_MV)
    np.testing.assert_allclose(ours[3:], ref[3:], rtol=0, atol=STATES)


def test_a_read_concentration_makes_the_reversal_potential_nernst_as_in_neuron(neuron_h):
    """SK_E2 reads cai; with no mechanism writing it, NEURON still computes eca from cai and
    cao (its ion style for a read concentration): 140.2 mV at 34 °C, not the default 132.458.
    Before, dendrax kept the default there: 10.7 mV off NEURON."""
    from dendrax.channels import SK_E2, Ca_HVA, Leak

    comp = dx.Compartment(length=20.0, radius=10.0)
    for mechanism in (Leak(), Ca_HVA(), SK_E2()):  # no calcium buffer: cai is a parameter
        comp.insert(mechanism)
    comp.set("Ca_HVA_gbar", 1e-2)  # S/cm²: calcium current large enough that eca matters
    comp.set("celsius", 34.0)
    comp.stimulate(dx.step_current(1.0, 10.0, 0.5, 0.025, 20.0))
    comp.record("v")
    ours = np.asarray(dx.integrate(comp, t_max=20.0, delta_t=0.025))
    ref = simulate(neuron_h, comp, 20.0, 0.025)
    assert np.ptp(ref) > 50.0  # it fires
    assert np.max(np.abs(ours - ref)) < 1e-8  # round-off (was 10.7 mV)
    # The same file loaded from NMODL declares the read (USEION ca READ cai).
    from pathlib import Path

    loaded = dx.nmodl.load(Path(__file__).with_name("mod") / "dx_SK_E2.mod")
    assert loaded.reads == ("cai",) and SK_E2.reads == ("cai",)


def test_a_pool_driven_below_zero_takes_neurons_nernst_convention(neuron_h):
    """A compartment held near +190 mV by a leak: Ca_HVA's outward calcium current drains
    CaDynamics_E2's pool below zero (cai -2.5e-5 mM at step 9). NEURON's nernst then gives
    eca = +1e6 mV and the run goes on (the pool refills); dendrax took the log of a negative
    number and every value was NaN from the next step (a review's finding)."""
    from dendrax.channels import Ca_HVA, CaDynamics_E2, Leak

    comp = dx.Compartment(length=20.0, radius=10.0)
    for mechanism in (Leak(), Ca_HVA(), CaDynamics_E2()):
        comp.insert(mechanism)
    comp.set("Leak_gLeak", 0.01)  # S/cm²
    comp.set("Leak_eLeak", 200.0)  # mV
    comp.set("Ca_HVA_gbar", 1e-3)  # S/cm²
    comp.set("CaDynamics_E2_gamma", 1.0)  # every ion stays in the shell
    comp.record("v")
    comp.record("CaDynamics_E2_cai")
    ours = np.asarray(dx.integrate(comp, t_max=20.0, delta_t=DT))
    ref = simulate(neuron_h, comp, 20.0, DT)
    assert ref[1].min() < 0.0  # NEURON's pool does go below zero
    assert not np.isnan(ours).any()
    # Round-off, scaled up by the driving force of 1e6 mV in the steps where cai < 0:
    # measured 3.6e-6 mV and 1.3e-10 mM.
    assert np.max(np.abs(ours[0] - ref[0])) < 1e-4
    assert np.max(np.abs(ours[1] - ref[1])) < 1e-8


def test_a_computed_reversal_potential_cannot_be_set_trained_or_passed():
    # Bug: set("eca"), make_trainable("eca") and params={"eca": ...} where a buffer writes
    # cai ran with the value ignored (gradient 0, no warning).
    from dendrax.channels import Ca_HVA, CaDynamics_E2, Leak

    comp = dx.Compartment(length=20.0, radius=10.0)
    for mechanism in (CaDynamics_E2(), Ca_HVA(), Leak()):
        comp.insert(mechanism)
    comp.record("v")
    with pytest.raises(ValueError, match="set\\('eca', ...\\): eca is computed from the concentrations .* CaDynamics_E2"):
        comp.set("eca", -100.0)
    with pytest.raises(ValueError, match="params\\['eca'\\]: eca is computed from the concentrations"):
        dx.integrate(comp, t_max=1.0, params={"eca": 0.0})
    # Refused at make_trainable (it was accepted, and refused only when the model was built,
    # with delete_trainables() as the remedy, which drops every trainable).
    with pytest.raises(ValueError, match="make_trainable\\('eca', ...\\): eca is computed .* CaDynamics_E2"):
        comp.make_trainable("eca", 100.0)
    assert comp.trainables == []
    # Made trainable before the buffer is inserted: refused when the model is compiled.
    early = dx.Compartment(length=20.0, radius=10.0)
    early.insert(Ca_HVA())
    early.make_trainable("eca", 100.0)
    early.insert(CaDynamics_E2())
    early.record("v")
    with pytest.raises(ValueError, match="make_trainable\\('eca'\\): eca is computed"):
        dx.integrate(early, t_max=1.0)
    # Set before the buffer is inserted: refused when the model is compiled.
    later = dx.Compartment(length=20.0, radius=10.0)
    later.insert(Ca_HVA())
    later.set("eca", 120.0)  # mV: used, as nothing uses the concentrations yet
    later.record("v")
    assert np.isfinite(np.asarray(dx.integrate(later, t_max=1.0))).all()
    later.insert(CaDynamics_E2())
    with pytest.raises(ValueError, match="eca was set to 120 mV in compartment 0, but there it is computed"):
        dx.integrate(later, t_max=1.0)
