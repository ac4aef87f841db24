"""Tutorial 6: coming from NEURON.

The same model built in NEURON and in dendrax, side by side, run in one script: sections and
branches, nseg and ncomp, hh and HH, IClamp and stimulate, h.run and integrate; then an SWC
file read by both. Needs NEURON (`pip install neuron`, part of dendrax's test extra).
Run it from the repository root:

    python examples/tutorials/06_from_neuron.py

Figures go to examples/tutorials/out/ (or $DENDRAX_TUTORIAL_OUT); DENDRAX_QUICK=1 shortens
the simulations.
"""

# --8<-- [start:setup]
import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # NEURON computes in float64: so do we, to compare

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from neuron import h  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH, Leak  # noqa: E402

QUICK = os.environ.get("DENDRAX_QUICK") == "1"
OUT = Path(os.environ.get("DENDRAX_TUTORIAL_OUT", Path(__file__).parent / "out"))
OUT.mkdir(parents=True, exist_ok=True)
T_MAX = 20.0 if QUICK else 50.0  # ms
h.load_file("stdrun.hoc")
h.dt = 0.025  # ms: also dendrax's default
h.celsius = 6.3  # °C: also dendrax's default
h.usetable_hh = 0  # NEURON tabulates hh's rates by default; dendrax computes them exactly
# --8<-- [end:setup]

# --8<-- [start:neuron_model]
# NEURON: a soma and two dendrites.
soma = h.Section(name="soma")
soma.L, soma.diam = 20.0, 20.0  # µm
dend = h.Section(name="dend")
dend.L, dend.diam, dend.nseg = 300.0, 2.0, 9
dend.Ra = 100.0  # Ω·cm
tuft = h.Section(name="tuft")
tuft.L, tuft.diam, tuft.nseg = 150.0, 1.0, 5
tuft.Ra = 100.0
dend.connect(soma(1.0))
tuft.connect(dend(1.0))
soma.insert("hh")
for sec in (dend, tuft):
    sec.insert("pas")
    for seg in sec:
        seg.pas.g = 1e-4  # S/cm²
        seg.pas.e = -65.0  # mV
tuft.insert("hh")
for seg in tuft:
    seg.hh.gnabar = 0.05
clamp = h.IClamp(soma(0.5))
clamp.delay, clamp.dur, clamp.amp = 2.0, 10.0, 0.3  # ms, ms, nA
recorded = [h.Vector().record(soma(0.5)._ref_v), h.Vector().record(tuft(1.0)._ref_v)]
h.finitialize(-65.0)  # mV: v_init; gates at steady state
h.continuerun(T_MAX)
v_neuron = np.array([r.as_numpy() for r in recorded])
# --8<-- [end:neuron_model]

# --8<-- [start:dendrax_model]
# dendrax: the same model. Branches are sections, ncomp is nseg, radius = diam / 2.
cell = dx.Cell(
    [
        dx.Branch(length=20.0, radius=10.0, ncomp=1),  # soma
        dx.Branch(length=300.0, radius=1.0, ncomp=9),  # dend
        dx.Branch(length=150.0, radius=0.5, ncomp=5),  # tuft
    ],
    parents=[-1, 0, 1],  # dend.connect(soma(1)), tuft.connect(dend(1)): parent_locs default to 1.0
)
cell.branch([1, 2]).set("axial_resistivity", 100.0)  # Ra
cell.branch(0).insert(HH())  # hh
cell.branch([1, 2]).insert(Leak())  # pas
cell.branch([1, 2]).set("Leak_gLeak", 1e-4)  # g_pas
cell.branch([1, 2]).set("Leak_eLeak", -65.0)  # e_pas
cell.branch(2).insert(HH())
cell.branch(2).set("HH_gNa", 0.05)  # gnabar_hh
cell.branch(0).loc(0.5).stimulate(
    dx.step_current(i_delay=2.0, i_dur=10.0, i_amp=0.3, delta_t=0.025, t_max=T_MAX)
)
cell.branch(0).loc(0.5).record("v")  # soma(0.5)._ref_v
cell.branch(2).loc(1.0).record("v")  # tuft(1.0)._ref_v
v_dendrax = np.asarray(dx.integrate(cell, t_max=T_MAX, delta_t=0.025))  # h.finitialize + h.continuerun
difference = np.abs(v_dendrax - v_neuron).max()
print(f"{v_neuron.shape[1]} time points each; largest difference {difference:.1e} mV")
# --8<-- [end:dendrax_model]

