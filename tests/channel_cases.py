"""The channel library's test cases, run in dendrax and in NEURON (tests/mod/dx_*.mod).

A case is one single compartment (L = diam = 20 µm, cm = 1 µF/cm²) with some mechanisms
(dendrax class name -> parameter values), ion variables and a temperature. Both simulators
record the membrane potential and every state; each NEURON reference mechanism also records
its own current density ``i``.

NEURON records ``i`` at t_(n+1) as computed in step n from v_n and the states at t_n (its
BREAKPOINT runs before the solve); dendrax's channels give the same number from the recorded
v_n and states at t_n through their own `current`. `currents` returns them on dendrax's time
grid, one value per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np

import dendrax as dx
import dendrax.channels as channels
from dendrax.mechanisms.ions import ION_DEFAULTS, nernst

LENGTH = DIAM = 20.0  # µm
DT = 0.025  # ms

# Tolerances of the comparisons with NEURON (float64).
# Voltage clamp: SEClamp holds v at the command plus rs · i: rs = 1e-9 MΩ and i of order 10-100 nA give
# up to ~1e-7 mV, which moves the gates by ~1e-9 at most. dendrax's clamp is exact.
CLAMP_V_MV = 1e-7
# Current injection: round-off over 1200 steps is ~1e-11 mV; CaT's activation is instantaneous, s∞(v), and
# NEURON linearises its current with a finite difference (dv = 0.001 mV) where dendrax uses
# the exact slope: 5e-7 mV (a dendrax channel given NEURON's finite-difference slope agrees
# to 1e-12 mV; checked while writing this test).
INJECTION_V_MV = 1e-6
STATES = 1e-9
# Current densities, relative to the channel's largest |i| in the run (CaT: 3e-8).
CURRENT_REL = 1e-7


@dataclass
class Case:
    """Mechanisms in insertion order: dendrax class name -> parameter values to set."""

    mechanisms: dict[str, dict[str, float]]
    celsius: float
    ions: dict[str, float] = field(default_factory=dict)  # e.g. {"ek": -90.0}
    v_init: float = -65.0

    def instances(self):
        return {name: getattr(channels, name)() for name in self.mechanisms}

    def state_names(self) -> list[str]:
        return [f"{n}_{s}" for n, m in self.instances().items() for s in m.states]


def dendrax_compartment(case: Case) -> dx.Compartment:
    comp = dx.Compartment(length=LENGTH, radius=DIAM / 2.0)
    for name, mech in case.instances().items():
        comp.insert(mech)
        for k, value in case.mechanisms[name].items():
            comp.set(f"{name}_{k}", value)
    for var, value in case.ions.items():
        comp.set(var, value)
    comp.set("v", case.v_init)
    comp.set("celsius", case.celsius)
    comp.record("v")
    for s in case.state_names():
        comp.record(s)
    return comp


def neuron_compartment(h, case: Case):
    """The NEURON section of ``case``; returns (section, recorders: name -> Vector)."""
    sec = h.Section(name="case")
    sec.L, sec.diam, sec.nseg, sec.cm = LENGTH, DIAM, 1, 1.0
    seg = sec(0.5)
    mechs = case.instances()
    for name in mechs:
        sec.insert("pas" if name == "Leak" else f"dx_{name}")
    for name, values in case.mechanisms.items():
        full = {**mechs[name].params, **values}
        for k, value in full.items():
            if name == "Leak":
                setattr(seg, {"gLeak": "g_pas", "eLeak": "e_pas"}[k], value)
            else:
                setattr(seg, f"{k}_dx_{name}", value)
    for var, value in case.ions.items():
        setattr(seg, var, value)
    recs = {"v": h.Vector().record(seg._ref_v)}
    for name, mech in mechs.items():
        if name == "Leak":
            continue
        for s in mech.states:
            ref = getattr(seg, f"_ref_{s}") if s in mech.writes else getattr(seg, f"_ref_{s}_dx_{name}")
            recs[f"{name}_{s}"] = h.Vector().record(ref)
        if isinstance(mech, dx.Channel):
            recs[f"{name}_i"] = h.Vector().record(getattr(seg, f"_ref_i_dx_{name}"))
    if "ca" in {ion for m in mechs.values() for ion in m.ions}:
        recs["eca"] = h.Vector().record(seg._ref_eca)
        recs["cai"] = h.Vector().record(seg._ref_cai)
    return sec, recs


def run_neuron(h, case: Case, t_max: float, clamp=None, stimulus=None) -> dict[str, np.ndarray]:
    """Run ``case`` in NEURON under an SEClamp (``clamp``: three (duration, mV) levels) or an
    IClamp driven by ``stimulus`` (nA per time point); returns the recordings."""
    h.load_file("stdrun.hoc")
    h.dt = DT
    h.steps_per_ms = 1.0 / DT
    h.celsius = case.celsius
    sec, recs = neuron_compartment(h, case)
    return drive_and_run(h, sec, recs, case.v_init, t_max, clamp, stimulus)


def drive_and_run(h, sec, recs, v_init: float, t_max: float, clamp=None, stimulus=None) -> dict[str, np.ndarray]:
    """Clamp ``sec(0.5)`` (an SEClamp of three (duration, mV) levels) or drive it with an
    IClamp playing ``stimulus`` (nA per time point), run to ``t_max`` ms from ``v_init`` (the
    first clamp level when clamped), and return the recordings; the section is deleted."""
    keep = []
    if clamp is not None:
        se = h.SEClamp(sec(0.5))
        se.rs = 1e-9  # MΩ: the command is held to ~1e-9 mV, an ideal clamp for these tests
        (se.dur1, se.amp1), (se.dur2, se.amp2), (se.dur3, se.amp3) = clamp
        keep.append(se)
    if stimulus is not None:
        ic = h.IClamp(sec(0.5))
        ic.delay, ic.dur = 0.0, 1e9
        vec = h.Vector(stimulus)
        vec.play(ic._ref_amp, h.dt)
        keep += [ic, vec]
    h.finitialize(v_init if clamp is None else clamp[0][1])
    h.continuerun(t_max)
    out = {k: r.as_numpy().copy() for k, r in recs.items()}
    del keep
    h.delete_section(sec=sec)
    return out


def clamp_wave(clamp, t_max: float) -> np.ndarray:
    """dendrax's ideal-clamp waveform equivalent to SEClamp levels ``clamp``.

    SEClamp switches between the steps that straddle each boundary: the value at t_n is
    the level of the interval that contains t_n, a boundary belonging to the earlier level.
    """
    t = np.arange(int(round(t_max / DT)) + 1) * DT
    wave = np.full_like(t, clamp[-1][1])
    end = np.cumsum([d for d, _ in clamp])
    for k in reversed(range(len(clamp))):
        wave = np.where(t <= end[k] + 1e-9, clamp[k][1], wave)
    return wave


def run_dendrax(case: Case, t_max: float, clamp=None, stimulus=None, comp=None) -> dict[str, np.ndarray]:
    """Run ``case`` in dendrax; ``comp`` may be a compartment built by `dendrax_compartment` with
    the same kind of input (clamp values and stimuli are passed at call time)."""
    if comp is None:
        comp = dendrax_compartment(case)
        n = int(round(t_max / DT)) + 1
        if clamp is not None:
            comp.clamp("v", clamp_wave(clamp, t_max))
        if stimulus is not None:
            comp.stimulate(np.zeros(n))
    kwargs = {}
    if clamp is not None:
        kwargs["clamps"] = clamp_wave(clamp, t_max)[None]
    if stimulus is not None:
        kwargs["stimuli"] = np.asarray(stimulus)[None]
    traces = np.asarray(dx.integrate(comp, t_max=t_max, delta_t=DT, **kwargs))
    names = ["v"] + case.state_names()
    return dict(zip(names, traces))


def currents(case: Case, traces: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each channel's current density (mA/cm²) in step n, from v_n and the states at t_n."""
    mechs = case.instances()
    v = jnp.asarray(traces["v"][:-1])
    ions = {var: jnp.full_like(v, x) for ion in ("na", "k", "ca") for var, x in ION_DEFAULTS[ion].items()}
    ions.update({var: jnp.full_like(v, x) for var, x in case.ions.items()})
    if "CaDynamics_E2_cai" in traces:
        ions["cai"] = jnp.asarray(traces["CaDynamics_E2_cai"][:-1])
        ions["eca"] = nernst(ions["cai"], ions["cao"], 2, case.celsius)
    out = {}
    for name, mech in mechs.items():
        if not isinstance(mech, dx.Channel) or name == "Leak":
            continue
        p = {k: jnp.full_like(v, x) for k, x in {**mech.params, **case.mechanisms[name]}.items()}
        p.update(ions)
        p["celsius"] = jnp.full_like(v, case.celsius)
        s = {k: jnp.asarray(traces[f"{name}_{k}"][:-1]) for k in mech.states}
        parts = mech.current(s, v, p)
        parts = parts if isinstance(parts, dict) else {"nonspecific": parts}
        out[name] = np.asarray(sum(parts.values()))
    return out


