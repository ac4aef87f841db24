"""Simulation: a pure function of a compiled `System`, parameters and stimuli.

Low level (pure, composable with ``jit``/``vmap``/``grad``)::

    prepared = prepare(system, params, delta_t, solver)   # geometry -> conductances, once
    state = init_state(system, prepared)                  # voltages and states at t = 0
    state = step(system, prepared, state, i_ext)          # one time step
    values = observe(system, state)                       # the recorded quantities

High level: `integrate` runs the whole time loop (a ``lax.scan``) and returns the
recordings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .checkpointing import Checkpoint, checkpointed_scan
from .compile.system import Placement, System
from . import membrane
from .mechanisms.ions import names as ion_names
from .solve.hines import CouplingWeights, couple, solve_voltage_system
from .solve.steppers import BackwardEuler, Stepper

__all__ = ["Prepared", "State", "init_state", "integrate", "observe", "prepare", "step"]

# Unit conversions. Areas µm², capacitance µF/cm², current density mA/cm², conductance
# density S/cm², resistivity Ω·cm, voltage mV, time ms; node currents nA, conductances µS.
DENSITY_TO_NODE = 1e-2  # (mA/cm²)·µm² -> nA and (S/cm²)·µm² -> µS
CAPACITANCE_TO_NODE = 1e-5  # (µF/cm²)·µm² -> nF
RESISTANCE_TO_MOHM = 1e-2  # Ω·cm · µm / µm² -> MΩ


class State(eqx.Module):
    """The state of a simulation at one time point.

    Attributes:
        v: membrane potential at every node, mV (node order).
        states: for each mechanism (in placement order), its states over its compartments.
    """

    v: Float[Array, " nodes"]
    states: tuple[dict[str, Array], ...]


class Prepared(eqx.Module):
    """Quantities that are constant during a simulation, computed once from the parameters.

    Attributes:
        clamp_conductance: axial conductance (µS) of each edge touching a voltage-clamped node.
        dt: time step, ms.
        capacitance: node capacitance, nF (0 at zero-area nodes).
        area: compartment membrane area, µm².
        coupling: axial coupling in the solver's form (negative conductances, µS).
        coupling_sum: total axial conductance at each node, µS.
        v_init: initial membrane potential at each node, mV.
        mech_params: for each mechanism, its parameters over its compartments (and
            ``celsius``).
        ion_params: reversal potentials and concentrations as parameters, per compartment.
        initial_states: explicitly set initial states per mechanism (NaN: steady state).
        celsius: temperature, °C.
        volume: compartment volume, µm³.
        diffusion: for each diffusing concentration, its coupling in the solver's form
            (µm³/ms between neighbouring nodes) and the total coupling of each node.
    """

    clamp_conductance: Array
    dt: Array
    capacitance: Array
    area: Array
    coupling: CouplingWeights
    coupling_sum: Array
    v_init: Array
    mech_params: tuple[dict[str, Array], ...]
    ion_params: dict[str, Array]
    initial_states: tuple[dict[str, Array], ...]
    celsius: Array
    volume: Array
    diffusion: tuple[tuple[CouplingWeights, Array], ...]


def _mechanism_params(placement: Placement, params: Mapping[str, Array]) -> dict[str, Array]:
    """A mechanism's own parameters (short names) and ``celsius``, over its compartments."""
    comps = placement.comps
    out = {k: params[f"{placement.name}_{k}"][comps] for k in placement.mechanism.params}
    out["celsius"] = jnp.broadcast_to(params["celsius"], (len(comps),))
    return out


