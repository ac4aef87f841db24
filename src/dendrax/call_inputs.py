"""The values a simulation takes at call time, checked before anything is compiled and put on
the device in the model's dtype and shape.

`dendrax.integrate` (and a `Simulator`) takes parameter values (``params=``: a dict of
overrides or the trainable values), stimuli, clamp waveforms and spike trains. Each is
checked here with a message that names the bad value, and concrete values are cast to the
model's dtype: a number, an int or a float32 value where the model had seen a float64 array
would otherwise compile the whole run again (0.6-0.9 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .compile.network import GAP
from .compile.reversal import computed_reversal, concentration_set_by_writer, ignored_concentration_message
from .compile.staging import on_device
from .compile.system import System
from .manual_axes import varying_axes
from .mechanisms.channel import Mechanism
from .mechanisms.synapse import Synapse
from .model.names import NEURON_NAMES
from .model.network import delay_error, synapse_type_of
from .model.trainable import check_values
from .model.tree import GEOMETRY, geometry_error
from .model.values import (
    ION_CONCENTRATIONS,
    POSITIVE,
    cable_error,
    global_range_error,
    is_numeric,
    require_real_dtype,
)
from .spike_trains import event_table, time_points
from .synapses import GapJunction
from .synaptic import TRAIN_EVENTS_PER_STEP, per_event_trains

__all__ = ["check_clamp_ranges", "check_conflicts", "check_step_inputs", "check_range", "checked_clamps_when_run", "checked_params", "checked_spike_input", "checked_trainables", "checked_waveforms"]


def checked_trainables(system: System, params: Sequence[Mapping[str, Any]]) -> list[dict[str, Array]]:
    """The trainable values (``module.get_parameters()``'s layout), checked, on the device now
    (the run is asynchronous: the caller may change its array later), in the model's dtype
    and each group's shape (a number where an array had been: a new compile)."""
    check_values(system.layout.trainables, params)
    for tr, entry in zip(system.layout.trainables, params):
        check_range(system, tr.name, entry[tr.name])
    return [
        {k: _trainable_column(v, tr.n_values) for k, v in entry.items()}
        for tr, entry in zip(system.layout.trainables, params)
    ]


def _trainable_column(value: Any, n_values: int) -> Array:
    """One trainable entry as an array of shape ``(n_values,)`` in the model's dtype, never
    weakly typed. A concrete JAX array of another dtype or shape (``jnp.asarray(0.14)``:
    weak, shape ()) compiled the whole run again (0.45 s on a 7-branch cell); traced ones
    are the caller's program and stay as they are."""
    dtype = jnp.result_type(float)
    if isinstance(value, jax.core.Tracer):
        return value
    if isinstance(value, jax.Array):
        if value.shape == (n_values,) and value.dtype == dtype and not value.weak_type:
            return value  # placed (and perhaps sharded) by the caller: keep it there
        return jnp.broadcast_to(value.astype(dtype), (n_values,))
    return on_device(np.broadcast_to(np.asarray(value, dtype), (n_values,)).copy())


def checked_params(system: System, params: Mapping[str, Any] | None) -> dict[str, Array]:
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
                hint = (
                    f" (an initial state: set it on the description, cell.set({name!r}, ...), or make it trainable, "
                    f"cell.make_trainable({name!r}), and pass the values of get_parameters())"
                )
            elif name in NEURON_NAMES:
                hint = f" (in dendrax: {NEURON_NAMES[name]})"
            known = ", ".join(sorted(system.params))
            raise KeyError(f"unknown parameter {name!r}{hint}; known: {known}")
        if isinstance(value, str):
            raise TypeError(f"params[{name!r}] takes a number or an array of real numbers; got {value!r}")
        layout = system.layout
        computed = computed_reversal(layout.placements, layout.writers + layout.readers, name)
        if computed:
            comp, mech = next(iter(computed.items()))
            raise ValueError(
                f"params[{name!r}]: {name} is computed from the concentrations (Nernst) in compartment {comp}, "
                f"where {mech} uses them, so a value there would be ignored; pass the concentrations instead"
            )
        # Refused only where the value would be ignored wherever the concentration is used
        # (a value there still starts other writers and reaches readers; trainable start
        # values apply only to calls with trainable values, so not here: a review).
        used = {int(c) for var, k in layout.writers + layout.readers if var == name for c in layout.placements[k].comps}
        ignored = concentration_set_by_writer(layout.placements, layout.writers, layout.is_set, name)
        if used and used <= ignored.keys():
            raise ValueError(ignored_concentration_message(f"params[{name!r}]", name, ignored, sorted(used)))
        # NumPy arrays and numbers are converted and broadcast in NumPy: jnp would compile a
        # small program per shape here (slow on a GPU). JAX arrays (traced, or placed and
        # sharded by the caller) stay JAX arrays.
        xp = jnp if isinstance(value, jax.Array) else np
        if xp is np and not is_numeric(value):  # strings, ragged lists, booleans, complex numbers
            raise TypeError(f"params[{name!r}] takes real numbers (a number or an array); got {value!r}")
        arr = xp.asarray(value)
        require_real_dtype(arr.dtype, f"params[{name!r}]")
        if not isinstance(arr, jax.core.Tracer):
            # The model's dtype, never weakly typed: an int, a float32 value under float64 or
            # a weakly typed jnp scalar each compiled the run again (0.6-0.9 s). A JAX array
            # takes the run's dtype (a System built under float64, run without it, is float32).
            arr = arr.astype(system.params[name].dtype if xp is np else jnp.result_type(float))
        elif not jnp.issubdtype(arr.dtype, jnp.floating):
            arr = arr.astype(jnp.result_type(float))
        expected = system.params[name].shape
        check_range(system, name, arr)
        if arr.shape == ():
            arr = xp.broadcast_to(arr, expected)
        elif arr.shape != expected and expected == ():
            raise ValueError(f"params[{name!r}] is model-wide: give one number; got an array of shape {arr.shape}")
        elif arr.shape != expected:
            groups = [g.mechanism.name for g in system.layout.network.groups] + [GAP]
            owner = synapse_type_of(groups, name)
            per = f"one per {owner} synapse" if owner else f"one value per compartment, {n} compartments"
            raise ValueError(f"params[{name!r}] has shape {arr.shape}; give a number or an array of shape {expected} ({per})")
        out[name] = on_device(np.ascontiguousarray(arr)) if xp is np else arr
    return out


def check_range(system: System, name: str, value: Array) -> None:
    """Physical range of a concrete override (traced values are the caller's business)."""
    if isinstance(value, jax.core.Tracer):
        return
    arr = np.asarray(value)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"params[{name!r}] contains a non-finite value")
    error = global_range_error(name, arr)
    if error:
        raise ValueError(f"params[{name!r}]: {error}")
    if name in POSITIVE or name in ION_CONCENTRATIONS:
        if np.any(arr <= 0):
            raise ValueError(f"params[{name!r}] must be > 0 {POSITIVE.get(name, 'mM')}; got {arr[arr <= 0].ravel()[0]}")
        error = geometry_error(name, arr) if name in GEOMETRY else cable_error(name, arr)
        if error:  # 1/r² or 2 pi r L overflowed: NaN voltages
            raise ValueError(f"params[{name!r}]: {error}")
        return
    network = system.layout.network
    owners = [pl.mechanism for pl in system.layout.placements] + [g.mechanism for g in network.groups]
    if len(network.gaps_implicit) + len(network.gaps_explicit):  # gap junctions are not a group
        owners.append(GapJunction())
    for mech in owners:
        if not name.startswith(mech.name + "_"):
            continue
        short = name[len(mech.name) + 1 :]
        if isinstance(mech, Synapse) and short.startswith("init_") and short[len("init_") :] in mech.states:
            short = short[len("init_") :]  # a synapse's initial state: the state's range (a review)
        if short == "weight" and isinstance(mech, Synapse):  # a connection's, not the synapse's
            error = mech.weight_error(arr)
        elif short == "delay" and isinstance(mech, Synapse):
            # connect's and set's rule (a negative lag wrapped around the spike ring buffer).
            error = delay_error(arr)
        else:
            error = mech.range_error(short, arr)
        if error:
            raise ValueError(f"params[{name!r}] {error}")


