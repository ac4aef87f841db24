"""Simulation: a pure function of a compiled `System`, parameters and stimuli.

Low level (pure, composable with ``jit``/``vmap``/``grad``)::

    prepared = prepare(system, params, delta_t, solver)   # geometry -> conductances, once
    state = init_state(system, prepared)                  # voltages and states at t = 0
    state = step(system, prepared, state, i_ext)          # one time step
    values = observe(system, state)                       # the recorded quantities

High level: `dendrax.integrate` runs the whole time loop and returns the recordings.
The resting state (`dendrax.Rest`) is found by `dendrax.rest.rest_iteration`.
`Prepared` and `prepare` live in `dendrax.prepared` and are re-exported here.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from . import membrane, synaptic
from .call_inputs import check_step_inputs
from .compile.system import System
from .diffusion import diffuse
from .prepared import DENSITY_TO_NODE, Prepared, prepare
from .solve.hines import edge_currents
from .solve.loops import solve_with_loops
from .solve.steppers import BackwardEuler, Stepper
from .synaptic import Surrogate

__all__ = ["Prepared", "State", "init_state", "observe", "prepare", "step", "with_train_spikes"]



class State(eqx.Module):
    """The state of a simulation at one time point.

    Attributes:
        v: membrane potential at every node, mV (node order).
        states: for each mechanism (in placement order), its states over its compartments.
        synapses: for each synapse type, its states over its synapses.
        spikes: 1.0 for each spike source that spiked in the last step.
        history: ring buffer of past spikes (rows: steps, columns: sources).
        t_index: number of steps taken.
        currents: the recorded membrane current densities of the last step (mA/cm²), one
            row per recorded current name, over compartments.
        clamp_currents: the current each voltage clamp injected in the last step (nA,
            positive into the cell), when one is recorded.
        synapse_currents: for each synapse type whose current is recorded
            (``layout.recorded_synapse_currents``), the current of each of its synapses in
            the last step (nA, outward positive, NEURON's ``syn.i``).
        v_carry: in float32, what the voltages could not hold of their last changes (mV,
            a compensated sum): a change below half a unit in the last place of ``v`` was
            lost, so a slow approach stalled (0.36 mV short for tau = 100 ms at dt = 0.001
            ms). ``None`` in float64.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.simulate import init_state, prepare
        >>> cell = dx.Compartment(length=20.0, radius=10.0)           # µm
        >>> cell.insert(HH())
        >>> system = cell.compile()
        >>> state = init_state(system, prepare(system, delta_t=0.025))
        >>> state.v.shape, float(state.v[0]), sorted(state.states[0])   # mV; HH's gates
        ((1,), -65.0, ['h', 'm', 'n'])
    """

    v: Float[Array, " nodes"]
    states: tuple[dict[str, Array], ...]
    synapses: tuple[dict[str, Array], ...] = ()
    spikes: Array | None = None
    history: Array | None = None
    t_index: Array | None = None
    currents: Array | None = None
    clamp_currents: Array | None = None
    synapse_currents: tuple[Array, ...] | None = None
    v_carry: Array | None = None


def init_state(system: System, prepared: Prepared, clamps: Array | None = None, history_rows: int = 1) -> State:
    """Voltages at their initial values; mechanism states at steady state unless set.

    ``clamps``: the clamped values at t = 0 (one per clamp), if there are clamps.
    ``history_rows``: spike history length, at least one more than the longest delay in steps.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.simulate import init_state, observe, prepare, step
        >>> cell = dx.Compartment(length=20.0, radius=10.0)           # µm
        >>> cell.insert(HH())
        >>> cell.stimulate(dx.step_current(0.0, 1.0, 0.5, 0.025, 1.0))  # 0.5 nA for 1 ms
        >>> cell.record("v")
        >>> system = cell.compile()
        >>> prepared = prepare(system, delta_t=0.025)                  # ms
        >>> state = init_state(system, prepared)
        >>> round(float(state.states[0]["m"][0]), 4)                   # m∞ at -65 mV
        0.0529
    """
    if clamps is not None:
        check_step_inputs(system, None, clamps, "init_state")
    layout = system.layout
    v = prepared.v_init
    if clamps is not None and len(layout.voltage_clamps):
        v = v.at[layout.voltage_clamps[:, 1]].set(clamps[layout.voltage_clamps[:, 0]])
    states = membrane.initial_states(
        system.layout,
        v,
        prepared.ion_params,
        prepared.mech_params,
        prepared.initial_states,
        prepared.celsius,
        prepared.trained_states,
    )
    if clamps is not None:
        states = clamp_states(layout, states, clamps)
    network = layout.network
    synapses = []
    for group, p, explicit in zip(network.groups, prepared.syn_params, prepared.syn_initial):
        s = group.mechanism.init_states(v[group.post], v[group.pre], p)
        for k in s:
            mask = layout.is_set(f"{group.name}_init_{k}", prepared.trained_states)
            if mask is not None and k in explicit:
                s[k] = jnp.where(mask, explicit[k], s[k])
        synapses.append(s)
    n_sources = network.n_sources
    clamp_currents = jnp.zeros((len(layout.voltage_clamps),), v.dtype) if _records_clamp_current(layout) else None
    state = State(
        v=v,
        clamp_currents=clamp_currents,
        states=states,
        synapses=tuple(synapses),
        spikes=jnp.zeros((n_sources,), v.dtype),
        history=jnp.zeros((history_rows, network.n_columns), v.dtype),
        t_index=jnp.zeros((), jnp.int32),
        v_carry=jnp.zeros_like(v) if correction_form(v.dtype) else None,
    )
    return with_spikes_at_start(system, with_currents_at_start(system, prepared, state))


def with_currents_at_start(system: System, prepared: Prepared, state: State) -> State:
    """``state`` with the recorded membrane currents (mA/cm²) and synapse currents (nA) of
    its own voltages and states: the values recorded at t = 0. Call it again if the voltages
    or states at t = 0 change (`Rest`; a review found t = 0 currents left at the
    description's initial state)."""
    layout = system.layout
    currents = None
    if layout.recorded_currents:
        env = membrane.ion_environment(layout, prepared.ion_params, state.states, prepared.celsius)
        total, _, parts, _ = membrane.membrane_currents(layout, state.states, state.v, env, prepared.mech_params)
        currents = _current_rows(layout, total, parts)
    synapse_currents = _synapse_currents(layout, tuple(state.synapses), prepared.syn_params, state.v)
    return eqx.tree_at(
        lambda s: (s.currents, s.synapse_currents),
        state,
        (currents, synapse_currents),
        is_leaf=lambda x: x is None,
    )


def with_spikes_at_start(system: System, state: State) -> State:
    """``state`` with the spikes of sources that start above threshold (`spikes_at_start`):
    reported at t = 0 and stored as the spikes of the step before the first, so that they
    arrive one delay after t = 0, as NEURON's. Call it again if the voltages at t = 0
    change (`Rest`)."""
    if not system.layout.network.n_sources or state.history is None:
        return state
    network = system.layout.network
    spikes = synaptic.spikes_at_start(network, state.v)
    history = state.history.at[-1, : network.n_sources].set(spikes)
    return eqx.tree_at(lambda s: (s.spikes, s.history), state, (spikes, history))


def with_train_spikes(system: System, state: State, counts: Float[Array, " trains"], at_start: bool = False) -> State:
    """``state`` with the spike trains' spikes at the time point the last step ended on
    (``counts``: spikes per train), stored as the detected spikes of that step are, so that
    they arrive one delay later; ``at_start``: the spikes at t = 0, stored as the step's
    before the first (`with_spikes_at_start`). A loop of `step` calls over a network with spike
    trains (`Network.add_spike_trains`) calls it once after `init_state` and after each step,
    as `dendrax.integrate` does; without it the trains send nothing.

    Example:
        One train with a spike at 0.05 ms (time point 2) and a 0.025 ms delay: the synapse
        receives it at 0.075 ms, the start of the fourth step.

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.simulate import init_state, prepare, step, with_train_spikes
        >>> comp = dx.Compartment()
        >>> comp.insert(HH())
        >>> net = dx.Network([comp])
        >>> trains = net.add_spike_trains([[0.05]])                            # ms
        >>> dx.connect(trains, net.cell(0), dx.synapses.ExpSyn(), weight=0.01, delay=0.025)
        >>> system = net.compile()
        >>> prepared = prepare(system, delta_t=0.025)
        >>> counts = dx.spike_raster(trains.times, t_max=0.1, delta_t=0.025)   # (1, 5)
        >>> state = init_state(system, prepared, history_rows=2)              # delay + 1 step
        >>> state = with_train_spikes(system, state, jnp.asarray(counts[:, 0]), at_start=True)
        >>> g = []
        >>> for k in range(1, 5):
        ...     state = step(system, prepared, state, jnp.zeros(0))
        ...     state = with_train_spikes(system, state, jnp.asarray(counts[:, k]))
        ...     g.append(float(state.synapses[0]["g"][0]))
        >>> [x > 0 for x in g]                    # g after steps 1 to 4
        [False, False, False, True]
    """
    network = system.layout.network
    if not network.n_trains:
        return state
    row = -1 if at_start else jnp.mod(state.t_index - 1, state.history.shape[0])
    history = state.history.at[row, network.n_sources :].set(counts.astype(state.history.dtype))
    return eqx.tree_at(lambda s: s.history, state, history)


def _synapse_currents(layout, synapses, syn_params, v) -> tuple[Array, ...] | None:
    """The recorded synapse types' currents (nA, outward) at voltages ``v`` and states
    ``synapses`` (as NEURON's BREAKPOINT computes ``syn.i`` for the step)."""
    if not layout.recorded_synapse_currents:
        return None
    groups = layout.network.groups
    return tuple(
        groups[k].mechanism.current(synapses[k], v[groups[k].post], v[groups[k].pre], syn_params[k])
        for k in layout.recorded_synapse_currents
    )


def _current_rows(layout, total, parts):
    return jnp.stack([total if name == "i" else parts[name] for name in layout.recorded_currents])


def _records_clamp_current(layout) -> bool:
    return any(kind == -3 for kind, _ in layout.recordings)


def _clamp_currents(layout, prepared: Prepared, rows, x: Float[Array, " nodes"]) -> Float[Array, " clamps"]:
    """The current (nA) each voltage clamp injected: its node's equation without the clamp,
    ``diag x - sum_j g_j x_j - rhs``, at the solution ``x`` (mV: the change of voltage or the
    voltage, as `assemble` solves for)."""
    diag, rhs = rows
    nodes = layout.voltage_clamps[:, 1]
    out = diag * x[nodes] - rhs
    nb = layout.clamp_neighbours
    if len(nb):
        out = out.at[nb[:, 0]].add(-prepared.clamp_conductance[nb[:, 1]] * x[nb[:, 2]])
    return out


def clamp_states(layout, states, clamps):
    """``states`` with each clamped state set to its clamp value (``clamps``: this step's
    values, one per clamp); used after every step and while Rest settles."""
    if not layout.state_clamps:
        return states
    out = [dict(s) for s in states]
    for k, m, name, pos in layout.state_clamps:
        out[m][name] = out[m][name].at[pos].set(clamps[k])
    return tuple(out)


def step(
    system: System,
    prepared: Prepared,
    state: State,
    i_ext: Float[Array, " stimuli"],
    solver: Stepper = BackwardEuler(),
    clamps: Float[Array, " clamps"] | None = None,
    surrogate: Surrogate | None = None,
    local_slopes: bool = True,
) -> State:
    """Advance one time step ``prepared.dt``.

    ``i_ext`` holds each stimulus' current (nA) for this step, ``clamps`` each clamp's value
    at the end of the step. Membrane currents are
    linearised at the present voltage (slope by forward-mode differentiation), the implicit
    voltage equation is solved exactly, then mechanism states advance on the new voltage.
    ``local_slopes``: differentiate the state update by `membrane.updated_states`' rule for
    mechanisms that act compartment by compartment (all built-in and .mod ones); ``False``
    leaves it to JAX (needed by a mechanism that reads other compartments' voltages).

    Example:
        The loop that `dendrax.integrate` runs, by hand (40 steps of 0.025 ms):

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.simulate import init_state, observe, prepare, step
        >>> cell = dx.Compartment(length=20.0, radius=10.0)           # µm
        >>> cell.insert(HH())
        >>> cell.stimulate(dx.step_current(0.0, 1.0, 0.5, 0.025, 1.0))  # 0.5 nA for 1 ms
        >>> cell.record("v")
        >>> system = cell.compile()
        >>> prepared = prepare(system, delta_t=0.025)                  # ms
        >>> state = init_state(system, prepared)
        >>> for _ in range(40):
        ...     state = step(system, prepared, state, jnp.array([0.5]))   # nA
        >>> v_end = float(observe(system, state)[0])                   # mV
        >>> round(v_end, 3), abs(v_end - float(dx.integrate(cell, t_max=1.0)[0, -1])) < 1e-9
        (33.296, True)
    """
    check_step_inputs(system, i_ext, clamps, "step")
    diag, rhs, aux = assemble(system.layout, prepared, state, i_ext, solver, clamps)
    x = voltage_solve(system.layout, prepared, diag, rhs)
    return advance(system.layout, prepared, state, aux, x, solver, clamps, surrogate, local_slopes)


def correction_form(dtype) -> bool:
    """Whether a step solves for the change of voltage (NEURON's form; float32 and lower)
    rather than the new voltage (float64, a few kernels fewer per step).

    Solving for the voltage itself puts ``C v / dt`` and each node's summed axial
    conductance times ``v`` into the equation: their round-off (relative 1e-7 in float32)
    acts as a spurious leak, which moved a 401-compartment float32 cable 3 mV off rest in
    500 ms; in float64 (1e-16) it is below 1e-8 mV. The correction form takes the axial
    currents from voltage differences (exact at rest) and costs two kernels and five gathers
    per step (~30% of the tree benchmark's step on a CPU), so float64 keeps the direct form.
    """
    return jnp.dtype(dtype) != jnp.float64


def axial_currents(layout, prepared: Prepared, v: Float[Array, " nodes"]) -> Float[Array, " nodes"]:
    """The current (nA) leaving each node through its edges in the solve (the cable's and gap
    junctions'), ``sum_j g_ij (v_i - v_j)`` from voltage differences: exact at rest in any
    precision. Edges at voltage-clamped nodes are not in the solve; `assemble` adds theirs."""
    out = edge_currents(layout.solver, prepared.coupling, v)
    loops = layout.loop_gaps
    if len(loops):
        a, b = loops[:, 0], loops[:, 1]
        flow = prepared.gap_explicit[loops[:, 2]] * (v[a] - v[b])
        out = out.at[a].add(flow).at[b].add(-flow)
    return out


def voltage_solve(
    layout, prepared: Prepared, diag: Float[Array, " nodes"], rhs: Float[Array, " nodes"], plain: bool = False
) -> Float[Array, " nodes"]:
    """The voltage equation's solution (mV, node order): the tree solve, with the gap
    junctions that close loops (`solve.loops`). ``plain``: without a derivative rule."""
    loops = layout.loop_gaps
    g = prepared.gap_explicit[loops[:, 2]] if len(loops) else prepared.gap_explicit[:0]
    return solve_with_loops(layout.solver, prepared.coupling, diag, rhs, loops, g, plain)


class Assembled(eqx.Module):
    """What one step computes before its voltage solve and uses after it (see `assemble`).

    Attributes:
        env: ion variables over compartments (reversal potentials mV, concentrations mM).
        current: total membrane current density at the present voltage, mA/cm².
        ion_currents: current density of each ion and mechanism, mA/cm².
        states: mechanism states, point neurons already advanced.
        synapses: synapse states, this step's spikes delivered.
        ion_slopes: each ion current's slope in the voltage, S/cm² (Crank–Nicolson only:
            `advance` moves the ion currents to the half-step voltage, as NEURON does).
        clamp_rows: at each voltage-clamped node, ``diag`` (µS) and ``rhs`` (nA) of its
            equation without the clamp (when a clamp current is recorded).
    """

    env: dict[str, Array]
    current: Array
    ion_currents: dict[str, Array]
    states: tuple[dict[str, Array], ...]
    synapses: tuple[dict[str, Array], ...]
    ion_slopes: dict[str, Array] = eqx.field(default_factory=dict)
    clamp_rows: tuple[Array, Array] | None = None


def assemble(
    layout,
    prepared: Prepared,
    state: State,
    i_ext: Float[Array, " stimuli"],
    solver: Stepper = BackwardEuler(),
    clamps: Float[Array, " clamps"] | None = None,
    arrivals: tuple[Array | None, ...] | None = None,
) -> tuple[Float[Array, " nodes"], Float[Array, " nodes"], Assembled]:
    """The first half of `step`: the voltage equation ``diag``/``rhs`` (µS, nA) for this step.
    (``arrivals``: the spikes reaching the synapses now, `synaptic.arrivals`, when already
    gathered from ``state.history``; `dendrax.adjoint` keeps those instead of the buffer.)

    In float32, NEURON's correction form (`correction_form`): the unknown is the change of
    voltage ``dv`` (mV; to the half step with Crank–Nicolson), and ``rhs`` the net current
    into each node at the present voltage (stimuli less membrane, synaptic and axial currents,
    the latter from voltage differences), so that a cell at rest stays exactly there. In
    float64 the unknown is the new (half-step) voltage itself.
    Membrane currents are linearised at the present voltage (their slope by forward-mode
    differentiation); stimuli, synapses, point neurons and clamps enter ``diag`` and ``rhs``.
    Returns them in node order (the solver's) with what `advance` needs afterwards.
    """
    network = layout.network
    c = layout.n_comps
    v = state.v
    v_c = v[:c]
    synapses = state.synapses
    if network.groups:
        synapses = synaptic.deliver(
            network, synapses, prepared.syn_params, prepared.syn_weights, prepared.syn_lags, state.history, state.t_index,
            arrivals,
        )
    env = membrane.ion_environment(layout, prepared.ion_params, state.states, prepared.celsius)
    current, conductance, ion_currents, ion_slopes = membrane.membrane_currents(
        layout, state.states, v, env, prepared.mech_params
    )
    if solver.extrapolation == 1.0:
        ion_slopes = {}  # only Crank–Nicolson moves ion currents to the half step (`advance`)
    scale = solver.capacitance_factor / prepared.dt
    a = prepared.area * DENSITY_TO_NODE
    cap = prepared.capacitance * scale
    pad = jnp.zeros((layout.n_nodes - c,), v.dtype)
    diag = jnp.concatenate([cap + a * conductance, pad]) + prepared.coupling_sum
    correction = correction_form(v.dtype)
    if correction:
        rhs = jnp.concatenate([-a * current, pad]) - axial_currents(layout, prepared, v)
    else:
        rhs = jnp.concatenate([cap * v_c + a * (conductance * v_c - current), pad])
    if len(layout.stimulus_nodes):
        rhs = rhs.at[layout.stimulus_nodes].add(i_ext)
    synaptic_input = None
    if network.groups:
        diag, rhs, synaptic_input, synaptic_slope = synaptic.synaptic_terms(
            network, synapses, prepared.syn_params, v, diag, rhs, correction
        )
    point_states = state.states
    if layout.point_neurons:
        # Point neurons compute their own voltage from their input, then hold it (like a clamp).
        node_input, node_slope = -a * current, a * conductance  # nA, and µS: minus d(input)/dv
        if len(layout.stimulus_nodes):
            node_input = node_input.at[layout.stimulus_nodes].add(i_ext, mode="drop")
        if synaptic_input is not None:
            node_input, node_slope = node_input + synaptic_input[:c], node_slope + synaptic_slope[:c]
        held, point_states = membrane.point_neuron_voltages(
            layout, state.states, v, (node_input, node_slope), prepared.dt, env, prepared.mech_params
        )
        for pl, v_pn in held:
            diag = diag.at[pl.nodes].set(1.0)
            step = (v_pn - v[pl.nodes]) / solver.extrapolation
            rhs = rhs.at[pl.nodes].set(step if correction else v[pl.nodes] + step)
    clamp_rows = None
    if len(layout.voltage_clamps):
        which, nodes = layout.voltage_clamps[:, 0], layout.voltage_clamps[:, 1]
        edges = layout.clamped_edges
        v_by_clamp = jnp.zeros((len(clamps),), v.dtype).at[which].set(v[nodes])
        if _records_clamp_current(layout):
            r0 = rhs[nodes]
            nb = layout.clamp_neighbours  # the clamped node's own edges, out of the solve
            if correction and len(nb):
                g_nb = prepared.clamp_conductance[nb[:, 1]]
                r0 = r0.at[nb[:, 0]].add(-g_nb * (v[nodes][nb[:, 0]] - v[nb[:, 2]]))
            clamp_rows = (diag[nodes], r0)
        # The solve's unknown at a clamped node: the change to the clamp value (BE) or to its
        # midpoint (CN); its edges leave the matrix, so their neighbours take that change as
        # a known term.
        known = (clamps[which] - v[nodes]) / solver.extrapolation  # the change (correction form)
        if not correction:
            known = v[nodes] + known  # the value
        diag = diag.at[nodes].set(1.0)
        rhs = rhs.at[nodes].set(known)
        free = edges[:, 2] >= 0
        if free.any():
            # Into each neighbour: the known term of the clamped end, and (correction form)
            # the edge's current at the present voltages.
            by_clamp = jnp.zeros((len(clamps),), v.dtype).at[which].set(known)
            other, k = edges[free, 2], edges[free, 1]
            g = prepared.clamp_conductance[free]
            present = v_by_clamp[k] - v[other] if correction else 0.0
            rhs = rhs.at[other].add(g * (present + by_clamp[k]))
    return diag, rhs, Assembled(env, current, ion_currents, point_states, synapses, ion_slopes, clamp_rows)


def advance(
    layout,
    prepared: Prepared,
    state: State,
    aux: Assembled,
    x: Float[Array, " nodes"],
    solver: Stepper = BackwardEuler(),
    clamps: Float[Array, " clamps"] | None = None,
    surrogate: Surrogate | None = None,
    local_slopes: bool = True,
) -> State:
    """The second half of `step`: the state after the step, from the solution ``x`` (mV)."""
    network = layout.network
    v = state.v
    env, current, ion_currents, synapses = aux.env, aux.current, aux.ion_currents, aux.synapses
    if correction_form(v.dtype):  # x: the change of voltage, added by a compensated sum
        change = solver.extrapolation * x - (0.0 if state.v_carry is None else state.v_carry)
        v_new = v + change
        v_carry, dv = (v_new - v) - change, x  # the part of the change v_new could not hold
    else:  # x: the new (half-step) voltage
        v_new, dv = (x if solver.extrapolation == 1.0 else v + solver.extrapolation * (x - v)), x - v
        v_carry = None
    if aux.ion_slopes:
        # Crank–Nicolson: mechanisms that read an ion current (concentrations, pumps) and the
        # recordings see it at the half-step voltage x, linearised (NEURON's second_order_cur).
        dv = dv[: layout.n_comps]
        ion_currents = {k: i + aux.ion_slopes[k] * dv if k in aux.ion_slopes else i for k, i in ion_currents.items()}
    second_order = solver.extrapolation != 1.0  # Crank–Nicolson
    states = membrane.updated_states(
        layout, aux.states, v_new, prepared.dt, env, prepared.mech_params, ion_currents, prepared.celsius,
        local_slopes, second_order,
    )
    states = diffuse(layout, prepared, states)
    if clamps is not None:
        states = clamp_states(layout, states, clamps)
    spikes, history = state.spikes, state.history
    if network.groups:
        synapses = synaptic.update_synapses(network, synapses, prepared.syn_params, v_new, prepared.dt, second_order)
    if network.n_sources:
        spikes = synaptic.detect_spikes(network, v, v_new, states, surrogate)
        history = history.at[jnp.mod(state.t_index, history.shape[0]), : network.n_sources].set(spikes)
    t_index = None if state.t_index is None else state.t_index + 1
    currents = _current_rows(layout, current, ion_currents) if layout.recorded_currents else None
    clamp_currents = None if aux.clamp_rows is None else _clamp_currents(layout, prepared, aux.clamp_rows, x)
    return State(
        synapse_currents=_synapse_currents(layout, aux.synapses, prepared.syn_params, v),
        v=v_new,
        states=states,
        synapses=synapses,
        spikes=spikes,
        history=history,
        t_index=t_index,
        currents=currents,
        clamp_currents=clamp_currents,
        v_carry=v_carry,
    )


def observe(system: System, state: State) -> Float[Array, " recordings"]:
    """The recorded quantities of ``state``, in recording order.

    Example:
        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.simulate import init_state, observe, prepare, step
        >>> cell = dx.Compartment(length=20.0, radius=10.0)           # µm
        >>> cell.insert(HH())
        >>> cell.stimulate(dx.step_current(0.0, 1.0, 0.5, 0.025, 1.0))  # 0.5 nA for 1 ms
        >>> cell.record("v")
        >>> system = cell.compile()
        >>> prepared = prepare(system, delta_t=0.025)                  # ms
        >>> state = init_state(system, prepared)
        >>> observe(system, state).shape, float(observe(system, state)[0])   # one recording, mV
        ((1,), -65.0)
    """
    layout = system.layout
    parts = [state.v] + [
        state.states[m][name] if m >= 0 else state.synapses[-1 - m][name] for m, name in layout.recording_states
    ]
    n_state_parts = len(parts)
    if state.spikes is not None and len(state.spikes):
        parts.append(state.spikes)
    has_spikes = int(state.spikes is not None and len(state.spikes) > 0)
    if state.clamp_currents is not None:
        parts.append(state.clamp_currents)
    has_clamps = int(state.clamp_currents is not None)
    if state.currents is not None:
        parts += list(state.currents)
    n_current_rows = 0 if state.currents is None else len(state.currents)
    if state.synapse_currents is not None:
        parts += list(state.synapse_currents)
    offsets = np.cumsum([0] + [len(x) for x in parts])
    flat = jnp.concatenate(parts)

    def position(kind, i):
        if kind == -1:
            return i
        if kind == -2:
            return offsets[n_state_parts] + i
        if kind == -3:
            return offsets[n_state_parts + has_spikes] + i
        if kind <= -1000:  # a recorded synapse type's current
            return offsets[n_state_parts + has_spikes + has_clamps + n_current_rows + (-1000 - kind)] + i
        if kind <= -4:
            return offsets[n_state_parts + has_spikes + has_clamps + (-4 - kind)] + i
        return offsets[kind + 1] + i

    index = np.array([position(k, i) for k, i in layout.recordings], dtype=np.int64)
    return flat[index]
