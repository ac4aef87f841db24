"""The membrane's work in one time step: ion variables, currents, state updates.

Everything here is over compartments in node order (the first ``n_comps`` nodes). Each
mechanism sees its own compartments: the whole range when it is everywhere (a slice), a
gather otherwise.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import partial

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero
from jaxtyping import Array

from .compile.system import Layout, Placement
from .mechanisms.channel import Inputs, second_order_keywords
from .mechanisms.ions import VALENCE, names, nernst
from .mechanisms.point_neuron import PointNeuron

__all__ = ["checked_states", "initial_states", "ion_environment", "membrane_currents", "point_neuron_voltages", "updated_states"]

Env = dict[str, Array]
States = tuple[dict[str, Array], ...]


def at(placement: Placement, values: Array, n_comps: int) -> Array:
    """``values`` (over compartments, node order) at the mechanism's compartments."""
    return values[:n_comps] if placement.everywhere else values[placement.nodes]


def scatter(placement: Placement, full: Array, values: Array) -> Array:
    """``full`` with the mechanism's compartments replaced by ``values``."""
    return values if placement.everywhere else full.at[placement.nodes].set(values)


def ion_environment(layout: Layout, ion_params: Mapping[str, Array], states: States, celsius: Array) -> Env:
    """Reversal potentials and concentrations over all compartments, for the present states.

    Concentrations written by a mechanism come from its state (from ``ion_params`` for a
    writer without states yet: before its start values); reversal potentials where a
    concentration is read or written follow the Nernst equation (NEURON's rule), elsewhere
    they are parameters.
    """
    env = dict(ion_params)
    computed: dict[str, Array] = {}
    for var, k in layout.writers + layout.readers:
        pl = layout.placements[k]
        if (var, k) in layout.writers and var in states[k]:
            env[var] = scatter(pl, env[var], states[k][var])
        mask = computed.get(var[:-1], jnp.zeros(layout.n_comps, bool))
        computed[var[:-1]] = scatter(pl, mask, jnp.ones(len(pl.nodes), bool))
    for ion, mask in computed.items():
        e, inside, outside, _ = names(ion)
        env[e] = jnp.where(mask, nernst(env[inside], env[outside], VALENCE[ion], celsius), env[e])
    return env


def _inputs(pl: Placement, own: Mapping[str, Array], env: Env, n_comps: int, currents: Env | None = None):
    p = Inputs(own, pl.mechanism)
    for ion in pl.mechanism.ions:
        for var in names(ion)[:3]:
            if var not in pl.mechanism.own_ion_variables:
                p[var] = at(pl, env[var], n_comps)
        if currents is not None:
            cur = names(ion)[3]
            p[cur] = at(pl, currents[cur], n_comps)
    return p