def check_conflicts(
    system: System, overrides: Mapping[str, Array], trainable_values: Sequence[Mapping[str, Array]] | None
) -> None:
    """Concrete call-time parameter values (``params=``: overrides, or the trainable values)
    that break a rule between a mechanism's parameters (`Mechanism.conflicts`, e.g. a LIF's
    reset at or above its threshold), taken with the model's other values, as compiling
    checks the description's. A mechanism with a traced value among its parameters is not
    checked: traced values are the caller's business."""
    trained: dict[str, list[tuple[Any, Array]]] = {}
    for tr, entry in zip(system.layout.trainables, trainable_values or ()):
        if tr.kind == "param":  # over compartments or synapses: the parameter's name says which
            trained.setdefault(tr.name, []).append((tr, entry[tr.name]))
    owners = [(pl.mechanism, pl.name, pl.comps, "compartment {i}, where {name} is inserted") for pl in system.layout.placements]
    owners += [
        (g.mechanism, g.name, np.arange(len(g.post)), "net.synapses.{name}[{i}]") for g in system.layout.network.groups
    ]
    for mech, name, where, label in owners:
        keys = {k: f"{name}_{k}" for k in mech.params}
        given = [overrides[key] for key in keys.values() if key in overrides]
        given += [value for key in keys.values() for _, value in trained.get(key, [])]
        if type(mech).conflicts is Mechanism.conflicts or not given:
            continue  # no rules, or no new values
        if any(isinstance(value, jax.core.Tracer) for value in given + [system.params[key] for key in keys.values()]):
            continue  # traced (a System traced by jit too)
        values = {}
        for k, key in keys.items():
            column = np.array(overrides.get(key, system.params[key]), dtype=np.float64)
            for tr, value in trained.get(key, []):  # in call order: the later wins, as in `apply_trainables`
                column[tr.comps] = np.broadcast_to(np.asarray(value, np.float64), (tr.n_values,))[tr.value_index]
            values[k] = column[where]
        conflict = mech.conflict_error(values)
        if conflict:
            i, message = conflict
            raise ValueError(f"params: {message} ({label.format(i=int(where[i]), name=name)})")


