"""Tutorial 1: building and simulating cells.

Compartments, branches and cells; SWC morphologies; selections; stimuli; recordings; plots.
Run it from the repository root:

    python examples/tutorials/01_cells.py

Figures go to examples/tutorials/out/ (or $DENDRAX_TUTORIAL_OUT). DENDRAX_QUICK=1 shortens
the simulations (CI runs it so).
"""

# --8<-- [start:setup]
import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # float64, as NEURON; set it before anything else

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH, Leak  # noqa: E402

QUICK = os.environ.get("DENDRAX_QUICK") == "1"  # smaller and shorter runs (CI)
OUT = Path(os.environ.get("DENDRAX_TUTORIAL_OUT", Path(__file__).parent / "out"))
OUT.mkdir(parents=True, exist_ok=True)
DT = 0.025  # ms, NEURON's default time step
# --8<-- [end:setup]

# --8<-- [start:compartment]
comp = dx.Compartment(length=20.0, radius=10.0)  # a cylinder, µm
comp.insert(HH())  # Hodgkin-Huxley sodium, potassium and leak
t_max = 30.0  # ms
comp.stimulate(dx.step_current(i_delay=5.0, i_dur=20.0, i_amp=0.1, delta_t=DT, t_max=t_max))  # nA
comp.record("v")  # membrane potential, mV
comp.record("HH_m")  # a state: the sodium activation gate
v, m = dx.integrate(comp, t_max=t_max, delta_t=DT)  # one row per recording
t = np.arange(v.shape[0]) * DT  # time points 0, DT, ..., t_max
print(f"compartment: {comp}; v has shape {v.shape}, peak {float(v.max()):.1f} mV")

fig, (ax_v, ax_m) = plt.subplots(2, 1, sharex=True, figsize=(6, 4))
dx.plot.traces(v, DT, ax=ax_v)
dx.plot.traces(m, DT, ax=ax_m, ylabel="HH_m", color="tab:orange")
ax_v.set_title("one HH compartment, 0.1 nA from 5 to 25 ms")
fig.tight_layout()
fig.savefig(OUT / "01_compartment.png", dpi=100)
plt.close(fig)
# --8<-- [end:compartment]

# --8<-- [start:cell]
# A soma and a dendritic tree: a branch is NEURON's section, ncomp its nseg.
soma = dx.Branch(length=20.0, radius=10.0, ncomp=1)
dendrite = dx.Branch(length=200.0, radius=1.0, ncomp=8)
cell = dx.Cell(
    [soma, dendrite, dendrite, dendrite, dendrite],
    parents=[-1, 0, 0, 1, 1],  # branch 0 is the root; 1 and 2 hang on it, 3 and 4 on 1
    parent_locs=[1.0, 1.0, 0.0, 1.0, 1.0],  # branch 2 leaves the soma's 0 end
)
print(
    f"cell: {cell.n_branches} branches, {cell.n_comps} compartments, ncomp per branch {cell.ncomp.tolist()}"
)
# --8<-- [end:cell]

# --8<-- [start:selections]
cell.insert(Leak())  # everywhere (NEURON's pas): gLeak 0.001 S/cm², eLeak -70 mV
cell.set("Leak_gLeak", 1e-4)
cell.set("Leak_eLeak", -65.0)
cell.branch(0).insert(HH())  # active soma
cell.branch(0).set("Leak_gLeak", 0.0)  # HH has its own leak
cell.branch([3, 4]).insert(HH())  # active tips ...
cell.branch([3, 4]).set("HH_gNa", 0.05)  # ... with fewer sodium channels (S/cm²)
cell.branch(1).comp([0, 1]).set("radius", 1.5)  # the first two compartments are thicker (µm)
cell.set("axial_resistivity", 100.0)  # Ω·cm
cell.add_group("tips", cell.branch([3, 4]))  # name a selection
far = cell.select(dx.path_distance(cell, origin=cell.branch(0).loc(0.5)) > 300.0)  # any boolean mask
print(f"compartments farther than 300 µm from the soma: {far.comps.tolist()}")
print(
    f"HH_gNa in the tips: {cell.group('tips').get('HH_gNa')[:3]} ...; "
    f"Leak_gLeak on branch 1: {cell.branch(1).get('Leak_gLeak')[:2]} ..."
)
# --8<-- [end:selections]

# --8<-- [start:stimuli]
t_max = 40.0 if not QUICK else 20.0
cell.branch(0).loc(0.5).stimulate(
    dx.step_current(i_delay=2.0, i_dur=15.0, i_amp=0.3, delta_t=DT, t_max=t_max)
)
n_points = int(round(t_max / DT)) + 1
noise = 0.02 * np.random.default_rng(0).standard_normal(
    n_points
)  # any waveform: one value (nA) per time point
cell.branch(4).loc(0.5).stimulate(noise)
cell.branch(0).loc(0.5).record("v")  # soma
cell.branch(1).loc(1.0).record("v")  # the branch point
cell.branch(3).loc(1.0).record("v")  # a tip
cell.branch(3).loc(0.9).record("HH_h")  # a state, in the compartment containing x = 0.9
recordings = dx.integrate(cell, t_max=t_max, delta_t=DT)
print(f"recordings: shape {recordings.shape} (4 recordings x {n_points} time points)")
# The stimuli are inputs: replace them at call time, without rebuilding (same shape, in stimulate order).
quiet = dx.integrate(cell, t_max=t_max, delta_t=DT, stimuli=np.zeros((2, n_points)))
print(f"without stimuli the soma stays at {float(quiet[0, -1]):.2f} mV")
# --8<-- [end:stimuli]