def membrane_currents(
    layout: Layout,
    states: States,
    v: Array,
    env: Env,
    mech_params: tuple[dict[str, Array], ...],
) -> tuple[Array, Array, Env, Env]:
    """Total membrane current density and its slope at ``v``, and the density of each ion.

    Returns ``(current, conductance, ion_currents, ion_slopes)``: mA/cm² and S/cm² per
    compartment (the slope ``d current / d v`` by forward-mode differentiation),
    ``{"ina": ..., ...}`` (plus ``"i_<Mechanism>"``, each mechanism's own total, mA/cm² per
    compartment; and each recorded value a mechanism computes with its current,
    ``"<Mechanism>_<value>"``, `Mechanism.computed`), and each ion current's slope ``{"ina": d ina / d v, ...}`` (S/cm²;
    NEURON's ``dina_dv_``) from the same pass (XLA drops what a caller does not use).
    """
    c = layout.n_comps
    v_c = v[:c]
    conductance = jnp.zeros_like(v_c)
    current = jnp.zeros_like(v_c)
    ion_currents = {names(ion)[3]: jnp.zeros_like(v_c) for ion in layout.ions}
    ion_slopes = dict(ion_currents)
    for pl, s, own in zip(layout.placements, states, mech_params):
        mech = pl.mechanism
        if isinstance(mech, PointNeuron):
            continue  # not a membrane current: it owns the voltage (see `point_neuron_voltages`)
        p = _inputs(pl, own, env, c)

        def total(v_m, mech=mech, s=s, p=p):
            out = mech.current(s, v_m, p)
            parts = out if isinstance(out, Mapping) else {"nonspecific": out}
            for ion, value in parts.items():
                if jnp.shape(value) not in ((), v_m.shape):
                    raise ValueError(
                        f"{mech.name}.current() returned a{'' if ion == 'nonspecific' else ' ' + repr(ion)} current "
                        f"of shape {jnp.shape(value)}; it must be one value per compartment, like v: {v_m.shape}"
                    )
            return sum(parts.values()), parts

        v_m = at(pl, v, c)
        (i, parts), (g, part_slopes) = jax.jvp(total, (v_m,), (jnp.ones_like(v_m),))
        if pl.everywhere:
            conductance = conductance + g
            current = current + i
        else:
            conductance = conductance.at[pl.nodes].add(g)
            current = current.at[pl.nodes].add(i)
        own_total = jnp.zeros_like(v_c)
        ion_currents[f"i_{pl.name}"] = i if pl.everywhere else own_total.at[pl.nodes].set(i)
        recorded = [k for k in mech.computed if f"{pl.name}_{k}" in layout.recorded_currents]
        if recorded:  # values computed with the current (`Mechanism.computed`), when recorded
            values = mech.computed_values(s, v_m, p)
            for k in recorded:
                value = jnp.broadcast_to(values[k], v_m.shape)
                ion_currents[f"{pl.name}_{k}"] = value if pl.everywhere else own_total.at[pl.nodes].set(value)
        for ion, value in parts.items():
            if ion == "nonspecific":
                continue
            key = names(ion)[3]
            if key not in ion_currents:
                raise ValueError(f"{pl.name} carries a current of ion {ion!r} but does not list it in `ions`")
            ion_currents[key] = ion_currents[key] + value if pl.everywhere else ion_currents[key].at[pl.nodes].add(value)
            slope = part_slopes[ion]
            ion_slopes[key] = ion_slopes[key] + slope if pl.everywhere else ion_slopes[key].at[pl.nodes].add(slope)
    return current, conductance, ion_currents, ion_slopes


def updated_states(
    layout: Layout,
    states: States,
    v_new: Array,
    dt: Array,
    env: Env,
    mech_params: tuple[dict[str, Array], ...],
    ion_currents: Env,
    celsius: Array,
    local_slopes: bool = True,
    second_order: bool = False,
) -> States:
    """All mechanism states one step later, mechanism by mechanism: those that write an ion
    concentration first (as NEURON orders them), then the others, in insertion order.

    ``v_new`` (mV, every node) is the voltage the states relax at; ``dt`` ms. Differentiable;
    with ``local_slopes`` (the default) the derivative with respect to ``v_new`` is taken as
    `_updated_states_jvp` says, which requires every mechanism to act compartment by
    compartment; ``False`` leaves the derivative to JAX. ``second_order``: the step is
    Crank–Nicolson's, passed on to mechanisms that take it (`second_order_keywords`).
    """
    update = _updated_states if local_slopes else _advance_states
    return update(layout, second_order, states, v_new, dt, env, mech_params, ion_currents, celsius)


def checked_states(mechanism, method: str, states: Mapping[str, Array], like: Array | None = None) -> dict[str, Array]:
    """``states`` as returned by ``mechanism.<method>``, checked (while tracing, at no cost
    per step) to hold exactly the declared states: a misspelt name was silently dropped (a
    state that never moved) or failed far away with a bare ``KeyError``. With ``like`` (the
    voltage over the mechanism's compartments), each state must have its shape and dtype
    (JAX's "carry input and carry output must have equal types" named neither)."""
    if not isinstance(states, Mapping):
        raise TypeError(f"{mechanism.name}.{method}() must return a dict of its states; got {type(states).__name__}")
    if like is not None:
        for name, value in states.items():
            _check_like_v(mechanism, method, f"state {name!r}", value, like)
    unknown = sorted(set(states) - set(mechanism.states))
    missing = sorted(set(mechanism.states) - set(states))
    if unknown or missing:
        declared = ", ".join(repr(k) for k in mechanism.states) or "none"
        parts = ([f"returned {', '.join(map(repr, unknown))}, not a declared state"] if unknown else []) + (
            [f"did not return {', '.join(map(repr, missing))}"] if missing else []
        )
        raise ValueError(
            f"{mechanism.name}.{method}() {' and '.join(parts)}: it must return every state declared in "
            f"`states` ({declared}) and no other; fix the name or declare the state"
        )
    return dict(states)


