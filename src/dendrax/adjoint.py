"""Reverse-mode derivative of one time step, with few stored values and one adjoint solve.

A step maps the state ``s`` (voltages, mechanism states, ...) to the next one in three parts
(`simulate.assemble`, the voltage solve, `simulate.advance`):

    (A, b, aux) = assemble(s)        A x = b        s' = advance(s, aux, x)

Differentiated by JAX as a whole, the forward pass of a gradient stores every intermediate
value that its linearisation needs (twenty-odd arrays per step for Hodgkin-Huxley, written
by as many extra kernels) and transposes the solve through its generic rule. Here instead:

- the forward pass keeps the step's inputs, the solution ``x`` (mV), and the linearisation of
  `advance` with respect to ``(s, aux, x)`` (for gates: each state's slope in the voltage and
  its decay factor, see `membrane.updated_states`), so the rate functions are never
  evaluated again;
- the backward pass recomputes `assemble` (membrane currents, no exponentials for most
  channels) to pull the cotangents back through it, and solves the *adjoint* system once:
  ``A`` is symmetric, so ``lambda = A^-1 x_bar`` is the same solve; then
  ``b_bar = lambda``, ``diag_bar = -lambda x``, and the coupling weights' cotangent is that of
  ``-lambda . A x`` (for a gap junction that closes a loop, off the tree:
  ``lambda_a x_b + lambda_b x_a``).

Cotangents of parameters that only `advance` reads (gate parameters, temperature) are
recomputed in the backward pass; XLA drops that work when those parameters are not being
differentiated. Forward-mode differentiation (``jax.jvp``) of a step wrapped this way is not
available (a `jax.custom_vjp`); `simulate.step` itself has none of this and supports both.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from . import synaptic
from .manual_axes import varying_like
from .simulate import Prepared, State, advance, assemble, voltage_solve
from .solve.hines import matvec
from .solve.steppers import Stepper
from .synaptic import Surrogate

__all__ = ["reversible_step"]


def reversible_step(layout: Any, solver: Stepper, surrogate: Surrogate | None):
    """``step(prepared, state, i_ext, clamps) -> state`` (as `simulate.step`) with the
    reverse-mode derivative described in the module docstring.

    ``layout`` is the compiled `System`'s layout; ``i_ext`` the stimulus currents (nA) and
    ``clamps`` the clamp values at the end of the step.
    """

    def post(prepared, state, aux, x, clamps):
        return advance(layout, prepared, state, aux, x, solver, clamps, surrogate)

    def pre(prepared, state, i_ext, clamps, arrivals=None):
        return assemble(layout, prepared, state, i_ext, solver, clamps, arrivals)

    network = layout.network
    events = any(group.mechanism.event_driven for group in network.groups)
    buffer: dict = {}  # the spike ring buffer's shape and dtype, seen by `forward`

    @jax.custom_vjp
    def step(prepared: Prepared, state: State, i_ext, clamps) -> State:
        diag, rhs, aux = pre(prepared, state, i_ext, clamps)
        x = voltage_solve(layout, prepared, diag, rhs, plain=True)
        return post(prepared, state, aux, x, clamps)

    def forward(prepared, state, i_ext, clamps):
        diag, rhs, aux = pre(prepared, state, i_ext, clamps)
        x = voltage_solve(layout, prepared, diag, rhs, plain=True)
        out, post_vjp = jax.vjp(lambda s, a, x: post(prepared, s, a, x, clamps), state, aux, x)
        arrivals = None
        if events and state.history is not None:
            # Keep the spikes the synapses receive, not the ring buffer they come from: the
            # buffer (sources x longest delay) stored at every step made a 200 ms delay cost
            # 640 MiB and 25 times the time of the run's own derivative (a review).
            arrivals = synaptic.arrivals(network, prepared.syn_lags, state.history, state.t_index)
            buffer["shape"], buffer["dtype"] = state.history.shape, state.history.dtype
            state = dataclasses.replace(state, history=None)
        return out, (prepared, state, arrivals, i_ext, clamps, x, post_vjp)

    def backward(residuals, ct):
        prepared, state, arrivals, i_ext, clamps, x, post_vjp = residuals
        if arrivals is None:
            (diag, _, aux), pre_vjp = jax.vjp(pre, prepared, state, i_ext, clamps)
            full_state = state
        else:
            (diag, _, aux), pre_vjp = jax.vjp(pre, prepared, state, i_ext, clamps, arrivals)
            # `advance` writes this step's spikes into the buffer; the cotangents of the
            # parameters do not depend on its other rows.
            # Varying across devices as the state is (inside shard_map over spike inputs, an
            # invariant buffer made the cotangent's type mismatch: a review).
            zeros = varying_like(jnp.zeros(buffer["shape"], buffer["dtype"]), (state, ct))
            full_state = dataclasses.replace(state, history=zeros)
        ct_state, ct_aux, ct_x = post_vjp(ct)
        _, params_vjp = jax.vjp(lambda p, c: post(p, full_state, aux, x, c), prepared, clamps)
        ct_prepared, ct_clamps = params_vjp(ct)
        # The adjoint solve (A is symmetric), then A's own cotangents: those of -lam . A x.
        lam = voltage_solve(layout, prepared, diag, ct_x, plain=True)
        _, matvec_vjp = jax.vjp(lambda w, d: matvec(layout.solver, w, d, x), prepared.coupling, diag)
        ct_coupling, ct_diag = matvec_vjp(-lam)
        ct_prepared_pre, ct_state_pre, ct_i_ext, ct_clamps_pre, *ct_arrivals = pre_vjp((ct_diag, lam, ct_aux))
        if arrivals is not None:
            ct_history = _gathered_cotangent(network, prepared.syn_lags, state.t_index, ct_arrivals[0], buffer)
            ct_state_pre = dataclasses.replace(ct_state_pre, history=ct_history)
        ct_prepared = _add(ct_prepared, ct_prepared_pre)
        ct_prepared = eqx.tree_at(lambda p: p.coupling, ct_prepared, _add(ct_prepared.coupling, ct_coupling))
        loops = layout.loop_gaps
        if len(loops):
            # A loop junction's off-diagonal entries -g: the cotangent of -lam . A x in g.
            a, b = loops[:, 0], loops[:, 1]
            ct_g = ct_prepared.gap_explicit.at[loops[:, 2]].add(lam[a] * x[b] + lam[b] * x[a])
            ct_prepared = eqx.tree_at(lambda p: p.gap_explicit, ct_prepared, ct_g)
        return ct_prepared, _add(ct_state, ct_state_pre), ct_i_ext, _add(ct_clamps, ct_clamps_pre)

    step.defvjp(forward, backward)
    return step


def _gathered_cotangent(network, lags, t_index, ct_arrivals, buffer) -> Array:
    """The ring buffer's cotangent from that of the spikes `synaptic.arrivals` read from it."""
    shape = buffer["shape"]
    ct = jnp.zeros(shape, buffer["dtype"])
    rows = synaptic.arrival_rows(network, lags, shape[0], t_index)
    for k, (group, row) in enumerate(zip(network.groups, rows)):
        if row is not None:
            ct = ct.at[row, group.source].add(jnp.where(lags[k] < shape[0], ct_arrivals[k], 0.0))
    return ct


def _add(a, b):
    """Sum of two cotangent pytrees (integer leaves have the empty ``float0`` cotangent)."""
    return jax.tree.map(lambda x, y: x if x.dtype == jax.dtypes.float0 else x + y, a, b)
