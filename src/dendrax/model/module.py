"""What every neuron description shares: compartments, mechanisms, stimuli, recordings.

`Module` is the base of `Compartment`, `Branch` and `Cell`. It owns the description's
data (`TreeData`), the inserted mechanisms, stimuli and recordings; selections (`View`)
point into it and edit it. Nothing here touches JAX: `compile` turns a module into an
immutable `System`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..mechanisms.channel import Mechanism
from ..mechanisms.ions import ION_DEFAULTS, ion_variables
from ..mechanisms.point_neuron import PointNeuron
from ..mechanisms.synapse import Synapse
from .names import insert_hint, name_hint
from .site import Site
from .trainable import driving
from .tree import CABLE_DEFAULTS, GEOMETRY, SHAPE, TreeData
from .values import global_range_error, is_numeric, real_number
from .view import NoNewAttributes, View

if TYPE_CHECKING:
    from ..compile.system import System

__all__ = ["Module"]

CELSIUS_DEFAULT = 6.3  # °C, NEURON's default


class Module(NoNewAttributes):
    """A neuron (or part of one) being described. Subclasses build the `TreeData`.

    Everything that edits the description is also available on selections: ``module.set``
    acts on every compartment, ``module.branch(2).set`` on one branch.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> isinstance(cell, dx.Module), cell.n_branches, cell.n_comps, cell.ncomp.tolist()
        (True, 3, 6, [2, 2, 2])
        >>> cell.insert(HH())
        >>> cell.set("HH_gNa", 0.2)                        # S/cm², every compartment
        >>> cell.branch(2).loc(1.0).record("v")            # mV, at the tip of branch 2
        >>> cell
        Cell(3 branches, 6 compartments, HH, 0 stimuli, 1 recordings)
    """

    def __init__(self, data: TreeData):
        self._data = data
        self._mechanisms: dict[str, tuple[Mechanism, np.ndarray]] = {}
        self._stimuli: list[tuple[Site, np.ndarray]] = []
        self._clamps: list[tuple[Site, str, np.ndarray]] = []
        self._diffusion: dict[str, float] = {}
        self._trainables: list = []
        self._recordings: list[tuple[Site, str]] = []
        self._celsius = CELSIUS_DEFAULT
        self._version = 0
        self._compiled: tuple[tuple[int, bool], System] | None = None

    # ------------------------------------------------------------------ structure
    @property
    def n_branches(self) -> int:
        """Number of branches (NEURON's sections)."""
        return self._data.n_branches

    @property
    def n_comps(self) -> int:
        """Number of compartments (NEURON's segments)."""
        return self._data.n_comps

    @property
    def ncomp(self) -> np.ndarray:
        """Number of compartments of each branch."""
        return self._data.ncomp.copy()

    @property
    def mechanisms(self) -> dict[str, Mechanism]:
        """Inserted mechanisms by name."""
        return {k: m for k, (m, _) in self._mechanisms.items()}

    @property
    def recordings(self) -> list[tuple[Site, str]]:
        """What `integrate` returns, one row each, in insertion order."""
        return list(self._recordings)

    @property
    def stimuli(self) -> list[tuple[Site, np.ndarray]]:
        """Current injections (site, waveform in nA) in insertion order."""
        return [(s, w.copy()) for s, w in self._stimuli]

    @property
    def clamps(self) -> list[tuple[Site, str, np.ndarray]]:
        """Clamps (site, variable, values) in insertion order."""
        return [(s, var, w.copy()) for s, var, w in self._clamps]

    @property
    def celsius(self) -> float:
        """Temperature, °C (NEURON's default 6.3)."""
        return self._celsius

    @celsius.setter
    def celsius(self, value: float) -> None:
        if not is_numeric(value) or np.ndim(value) != 0:
            raise ValueError(
                f"celsius is one temperature for the whole model (°C), as NEURON's h.celsius; got {value!r}"
            )
        value = float(value)
        error = global_range_error("celsius", value)
        if error:
            raise ValueError(error)
        self._celsius = value
        self._touch()

    @property
    def parameter_names(self) -> list[str]:
        """Every name accepted by `set`: geometry, cable properties, mechanism parameters
        and states, ion variables and ``celsius``."""
        return list(self._data.columns) + ["celsius"]

    # ------------------------------------------------------------------ selections
    def _all(self) -> View:
        return View(self, np.arange(self.n_comps), branches=np.arange(self.n_branches))

    def branch(self, index: int | Sequence[int] | slice | str) -> View:
        """Select branches by index (an int, a list, a slice, or ``"all"``)."""
        return self._all().branch(index)

    def comp(self, index: int | Sequence[int] | slice | str) -> View:
        """Select compartments by their index in the whole module (branch-major order)."""
        return View(self, np.arange(self.n_comps)).comp(index)

    def group(self, name: str) -> View:
        """The compartments of a named group (from SWC types, or made with `add_group`)."""
        groups = self._data.groups
        if name not in groups:
            known = ", ".join(repr(g) for g in groups) or "none"
            raise KeyError(f"no group named {name!r}; groups: {known}")
        return View(self, np.flatnonzero(groups[name]))

    def add_group(self, name: str, selection: View, *, replace: bool = False) -> None:
        """Name a selection so that ``module.group(name)`` returns it later.

        A name in use (an SWC region such as ``"soma"``, or an earlier group) is refused
        unless ``replace=True``: the SWC regions also decide where `dx.path_distance` starts
        and which type `dx.write_swc` writes.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"a group name must be a non-empty string; got {name!r}")
        if not isinstance(selection, View) or selection._module is not self:
            raise TypeError("add_group takes a selection of this module, e.g. cell.branch([1, 2])")
        if name in self._data.groups and not replace:
            n = int(np.count_nonzero(self._data.groups[name]))
            raise ValueError(
                f"group {name!r} exists already ({n} compartments); pass replace=True to redefine it, "
                "or choose another name"
            )
        mask = np.zeros(self.n_comps, dtype=bool)
        mask[selection.comps] = True
        self._data.groups[name] = mask

    @property
    def groups(self) -> list[str]:
        """Names of the groups."""
        return list(self._data.groups)

    def select(self, mask: Any) -> View:
        """The compartments where ``mask`` (a boolean array, one value per compartment) is
        true, e.g. ``cell.select(dx.path_distance(cell) > 300.0)``; see `View.select`."""
        return self._all().select(mask)

    def loc(self, x: float | Sequence[float]) -> View:
        """The point at fraction ``x`` along a single-branch module (see `View.loc`)."""
        if self.n_branches != 1:
            raise ValueError(
                f"loc(x) is ambiguous on a module with {self.n_branches} branches; "
                "select a branch first, e.g. cell.branch(0).loc(0.5)"
            )
        return self._all().loc(x)

    # ------------------------------------------------------------------ editing
    def insert(self, mechanism: Mechanism) -> None:
        """Insert ``mechanism`` in every compartment (see `View.insert`)."""
        self._all().insert(mechanism)

    def uninsert(self, mechanism: Mechanism | str) -> None:
        """Remove a mechanism (or its name, ``"HH"``) from every compartment (see `View.uninsert`)."""
        self._all().uninsert(mechanism)

    def set(self, name: str, value: Any, *, keep_shape: bool = False) -> None:
        """Set ``name`` in every compartment (see `View.set`); also accepts ``"celsius"``."""
        if name == "celsius":
            self.celsius = value
            return
        self._all().set(name, value, keep_shape=keep_shape)

    def get(self, name: str) -> np.ndarray:
        """Values of ``name`` in every compartment (a copy). For a mechanism state, NaN
        where it was not set: it starts at its steady state there (see `View.get`)."""
        if name == "celsius":
            return np.array(self._celsius)
        return self._all().get(name)

    def record(self, name: str = "v") -> None:
        """Record ``name`` in every compartment (see `View.record`)."""
        self._all().record(name)

    def stimulate(self, current: Any) -> None:
        """Inject ``current`` (nA) into every compartment (see `View.stimulate`)."""
        self._all().stimulate(current)

    def delete_recordings(self) -> None:
        """Remove all recordings."""
        self._recordings = []
        self._touch()

    def delete_stimuli(self) -> None:
        """Remove all stimuli."""
        self._stimuli = []
        self._touch()

    def diffuse(self, concentration: str, coefficient: float) -> None:
        """Let an intracellular concentration (e.g. ``"cai"``) diffuse along the cable.

        ``coefficient`` is the diffusion coefficient, µm²/ms (free calcium: about 0.6). The
        concentration must be written by a mechanism in every compartment (e.g. a calcium
        buffer). Each step, after the mechanisms, the concentration is advanced by implicit
        Euler over the cell's tree (also under Crank–Nicolson), exact in the amount of ion:
        the concentration fills each compartment's whole volume (pi r² L; frusta for traced
        branches), not a shell under the membrane, and neighbours exchange ion through the
        same geometry as the axial current (the coefficient over the integral of
        dx / (pi r²) between their centres). On cylindrical branches this is NEURON's rxd
        scheme (agreement to 4e-13 mM on cables, diameter steps and branch points; rxd joins
        a branch at the root's 0 end to the root's first centre, an approximation dendrax
        does not make). On tapered (traced) branches the two differ by a discretisation
        error: rxd couples neighbours through the cross-section at their common boundary
        divided by the distance between their centres, dendrax through the integral above.
        Both converge to the same solution as compartments shrink, with errors of the same
        size (on a strong taper cut into 5 and 6 compartments per branch, each was 0.27-0.28
        of the largest change of concentration away from a 20 times finer solution, and the
        two were 0.10 apart); finer compartments, not either scheme, reduce the difference.
        ``coefficient = 0`` turns diffusion off. The coefficient is the parameter
        ``"<concentration>_diffusion"`` (trainable, also at 0).
        """
        if not isinstance(concentration, str) or not concentration.endswith("i") or concentration[:-1] not in ION_DEFAULTS:
            raise ValueError(f"diffuse() takes an intracellular concentration ('cai', 'nai', 'ki'); got {concentration!r}")
        value = real_number(coefficient, f"diffuse({concentration!r}, coefficient) (µm²/ms)")
        error = global_range_error(f"{concentration}_diffusion", value)
        if error:
            raise ValueError(error)
        self._diffusion[concentration] = value
        self._touch()

    def make_trainable(self, name: str, init_value: Any = None) -> None:
        """Make ``name`` trainable with one value for the whole module (see `View.make_trainable`)."""
        self._all_shared().make_trainable(name, init_value)

    def get_parameters(self) -> list[dict[str, Any]]:
        """The trainable values: a list of ``{name: array}``, one per `make_trainable` call.

        A plain pytree: pass it to `integrate(params=...)` or a `simulator`, differentiate
        with respect to it, update it with optax. The values are those given to (or taken
        by) `make_trainable` when it was called: a later `set` does not change them, and
        they act only where they are passed (`integrate` without ``params`` uses the
        description's values).
        """
        from ..compile.staging import on_device

        return [{t.name: on_device(t.initial)} for t in self._trainables]

    def set_parameters(self, params: Sequence[Any]) -> None:
        """Write trainable values (the structure of `get_parameters`, e.g. fitted ones) into
        the description, and make them the trainables' values.

        Each value goes where its `make_trainable` call put it (later calls win where
        selections overlap, as in a simulation), so that the description then simulates as
        ``params=`` did; a ``radius`` or ``length`` keeps a traced compartment's shape, as a
        value passed at call time does (`View.set` with ``keep_shape=True``). Everything is
        checked before anything changes: after an error the description is as it was.

        Example:
            >>> import dendrax as dx
            >>> from dendrax.channels import HH
            >>> cell = dx.Cell([dx.Branch(ncomp=2)] * 3, parents=[-1, 0, 0])
            >>> cell.insert(HH())
            >>> cell.branch("all").make_trainable("HH_gNa")      # one value per branch
            >>> cell.set_parameters([{"HH_gNa": [0.1, 0.2, 0.3]}])
            >>> cell.get("HH_gNa").tolist(), cell.get_parameters()[0]["HH_gNa"].tolist()
            ([0.1, 0.1, 0.2, 0.2, 0.3, 0.3], [0.1, 0.2, 0.3])
        """
        import dataclasses

        import jax

        from .trainable import check_values

        check_values(self._trainables, params)
        staged = self.copy()  # written first; self changes only if all of it succeeds
        trainables = []
        for k, (t, entry) in enumerate(zip(self._trainables, params)):
            value = entry[t.name]
            if isinstance(value, jax.core.Tracer):
                raise TypeError(f"set_parameters takes concrete values, not traced ones (parameters[{k}])")
            values = np.broadcast_to(np.asarray(value, dtype=np.float64), (t.n_values,)).copy()
            if t.kind == "global":
                error = global_range_error(t.name, values)
                if error:
                    raise ValueError(f"parameters[{k}]: {error}")
                if t.name == "celsius":
                    staged.celsius = float(values[0])
                else:
                    staged._diffusion[t.name[: -len("_diffusion")]] = float(values[0])
            elif t.over == "synapses":
                from .network import SynapseView, synapse_type_of

                table = synapse_type_of(staged._synapse_tables, t.name)
                column = t.name[len(table) + 1 :]  # "init_g" holds the state "g"
                column = column[len("init_"):] if column.startswith("init_") else column
                SynapseView(staged, table, t.comps).set(column, values[t.value_index])
            else:
                View(staged, t.comps).set(t.name, values[t.value_index], keep_shape=t.name in GEOMETRY)
            trainables.append(dataclasses.replace(t, initial=values))
        staged._trainables = trainables
        self.__dict__.update(staged.__dict__)
        self._touch()

    @property
    def trainables(self) -> list:
        """What each trainable value drives (`Trainable`: name, compartments per value), in
        `get_parameters` order. Where a later `make_trainable` of the same name covers a
        compartment, the later one drives it and is the one that lists it."""
        return driving(self._trainables)

    def delete_trainables(self) -> None:
        """Forget all trainable parameters."""
        self._trainables = []
        self._touch()

    def _globals(self) -> dict[str, float]:
        """Model-wide quantities: name -> value."""
        out = {"celsius": self._celsius}
        out.update({f"{var}_diffusion": d for var, d in self._diffusion.items()})
        return out

    def _all_shared(self) -> View:
        return View(self, np.arange(self.n_comps))

    def clamp(self, name: str, values: Any) -> None:
        """Clamp ``name`` in every compartment (see `View.clamp`)."""
        self._all().clamp(name, values)

    def delete_clamps(self) -> None:
        """Remove all clamps."""
        self._clamps = []
        self._touch()

    def compile(self) -> System:
        """The immutable, simulatable `System` for the current description (cached).

        The cache is kept per precision: switching ``jax_enable_x64`` compiles afresh, so that
        the same description runs in float64 and float32 in one program.
        """
        import jax

        from ..compile.system import compile_module

        key = (self._version, bool(jax.config.jax_enable_x64))
        if self._compiled is None or self._compiled[0] != key:
            # Concrete arrays even when called under a JAX transformation (e.g. a simulator
            # built inside a jitted function): the cached System must not hold tracers.
            with jax.ensure_compile_time_eval():
                self._compiled = (key, compile_module(self))
        return self._compiled[1]

    def copy(self):
        """An independent deep copy of this description."""
        import copy

        new = copy.copy(self)
        new._data = self._data.copy()
        new._mechanisms = {k: (m, mask.copy()) for k, (m, mask) in self._mechanisms.items()}
        new._stimuli = list(self._stimuli)  # waveforms are read-only, shared (see View.stimulate)
        new._clamps = list(self._clamps)
        new._diffusion = dict(self._diffusion)
        new._trainables = list(self._trainables)
        new._recordings = list(self._recordings)
        new._compiled = None
        return new

    # ------------------------------------------------------------------ internals
    def _touch(self) -> None:
        self._version += 1

    def _owner(self, key: str) -> tuple[str, str, str] | None:
        """(mechanism name, short name, "param" or "state") of a prefixed name, else None."""
        for mname, (mech, _) in self._mechanisms.items():
            if key.startswith(mname + "_"):
                short = key[len(mname) + 1 :]
                if short in mech.params:
                    return mname, short, "param"
                if short in mech.states:
                    return mname, short, "state"
        return None

    def _resolve_name(self, name: str) -> str:
        if not isinstance(name, str):
            raise TypeError(f"a parameter name must be a string; got {name!r}")
        if name in self._data.columns:
            return name
        if name == "celsius":
            raise ValueError(
                "'celsius' (°C) is model-wide, not a value per compartment: set it on the whole "
                "module, e.g. cell.set('celsius', 37.0), and read it with cell.get('celsius'); it "
                "cannot be recorded or clamped"
            )
        raise KeyError(f"unknown parameter or state {name!r}.{name_hint(self, name)}{self._network_hint(name)}")

    def _network_hint(self, name: str) -> str:
        """More help for a name that belongs to a network's synapses (see `Network`)."""
        return ""

    def _insert(self, mechanism: Mechanism, comps: np.ndarray) -> None:
        if isinstance(mechanism, type) and issubclass(mechanism, Mechanism):
            raise TypeError(
                f"insert() takes a mechanism instance; write insert({mechanism.__name__}()) "
                f"instead of insert({mechanism.__name__})"
            )
        if isinstance(mechanism, Synapse):
            raise TypeError(
                f"{mechanism.name} is a synapse (a point process), not a membrane mechanism: attach it "
                f"with dx.connect(pre, post, {type(mechanism).__name__}(), ...), not insert()"
            )
        if not isinstance(mechanism, Mechanism):
            raise TypeError(f"insert() takes a dendrax Mechanism (e.g. HH()); got {mechanism!r}{insert_hint(mechanism)}")
        name = mechanism.name
        for ion in mechanism.ions:
            ion_variables(ion)  # raises for an unknown ion
        mask = np.zeros(self.n_comps, dtype=bool)
        if name in self._mechanisms:
            existing, mask = self._mechanisms[name]
            if existing != mechanism:
                raise ValueError(
                    f"a different mechanism named {name!r} is already inserted ({existing!r}); "
                    "give one of them another name"
                )
            twice = np.intersect1d(np.flatnonzero(mask), comps)
            if len(twice):
                raise ValueError(
                    f"{name} is already inserted in {len(twice)} of the selected compartments "
                    f"(e.g. compartment {twice[0]}); a mechanism can be inserted once per compartment"
                )
            mask = mask.copy()
        reserved = set(CABLE_DEFAULTS) | set(GEOMETRY) | set(SHAPE) | {"celsius"}
        declared = list(mechanism.params.items()) + list(mechanism.states.items())
        for key, _ in declared:
            if f"{name}_{key}" in reserved:
                raise ValueError(f"{type(mechanism).__name__} declares {key!r}, which clashes with '{name}_{key}'")
            for other, (m2, _) in self._mechanisms.items():
                if other == name:
                    continue
                theirs = {f"{other}_{k}" for k in (*m2.params, *m2.states)}
                if f"{name}_{key}" in theirs:  # e.g. Na's "T_g" and Na_T's "g"
                    raise ValueError(
                        f"{name}'s {key!r} and a parameter or state of {other} have the same full name "
                        f"'{name}_{key}'; rename one of the mechanisms (e.g. a subclass with another name)"
                    )
        for var in mechanism.reads:
            ion = next((i for i in ION_DEFAULTS if var in (f"{i}i", f"{i}o")), None)
            if ion is None or ion not in mechanism.ions:
                raise ValueError(
                    f"{type(mechanism).__name__} reads {var!r}: `reads` lists ion concentrations "
                    "('cai', 'nao', ...) of ions in `ions`"
                )
        for var in mechanism.writes:
            ion = next((i for i in ION_DEFAULTS if var in (f"{i}i", f"{i}o")), None)
            if ion is None or ion not in mechanism.ions or var not in mechanism.states:
                raise ValueError(
                    f"{type(mechanism).__name__} writes {var!r}: it must be an ion concentration "
                    "('cai', 'nao', ...) of an ion in `ions`, declared as a state"
                )
            for other, (m2, mask2) in self._mechanisms.items():
                if other != name and var in m2.writes and np.any(mask2[comps]):
                    raise ValueError(
                        f"{other} already writes {var} in some of these compartments, and {name} writes it "
                        f"too; dendrax allows one writer of a concentration per compartment (combine "
                        f"the two into one mechanism, or insert them in different compartments)"
                    )
        if isinstance(mechanism, PointNeuron):
            for other, (m2, mask2) in self._mechanisms.items():
                if other != name and isinstance(m2, PointNeuron) and np.any(mask2[comps]):
                    raise ValueError(
                        f"{other} is already in some of these compartments; a compartment holds one point neuron "
                        f"(both would set its voltage)"
                    )
        overlap = set(mechanism.params) & set(mechanism.states)
        if overlap:
            raise ValueError(f"{type(mechanism).__name__} uses {sorted(overlap)} both as parameter and state")
        # Validated: now change the description.
        cols = self._data.columns
        for key, default in declared:
            full = f"{name}_{key}"
            if full not in cols:
                cols[full] = np.full(self.n_comps, np.nan)
            value = default if key in mechanism.params else np.nan  # states: NaN = steady state
            cols[full][comps] = value
        for ion in mechanism.ions:
            for var, default in ion_variables(ion).items():
                if var not in cols:
                    cols[var] = np.full(self.n_comps, default)
                else:  # joined from parts without this ion (Cell, Network): its defaults here
                    missing = comps[np.isnan(cols[var][comps])]
                    cols[var][missing] = default
        mask[comps] = True
        self._mechanisms[name] = (mechanism, mask)
        self._touch()

    def __repr__(self) -> str:
        mechs = ", ".join(self._mechanisms) or "no mechanisms"
        return (
            f"{type(self).__name__}({self.n_branches} branches, {self.n_comps} compartments, "
            f"{mechs}, {len(self._stimuli)} stimuli, {len(self._recordings)} recordings)"
        )


def joined_model_wide(parts: Sequence[Module], what: str) -> tuple[float, dict[str, float]]:
    """Temperature (°C) and diffusion coefficients of a model joined from ``parts``
    (``what``: "branches", "cells"): they are model-wide, so the parts must agree."""
    temperatures = sorted({p._celsius for p in parts})
    if len(temperatures) > 1:
        raise ValueError(
            f"the {what} have different temperatures {temperatures} °C; celsius is model-wide: "
            "set it once on the joined model, e.g. .set('celsius', 37.0)"
        )
    settings = [p._diffusion for p in parts]
    if any(d != settings[0] for d in settings):
        raise ValueError(
            f"the {what} diffuse different concentrations or at different rates ({settings}); "
            "diffusion is model-wide: call diffuse() once on the joined model"
        )
    return temperatures[0], dict(settings[0])


def warn_dropped_attachments(parts: Sequence[Module], joined: str) -> None:
    """Joining copies the parts' structure, mechanisms and values only (so that one part can
    be used many times); say so when the parts had stimuli, clamps, recordings or trainable
    parameters, which the joined model does not have."""
    counts = {
        "stimuli": sum(len(p._stimuli) for p in parts),
        "clamps": sum(len(p._clamps) for p in parts),
        "recordings": sum(len(p._recordings) for p in parts),
        "trainable parameters": sum(len(p._trainables) for p in parts),
    }
    found = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
    calls = {
        "stimuli": "stimulate(dx.step_current(...))",
        "clamps": "clamp('v', values)",
        "recordings": "record('v')",
        "trainable parameters": "make_trainable('HH_gNa')",
    }
    call = next((calls[what] for what, n in counts.items() if n), calls["recordings"])
    example = ("net.cell(0)" if joined == "Network" else "cell") + f".branch(0).loc(0.5).{call}"
    if found:
        warnings.warn(
            f"the {joined}'s parts have {found}, which a {joined} does not take over (a part can be "
            f"used many times); add them on the {joined} itself, e.g. {example}",
            UserWarning,
            stacklevel=3,
        )
