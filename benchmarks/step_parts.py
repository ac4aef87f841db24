"""What the parts of a step cost on this machine: HH's gate update, its slopes in the voltage
(what every gradient step computes), and the voltage solve, each in a 4,000-step loop of its
own (a diagnostic beside `floor.py`; no other simulator)::

    .venv/bin/python benchmarks/step_parts.py          # ns per compartment (or node) per step

Compile-time and per-call costs are excluded (a warm call, best of 5).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

from dendrax.channels import HH  # noqa: E402
from dendrax.solve.hines import couple, solve_plain  # noqa: E402
from dendrax.solve.layout import plan_solver  # noqa: E402

STEPS = 4000


def per_step_ns(body, carry, n: int) -> float:
    """Best of 5 warm runs of ``STEPS`` iterations of ``body``, in ns per element per step."""
    run = jax.jit(lambda c: jax.lax.fori_loop(0, STEPS, lambda _, c: body(c), c))
    jax.block_until_ready(run(carry))
    best = np.inf
    for _ in range(5):
        t = time.perf_counter()
        jax.block_until_ready(run(carry))
        best = min(best, time.perf_counter() - t)
    return best / STEPS / n * 1e9


def gates(n: int) -> tuple[float, float]:
    """HH's update of m, h, n at n compartments: the states alone, and with their slopes."""
    p = {"celsius": jnp.asarray(6.3)}
    v = jnp.linspace(-80.0, 20.0, n)  # mV; held (the loop only nudges it, to keep it live)
    s = {k: jnp.full(n, x) for k, x in HH.states.items()}

    def update(c):
        v, s = c
        return v + 1e-9 * s["m"], HH().update_states(s, v, 0.025, p)

    def with_slopes(c):
        v, s = c
        s_new, slope = jax.jvp(lambda u: HH().update_states(s, u, 0.025, p), (v,), (jnp.ones_like(v),))
        return v + 1e-9 * (slope["m"] + slope["h"] + slope["n"]), s_new

    return per_step_ns(update, (v, s), n), per_step_ns(with_slopes, (v, s), n)


def solve(n: int) -> float:
    """The voltage solve of a random tree of n nodes (the compiled routine on a CPU)."""
    rng = np.random.default_rng(0)
    parent = np.array([rng.integers(max(0, k - 6), k) for k in range(1, n)])  # local branching
    layout = plan_solver(n, np.stack([np.arange(1, n), parent], axis=1))
    weights = couple(layout, jnp.asarray(-rng.uniform(0.5, 1.0, n - 1)))
    diag = jnp.asarray(rng.uniform(8.0, 10.0, n))[layout.order]
    return per_step_ns(lambda x: solve_plain(layout, weights, diag, 1.0 + 1e-9 * x), jnp.zeros(n), n)


if __name__ == "__main__":
    for n in (248, 2480):
        update, slopes = gates(n)
        print(f"HH gates, {n} compartments: update {update:.1f} ns, update + slopes {slopes:.1f} ns per compartment-step")
    for n in (263, 2630):
        print(f"voltage solve, {n} nodes: {solve(n):.2f} ns per node-step")