def prepare(
    system: System,
    params: Mapping[str, Array] | None = None,
    delta_t: float | Array = 0.025,
    solver: Stepper = BackwardEuler(),
) -> Prepared:
    """Compute conductances, capacitances and per-mechanism parameters (differentiable).

    Args:
        system: the compiled model.
        params: overrides for ``system.params`` (see `integrate`); already validated.
        delta_t: time step, ms.
        solver: the time stepper.
    """
    layout = system.layout
    dtype = jnp.result_type(float)  # float64 with jax_enable_x64, else float32
    p = dict(system.params)
    if params:
        p.update(params)
    p = {k: jnp.asarray(v, dtype) for k, v in p.items()}
    shape = {k: jnp.asarray(v, dtype) for k, v in system.shape.items()}
    nc = layout.node_comp
    length, radius = p["length"], p["radius"]
    area_desc = 2.0 * jnp.pi * radius * length * shape["area_factor"]
    half = RESISTANCE_TO_MOHM * p["axial_resistivity"] * (length / 2.0) / (jnp.pi * radius * radius)
    halves = jnp.stack(
        [half * shape["resistance_factor_left"], half * shape["resistance_factor_right"]], axis=1
    ).reshape(-1)
    halves = jnp.concatenate([halves, jnp.zeros((1,), halves.dtype)])
    r_edge = halves[layout.edge_halves[:, 0]] + halves[layout.edge_halves[:, 1]]
    g_edge = 1.0 / r_edge
    diffusion = tuple(
        _diffusion_operator(layout, p[f"{var}_diffusion"], length, radius, shape) for var, _ in layout.diffusions
    )
    clamped = layout.clamped_edges
    g_free = g_edge.at[clamped[:, 0]].set(0.0) if len(clamped) else g_edge
    coupling = couple(layout.solver, -g_free)  # clamped nodes act on neighbours through rhs
    coupling_sum = jnp.zeros((layout.n_nodes,), g_edge.dtype)
    if len(layout.edge_nodes):
        coupling_sum = coupling_sum.at[layout.edge_nodes[:, 0]].add(g_edge)
        coupling_sum = coupling_sum.at[layout.edge_nodes[:, 1]].add(g_edge)
    area = area_desc[nc]
    capacitance = p["capacitance"][nc] * area * CAPACITANCE_TO_NODE
    v_comp = p["v"][nc]
    v_init = jnp.concatenate([v_comp, v_comp[layout.junction_source]])
    mech_params = tuple(_mechanism_params(pl, p) for pl in layout.placements)
    ion_params = {var: p[var][nc] for ion in layout.ions for var in ion_names(ion)[:3]}
    initial_states = tuple(
        {k: jnp.asarray(system.initial_states[f"{pl.name}_{k}"], dtype)[pl.comps] for k in pl.mechanism.states}
        for pl in layout.placements
    )
    return Prepared(
        clamp_conductance=g_edge[clamped[:, 0]] if len(clamped) else jnp.zeros((0,), dtype),
        dt=jnp.asarray(delta_t, dtype),
        capacitance=capacitance,
        area=area,
        coupling=coupling,
        coupling_sum=coupling_sum,
        v_init=v_init,
        mech_params=mech_params,
        ion_params=ion_params,
        initial_states=initial_states,
        celsius=p["celsius"],
        volume=(jnp.pi * radius * radius * length * shape.get("volume_factor", 1.0))[nc],
        diffusion=diffusion,
    )


def _diffusion_operator(layout, coefficient, length, radius, shape):
    """Coupling (µm³/ms) between neighbouring nodes for a diffusion coefficient (µm²/ms).

    The same geometry as the axial conductance: the integral of dx / (pi r²) over the two
    half compartments between the nodes, with 1 / coefficient in place of the resistivity.
    """
    half = (length / 2.0) / (jnp.pi * radius * radius)
    halves = jnp.stack(
        [half * shape["resistance_factor_left"], half * shape["resistance_factor_right"]], axis=1
    ).reshape(-1)
    halves = jnp.concatenate([halves, jnp.zeros((1,), halves.dtype)])
    k_edge = coefficient / (halves[layout.edge_halves[:, 0]] + halves[layout.edge_halves[:, 1]])
    total = jnp.zeros((layout.n_nodes,), k_edge.dtype)
    if len(layout.edge_nodes):
        total = total.at[layout.edge_nodes[:, 0]].add(k_edge).at[layout.edge_nodes[:, 1]].add(k_edge)
    return couple(layout.solver, -k_edge), total


