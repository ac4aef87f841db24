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
from measure import Record, RunnerArgs, Skip, gradient_memory, main, median_time, timed


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


def _graded_s0(v: float) -> float:
    """The graded synapse's steady state at presynaptic ``v`` (mV), as dendrax and NEURON
    start it (Jaxley starts every synapse at 0.2)."""
    return 1.0 / (1.0 + np.exp((-35.0 - v) / 10.0))


def build_network(jx, HH, case: C.Case):
    """A network case in Jaxley: its cells, and its connections as IonotropicSynapses (the
    only conductance synapse Jaxley 0.14 has; graded, no delay)."""
    import jax.numpy as jnp
    from jaxley.synapses import IonotropicSynapse

    if case.model == "ring":
        raise Skip("Jaxley 0.14 has no event-driven synapse or transmission delay: no ring network")
    spec = C.network_spec(case)
    templates = []
    for t in spec.types:
        branch = jx.Branch(jx.Compartment(), ncomp=C.NET_NCOMP)
        cell = jx.Cell(branch, parents=list(t.parents))
        cell.set("length", C.NET_DEND_LENGTH / C.NET_NCOMP)
        cell.set("radius", C.NET_DEND_RADIUS)
        cell.branch(0).set("length", C.NET_SOMA_DIAM)  # the soma: one compartment
        cell.branch(0).set("radius", C.NET_SOMA_DIAM / 2.0)
        templates.append(cell)
    net = jx.Network([templates[t] for t in spec.cell_type])
    net.set("capacitance", C.CM)
    net.set("axial_resistivity", C.RA)
    net.set("v", C.V_INIT)
    net.insert(HH())
    for name, value in C.HH_DEFAULTS.items():
        net.set(f"HH_{name}", value)
    net.init_states(delta_t=C.DT)
    # global compartment index of each cell's soma, and of the centre of each dendrite
    comps_per_cell = np.array([spec.types[t].n_comps for t in spec.cell_type])
    first = np.concatenate([[0], np.cumsum(comps_per_cell)[:-1]])
    post = first[spec.post] + 1 + (spec.post_branch - 1) * C.NET_NCOMP + C.NET_NCOMP // 2
    # nodes are selected by the table's index, which also numbers branch points: map
    node = np.empty(len(net.nodes), np.int64)
    node[net.nodes["global_comp_index"].to_numpy()] = net.nodes.index.to_numpy()
    soma, post = node[first], node[post]
    jx.connect(net.select(nodes=soma[spec.pre]), net.select(nodes=post), IonotropicSynapse())
    net.set("IonotropicSynapse_gS", spec.weight[0] if spec.synapse == "graded" else C.NET100_GRADED_GS)
    net.set("IonotropicSynapse_s", _graded_s0(C.V_INIT))
    for cell, pulses in zip(spec.driven, spec.pulses, strict=True):
        current = C.waveform(list(pulses), case.t_max)
        net.select(nodes=[int(soma[cell])]).stimulate(jnp.asarray(current), verbose=False)
    net.select(nodes=soma).record("v", verbose=False)
    return net


def build(jx, HH, case: C.Case):
    """The case's model as a Jaxley cell, with its stimulus and recordings."""
    import jax.numpy as jnp

    model = case.model
    if model in ("network", "ring"):
        return build_network(jx, HH, case)
    if model == "hay":
        raise Skip(
            "Jaxley 0.14 has none of Hay et al.'s channels (it ships HH and Pospischil et al. 2008 only)"
        )
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
    if case.memory:  # the simulation only gives the traces; the gradient is what is measured
        record.times["first_run"] = first
    else:
        record.times["run"], record.samples["run"] = median_time(call, args.repeats)
        record.times["compile"] = max(first - record.times["run"], 0.0)
    v = np.asarray(traces)
    v = v[C.batch_samples(case.batch)] if case.batch else v[None]
    out = {"v": v}

    if case.gradient:
        for name in C.GRAD_PARAMS:
            cell.make_trainable(f"HH_{name}", verbose=False)
        params = cell.get_parameters()
        lengths = None
        if case.checkpoint == "sqrt":
            k = int(np.ceil(np.sqrt(case.n_steps + 1)))  # Jaxley steps once per stimulus value
            lengths = [k, k]
            record.notes.append(f"checkpoint_lengths={lengths}")

        def loss(params):
            v = jx.integrate(cell, params=params, t_max=case.t_max, delta_t=C.DT, checkpoint_lengths=lengths)
            return C.loss_from_traces(v, jnp)

        forward = jax.jit(loss)
        gradient = jax.jit(jax.grad(loss))
        jax.block_until_ready(forward(params))
        record.times["forward"], record.samples["forward"] = median_time(
            lambda: jax.block_until_ready(forward(params)), args.repeats
        )
        if case.memory:
            g = gradient_memory(jax, gradient, params, record)
        else:
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
        if lengths is None:
            record.notes.append("gradient: jax.grad through jx.integrate (checkpoint_lengths not set)")
    return out


if __name__ == "__main__":
    main("jaxley", measure)
