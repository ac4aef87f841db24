"""The resting state: Newton steps on the current balance with every state at its steady
state (`dendrax.Rest`, ``integrate(..., initial=dx.Rest())``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from . import membrane, synaptic
from .compile.system import System
from .prepared import DENSITY_TO_NODE, Prepared
from .simulate import State, axial_currents, clamp_states, correction_form, voltage_solve
from .solve.hines import edge_currents, solve_voltage_system

__all__ = ["rest_iteration", "settled"]


#: S/cm²: far below any membrane's conductance (1 GΩ·cm²); see `rest_iteration`.
REST_REGULARIZATION = 1e-9

#: Passes of the states at each Newton step where a mechanism writes a concentration.
CONCENTRATION_PASSES = 4

#: Newton iterations on the fixed point of each diffusing concentration at each pass
#: (`_with_diffusion`); its reaction is local and its diffusion linear.
DIFFUSION_ITERATIONS = 3


def rest_iteration(
    system: System,
    prepared: Prepared,
    state: State,
    clamps: Float[Array, " clamps"] | None = None,
    second_order: bool = False,
) -> State:
    """One Newton step towards the resting state (no stimulus; clamps held at ``clamps``;
    ``second_order``: the run's steps are Crank–Nicolson's, whose fixed point a diffusing
    concentration rests at).

    At rest every state is at its steady state for the local voltage, and the membrane
    current balances the axial currents. The steady-state membrane current ``i(v)`` (states
    relaxed over a very long step) is linearised with its full slope (gates included, by
    forward-mode differentiation); the resulting linear system is the voltage equation
    without capacitance, solved exactly on the tree. Where a mechanism writes a
    concentration, the states are relaxed `CONCENTRATION_PASSES` times at each voltage
    (the concentration, the currents that set it and the gates that read it settle
    together), so that the slope includes the concentration's response; a diffusing
    concentration settles with its diffusion (`_with_diffusion`). Converges
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

        def update(start, dt=forever, step_order=False):
            return membrane.updated_states(
                layout, start, v_full, dt, env, prepared.mech_params, ion_currents, prepared.celsius,
                second_order=step_order,
            )

        # The run's own step (a derivimplicit mechanism steps differently under Crank–Nicolson:
        # with the backward-Euler step, a CN run drifted by 1.5e-6 of cai from rest: a review).
        return clamped(
            _with_diffusion(layout, prepared, states, update, lambda s: update(s, prepared.dt, second_order))
            if layout.diffusions
            else update(states)
        )

    def clamped(states):
        # Clamped states stay at their clamp values, as after every step of the run (they
        # relaxed to the unclamped rest, and the run then drifted away from it: a review).
        return states if clamps is None else clamp_states(layout, states, clamps)

    def steady(v_c):
        v_full = jnp.concatenate([v_c, v[c:]])
        states = jax.lax.fori_loop(0, passes, lambda _, s: relaxed(v_full, s), clamped(state.states))
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
        diag, rhs, _, _ = synaptic.synaptic_terms(
            network, synapses, prepared.syn_params, v, diag, rhs, correction
        )
    base = v if correction else jnp.zeros_like(v)  # what the unknown is measured from
    # Point neurons keep their voltage; clamped nodes go to the clamp value.
    held = [
        (pl.nodes, v[pl.nodes] - base[pl.nodes])
        for pl in (layout.placements[k] for k in layout.point_neurons)
    ]
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


def _with_diffusion(layout, prepared: Prepared, start, update, step):
    """The states relaxed from ``start`` (``update(start)``: every compartment on its own),
    with each diffusing concentration instead at the fixed point of the run's own step: its
    mechanism's update over one time step ``dt`` (``step(start)``), then the diffusion
    (`diffusion.diffuse`). Relaxed compartment by compartment, a pool fed in one compartment
    rested there as if its ions never spread (a review: 0.018 mM and 0.05 mV of drift over
    2 s from rest on a cable at D = 0.6 µm²/ms).

    The fixed point ``c`` of ``c -> (V + dt A)^-1 V phi(c)`` (``phi``: the concentration
    after the mechanism's step from ``c``, ``V`` the volume, µm³, ``A`` the diffusion
    operator, µm³/ms) solves ``G(c) = V (phi(c) - c) / dt - A c = 0``. Newton's method:
    ``phi`` is local, so its slope ``J`` is diagonal (one forward-mode derivative), and
    ``((1 - J) V / dt + A) d = G`` is one tree solve. Zero-volume nodes hold no ion:
    ``A c = 0`` there, as in the run. The currents stay those of ``start``; the passes of
    `rest_iteration` bring them along.
    """
    c = layout.n_comps
    out = [dict(s) for s in update(start)]
    for (var, k), (coupling, total) in zip(layout.diffusions, prepared.diffusion):
        if len(out[k]) > 1:
            # A pool with other states (a buffer's bound calcium): this Newton step holds
            # them at ``start``, and its fixed point is not the run's (a review: -20 mM and
            # +19,609 mV with a KINETIC buffer). Relaxed locally, without diffusion, as before.
            continue
        capacity = prepared.volume / prepared.dt  # µm³/ms
        pad = jnp.zeros((layout.n_nodes - c,), capacity.dtype)
        nodes = jnp.concatenate([out[k][var], pad])
        nodes = nodes.at[c:].set(-edge_currents(layout.solver, coupling, nodes)[c:] / total[c:])
        for _ in range(DIFFUSION_ITERATIONS):
            value, slope = jax.jvp(
                lambda u, var=var, k=k: step(_replaced(start, k, var, u))[k][var],
                (nodes[:c],),
                (jnp.ones((c,), nodes.dtype),),
            )
            outflux = edge_currents(layout.solver, coupling, nodes)
            residual = jnp.concatenate([capacity * (value - nodes[:c]), pad]) - outflux
            diag = jnp.concatenate([capacity * (1.0 - slope), pad]) + total
            nodes = nodes + solve_voltage_system(layout.solver, coupling, diag, residual)
        out[k][var] = nodes[:c]
    return tuple(out)