def _advance_states(layout, second_order, states, v_new, dt, env, mech_params, ion_currents, celsius) -> States:
    c = layout.n_comps
    out = list(states)
    writers = sorted({k for _, k in layout.writers})
    # Writers first: a mechanism that reads a concentration sees this step's value whatever
    # the insertion order (NEURON's order; reading cai before its writer moved v by 1.4 mV).
    for k in writers + [k for k in range(len(layout.placements)) if k not in writers]:
        pl = layout.placements[k]
        if isinstance(pl.mechanism, PointNeuron):
            continue  # advanced with the voltage, before the solve
        p = _inputs(pl, mech_params[k], env, c, ion_currents)
        v_m = at(pl, v_new, c)
        new = pl.mechanism.update_states(states[k], v_m, dt, p, **second_order_keywords(pl.mechanism, second_order))
        out[k] = checked_states(pl.mechanism, "update_states", new, v_m)
        if k in writers:
            # Later mechanisms see the concentrations this one has just written, and the
            # reversal potentials of the step's start (NEURON computes those with the
            # currents; a reader's SOLVE block sees them: one with the new ena was 0.046 mV off).
            env = dict(env)
            for var, writer in layout.writers:
                if writer == k:
                    env[var] = scatter(pl, env[var], out[k][var])
    return tuple(out)


_updated_states = jax.custom_jvp(_advance_states, nondiff_argnums=(0, 1))


@partial(_updated_states.defjvp, symbolic_zeros=True)
def _updated_states_jvp(layout, second_order, primals, tangents):
    """Derivative of the state update, its voltage part by one forward pass with unit tangent.

    Each state at a compartment depends on the voltage at that compartment only (mechanisms
    act compartment by compartment), so the derivative with respect to the voltage is
    diagonal: a tangent of ones gives every state's slope ``d s / d v`` (1/mV) in one pass,
    and the tangent of a voltage change is that slope times it. Reverse mode then keeps these
    slopes instead of differentiating the rate functions backwards, which costs several
    kernels and divisions per rate on a CPU.
    """
    states, v_new, *rest = primals
    _, dv, *d_rest = tangents
    d_inputs = (tangents[0], *d_rest)
    inputs = (states, *rest)
    flat, tree = jax.tree.flatten(inputs)
    d_flat = tree.flatten_up_to(d_inputs)
    moving = [i for i, t in enumerate(d_flat) if not isinstance(t, SymbolicZero)]

    def of_moving(*values):
        full = list(flat)
        for i, x in zip(moving, values):
            full[i] = x
        return _advance_states(layout, second_order, *_with_voltage(jax.tree.unflatten(tree, full), v_new))

    out, slope = jax.jvp(
        lambda v: _advance_states(layout, second_order, *_with_voltage(inputs, v)), (v_new,), (jnp.ones_like(v_new),)
    )
    if moving:
        _, t_out = jax.jvp(of_moving, tuple(flat[i] for i in moving), tuple(d_flat[i] for i in moving))
    else:
        t_out = jax.tree.map(jnp.zeros_like, out)
    if not isinstance(dv, SymbolicZero):
        c = layout.n_comps
        t_out = tuple(
            {k: t[k] + slope[m][k] * at(pl, dv, c) for k in t} if _advanced(pl) else t
            for m, (pl, t) in enumerate(zip(layout.placements, t_out))
        )
    return out, t_out


def _advanced(pl: Placement) -> bool:
    """Whether `_advance_states` advances this mechanism's states (point neurons are not)."""
    return not isinstance(pl.mechanism, PointNeuron)


def _with_voltage(inputs, v):
    states, *rest = inputs
    return (states, v, *rest)


