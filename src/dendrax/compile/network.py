"""Compile the network part of a description: synapses, spike sources, gap junctions.

Synapses of one type become flat index arrays (presynaptic and postsynaptic node of each);
event-driven ones also get the index of their spike source: a (node, threshold) pair,
shared by all connections from the same point with the same threshold. Gap junctions are
edges of the voltage equation: those that keep the graph a forest are solved implicitly
with the cable (those parallel to one of them add their conductance to its edge); any that
would close a loop are a low-rank correction to that solve (`dendrax.solve.loops`), implicit
and exact too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections.abc import Callable

import jax.numpy as jnp
import numpy as np

from ..mechanisms.point_neuron import PointNeuron
from ..mechanisms.synapse import Synapse
from ..model.connect import DEFAULT_THRESHOLD
from ..model.site import Site
from ..model.view import user_stacklevel
from ..solve.contraction import as_int32
from .staging import on_device

__all__ = ["NetworkLayout", "SynapseGroup", "compile_network", "gap_junction_nodes", "network_params", "network_sites", "split_loops"]

GAP = "GapJunction"


@dataclasses.dataclass(frozen=True, eq=False)
class SynapseGroup:
    """All synapses of one type, as node indices (node order)."""

    mechanism: Synapse
    pre: np.ndarray
    post: np.ndarray
    source: np.ndarray  # spike source of each synapse (event-driven types), else empty

    @property
    def name(self) -> str:
        return self.mechanism.name


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkLayout:
    """Static structure of the network part of a `System`.

    Attributes:
        groups: chemical synapses by type.
        source_nodes, source_thresholds: each detected spike source's node and threshold (mV).
        source_point: for each source, (placement index, position) of the point neuron
            whose ``spike`` state it reads, or (-1, -1) for threshold detection.
        gaps_implicit, gaps_explicit: (node a, node b, gap junction number) of gap junctions
            that are edges of the tree solve, and of those that close a loop (a low-rank
            correction to it, `dendrax.solve.loops`).
        gaps_merged: (row of ``gaps_implicit``, gap junction number) of gap junctions joining
            the same two nodes as an implicit one: their conductance adds to its edge.
        spike_recordings: the source of each spike recording.
        n_trains: number of spike trains (given spike times); their spikes are the columns
            after the detected sources' in the spike history, train ``i`` at
            ``n_sources + i``.
    """

    groups: tuple[SynapseGroup, ...]
    source_nodes: np.ndarray
    source_thresholds: np.ndarray
    source_point: np.ndarray
    gaps_implicit: np.ndarray
    gaps_explicit: np.ndarray
    gaps_merged: np.ndarray
    spike_recordings: np.ndarray
    n_trains: int = 0

    @property
    def n_sources(self) -> int:
        """Number of detected spike sources (threshold crossings and point neurons)."""
        return len(self.source_nodes)

    @property
    def n_columns(self) -> int:
        """Columns of the spike history: detected sources, then spike trains."""
        return self.n_sources + self.n_trains

    def fingerprint(self) -> bytes:
        h = hashlib.sha1()
        for g in self.groups:
            h.update(repr(g.mechanism).encode())
            for arr in (g.pre, g.post, g.source):
                h.update(np.ascontiguousarray(arr, np.int64).tobytes())
        for arr in (
            self.source_nodes, self.source_point, self.gaps_implicit, self.gaps_explicit, self.gaps_merged,
            self.spike_recordings,
        ):
            h.update(np.ascontiguousarray(arr, np.int64).tobytes())
        h.update(np.ascontiguousarray(self.source_thresholds, np.float64).tobytes())
        h.update(str(self.n_trains).encode())
        return h.digest()


def _tables(module):
    return getattr(module, "_synapse_tables", {})


TRAIN = 3  # site kind of a spike train (`model.network.KIND`): no node


def _sites(kind: np.ndarray, index: np.ndarray) -> list[Site]:
    names = {0: "comp", 1: "start", 2: "end"}
    return [Site(names[int(k)], int(i)) for k, i in zip(kind, index)]


def network_sites(module) -> list[Site]:
    """Sites at branch ends that synapses or spike recordings use (they need their node)."""
    out = []
    for t in _tables(module).values():
        for kind, index in ((t.pre_kind, t.pre_index), (t.post_kind, t.post_index)):
            ends = (kind != 0) & (kind != TRAIN)
            out += _sites(kind[ends], index[ends])
    out += [s for s, _ in getattr(module, "_spike_recordings", [])]
    return out


def _nodes(kind: np.ndarray, index: np.ndarray, site_node: Callable[[Site], int]) -> np.ndarray:
    """Caller-numbering node of each site (compartments directly, ends one by one; a spike
    train has none: -1)."""
    nodes = np.where(kind == TRAIN, -1, index.astype(np.int64))
    ends = np.flatnonzero((kind != 0) & (kind != TRAIN))
    for i, site in zip(ends, _sites(kind[ends], index[ends])):
        nodes[i] = site_node(site)
    return nodes


def gap_junction_nodes(module, site_node: Callable[[Site], int]) -> np.ndarray:
    """(G, 2) caller-numbering nodes joined by each gap junction."""
    t = _tables(module).get(GAP)
    if t is None:
        return np.zeros((0, 2), np.int64)
    pre = _nodes(t.pre_kind, t.pre_index, site_node)
    post = _nodes(t.post_kind, t.post_index, site_node)
    same = np.flatnonzero(pre == post)
    if len(same):
        raise ValueError(
            f"gap junction {int(same[0])} (net.synapses.GapJunction[{int(same[0])}]) joins a point to itself (its two "
            "sites are the same node, e.g. the end of a branch and the start of its child): it would carry no current; "
            "build the network without it, connecting two different points"
        )
    return np.stack([pre, post], axis=1)


def split_loops(n_nodes: int, edges: np.ndarray, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which gap junctions keep the graph a forest (implicit), which join the same two nodes
    as an earlier implicit one, and which close a loop (``gaps_explicit``: outside the tree).

    A junction parallel to an implicit one is merged into it (parallel conductances add): the
    third array's rows are (index into the implicit ones, gap junction number).
    """
    if len(gaps) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.int64)
    parent = np.arange(n_nodes)

    def find(a):
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    implicit, explicit, merged = [], [], []
    implicit_pair: dict[tuple[int, int], int] = {}
    for g, (a, b) in enumerate(gaps):
        pair = (min(int(a), int(b)), max(int(a), int(b)))
        if pair in implicit_pair:
            merged.append((implicit_pair[pair], g))
            continue
        ra, rb = find(a), find(b)
        if ra == rb:
            explicit.append(g)
        else:
            parent[ra] = rb
            implicit_pair[pair] = len(implicit)
            implicit.append(g)
    merged_arr = np.asarray(merged, np.int64).reshape(-1, 2)
    return np.asarray(implicit, np.int64), np.asarray(explicit, np.int64), merged_arr


