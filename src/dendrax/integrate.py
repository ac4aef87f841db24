"""Run a simulation: the time loop and a compiled-once `simulator` (the values they take at
call time are checked in `dendrax.call_inputs`).

`integrate` is the one-call entry point; `simulator` fixes everything but the values
(parameters, stimuli, clamps) so that a training loop compiles once.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .adjoint import reversible_step
from .call_inputs import (
    check_clamp_ranges,
    check_conflicts,
    checked_clamps_when_run,
    checked_params,
    checked_spike_input,
    checked_trainables,
    checked_waveforms,
)
from .checkpointing import Checkpoint, checkpointed_scan
from .compile.staging import on_device
from .compile.system import System
from .manual_axes import varying_like
from .mechanisms.point_neuron import PointNeuron
from .model.trainable import apply_trainables
from .model.view import user_stacklevel
from .prepared import warn_float32_capacitance
from .rest import rest_iteration, settled
from .sampling import sampled_scan
from .simulate import (
    State,
    init_state,
    observe,
    prepare,
    step,
    with_currents_at_start,
    with_spikes_at_start,
    with_train_spikes,
)
from .solve.steppers import BackwardEuler, Stepper
from .static_values import python_number
from .synaptic import Surrogate, nearest_step
from .time_grid import checked_record_interval, checked_times, n_steps_of

__all__ = ["Rest", "Simulator", "integrate", "simulator"]


class Rest(eqx.Module):
    """Start at rest: the steady state of the model without stimuli, for the current parameters.

    Found by ``steps`` Newton iterations on the current balance with every state at its
    steady state (`rest_iteration`; clamps held at their first value), from the
    description's initial voltages. Differentiable: in reverse mode by one linearisation of
    an iteration at the rest, applied ``steps`` times (`dendrax.rest.settled`); with
    ``Checkpoint(adjoint=False)`` JAX differentiates the iterations (forward mode too).
    Synapses take part (graded ones at their steady state, event-driven ones with no spikes
    in flight); graded synapses make convergence linear (raise ``steps`` if a trace is not
    flat from t = 0). Concentrations written by a mechanism (a calcium pool) settle with
    the voltage: Hay et al.'s channels with ``CaDynamics_E2`` are at rest to 1e-12 mV after
    7 iterations. A diffusing concentration rests where the run's step leaves it unchanged,
    when its mechanism has no other state; a pool with a buffer rests compartment by
    compartment, as without diffusion (its run then drifts). Point neurons keep their
    description's voltage and states (a LIF then drifts towards its own rest).
    The rest found is an equilibrium, not always a stable one: the one Newton's iterations
    reach from the description's voltages. A cell that fires on its own (HH with ``eLeak``
    at -10 mV) starts at its unstable equilibrium and stays there until perturbed; a cell
    with several equilibria rests at the one its start leads to (set ``v`` to choose).
    Called with concrete values (not under ``jit``, ``vmap`` or ``grad``), `integrate` warns
    when the last iteration still moved a voltage by more than 1e-6 mV or a state by more
    than 1e-6 of its value (float32: 1e-3 mV, 1e-4): the model has no resting state (a
    concentration that only accumulates) or needs more ``steps``; and when it settled with
    a written concentration below 0 mM (a fixed point of the equations, not a resting state:
    a pump that does not vanish as the ion runs out).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> comp = dx.Compartment()
        >>> comp.insert(HH())
        >>> comp.record("v")
        >>> round(float(dx.integrate(comp, t_max=1.0, initial=dx.Rest())[0, 0]), 4)  # mV: HH's rest, near -65
        -64.9741
    """

    steps: int = eqx.field(default=20, static=True, converter=python_number)

    def __check_init__(self):
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise ValueError(f"Rest(steps=...) takes a positive number of Newton iterations; got {self.steps!r}")


@partial(
    jax.jit,
    static_argnames=("n_steps", "solver", "checkpoint", "initial", "history_rows", "surrogate", "events", "record_every"),
)
def _run(
    system: System,
    params,
    trainable_values,
    stimuli,
    clamps,
    spike_input,
    delta_t,
    n_steps: int,
    stimulus_index: Array | None,
    clamp_index: Array | None,
    solver: Stepper,
    checkpoint: Checkpoint,
    initial: Rest | None = None,
    history_rows: int = 1,
    surrogate: Surrogate | None = None,
    events: bool = False,
    record_every: int = 1,
):
    full, states0 = dict(system.params), dict(system.initial_states)
    full.update(params)
    if trainable_values is not None:
        full, states0 = apply_trainables(system.layout.trainables, trainable_values, full, states0)
    prepared = prepare(system, full, delta_t, solver, states0, trained_states=trainable_values is not None)
    dtype = prepared.dt.dtype
    clamps = jnp.asarray(clamps, dtype)

    def each_stimulus(row):  # a time point's values, one per stimulus (rows are shared)
        return row if stimulus_index is None else row[stimulus_index]

    def each_clamp(row):
        return row if clamp_index is None else row[clamp_index]

    state = init_state(system, prepared, each_clamp(clamps[:, 0]), history_rows)
    state = varying_like(state, (prepared, stimuli, clamps, spike_input))
    unsettled = None
    if initial is not None:
        at_start = each_clamp(clamps[:, 0])

        def newton(s, inputs):
            model, held, at = inputs
            return rest_iteration(model, held, s, at, second_order=solver.extrapolation != 1.0)

        inputs = (system, prepared, at_start)
        if checkpoint.adjoint:  # one linearisation at the rest for gradients (`settled`)
            before, state = settled(newton, initial.steps, state, inputs)
        else:  # JAX differentiates the loop (forward mode too)
            before = jax.lax.fori_loop(0, initial.steps - 1, lambda _, s: newton(s, inputs), state)
            state = newton(before, inputs)
        unsettled = _last_change(system.layout, before, state)
        state = with_spikes_at_start(system, with_currents_at_start(system, prepared, state))  # those found
    n_trains = system.layout.network.n_trains

    def train_counts(inputs):
        """Spikes per train at one time point: from the time point's events (train numbers,
        ``n_trains`` for none) or its column of counts."""
        if events:
            return jnp.zeros(n_trains, dtype).at[inputs].add(1.0, mode="drop")
        return jnp.asarray(inputs, dtype)

    if events:
        first_trains, step_trains = spike_input[0], spike_input[1:]
    else:
        first_trains, step_trains = spike_input[:, 0], spike_input[:, 1:].T
    state = with_train_spikes(system, state, train_counts(first_trains), at_start=True)

    if checkpoint.adjoint:
        one_step = reversible_step(system.layout, solver, surrogate)
    else:

        def one_step(prepared, state, i_ext, clamp_values):
            return step(system, prepared, state, i_ext, solver, clamp_values, surrogate, local_slopes=False)

    def advance(state, inputs):
        i_ext, clamp_values, train_spikes = inputs
        state = one_step(prepared, state, each_stimulus(i_ext), each_clamp(clamp_values))
        return with_train_spikes(system, state, train_counts(train_spikes))  # at the step's end

    def body(state, inputs):
        state = advance(state, inputs)
        return state, observe(system, state)

    first = observe(system, state)
    xs = (jnp.asarray(stimuli, dtype)[:, :n_steps].T, clamps[:, 1:].T, step_trains)
    # As NEURON, which tests thresholds at the start of a step: a crossing during the last
    # step is not reported (it would be, at t_max, by a run one step longer).
    spike_rows = np.asarray([row for row, (kind, _) in enumerate(system.layout.recordings) if kind == -2], int)
    if record_every == 1:
        _, trace = checkpointed_scan(body, state, xs, n_steps, checkpoint)
        if len(spike_rows):
            trace = trace.at[-1, spike_rows].set(0.0)
    else:
        trace = sampled_scan(
            advance, lambda s: observe(system, s), state, xs, n_steps, record_every, checkpoint, spike_rows
        )
    out = jnp.concatenate([first[None], trace], axis=0).T
    return out if unsettled is None else (out, unsettled)


def _last_change(layout, before: State, after: State) -> Array:
    """How far the last Newton iteration of `Rest` moved, and where it arrived: the largest
    change of a voltage (mV), the largest relative change of a state (mechanisms' and
    synapses'), then each written concentration's lowest value (mM; +inf where none is
    written); all NaN where a value is not finite (see `_warn_unsettled`)."""
    states_before = jax.tree.leaves((before.states, before.synapses))
    states_after = jax.tree.leaves((after.states, after.synapses))
    changes = [jnp.max(jnp.abs(after.v - before.v), initial=0.0), jnp.zeros((), after.v.dtype)]
    for a, b in zip(states_before, states_after):
        changes[1] = jnp.maximum(changes[1], jnp.max(jnp.abs(b - a) / (jnp.abs(b) + 1e-12), initial=0.0))
    lowest = [jnp.min(after.states[k][var], initial=jnp.inf) for var, k in layout.writers]
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in (after.v, *states_after)]))
    return jnp.where(finite, jnp.stack(changes + lowest), jnp.nan)


def _warn_unsettled(change: Array, initial: Rest, layout) -> None:
    """Warn when `Rest`'s last iteration still moved the voltage or a state: the model has
    no resting state (a concentration that only accumulates, with nothing to restore it), or
    it needs more iterations; and when it settled with a concentration below 0 mM (a pump or
    outflux that does not vanish as the ion runs out). Checked only for concrete results (not
    inside jit, vmap, grad)."""
    if isinstance(change, jax.core.Tracer):
        return
    change = np.asarray(change)
    below = [(var, low) for (var, _), low in zip(layout.writers, change[2:]) if low < 0.0]
    if below:
        var, low = below[0]
        warnings.warn(
            f"initial=dx.Rest(steps={initial.steps}) reached a concentration below 0: {var} = {low:.3g} mM. "
            "That is the fixed point of the model's equations, but no resting state: a pump or outflux that "
            "does not vanish as the ion runs out removes more than returns (check the mechanism's parameters, "
            "or start from the description's values instead, initial=None)",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return
    change = change[:2]
    float64 = change.dtype == np.float64
    mv, relative = (1e-6, 1e-6) if float64 else (1e-3, 1e-4)  # round-off: ~1e-12 mV, ~1e-5 mV
    if np.all(np.isfinite(change)) and change[0] <= mv and change[1] <= relative:
        return
    moved = (
        "it reached values that are not finite"
        if not np.all(np.isfinite(change))
        else f"its last iteration still moved a voltage by {change[0]:.3g} mV and a state by {change[1]:.3g} (relative)"
    )
    warnings.warn(
        f"initial=dx.Rest(steps={initial.steps}) did not settle: {moved}. Either the model has no resting state "
        "(e.g. a concentration that only accumulates, with no decay or pump to restore it; start from the "
        "description's values instead, initial=None) or it needs more iterations (dx.Rest(steps=...))",
        UserWarning,
        stacklevel=user_stacklevel(),
    )


def integrate(
    module: Any,
    *,
    t_max: float,
    delta_t: float = 0.025,
    solver: Stepper = BackwardEuler(),
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    stimuli: Any = None,
    clamps: Any = None,
    checkpoint: Checkpoint = Checkpoint(),
    initial: Rest | None = None,
    surrogate: Surrogate | None = None,
    spike_trains: Any = None,
    record_interval: float | None = None,
) -> Float[Array, "recordings time"]:
    """Simulate a neuron (or a network) and return its recordings.

    Args:
        module: a `Network`, `Cell`, `Branch` or `Compartment` (compiled on the fly, and
            cached), or a compiled `System`.
        t_max: duration, ms; a multiple of ``delta_t``.
        delta_t: time step, ms (NEURON's default 0.025).
        solver: ``dx.BackwardEuler()`` (default, NEURON's scheme) or ``dx.CrankNicolson()``.
        params: values that replace the description's, either a dict from parameter name
            (``"HH_gNa"``, ``"radius"``, ``"celsius"``, ...) to a number or an array with one
            value per compartment, or the trainable values (``module.get_parameters()``, a
            list of dicts). This is how to differentiate or ``vmap`` with respect to
            parameters: ``jax.grad(lambda p: loss(dx.integrate(cell, params=p, ...)))``.
            A ``"radius"`` or ``"length"`` given here keeps a traced compartment's shape
            (a tapered one stays tapered), as ``set(..., keep_shape=True)`` does; plain
            ``set`` makes cylinders.
        stimuli: currents (nA) that replace the registered stimuli: shape (n_stimuli,
            n_time_points), in the order ``stimulate`` was called.
        clamps: values that replace the registered clamps: shape (n_clamps, n_time_points).
        checkpoint: how reverse-mode gradients bound their memory (`Checkpoint`; by
            default segments of about ``sqrt(n_steps)`` steps). No effect without gradients.
        initial: ``None`` (default) starts from the description's voltages with gates at
            their steady state there (NEURON's ``finitialize``); ``dx.Rest()`` starts from
            the model's resting state for the current parameters.
        surrogate: ``dx.Surrogate(beta)`` gives spike threshold crossings a smooth
            derivative (for gradients through spike timing); by default they have none.
        spike_trains: spike counts that replace the spike trains' times
            (`Network.add_spike_trains`): shape (n_trains, n_time_points), the number of
            spikes of each train at each time point (`dx.spike_raster` makes one from
            spike times). An array, so ``jax.vmap`` runs a batch of input patterns (traced
            counts are not checked: negative ones would subtract weight).
        record_interval: keep the recordings every ``record_interval`` ms only (NEURON's
            ``Vector.record(ref, Dt)``): a whole number of steps, and ``t_max`` a whole
            number of intervals. The run's steps are unchanged; its recordings, and their
            share of a gradient's memory, shrink by the factor. Values are those at the
            sampled time points; spike recordings count the spikes of each interval.
            ``None`` (default): every time point.

    Returns:
        One row per recording (insertion order), one column per time point ``0, delta_t,
        ..., t_max`` (or ``0, record_interval, ..., t_max``): mV for voltages, the state's
        unit for states.

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
    _check_settings(solver, checkpoint, initial, surrogate)
    if not isinstance(module, System) and isinstance(params, (list, tuple)):  # a Simulator said so when made
        _warn_rest_replaces_trainables(system, initial)
    _check_precision(system)
    t_max, delta_t, n_steps = checked_times(t_max, delta_t)
    record_every = checked_record_interval(record_interval, t_max, delta_t)
    if not system.layout.recordings:
        raise ValueError("nothing is recorded: call e.g. cell.branch(0).loc(0.5).record('v') before integrate")
    # Concrete inputs stay concrete while the caller's jax.jit traces this call (their casts
    # and broadcasts are evaluated now), so that they are checked and delays read as outside
    # it: a negative conductance or a NaN stimulus given as a JAX array ran (a review).
    # Traced inputs are traced as ever.
    with jax.ensure_compile_time_eval():
        if isinstance(params, (list, tuple)):
            overrides, trainable_values = {}, checked_trainables(system, params)
        else:
            overrides, trainable_values = checked_params(system, params), None
        check_conflicts(system, overrides, trainable_values)
        warn_float32_capacitance(system, delta_t)
        stim, stim_index = checked_waveforms(system.stimuli, stimuli, n_steps, "stimulus", "stimuli")
        clamp_values, clamp_index = checked_waveforms(system.clamps, clamps, n_steps, "clamp", "clamps")
        if clamps is not None:
            check_clamp_ranges(system, clamp_values)
        dt = on_device(np.asarray(delta_t, jnp.result_type(float)))
        rows = _history_rows(system, overrides, delta_t, n_steps)
    # Outside: traced counts are checked by the run (error_if), which that context would
    # evaluate now, raising for valid counts too.
    spike_input = checked_spike_input(system, spike_trains, delta_t, n_steps)
    clamp_values = checked_clamps_when_run(system, clamp_values)
    if system.spike_times:  # read here; inside, new times would only force a new compile
        system = dataclasses.replace(system, spike_times=[])
    events = spike_trains is None and system.layout.network.n_trains > 0
    try:
        out = _run(
            system, overrides, trainable_values, stim, clamp_values, spike_input, dt, n_steps, stim_index,
            clamp_index, solver, checkpoint, initial, rows, surrogate, events, record_every,
        )
    except TypeError as error:
        if "forward-mode" in str(error) and "custom_vjp" in str(error) and checkpoint.adjoint:
            raise TypeError(
                "forward-mode differentiation (jax.jvp, jax.jacfwd) of a simulation needs "
                "checkpoint=dx.Checkpoint(adjoint=False): the default's hand-written adjoint is reverse mode only "
                "(jax.grad, jax.vjp, jax.jacrev; and jax.hessian, forward over reverse)"
            ) from error
        raise
    if initial is None:
        return out
    out, change = out
    _warn_unsettled(change, initial, system.layout)
    return out


def _history_rows(system: System, overrides: Mapping[str, Array], delta_t: float, n_steps: int) -> int:
    """Rows of the spike ring buffer: one more than the longest delay in steps, at most one
    more than the run (a spike delayed longer never arrives: `synaptic.deliver` receives
    nothing through a lag of ``rows`` or more, which would alias another step's row).

    The row count is static (a new one compiles the run again), so delays passed as
    ``params`` reuse the description's buffer when they fit in it, and a longer one gets
    the next power of two: a sweep over delays compiles a handful of times, not once per
    value, for at most twice the buffer it needs."""
    own = _longest_lag(system, {}, delta_t)
    moved = any(key.endswith("_delay") for key in overrides)
    need = _longest_lag(system, overrides, delta_t) if moved else own
    if need <= own:
        return min(own, n_steps) + 1
    return min(1 << need.bit_length(), n_steps + 1)  # at least need + 1 rows


def _longest_lag(system: System, overrides: Mapping[str, Array], delta_t: float) -> int:
    """The longest delivery lag (steps) of the event-driven synapses."""
    longest = 0
    for group in system.layout.network.groups:
        if not group.mechanism.event_driven:
            continue
        key = f"{group.name}_delay"
        delays = overrides.get(key, system.params[key])
        if isinstance(delays, jax.core.Tracer):
            raise TypeError(
                f"{key} fixes the event schedule (when each spike arrives, rounded to whole steps, and the size "
                "of the spike buffer), so it takes concrete numbers, not values traced by jax.jit, vmap or grad "
                f"(it has no gradient). For a sweep, call once per value in a Python loop: params={{{key!r}: d}} "
                "compiles nothing new while d fits the description's longest delay"
            )
        delays = np.asarray(delays)
        if len(delays):  # the lags `prepare` computes (`delay_steps`), in the same precision;
            # in NumPy: jnp here compiled a small program per new number of synapses.
            dtype = jnp.result_type(float)
            lags = nearest_step(np.asarray(delays, dtype) / np.asarray(delta_t, dtype), xp=np)
            longest = max(longest, int(np.max(lags)))
    return longest


def _check_precision(system: System) -> None:
    """A System compiled in float32 holds float32 values: run in float64 it would look like
    float64 and be float32-accurate (4.5e-5 mV off NEURON instead of 6e-11)."""
    if not jax.config.jax_enable_x64:
        return
    if any(getattr(v, "dtype", None) == np.float32 for v in system.params.values()):
        raise ValueError(
            "this model was compiled in float32 (jax_enable_x64 off) and is run with float64 on: its "
            "values are float32. Compile it again under float64 (dx.simulator(cell, ...) or "
            "cell.compile() after jax.config.update('jax_enable_x64', True)); dx.integrate(cell, ...) "
            "does so by itself"
        )


def _compile(module: Any) -> System:
    from .model.module import Module

    if not isinstance(module, Module):
        raise TypeError(
            f"integrate() takes a dx.Network, dx.Cell, dx.Branch, dx.Compartment or System; got {type(module).__name__}"
        )
    return module.compile()


def _warn_rest_replaces_trainables(system: System, initial: Rest | None) -> None:
    """``initial=dx.Rest()`` computes the voltage and states at t = 0, so trainable initial
    values (``make_trainable("HH_m")``, ``"v"``) are replaced and get a gradient of 0. Not
    those of point neurons: Rest keeps their voltage and states."""
    if initial is None:
        return
    point = [pl.comps for pl in system.layout.placements if isinstance(pl.mechanism, PointNeuron)]
    point = np.concatenate(point) if point else np.zeros(0, np.int64)
    names = sorted({
        tr.name for tr in system.layout.trainables
        if (tr.kind == "state" or tr.name == "v") and tr.over == "compartments" and not np.all(np.isin(tr.comps, point))
    } | {  # synapse states relax too (a review: ExpSyn's initial g got a gradient of 0, unwarned)
        tr.name for tr in system.layout.trainables
        if tr.over == "synapses" and system.layout.is_set(tr.name) is not None
    })
    if names:
        warnings.warn(
            f"initial=dx.Rest() starts from the resting voltage and states, which replace the trainable initial "
            f"value(s) {', '.join(names)}: their gradient is 0. Drop those make_trainable calls, or start "
            "without Rest",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def _check_settings(solver: Any, checkpoint: Any, initial: Any, surrogate: Any) -> None:
    if not isinstance(solver, Stepper):
        raise TypeError(f"solver must be dx.BackwardEuler() or dx.CrankNicolson(); got {solver!r}")
    if not isinstance(checkpoint, Checkpoint):
        raise TypeError(f"checkpoint must be a dx.Checkpoint(every=...); got {checkpoint!r}")
    if initial is not None and not isinstance(initial, Rest):
        raise TypeError(f"initial must be None or dx.Rest(); got {initial!r}")
    if surrogate is not None and not isinstance(surrogate, Surrogate):
        raise TypeError(f"surrogate must be None or dx.Surrogate(beta=...); got {surrogate!r}")


class Simulator(eqx.Module):
    """A model compiled once, run with new values: ``sim(params, stimuli=..., clamps=...)``.

    Made by `simulator`. The description is snapshotted: later edits to it do not change
    this simulator. Each call is `integrate` with the fixed settings; ``jit``, ``vmap``
    and ``grad`` apply, and calls with new values of the same shapes reuse the compiled code.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import Leak
        >>> comp = dx.Compartment()
        >>> comp.insert(Leak())                           # 1e-3 S/cm², -70 mV
        >>> comp.set("v", -60.0)                          # mV
        >>> comp.record("v")
        >>> sim = dx.simulator(comp, t_max=1.0)           # ms, steps of 0.025 ms
        >>> sim.times.shape, float(sim.times[-1])         # ms
        ((41,), 1.0)
        >>> v = sim({"Leak_gLeak": 1e-4})                 # S/cm²: τ = 10 ms instead of 1 ms
        >>> v.shape, round(float(v[0, -1]), 2)            # mV: about -70 + 10 exp(-0.1)
        ((1, 41), -60.95)
        >>> comp.set("Leak_eLeak", 0.0)                   # later edits do not reach sim
        >>> round(float(sim({"Leak_gLeak": 1e-4})[0, -1]), 2)
        -60.95
        >>> import jax
        >>> round(float(jax.jit(sim)({"Leak_gLeak": 1e-4})[0, -1]), 2)
        -60.95
    """

    system: System
    t_max: float = eqx.field(static=True)
    delta_t: float = eqx.field(static=True)
    solver: Stepper = eqx.field(static=True)
    checkpoint: Checkpoint = eqx.field(static=True)
    initial: Rest | None = eqx.field(static=True)
    surrogate: Surrogate | None = eqx.field(static=True, default=None)
    record_interval: float | None = eqx.field(static=True, default=None)

    # `jax.jit(sim)` keys its cache on the function it compiles, so a simulator must be
    # hashable: by identity (its System holds dicts of arrays; two simulators are the same
    # function only when they are one object).
    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __call__(
        self, params: Any = None, stimuli: Any = None, clamps: Any = None, spike_trains: Any = None
    ) -> Float[Array, "recordings time"]:
        """Recordings (one row each, one column per time point) for these values.

        ``params``: the trainable values (``module.get_parameters()``) or a dict of
        overrides; ``stimuli``/``clamps``: arrays of shape (n, n_time_points) replacing the
        registered ones; ``spike_trains``: spike counts (n_trains, n_time_points) replacing
        the spike trains' times (`dx.spike_raster`).
        """
        return integrate(
            self.system,
            t_max=self.t_max,
            delta_t=self.delta_t,
            solver=self.solver,
            params=params,
            stimuli=stimuli,
            clamps=clamps,
            checkpoint=self.checkpoint,
            initial=self.initial,
            surrogate=self.surrogate,
            spike_trains=spike_trains,
            record_interval=self.record_interval,
        )

    @property
    def times(self) -> np.ndarray:
        """The time points of the recordings, ms."""
        every = checked_record_interval(self.record_interval, self.t_max, self.delta_t)
        return np.arange(0, n_steps_of(self.t_max, self.delta_t) + 1, every) * self.delta_t


def simulator(
    module: Any,
    *,
    t_max: float,
    delta_t: float = 0.025,
    solver: Stepper = BackwardEuler(),
    checkpoint: Checkpoint = Checkpoint(),
    initial: Rest | None = None,
    surrogate: Surrogate | None = None,
    record_interval: float | None = None,
) -> Simulator:
    """Compile ``module`` once into a `Simulator` (see `integrate` for the arguments).

    The simulator keeps the description as it is now: a later ``cell.set(...)`` does not
    reach it (pass changing values as ``params``, or make a new simulator; `integrate`
    always reads the description afresh).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> cell.insert(HH())
        >>> cell.branch("all").make_trainable("HH_gNa")
        >>> cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 3.0, 0.5, 0.025, 10.0))
        >>> cell.branch(2).loc(1.0).record("v")
        >>> sim = dx.simulator(cell, t_max=10.0)
        >>> grads = jax.grad(lambda p: jnp.mean(sim(p) ** 2))(cell.get_parameters())
        >>> grads[0]["HH_gNa"].shape
        (3,)
    """
    system = module if isinstance(module, System) else _compile(module)
    _check_settings(solver, checkpoint, initial, surrogate)
    _warn_rest_replaces_trainables(system, initial)
    t_max, delta_t, _ = checked_times(t_max, delta_t)
    checked_record_interval(record_interval, t_max, delta_t)
    return Simulator(system, t_max, delta_t, solver, checkpoint, initial, surrogate, record_interval)
