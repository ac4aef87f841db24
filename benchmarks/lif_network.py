"""Compile and run time of a network of point neurons (dendrax only): 500 LIF cells,
sparse_connect at p = 0.05 (about 12,500 ExpSyn), 50 of them driven, 100 ms, with a
surrogate for spikes. Spike detection gathers the point neurons' spikes per mechanism;
a gather per neuron made the first call 5.6 s (1.15 s now) on 2 cores::

    .venv/bin/python benchmarks/lif_network.py
"""

import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import dendrax as dx  # noqa: E402
from dendrax.point_neurons import LIF  # noqa: E402


def main() -> None:
    cell = dx.Compartment()
    cell.insert(LIF())
    cell.set("v", -70.0)
    net = dx.Network([cell] * 500)
    dx.sparse_connect(net.cell("all"), net.cell("all"), dx.synapses.ExpSyn(), p=0.05, seed=0, weight=0.002)
    net.cell(list(range(50))).stimulate(np.full(4001, 0.5))  # nA, 100 ms at dt = 0.025 ms
    net.record_spikes()
    sim = dx.simulator(net, t_max=100.0, surrogate=dx.Surrogate())
    start = time.perf_counter()
    spikes = jax.block_until_ready(sim())
    first = time.perf_counter() - start
    start = time.perf_counter()
    jax.block_until_ready(sim())
    warm = time.perf_counter() - start
    print(f"{net.synapses.ExpSyn.n} synapses, {int(spikes.sum())} spikes: first call {first:.2f} s, warm {warm:.3f} s")


if __name__ == "__main__":
    main()
