"""Tutorial 5: gradient descent.

Trainable parameters and how they are shared, transforms to valid ranges, optax,
checkpointing, and fitting a cell to recorded voltage traces. Run it from the repository root:

    python examples/tutorials/05_fitting.py

Figures go to examples/tutorials/out/ (or $DENDRAX_TUTORIAL_OUT); DENDRAX_QUICK=1 takes
fewer gradient steps.
"""

# --8<-- [start:setup]
import os
import time
from functools import partial
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH  # noqa: E402

QUICK = os.environ.get("DENDRAX_QUICK") == "1"
OUT = Path(os.environ.get("DENDRAX_TUTORIAL_OUT", Path(__file__).parent / "out"))
OUT.mkdir(parents=True, exist_ok=True)
DT = 0.025  # ms
T_MAX = 20.0  # ms
# --8<-- [end:setup]


# --8<-- [start:model]
def build():
    soma = dx.Branch(length=20.0, radius=8.0, ncomp=1)
    dendrite = dx.Branch(length=150.0, radius=0.8, ncomp=3)
    cell = dx.Cell([soma, dendrite, dendrite, dendrite], parents=[-1, 0, 1, 1])
    cell.insert(HH())
    cell.add_group("soma", cell.branch(0))
    cell.add_group("dendrites", cell.branch([1, 2, 3]))
    n_points = int(round(T_MAX / DT)) + 1
    cell.branch(0).loc(0.5).stimulate(np.zeros(n_points))  # a placeholder: stimuli are passed per call
    cell.branch(0).loc(0.5).record("v")  # soma
    cell.branch(2).loc(1.0).record("v")  # a dendritic tip
    return cell


cell = build()
# --8<-- [end:model]

# --8<-- [start:trainables]
# One make_trainable call = one entry of the parameter pytree. How values are shared follows
# the selection: a module or a group -> one value; .branch(...) -> one per branch;
# .comp(...) or .loc(...) -> one per compartment.
cell.group("soma").make_trainable("HH_gNa")  # 1 value
cell.group("dendrites").make_trainable("HH_gNa")  # 1 value, shared by 9 compartments
cell.make_trainable("HH_gK")  # 1 value for the whole cell
cell.branch([1, 2, 3]).make_trainable("HH_gLeak")  # 3 values, one per dendrite
params = cell.get_parameters()  # a plain pytree: [{name: array}, ...]
print("trainables:", cell.trainables)
print("parameters:", [{k: np.asarray(v).round(4).tolist() for k, v in p.items()} for p in params])
# --8<-- [end:trainables]

# --8<-- [start:recording]
# "Recorded" traces: here simulated with hidden values and noise, saved as an experiment would be.
sim = dx.simulator(cell, t_max=T_MAX, delta_t=DT)
t = sim.times  # ms
amplitudes = np.array([0.05, 0.2, 0.5])  # nA: one subthreshold and two spiking steps
stimuli = jnp.asarray(np.stack([np.where((t >= 2.0) & (t < 17.0), a, 0.0)[None] for a in amplitudes]))
run = jax.jit(jax.vmap(sim, in_axes=(None, 0)))  # the same parameters, each stimulus
hidden = [
    {"HH_gNa": jnp.array([0.15])},
    {"HH_gNa": jnp.array([0.07])},
    {"HH_gK": jnp.array([0.03])},
    {"HH_gLeak": jnp.array([2e-4, 4e-4, 3e-4])},
]
noise = 0.3 * np.random.default_rng(0).standard_normal((len(amplitudes), 2, len(t)))  # mV
np.savez(OUT / "05_recording.npz", t=t, amplitudes=amplitudes, v=np.asarray(run(hidden, stimuli)) + noise)

data = np.load(OUT / "05_recording.npz")  # what you would load from your experiment
target = jnp.asarray(data["v"])  # (stimuli, recordings, time), mV
# --8<-- [end:recording]

# --8<-- [start:transform]
# Optimise unconstrained numbers; map them to valid values. Sigmoid: between bounds (S/cm²);
# Exp: positive, on a log scale (for values spanning orders of magnitude).
transform = dx.fit.ParamTransform(
    {"HH_gNa": dx.fit.Sigmoid(0.0, 0.5), "HH_gK": dx.fit.Sigmoid(0.0, 0.2), "HH_gLeak": dx.fit.Exp()}
)