def checked_waveforms(
    registered: list[Array], given: Any, n_steps: int, one: str, many: str
) -> tuple[Array, Array | None]:
    """The stimulus or clamp waveforms of a run, checked: ``(rows, index)``, where row
    ``index[k]`` is the ``k``-th waveform (``index`` None: row ``k``).

    Registered waveforms that are one array (the points of one ``stimulate`` or ``clamp``
    call) are one row: one current on 2,000 sites was 2,000 rows of the run's length
    (640 MB in float64 at 40,001 points, copied several times). ``given`` (shape
    ``(n_waveforms, n_time_points)``) is used as it is.
    """
    n = len(registered)
    n_points = n_steps + 1
    if given is None:
        for k, w in enumerate(registered):
            if w.shape != (n_points,):
                raise ValueError(
                    f"{one} {k} has {w.shape[0]} values, but t_max / delta_t = {n_steps} steps need "
                    f"{n_points} (one per time point from 0 to t_max)"
                )
        if not n:
            return on_device(np.zeros((0, n_points), jnp.result_type(float))), None
        distinct = list({id(w): w for w in registered}.values())  # first appearance order
        row = {id(w): k for k, w in enumerate(distinct)}
        index = None if len(distinct) == n else on_device(np.array([row[id(w)] for w in registered], np.int32))
        if any(isinstance(w, jax.core.Tracer) for w in distinct):
            return jnp.stack(distinct), index
        return on_device(np.stack([np.asarray(w) for w in distinct])), index  # nothing to compile
    arr = given if isinstance(given, jax.Array) else _rectangular(given, many, f"(n_{many}, {n_points})")
    if arr.dtype.kind not in "iuf":  # booleans, complex numbers and strings, NumPy or JAX
        raise TypeError(f"{many} must be real numbers; got an array of {arr.dtype}")
    if arr.shape != (n, n_points):
        where = (
            f"the model has no {one} to replace: place them on the description first (e.g. "
            f"cell.branch(0).loc(0.5).{'stimulate' if one == 'stimulus' else 'clamp'}(...)), then pass {many} here"
            if n == 0
            else f"one row per {one} site, in the order they were placed (a call on k points places k)"
        )
        raise ValueError(
            f"{many} must have shape (n_{many}, n_time_points) = ({n}, {n_points}); got {arr.shape}: {where}"
        )
    if isinstance(arr, np.ndarray):
        arr = on_device(arr.astype(jnp.result_type(float)))
    elif not isinstance(arr, jax.core.Tracer):
        # In the model's dtype, strongly typed: float32, integer and weakly typed arrays
        # (jnp.full(shape, 0.1)) each compiled the run again.
        arr = arr.astype(jnp.result_type(float))
    if not isinstance(arr, jax.core.Tracer):
        bad = np.argwhere(~np.isfinite(np.asarray(arr)))
        if len(bad):
            row, col = bad[0]
            raise ValueError(f"{many}[{row}, {col}] is {np.asarray(arr)[row, col]}; every value must be finite")
    return arr, None


