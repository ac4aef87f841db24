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
from measure import Record, RunnerArgs, Skip, gradient_memory, main, median_time, timed


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


def _set_hh(cell) -> None:
    """The suite's cable and HH values (NEURON's hh.mod defaults), set explicitly."""
    from dendrax.channels import HH

    cell.insert(HH())
    cell.set("capacitance", C.CM)
    cell.set("axial_resistivity", C.RA)
    cell.set("v", C.V_INIT)
    cell.set("celsius", C.CELSIUS)
    cell.set("ena", C.HH_DEFAULTS["eNa"])
    cell.set("ek", C.HH_DEFAULTS["eK"])
    for name in ("gNa", "gK", "gLeak", "eLeak"):
        cell.set(f"HH_{name}", C.HH_DEFAULTS[name])


def build_network(dx, case: C.Case):
    """A network case: one template per cell shape, `dx.Network`, one vectorised `connect`."""
    spec = C.network_spec(case)
    soma = dx.Branch(length=C.NET_SOMA_DIAM, radius=C.NET_SOMA_DIAM / 2.0, ncomp=1)
    dend = dx.Branch(length=C.NET_DEND_LENGTH, radius=C.NET_DEND_RADIUS, ncomp=C.NET_NCOMP)
    templates = []
    for t in spec.types:
        cell = dx.Cell([soma] + [dend] * (t.n_branches - 1), parents=list(t.parents))
        _set_hh(cell)
        templates.append(cell)
    net = dx.Network([templates[t] for t in spec.cell_type])
    first_branch = net._cell_branch_start[:-1]  # global index of each cell's soma branch
    post = net.branch(first_branch[spec.post] + spec.post_branch).loc(0.5)
    if spec.synapse == "ExpSyn":
        dx.connect(
            net.cell(spec.pre),
            post,
            dx.synapses.ExpSyn(),
            weight=spec.weight,
            delay=spec.delay,
            threshold=C.SPIKE_THRESHOLD,
        )
        net.synapses.ExpSyn.set("tau", C.SYN_TAU)
        net.synapses.ExpSyn.set("e", C.SYN_E)
    else:
        dx.connect(net.cell(spec.pre), post, dx.synapses.Ionotropic())
        net.synapses.Ionotropic.set("gS", spec.weight)
    trains: dict[tuple, list[int]] = {}  # one stimulate call per distinct pulse train
    for cell, pulses in zip(spec.driven, spec.pulses, strict=True):
        trains.setdefault(pulses, []).append(int(first_branch[cell]))
    for pulses, branches in trains.items():
        net.branch(branches).loc(0.5).stimulate(C.waveform(list(pulses), case.t_max))
    if case.record == "spikes":
        net.record_spikes(threshold=C.SPIKE_THRESHOLD)
    else:
        net.branch(first_branch).loc(0.5).record("v")
    return net, net.compile()


def build_hay(dx, case: C.Case):
    """Hay et al.'s L5PC (`dendrax.models.hay_l5pc`) on the L5PC morphology, step into the soma."""
    from dendrax.models import hay_l5pc

    path = C.MORPHOLOGIES["l5pc"]
    if not path.exists():
        raise Skip(f"morphology {path} is absent")
    cell = dx.read_swc(str(path), discretization=dx.OddCount(C.HAY_NSEG_PER))
    lengths, diam = C.HAY_STUB
    cell = hay_l5pc(dx.replace_axon(cell, lengths, diam / 2.0))
    cell.set("v", C.HAY_V_INIT)
    soma = cell.branch(_soma_branch(dx, cell)).loc(0.5)
    soma.stimulate(C.waveform(C.pulses_for("hay", case.t_max), case.t_max))
    soma.record("v")
    return cell, cell.compile()


def _soma_branch(dx, cell) -> int:
    """The branch of NEURON's ``soma[0]`` (the root when it is soma, as Import3d orders them)."""
    from dendrax.morphology.anatomy import soma_point

    return soma_point(cell)[0]


def build(dx, HH, case: C.Case):
    """The case's model as a dendrax description: cell, stimulus and recordings."""
    model = case.model
    if model in ("network", "ring"):
        return build_network(dx, case)
    if model == "hay":
        return build_hay(dx, case)
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
    else:
        raise ValueError(f"unknown model {model!r}")
    _set_hh(cell)
    current = C.waveform(C.pulses_for(model, case.t_max), case.t_max)
    if stim_site is None:
        cell.stimulate(current)
        cell.record("v")
    else:
        stim_site.stimulate(current)
        for site in rec_sites:
            site.record("v")
    return cell, cell.compile()


# Hay's L5PC: the parameters given to the jitted simulation as inputs (their own values,
# one per compartment), as a fit of these densities would.
HAY_INPUTS = ("NaTa_t_gbar", "SKv3_1_gbar", "Ca_HVA_gbar", "Ih_gbar")


