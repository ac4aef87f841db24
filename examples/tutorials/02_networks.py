"""Tutorial 2: networks.

Cells in one `dx.Network`, synapses (event-driven, graded, gap junctions), the connectivity
helpers, spikes, and recording many cells. Run it from the repository root:

    python examples/tutorials/02_networks.py

Figures go to examples/tutorials/out/ (or $DENDRAX_TUTORIAL_OUT); DENDRAX_QUICK=1 makes the
network smaller and the simulation shorter.
"""

# --8<-- [start:setup]
import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH  # noqa: E402
from dendrax.point_neurons import LIF  # noqa: E402

QUICK = os.environ.get("DENDRAX_QUICK") == "1"
OUT = Path(os.environ.get("DENDRAX_TUTORIAL_OUT", Path(__file__).parent / "out"))
OUT.mkdir(parents=True, exist_ok=True)
DT = 0.025  # ms
# --8<-- [end:setup]

# --8<-- [start:cells]
# One cell, used many times: a soma and a dendrite, HH everywhere.
cell = dx.Cell(
    [dx.Branch(length=20.0, radius=8.0, ncomp=1), dx.Branch(length=200.0, radius=0.8, ncomp=4)],
    parents=[-1, 0],
)
cell.insert(HH())
n_exc, n_inh = (16, 4) if QUICK else (80, 20)
net = dx.Network([cell] * (n_exc + n_inh))  # each cell is copied with its mechanisms and values
exc, inh = net.cell(range(n_exc)), net.cell(range(n_exc, n_exc + n_inh))
print(f"network: {net.n_cells} cells, {net.n_branches} branches, {net.n_comps} compartments")
# --8<-- [end:cells]

# --8<-- [start:synapses]
# Selections made with net.cell(...) stand for their cells: a spike source at the middle of each
# cell's root branch, and a synapse there. Any other selection stands for its points.
# Branches are numbered across the network in cell order: cell i's dendrite is branch 2 i + 1.
exc_dendrites = net.branch([2 * i + 1 for i in range(n_exc)]).loc(0.5)  # one point per excitatory cell
ampa, gaba = dx.synapses.ExpSyn(), dx.synapses.Exp2Syn()
dx.sparse_connect(exc, exc_dendrites, ampa, p=0.1, seed=1, weight=0.002, delay=1.5)  # µS, ms
dx.sparse_connect(exc, inh, ampa, p=0.3, seed=2, weight=0.004, delay=1.0)
rng = np.random.default_rng(3)
weights = np.where(rng.random((n_inh, n_exc)) < 0.5, rng.uniform(0.002, 0.006, (n_inh, n_exc)), 0.0)
dx.connectivity_matrix_connect(inh, exc, gaba, weights, delay=1.0)  # nonzero entries: weights (µS)
net.synapses.ExpSyn.set("tau", 2.0)  # ms; one value or one per synapse
net.synapses.Exp2Syn.set("tau1", 0.5)
net.synapses.Exp2Syn.set("tau2", 8.0)
net.synapses.Exp2Syn.set("e", -80.0)  # mV: inhibitory
# Electrical coupling between two inhibitory cells: part of the implicit voltage solve.
dx.connect(
    net.cell(n_exc).branch(0).loc(0.5), net.cell(n_exc + 1).branch(0).loc(0.5), dx.synapses.GapJunction()
)
net.synapses.GapJunction.set("gGap", 0.01)  # µS
print(
    f"synapses: {net.synapses.ExpSyn.n} ExpSyn, {net.synapses.Exp2Syn.n} Exp2Syn, "
    f"{net.synapses.GapJunction.n} gap junction"
)
print(f"ExpSyn weights: {np.unique(net.synapses.ExpSyn.get('weight'))} µS")
# --8<-- [end:synapses]

# --8<-- [start:drive]
t_max = 60.0 if QUICK else 300.0
n_points = int(round(t_max / DT)) + 1
t = np.arange(n_points) * DT
# Each excitatory cell gets a noisy current of its own mean (nA), from 5 ms on.
means = np.linspace(0.0, 0.25, n_exc)
for i in range(n_exc):
    drive = np.where(t >= 5.0, means[i] + 0.05 * rng.standard_normal(n_points), 0.0)
    net.cell(i).branch(0).loc(0.5).stimulate(drive)
# --8<-- [end:drive]

# --8<-- [start:record]
net.record_spikes(threshold=-20.0)  # one row per cell: 1.0 at the time point after each spike
for i in (0, n_exc - 1, n_exc):  # and the voltage of a few cells
    net.cell(i).branch(0).loc(0.5).record("v")
out = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))
spikes, voltages = out[: net.n_cells], out[net.n_cells :]  # rows in recording order
counts = spikes.sum(axis=1)
print(
    f"{int(counts.sum())} spikes in {t_max} ms; rates of the excitatory cells from "
    f"{counts[0] / t_max * 1e3:.0f} to {counts[n_exc - 1] / t_max * 1e3:.0f} Hz"
)
# --8<-- [end:record]