def channel_current_error(case: Case, name: str, ours, ref) -> float:
    """Largest |dendrax - NEURON| of channel ``name``'s current, relative to its largest |i|."""
    mine = currents(case, ours)[name]
    theirs = ref[f"{name}_i"][1:]  # NEURON's i at t_(n+1) is the current of step n
    return float(np.max(np.abs(mine - theirs)) / np.max(np.abs(theirs)))


def channel_library_cell(make=None, prefix: str = "") -> dx.Cell:
    """A soma and two dendrites with Hay et al.'s channels (the buffer where calcium flows)
    and a Pospischil-type dendrite, stimulated at the soma for 30 ms, six recordings.

    ``make(name)`` builds each channel (default: the hand-written ``dendrax.channels``
    class); ``prefix`` is the start of its parameter names (``"dx_"`` for classes generated
    from tests/mod/dx_*.mod)."""

    def mech(name):
        return getattr(channels, name)() if make is None else make(name)

    branches = [
        dx.Branch(length=20.0, radius=10.0, ncomp=1),
        dx.Branch(length=200.0, radius=1.0, ncomp=5),
        dx.Branch(length=150.0, radius=0.8, ncomp=3),
    ]
    cell = dx.Cell(branches, parents=[-1, 0, 0])
    cell.insert(channels.Leak())
    cell.set("Leak_gLeak", 3e-5)
    cell.set("Leak_eLeak", -90.0)
    soma, apical, basal = cell.branch(0), cell.branch(1), cell.branch(2)
    for where in (soma, apical):
        for name in ("CaDynamics_E2", "Ca_HVA", "Ca_LVAst", "SK_E2", "Ih"):
            where.insert(mech(name))
    for name in ("NaTs2_t", "SKv3_1", "K_Pst", "K_Tst", "Nap_Et2"):
        soma.insert(mech(name))
    for name in ("NaTa_t", "Im"):
        apical.insert(mech(name))
    for name in ("Na", "K", "Km"):
        basal.insert(mech(name))
    for name, value in {
        "NaTs2_t_gbar": 0.98, "SKv3_1_gbar": 0.30, "SK_E2_gbar": 0.044, "Ca_HVA_gbar": 1e-3, "Ca_LVAst_gbar": 3e-3,
        "K_Pst_gbar": 0.01, "K_Tst_gbar": 0.05, "Nap_Et2_gbar": 1e-3, "Ih_gbar": 2e-4, "CaDynamics_E2_gamma": 6e-4,
        "CaDynamics_E2_decay": 238.0,
    }.items():  # fmt: skip
        soma.set(prefix + name, value)
    apical.set(prefix + "NaTa_t_gbar", 0.02)
    apical.set(prefix + "Im_gbar", 1e-4)
    apical.set(prefix + "CaDynamics_E2_gamma", 5e-3)
    basal.set(prefix + "Na_gbar", 0.02)
    cell.set("ek", -85.0)
    cell.set("celsius", 34.0)
    cell.set("v", -75.0)
    soma.loc(0.5).stimulate(dx.step_current(2.0, 20.0, 1.0, DT, 30.0))
    for where, x in ((soma, 0.5), (apical, 1.0), (basal, 0.9)):
        where.loc(x).record("v")
    soma.loc(0.5).record(prefix + "CaDynamics_E2_cai")
    soma.loc(0.5).record(prefix + "SK_E2_z")
    apical.loc(0.5).record(prefix + "NaTa_t_h")
    return cell
