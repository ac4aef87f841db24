"""One compartment with mechanisms loaded from .mod files, run in dendrax and in NEURON.

A `ModCase` names .mod files (tests/mod/dx_*.mod or tests/nmodl/nx_*.mod), parameter values
under the files' own names, ion variables, a temperature and an optional leak. The same
file is loaded into dendrax by `dendrax.nmodl.load` and into NEURON from the compiled
libraries (tests/neuron_mechanisms.py, tests/nmodl_library.py). Both record v, every
STATE and the ion currents (NEURON's ``ina`` at t_(n+1) is the current that drove step n;
dendrax's recorded currents follow the same rule).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import dendrax as dx
from dendrax.mechanisms.ions import ION_DEFAULTS
from dendrax.nmodl.parser import parse
from dendrax.nmodl.semantics import analyse

from .channel_cases import DIAM, DT, LENGTH, clamp_wave, drive_and_run

HERE = Path(__file__).parent
MOD_FILES = {
    p.stem: p for p in [*sorted((HERE / "mod").glob("*.mod")), *sorted((HERE / "nmodl").glob("*.mod"))]
}


@dataclasses.dataclass
class ModCase:
    """Mechanisms in insertion order: .mod file stem -> parameter values (the file's names)."""

    mechanisms: dict[str, dict[str, float]]
    celsius: float
    ions: dict[str, float] = dataclasses.field(default_factory=dict)
    leak: tuple[float, float] | None = (3e-4, -70.0)  # S/cm², mV
    v_init: float = -65.0
    currents: tuple[str, ...] = ()  # ion currents ("ina",) or values BREAKPOINT computes ("<mech>_<name>")

    def classes(self) -> dict[str, type]:
        return {name: dx.nmodl.load(MOD_FILES[name]) for name in self.mechanisms}

    def state_names(self) -> list[tuple[str, str]]:
        """(mechanism, state) of every STATE (not the values carried for NEURON's ASSIGNED)."""
        out = []
        for name, cls in self.classes().items():
            carried = set(analysed(name).carried.values())
            out += [(name, s) for s in cls.states if s not in carried]
        return out


def analysed(name: str):
    """The analysed .mod file ``name`` (its carried values, ions, ...)."""
    return analyse(parse(MOD_FILES[name].read_text(), str(MOD_FILES[name])))


def dendrax_compartment(case: ModCase, clamp=None, stimulus_points: int | None = None) -> dx.Compartment:
    comp = dx.Compartment(length=LENGTH, radius=DIAM / 2.0)
    for name, cls in case.classes().items():
        comp.insert(cls())
        for k, value in case.mechanisms[name].items():
            comp.set(f"{name}_{k}", value)
    if case.leak is not None:
        from dendrax.channels import Leak

        comp.insert(Leak())
        comp.set("Leak_gLeak", case.leak[0])
        comp.set("Leak_eLeak", case.leak[1])
    for var, value in case.ions.items():
        comp.set(var, value)
    comp.set("v", case.v_init)
    comp.set("celsius", case.celsius)
    comp.record("v")
    for mech, state in case.state_names():
        comp.record(f"{mech}_{state}")
    for current in case.currents:
        comp.record(current)
    if clamp is not None:
        comp.clamp("v", clamp)
    if stimulus_points is not None:
        comp.stimulate(np.zeros(stimulus_points))
    return comp


def run_dendrax(
    case: ModCase, t_max: float, clamp=None, stimulus=None, comp=None, solver=None
) -> dict[str, np.ndarray]:
    n = int(round(t_max / DT)) + 1
    if comp is None:
        comp = dendrax_compartment(
            case, None if clamp is None else clamp_wave(clamp, t_max), None if stimulus is None else n
        )
    kwargs = {} if solver is None else {"solver": solver}
    if clamp is not None:
        kwargs["clamps"] = clamp_wave(clamp, t_max)[None]
    if stimulus is not None:
        kwargs["stimuli"] = np.asarray(stimulus)[None]
    traces = np.asarray(dx.integrate(comp, t_max=t_max, delta_t=DT, **kwargs))
    names = ["v"] + [f"{m}_{s}" for m, s in case.state_names()] + list(case.currents)
    return dict(zip(names, traces))


def run_neuron(h, case: ModCase, t_max: float, clamp=None, stimulus=None, secondorder=0) -> dict[str, np.ndarray]:
    """``case`` in NEURON under an SEClamp (three (duration, mV) levels) or an IClamp playing
    ``stimulus`` (nA per time point); rate tables off; ``secondorder=2``: Crank–Nicolson
    (reset to 0 afterwards)."""
    h.load_file("stdrun.hoc")
    h.dt = DT
    h.steps_per_ms = 1.0 / DT
    h.celsius = case.celsius
    sec = h.Section(name="modcase")
    sec.L, sec.diam, sec.nseg, sec.cm = LENGTH, DIAM, 1, 1.0
    seg = sec(0.5)
    classes = case.classes()
    for name in case.mechanisms:
        sec.insert(name)
        if hasattr(h, f"usetable_{name}"):
            setattr(h, f"usetable_{name}", 0)
    for name, values in case.mechanisms.items():
        for k, value in values.items():
            setattr(seg, f"{k}_{name}", value)
    if case.leak is not None:
        sec.insert("pas")
        seg.g_pas, seg.e_pas = case.leak
    for var, value in case.ions.items():
        setattr(seg, var, value)
    recs = {"v": h.Vector().record(seg._ref_v)}
    for name, state in case.state_names():
        written = state in getattr(classes[name], "writes", ())
        ref = getattr(seg, f"_ref_{state}") if written else getattr(seg, f"_ref_{state}_{name}")
        recs[f"{name}_{state}"] = h.Vector().record(ref)
    for current in case.currents:  # a current ("ina"), or a value BREAKPOINT computes ("<mech>_<name>")
        owner = next((m for m in case.mechanisms if current.startswith(m + "_")), None)
        ref = f"_ref_{current}" if owner is None else f"_ref_{current[len(owner) + 1 :]}_{owner}"
        recs[current] = h.Vector().record(getattr(seg, ref))
    h.secondorder = secondorder
    try:
        return drive_and_run(h, sec, recs, case.v_init, t_max, clamp, stimulus)
    finally:
        h.secondorder = 0


def ion_defaults() -> dict[str, float]:
    return {var: x for ion in ION_DEFAULTS.values() for var, x in ion.items()}
