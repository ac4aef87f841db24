"""The physical limit: how fast can one HH compartment take one step on this machine?

Counts the work of one backward-Euler/exponential-Euler HH step per compartment (what is
unavoidable, and what dendrax's code does as XLA counts it), measures this machine's
throughput for ``exp``, division and fused arithmetic (XLA and NumPy, float64 and float32)
and its memory bandwidth (a large copy and axpy), and prints the resulting lower bound in
ns per compartment per step::

    .venv/bin/python benchmarks/floor.py             # prints a Markdown summary
    .venv/bin/python benchmarks/floor.py --json f    # also writes the numbers to f

The bound is ``exps / exp rate + divisions / division rate + other flops / flop rate``
while the state fits in cache (the tree: 248 compartments × ~16 values = 32 KiB), and
``bytes / bandwidth`` once it does not (large batches); the larger of the two applies.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("JAX_PLATFORMS", "cpu")

__all__ = ["HH_MINIMUM", "StepWork", "floor_ns"]


@dataclasses.dataclass(frozen=True)
class StepWork:
    """Work per compartment per step.

    Attributes:
        exps: calls of ``exp`` (or ``expm1``).
        divisions: divisions (and reciprocals).
        flops: other floating-point operations (add, multiply, compare-select count 1).
        values_streamed: array values that must be read or written once per step per
            compartment when nothing stays in cache (times 8 or 4 bytes).
    """

    exps: int
    divisions: int
    flops: int
    values_streamed: int


# The least an HH step can do (one compartment of a tree, NEURON's scheme), counted by hand:
#  - rates: with E = exp(-(v+65)/80) and F = exp(-(v+65)/18), every other exponential of
#    hh.mod is E to an integer power times a constant (exp(-(v+65)/20) = E⁴,
#    exp(-(v+35)/10) = E⁸·e³, exp(-(v+40)/10) = E⁸·e^2.5, exp(-(v+55)/10) = E⁸·e):
#    2 exps, 3 squarings, 3 divisions (two x/(e^x - 1), one 1/(1 + e^x)), ~14 other flops;
#  - exponential Euler for m, h, n: 3 exps of -dt·q10·(α+β), x_inf = α/(α+β): 3 divisions,
#    ~12 flops;
#  - membrane current and its slope: m³h, n⁴, g·(v - e) for three currents, their sum and
#    the sum of the conductances: ~16 flops;
#  - the implicit voltage step: diagonal and right-hand side ~6 flops, Hines elimination
#    and back-substitution ~5 flops and 1 division;
#  - streamed: v, m, h, n read and written (8); per-compartment constants a compiled model
#    must hold (capacitance·area/dt, area, coupling to the parent) read (3); the
#    elimination's two temporaries written and read back (4). Uniform parameters (gNa, ...)
#    are scalars and stream nothing.
HH_MINIMUM = StepWork(exps=5, divisions=7, flops=56, values_streamed=15)


def _best_rate(fn, elements: int, repeats: int = 7) -> float:
    """Elements per ns of ``fn`` (a blocking call), best of ``repeats`` (after a warm call)."""
    fn()
    best = min(_wall(fn) for _ in range(repeats))
    return elements / best / 1e9


def _wall(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_xla(dtype: str, size: int = 16384, iterations: int = 400) -> dict[str, float]:
    """XLA's in-cache throughput (per ns) of exp, division and fused multiply-add, one core.

    Each kernel runs ``iterations`` times over a vector of ``size`` values (128 KiB in
    float64: in L2) inside one compiled loop, so that dispatch does not count.
    """
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", dtype == "float64")
    x0 = jnp.linspace(-1.0, 0.0, size, dtype=dtype)

    def looped(body):
        fn = jax.jit(lambda x: jax.lax.fori_loop(0, iterations, lambda i, y: body(y), x))
        return lambda: jax.block_until_ready(fn(x0))

    n = size * iterations
    fma_per_iter = 16
    return {
        "exp_per_ns": _best_rate(looped(lambda y: jnp.exp(-y * 0.5) - 1.5), n),  # stays in [-1, 0]
        "div_per_ns": _best_rate(looped(lambda y: 0.5 / (y - 1.0)), n),
        "flop_per_ns": _best_rate(looped(lambda y: _fma_chain(y, fma_per_iter)), n) * 2 * fma_per_iter,
    }


def _fma_chain(y, k: int):
    for _ in range(k):
        y = y * 0.999 + 1e-4
    return y


def measure_numpy(dtype: str, size: int = 16384, repeats: int = 200) -> dict[str, float]:
    """NumPy's in-cache exp and division throughput (per ns), one core."""
    x = np.linspace(-1.0, 0.0, size).astype(dtype)
    out = np.empty_like(x)

    def many(op):
        def fn():
            for _ in range(repeats):
                op(x, out=out)

        return fn

    return {
        "exp_per_ns": _best_rate(many(np.exp), size * repeats),
        "div_per_ns": _best_rate(many(lambda a, out: np.divide(0.5, a - 1.0, out=out)), size * repeats),
    }