def _replaced(states, k, var, value):
    states = [dict(s) for s in states]
    states[k][var] = value
    return tuple(states)


def settled(newton: Callable[[State, Any], State], steps: int, start: State, inputs: Any) -> tuple[State, State]:
    """The last two of ``steps`` iterations ``s -> newton(s, inputs)`` from ``start``: the
    one before the last (to tell how far the last one moved) and the last (the resting
    state), with a reverse-mode derivative that linearises one iteration, at the rest, once.

    Differentiated by JAX through the loop instead, every iteration's linearisation (a
    forward-mode slope inside each, so second-order code) is compiled and stored. Here the
    backward pass applies the one linearisation ``steps`` times, as the loop's own
    derivative would if every iteration sat at the rest: with ``lambda`` the rest's
    cotangent, ``inputs_bar += (dN/dinputs)^T lambda; lambda <- (dN/ds)^T lambda``. Where
    the iteration contracts (Newton's: to zero at its fixed point) this is the implicit
    function theorem's derivative of the resting state, truncated after ``steps`` terms;
    where it keeps a value (a point neuron's voltage, a membrane without conductance),
    ``lambda`` passes through to ``start``, whose value the rest keeps, as the loop's does.
    The cotangent of the state before the last enters one application later. ``newton``
    must not close over traced values (pass them in ``inputs``) and changes only the
    floating-point values of the state (its other leaves are returned as in ``start``). Forward mode (`jax.jvp`)
    is not available through it (a `jax.custom_vjp`), forward over reverse
    (`jax.hessian`) is.

    Example:
        Newton's iteration for the square root of ``a``, and its derivative 1 / (2 sqrt(a)):

        >>> import jax, jax.numpy as jnp
        >>> from dendrax.rest import settled
        >>> root = lambda a: settled(lambda x, a: (x + a / x) / 2, 20, jnp.array(1.0), a)[1]
        >>> round(float(root(2.0)), 6), round(float(jax.grad(root)(2.0)), 6)
        (1.414214, 0.353553)
    """
    diff, rest = eqx.partition((start, inputs), eqx.is_inexact_array)
    fixed, python = eqx.partition(rest, eqx.is_array)  # integer arrays (traced too), the rest

    def combined(diff, fixed):
        return eqx.combine(diff, fixed, python)

    def once(s_d, inputs_d, fixed):  # one iteration on the differentiable parts
        s, args = combined((s_d, inputs_d), fixed)
        return eqx.partition(newton(s, args), eqx.is_inexact_array)[0]

    def iterate(diff, fixed):
        s, args = combined(diff, fixed)
        before = jax.lax.fori_loop(0, steps - 1, lambda _, x: newton(x, args), s)
        last = newton(before, args)
        return eqx.partition(before, eqx.is_inexact_array)[0], eqx.partition(last, eqx.is_inexact_array)[0]

    run = jax.custom_vjp(iterate)

    def run_fwd(diff, fixed):
        # The plain loop, not `run`: forward mode over this (jax.hessian, forward over
        # reverse) cannot enter a custom_vjp (a review).
        out = iterate(diff, fixed)
        return out, (out[1], diff[1], fixed)

    def run_bwd(residuals, cotangents):
        rest_d, inputs_d, fixed = residuals
        before_bar, rest_bar = cotangents
        _, pullback = jax.vjp(lambda s_d, i_d: once(s_d, i_d, fixed), rest_d, inputs_d)

        def back(k, carry):
            lam, total = carry
            lam, inputs_bar = pullback(lam)
            lam = jax.tree.map(lambda a, b: a + jnp.where(k == 0, b, 0.0), lam, before_bar)
            return lam, jax.tree.map(jnp.add, total, inputs_bar)

        lam, total = jax.lax.fori_loop(0, steps, back, (rest_bar, jax.tree.map(jnp.zeros_like, inputs_d)))
        no_cotangent = jax.tree.map(lambda x: np.zeros(np.shape(x), jax.dtypes.float0), fixed)
        return (lam, total), no_cotangent

    run.defvjp(run_fwd, run_bwd)
    before_d, last_d = run(diff, fixed)
    keep = eqx.partition(start, eqx.is_inexact_array)[1]  # newton moves floating values only
    return eqx.combine(before_d, keep), eqx.combine(last_d, keep)
