"""The network's work in one time step: spike delivery, synaptic currents, spike detection.

Event timing follows NEURON's fixed step: a spike is detected in the step where the
voltage at its source crosses the threshold upwards (its time is the end of that step;
a source that starts above its threshold spikes at t = 0);
a connection with delay ``d`` delivers it at the start of the step ``round(d / dt)`` steps
later, where the synapse's `receive` adds the weight before the currents are computed.
Spikes are kept in a ring buffer over sources (``history`` rows, one per step), so memory
grows with the number of sources and the longest delay, not with the number of synapses.

Gradients flow through the synaptic conductances and weights; a threshold crossing is a
step function, whose derivative is zero unless a `Surrogate` is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .compile.network import NetworkLayout
from .mechanisms.channel import second_order_keywords, takes_keyword
from .static_values import python_number

__all__ = ["Surrogate", "delay_steps", "deliver", "detect_spikes", "spikes_at_start", "synaptic_terms", "update_synapses"]


class Surrogate(eqx.Module):
    """A surrogate gradient for threshold crossings: forward a step, backward the derivative
    of ``sigmoid(beta (v - threshold))`` (``beta`` in 1/mV). A threshold source's crossing
    (``v_old <= threshold < v_new``) is smoothed as ``sigmoid(beta (v_new - threshold))
    (1 - sigmoid(beta (v_old - threshold)))``; a point neuron's spike through its ``drive``
    state (``LIF``, ``Izhikevich``, ``AdEx``).

    The surrogate is a heuristic, not the derivative of anything the model computes: a
    broad one (``beta`` well below 1/mV) also weighs voltages far from threshold and can
    give a gradient of the wrong sign; keep ``beta`` near the scale of the voltage's
    approach to threshold (the default, 1/mV, for HH-like spikes).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Compartment()
        >>> cell.insert(HH())
        >>> net = dx.Network([cell] * 2)
        >>> dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)   # µS, ms
        >>> net.record_spikes()
        >>> sim = dx.simulator(net, t_max=5.0, surrogate=dx.Surrogate(beta=0.5))   # 1/mV: smooth
        >>> sim.surrogate, dx.Surrogate().beta            # the default: 1 / mV
        (Surrogate(beta=0.5), 1.0)
    """

    beta: float = eqx.field(default=1.0, static=True, converter=python_number)

    def __check_init__(self):
        # beta is static (part of the compiled program): a Python number, finite and > 0.
        beta = self.beta
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not (math.isfinite(beta) and beta > 0):
            raise ValueError(
                f"Surrogate(beta=...) takes a Python number > 0 (1/mV: the sigmoid's steepness); got {beta!r}"
            )


def _crossing(v_old: Array, v_new: Array, threshold: Array, surrogate: Surrogate | None) -> Array:
    # NEURON's NetCon: a spike when v goes from <= threshold to > threshold.
    step = ((v_old <= threshold) & (v_new > threshold)).astype(v_new.dtype)
    if surrogate is None:
        return jax.lax.stop_gradient(step)
    smooth = jax.nn.sigmoid(surrogate.beta * (v_new - threshold)) * (1.0 - jax.nn.sigmoid(surrogate.beta * (v_old - threshold)))
    return smooth + jax.lax.stop_gradient(step - smooth)


def delay_steps(delay: Array, dt: Array) -> Array:
    """Delivery lag in steps: ``round(delay / dt)``, halves rounded up (as NEURON).

    The tolerance scales with the precision: in float32, 1.4875 ms / 0.025 ms is 59.49999 and
    a fixed 1e-9 would round it down, a step early.
    """
    return nearest_step(delay / dt).astype(jnp.int32)


def nearest_step(steps, xp=jnp):
    """``round(steps)`` with halves up, for a time over the step (``xp``: ``jnp`` or ``np``):
    a tolerance scaled to the precision counts a multiple of the step up to round-off as one
    (in float32, 1.4875 ms / 0.025 ms is 59.49999; a fixed 1e-9 would round it down).
    The quotient of two rounded numbers is off by at most 1.5 eps relative; 4 eps leaves a
    margin (16 eps rounded 250.00019 ms / 0.001 ms, 250000.17 steps, up to 250001)."""
    tolerance = xp.maximum(1e-9, 4 * xp.finfo(steps.dtype).eps * xp.abs(steps))
    return xp.floor(steps + 0.5 + tolerance)


def arrival_rows(network: NetworkLayout, lags: tuple[Array, ...], rows: int, t_index: Array) -> tuple[Array | None, ...]:
    """For each event-driven synapse group, the ring-buffer row its synapses read at the
    start of step ``t_index`` (None for graded groups)."""
    return tuple(
        jnp.mod(t_index - 1 - lags[k], rows) if group.mechanism.event_driven else None
        for k, group in enumerate(network.groups)
    )


def arrivals(network: NetworkLayout, lags: tuple[Array, ...], history: Array, t_index: Array) -> tuple[Array | None, ...]:
    """The spikes arriving at each synapse at the start of step ``t_index``, per group (None
    for graded groups); none where the delay exceeds the run (its row would alias another
    step's)."""
    rows = history.shape[0]
    return tuple(
        None if row is None else jnp.where(lags[k] < rows, history[row, group.source], 0.0)
        for k, (group, row) in enumerate(zip(network.groups, arrival_rows(network, lags, rows, t_index)))
    )


def deliver(
    network: NetworkLayout,
    syn_states: tuple[dict[str, Array], ...],
    syn_params: tuple[dict[str, Array], ...],
    weights: tuple[Array, ...],
    lags: tuple[Array, ...],
    history: Array | None,
    t_index: Array,
    counts: tuple[Array | None, ...] | None = None,
) -> tuple[dict[str, Array], ...]:
    """Synapse states after receiving the spikes that arrive at the start of step ``t_index``
    (``counts``: those spikes, `arrivals`, when already gathered from ``history``)."""
    out = list(syn_states)
    if counts is None:
        counts = arrivals(network, lags, history, t_index)
    for k, group in enumerate(network.groups):
        if not group.mechanism.event_driven:
            continue
        count = counts[k]
        if getattr(group.mechanism, "per_event", False):
            # One receive per spike: a detected source spikes at most once per step, a spike
            # train up to TRAIN_EVENTS_PER_STEP times (checked where its times are known).
            train = group.source >= network.n_sources
            state = syn_states[k]
            takes_arrived = takes_keyword(type(group.mechanism), "receive", "arrived")
            for i in range(TRAIN_EVENTS_PER_STEP if np.any(train) else 1):
                arrived = count > i
                keywords = {"arrived": jnp.ones_like(arrived)} if takes_arrived else {}
                fired = group.mechanism.receive(state, weights[k], syn_params[k], **keywords)
                # The states as a function of the spike's count e (0 or 1): s + e (fired - s),
                # written so that the forward value is exactly one or the other while the
                # count's surrogate gradient (a detected spike's; a train's spikes are given)
                # passes as it does through ExpSyn's g + count w.
                e = jnp.where(train, 0.0, count) if i == 0 else jnp.zeros_like(count)
                state = {
                    name: jnp.where(arrived, fired[name], x) + (e - jax.lax.stop_gradient(e)) * (fired[name] - x)
                    for name, x in state.items()
                }
            out[k] = state
        else:
            out[k] = group.mechanism.receive(syn_states[k], count * weights[k], syn_params[k])
    return tuple(out)


#: Spikes of one spike train in one time step that a ``per_event`` synapse receives apart.
TRAIN_EVENTS_PER_STEP = 2


def per_event_trains(network: NetworkLayout) -> np.ndarray:
    """The spike trains that drive ``per_event`` synapses (their spikes are received one by one)."""
    trains = [
        g.source[g.source >= network.n_sources] - network.n_sources
        for g in network.groups
        if g.mechanism.event_driven and getattr(g.mechanism, "per_event", False)
    ]
    return np.unique(np.concatenate(trains)) if trains else np.zeros(0, np.int64)


def synaptic_terms(
    network: NetworkLayout,
    syn_states: tuple[dict[str, Array], ...],
    syn_params: tuple[dict[str, Array], ...],
    v: Array,
    diag: Array,
    rhs: Array,
    correction: bool = False,
) -> tuple[Array, Array, Array, Array]:
    """Add the synapses' linearised currents (nA, µS) to the voltage equation: ``diag`` gets
    each synapse's slope, ``rhs`` its current into the node, plus slope times voltage unless
    the equation is for the change of voltage (``correction``, `simulate.correction_form`).

    Returns the new ``diag`` and ``rhs``, and the synaptic current flowing into each node
    at the present voltages (nA) with its slope (µS, minus its derivative in the node's
    voltage): the input of point neurons.
    """
    inward, slope = jnp.zeros_like(v), jnp.zeros_like(v)
    for group, s, p in zip(network.groups, syn_states, syn_params):
        v_pre = v[group.pre]

        def current(v_post, group=group, s=s, p=p, v_pre=v_pre):
            return group.mechanism.current(s, v_post, v_pre, p)

        v_post = v[group.post]
        i, g = jax.jvp(current, (v_post,), (jnp.ones_like(v_post),))
        diag = diag.at[group.post].add(g)
        rhs = rhs.at[group.post].add(-i if correction else g * v_post - i)
        inward = inward.at[group.post].add(-i)
        slope = slope.at[group.post].add(g)
    return diag, rhs, inward, slope


def update_synapses(
    network: NetworkLayout,
    syn_states: tuple[dict[str, Array], ...],
    syn_params: tuple[dict[str, Array], ...],
    v_new: Array,
    dt: Array,
    second_order: bool = False,
) -> tuple[dict[str, Array], ...]:
    """Synapse states one step later (on the new voltages); ``second_order``: the step is
    Crank–Nicolson's, passed on to synapses that take it (`second_order_keywords`)."""
    return tuple(
        group.mechanism.update_states(
            s, v_new[group.post], v_new[group.pre], dt, p, **second_order_keywords(group.mechanism, second_order)
        )
        for group, s, p in zip(network.groups, syn_states, syn_params)
    )


def spikes_at_start(network: NetworkLayout, v: Array) -> Array:
    """1.0 for each threshold source whose voltage starts above its threshold, else 0.0.

    NEURON's NetCon starts "below" and tests at the start of each step, so a source that
    starts above threshold sends a spike at t = 0 (it must fall back below before it can
    spike again). Point neurons report their own spikes: none at t = 0.
    """
    nodes = network.source_nodes
    above = v[nodes] > jnp.asarray(network.source_thresholds, v.dtype)
    is_point = np.asarray(network.source_point).reshape(-1, 2)[:, 0] >= 0  # reports its own spikes
    return jax.lax.stop_gradient(jnp.where(is_point, False, above).astype(v.dtype))


def detect_spikes(
    network: NetworkLayout,
    v_old: Array,
    v_new: Array,
    point_states: tuple[Mapping[str, Array], ...],
    surrogate: Surrogate | None,
) -> Array:
    """1.0 for each source that spiked in this step, else 0.0.

    A point neuron reports its own spike (its ``spike`` state). Under a surrogate its
    derivative is that of ``sigmoid(beta drive)``, where the neuron declares the state
    ``drive`` (mV above its threshold before the reset, as the built-in ones do); without
    one its spikes pass no gradient."""
    nodes = network.source_nodes
    spikes = _crossing(v_old[nodes], v_new[nodes], jnp.asarray(network.source_thresholds, v_new.dtype), surrogate)
    placement, position = np.asarray(network.source_point).reshape(-1, 2).T
    for k in np.unique(placement[placement >= 0]):  # one gather per point-neuron type, not per neuron
        which = np.flatnonzero(placement == k)
        pos = position[which]
        step = jax.lax.stop_gradient(point_states[k]["spike"][pos])
        if surrogate is not None and "drive" in point_states[k]:
            smooth = jax.nn.sigmoid(surrogate.beta * point_states[k]["drive"][pos])
            step = smooth + jax.lax.stop_gradient(step - smooth)
        spikes = spikes.at[which].set(step)
    return spikes