def _rectangular(given: Any, what: str, shape: str) -> np.ndarray | Array:
    """``given`` as a NumPy array, or a JAX one where it is a list of rows with JAX arrays
    among them (traced ones under jit, vmap or grad: NumPy could not take them, a review);
    a ragged list of rows gets an error naming ``what`` (NumPy's said "inhomogeneous shape
    after 1 dimensions": a review)."""
    try:
        if isinstance(given, (list, tuple)) and any(isinstance(x, jax.Array) for x in jax.tree.leaves(given)):
            return jnp.stack([jnp.asarray(row) for row in given])
        return np.asarray(given)
    except ValueError:
        raise ValueError(
            f"{what} must be a rectangular array of shape {shape}, one value per time point in every row; "
            "got rows of different lengths"
        ) from None


def check_clamp_ranges(system: System, clamps: Array) -> None:
    """Call-time values of clamped states (``clamps=``, one row per clamp) in their range, as
    ``clamp()`` checks the description's: a negative concentration ran into NaN, a gate of
    5 ran. Traced values are the caller's business."""
    if isinstance(clamps, jax.core.Tracer) or not system.layout.state_clamps:
        return  # traced: `checked_clamps_when_run`
    values = np.asarray(clamps)
    for k, m, state, _ in system.layout.state_clamps:
        mech = system.layout.placements[m].mechanism
        error = mech.range_error(state, values[k])
        if error:
            raise ValueError(f"clamps[{k}] holds {mech.name}_{state}, which {error}")


def checked_clamps_when_run(system: System, clamps: Array) -> Array:
    """Traced values of clamped states (under ``jax.vmap`` or the caller's ``jit``), checked
    when the run starts (`equinox.error_if`) for the ranges `check_clamp_ranges` checks of
    concrete ones: a negative clamped concentration ran silently wrong under vmap (a
    review). Call it outside ``jax.ensure_compile_time_eval``, which would evaluate the check
    at once."""
    if not isinstance(clamps, jax.core.Tracer) or not system.layout.state_clamps:
        return clamps
    bad = jnp.zeros((), bool)
    names = []
    for k, m, state, _ in system.layout.state_clamps:
        mech = system.layout.placements[m].mechanism
        row = clamps[k]
        bad |= jnp.any(~jnp.isfinite(row) | mech.out_of_range(state, row))
        names.append(f"clamps[{k}] ({mech.name}_{state})")
    message = (
        f"a clamped state is outside its range (a concentration <= 0, a gate outside [0, 1], or not finite) "
        f"in {', '.join(names)}; check the values passed as clamps="
    )
    return _error_if(clamps, bad, message)