def init_state(system: System, prepared: Prepared, clamps: Array | None = None) -> State:
    """Voltages at their initial values; mechanism states at steady state unless set.

    ``clamps``: the clamped values at t = 0 (one per clamp), if there are clamps.
    """
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
    )
    if clamps is not None:
        states = _clamp_states(layout, states, clamps)
    return State(v=v, states=states)


def _clamp_states(layout, states, clamps):
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
) -> State:
    """Advance one time step ``prepared.dt``.

    ``i_ext`` holds each stimulus' current (nA) for this step, ``clamps`` each clamp's value
    at the end of the step. Membrane currents are
    linearised at the present voltage (slope by forward-mode differentiation), the implicit
    voltage equation is solved exactly, then mechanism states advance on the new voltage.
    """
    layout = system.layout
    c = layout.n_comps
    v = state.v
    v_c = v[:c]
    env = membrane.ion_environment(layout, prepared.ion_params, state.states, prepared.celsius)
    current, conductance, ion_currents = membrane.membrane_currents(
        layout, state.states, v, env, prepared.mech_params
    )
    scale = solver.capacitance_factor / prepared.dt
    a = prepared.area * DENSITY_TO_NODE
    cap = prepared.capacitance * scale
    pad = jnp.zeros((layout.n_nodes - c,), v.dtype)
    diag = jnp.concatenate([cap + a * conductance, pad]) + prepared.coupling_sum
    rhs = jnp.concatenate([cap * v_c + a * (conductance * v_c - current), pad])
    if len(layout.stimulus_nodes):
        rhs = rhs.at[layout.stimulus_nodes].add(i_ext)
    point_states = state.states
    if layout.point_neurons:
        # Point neurons compute their own voltage from their input, then hold it (like a clamp).
        node_input = -a * current
        if len(layout.stimulus_nodes):
            node_input = node_input.at[layout.stimulus_nodes].add(i_ext, mode="drop")
        held, point_states = membrane.point_neuron_voltages(
            layout, state.states, v, node_input, prepared.dt, env, prepared.mech_params
        )
        for pl, v_pn in held:
            diag = diag.at[pl.nodes].set(1.0)
            rhs = rhs.at[pl.nodes].set(v[pl.nodes] + (v_pn - v[pl.nodes]) / solver.extrapolation)
    if len(layout.voltage_clamps):
        which, nodes = layout.voltage_clamps[:, 0], layout.voltage_clamps[:, 1]
        # The solve's unknown at a clamped node: the clamp value (BE) or its midpoint (CN).
        x_clamped = v[nodes] + (clamps[which] - v[nodes]) / solver.extrapolation
        diag = diag.at[nodes].set(1.0)
        rhs = rhs.at[nodes].set(x_clamped)
        edges = layout.clamped_edges
        free = edges[:, 2] >= 0
        if free.any():
            by_clamp = jnp.zeros((len(clamps),), v.dtype).at[which].set(x_clamped)
            rhs = rhs.at[edges[free, 2]].add(prepared.clamp_conductance[free] * by_clamp[edges[free, 1]])
    x = solve_voltage_system(layout.solver, prepared.coupling, diag, rhs)
    v_new = x if solver.extrapolation == 1.0 else v + solver.extrapolation * (x - v)
    states = membrane.updated_states(
        layout, point_states, v_new, prepared.dt, env, prepared.mech_params, ion_currents, prepared.celsius
    )
    states = _diffuse(layout, prepared, states)
    if clamps is not None:
        states = _clamp_states(layout, states, clamps)
    return State(v=v_new, states=states)