def point_neuron_voltages(
    layout: Layout,
    states: States,
    v: Array,
    node_input: tuple[Array, Array],
    dt: Array,
    env: Env,
    mech_params: tuple[dict[str, Array], ...],
) -> tuple[list[tuple[Placement, Array]], States]:
    """New voltages and states of the point neurons, from ``node_input``: the input current
    (nA per compartment) at the present voltage and its slope (µS: minus its derivative in
    the voltage), given as ``g_in`` to point neurons that take it (`PointNeuron.input_conductance`)."""
    c = layout.n_comps
    node_input, node_slope = node_input
    held, out = [], list(states)
    for k, (pl, own) in enumerate(zip(layout.placements, mech_params)):
        if not isinstance(pl.mechanism, PointNeuron):
            continue
        p = _inputs(pl, own, env, c)
        slope = {"g_in": at(pl, node_slope, c)} if _takes_input_conductance(pl.mechanism) else {}
        v_m = at(pl, v, c)
        returned = pl.mechanism.update_voltage(v_m, states[k], at(pl, node_input, c), dt, p, **slope)
        v_new, s_new = _voltage_and_states(pl.mechanism, returned, v_m)
        held.append((pl, v_new))
        out[k] = s_new
    return held, tuple(out)


def _voltage_and_states(mechanism: PointNeuron, returned, v: Array) -> tuple[Array, dict[str, Array]]:
    """``update_voltage``'s ``(voltage, states)``, checked (while tracing) as `checked_states`
    checks ``update_states``': a spike returned as a bool, or a float32 voltage in a float64
    run, failed in JAX's scan with "carry input and carry output must have equal types",
    naming neither the mechanism nor the value (found by review); a scalar voltage was
    broadcast silently."""
    if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
        raise TypeError(
            f"{mechanism.name}.update_voltage() must return a pair (v_next, states): the voltage (mV) and a dict "
            f"of its states; got {type(returned).__name__}"
        )
    v_new, states = returned
    _check_like_v(mechanism, "update_voltage", "a voltage", v_new, v)
    return v_new, checked_states(mechanism, "update_voltage", states, v)


def _check_like_v(mechanism, method: str, what: str, value: Array, v: Array) -> None:
    """Raise unless ``value``, which ``mechanism.method()`` returned, is one value per
    compartment like ``v`` (its shape and dtype)."""
    shape, dtype = jnp.shape(value), jnp.result_type(value)
    if shape != v.shape or dtype != v.dtype:
        raise TypeError(
            f"{mechanism.name}.{method}() returned {what} of shape {shape} and dtype {dtype}; it must be one value "
            f"per compartment, like v: shape {v.shape}, dtype {v.dtype} (jnp.full_like(v, x) makes one from a "
            "number, x.astype(v.dtype) converts one)"
        )


def _takes_input_conductance(mechanism: PointNeuron) -> bool:
    """``input_conductance`` set and ``update_voltage`` taking ``g_in``: a subclass of `LIF`
    that overrides it with the documented signature (without ``g_in``) gets the current only."""
    if not mechanism.input_conductance:
        return False
    parameters = inspect.signature(mechanism.update_voltage).parameters
    return "g_in" in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def initial_states(
    layout: Layout,
    v: Array,
    ion_params: Mapping[str, Array],
    mech_params: tuple[dict[str, Array], ...],
    explicit: tuple[dict[str, Array], ...],
    celsius: Array,
    trained: bool = False,
) -> States:
    """States at t = 0: concentration writers first, then the others (steady state unless set;
    ``trained``: set by trainables too, see `Layout.is_set`).

    Each mechanism starts with the reversal potentials of the concentrations so far, as
    NEURON's ``finitialize`` computes them before the INITIAL blocks and again after each
    writer's: a mechanism reading ``eca`` at its start got the parameter (132.5 mV) instead
    of the Nernst value of the concentrations (127.6 mV at 6.3 °C; a review)."""
    c = layout.n_comps
    states: list[dict[str, Array]] = [dict() for _ in layout.placements]
    writers = sorted({k for _, k in layout.writers})
    order = writers + [k for k in range(len(layout.placements)) if k not in writers]
    env = ion_environment(layout, ion_params, tuple(states), celsius)
    for k in order:
        pl, own = layout.placements[k], mech_params[k]
        p = _inputs(pl, own, env, c)
        v_m = at(pl, v, c)
        s = checked_states(pl.mechanism, "init_states", pl.mechanism.init_states(v_m, p), v_m)
        for name in s:
            mask = layout.is_set(f"{pl.name}_{name}", trained)
            if mask is not None and name in explicit[k]:
                s[name] = jnp.where(mask[pl.comps], explicit[k][name], s[name])
        states[k] = s
        if k in writers:
            env = ion_environment(layout, ion_params, tuple(states), celsius)
    return tuple(states)
