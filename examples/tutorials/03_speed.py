"""Tutorial 3: speed.

Compile once and run many times (jit), batch over parameters and stimuli (vmap), float32
against float64, GPUs, and how to read the benchmark figures. Run it from the repository root:

    python examples/tutorials/03_speed.py

Figures go to examples/tutorials/out/ (or $DENDRAX_TUTORIAL_OUT); DENDRAX_QUICK=1 makes the
batches smaller and the simulations shorter. Timings depend on the machine and on what else
it is doing.
"""

# --8<-- [start:setup]
import json
import os
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH  # noqa: E402

QUICK = os.environ.get("DENDRAX_QUICK") == "1"
OUT = Path(os.environ.get("DENDRAX_TUTORIAL_OUT", Path(__file__).parent / "out"))
OUT.mkdir(parents=True, exist_ok=True)
DT = 0.025  # ms


def timed(f, *args, repeats=2 if QUICK else 5):
    """Seconds of the first call (compile + run) and the median of warm calls."""
    start = time.perf_counter()
    jax.block_until_ready(f(*args))  # JAX returns before the work is done: wait for it
    first = time.perf_counter() - start
    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(f(*args))
        warm.append(time.perf_counter() - start)
    return first, float(np.median(warm))


# --8<-- [end:setup]

