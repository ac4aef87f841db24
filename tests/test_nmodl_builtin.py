"""Every built-in channel's .mod file, loaded by dendrax.nmodl, against NEURON and against the
hand-written channel, in float64.

tests/mod/dx_<Name>.mod are the reference files of the channel library (Pospischil et al.
2008; Hay et al. 2011, the L5PC set). NEURON runs them as compiled by nrnivmodl (cached,
tests/neuron_mechanisms.py); dendrax runs the class `dx.nmodl.load` generates from the same
file. The hand-written `dendrax.channels.<Name>` runs beside it in the same dendrax model (a
second compartment of one Network), so each comparison costs one compilation:

(a) voltage-clamp steps per family (every state and every channel's current density);
(b) current injection into each channel with a leak (voltage, states, current density).

Tolerances are those of the hand-written channels against NEURON (tests/channel_cases.py,
where each is justified); generated and hand-written channels compute the same expressions
in a different order, so they agree to round-off (1e-12 mV here, 1e-6 mV required).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import dendrax as dx
import dendrax.channels as ch

from .channel_cases import (
    CLAMP_V_MV,
    CURRENT_REL,
    DIAM,
    DT,
    INJECTION_V_MV,
    LENGTH,
    STATES,
    Case,
    channel_library_cell,
    clamp_wave,
    run_neuron,
)
from .neuron_mechanisms import MOD_DIR, nrn_library  # noqa: F401 (a session fixture)
from .test_channel_library_injection import INJECTION, INJECTION_T_MAX, injected_current
from .test_channel_library_neuron import CLAMP_T_MAX, FAMILIES, STEPS, protocol

pytestmark = pytest.mark.usefixtures("nrn_library")

# Generated against hand-written: the same numbers up to the order of operations.
HAND_WRITTEN_V_MV = 1e-6
HAND_WRITTEN_STATES = 1e-10


@functools.cache
def generated(name: str):
    """The class dx.nmodl makes of tests/mod/dx_<name>.mod."""
    return dx.nmodl.load(MOD_DIR / f"dx_{name}.mod")


def compartment(case: Case, prefix: str) -> dx.Compartment:
    """``case`` with hand-written channels (``prefix=""``) or generated ones (``"dx_"``)."""
    comp = dx.Compartment(length=LENGTH, radius=DIAM / 2.0)
    for name, values in case.mechanisms.items():
        mech = getattr(ch, name)() if not prefix or name == "Leak" else generated(name)()
        comp.insert(mech)
        for k, value in values.items():
            comp.set(f"{mech.name}_{k}", value)
    for var, value in case.ions.items():
        comp.set(var, value)
    comp.set("v", case.v_init)
    comp.set("celsius", case.celsius)
    return comp


def record(net: dx.Network, cell: int, case: Case, prefix: str) -> list[str]:
    """Record v, the states and the currents of ``case``'s channels in ``cell``; their keys."""
    site = net.cell(cell).branch(0).loc(0.5)
    keys = ["v"]
    site.record("v")
    for name in case.mechanisms:
        if name == "Leak":
            continue
        mech = getattr(ch, name)
        for s in mech.states:
            site.record(f"{prefix}{name}_{s}")
            keys.append(f"{name}_{s}")
        if isinstance(mech(), dx.Channel):
            site.record(f"i_{prefix}{name}")
            keys.append(f"{name}_i")
    return keys


def paired_network(cases: list[Case]) -> tuple[dx.Network, list[tuple[list[str], list[str]]]]:
    """A Network with, for each case, the hand-written cell then the generated one."""
    cells = [compartment(case, prefix) for case in cases for prefix in ("", "dx_")]
    net = dx.Network(cells)
    keys = [
        (record(net, 2 * k, case, ""), record(net, 2 * k + 1, case, "dx_")) for k, case in enumerate(cases)
    ]
    return net, keys


def split(rows: np.ndarray, keys) -> list[tuple[dict, dict]]:
    out, k = [], 0
    for hand, gen in keys:
        a = dict(zip(hand, rows[k : k + len(hand)]))
        k += len(hand)
        b = dict(zip(gen, rows[k : k + len(gen)]))
        k += len(gen)
        out.append((a, b))
    return out


def test_every_channel_file_loads_and_the_graded_synapse_is_refused():
    names = sorted(p.stem[3:] for p in MOD_DIR.glob("dx_*.mod"))
    for name in names:
        if name == "GradedSyn":
            with pytest.raises(dx.nmodl.NmodlError, match=r"dx_GradedSyn.mod:12: POINTER") as err:
                generated(name)
            assert err.value.line == 12 and err.value.construct == "POINTER"
            continue
        cls = generated(name)
        hand = getattr(ch, name)
        assert issubclass(cls, dx.Channel if issubclass(hand, dx.Channel) else dx.Mechanism)
        assert dict(cls.params) == dict(hand.params)
        assert set(cls.states) == set(hand.states) and cls.ions == hand.ions and cls.writes == hand.writes


# ------------------------------------------------------------------ (a) voltage clamp
@functools.cache
def clamp_runs(family: str):
    """[(hand-written, generated, NEURON) traces] for each step level, one compilation."""
    from neuron import h

    case = FAMILIES[family]
    net, keys = paired_network([case])
    waves = [clamp_wave(protocol(level), CLAMP_T_MAX) for level in STEPS]
    for cell in (0, 1):
        net.cell(cell).branch(0).loc(0.5).clamp("v", waves[0])
    runs = []
    for level, wave in zip(STEPS, waves):
        rows = np.asarray(dx.integrate(net, t_max=CLAMP_T_MAX, delta_t=DT, clamps=np.stack([wave, wave])))
        ((hand, gen),) = split(rows, keys)
        runs.append((hand, gen, run_neuron(h, case, CLAMP_T_MAX, clamp=protocol(level))))
    return runs


