"""Runner: build and time one benchmark case in Jaxley (see `measure.py` for the protocol).

Runs in its own environment (``benchmarks/.envs/jaxley``, made by `envs.py`), with Jaxley
used as an installed package. The model is set to NEURON's: Jaxley's defaults differ
(v_init -70 mV, axial resistivity 5000 Ω·cm, gates starting at 0.2), so every cable and
HH value is set explicitly and the gates start at steady state (``init_states``).

Parameters are inputs of the jitted function, as in the dendrax runner: ``data_set``
for simulations and batches (``jax.vmap`` inside ``jax.jit``), ``make_trainable`` plus
``get_parameters`` for the gradient, as Jaxley's tutorials do. Jaxley's own checkpointing
(``checkpoint_lengths``) is left at its default (off), as is dendrax's.
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
    import jaxley as jx
    from jaxley.channels import HH

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

    from jaxley.__version__ import __version__ as jaxley_version

    record.versions = {"jaxley": jaxley_version, "jax": jax.__version__, "jaxlib": jaxlib.__version__}
    return jax, jx, HH


def _longest_soma_branch(cell) -> int:
    nodes = cell.nodes
    if "soma" not in nodes.columns or not nodes["soma"].any():
        raise Skip("the SWC cell has no soma branch (SWC type 1)")
    lengths = nodes[nodes["soma"]].groupby("global_branch_index")["length"].sum()
    return int(lengths.idxmax())


def build(jx, HH, case: C.Case):
    """The case's model as a Jaxley cell, with its stimulus and recordings."""
    import jax.numpy as jnp

    model = case.model
    if model == "single":
        cell = jx.Compartment()
        cell.set("length", C.SINGLE_LENGTH)
        cell.set("radius", C.SINGLE_RADIUS)
        stim_site, rec_sites = cell, [cell]
    elif model == "tree":
        branch = jx.Branch(jx.Compartment(), ncomp=C.TREE_NCOMP)
        cell = jx.Cell(branch, parents=C.TREE_PARENTS)
        cell.set("length", C.TREE_LENGTH / C.TREE_NCOMP)
        cell.set("radius", C.TREE_RADIUS)
        stim_site = cell.branch(0).comp(0)
        rec_sites = [cell.branch(0).comp(0), cell.branch(C.TREE_LEAF).comp(C.TREE_NCOMP - 1)]
    elif model in C.MORPHOLOGIES:
        path = C.MORPHOLOGIES[model]
        if not path.exists():
            raise Skip(f"morphology {path} is absent")
        cell = jx.read_swc(str(path), ncomp=C.NCOMP_SWC)
        soma = cell.branch(_longest_soma_branch(cell)).comp(C.NCOMP_SWC // 2)
        stim_site, rec_sites = soma, [soma]
    elif model == "network":
        raise Skip("the 100-cell network case waits for dendrax's networks (dx.Network)")
    else:
        raise ValueError(f"unknown model {model!r}")
    cell.set("capacitance", C.CM)
    cell.set("axial_resistivity", C.RA)
    cell.set("v", C.V_INIT)
    cell.insert(HH())
    for name, value in C.HH_DEFAULTS.items():
        cell.set(f"HH_{name}", value)
    cell.init_states(delta_t=C.DT)
    current = C.waveform(C.pulses_for(model, case.t_max), case.t_max)
    stim_site.stimulate(jnp.asarray(current), verbose=False)
    for site in rec_sites:
        site.record("v", verbose=False)
    return cell


def measure(args: RunnerArgs, record: Record) -> dict[str, np.ndarray]:
    case = args.case
    jax, jx, HH = _start_jax(args, record)
    import jax.numpy as jnp

    cell, record.times["build"] = timed(lambda: build(jx, HH, case))
    record.n_comps, record.n_steps, record.n_sets = len(cell.nodes), case.n_steps, case.n_sets

    def simulate(g_na, g_k):
        state = cell.data_set("HH_gNa", g_na, None)
        state = cell.data_set("HH_gK", g_k, state)
        return jx.integrate(cell, param_state=state, t_max=case.t_max, delta_t=C.DT)

    if case.batch:
        sets = C.batch_params(case.batch)
        inputs = (jnp.asarray(sets["gNa"]), jnp.asarray(sets["gK"]))
        fn = jax.jit(jax.vmap(simulate))
    else:
        inputs = (jnp.asarray(C.HH_DEFAULTS["gNa"]), jnp.asarray(C.HH_DEFAULTS["gK"]))
        fn = jax.jit(simulate)

    def call():
        return jax.block_until_ready(fn(*inputs))

    traces, first = timed(call)
    record.times["run"], record.samples["run"] = median_time(call, args.repeats)
    record.times["compile"] = max(first - record.times["run"], 0.0)
    v = np.asarray(traces)
    v = v[C.batch_samples(case.batch)] if case.batch else v[None]
    out = {"v": v}

    if case.gradient:
        for name in C.GRAD_PARAMS:
            cell.make_trainable(f"HH_{name}", verbose=False)
        params = cell.get_parameters()

        def loss(params):
            return C.loss_from_traces(jx.integrate(cell, params=params, t_max=case.t_max, delta_t=C.DT), jnp)

        forward = jax.jit(loss)
        gradient = jax.jit(jax.grad(loss))
        jax.block_until_ready(forward(params))
        record.times["forward"], record.samples["forward"] = median_time(
            lambda: jax.block_until_ready(forward(params)), args.repeats
        )
        g, first = timed(lambda: jax.block_until_ready(gradient(params)))
        record.times["grad"], record.samples["grad"] = median_time(
            lambda: jax.block_until_ready(gradient(params)), args.repeats
        )
        record.times["grad_compile"] = max(first - record.times["grad"], 0.0)
        flat = {k: np.asarray(v) for d in g for k, v in d.items()}
        record.gradient = {k: float(np.sum(flat[f"HH_{k}"])) for k in C.GRAD_PARAMS}
        sizes = {k: int(flat[f"HH_{k}"].size) for k in C.GRAD_PARAMS}
        if any(n != 1 for n in sizes.values()):
            record.notes.append(f"make_trainable created {sizes} parameters; their gradients are summed")
        record.notes.append("gradient: jax.grad through jx.integrate (checkpoint_lengths not set)")
    return out


if __name__ == "__main__":
    main("jaxley", measure)