# --8<-- [start:areas]
# Geometry: NEURON's seg.area() against dendrax's compartments (µm²).
areas_neuron = np.array([seg.area() for sec in (soma, dend, tuft) for seg in sec])
areas_dendrax = np.array([dx.total_area(cell.comp(i)) for i in range(cell.n_comps)])
print(f"areas: largest relative difference {np.max(np.abs(areas_dendrax / areas_neuron - 1)):.1e}")
# --8<-- [end:areas]

# --8<-- [start:plot]
t = np.arange(v_neuron.shape[1]) * h.dt
fig, (ax_v, ax_d) = plt.subplots(2, 1, figsize=(7, 5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
for k, (label, color) in enumerate((("soma", "tab:blue"), ("tuft(1)", "tab:red"))):
    ax_v.plot(t, v_neuron[k], color=color, lw=3, alpha=0.35, label=f"NEURON {label}")
    ax_v.plot(t, v_dendrax[k], color=color, lw=1, ls="--", label=f"dendrax {label}")
    ax_d.plot(t, v_dendrax[k] - v_neuron[k], color=color)
ax_v.set_ylabel("v (mV)")
ax_v.legend(fontsize=8)
ax_v.set_title("the same model in NEURON and dendrax (float64)")
ax_d.set_ylabel("dendrax - NEURON (mV)")
ax_d.set_xlabel("time (ms)")
fig.tight_layout()
fig.savefig(OUT / "06_side_by_side.png", dpi=100)
plt.close(fig)
# --8<-- [end:plot]

# --8<-- [start:swc]
# An SWC file with NeuroMorpho.org's three-point soma, read by NEURON's Import3d and by dendrax.
SWC = """\
1 1 0 0 0 7 -1
2 1 0 -7 0 7 1
3 1 0 7 0 7 1
4 3 7 0 0 1.2 1
5 3 90 -30 0 0.8 4
6 3 160 -80 0 0.5 5
7 3 130 40 0 0.5 5
8 4 0 7 0 2 1
9 4 10 200 0 1.4 8
10 4 -60 380 0 0.8 9
11 4 70 360 0 0.8 9
12 2 0 -7 0 0.8 1
13 2 0 -250 5 0.5 12
"""
swc_path = OUT / "06_neuron.swc"
swc_path.write_text(SWC)
for sec in list(h.allsec()):
    h.delete_section(sec=sec)
h.load_file("import3d.hoc")
reader = h.Import3d_SWC_read()
reader.input(str(swc_path))
h.Import3d_GUI(reader, False).instantiate(None)
sections = list(h.allsec())
for sec in sections:
    sec.nseg = 3
    sec.insert("hh")
swc_cell = dx.read_swc(swc_path, ncomp=3)  # the same sections; their NEURON names:
assert sorted(dx.neuron_section_names(swc_cell)) == sorted(s.name() for s in sections)
swc_cell.insert(HH())
print(
    f"SWC: NEURON made {len(sections)} sections ({', '.join(s.name() for s in sections)}), "
    f"dendrax {swc_cell.n_branches} branches"
)
area_n = sum(seg.area() for sec in sections for seg in sec)
print(f"total area: NEURON {area_n:.3f} µm², dendrax {dx.total_area(swc_cell):.3f} µm²")
n_soma = h.soma[0] if hasattr(h, "soma") else sections[0]
stim = h.IClamp(n_soma(0.5))
stim.delay, stim.dur, stim.amp = 1.0, 10.0, 0.5
rec = h.Vector().record(n_soma(0.5)._ref_v)
h.finitialize(-65.0)
h.continuerun(T_MAX)
swc_cell.soma.branch(0).loc(0.5).stimulate(dx.step_current(1.0, 10.0, 0.5, 0.025, T_MAX))
swc_cell.soma.branch(0).loc(0.5).record("v")
v_swc = np.asarray(dx.integrate(swc_cell, t_max=T_MAX))[0]
print(f"SWC cell, soma voltage: largest difference {np.abs(v_swc - rec.as_numpy()).max():.1e} mV")
print(f"figures written to {OUT}")
# --8<-- [end:swc]