@pytest.mark.parametrize("family", list(FAMILIES))
def test_voltage_clamp_matches_neuron_and_the_hand_written_channels(family, neuron_h):
    case = FAMILIES[family]
    for level, (hand, gen, ref) in zip(STEPS, clamp_runs(family)):
        assert np.max(np.abs(gen["v"] - ref["v"])) < CLAMP_V_MV
        for name, mech in case.instances().items():
            for state in mech.states:
                key = f"{name}_{state}"
                assert np.ptp(ref[key]) > 0.0, f"{key} never moves: the test would be vacuous"
                err = np.max(np.abs(gen[key] - ref[key]))
                assert err < STATES, f"{key} at {level} mV: |generated - NEURON| {err:.3g}"
                err = np.max(np.abs(gen[key] - hand[key]))
                assert err < HAND_WRITTEN_STATES, f"{key} at {level} mV: |generated - hand-written| {err:.3g}"
            if f"{name}_i" in gen:
                scale = np.max(np.abs(ref[f"{name}_i"]))
                err = np.max(np.abs(gen[f"{name}_i"] - ref[f"{name}_i"])) / scale
                assert err < CURRENT_REL, f"{name} current at {level} mV: relative error {err:.3g}"
                err = np.max(np.abs(gen[f"{name}_i"] - hand[f"{name}_i"])) / scale
                assert err < 1e-10, f"{name} current at {level} mV: generated vs hand-written {err:.3g}"


# ------------------------------------------------------------------ (b) current injection
@functools.cache
def injection_runs(celsius: float):
    """{channel: (hand-written, generated)} for the injection cases at ``celsius``, one compilation."""
    names = [n for n, case in INJECTION.items() if case.celsius == celsius]
    cases = [INJECTION[n] for n in names]
    net, keys = paired_network(cases)
    stim = injected_current()
    for cell in range(2 * len(cases)):
        net.cell(cell).branch(0).loc(0.5).stimulate(stim)
    rows = np.asarray(dx.integrate(net, t_max=INJECTION_T_MAX, delta_t=DT))
    return dict(zip(names, split(rows, keys)))


@pytest.mark.parametrize("name", list(INJECTION))
def test_current_injection_matches_neuron_and_the_hand_written_channel(name, neuron_h):
    case = INJECTION[name]
    hand, gen = injection_runs(case.celsius)[name]
    ref = run_neuron(neuron_h, case, INJECTION_T_MAX, stimulus=injected_current())
    assert np.ptp(ref["v"]) > 40.0
    err = np.max(np.abs(gen["v"] - ref["v"]))
    assert err < INJECTION_V_MV, f"v: |generated - NEURON| {err:.3g} mV"
    err = np.max(np.abs(gen["v"] - hand["v"]))
    assert err < HAND_WRITTEN_V_MV, f"v: |generated - hand-written| {err:.3g} mV"
    for key in case.state_names():
        assert np.max(np.abs(gen[key] - ref[key])) < STATES, key
        assert np.max(np.abs(gen[key] - hand[key])) < HAND_WRITTEN_STATES, key
    key = f"{name}_i"
    err = np.max(np.abs(gen[key] - ref[key])) / np.max(np.abs(ref[key]))
    assert err < CURRENT_REL, f"{name} current: relative error {err:.3g}"


# ------------------------------------------------------------------ (c) a small cell
def library_cell(prefix: str) -> dx.Cell:
    """The cell of tests/test_channel_library_neuron.py, with hand-written channels
    (``prefix=""``) or the classes generated from their .mod files (``"dx_"``)."""
    if not prefix:
        return channel_library_cell()
    return channel_library_cell(lambda name: generated(name)(), prefix)


def test_a_cell_of_generated_channels_matches_neuron_and_the_hand_written_cell(neuron_h, monkeypatch):
    from . import neuron_reference

    # Teach the NEURON builder the generated classes' names (the same mod files).
    for path in MOD_DIR.glob("dx_*.mod"):
        name = path.stem[3:]
        hand = getattr(ch, name, None)
        if hand is None:
            continue
        monkeypatch.setitem(
            neuron_reference.MECHANISMS, path.stem, (path.stem, {k: f"{k}_{path.stem}" for k in hand.params})
        )
        for s in hand.states:
            monkeypatch.setitem(
                neuron_reference.STATES, f"{path.stem}_{s}", s if s in hand.writes else f"{s}_{path.stem}"
            )
    gen, hand = library_cell("dx_"), library_cell("")
    ref = neuron_reference.simulate(neuron_h, gen, 30.0, DT, v_init=-75.0)
    ours = np.asarray(dx.integrate(gen, t_max=30.0, delta_t=DT))
    theirs = np.asarray(dx.integrate(hand, t_max=30.0, delta_t=DT))
    assert ref[0].max() > 0.0  # the soma spikes
    np.testing.assert_allclose(ours[:3], ref[:3], rtol=0, atol=INJECTION_V_MV)
    np.testing.assert_allclose(ours[3:], ref[3:], rtol=0, atol=STATES)
    np.testing.assert_allclose(ours[:3], theirs[:3], rtol=0, atol=HAND_WRITTEN_V_MV)
    np.testing.assert_allclose(ours[3:], theirs[3:], rtol=0, atol=HAND_WRITTEN_STATES)