def _error_if(values: Array, bad: Array, message: str) -> Array:
    """``values``, raising ``message`` when the run starts if ``bad`` (`equinox.error_if`);
    inside ``jax.shard_map``, if ``bad`` on any device."""
    axes = tuple(sorted(varying_axes(bad)))
    if axes:  # one verdict for all devices (error_if's branches must agree)
        bad = jax.lax.pmax(bad.astype(jnp.int32), axes) > 0
    # The check on a zero added to the values: the run depends on it, and their type stays
    # theirs (varying across a shard_map's devices or not).
    return values + eqx.error_if(jnp.zeros((), values.dtype), bad, message)


def checked_spike_input(system: System, given: Any, delta_t: float, n_steps: int) -> Array:
    """The spike trains' spikes: from the description's times, an event table (`event_table`:
    the trains spiking at each time point, which takes far less memory than counts of every
    train at every point); else ``given``, spike counts of shape (n_trains, n_steps + 1),
    checked."""
    n = system.layout.network.n_trains
    n_points = n_steps + 1
    if given is None:
        if any(isinstance(times, jax.core.Tracer) for times in system.spike_times):  # a System traced by jit
            raise TypeError(
                "spike trains' times fix the event schedule and cannot be traced values; pass spike counts "
                "as integrate(..., spike_trains=...) (dx.spike_raster) to vary them under jit or vmap"
            )
        if not n:
            return on_device(np.zeros((0, n_points), jnp.result_type(float)))
        for train in per_event_trains(system.layout.network):
            points = time_points(system.spike_times[train], delta_t, n_points)
            _check_events_per_step(system, int(train), np.bincount(points, minlength=1), delta_t)
        return on_device(event_table(system.spike_times, delta_t, n_points))
    if not n:
        raise ValueError("spike_trains= replaces the spike trains' spikes, but the model has none (net.add_spike_trains)")
    arr = given if isinstance(given, jax.Array) else _rectangular(given, "spike_trains", f"({n}, {n_points})")
    if arr.shape != (n, n_points):
        raise ValueError(
            f"spike_trains must have shape (n_trains, n_time_points) = ({n}, {n_points}): spikes per time point "
            f"(dx.spike_raster(times, t_max, delta_t) makes one); got {arr.shape}"
        )
    if not (jnp.issubdtype(arr.dtype, jnp.floating) or jnp.issubdtype(arr.dtype, jnp.integer) or arr.dtype == bool):
        raise TypeError(f"spike_trains must hold spike counts (numbers); got an array of {arr.dtype}")
    if isinstance(arr, np.ndarray):
        arr = on_device(arr.astype(jnp.result_type(float)))
    elif not isinstance(arr, jax.core.Tracer):
        # In the model's dtype, strongly typed, as stimuli: an int32 raster after a float64
        # one (dx.spike_raster's) compiled the run again (a review). Concrete inside a
        # caller's jit too, to be checked below.
        with jax.ensure_compile_time_eval():
            arr = arr.astype(jnp.result_type(float))
    if isinstance(arr, jax.core.Tracer):
        if not jnp.issubdtype(arr.dtype, jnp.floating):  # booleans and integers: counts
            arr = arr.astype(jnp.result_type(float))
        return _checked_when_run(system, arr)
    values = np.asarray(arr)
    bad = np.argwhere(~(np.isfinite(values) & (values >= 0)))
    if len(bad):
        row, col = bad[0]
        raise ValueError(f"spike_trains[{row}, {col}] is {values[row, col]}; spike counts must be finite and >= 0")
    for train in per_event_trains(system.layout.network):
        _check_events_per_step(system, int(train), values[train], delta_t)
    return arr