# --8<-- [start:plot]
fig, (ax_r, ax_v) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
cells, steps = np.nonzero(spikes)
ax_r.scatter(t[steps], cells, s=4, c=np.where(cells < n_exc, "tab:red", "tab:blue"))
ax_r.set_ylabel("cell (red: excitatory, blue: inhibitory)")
ax_r.set_title(f"{net.n_cells} HH cells, {net.synapses.ExpSyn.n + net.synapses.Exp2Syn.n} chemical synapses")
dx.plot.traces(
    voltages,
    DT,
    ax=ax_v,
    labels=["exc 0 (no drive)", f"exc {n_exc - 1} (strongest drive)", f"inh {n_exc}"],
    lw=0.8,
)
fig.tight_layout()
fig.savefig(OUT / "02_network.png", dpi=100)
plt.close(fig)
# --8<-- [end:plot]

# --8<-- [start:stimuli_at_call]
# Stimuli are inputs of the simulation: a new set of drives needs no rebuilding (and, with the
# same shapes, no recompilation). Here: every excitatory cell gets the same 0.15 nA.
same = np.where(t >= 5.0, 0.15, 0.0)
out2 = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT, stimuli=np.tile(same, (n_exc, 1))))
print(f"with equal drive: {int(out2[: net.n_cells].sum())} spikes")
# --8<-- [end:stimuli_at_call]

# --8<-- [start:spike_trains]
# Spike trains (NEURON's VecStim and NetStim): given spike times that drive event-driven
# synapses. Here a Poisson train of 40 Hz onto each inhibitory cell, and one regular train
# (a spike every 20 ms from 10 ms on) onto every excitatory cell.
poisson = [dx.poisson_spikes(rate=40.0, t_max=t_max, seed=10 + i) for i in range(n_inh)]  # Hz, ms
inputs = net.add_spike_trains(poisson + [dx.regular_spikes(start=10.0, number=100, interval=20.0)])
dx.connect(inputs[:n_inh], inh, ampa, weight=0.01, delay=1.0)  # train i -> inhibitory cell i
dx.connect(inputs[n_inh], exc_dendrites, ampa, weight=0.005, delay=1.0)  # one train -> many
net.synapses.ExpSyn.set("tau", 2.0)  # the new synapses too (a new synapse has the default, 0.1 ms)
out3 = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))


def exc_inh(o):
    return f"{int(o[:n_exc].sum())} excitatory and {int(o[n_exc : net.n_cells].sum())} inhibitory spikes"


print(f"without input trains: {exc_inh(out)}; with {inputs.n} input trains: {exc_inh(out3)}")
# At call time, spike counts per time point replace the trains' times (a batch of input
# patterns runs under jax.vmap): here, the same trains without the regular one.
raster = dx.spike_raster(poisson + [[]], t_max, DT)  # (trains, time points)
out4 = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT, spike_trains=raster))
print(f"without the regular train: {exc_inh(out4)}")
# Fewer excitatory spikes than with no input at all: the Poisson trains drive the inhibitory
# cells, whose inhibition now meets no extra excitation.
# --8<-- [end:spike_trains]

# --8<-- [start:lif]
# Point neurons replace the membrane of a one-compartment cell: a population of leaky
# integrate-and-fire neurons, randomly connected.
n_lif = 50 if QUICK else 200
unit = dx.Compartment()
unit.insert(LIF())
lif_net = dx.Network([unit] * n_lif)
dx.sparse_connect(
    lif_net.cell("all"), lif_net.cell("all"), dx.synapses.ExpSyn(), p=0.1, seed=4, weight=0.0003, delay=2.0
)
lif_net.synapses.ExpSyn.set("tau", 5.0)
lif_net.synapses.ExpSyn.set("e", 0.0)
for i in range(n_lif):  # constant drives between 0.15 and 0.25 nA (threshold: 0.2 nA)
    lif_net.cell(i).stimulate(np.full(n_points, 0.15 + 0.1 * i / n_lif))
lif_net.record_spikes()  # point neurons report their own spikes
lif_spikes = np.asarray(dx.integrate(lif_net, t_max=t_max, delta_t=DT))
print(f"LIF network: {int(lif_spikes.sum())} spikes from {n_lif} neurons")
fig, ax = plt.subplots(figsize=(8, 3))
cells, steps = np.nonzero(lif_spikes)
ax.scatter(t[steps], cells, s=3, c="k")
ax.set_xlabel("time (ms)")
ax.set_ylabel("LIF neuron")
fig.tight_layout()
fig.savefig(OUT / "02_lif.png", dpi=100)
plt.close(fig)
print(f"figures written to {OUT}")
# --8<-- [end:lif]
