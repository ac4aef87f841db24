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

from .compile.system import Layout, Placement, System
from .mechanisms.ions import ION_DEFAULTS
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
        dt: time step, ms.
        capacitance: node capacitance, nF (0 at zero-area nodes).
        area: compartment membrane area, µm².
        coupling: axial coupling in the solver's form (negative conductances, µS).
        coupling_sum: total axial conductance at each node, µS.
        v_init: initial membrane potential at each node, mV.
        mech_params: for each mechanism, its parameters over its compartments (plus ion
            variables and ``celsius``).
    """

    dt: Array
    capacitance: Array
    area: Array
    coupling: CouplingWeights
    coupling_sum: Array
    v_init: Array
    mech_params: tuple[dict[str, Array], ...]
    initial_states: tuple[dict[str, Array], ...]


def _mechanism_params(placement: Placement, params: Mapping[str, Array]) -> dict[str, Array]:
    mech = placement.mechanism
    comps = placement.comps
    out = {k: params[f"{placement.name}_{k}"][comps] for k in mech.params}
    for ion in mech.ions:
        for var in ION_DEFAULTS[ion]:
            out[var] = params[var][comps]
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
    coupling = couple(layout.solver, -g_edge)
    coupling_sum = jnp.zeros((layout.n_nodes,), g_edge.dtype)
    if len(layout.edge_nodes):
        coupling_sum = coupling_sum.at[layout.edge_nodes[:, 0]].add(g_edge)
        coupling_sum = coupling_sum.at[layout.edge_nodes[:, 1]].add(g_edge)
    area = area_desc[nc]
    capacitance = p["capacitance"][nc] * area * CAPACITANCE_TO_NODE
    v_comp = p["v"][nc]
    v_init = jnp.concatenate([v_comp, v_comp[layout.junction_source]])
    mech_params = tuple(_mechanism_params(pl, p) for pl in layout.placements)
    initial_states = tuple(
        {k: jnp.asarray(system.initial_states[f"{pl.name}_{k}"], dtype)[pl.comps] for k in pl.mechanism.states}
        for pl in layout.placements
    )
    return Prepared(
        dt=jnp.asarray(delta_t, dtype),
        capacitance=capacitance,
        area=area,
        coupling=coupling,
        coupling_sum=coupling_sum,
        v_init=v_init,
        mech_params=mech_params,
        initial_states=initial_states,
    )


def _v_at(placement: Placement, v: Array, n_comps: int) -> Array:
    return v[:n_comps] if placement.everywhere else v[placement.nodes]


def init_state(system: System, prepared: Prepared) -> State:
    """Voltages at their initial values; mechanism states at steady state unless set."""
    layout = system.layout
    states = []
    for pl, p, explicit in zip(layout.placements, prepared.mech_params, prepared.initial_states):
        v = _v_at(pl, prepared.v_init, layout.n_comps)
        s = pl.mechanism.init_states(v, p)
        s = {k: jnp.where(jnp.isnan(explicit[k]), s[k], explicit[k]) if k in explicit else s[k] for k in s}
        states.append(s)
    return State(v=prepared.v_init, states=tuple(states))


def _total_current(mech, s, p):
    def f(v):
        i = mech.current(s, v, p)
        if isinstance(i, Mapping):
            return sum(i.values())
        return i

    return f


def step(
    system: System,
    prepared: Prepared,
    state: State,
    i_ext: Float[Array, " stimuli"],
    solver: Stepper = BackwardEuler(),
) -> State:
    """Advance one time step ``prepared.dt``.

    ``i_ext`` holds each stimulus' current (nA) for this step. Membrane currents are
    linearised at the present voltage (slope by forward-mode differentiation), the implicit
    voltage equation is solved exactly, then mechanism states advance on the new voltage.
    """
    layout = system.layout
    c = layout.n_comps
    v = state.v
    v_c = v[:c]
    conductance = jnp.zeros_like(v_c)
    current = jnp.zeros_like(v_c)
    for pl, s, p in zip(layout.placements, state.states, prepared.mech_params):
        v_m = _v_at(pl, v, c)
        i, g = jax.jvp(_total_current(pl.mechanism, s, p), (v_m,), (jnp.ones_like(v_m),))
        if pl.everywhere:
            conductance = conductance + g
            current = current + i
        else:
            conductance = conductance.at[pl.nodes].add(g)
            current = current.at[pl.nodes].add(i)
    scale = solver.capacitance_factor / prepared.dt
    a = prepared.area * DENSITY_TO_NODE
    cap = prepared.capacitance * scale
    pad = jnp.zeros((layout.n_nodes - c,), v.dtype)
    diag = jnp.concatenate([cap + a * conductance, pad]) + prepared.coupling_sum
    rhs = jnp.concatenate([cap * v_c + a * (conductance * v_c - current), pad])
    if len(layout.stimulus_nodes):
        rhs = rhs.at[layout.stimulus_nodes].add(i_ext)
    x = solve_voltage_system(layout.solver, prepared.coupling, diag, rhs)
    v_new = x if solver.extrapolation == 1.0 else v + solver.extrapolation * (x - v)
    new_states = tuple(
        pl.mechanism.update_states(s, _v_at(pl, v_new, c), prepared.dt, p)
        for pl, s, p in zip(layout.placements, state.states, prepared.mech_params)
    )
    return State(v=v_new, states=new_states)


def observe(system: System, state: State) -> Float[Array, " recordings"]:
    """The recorded quantities of ``state``, in recording order."""
    layout = system.layout
    parts = [state.v] + [state.states[m][name] for m, name in layout.recording_states]
    offsets = np.cumsum([0] + [len(x) for x in parts])
    flat = jnp.concatenate(parts)
    index = np.array([(offsets[k + 1] if k >= 0 else 0) + i for k, i in layout.recordings], dtype=np.int64)
    return flat[index]


@partial(jax.jit, static_argnames=("n_steps", "solver"))
def _run(system: System, params, stimuli, delta_t, n_steps: int, solver: Stepper):
    prepared = prepare(system, params, delta_t, solver)
    state = init_state(system, prepared)

    def body(state, i_ext):
        state = step(system, prepared, state, i_ext, solver)
        return state, observe(system, state)

    first = observe(system, state)
    if stimuli.shape[0]:
        xs = jnp.asarray(stimuli, first.dtype)[:, :n_steps].T
    else:
        xs = jnp.zeros((n_steps, 0), first.dtype)
    _, trace = jax.lax.scan(body, state, xs)
    return jnp.concatenate([first[None], trace], axis=0).T


def integrate(
    module: Any,
    *,
    t_max: float,
    delta_t: float = 0.025,
    solver: Stepper = BackwardEuler(),
    params: Mapping[str, Any] | None = None,
    stimuli: Any = None,
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
    stim = _check_stimuli(system, stimuli, n_steps)
    return _run(system, overrides, stim, jnp.asarray(delta_t, jnp.result_type(float)), n_steps, solver)


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


def _check_stimuli(system: System, stimuli: Any, n_steps: int) -> Array:
    n_stim = len(system.layout.stimulus_nodes)
    n_points = n_steps + 1
    if stimuli is None:
        for k, w in enumerate(system.stimuli):
            if w.shape != (n_points,):
                raise ValueError(
                    f"stimulus {k} has {w.shape[0]} values, but t_max / delta_t = {n_steps} steps need "
                    f"{n_points} (one per time point from 0 to t_max)"
                )
        if n_stim == 0:
            return jnp.zeros((0, n_points))
        return jnp.stack(system.stimuli)
    arr = jnp.asarray(stimuli)
    if arr.shape != (n_stim, n_points):
        raise ValueError(
            f"stimuli must have shape (n_stimuli, n_time_points) = ({n_stim}, {n_points}); got {arr.shape}"
        )
    return arr