# --8<-- [start:plot_cell]
fig = plt.figure(figsize=(10, 4))
ax_m = fig.add_subplot(1, 2, 1)
cell.delete_recordings()
cell.record("v")  # every compartment: one row each
everywhere = np.asarray(dx.integrate(cell, t_max=t_max, delta_t=DT))
dx.plot.morphology(cell, color=everywhere.max(axis=1), ax=ax_m, label="peak v (mV)", cmap="plasma")
ax_m.set_title("peak voltage\n(laid out as NEURON's define_shape)", fontsize=10)
ax_t = fig.add_subplot(1, 2, 2)
dx.plot.traces(recordings[:3], DT, ax=ax_t, labels=["soma", "branch point", "tip"])
fig.tight_layout()
fig.savefig(OUT / "01_cell.png", dpi=100)
plt.close(fig)
# --8<-- [end:plot_cell]

# --8<-- [start:swc]
# A small SWC file (id, type, x, y, z, radius, parent): a one-point soma (type 1), an axon (2),
# two basal dendrites (3) and an apical dendrite that forks (4). Coordinates and radii in µm.
SWC = """\
# a hand-made neuron
1 1 0 0 0 8 -1
2 2 0 -8 0 1 1
3 2 0 -300 0 0.5 2
4 3 8 0 0 1.5 1
5 3 80 -40 0 1 4
6 3 150 -60 0 0.6 5
7 3 -8 0 0 1.5 1
8 3 -90 -50 0 1 7
9 4 0 8 0 2.5 1
10 4 0 150 0 2 9
11 4 0 300 0 1.5 10
12 4 -60 420 0 1 11
13 4 -100 550 0 0.6 12
14 4 70 430 0 1 11
15 4 120 560 0 0.6 14
"""
swc_path = OUT / "01_neuron.swc"
swc_path.write_text(SWC)
neuron = dx.read_swc(swc_path, discretization=dx.DLambda(d_lambda=0.1))  # NEURON's d_lambda rule
print(f"SWC cell: {neuron.n_branches} branches, ncomp {neuron.ncomp.tolist()}, groups {neuron.groups}")
print(f"membrane area {dx.total_area(neuron):.0f} µm² (soma {dx.total_area(neuron.soma):.0f} µm²)")
# --8<-- [end:swc]

# --8<-- [start:swc_sim]
neuron.insert(HH())
neuron.apical.set("HH_gNa", 0.06)  # groups come from the SWC types: soma, axon, basal, apical
neuron.basal.set("HH_gNa", 0.03)
distance = dx.path_distance(neuron)  # µm from the soma's centre, one value per compartment
neuron.select(distance > 400.0).set("HH_gK", 0.02)  # a mask over compartments
t_max = 30.0 if not QUICK else 15.0
neuron.soma.branch(0).loc(0.5).stimulate(dx.step_current(1.0, 20.0, 1.0, DT, t_max))
neuron.soma.branch(0).loc(0.5).record("v")
tip = int(np.argmax(distance))  # the compartment farthest from the soma
neuron.comp(tip).record("v")
v_soma, v_tip = dx.integrate(neuron, t_max=t_max, delta_t=DT)

fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(10, 4.5))
dx.plot.morphology(neuron, color=distance, ax=ax_a, label="path distance (µm)")
ax_a.set_title(f"{swc_path.name}: {neuron.n_comps} compartments (d_lambda 0.1)")
dx.plot.traces(
    np.stack([v_soma, v_tip]), DT, ax=ax_b, labels=["soma", f"apical tip ({distance[tip]:.0f} µm)"]
)
fig.tight_layout()
fig.savefig(OUT / "01_swc.png", dpi=100)
plt.close(fig)
# --8<-- [end:swc_sim]

# --8<-- [start:bundled]
# The repository's companion data (not installed with dendrax): real reconstructions.
bundled = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "morphologies"
if (bundled / "ca1_n120.swc").exists():
    ca1 = dx.read_swc(
        bundled / "ca1_n120.swc",
        discretization=dx.PerBranch(dx.DLambda(0.1), {"soma": dx.FixedNcomp(1)}),
    )
    print(f"CA1 cell: {ca1.n_branches} branches, {ca1.n_comps} compartments, {dx.total_area(ca1):.0f} µm²")
    fig, ax = plt.subplots(figsize=(5, 6))
    dx.plot.morphology(ca1, color=dx.branch_order(ca1), ax=ax, label="branch order", cmap="viridis")
    ax.set_title("ca1_n120.swc")
    fig.tight_layout()
    fig.savefig(OUT / "01_ca1.png", dpi=100)
    plt.close(fig)
else:
    print(
        f"skipping the bundled morphologies: {bundled} does not exist (they come with the repository's data)"
    )
print(f"figures written to {OUT}")
# --8<-- [end:bundled]