def measure_bandwidth(n_bytes: int = 1 << 29) -> dict[str, float]:
    """Memory bandwidth (GB/s) out of cache: NumPy copy (read + write) and XLA axpy."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    n = n_bytes // 8
    a = np.ones(n)
    b = np.empty_like(a)
    copy = _best_rate(lambda: np.copyto(b, a), 2 * n_bytes, repeats=5)
    x = jnp.ones(n)
    state = {"y": jnp.ones(n)}
    axpy = jax.jit(lambda x, y: 1.0001 * x + y, donate_argnums=1)  # in place: no fresh pages

    def step():
        state["y"] = jax.block_until_ready(axpy(x, state["y"]))

    axpy_rate = _best_rate(step, 3 * n_bytes, repeats=5)
    return {"copy_gb_s": copy, "axpy_gb_s": axpy_rate}


def xla_cost_of_dendrax_step(dtype: str) -> dict[str, float] | None:
    """XLA's count of flops, transcendentals and bytes in one dendrax step of the tree, per compartment."""
    import jax

    jax.config.update("jax_enable_x64", dtype == "float64")
    try:
        import jax.numpy as jnp

        import cases as C
        import dendrax as dx
        from dendrax.channels import HH
        from dendrax.simulate import init_state, prepare, step
    except ImportError:
        return None
    branch = dx.Branch(length=C.TREE_LENGTH, radius=C.TREE_RADIUS, ncomp=C.TREE_NCOMP)
    cell = dx.Cell([branch] * C.TREE_BRANCHES, parents=C.TREE_PARENTS)
    cell.insert(HH())
    cell.branch(0).loc(0.5 / C.TREE_NCOMP).stimulate(np.zeros(11))
    cell.branch(0).loc(0.5 / C.TREE_NCOMP).record("v")
    system = cell.compile()
    prepared = prepare(system, None, C.DT)
    state = init_state(system, prepared)
    compiled = jax.jit(lambda s, i: step(system, prepared, s, i)).lower(state, jnp.zeros(1)).compile()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    n = cell.n_comps
    return {
        "flops": cost.get("flops", float("nan")) / n,
        "transcendentals": cost.get("transcendentals", float("nan")) / n,
        "bytes_accessed": cost.get("bytes accessed", float("nan")) / n,
    }


def floor_ns(
    work: StepWork, rates: dict[str, float], bandwidth_gb_s: float, itemsize: int
) -> dict[str, float]:
    """Lower bounds (ns per compartment per step): in cache (compute) and out of cache (memory)."""
    compute = (
        work.exps / rates["exp_per_ns"]
        + work.divisions / rates["div_per_ns"]
        + work.flops / rates["flop_per_ns"]
    )
    memory = work.values_streamed * itemsize / bandwidth_gb_s  # bytes / (GB/s) = ns
    return {"compute_ns": compute, "memory_ns": memory}


def run() -> dict:
    """Measure everything; return the numbers and a Markdown summary."""
    result: dict = {"minimum_work": dataclasses.asdict(HH_MINIMUM), "xla": {}, "numpy": {}, "floor": {}}
    result["bandwidth"] = measure_bandwidth()
    bandwidth = max(result["bandwidth"].values())
    for dtype, itemsize in (("float64", 8), ("float32", 4)):
        result["xla"][dtype] = measure_xla(dtype)
        result["numpy"][dtype] = measure_numpy(dtype)
        best = {
            "exp_per_ns": max(result["xla"][dtype]["exp_per_ns"], result["numpy"][dtype]["exp_per_ns"]),
            "div_per_ns": max(result["xla"][dtype]["div_per_ns"], result["numpy"][dtype]["div_per_ns"]),
            "flop_per_ns": result["xla"][dtype]["flop_per_ns"],
        }
        result["floor"][dtype] = floor_ns(HH_MINIMUM, best, bandwidth, itemsize)
        cost = xla_cost_of_dendrax_step(dtype)
        result.setdefault("xla_cost", {})[dtype] = cost
        if cost:
            # dendrax's step as XLA counts it: transcendentals at the exp rate, all other
            # flops (divisions included) at the fused-arithmetic rate.
            result["floor"][dtype]["as_implemented_ns"] = (
                cost["transcendentals"] / best["exp_per_ns"] + cost["flops"] / best["flop_per_ns"]
            )
    result["summary_md"] = summary(result)
    return result


def summary(r: dict) -> list[str]:
    """The floor as Markdown lines."""
    w = r["minimum_work"]
    bw = r["bandwidth"]
    lines = [
        f"Minimum work per compartment per step (HH, backward Euler + exponential Euler): {w['exps']} exp, "
        f"{w['divisions']} divisions, ~{w['flops']} other flops; {w['values_streamed']} values streamed "
        f"when out of cache. Memory bandwidth: copy {bw['copy_gb_s']:.1f} GB/s, "
        f"XLA axpy {bw['axpy_gb_s']:.1f} GB/s.",
        "",
        "| dtype | exp/ns XLA | exp/ns NumPy | div/ns XLA | div/ns NumPy | flop/ns XLA | floor in cache, ns "
        "| floor out of cache, ns "
        "| XLA's count for dendrax's step (flops / transcendentals / bytes per comp) "
        "| bound for that count, ns |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dtype in ("float64", "float32"):
        x, n, f = r["xla"][dtype], r["numpy"][dtype], r["floor"][dtype]
        cost = r.get("xla_cost", {}).get(dtype)
        cost_text = (
            f"{cost['flops']:.0f} / {cost['transcendentals']:.1f} / {cost['bytes_accessed']:.0f}"
            if cost
            else "—"
        )
        lines.append(
            f"| {dtype} | {x['exp_per_ns']:.2f} | {n['exp_per_ns']:.2f} "
            f"| {x['div_per_ns']:.2f} | {n['div_per_ns']:.2f} "
            f"| {x['flop_per_ns']:.1f} | {f['compute_ns']:.2f} | {f['memory_ns']:.2f} | {cost_text} "
            f"| {f.get('as_implemented_ns', float('nan')):.2f} |"
        )
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    result = run()
    print("\n".join(result["summary_md"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