def _inputs(jnp, system, case: C.Case) -> dict:
    if case.model == "hay":
        return {k: jnp.asarray(system.params[k]) for k in HAY_INPUTS}
    return {f"HH_{k}": jnp.asarray(C.HH_DEFAULTS[k]) for k in ("gNa", "gK")}


def _spikes(raster: np.ndarray) -> dict[str, np.ndarray]:
    """A (cells, time points) raster of 0/1 as (cell, time in ms) pairs."""
    cells, index = np.nonzero(raster > 0.5)
    return {"spike_cell": cells.astype(np.int64), "spike_time": index * C.DT}


def measure(args: RunnerArgs, record: Record) -> dict[str, np.ndarray]:
    case = args.case
    if case.model == "demo":
        return measure_demo(args, record)
    jax, dx, HH = _start_jax(args, record)
    import jax.numpy as jnp

    (cell, system), record.times["build"] = timed(lambda: build(dx, HH, case))
    record.n_comps, record.n_steps, record.n_sets = cell.n_comps, case.n_steps, case.n_sets
    if case.checkpoint == "none":
        checkpoint = dx.Checkpoint(every=case.n_steps)
        record.notes.append(f"dx.Checkpoint(every={case.n_steps}): no checkpointing")
    else:
        checkpoint = dx.Checkpoint()
        k = checkpoint.segment_length(case.n_steps)
        if case.gradient:
            record.notes.append(f"default dx.Checkpoint(): segments of {k} steps")

    def simulate(params):
        return dx.integrate(system, t_max=case.t_max, delta_t=C.DT, params=params, checkpoint=checkpoint)

    defaults = _inputs(jnp, system, case)
    if case.batch:
        sets = C.batch_params(case.batch)
        inputs = {f"HH_{k}": jnp.asarray(v) for k, v in sets.items()}
        fn = jax.jit(jax.vmap(simulate))
    else:
        inputs, fn = defaults, jax.jit(simulate)

    def call():
        return jax.block_until_ready(fn(inputs))

    traces, first = timed(call)
    if case.memory:  # the simulation only gives the traces; the gradient is what is measured
        record.times["first_run"] = first
    else:
        record.times["run"], record.samples["run"] = median_time(call, args.repeats)
        record.times["compile"] = max(first - record.times["run"], 0.0)
    if case.record == "spikes":
        out = _spikes(np.asarray(traces))
        record.notes.append(f"{len(out['spike_time'])} spikes")
        return out
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
        if case.memory:
            g = gradient_memory(jax, gradient, grad_params, record)
        else:
            g, first = timed(lambda: jax.block_until_ready(gradient(grad_params)))
            record.times["grad"], record.samples["grad"] = median_time(
                lambda: jax.block_until_ready(gradient(grad_params)), args.repeats
            )
            record.times["grad_compile"] = max(first - record.times["grad"], 0.0)
        record.gradient = {k: float(g[f"HH_{k}"]) for k in C.GRAD_PARAMS}
        record.notes.append("gradient: jax.grad through dx.integrate")
    return out


def measure_demo(args: RunnerArgs, record: Record) -> dict[str, np.ndarray]:
    """The fitting demo end to end (`dendrax.demo.run_demo`, its default iterations): build,
    compile, every gradient step and the figure; the loss it reaches and how well the 12
    conductances are recovered."""
    import inspect
    import tempfile
    from pathlib import Path

    start = time.perf_counter()
    os.environ["JAX_PLATFORMS"] = "cpu"
    import jax

    from dendrax import demo

    record.times["import"] = time.perf_counter() - start
    try:
        import matplotlib  # noqa: F401
        import optax  # noqa: F401
    except ImportError as err:
        raise Skip(f"the demo needs the demo extra ({err.name} is missing)") from None
    iterations = inspect.signature(demo.run_demo).parameters["iterations"].default
    with tempfile.TemporaryDirectory() as tmp:
        summary, record.times["fit"] = timed(lambda: demo.run_demo(Path(tmp) / "demo.png"))
    import dendrax as dx
    import jaxlib

    record.versions = {"dendrax": dx.__version__, "jax": jax.__version__, "jaxlib": jaxlib.__version__}
    record.dtype = "float64"
    cell = demo.build_neuron()
    record.n_comps, record.n_steps, record.n_sets = cell.n_comps, case_steps(demo), len(demo.AMPLITUDES)
    record.extra = {"iterations": iterations, **{k: float(v) for k, v in summary.items()}}
    record.notes.append(
        f"{iterations} Adam steps, {len(demo.AMPLITUDES)} stimuli; "
        "wall time includes compilation and the figure"
    )
    return {}


def case_steps(demo) -> int:
    return int(round(demo.T_MAX / demo.DELTA_T))


if __name__ == "__main__":
    main("dendrax", measure)
