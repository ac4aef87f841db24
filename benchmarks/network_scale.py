"""Construction at scale (issue 7): 10,000 cells and 1,000,000 synapses, phase by phase.

Builds a `dx.Network` of 10,000 four-compartment HH cells, connects it with
`dx.sparse_connect` (p = 0.01: about 1,000,000 ExpSyn connections with a 1.5 ms delay),
sets synapse parameters, compiles the `System` and runs the first 2 ms (XLA compile
included), printing the time of each phase. dendrax only: NEURON's and Jaxley's
construction of the same network are not timed here (the rings in `run.py` compare
construction with NEURON's).

    .venv/bin/python benchmarks/network_scale.py
"""

import time

import jax

jax.config.update("jax_enable_x64", True)

import dendrax as dx  # noqa: E402
from dendrax.channels import HH  # noqa: E402

N_CELLS, P_CONNECT = 10_000, 0.01


def main() -> None:
    t0 = time.perf_counter()
    soma = dx.Branch(length=12.6, radius=6.3, ncomp=1)
    dend = dx.Branch(length=100.0, radius=0.5, ncomp=1)
    cell = dx.Cell([soma, dend, dend, dend], parents=[-1, 0, 0, 1])
    cell.insert(HH())
    net = dx.Network([cell] * N_CELLS)
    t1 = time.perf_counter()
    everyone = net.cell(range(N_CELLS))
    dx.sparse_connect(everyone, everyone, dx.synapses.ExpSyn(), p=P_CONNECT, seed=0, delay=1.5)
    t2 = time.perf_counter()
    net.synapses.ExpSyn.set("tau", 2.0)
    net.synapses.ExpSyn.set("e", 0.0)
    net.record_spikes(threshold=-20.0)
    t3 = time.perf_counter()
    system = net.compile()
    t4 = time.perf_counter()
    jax.block_until_ready(dx.integrate(system, t_max=2.0, delta_t=0.025))
    t5 = time.perf_counter()
    print(f"{N_CELLS} cells, {net.synapses.ExpSyn.n} synapses")
    for name, seconds in [
        ("cells and Network", t1 - t0),
        ("sparse_connect", t2 - t1),
        ("set parameters, record spikes", t3 - t2),
        ("compile the System", t4 - t3),
        ("first 2 ms (XLA compile and run)", t5 - t4),
        ("total", t5 - t0),
    ]:
        print(f"  {name:34s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