def _diffuse(layout, prepared: Prepared, states):
    """Implicit-Euler diffusion of each diffusing concentration over the cell's tree."""
    if not layout.diffusions:
        return states
    out = [dict(s) for s in states]
    c = layout.n_comps
    for (var, k), (coupling, total) in zip(layout.diffusions, prepared.diffusion):
        conc = out[k][var]
        capacity = prepared.volume / prepared.dt
        pad = jnp.zeros((layout.n_nodes - c,), conc.dtype)
        # Zero-area nodes hold no ion; with a zero coefficient they would be 0 = 0.
        diag = jnp.concatenate([capacity, jnp.where(total[c:] > 0, 0.0, 1.0)]) + total
        rhs = jnp.concatenate([capacity * conc, pad])
        out[k][var] = solve_voltage_system(layout.solver, coupling, diag, rhs)[:c]
    return tuple(out)


def observe(system: System, state: State) -> Float[Array, " recordings"]:
    """The recorded quantities of ``state``, in recording order."""
    layout = system.layout
    parts = [state.v] + [state.states[m][name] for m, name in layout.recording_states]
    offsets = np.cumsum([0] + [len(x) for x in parts])
    flat = jnp.concatenate(parts)
    index = np.array([(offsets[k + 1] if k >= 0 else 0) + i for k, i in layout.recordings], dtype=np.int64)
    return flat[index]


@partial(jax.jit, static_argnames=("n_steps", "solver", "checkpoint"))
def _run(system: System, params, stimuli, clamps, delta_t, n_steps: int, solver: Stepper, checkpoint: Checkpoint):
    prepared = prepare(system, params, delta_t, solver)
    dtype = prepared.dt.dtype
    clamps = jnp.asarray(clamps, dtype)
    state = init_state(system, prepared, clamps[:, 0])

    def body(state, inputs):
        i_ext, clamp_values = inputs
        state = step(system, prepared, state, i_ext, solver, clamp_values)
        return state, observe(system, state)

    first = observe(system, state)
    xs = (jnp.asarray(stimuli, dtype)[:, :n_steps].T, clamps[:, 1:].T)
    _, trace = checkpointed_scan(body, state, xs, n_steps, checkpoint)
    return jnp.concatenate([first[None], trace], axis=0).T


def integrate(
    module: Any,
    *,
    t_max: float,
    delta_t: float = 0.025,
    solver: Stepper = BackwardEuler(),
    params: Mapping[str, Any] | None = None,
    stimuli: Any = None,
    clamps: Any = None,
    checkpoint: Checkpoint = Checkpoint(),
) -> Float[Array, "recordings time"]:
    """Simulate a neuron and return its recordings.

    Args:
        module: a `Cell`, `Branch` or `Compartment` (compiled on the fly, and cached), or a
            compiled `System`.
        t_max: duration, ms; a multiple of ``delta_t``.
        delta_t: time step, ms (NEURON's default 0.025).
        solver: ``dx.BackwardEuler()`` (default, NEURON's scheme) or ``dx.CrankNicolson()``.
        params: values that replace the description's: a dict from parameter name
            (``"HH_gNa"``, ``"radius"``, ``"celsius"``, ...) to a number or an array with one
            value per compartment. This is how to differentiate or ``vmap`` with respect to
            parameters: ``jax.grad(lambda p: loss(dx.integrate(cell, params=p, ...)))``.
        stimuli: currents (nA) that replace the registered stimuli: shape (n_stimuli,
            n_time_points), in the order ``stimulate`` was called.
        clamps: values that replace the registered clamps: shape (n_clamps, n_time_points).
        checkpoint: how reverse-mode gradients bound their memory (`Checkpoint`; by
            default segments of about ``sqrt(n_steps)`` steps). No effect without gradients.

    Returns:
        One row per recording (insertion order), one column per time point ``0, delta_t,
        ..., t_max``: mV for voltages, the state's unit for states.

    Example:
        >>> import jax
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Cell([dx.Branch(length=200.0, radius=1.0, ncomp=8)] * 3, parents=[-1, 0, 0])
        >>> cell.insert(HH())
        >>> cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 5.0, 0.5, 0.025, 20.0))
        >>> cell.branch(2).loc(1.0).record("v")
        >>> dx.integrate(cell, t_max=20.0).shape
        (1, 801)
        >>> g = jax.grad(lambda p: dx.integrate(cell, t_max=20.0, params=p)[0, -1])({"HH_gNa": 0.12})
    """
    system = module if isinstance(module, System) else _compile(module)
    if not isinstance(solver, Stepper):
        raise TypeError(f"solver must be dx.BackwardEuler() or dx.CrankNicolson(); got {solver!r}")
    n_steps = _n_steps(t_max, delta_t)
    if not system.layout.recordings:
        raise ValueError("nothing is recorded: call e.g. cell.branch(0).loc(0.5).record('v') before integrate")
    overrides = _check_params(system, params)
    stim = _check_waveforms(system.stimuli, stimuli, n_steps, "stimulus", "stimuli")
    clamp_values = _check_waveforms(system.clamps, clamps, n_steps, "clamp", "clamps")
    if not isinstance(checkpoint, Checkpoint):
        raise TypeError(f"checkpoint must be a dx.Checkpoint(every=...); got {checkpoint!r}")
    dt = jnp.asarray(delta_t, jnp.result_type(float))
    return _run(system, overrides, stim, clamp_values, dt, n_steps, solver, checkpoint)