def loss(u, smooth=False):
    v = run(transform.forward(u), stimuli)
    if smooth:  # compare traces blurred by 1 ms: tolerant of misaligned spikes
        return dx.fit.smoothed_mse(v, target, sigma=1.0, delta_t=DT)
    return dx.fit.mse(v, target)  # mV²


u = transform.inverse(params)  # start from the description's values
print(f"initial loss {float(loss(u)):.1f} mV²")
# --8<-- [end:transform]

# --8<-- [start:optax]
n_iterations = 150 if QUICK else 400  # both converge; 60 did not (the loss rose)
schedule = optax.exponential_decay(0.05, transition_steps=n_iterations, decay_rate=0.05)  # 0.05 -> 0.0025
optimizer = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(learning_rate=schedule))
opt_state = optimizer.init(u)


@partial(jax.jit, static_argnums=2)  # one compilation per value of `smooth`
def update(u, opt_state, smooth):
    value, grads = jax.value_and_grad(loss)(u, smooth)
    updates, opt_state = optimizer.update(grads, opt_state, u)
    return optax.apply_updates(u, updates), opt_state, value


history = []
start = time.perf_counter()
for i in range(n_iterations):
    u, opt_state, value = update(u, opt_state, i < n_iterations // 2)  # smoothed, then raw traces
    history.append(float(value))
    if i % 20 == 0:
        print(f"step {i:4d}: loss {history[-1]:8.3f} mV²")
fitted = transform.forward(u)
print(
    f"{n_iterations} steps in {time.perf_counter() - start:.1f} s (the first one compiles); "
    f"final loss {float(loss(u)):.3f} mV² (noise alone: {0.3**2:.2f})"
)
for f, h in zip(fitted, hidden):
    for name in f:
        print(
            f"  {name}: fitted {np.asarray(f[name]).round(5).tolist()}, hidden {np.asarray(h[name]).tolist()}"
        )
# --8<-- [end:optax]

# --8<-- [start:checkpoint]
# Memory of reverse-mode gradients: without checkpointing, every step's intermediate values
# are kept (memory ~ n_steps); dx.Checkpoint() (the default) keeps segment boundaries and
# recomputes inside each segment (~ sqrt(n_steps)). Ask XLA what each compiled gradient needs:
n_steps = int(round(T_MAX / DT))


def gradient_memory(checkpoint):
    """Bytes of temporaries that XLA plans for the compiled gradient."""
    sim_c = dx.simulator(cell, t_max=T_MAX, delta_t=DT, checkpoint=checkpoint)
    grad_c = jax.jit(jax.grad(lambda p: jnp.mean(sim_c(p, stimuli=stimuli[2]) ** 2)))
    return grad_c.lower(params).compile().memory_analysis().temp_size_in_bytes


for checkpoint in (dx.Checkpoint(every=n_steps), dx.Checkpoint()):
    memory = gradient_memory(checkpoint)
    print(
        f"{checkpoint}: segments of {checkpoint.segment_length(n_steps)} steps, "
        f"{memory / 2**20:.2f} MiB of temporaries"
    )
# --8<-- [end:checkpoint]

# --8<-- [start:plot]
start_traces = np.asarray(run(params, stimuli))
fit_traces = np.asarray(run(fitted, stimuli))
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
for k, ax in zip((1, 2), axes[:2]):
    ax.plot(t, data["v"][k, 0], color="0.6", lw=2, label="recording (soma)")
    ax.plot(t, start_traces[k, 0], "--", color="tab:blue", lw=1, label="start")
    ax.plot(t, fit_traces[k, 0], color="tab:red", lw=1, label="fitted")
    ax.set_title(f"{amplitudes[k]} nA")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
axes[0].legend(fontsize=8)
half = n_iterations // 2
axes[2].semilogy(np.arange(half), history[:half], label="smoothed traces (1 ms)")
axes[2].semilogy(np.arange(half, len(history)), history[half:], label="raw traces")
axes[2].legend(fontsize=8)  # the two losses differ in scale: the jump is the switch, not a setback
axes[2].set_xlabel("gradient step")
axes[2].set_ylabel("loss (mV²)")
axes[2].set_title("Adam on transformed parameters")
fig.tight_layout()
fig.savefig(OUT / "05_fit.png", dpi=100)
plt.close(fig)
print(f"figures written to {OUT}")
# --8<-- [end:plot]
