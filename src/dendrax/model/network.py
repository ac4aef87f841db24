"""Networks: many cells in one description, joined by synapses and gap junctions.

A `Network` is a `Module` whose tree is a forest (one tree per cell): every selection,
mechanism, stimulus and recording works as on a cell. Synapses are stored per type in
flat arrays (no per-synapse Python object); the connection helpers in `connect` append to
them in one vectorised step.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..mechanisms.synapse import Synapse
from .module import Module, joined_model_wide, warn_dropped_attachments
from .site import Site
from .trainable_edit import warn_mean_replaces, warn_shadowed
from .tree import TreeData
from .values import real_number, real_values
from .view import View, _pick

__all__ = ["Network", "SpikeTrainView", "SynapseView"]

# Site kinds as integers in the synapse tables ("train": a spike train, by number).
KIND = {"comp": 0, "start": 1, "end": 2, "train": 3}


class SynapseTable:
    """All synapses of one type: flat arrays over synapses, ``pre_kind``, ``pre_index``,
    ``post_kind``, ``post_index`` and ``columns`` (parameters, and "weight", "delay",
    "threshold" if event-driven).

    Connections made by separate calls are kept as chunks and joined when the table is next
    read: joining on every call made a loop of `dx.connect` quadratic (1 ms per call at 50,000
    connections)."""

    def __init__(self, mechanism: Synapse, pre_kind, pre_index, post_kind, post_index, columns):
        self.mechanism = mechanism
        self._chunks = [(pre_kind, pre_index, post_kind, post_index, columns)]
        self.n = len(pre_index)

    def append(self, pre_kind, pre_index, post_kind, post_index, columns) -> None:
        self._chunks.append((pre_kind, pre_index, post_kind, post_index, columns))
        self.n += len(pre_index)

    @property
    def column_names(self) -> list[str]:
        return list(self._chunks[0][4])

    def _joined(self):
        if len(self._chunks) > 1:
            arrays = [np.concatenate([c[k] for c in self._chunks]) for k in range(4)]
            names = self._chunks[0][4]
            columns = {name: np.concatenate([c[4][name] for c in self._chunks]) for name in names}
            self._chunks = [(*arrays, columns)]
        return self._chunks[0]

    pre_kind = property(lambda self: self._joined()[0])
    pre_index = property(lambda self: self._joined()[1])
    post_kind = property(lambda self: self._joined()[2])
    post_index = property(lambda self: self._joined()[3])
    columns = property(lambda self: self._joined()[4])

    def copy(self) -> SynapseTable:
        pre_kind, pre_index, post_kind, post_index, columns = self._joined()
        return SynapseTable(
            self.mechanism, pre_kind, pre_index, post_kind, post_index, {c: v.copy() for c, v in columns.items()}
        )


class Network(Module):
    """Cells in one model, to be connected by synapses and gap junctions.

    Args:
        cells: the cells (`Cell`, `Branch` or `Compartment`); each is copied with its
            mechanisms and parameter values (not its stimuli, clamps, recordings or trainables: a
            warning says when it had any), so one cell can be used many times.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> cell.insert(HH())
        >>> net = dx.Network([cell] * 4)
        >>> dx.fully_connect(net.cell([0, 1]), net.cell([2, 3]), dx.synapses.ExpSyn(), delay=1.0)
        >>> net.synapses.ExpSyn.n, net.n_cells
        (4, 4)
    """

    def __init__(self, cells: Sequence[Module]):
        if isinstance(cells, Module):
            raise TypeError(f"Network takes a list of cells, e.g. dx.Network([cell]); got one {type(cells).__name__}")
        cells = list(cells)
        if not cells:
            raise ValueError("a Network needs at least one cell")
        for i, c in enumerate(cells):
            if not isinstance(c, Module) or isinstance(c, Network):
                raise TypeError(f"cells[{i}] must be a dx.Cell, dx.Branch or dx.Compartment; got {type(c).__name__}")
        branch_offsets = np.concatenate([[0], np.cumsum([c.n_branches for c in cells])])
        comp_offsets = np.concatenate([[0], np.cumsum([c.n_comps for c in cells])])
        parent = np.concatenate(
            [np.where(c._data.parent < 0, -1, c._data.parent + off) for c, off in zip(cells, branch_offsets)]
        )
        parent_x = np.concatenate([c._data.parent_x for c in cells])
        data = TreeData.concatenate([c._data for c in cells], parent, parent_x)
        super().__init__(data)
        for i, c in enumerate(cells):
            for name, (mech, mask) in c._mechanisms.items():
                if name in self._mechanisms and self._mechanisms[name][0] != mech:
                    raise ValueError(f"cells insert different mechanisms under the same name {name!r}")
                if name not in self._mechanisms:
                    self._mechanisms[name] = (mech, np.zeros(self.n_comps, dtype=bool))
                self._mechanisms[name][1][comp_offsets[i] + np.flatnonzero(mask)] = True
        self._celsius, self._diffusion = joined_model_wide(cells, "cells")
        warn_dropped_attachments(cells, "Network")
        self._cell_branch_start = branch_offsets
        self._cell_comp_start = comp_offsets
        self._synapse_tables: dict[str, SynapseTable] = {}
        self._spike_recordings: list[tuple[Site, float]] = []
        self._spike_trains: list[np.ndarray] = []

    # ------------------------------------------------------------------ cells
    @property
    def n_cells(self) -> int:
        return len(self._cell_comp_start) - 1

    def cell(self, index: int | Sequence[int] | slice | range | str) -> View:
        """Select cells (an int, a list, a range, a slice or ``"all"``). For `make_trainable`
        each cell is a group; for the connection helpers each cell is one unit."""
        if isinstance(index, range):
            index = list(index)
        chosen = _pick(np.arange(self.n_cells), index, "cell")
        groups = [np.arange(self._cell_comp_start[c], self._cell_comp_start[c + 1]) for c in chosen]
        branches = np.concatenate(
            [np.arange(self._cell_branch_start[c], self._cell_branch_start[c + 1]) for c in chosen]
        ) if len(chosen) else np.zeros(0, np.int64)
        comps = np.concatenate(groups) if groups else np.zeros(0, np.int64)
        view = View(self, comps, branches=branches, groups=groups)
        view._cells = chosen
        return view

    def cell_site(self, cell: int) -> Site:
        """A cell's own point: the middle of its root branch (its spike source by default)."""
        return Site("comp", int(self.cell_sites(np.array([cell]))[0]))

    def cell_sites(self, cells: np.ndarray) -> np.ndarray:
        """Compartment index of each cell's own point (the middle of its root branch, the one
        whose parent is -1, wherever the cell lists it)."""
        roots = np.flatnonzero(self._data.parent < 0)  # one per cell, in cell order
        b = roots[np.asarray(cells, dtype=np.int64)]
        n = self._data.ncomp[b]
        return self._data.comp_start[b] + np.minimum(n // 2, n - 1)

    def cell_of(self, sites: np.ndarray) -> np.ndarray:
        """The cell of each (kind, index) site (index: compartment for kind 0, else branch);
        -1 for a spike train, which belongs to no cell."""
        sites = np.asarray(sites, dtype=np.int64).reshape(-1, 2)
        comp = np.where(sites[:, 0] == KIND["comp"], sites[:, 1], self._data.comp_start[np.minimum(sites[:, 1], self.n_branches - 1)])
        cells = np.searchsorted(self._cell_comp_start, comp, side="right") - 1
        return np.where(sites[:, 0] == KIND["train"], -1, cells)

    # ------------------------------------------------------------------ spike trains
    def add_spike_trains(self, trains: Sequence[Any]) -> SpikeTrainView:
        """Add spike trains (NEURON's ``VecStim``): one list of spike times (ms) per train.

        Returns the new trains as a selection to connect from, as ``net.cell(...)``:
        ``dx.connect(trains, net.cell(0), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)``.
        Only event-driven synapses take spikes from a train. A spike's time is rounded to the
        run's time grid (`dendrax.spike_trains` says how this compares with NEURON); the
        times can be replaced at call time with ``integrate(..., spike_trains=...)``.

        Example:
            >>> import dendrax as dx
            >>> from dendrax.channels import HH
            >>> cell = dx.Compartment()
            >>> cell.insert(HH())
            >>> net = dx.Network([cell] * 2)
            >>> trains = net.add_spike_trains([[2.0, 7.5], dx.regular_spikes(1.0, 3, 5.0)])   # ms
            >>> dx.connect(trains, net.cell([0, 1]), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
            >>> trains.n, net.spike_trains(1).times[0].tolist()
            (2, [1.0, 6.0, 11.0])
        """
        from ..spike_trains import checked_trains

        new = checked_trains(trains, "add_spike_trains")
        if not new:
            raise ValueError("add_spike_trains got no trains; pass a list of trains, each a list of spike times (ms)")
        first = len(self._spike_trains)
        self._spike_trains.extend(new)
        self._touch()
        return SpikeTrainView(self, np.arange(first, first + len(new)))

    def spike_trains(self, index: int | Sequence[int] | slice | range | str = "all") -> SpikeTrainView:
        """Select spike trains added with `add_spike_trains` (an int, a list, a slice or ``"all"``)."""
        if not self._spike_trains:
            raise ValueError("the network has no spike trains; add some with net.add_spike_trains([[t1, t2, ...], ...])")
        if isinstance(index, range):
            index = list(index)
        return SpikeTrainView(self, _pick(np.arange(len(self._spike_trains)), index, "spike train"))

    def _network_hint(self, name: str) -> str:
        if name == "spikes":
            return " Spikes are recorded with net.record_spikes() (cells=[...] for some cells)."
        for table in self._synapse_tables:
            if name.startswith(table + "_"):
                short = name[len(table) + 1 :]
                use = (
                    f".record({short!r})" if short in self._synapse_tables[table].mechanism.states
                    else f".set({short!r}, ...) or .make_trainable({short!r}), or params={{{name!r}: ...}} at call time"
                )
                return f" {table} is a synapse type, with values per synapse: net.synapses.{table}{use}."
        return ""

    def record_spikes(self, threshold: float = -20.0, cells: Sequence[int] | None = None) -> None:
        """Record each cell's spikes (one row per cell: 1.0 at the time point after each upward
        crossing of ``threshold`` (mV) at the cell's own point, else 0; point neurons report
        their own spikes). As in NEURON (which tests thresholds at the start of each step), a
        crossing during the last step of a run is not reported. The default threshold is
        NEURON's ``APCount``'s; connections (`dx.connect`) default to ``NetCon``'s, 10 mV."""
        threshold = real_number(threshold, "record_spikes(threshold=...) (mV)")
        if not np.isfinite(threshold):
            raise ValueError(f"the spike threshold must be a finite voltage (mV); got {threshold!r}")
        if isinstance(cells, range):
            cells = list(cells)
        if cells is not None and np.ndim(cells) == 0 and not isinstance(cells, (str, slice)):
            cells = [cells]  # one cell, as in net.cell(1)
        which = np.arange(self.n_cells) if cells is None else _pick(np.arange(self.n_cells), cells, "cell")
        sites = [Site("comp", int(c)) for c in self.cell_sites(which)]
        self._spike_recordings.extend((site, float(threshold)) for site in sites)
        self._recordings.extend((site, "spikes") for site in sites)
        self._touch()

    def delete_recordings(self) -> None:
        """Remove all recordings, spike recordings included."""
        super().delete_recordings()
        self._spike_recordings = []

    # ------------------------------------------------------------------ synapses
    @property
    def synapses(self) -> types.SimpleNamespace:
        """The synapses by type: ``net.synapses.ExpSyn.set("tau", 2.0)``."""
        return _SynapseTypes(**{name: SynapseView(self, name, np.arange(t.n)) for name, t in self._synapse_tables.items()})

    def _add_synapses(self, mechanism: Synapse, pre: np.ndarray, post: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Append synapses from (n, 2) arrays of (site kind, index) pre and post points."""
        name = mechanism.name
        n = len(pre)
        table = self._synapse_tables.get(name)
        if table is not None and table.mechanism != mechanism:
            raise ValueError(f"a different synapse named {name!r} exists ({table.mechanism!r}); rename one")
        new_cols = {k: np.full(n, float(v)) for k, v in mechanism.params.items()}
        new_cols.update({f"init_{k}": np.full(n, np.nan) for k in mechanism.states})
        new_cols.update(columns)
        kinds_pre, idx_pre = pre[:, 0].copy(), pre[:, 1].copy()
        kinds_post, idx_post = post[:, 0].copy(), post[:, 1].copy()
        if table is None:
            self._synapse_tables[name] = SynapseTable(mechanism, kinds_pre, idx_pre, kinds_post, idx_post, new_cols)
        else:
            table.append(kinds_pre, idx_pre, kinds_post, idx_post, {k: new_cols[k] for k in table.column_names})
        self._touch()

    def copy(self):
        new = super().copy()
        new._synapse_tables = {k: t.copy() for k, t in self._synapse_tables.items()}
        new._spike_recordings = list(self._spike_recordings)
        new._spike_trains = [t.copy() for t in self._spike_trains]
        return new


class SpikeTrainView:
    """Some spike trains of a network: the presynaptic side of the connection helpers."""

    def __init__(self, network: Network, index: np.ndarray):
        self._module = network
        self._index = np.asarray(index, dtype=np.int64)

    @property
    def n(self) -> int:
        """Number of selected trains."""
        return len(self._index)

    def __getitem__(self, index: Any) -> SpikeTrainView:
        """Some of the selected trains (an int, a list, a slice or ``"all"``)."""
        return SpikeTrainView(self._module, _pick(self._index, index, "spike train"))

    @property
    def times(self) -> list[np.ndarray]:
        """The spike times (ms) of each selected train (copies)."""
        return [self._module._spike_trains[i].copy() for i in self._index]

    def sites(self) -> np.ndarray:
        """(n, 2) array of (site kind, train number), as the synapse tables store them."""
        return np.stack([np.full(self.n, KIND["train"]), self._index], axis=1)

    def __repr__(self) -> str:
        return f"SpikeTrainView(trains={self._index.tolist()})"


class SynapseView:
    """Some synapses of one type; `set`, `get` and `make_trainable` act on them."""

    def __init__(self, network: Network, name: str, index: np.ndarray):
        self._network = network
        self._name = name
        self._index = np.asarray(index, dtype=np.int64)

    @property
    def n(self) -> int:
        """Number of selected synapses."""
        return len(self._index)

    def __getitem__(self, index: Any) -> SynapseView:
        return SynapseView(self._network, self._name, _pick(self._index, index, "synapse"))

    def _table(self) -> SynapseTable:
        return self._network._synapse_tables[self._name]

    def _column(self, name: str) -> str:
        table = self._table()
        mech = table.mechanism
        if name in table.columns and not name.startswith("init_"):
            return name
        if name in mech.states:
            return f"init_{name}"
        known = sorted([k for k in table.columns if not k.startswith("init_")] + list(mech.states))
        raise KeyError(f"{self._name} has no parameter or state {name!r}; it has {known}")

    def set(self, name: str, value: Any) -> None:
        """Set a parameter (``"gS"``, ``"tau"``, ``"weight"`` µS, ``"delay"`` ms, ...) or an
        initial state of the selected synapses: one number or one per synapse."""
        key = self._column(name)
        if key == "threshold" and np.any(self._table().pre_kind[self._index] == KIND["train"]):
            raise ValueError(
                f"{self._name} threshold: some of these synapses are driven by spike trains, whose spikes are "
                "given, not detected; select the others (their threshold is a connection's, set by dx.connect)"
            )
        values = real_values(value, f"set({name!r}, ...)")
        values = np.full(self.n, float(values)) if values.ndim == 0 else values
        if values.shape != (self.n,):
            raise ValueError(f"set({name!r}, ...) got {values.shape} values for {self.n} synapses")
        self._check(name, values, f"set({name!r}, ...)")
        self._table().columns[key][self._index] = values
        self._network._touch()

    def _check(self, name: str, values: np.ndarray, where: str) -> None:
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{where} got a non-finite value: {values[~np.isfinite(values)][0]}")
        error = self._table().mechanism.weight_error(values) if name == "weight" else None
        if error:
            raise ValueError(f"{self._name} weight is a conductance and {error}")
        error = self._table().mechanism.range_error(name, values)
        if error:
            raise ValueError(f"{self._name} {name} {error}")
        if name == "delay":
            _check_delays(values)

    def record(self, name: str) -> None:
        """Record a state of each selected synapse (e.g. ExpSyn's conductance ``"g"``, µS;
        NEURON's ``syn._ref_g``), or its current ``"i"`` (nA, outward positive: NEURON's
        ``syn._ref_i``, the current that drove the step leading to each time point): one row
        per synapse, after the recordings made before.

        A state is its value at each time point. Where NEURON computes the recorded value in
        BREAKPOINT rather than keeping it as a state (``Exp2Syn``'s ``g = B - A``), its
        record lags one step: NEURON's ``syn._ref_g`` at ``t_n`` is dendrax's ``"g"`` at
        ``t_n - dt`` (``B - A`` recorded in NEURON equals dendrax's ``"g"`` to round-off).

        Example:
            >>> import dendrax as dx
            >>> from dendrax.channels import HH
            >>> cell = dx.Compartment()
            >>> cell.insert(HH())
            >>> net = dx.Network([cell] * 2)
            >>> dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
            >>> net.synapses.ExpSyn.record("g")
            >>> net.recordings
            [(Site(kind='synapse', index=0), 'ExpSyn_g')]
        """
        if not isinstance(name, str):
            raise TypeError(f"record() takes the name of a synapse state, e.g. 'g'; got {name!r}")
        states = list(self._table().mechanism.states)
        if name == "i" and self._name == "GapJunction":
            raise ValueError(
                "a gap junction's current is not recorded: it is gGap (µS) x (v_post - v_pre) (mV) = nA (outward "
                "positive at the post point). Record 'v' at its two points and compute it from them"
            )
        if name not in states and name != "i":
            raise ValueError(
                f"{self._name} has no state {name!r} to record; its states: {states or 'none'}, and its current "
                f"'i' (parameters are constant: read them with get)"
            )
        if not self.n:
            raise ValueError(f"record({name!r}) on an empty selection of {self._name} synapses")
        self._network._recordings.extend((Site("synapse", int(i)), f"{self._name}_{name}") for i in self._index)
        self._network._touch()

    def get(self, name: str) -> np.ndarray:
        """Values of a parameter (or initial state, NaN: default) of the selected synapses."""
        return self._table().columns[self._column(name)][self._index].copy()

    def make_trainable(self, name: str, init_value: Any = None, shared: bool = True) -> None:
        """Make a synapse parameter trainable: one value for the selection (``shared``) or one
        per synapse."""
        from .trainable import Trainable

        key = self._column(name)
        if key in ("delay", "threshold"):
            what = "when each spike arrives (rounded to whole steps)" if key == "delay" else "which crossings are spikes"
            raise ValueError(
                f"make_trainable({name!r}): the {key} decides {what}; it has no gradient and cannot be "
                f"trained. Set it with .set({name!r}, ...)"
                + (f" or pass params={{'{self._name}_delay': ...}} to integrate" if key == "delay" else "")
            )
        if not len(self._index):
            raise ValueError(f"make_trainable({name!r}): the selection holds no {self._name} synapse; select some first")
        picked, counts = np.unique(self._index, return_counts=True)
        if np.any(counts > 1):
            raise ValueError(
                f"make_trainable({name!r}): {self._name} synapse {int(picked[counts > 1][0])} is in this selection "
                "twice, so two values would drive it (the later winning, the other's gradient always 0); "
                "select each synapse once"
            )
        groups = [self._index] if shared else [np.array([i]) for i in self._index]
        column = self._table().columns[key]
        if init_value is None:
            held = [column[g] for g in groups]
            if key.startswith("init_") and any(np.isnan(x).any() for x in held):
                raise ValueError(
                    f"{self._name}_{name} starts at its default (no value set): give make_trainable an init_value"
                )
            initial = np.array([np.mean(x) for x in held])
            warn_mean_replaces(name, held, "synapses", "make one per synapse (shared=False)")
        else:
            arr = real_values(init_value, f"make_trainable({name!r}, init_value=...)")
            initial = np.full(len(groups), float(arr)) if arr.ndim == 0 else arr
        if initial.shape != (len(groups),):
            raise ValueError(
                f"make_trainable({name!r}): init_value takes one value or one per group ({len(groups)}); "
                f"got shape {initial.shape}"
            )
        if np.any(np.isnan(initial)):
            raise ValueError(f"make_trainable({name!r}): init_value must not be NaN; got {init_value!r}")
        self._check(name, initial, f"make_trainable({name!r}, init_value=...)")
        comps = np.concatenate(groups)
        index = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)])
        tr = Trainable(f"{self._name}_{key}", comps, index, initial, "param", over="synapses")
        warn_shadowed(self._network._trainables, tr, f"make_trainable({name!r})")
        self._network._trainables.append(tr)
        self._network._touch()


class _SynapseTypes(types.SimpleNamespace):
    """``net.synapses``: one `SynapseView` per synapse type present."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        present = sorted(vars(self))
        raise AttributeError(
            f"the network has no {name} synapses (it has {present or 'none'}); connect some first, "
            f"e.g. dx.connect(net.cell(0), net.cell(1), dx.synapses.{name}())"
        )


def synapse_type_of(types: Iterable[str], name: str) -> str | None:
    """The synapse type a prefixed name ``"<Type>_<name>"`` belongs to (the longest type
    name that prefixes it, so that ``"A_B_x"`` with types ``A`` and ``A_B`` is ``A_B``'s),
    or None."""
    return max((t for t in types if name.startswith(t + "_")), key=len, default=None)


def delay_error(delays: np.ndarray) -> str | None:
    """Why connection delays (ms) are not allowed, or None: NEURON's NetCon takes delays >= 0."""
    bad = np.asarray(delays)[~(np.isfinite(delays) & (np.asarray(delays) >= 0))]
    return f"must be finite and >= 0 (ms); got {float(bad.ravel()[0])}" if bad.size else None


def _check_delays(delays: np.ndarray) -> None:
    error = delay_error(delays)
    if error:
        raise ValueError(f"synaptic delays {error}")
