"""The resting state: Newton steps on the current balance with every state at its steady
state (`dendrax.Rest`, ``integrate(..., initial=dx.Rest())``)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from . import membrane, synaptic
from .compile.system import System
from .prepared import DENSITY_TO_NODE, Prepared
from .simulate import State, axial_currents, correction_form, voltage_solve

__all__ = ["rest_iteration"]


#: S/cm²: far below any membrane's conductance (1 GΩ·cm²); see `rest_iteration`.
REST_REGULARIZATION = 1e-9

#: Passes of the states at each Newton step where a mechanism writes a concentration.
CONCENTRATION_PASSES = 4


def rest_iteration(
    system: System, prepared: Prepared, state: State, clamps: Float[Array, " clamps"] | None = None
) -> State:
    """One Newton step towards the resting state (no stimulus; clamps held at ``clamps``).

    At rest every state is at its steady state for the local voltage, and the membrane
    current balances the axial currents. The steady-state membrane current ``i(v)`` (states
    relaxed over a very long step) is linearised with its full slope (gates included, by
    forward-mode differentiation); the resulting linear system is the voltage equation
    without capacitance, solved exactly on the tree. Where a mechanism writes a
    concentration, the states are relaxed `CONCENTRATION_PASSES` times at each voltage
    (the concentration, the currents that set it and the gates that read it settle
    together), so that the slope includes the concentration's response. Converges
    quadratically near rest.
    Point neurons keep their voltage. Synapse states relax to their steady state too (graded
    synapses: for the present presynaptic voltage; event-driven ones: no spikes in flight),
    and synaptic currents enter the balance linearised in the postsynaptic voltage only: with
    graded synapses convergence is linear, at a rate set by their conductance against the
    membrane's (``Rest(steps=...)`` may need more than the default). Gap junctions, loops
    included, are in the solve.

    Example:
        With a larger leak the cell no longer rests at -65 mV:

        >>> import jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> from dendrax.rest import rest_iteration
        >>> from dendrax.simulate import init_state, prepare
        >>> cell = dx.Compartment(length=20.0, radius=10.0)           # µm
        >>> cell.insert(HH())
        >>> system = cell.compile()
        >>> leaky = prepare(system, {"HH_gLeak": jnp.full(1, 5e-4)})   # S/cm²
        >>> state = init_state(system, leaky)
        >>> for _ in range(5):
        ...     state = rest_iteration(system, leaky, state)
        >>> round(float(state.v[0]), 3)                                # mV
        -63.564
    """
    layout = system.layout
    network = layout.network
    c = layout.n_comps
    v = state.v
    forever = jnp.asarray(1e9, v.dtype)  # ms: long enough for any state to settle
    synapses = state.synapses
    if network.groups:
        synapses = synaptic.update_synapses(network, synapses, prepared.syn_params, v, forever)

    # A concentration's steady state depends on the currents, which depend on it (eca, and
    # gates such as SK's reading cai): a few passes of the states at this voltage before
    # the Newton step carry that loop into the step's slope (with one pass, a calcium pool
    # made convergence linear: 2e-3 mV after 20 iterations; with four, 1e-12 mV after 7).
    passes = CONCENTRATION_PASSES if layout.writers else 1

    def relaxed(v_full, states):
        env = membrane.ion_environment(layout, prepared.ion_params, states, prepared.celsius)
        _, _, ion_currents, _ = membrane.membrane_currents(layout, states, v_full, env, prepared.mech_params)
        return membrane.updated_states(
            layout, states, v_full, forever, env, prepared.mech_params, ion_currents, prepared.celsius
        )

    def steady(v_c):
        v_full = jnp.concatenate([v_c, v[c:]])
        states = jax.lax.fori_loop(0, passes, lambda _, s: relaxed(v_full, s), state.states)
        env = membrane.ion_environment(layout, prepared.ion_params, states, prepared.celsius)
        current, _, _, _ = membrane.membrane_currents(layout, states, v_full, env, prepared.mech_params)
        return current, states

    (current, states), (slope, _) = jax.jvp(steady, (v[:c],), (jnp.ones_like(v[:c]),))
    a = prepared.area * DENSITY_TO_NODE
    pad = jnp.zeros((layout.n_nodes - c,), v.dtype)
    # Newton's step, for the correction dv (float32: rhs the net current into each node, axial
    # currents from voltage differences) or for the new voltage (float64), as `assemble`.
    correction = correction_form(v.dtype)
    # A tiny conductance towards the present voltage, REST_REGULARIZATION (S/cm²): it vanishes
    # at the fixed point (v_new = v), so rest is unchanged, and keeps the system solvable
    # where no membrane conductance fixes the voltage (a passive cell without any leak: every
    # voltage is at rest, and the present one is kept; the solve divided by zero: NaN).
    held_slope = slope + REST_REGULARIZATION
    diag = jnp.concatenate([a * held_slope, pad]) + prepared.coupling_sum
    if correction:
        rhs = jnp.concatenate([-a * current, pad]) - axial_currents(layout, prepared, v)
    else:
        rhs = jnp.concatenate([a * (held_slope * v[:c] - current), pad])
    if network.groups:
        diag, rhs, _, _ = synaptic.synaptic_terms(network, synapses, prepared.syn_params, v, diag, rhs, correction)
    base = v if correction else jnp.zeros_like(v)  # what the unknown is measured from
    # Point neurons keep their voltage; clamped nodes go to the clamp value.
    held = [(pl.nodes, v[pl.nodes] - base[pl.nodes]) for pl in (layout.placements[k] for k in layout.point_neurons)]
    if len(layout.voltage_clamps):
        which, nodes = layout.voltage_clamps[:, 0], layout.voltage_clamps[:, 1]
        held.append((nodes, clamps[which] - base[nodes]))
        edges = layout.clamped_edges
        free = edges[:, 2] >= 0
        if free.any():  # into each neighbour: the edge's current at the clamp value
            by_clamp = jnp.zeros((len(clamps),), v.dtype).at[which].set(clamps[which])
            other, g = edges[free, 2], prepared.clamp_conductance[free]
            rhs = rhs.at[other].add(g * (by_clamp[edges[free, 1]] - (v[other] if correction else 0.0)))
    for nodes, values in held:
        diag = diag.at[nodes].set(1.0)
        rhs = rhs.at[nodes].set(values)
    v_new = base + voltage_solve(layout, prepared, diag, rhs)
    return eqx.tree_at(lambda s: (s.v, s.states, s.synapses), state, (v_new, states, synapses))
