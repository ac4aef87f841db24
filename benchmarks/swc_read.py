"""Time reading, discretising and compiling an SWC cell (issue 4's benchmark).

    python benchmarks/swc_read.py [path.swc] [--repeat N]

Reports the median wall time of ``dx.read_swc(path, discretization=dx.DLambda(0.1))``
followed by ``cell.compile()`` (NumPy work and the transfer of the arrays to the device;
no XLA compilation happens here). JAX's backend is started before timing. Target for
l5pc_with_axon.swc (10,600 samples): < 0.2 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp

import dendrax as dx

DEFAULT = Path(__file__).parents[1] / ".." / "shared" / "data" / "morphologies" / "l5pc_with_axon.swc"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    jax.config.update("jax_enable_x64", True)
    jax.block_until_ready(jnp.zeros(1))  # start the backend outside the timings
    phases = {"read+discretise": [], "compile": [], "total": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        cell = dx.read_swc(args.path, discretization=dx.DLambda(0.1))
        t1 = time.perf_counter()
        system = cell.compile()
        jax.block_until_ready(system.params)
        t2 = time.perf_counter()
        phases["read+discretise"].append(t1 - t0)
        phases["compile"].append(t2 - t1)
        phases["total"].append(t2 - t0)
    print(f"{Path(args.path).name}: {cell.n_branches} branches, {cell.n_comps} compartments")
    for name, times in phases.items():
        print(
            f"  {name:16s} first {times[0] * 1e3:7.1f} ms   median {statistics.median(times) * 1e3:7.1f} ms"
        )


if __name__ == "__main__":
    main()
