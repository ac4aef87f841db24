"""The demo: simulate a bundled neuron, then fit 12 of its conductances by gradient descent.

The bundled neuron is a soma with a basal dendrite and an apical trunk that splits into
two tuft branches, with Hodgkin-Huxley channels whose densities differ by region. A
"recording" is made with hidden conductances; the fit starts from values perturbed by up
to ±50 % and fits them to the voltage at the soma and in the tuft under three current
steps (the median error falls from about 25 % to about 5 %; conductances that these
recordings barely constrain stay further off), with Adam (optax) on log-transformed conductances: first on traces
smoothed in time (tolerant of misaligned spikes), then on the raw traces.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

__all__ = ["build_neuron", "run_demo"]

T_MAX, DELTA_T = 25.0, 0.025
AMPLITUDES = (0.05, 0.2, 0.6)  # nA: one subthreshold, two spiking steps
REGIONS = ("soma", "basal", "trunk", "tuft")
CONDUCTANCES = ("HH_gNa", "HH_gK", "HH_gLeak")


def build_neuron():
    """The bundled neuron, with its 12 region conductances trainable."""
    import dendrax as dx
    from dendrax.channels import HH

    soma = dx.Branch(length=20.0, radius=8.0, ncomp=1)
    dendrite = dx.Branch(length=150.0, radius=0.8, ncomp=3)
    cell = dx.Cell([soma, dendrite, dendrite, dendrite, dendrite], parents=[-1, 0, 0, 1, 1])
    cell.insert(HH())
    for name, view in zip(REGIONS, (cell.branch(0), cell.branch(2), cell.branch(1), cell.branch([3, 4]))):
        cell.add_group(name, view)
    cell.group("tuft").set("HH_gNa", 0.06)
    cell.group("basal").set("HH_gK", 0.02)
    cell.branch(0).loc(0.5).stimulate(np.zeros(int(round(T_MAX / DELTA_T)) + 1))
    cell.branch(0).loc(0.5).record("v")
    cell.branch(3).loc(1.0).record("v")
    for region in REGIONS:
        for name in CONDUCTANCES:
            cell.group(region).make_trainable(name)
    return cell


def _progress(iterable, total):
    try:
        from tqdm import tqdm

        # In a log (not a terminal) each redraw is a line: one every 10 s, not every step.
        interval = 0.5 if sys.stderr.isatty() else 10.0
        return tqdm(iterable, total=total, desc="fitting", unit="step", mininterval=interval)
    except ImportError:  # pragma: no cover - tqdm is in the demo extra
        return iterable


def run_demo(out: Path, iterations: int = 500, seed: int = 0) -> dict[str, float]:
    """Run the demo and write its figure to ``out``; returns summary figures.

    ``iterations``: Adam steps (at least 1), the first half on smoothed traces. The losses
    returned and printed are those of the raw traces (mV²), before and after the fit.
    """
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"run_demo(iterations=...) takes a whole number of steps >= 1; got {iterations!r}")
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    import dendrax as dx

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import optax
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise SystemExit(f"the demo needs the demo extra ({err.name} is missing): pip install 'dendrax[demo]'") from None

    start = time.perf_counter()
    cell = build_neuron()
    sim = dx.simulator(cell, t_max=T_MAX, delta_t=DELTA_T)
    t = sim.times
    stimuli = jnp.stack([jnp.where((t >= 2.0) & (t < 22.0), a, 0.0)[None] for a in AMPLITUDES])
    run = jax.jit(jax.vmap(sim, in_axes=(None, 0)))

    rng = np.random.default_rng(seed)
    hidden = cell.get_parameters()
    start_values = [{k: v * rng.uniform(0.5, 1.5)} for p in hidden for k, v in p.items()]
    target = run(hidden, stimuli)
    print(f"simulated {cell.n_comps} compartments, {len(AMPLITUDES)} stimuli x {T_MAX} ms "
          f"in {time.perf_counter() - start:.1f} s (including compilation)")

    transform = dx.fit.ParamTransform({name: dx.fit.Exp() for name in CONDUCTANCES})

    def loss(u, smoothing):
        v = run(transform.forward(u), stimuli)
        return dx.fit.smoothed_mse(v, target, smoothing, DELTA_T) if smoothing else dx.fit.mse(v, target)

    schedule = optax.exponential_decay(0.05, transition_steps=iterations, decay_rate=0.05)
    optimizer = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(schedule))
    u = transform.inverse(start_values)
    opt_state = optimizer.init(u)
    loss_start = float(loss(u, 0.0))  # raw traces, as the end value (history mixes both)

    @partial(jax.jit, static_argnums=2)
    def update(u, opt_state, smoothing):
        value, grads = jax.value_and_grad(loss)(u, smoothing)
        updates, opt_state = optimizer.update(grads, opt_state, u)
        return optax.apply_updates(u, updates), opt_state, value

    history = []
    bar = _progress(range(iterations), iterations)
    for i in bar:
        smoothing = 1.0 if i < iterations // 2 else 0.0  # ms: Gaussian smoothing of the traces
        u, opt_state, value = update(u, opt_state, smoothing)
        history.append(float(value))
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{history[-1]:.4g} mV²", refresh=False)  # drawn at the bar's pace
        elif i % 50 == 0 or i == iterations - 1:
            print(f"step {i:4d}  loss {history[-1]:.4g} mV²")
    fitted = transform.forward(u)
    history[-1] = float(loss(u, 0.0))
    errors = np.array(
        [float(jnp.abs(f[k] / h[k] - 1.0)[0]) for f, h in zip(fitted, hidden) for k in f]
    )
    start_errors = np.array(
        [float(jnp.abs(s[k] / h[k] - 1.0)[0]) for s, h in zip(start_values, hidden) for k in s]
    )
    fit_traces = run(fitted, stimuli)
    first_traces = run(start_values, stimuli)
    names = [f"{r} {c.split('_')[1]}" for r in REGIONS for c in CONDUCTANCES]  # as the fit lists them
    print(f"loss on the raw traces {loss_start:.4g} -> {history[-1]:.4g} mV²; conductance error (relative): "
          f"start median {np.median(start_errors):.2f}, fitted median {np.median(errors):.3f}, "
          f"largest {errors.max():.3f} ({names[int(errors.argmax())]})")

    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
    for col, (row, label) in enumerate(zip((1, 2), ("0.2 nA", "0.6 nA"))):
        ax = axes[0, col]
        ax.plot(t, np.asarray(target[row, 0]), color="k", lw=2.5, label="target (hidden conductances)")
        ax.plot(t, np.asarray(first_traces[row, 0]), color="tab:gray", lw=1, ls="--", label="start")
        ax.plot(t, np.asarray(fit_traces[row, 0]), color="tab:red", lw=1.2, label="fitted")
        ax.set_title(f"soma, {label} step")
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("membrane potential (mV)")
    axes[0, 0].legend(frameon=False, fontsize=8)
    ax = axes[1, 0]
    half = iterations // 2
    ax.semilogy(np.arange(half), history[:half], label="smoothed traces (1 ms)")
    ax.semilogy(np.arange(half, iterations), history[half:], label="raw traces")
    ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel("gradient step")
    ax.set_ylabel("loss (mV²)")
    ax.set_title("Adam on log-conductances")
    ax = axes[1, 1]
    x = np.arange(len(names))
    ax.bar(x - 0.2, 100 * start_errors, 0.4, color="tab:gray", label="start")
    ax.bar(x + 0.2, 100 * errors, 0.4, color="tab:red", label="fitted")
    ax.set_xticks(x, [name.replace(" ", "\n") for name in names], fontsize=7)
    ax.set_ylabel("|error| (%)")
    ax.set_title("12 conductances")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle("dendrax demo: simulate a branched HH neuron, then fit its conductances")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out} ({time.perf_counter() - start:.0f} s in all)")
    return {"loss_start": loss_start, "loss_end": history[-1], "median_error": float(np.median(errors))}