def _compile(module: Any) -> System:
    from .model.module import Module

    if not isinstance(module, Module):
        raise TypeError(f"integrate() takes a dx.Cell, dx.Branch, dx.Compartment or System; got {type(module).__name__}")
    return module.compile()


def _n_steps(t_max: Any, delta_t: Any) -> int:
    for name, value in (("t_max", t_max), ("delta_t", delta_t)):
        if isinstance(value, jax.core.Tracer):
            raise TypeError(f"{name} must be a Python number (it fixes the number of steps), not a traced value")
        if not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a number > 0 ms; got {value!r}")
    n = round(t_max / delta_t)
    if n < 1 or abs(n * delta_t - t_max) > 1e-9 * max(1.0, t_max):
        raise ValueError(
            f"t_max = {t_max} ms is not a whole number of steps of delta_t = {delta_t} ms; "
            f"use e.g. t_max = {max(n, 1) * delta_t:g}"
        )
    return int(n)


def _check_params(system: System, params: Mapping[str, Any] | None) -> dict[str, Array]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict from parameter name to value; got {type(params).__name__}")
    out = {}
    n = system.layout.n_comps
    for name, value in params.items():
        if name not in system.params:
            hint = ""
            if name in system.initial_states:
                hint = " (initial states are set on the description, e.g. cell.set('HH_m', 0.1))"
            known = ", ".join(sorted(system.params))
            raise KeyError(f"unknown parameter {name!r}{hint}; known: {known}")
        arr = jnp.asarray(value)
        if not jnp.issubdtype(arr.dtype, jnp.floating):
            arr = arr.astype(jnp.result_type(float))
        expected = system.params[name].shape
        if arr.shape == ():
            arr = jnp.broadcast_to(arr, expected)
        elif arr.shape != expected:
            raise ValueError(
                f"params[{name!r}] has shape {arr.shape}; give a number or an array of shape {expected} "
                f"(one value per compartment, {n} compartments)"
            )
        out[name] = arr
    return out


def _check_waveforms(registered: list[Array], given: Any, n_steps: int, one: str, many: str) -> Array:
    n = len(registered)
    n_points = n_steps + 1
    if given is None:
        for k, w in enumerate(registered):
            if w.shape != (n_points,):
                raise ValueError(
                    f"{one} {k} has {w.shape[0]} values, but t_max / delta_t = {n_steps} steps need "
                    f"{n_points} (one per time point from 0 to t_max)"
                )
        return jnp.stack(registered) if n else jnp.zeros((0, n_points))
    arr = jnp.asarray(given)
    if arr.shape != (n, n_points):
        raise ValueError(f"{many} must have shape (n_{many}, n_time_points) = ({n}, {n_points}); got {arr.shape}")
    return arr