def _checked_when_run(system: System, counts: Array) -> Array:
    """Traced spike counts (under ``jax.vmap`` or the caller's ``jit``), checked when the run
    starts (`equinox.error_if`): the checks of concrete counts, which a traced raster
    skipped, so that 3 spikes of one train in a step reached a per-event synapse as 2 (a
    review). One reduction over the raster per run."""
    bad = ~(jnp.isfinite(counts) & (counts >= 0))
    message = "spike_trains holds a negative or non-finite spike count; spike counts must be finite and >= 0"
    trains = per_event_trains(system.layout.network)
    if len(trains):
        names = sorted({g.name for g in system.layout.network.groups if getattr(g.mechanism, "per_event", False)})
        per_event = counts[trains]
        bad = jnp.any(bad) | jnp.any((per_event > TRAIN_EVENTS_PER_STEP) | (per_event != jnp.round(per_event)))
        message = (
            f"spike_trains holds a negative or non-finite count, or, for a train driving {', '.join(names)} "
            f"(NET_RECEIVE runs once per spike), a fraction of a spike or more than {TRAIN_EVENTS_PER_STEP} spikes "
            "in one time step: use whole counts, a smaller delta_t, or spread those spikes"
        )
    return _error_if(counts, jnp.any(bad), message)


def _check_events_per_step(system: System, train: int, counts: np.ndarray, delta_t: float) -> None:
    """Refuse more spikes of ``train`` in one step than a per-event synapse receives apart,
    and fractions of a spike (a per-event synapse receives whole spikes)."""
    fractional = np.flatnonzero(counts != np.round(counts))
    if len(fractional):
        raise ValueError(
            f"spike_trains[{train}, {fractional[0]}] is {counts[fractional[0]]}: the train drives synapses whose "
            "NET_RECEIVE runs once per spike, which take whole spike counts"
        )
    if counts.max(initial=0) <= TRAIN_EVENTS_PER_STEP:
        return
    point = int(np.argmax(counts > TRAIN_EVENTS_PER_STEP))
    names = sorted({g.name for g in system.layout.network.groups if getattr(g.mechanism, "per_event", False)})
    raise ValueError(
        f"spike train {train} has {int(counts[point])} spikes in the time step at t = {point * delta_t:g} ms; it "
        f"drives {', '.join(names)}, whose NET_RECEIVE runs once per spike (as in NEURON), for at most "
        f"{TRAIN_EVENTS_PER_STEP} spikes of one train per step: use a smaller delta_t, or spread those spikes"
    )


def check_step_inputs(system: System, i_ext: Any, clamps: Any, where: str) -> None:
    """Raise unless ``i_ext`` holds one current per stimulus and ``clamps`` one value per
    clamp (shapes are known while tracing, so this costs nothing under ``jit``). Without it
    a single current was added at every stimulus site, a clamp value held every clamp, and
    a current given to a model without stimuli was dropped (a review)."""
    n_stimuli, n_clamps = len(system.layout.stimulus_nodes), len(system.clamps)
    if i_ext is not None and jnp.shape(i_ext) != (n_stimuli,):
        fix = (
            "it has none: stimulate a site first (e.g. stimulate(np.zeros(n_time_points))), or pass jnp.zeros(0)"
            if n_stimuli == 0
            else "in the order the sites were stimulated"
        )
        raise ValueError(
            f"{where}: i_ext must have shape ({n_stimuli},), one current (nA) per stimulus of the model "
            f"({fix}); got shape {jnp.shape(i_ext)}"
        )
    if (clamps is None and n_clamps) or (clamps is not None and jnp.shape(clamps) != (n_clamps,)):
        raise ValueError(
            f"{where}: clamps must have shape ({n_clamps},), one value per clamp of the model (mV for a "
            f"voltage clamp, the state's unit for a state clamp) in the order they were placed; got "
            + ("None" if clamps is None else f"shape {jnp.shape(clamps)}")
        )