# --8<-- [start:model]
# The benchmarks' "tree": a full binary tree of 31 branches, 8 compartments each (248).
depth = 4 if QUICK else 5
n_branches = 2**depth - 1
parents = [-1] + [(i - 1) // 2 for i in range(1, n_branches)]
cell = dx.Cell([dx.Branch(length=200.0, radius=1.0, ncomp=8)] * n_branches, parents=parents)
cell.insert(HH())
t_max = 25.0 if QUICK else 60.0  # ms
n_steps = int(round(t_max / DT))
cell.branch(0).loc(0.0).stimulate(
    dx.step_current(i_delay=1.0, i_dur=t_max - 5.0, i_amp=1.0, delta_t=DT, t_max=t_max)
)
cell.branch(0).loc(0.0).record("v")
cell.branch(n_branches - 1).loc(1.0).record("v")
print(f"model: {cell.n_comps} compartments, {n_steps} steps")
# --8<-- [end:model]

# --8<-- [start:jit]
# A simulator is compiled once for the structure, t_max and delta_t; parameters, stimuli and
# clamps are its inputs. The first call compiles (seconds); the next ones only run.
sim = dx.simulator(cell, t_max=t_max, delta_t=DT)
first, warm = timed(sim, {"HH_gNa": 0.12})
print(
    f"first call {first:.2f} s (compilation), warm call {warm * 1e3:.1f} ms = "
    f"{warm / (cell.n_comps * n_steps) * 1e9:.0f} ns per compartment per step"
)
# New values of the same shapes reuse the compiled code:
_, again = timed(sim, {"HH_gNa": 0.2})
print(f"new gNa: {again * 1e3:.1f} ms (no recompilation)")
# A new set of parameter names is a new input structure: it compiles once more.
first_gk, _ = timed(sim, {"HH_gNa": 0.12, "HH_gK": 0.04})
print(f"adding HH_gK to the inputs: first call {first_gk:.2f} s (compiles once more)")
# --8<-- [end:jit]

# --8<-- [start:vmap_params]
# vmap: many parameter sets in one call. Each value of gNa (S/cm²) is one simulation.
n_sets = 16 if QUICK else 200
g_na = jnp.linspace(0.04, 0.2, n_sets)
sweep = jax.jit(jax.vmap(lambda g: sim({"HH_gNa": g})))
first, warm = timed(sweep, g_na, repeats=3)
traces = np.asarray(sweep(g_na))  # (sets, recordings, time)
print(
    f"{n_sets} parameter sets: {warm * 1e3:.0f} ms warm ({warm / n_sets * 1e3:.1f} ms per set; one alone: "
    f"{again * 1e3:.1f} ms)"
)


def spike_count(v, threshold=0.0):
    """Upward crossings of ``threshold`` (mV) along the last axis."""
    return np.sum((v[..., 1:] >= threshold) & (v[..., :-1] < threshold), axis=-1)


# --8<-- [end:vmap_params]

# --8<-- [start:vmap_stimuli]
# vmap over stimuli: how long a spike takes to reach the far leaf, against the step's
# amplitude. Stimuli have shape (n_stimuli, n_time_points) per call. (This tree has no soma:
# its thin root fires once and then stays depolarised, so it makes no f-I curve.)
amplitudes = jnp.linspace(0.0, 2.0, 8 if QUICK else 41)  # nA
t = np.arange(n_steps + 1) * DT
window = jnp.asarray((t >= 1.0) & (t < t_max - 4.0))
stimuli = amplitudes[:, None, None] * window[None, None, :]  # (amplitudes, 1 stimulus, time)
by_stimulus = jax.jit(jax.vmap(lambda s: sim(None, stimuli=s)))
leaf = np.asarray(by_stimulus(stimuli))[:, 1]  # (amplitudes, time), mV
crossed = (leaf[:, 1:] >= 0.0) & (leaf[:, :-1] < 0.0)
latency = np.where(crossed.any(axis=1), t[1:][crossed.argmax(axis=1)] - 1.0, np.nan)  # ms after onset
# --8<-- [end:vmap_stimuli]

# --8<-- [start:batch_sizes]
# Throughput against batch size: per-step overheads are shared by the whole batch.
sizes = [1, 4, 16] if QUICK else [1, 10, 100]
per_sim = []
for size in sizes:
    values = jnp.linspace(0.1, 0.14, size)
    _, warm = timed(sweep, values, repeats=3)
    per_sim.append(warm / (size * cell.n_comps * n_steps) * 1e9)
    print(f"batch of {size:5d}: {warm * 1e3:8.1f} ms, {per_sim[-1]:6.1f} ns per compartment per step")
# --8<-- [end:batch_sizes]

# --8<-- [start:precision]
# float32: about 1.4x the throughput on a CPU (more on GPUs, which are fast at it). Precision is chosen when a
# model is compiled: compile a copy inside jax.enable_x64(False) (normally you would set
# jax_enable_x64 once, at the top of the script).
v64 = np.asarray(sim({"HH_gNa": 0.12}))
with jax.enable_x64(False):
    sim32 = dx.simulator(cell.copy(), t_max=t_max, delta_t=DT)
    _, warm32 = timed(sim32, {"HH_gNa": 0.12})
    v32 = np.asarray(sim32({"HH_gNa": 0.12}))
_, warm64 = timed(sim, {"HH_gNa": 0.12})
print(
    f"float64 {warm64 * 1e3:.1f} ms, float32 {warm32 * 1e3:.1f} ms; traces differ by at most "
    f"{np.abs(v64 - v32).max():.3f} mV (mean {np.abs(v64 - v32).mean():.4f} mV), "
    f"spikes {spike_count(v64).tolist()} vs {spike_count(v32).tolist()}"
)
# --8<-- [end:precision]

# --8<-- [start:gpu]
# The same code runs on a GPU when JAX has one ("jax[cuda12]" at your JAX version, see the
# install page): arrays and compiled simulations go to jax.devices()[0] by default.
print(f"JAX backend: {jax.default_backend()}, devices: {jax.devices()}")
# --8<-- [end:gpu]

# --8<-- [start:shard_map]
# Several devices: jax.shard_map gives each device its share of the parameter sets (here
# as many devices as JAX sees, one on this machine); inside, the same vmapped simulation.
mesh = jax.sharding.Mesh(np.array(jax.devices()), ("devices",))
share = jax.sharding.PartitionSpec("devices")
spread = jax.jit(
    jax.shard_map(jax.vmap(lambda g: sim({"HH_gNa": g})), mesh=mesh, in_specs=share, out_specs=share)
)
g_spread = jnp.linspace(0.04, 0.2, 4 * len(jax.devices()))  # S/cm²
print(
    f"shard_map over {len(jax.devices())} device(s): same traces as vmap to "
    f"{float(jnp.abs(spread(g_spread) - jax.vmap(lambda g: sim({'HH_gNa': g}))(g_spread)).max()):.1e} mV"
)
# --8<-- [end:shard_map]

# --8<-- [start:plot]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
ax = axes[0]
ax.plot(g_na, spike_count(traces[:, 0]), "o-", ms=3)
ax.set_xlabel("HH_gNa (S/cm²)")
ax.set_ylabel(f"spikes in {t_max:.0f} ms")
ax.set_title(f"vmap over {n_sets} parameter sets")
ax = axes[1]
ax.plot(amplitudes, latency, "o-", ms=3)
ax.set_xlabel("step amplitude (nA)")
ax.set_ylabel("first spike at the far leaf (ms after onset)")
ax.set_title("vmap over stimuli")
ax = axes[2]
ax.loglog(sizes, per_sim, "o-")
ax.set_xlabel("batch size")
ax.set_ylabel("ns per compartment per step")
ax.set_title(f"throughput, float64, {jax.default_backend()}")
fig.tight_layout()
fig.savefig(OUT / "03_speed.png", dpi=100)
plt.close(fig)
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(t, v64[1], label="float64", lw=2)
ax.plot(t, v32[1], label="float32", lw=1)
ax.set_xlabel("time (ms)")
ax.set_ylabel("v at a leaf (mV)")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "03_precision.png", dpi=100)
plt.close(fig)
# --8<-- [end:plot]

# --8<-- [start:benchmarks]
# benchmarks/run.py compares dendrax with NEURON and Jaxley on the same models and writes
# benchmarks/results/results.json (plus results.md and ratios.png). Put this run beside it.
results = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "results.json"
if results.exists():
    records = json.loads(results.read_text()).get("records", [])
    for r in records:
        if r.get("case") == "tree" and r.get("status") == "ok" and r.get("ns_per_comp_step"):
            print(f"benchmarks: tree, {r['dtype']}, {r['sim']}: {r['ns_per_comp_step']:.1f} ns/comp/step")
else:
    print(f"no benchmark results at {results}: run `python benchmarks/run.py --quick` to make them")
print(f"figures written to {OUT}")
# --8<-- [end:benchmarks]
