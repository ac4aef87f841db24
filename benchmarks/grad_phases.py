"""Where a gradient's time goes: the forward run, the gradient's forward pass (the run that
also stores what the backward pass needs) and its backward pass, each timed on its own, for
the benchmark cases (a diagnostic beside `step_parts.py`; no other simulator)::

    .venv/bin/python benchmarks/grad_phases.py tree l5pc      # ratios to one forward run

The gradient is that of `run.py`'s gradient cases (the trace loss with respect to HH's
gNa, gK and gLeak), here without checkpointing (``Checkpoint(every=n_steps)``), so that the
two passes are one scan each; ``--checkpoint`` uses the default instead (then the forward
pass is the plain run storing segment boundaries, and each segment's forward pass is redone
inside the backward pass). Times: median of 7 warm calls. The machine is shared and noisy:
compare ratios from one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, str(Path(__file__).parent))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

import cases as C  # noqa: E402
import sim_dendrax  # noqa: E402

import dendrax as dx  # noqa: E402
from dendrax.channels import HH  # noqa: E402


def median_time(fn, repeats: int = 7) -> float:
    jax.block_until_ready(fn())
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        samples.append(time.perf_counter() - start)
    return float(np.median(samples))


def phases(name: str, checkpointed: bool) -> dict[str, float]:
    case = C.CASES[name]
    _, system = sim_dendrax.build(dx, HH, case)
    checkpoint = dx.Checkpoint() if checkpointed else dx.Checkpoint(every=case.n_steps)
    params = {f"HH_{k}": jnp.asarray(C.HH_DEFAULTS[k]) for k in C.GRAD_PARAMS}

    def loss(p):
        traces = dx.integrate(system, t_max=case.t_max, delta_t=C.DT, params=p, checkpoint=checkpoint)
        return C.loss_from_traces(traces, jnp)

    forward = jax.jit(loss)
    linearise = jax.jit(lambda p: jax.vjp(loss, p))  # the gradient's forward pass
    value, pullback = linearise(params)
    backward = jax.jit(lambda f, ct: f(ct))
    gradient = jax.jit(jax.grad(loss))
    t_forward = median_time(lambda: forward(params))
    return {
        "forward_s": t_forward,
        "forward_pass": median_time(lambda: linearise(params)) / t_forward,
        "backward_pass": median_time(lambda: backward(pullback, jnp.ones_like(value))) / t_forward,
        "gradient": median_time(lambda: gradient(params)) / t_forward,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["tree", "ca1", "l5pc"], help="benchmark cases (cases.py)")
    parser.add_argument("--checkpoint", action="store_true", help="default checkpointing instead of none")
    args = parser.parse_args()
    for name in args.cases:
        r = phases(name, args.checkpoint)
        print(
            f"{name}: forward {r['forward_s'] * 1e3:.1f} ms; in forward runs: the gradient's forward pass "
            f"{r['forward_pass']:.2f}, backward pass {r['backward_pass']:.2f}, whole gradient {r['gradient']:.2f}"
        )


if __name__ == "__main__":
    main()