def _check_point_neuron_thresholds(name, pre, thresholds, from_train, point_nodes) -> None:
    """A connection from a point neuron sends the spikes the neuron reports itself (at its
    reset): a threshold other than the default is unused, which a warning says."""
    if not point_nodes:
        return
    from_point = ~from_train & np.isin(pre, np.fromiter(point_nodes, np.int64, len(point_nodes)))
    odd = np.flatnonzero(from_point & (thresholds != DEFAULT_THRESHOLD))
    if len(odd):
        # A warning, not an error: one connect call may mix point neurons and cells.
        warnings.warn(
            f"{name} {int(odd[0])} (net.synapses.{name}[{int(odd[0])}]) and {len(odd) - 1} more come from a point "
            f"neuron with threshold={thresholds[odd[0]]:g} mV, which does not apply to them: a point neuron sends the "
            "spikes it reports itself (at its reset; its own threshold is a parameter, e.g. LIF's vTh)",
            stacklevel=user_stacklevel(),
        )


def _why_no_spikes(mechanism: PointNeuron) -> str | None:
    """Why a point neuron cannot be a spike source (the end of a sentence), or None if it can."""
    article = "an" if mechanism.name[:1] in "AEIOU" else "a"
    if not mechanism.spikes:
        return f"{article} {mechanism.name}, which never spikes (its output is a rate, read as its voltage)"
    if "spike" not in mechanism.states:
        return (
            f"{article} {mechanism.name}, which declares no 'spike' state (the spikes it reports: 1.0 in a step "
            "where it fired, else 0.0; declare it in `states` and return it from update_voltage)"
        )
    return None


