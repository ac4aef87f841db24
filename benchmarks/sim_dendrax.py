"""Runner: build and time one benchmark case in dendrax (see `measure.py` for the protocol).

Phases: import (``jax`` and ``dendrax``), build (the description and its compiled
`System`: NumPy work), compile (first call of the jitted simulation minus the median warm call),
run (median of warm calls, each ended by ``jax.block_until_ready``) and, for gradient
cases, the gradient of the trace loss with respect to HH's conductances.

Parameters are inputs of the jitted function (``params={"HH_gNa": ...}``), not constants
folded into it, as when fitting; batches are ``jax.vmap`` over them inside ``jax.jit``.
"""

from __future__ import annotations

import os
import time

import numpy as np

import cases as C
from measure import Record, RunnerArgs, Skip, main, median_time, timed


def _start_jax(args: RunnerArgs, record: Record):
    if args.case.device == "cpu":
        os.environ["JAX_PLATFORMS"] = "cpu"
    start = time.perf_counter()
    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import dendrax as dx
    from dendrax.channels import HH

    record.times["import"] = time.perf_counter() - start
    if args.case.device == "gpu":
        try:
            gpus = jax.devices("gpu")
        except RuntimeError:
            gpus = []
        if not gpus:
            raise Skip("no GPU visible to JAX here")
    device = jax.devices()[0]
    record.device = f"{device.platform}: {device.device_kind}"
    import jaxlib

    record.versions = {"dendrax": dx.__version__, "jax": jax.__version__, "jaxlib": jaxlib.__version__}
    return jax, dx, HH


def _longest_soma_branch(cell) -> int:
    """The soma branch of greatest length (where the real cells are stimulated and recorded)."""
    soma = set(cell.soma.comps.tolist())
    best, best_length = None, -1.0
    for b in range(cell.n_branches):
        view = cell.branch(b)
        if int(view.comps[0]) in soma:
            length = float(np.sum(view.get("length")))
            if length > best_length:
                best, best_length = b, length
    if best is None:
        raise Skip("the SWC cell has no soma branch (SWC type 1)")
    return best


def build(dx, HH, case: C.Case):
    """The case's model as a dendrax description: cell, stimulus and recordings."""
    model = case.model
    if model == "single":
        cell = dx.Compartment(length=C.SINGLE_LENGTH, radius=C.SINGLE_RADIUS)
        stim_site = rec_sites = None
    elif model == "tree":
        branch = dx.Branch(length=C.TREE_LENGTH, radius=C.TREE_RADIUS, ncomp=C.TREE_NCOMP)
        cell = dx.Cell([branch] * C.TREE_BRANCHES, parents=C.TREE_PARENTS)
        first = 0.5 / C.TREE_NCOMP  # centre of the root's first compartment
        stim_site = cell.branch(0).loc(first)
        rec_sites = [cell.branch(0).loc(first), cell.branch(C.TREE_LEAF).loc(1.0 - first)]
    elif model in C.MORPHOLOGIES:
        if not hasattr(dx, "read_swc"):
            raise Skip("dendrax has no read_swc yet")
        path = C.MORPHOLOGIES[model]
        if not path.exists():
            raise Skip(f"morphology {path} is absent")
        cell = dx.read_swc(str(path), ncomp=C.NCOMP_SWC)
        soma = cell.branch(_longest_soma_branch(cell)).loc(0.5)
        stim_site, rec_sites = soma, [soma]
    elif model == "network":
        raise Skip("dendrax has no networks yet (the 100-cell network case waits for dx.Network)")
    else:
        raise ValueError(f"unknown model {model!r}")
    cell.insert(HH())
    cell.set("capacitance", C.CM)
    cell.set("axial_resistivity", C.RA)
    cell.set("v", C.V_INIT)
    cell.set("celsius", C.CELSIUS)
    cell.set("ena", C.HH_DEFAULTS["eNa"])
    cell.set("ek", C.HH_DEFAULTS["eK"])
    for name in ("gNa", "gK", "gLeak", "eLeak"):
        cell.set(f"HH_{name}", C.HH_DEFAULTS[name])
    current = C.waveform(C.pulses_for(model, case.t_max), case.t_max)
    if stim_site is None:
        cell.stimulate(current)
        cell.record("v")
    else:
        stim_site.stimulate(current)
        for site in rec_sites:
            site.record("v")
    return cell, cell.compile()


def measure(args: RunnerArgs, record: Record) -> dict[str, np.ndarray]:
    case = args.case
    jax, dx, HH = _start_jax(args, record)
    import jax.numpy as jnp

    (cell, system), record.times["build"] = timed(lambda: build(dx, HH, case))
    record.n_comps, record.n_steps, record.n_sets = cell.n_comps, case.n_steps, case.n_sets

    def simulate(params):
        return dx.integrate(system, t_max=case.t_max, delta_t=C.DT, params=params)

    defaults = {f"HH_{k}": jnp.asarray(C.HH_DEFAULTS[k]) for k in ("gNa", "gK")}
    if case.batch:
        sets = C.batch_params(case.batch)
        inputs = {f"HH_{k}": jnp.asarray(v) for k, v in sets.items()}
        fn = jax.jit(jax.vmap(simulate))
    else:
        inputs, fn = defaults, jax.jit(simulate)

    def call():
        return jax.block_until_ready(fn(inputs))

    traces, first = timed(call)
    record.times["run"], record.samples["run"] = median_time(call, args.repeats)
    record.times["compile"] = max(first - record.times["run"], 0.0)
    v = np.asarray(traces)
    v = v[C.batch_samples(case.batch)] if case.batch else v[None]
    out = {"v": v}

    if case.gradient:
        grad_params = {f"HH_{k}": jnp.asarray(C.HH_DEFAULTS[k]) for k in C.GRAD_PARAMS}

        def loss(params):
            return C.loss_from_traces(simulate(params), jnp)

        forward = jax.jit(loss)
        gradient = jax.jit(jax.grad(loss))
        jax.block_until_ready(forward(grad_params))
        record.times["forward"], record.samples["forward"] = median_time(
            lambda: jax.block_until_ready(forward(grad_params)), args.repeats
        )
        g, first = timed(lambda: jax.block_until_ready(gradient(grad_params)))
        record.times["grad"], record.samples["grad"] = median_time(
            lambda: jax.block_until_ready(gradient(grad_params)), args.repeats
        )
        record.times["grad_compile"] = max(first - record.times["grad"], 0.0)
        record.gradient = {k: float(g[f"HH_{k}"]) for k in C.GRAD_PARAMS}
        record.notes.append("gradient: jax.grad through dx.integrate (no checkpointing option used)")
    return out


if __name__ == "__main__":
    main("dendrax", measure)
