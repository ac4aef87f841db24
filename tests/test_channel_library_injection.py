"""Every channel of the library against NEURON under current injection, in float64.

One compartment (L = diam = 20 µm) with the channel and a leak (and, for the calcium
channels, the calcium buffer CaDynamics_E2, so that eca follows the Nernst equation), driven
by a depolarising then a hyperpolarising current step: voltage, states and the channel's
current density are compared with NEURON running tests/mod/dx_<Channel>.mod (see
tests/test_channel_library_neuron.py for the voltage-clamp comparisons).
"""

from __future__ import annotations

import numpy as np
import pytest

from .channel_cases import (
    CURRENT_REL,
    DT,
    INJECTION_V_MV,
    STATES,
    Case,
    channel_current_error,
    currents,
    run_dendrax,
    run_neuron,
)
from .neuron_mechanisms import nrn_library  # noqa: F401 (a session fixture)

pytestmark = pytest.mark.usefixtures("nrn_library")

LEAK = {"Leak": {"gLeak": 3e-4, "eLeak": -70.0}}
INJECTION_T_MAX = 30.0
INJECTION = {
    # Pospischil et al.: the paper's temperature, ek of the published model files.
    "Na": Case({"Na": {}, **LEAK}, celsius=36.0),
    "K": Case({"K": {}, **LEAK}, celsius=36.0, ions={"ek": -100.0}),
    "Km": Case({"Km": {"gbar": 1e-3, "taumax": 200.0}, **LEAK}, celsius=36.0, ions={"ek": -100.0}),
    "CaL": Case({"CaL": {"gbar": 1e-3}, **LEAK}, celsius=36.0, ions={"eca": 120.0}),
    "CaT": Case({"CaT": {"vx": 0.0}, **LEAK}, celsius=36.0),  # eca: NEURON's default
    # Hay et al.: the model's 34 °C.
    "NaTa_t": Case({"NaTa_t": {"gbar": 0.05}, **LEAK}, celsius=34.0),
    "NaTs2_t": Case({"NaTs2_t": {"gbar": 0.05}, **LEAK}, celsius=34.0),
    "Nap_Et2": Case({"Nap_Et2": {"gbar": 1e-3}, **LEAK}, celsius=34.0),
    "K_Pst": Case({"K_Pst": {"gbar": 1e-2}, **LEAK}, celsius=34.0, ions={"ek": -85.0}),
    "K_Tst": Case({"K_Tst": {"gbar": 0.3}, **LEAK}, celsius=34.0, ions={"ek": -85.0}),
    "SKv3_1": Case({"SKv3_1": {"gbar": 1e-2}, **LEAK}, celsius=34.0, ions={"ek": -85.0}),
    "Im": Case({"Im": {"gbar": 1e-3}, **LEAK}, celsius=34.0, ions={"ek": -85.0}),
    "Ih": Case({"Ih": {"gbar": 1e-3}, **LEAK}, celsius=34.0),
    "Ca_HVA": Case({"CaDynamics_E2": {}, "Ca_HVA": {"gbar": 1e-3}, **LEAK}, celsius=34.0),
    "Ca_LVAst": Case({"CaDynamics_E2": {}, "Ca_LVAst": {"gbar": 1e-3}, **LEAK}, celsius=34.0),
    "SK_E2": Case(
        {"CaDynamics_E2": {"decay": 40.0}, "Ca_HVA": {"gbar": 1e-3}, "SK_E2": {"gbar": 1e-3}, **LEAK},
        celsius=34.0,
        ions={"ek": -85.0},
    ),
}


def injected_current():
    t = np.arange(int(round(INJECTION_T_MAX / DT)) + 1) * DT
    return np.where((t >= 2.0) & (t < 12.0), 0.15, np.where((t >= 12.0) & (t < 22.0), -0.1, 0.0))  # nA


@pytest.mark.parametrize("name", list(INJECTION))
def test_current_injection_matches_neuron(name, neuron_h):
    case = INJECTION[name]
    stim = injected_current()
    ours = run_dendrax(case, INJECTION_T_MAX, stimulus=stim)
    ref = run_neuron(neuron_h, case, INJECTION_T_MAX, stimulus=stim)
    assert np.ptp(ref["v"]) > 40.0  # the stimulus moves the membrane through the channel's range
    err = np.max(np.abs(ours["v"] - ref["v"]))
    assert err < INJECTION_V_MV, f"v: max |diff| {err:.3g} mV"
    for key in case.state_names():
        err = np.max(np.abs(ours[key] - ref[key]))
        assert err < STATES, f"{key}: max |diff| {err:.3g}"
    for channel in currents(case, ours):
        err = channel_current_error(case, channel, ours, ref)
        assert err < CURRENT_REL, f"{channel} current: relative error {err:.3g}"
    # The channel carries a current comparable to the leak's (it shapes the trace).
    leak = 3e-4 * np.max(np.abs(ref["v"] + 70.0))
    assert np.max(np.abs(ref[f"{name}_i"])) > 0.05 * leak