def compile_network(
    module, site_node, rank: np.ndarray, placements, implicit: np.ndarray, explicit: np.ndarray, merged: np.ndarray
) -> NetworkLayout:
    """The static network layout (node order given by ``rank``)."""
    tables = _tables(module)
    point_nodes = {}
    for k, pl in enumerate(placements):
        if isinstance(pl.mechanism, PointNeuron):
            for pos, node in enumerate(pl.nodes):
                point_nodes[int(node)] = (k, pos)
    # Point neurons that cannot be a spike source (a rate unit, one without a ``spike`` state).
    mute = {n: _why_no_spikes(placements[k].mechanism) for n, (k, _) in point_nodes.items()}
    mute = {n: why for n, why in mute.items() if why}
    silent = np.fromiter(mute, np.int64, len(mute))
    # Spike sources: unique (node, threshold); a point neuron's node is one source whatever
    # the threshold (it reports its own spikes).
    requests_node, requests_threshold, owners = [], [], []
    groups_raw = []
    for name, t in tables.items():
        if name == GAP:
            continue
        post = rank[_nodes(t.post_kind, t.post_index, site_node)]
        # A synapse from a spike train reads no presynaptic voltage (it is event-driven):
        # its "presynaptic node" is its own.
        from_train = t.pre_kind == TRAIN
        pre = np.where(from_train, post, rank[np.where(from_train, 0, _nodes(t.pre_kind, t.pre_index, site_node))])
        groups_raw.append((t, pre, post))
        if t.mechanism.event_driven:
            thresholds = np.asarray(t.columns["threshold"], np.float64)
            _check_point_neuron_thresholds(t.mechanism.name, pre, thresholds, from_train, point_nodes)
            bad = np.flatnonzero(~from_train & np.isin(pre, silent))
            if len(bad):
                j = int(bad[0])
                raise ValueError(
                    f"{t.mechanism.name} {j} (net.synapses.{t.mechanism.name}[{j}]) comes from {mute[int(pre[j])]}: "
                    "an event-driven synapse would receive nothing. Connect it with a graded synapse, e.g. "
                    "dx.synapses.TanhRate()"
                )
            requests_node.append(pre[~from_train])
            requests_threshold.append(thresholds[~from_train])
            owners.append(len(groups_raw) - 1)
    spike_recs = getattr(module, "_spike_recordings", [])
    rec_nodes = np.array([rank[site_node(site)] for site, _ in spike_recs], dtype=np.int64)
    bad = np.flatnonzero(np.isin(rec_nodes, silent))
    if len(bad):
        # Found by review: a RateNeuron's spike recording was a silent row of zeros, and a
        # point neuron without a `spike` state failed inside the traced step (KeyError).
        site = spike_recs[int(bad[0])][0]
        cell = int(module.cell_of(np.array([[0, site.index]]))[0])
        raise ValueError(
            f"net.record_spikes() records cell {cell}, {mute[int(rec_nodes[bad[0]])]}: it would record "
            "nothing. Leave it out (net.record_spikes(cells=[...]) takes the cells to record), or record its "
            f"voltage: net.cell({cell}).record('v')"
        )
    rec_thresholds = np.array([th for _, th in spike_recs], dtype=np.float64)
    all_nodes = np.concatenate(requests_node + [rec_nodes]).astype(np.int64)
    all_thresholds = np.concatenate(requests_threshold + [rec_thresholds]).astype(np.float64)
    is_point = np.isin(all_nodes, np.fromiter(point_nodes, np.int64, len(point_nodes)))
    all_thresholds = np.where(is_point, np.inf, all_thresholds)
    # Unique (node, threshold) pairs through one integer key (thresholds are few).
    levels, level_of = np.unique(all_thresholds, return_inverse=True)
    keys = all_nodes * max(len(levels), 1) + np.asarray(level_of).reshape(-1)
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    unique = np.stack(
        [unique_keys // max(len(levels), 1), levels[unique_keys % max(len(levels), 1)] if len(levels) else unique_keys * 0.0],
        axis=1,
    ).astype(np.float64)
    groups, offset = [], 0
    for i, (t, pre, post) in enumerate(groups_raw):
        src = np.zeros(0, np.int64)
        if i in owners:
            # Detected sources in order, then spike train k at column len(unique) + k.
            from_train = t.pre_kind == TRAIN
            src = np.where(from_train, len(unique_keys) + t.pre_index, 0).astype(np.int64)
            detected = int(np.count_nonzero(~from_train))
            src[~from_train] = inverse[offset : offset + detected]
            offset += detected
        groups.append(as_int32(SynapseGroup(t.mechanism, pre, post, src)))
    spike_rec = inverse[offset:]
    source_nodes = unique[:, 0].astype(np.int64)
    thresholds = np.where(np.isinf(unique[:, 1]), 0.0, unique[:, 1])
    source_point = np.array([point_nodes.get(int(n), (-1, -1)) for n in source_nodes], dtype=np.int64).reshape(-1, 2)

    gaps = np.zeros((0, 3), np.int64)
    gap_implicit = gap_explicit = gaps
    if GAP in tables:
        t = tables[GAP]
        nodes = np.stack([rank[_nodes(t.pre_kind, t.pre_index, site_node)], rank[_nodes(t.post_kind, t.post_index, site_node)]], axis=1)
        gap_implicit = np.concatenate([nodes[implicit], implicit[:, None]], axis=1) if len(implicit) else gaps
        gap_explicit = np.concatenate([nodes[explicit], explicit[:, None]], axis=1) if len(explicit) else gaps
    layout = NetworkLayout(
        groups=tuple(groups),
        source_nodes=source_nodes,
        source_thresholds=thresholds,
        source_point=source_point,
        gaps_implicit=gap_implicit,
        gaps_explicit=gap_explicit,
        gaps_merged=np.asarray(merged, np.int64).reshape(-1, 2),
        spike_recordings=spike_rec,
        n_trains=len(getattr(module, "_spike_trains", [])),
    )
    return as_int32(layout)  # int64 index constants break a float32 run after a float64 one


def check_synapse_conflicts(network: NetworkLayout, params) -> None:
    """Raise where synapse parameters break a rule between them (`Mechanism.conflicts`),
    before compiling, as compartment mechanisms' are checked."""
    for g in network.groups:
        conflict = g.mechanism.conflict_error({k: np.asarray(params[f"{g.name}_{k}"]) for k in g.mechanism.params})
        if conflict:
            i, message = conflict
            raise ValueError(f"{message} (net.synapses.{g.name}[{i}])")


def network_params(module) -> tuple[dict[str, jnp.ndarray], dict[str, np.ndarray]]:
    """Synapse parameters, weights, delays and initial states: ``"<Type>_<name>"`` -> array,
    and for initial states the mask of those set explicitly (unset ones hold 0)."""
    out, given = {}, {}
    for name, t in _tables(module).items():
        for col, values in t.columns.items():
            if col == "threshold":
                continue
            if col.startswith("init_"):
                given[f"{name}_{col}"] = ~np.isnan(values)
                values = np.nan_to_num(values, nan=0.0)
            out[f"{name}_{col}"] = on_device(values)
    return out, given
