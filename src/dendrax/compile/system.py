"""Compile a description into an immutable `System`: flat arrays plus a static layout.

The node graph follows NEURON: a node at the centre of every compartment, a zero-area node
at the 1 end of each branch that has something there (children, a stimulus, a recording),
and one at the 0 end of the root branch when something is there. A child branch connects
to its parent's node at its ``parent_x`` (the parent's end node for x = 1, the compartment
containing x otherwise). Each edge's conductance is the inverse of the sum of the half-
compartment resistances between its two nodes. Zero-area nodes at free branch ends are
left out: with nothing attached their voltage equals the last compartment's, and leaving
them out changes no other node.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from typing import TYPE_CHECKING

import equinox as eqx
import numpy as np
from jaxtyping import Array

from ..mechanisms.channel import Mechanism
from ..mechanisms.ions import ion_of, ion_variables
from ..mechanisms.point_neuron import PointNeuron
from ..model.network import synapse_type_of
from ..model.recordable import CLAMP_CURRENT, is_current
from ..model.site import Site, node_key
from ..model.trainable import Trainable
from ..model.view import user_stacklevel
from ..solve.contraction import as_int32
from ..solve.layout import SolverLayout, plan_solver
from .network import (
    NetworkLayout,
    check_synapse_conflicts,
    compile_network,
    gap_junction_nodes,
    network_params,
    network_sites,
    split_loops,
)
from .reversal import check_concentration_trainables, check_reversal_values
from .staging import on_device

if TYPE_CHECKING:
    from ..model.module import Module

__all__ = ["Layout", "Placement", "System", "compile_module"]


@dataclasses.dataclass(frozen=True, eq=False)
class Placement:
    """Where one mechanism sits: its compartments in node order and description order."""

    mechanism: Mechanism
    nodes: np.ndarray  # node positions (ascending)
    comps: np.ndarray  # description indices of the same compartments
    everywhere: bool  # inserted in every compartment (then ``nodes == arange(n_comps)``)

    @property
    def name(self) -> str:
        return self.mechanism.name


MANY_LOOPS = 64  # loop-closing gap junctions beyond which compiling warns of their cost


@dataclasses.dataclass(frozen=True, eq=False)
class Layout:
    """The static structure of a `System` (hashable; equal layouts share compiled code).

    Attributes:
        n_comps, n_nodes: compartments and nodes (compartments are nodes ``[0, n_comps)``).
        solver: the solve plan; node order is its order.
        node_comp: description index of the compartment at each node position ``< n_comps``.
        edge_nodes: (E, 2) node positions of each axial edge.
        edge_halves: (E, 2) index into the half-resistances ``[left of comp 0, right of comp
            0, left of comp 1, ...]`` (description order), ``2 * n_comps`` for none.
        junction_source: for each zero-area node, a neighbouring compartment's node
            (its initial voltage).
        placements: the mechanisms.
        stimulus_nodes: node of each stimulus.
        recordings: (kind, index): kind ``-1`` a voltage at node ``index``; kind ``k >= 0``
            state ``recording_states[k]`` at position ``index`` of its mechanism's arrays;
            kind ``-2`` spike source ``index``; kind ``-3`` the current of voltage clamp
            ``index`` (a row of ``voltage_clamps``); kind ``-4 - k`` membrane current
            ``recorded_currents[k]`` at compartment node ``index``.
        recording_states: (mechanism position, state name) pairs that are recorded; a
            negative position ``-1 - k`` is synapse group ``k``'s state.
        recorded_currents: the membrane currents that are recorded (``"i"``, ``"ina"``, ...).
        recorded_synapse_currents: the synapse groups whose current is recorded; kind
            ``-1000 - k`` in ``recordings`` is group ``recorded_synapse_currents[k]``'s
            current at synapse ``index``.
        voltage_clamps: (clamp number, node) of each voltage clamp.
        clamped_edges: (edge, clamp number, the other node) for each edge touching a
            clamped node: axial edges ``[0, E)``, then implicit gap junctions (``E + row`` of
            ``network.gaps_implicit``), then loop-closing ones (``E + I + row`` of
            ``network.gaps_explicit``). The other node is ``-1`` when it is clamped too.
        loop_gaps: (node a, node b, row of ``network.gaps_explicit``) of each gap junction
            that closes a loop and has no clamped end: solved with the tree by a low-rank
            correction (`dendrax.solve.loops`).
        clamp_neighbours: (voltage clamp row, row of ``clamped_edges``, the other node) for
            each clamped end of each clamped edge (the clamp currents' axial part).
        state_clamps: (clamp number, placement index, state name, position in the
            mechanism's arrays) of each state clamp.
        ions: the ions the mechanisms use.
        readers: (concentration name, placement index) for each concentration read (not
            written) by a mechanism: there the ion's reversal potential is computed too.
        writers: (concentration name, placement index) for each concentration written by a
            mechanism's state, in insertion order.
        point_neurons: placement indices of point-neuron mechanisms.
        diffusions: (concentration, writer placement index) of each diffusing concentration.
        trainables: the trainable parameters (`make_trainable`), in call order.
        network: synapses, spike sources and gap junctions (`NetworkLayout`).
        initial_set: for each state (``"HH_m"``, ``"ExpSyn_init_g"``) with any explicitly set
            or trainable initial value, the mask of the values set in the description;
            elsewhere states start at their steady state (or default). Trainable ones are
            added by `is_set` where trainable values are passed.
    """

    n_comps: int
    n_nodes: int
    solver: SolverLayout
    node_comp: np.ndarray
    edge_nodes: np.ndarray
    edge_halves: np.ndarray
    junction_source: np.ndarray
    placements: tuple[Placement, ...]
    stimulus_nodes: np.ndarray
    recordings: tuple[tuple[int, int], ...]
    recording_states: tuple[tuple[int, str], ...]
    recorded_currents: tuple[str, ...]
    recorded_synapse_currents: tuple[int, ...]
    voltage_clamps: np.ndarray
    clamped_edges: np.ndarray
    clamp_neighbours: np.ndarray
    loop_gaps: np.ndarray
    state_clamps: tuple[tuple[int, int, str, int], ...]
    ions: tuple[str, ...]
    writers: tuple[tuple[str, int], ...]
    readers: tuple[tuple[str, int], ...]
    point_neurons: tuple[int, ...]
    diffusions: tuple[tuple[str, int], ...]
    trainables: tuple[Trainable, ...]
    network: NetworkLayout
    initial_set: tuple[tuple[str, np.ndarray], ...]
    digest: str

    def is_set(self, name: str, trained: bool = False) -> np.ndarray | None:
        """Mask of the explicitly set initial values of a state (None: none are set); with
        ``trained``, those a trainable drives too (where trainable values are passed)."""
        for key, mask in self.initial_set:
            if key == name:
                if trained:
                    mask = mask.copy()
                    for tr in self.trainables:
                        if tr.name == name:
                            mask[tr.comps] = True
                return mask
        return None

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        # The digest names mechanisms by repr only: two classes of one name (a synapse
        # redefined in a notebook) must not share a compiled program, so the mechanisms
        # themselves are compared too (equal only if of the same class and values).
        return (
            isinstance(other, Layout)
            and other.digest == self.digest
            and tuple(p.mechanism for p in other.placements) == tuple(p.mechanism for p in self.placements)
            and tuple(g.mechanism for g in other.network.groups) == tuple(g.mechanism for g in self.network.groups)
        )


class System(eqx.Module):
    """A compiled neuron: what the pure simulation functions run on.

    Attributes:
        layout: static structure (node order, solver plan, mechanism placement).
        params: every parameter, per compartment in the description's order (branch-major),
            plus the scalar ``celsius``: geometry (µm), ``capacitance`` (µF/cm²),
            ``axial_resistivity`` (Ω·cm), initial ``v`` (mV), mechanism parameters and ion
            variables in their own units.
        shape: frustum shape factors (1 for cylinders), per compartment.
        initial_states: explicitly set initial states, per compartment (0 where unset: see
            ``layout.initial_set``).
        stimuli: the stimulus waveforms, nA, one array per stimulus.
        clamps: the clamp waveforms, one array per clamp.
        spike_times: the spike times of each spike train (ms, NumPy; a network's
            `add_spike_trains`); `integrate` turns them into spike counts per time point.
        recording_names: the variable of each recording (``"v"``, ``"HH_m"``, ...).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
        >>> cell.insert(HH())
        >>> cell.branch(2).loc(1.0).record("v")
        >>> system = cell.compile()                       # cached; dx.integrate(system, ...) runs it
        >>> system.params["radius"].shape, round(float(system.params["HH_gNa"][0]), 6)   # µm; S/cm²
        ((6,), 0.12)
        >>> system.recording_names, system is cell.compile()
        (('v',), True)
    """

    layout: Layout = eqx.field(static=True)
    params: dict[str, Array]
    shape: dict[str, Array]
    initial_states: dict[str, Array]
    stimuli: list[Array]
    clamps: list[Array]
    recording_names: tuple[str, ...] = eqx.field(static=True)
    spike_times: list[np.ndarray] = eqx.field(default_factory=list)


def compile_module(module: Module) -> System:
    """Build the `System` of a description (NumPy work only; no JAX tracing)."""
    data = module._data
    n_comps = data.n_comps
    starts = data.comp_start
    ncomp = data.ncomp
    parent = data.parent
    children_at = _children_by_attachment(data)

    sites_used = [s for s, _ in module._stimuli] + [s for s, _ in module._recordings]
    sites_used += [s for s, _, _ in module._clamps] + network_sites(module)
    need_end = {b for b in range(data.n_branches) if children_at.get((b, "end"))}
    need_end |= {s.index for s in sites_used if s.kind == "end"}
    roots = np.flatnonzero(parent == -1)
    need_start = {int(r) for r in roots if children_at.get((int(r), "start"))}
    need_start |= {key[1] for key in (node_key(data, s) for s in sites_used if s.kind == "start") if key[0] == "start"}
    junction_id: dict[tuple[str, int], int] = {}
    next_id = n_comps
    for r in sorted(need_start):
        junction_id[("start", r)] = next_id
        next_id += 1
    for b in sorted(need_end):
        junction_id[("end", b)] = next_id
        next_id += 1
    n_nodes = next_id

    def site_node(site: Site) -> int:
        """The node (caller numbering) of a point: a compartment, or a junction."""
        kind, index = node_key(data, site)
        return int(index) if kind == "comp" else junction_id[(kind, index)]

    # Axial edges (caller numbering: compartments then junctions).
    none = 2 * n_comps
    edges, halves = [], []
    for b in range(data.n_branches):
        first, n = int(starts[b]), int(ncomp[b])
        for k in range(first, first + n - 1):
            edges.append((k, k + 1))
            halves.append((2 * k + 1, 2 * (k + 1)))
        if parent[b] != -1 or ("start", b) in junction_id:
            up = site_node(Site("start", b))
            edges.append((up, first))
            halves.append((none, 2 * first))  # NEURON: only the child's half
        if ("end", b) in junction_id:
            last = first + n - 1
            edges.append((last, junction_id[("end", b)]))
            halves.append((2 * last + 1, none))
    edges_arr = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    halves_arr = np.asarray(halves, dtype=np.int64).reshape(-1, 2)

    gap_nodes = gap_junction_nodes(module, site_node)  # (G, 2), caller numbering
    implicit_gaps, explicit_gaps, merged_gaps = split_loops(n_nodes, edges_arr, gap_nodes)
    junction_mask = np.zeros(n_nodes, dtype=bool)
    junction_mask[n_comps:] = True
    all_edges = np.concatenate([edges_arr, gap_nodes[implicit_gaps]]) if len(implicit_gaps) else edges_arr
    solver = plan_solver(n_nodes, all_edges, junction_mask)
    rank = solver.rank
    if np.any(solver.order[:n_comps] >= n_comps):  # pragma: no cover - guaranteed by plan_solver
        raise RuntimeError("internal error: compartments are not first in node order")
    node_comp = solver.order[:n_comps].astype(np.int32)

    # A neighbouring compartment of each junction, for its initial voltage.
    junction_source = np.zeros(n_nodes - n_comps, dtype=np.int64)
    for a, c in edges_arr:
        for j, other in ((a, c), (c, a)):
            if j >= n_comps and other < n_comps:
                junction_source[j - n_comps] = rank[other]

    placements = []
    for mech, mask in module._mechanisms.values():
        comps = np.flatnonzero(mask)
        nodes = np.sort(rank[comps]).astype(np.int32)
        everywhere = len(nodes) == n_comps
        placements.append(Placement(mech, nodes, solver.order[nodes].astype(np.int32), everywhere))
    placements_t = tuple(placements)

    network = compile_network(module, site_node, rank, placements_t, implicit_gaps, explicit_gaps, merged_gaps)
    stimulus_nodes = np.array([rank[site_node(s)] for s, _ in module._stimuli], dtype=np.int64)
    recordings, recording_states, names = [], [], []
    mech_pos = {p.name: i for i, p in enumerate(placements_t)}
    n_spike_records = 0
    recorded_currents: list[str] = []
    clamp_records: list[tuple[int, int, Site]] = []
    group_of = {g.name: k for k, g in enumerate(network.groups)}
    synapse_currents: list[int] = []
    for site, var in module._recordings:
        names.append(var)
        if site.kind == "synapse":  # a synapse state: key (-1 - group, state); or its current
            table = synapse_type_of(group_of, var)
            if var == f"{table}_i":
                if group_of[table] not in synapse_currents:
                    synapse_currents.append(group_of[table])
                recordings.append((-1000 - synapse_currents.index(group_of[table]), site.index))
                continue
            key = (-1 - group_of[table], var[len(table) + 1 :])
            if key not in recording_states:
                recording_states.append(key)
            recordings.append((recording_states.index(key), site.index))
            continue
        if var == "spikes":
            recordings.append((-2, int(network.spike_recordings[n_spike_records])))
            n_spike_records += 1
            continue
        node = rank[site_node(site)]
        if var == "v":
            recordings.append((-1, int(node)))
            continue
        if var == CLAMP_CURRENT:
            clamp_records.append((len(recordings), int(node), site))
            recordings.append((-3, -1))  # the clamp's row, once clamps are numbered below
            continue
        if is_current(module, var):
            if var not in recorded_currents:
                recorded_currents.append(var)
            recordings.append((-4 - recorded_currents.index(var), int(node)))
            continue
        mech_name, state, _ = module._owner(var)
        key = (mech_pos[mech_name], state)
        if key not in recording_states:
            recording_states.append(key)
        pos = int(np.searchsorted(placements_t[key[0]].nodes, node))
        recordings.append((recording_states.index(key), pos))

    voltage_clamps, state_clamps = [], []
    clamp_at: dict[int, Site] = {}
    for k, (site, var, _) in enumerate(module._clamps):
        node = int(rank[site_node(site)])
        if var == "v":
            if node in clamp_at:  # e.g. a child's loc(0.0) is its parent's attachment point
                raise ValueError(
                    f"two voltage clamps hold the same point: {clamp_at[node].describe()} and {site.describe()}; "
                    "delete_clamps() and clamp it once"
                )
            clamp_at[node] = site
            voltage_clamps.append((k, node))
        else:
            mech_name, state, _ = module._owner(var)
            pos = int(np.searchsorted(placements_t[mech_pos[mech_name]].nodes, node))
            state_clamps.append((k, mech_pos[mech_name], state, pos))
    vc = np.asarray(voltage_clamps, dtype=np.int64).reshape(-1, 2)
    clamped_node = {n: k for k, n in vc}
    clamp_row = {n: row for row, (_, n) in enumerate(vc)}
    for position, node, site in clamp_records:
        if node not in clamp_row:
            raise ValueError(
                f"record({CLAMP_CURRENT!r}) at {site.describe()}: no voltage clamp holds this point; "
                "clamp('v', values) it (the same selection) to record the current that holds it"
            )
        recordings[position] = (-3, clamp_row[node])
    # Edges touching a clamped node leave the matrix (the clamped value enters the other
    # node's rhs): the cable's edges, then implicit gap junctions (else the junction's
    # coupling would stay in the clamped row and move the clamped voltage).
    edge_nodes_new = rank[edges_arr] if len(edges_arr) else edges_arr
    coupled_pairs = list(map(tuple, edge_nodes_new)) + [
        (a, b) for gaps in (network.gaps_implicit, network.gaps_explicit) for a, b, _ in gaps
    ]
    loop_gaps = np.asarray(
        [(a, b, row) for row, (a, b, _) in enumerate(network.gaps_explicit) if a not in clamped_node and b not in clamped_node],
        dtype=np.int64,
    ).reshape(-1, 3)
    if len(loop_gaps) > MANY_LOOPS:
        warnings.warn(
            f"{len(loop_gaps)} gap junctions close loops (of cells and junctions): each costs one more "
            f"solve of the whole system per step, and memory for {len(loop_gaps)} x {n_nodes} values "
            "(dendrax.solve.loops); fine for rings and small loops, slow here",
            UserWarning,
            stacklevel=3,
        )
    clamped_edges, clamp_neighbours = [], []
    for e, (a, b) in enumerate(coupled_pairs):
        if a in clamped_node and b in clamped_node:
            clamped_edges.append((e, clamped_node[a], -1))
        elif a in clamped_node:
            clamped_edges.append((e, clamped_node[a], b))
        elif b in clamped_node:
            clamped_edges.append((e, clamped_node[b], a))
        else:
            continue
        for here, there in ((a, b), (b, a)):
            if here in clamped_node:
                clamp_neighbours.append((clamp_row[here], len(clamped_edges) - 1, there))
    clamped_edges_arr = np.asarray(clamped_edges, dtype=np.int64).reshape(-1, 3)
    clamp_neighbours_arr = np.asarray(clamp_neighbours, dtype=np.int64).reshape(-1, 3)

    ions = tuple(sorted({ion for p in placements_t for ion in p.mechanism.ions}))
    writers = tuple((var, i) for i, p in enumerate(placements_t) for var in p.mechanism.writes)
    readers = tuple((var, i) for i, p in enumerate(placements_t) for var in p.mechanism.reads)
    check_reversal_values(data.columns, module._trainables, placements_t, writers + readers, ions)
    point_neurons = tuple(i for i, p in enumerate(placements_t) if isinstance(p.mechanism, PointNeuron))
    coupled = np.zeros(n_nodes, dtype=bool)
    if len(edges_arr):
        coupled[rank[edges_arr].ravel()] = True
    gapped = np.zeros(n_nodes, dtype=bool)
    if len(gap_nodes):
        gapped[rank[gap_nodes].ravel()] = True
    for i in point_neurons:
        pl = placements_t[i]
        if coupled[pl.nodes].any():
            raise ValueError(
                f"{pl.name} is a point neuron: it needs a compartment of its own (a dx.Compartment), "
                "not one joined to others by the cable (or with something at its 0 or 1 end)"
            )
        if gapped[pl.nodes].any():
            raise ValueError(
                f"{pl.name} is a point neuron: its voltage follows its own dynamics, so a gap junction "
                "cannot couple it (connect it with a synapse, or use a compartment with channels instead)"
            )
        for _, node, site in clamp_records:
            if node in pl.nodes:
                raise ValueError(
                    f"record({CLAMP_CURRENT!r}) at {site.describe()}: {pl.name} is a point neuron, whose "
                    "voltage follows its own update rule, not a membrane current balance, so a clamp's "
                    "current is not defined there (the clamp itself works: record 'v')"
                )

    diffusions = []
    for var in module._diffusion:
        writer = next((i for v, i in writers if v == var), None)
        if writer is None or not placements_t[writer].everywhere:
            raise ValueError(
                f"{var} can only diffuse where a mechanism writes it in every compartment "
                f"(insert e.g. a calcium buffer everywhere); writers: {[placements_t[i].name for v, i in writers if v == var]}"
            )
        diffusions.append((var, writer))

    state_names_all = {f"{p.name}_{s}" for p in placements_t for s in p.mechanism.states}
    given: dict[str, np.ndarray] = {k: ~np.isnan(v) for k, v in data.columns.items() if k in state_names_all}
    given.update(network_params(module)[1])
    # Trainable states are not set here: without `params` the description's start applies
    # (`Layout.is_set`); an all-False mask keeps their size for when `params` are passed.
    trained = {tr.name for tr in module._trainables if tr.kind == "state" or tr.name in given}
    initial_set = tuple((k, m) for k, m in sorted(given.items()) if m.any() or k in trained)
    _warn_two_initial_concentrations(data.columns, placements_t, writers)
    check_concentration_trainables(module._trainables, placements_t, writers, dict(initial_set), n_comps)

    h = hashlib.sha1()
    h.update(solver.digest.encode())
    for key, mask in initial_set:
        h.update(key.encode() + np.packbits(mask).tobytes())
    for arr in (node_comp, rank[edges_arr] if len(edges_arr) else edges_arr, halves_arr, junction_source, stimulus_nodes):
        h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    for p in placements_t:
        h.update(repr(p.mechanism).encode() + p.nodes.astype(np.int64).tobytes())
    h.update(repr((recordings, recording_states, recorded_currents, voltage_clamps, state_clamps, diffusions)).encode())
    h.update(repr(synapse_currents).encode())
    for tr in module._trainables:
        h.update(tr.fingerprint())
    h.update(network.fingerprint())
    layout = as_int32(Layout(
        n_comps=n_comps,
        n_nodes=n_nodes,
        solver=solver,
        node_comp=node_comp,
        edge_nodes=(rank[edges_arr] if len(edges_arr) else edges_arr).astype(np.int32),
        edge_halves=halves_arr.astype(np.int32),
        junction_source=junction_source.astype(np.int32),
        placements=placements_t,
        stimulus_nodes=stimulus_nodes,
        recordings=tuple(recordings),
        recording_states=tuple(recording_states),
        recorded_currents=tuple(recorded_currents),
        recorded_synapse_currents=tuple(synapse_currents),
        voltage_clamps=vc,
        clamped_edges=clamped_edges_arr,
        clamp_neighbours=clamp_neighbours_arr,
        loop_gaps=loop_gaps,
        state_clamps=tuple(state_clamps),
        ions=ions,
        writers=writers,
        readers=readers,
        point_neurons=point_neurons,
        diffusions=tuple(diffusions),
        trainables=tuple(module._trainables),
        network=network,
        initial_set=initial_set,
        digest=h.hexdigest(),
    ))

    _check_mechanism_values(data.columns, placements_t)
    state_names = {f"{p.name}_{s}" for p in placements_t for s in p.mechanism.states}
    params = {
        k: on_device(np.nan_to_num(v, nan=0.0)) for k, v in data.columns.items() if k not in state_names
    }
    params["celsius"] = on_device(module._celsius)
    for var, coefficient in module._diffusion.items():
        params[f"{var}_diffusion"] = on_device(coefficient)
    synapse_params, synapse_given = network_params(module)
    check_synapse_conflicts(network, synapse_params)
    clash = set(synapse_params) & set(params)
    if clash:
        raise ValueError(f"synapse parameters {sorted(clash)} clash with compartment parameters; rename the synapse")
    params.update(synapse_params)
    # Initial states: values where set, and a static mask (NaN is never handed to JAX).
    initial_states = {k: on_device(np.nan_to_num(v, nan=0.0)) for k, v in data.columns.items() if k in state_names}
    shape = {k: on_device(v) for k, v in data.shape.items()}
    stimuli = _on_device_once([w for _, w in module._stimuli])
    clamps = _on_device_once([w for _, _, w in module._clamps])
    return System(
        layout=layout,
        params=params,
        shape=shape,
        initial_states=initial_states,
        stimuli=stimuli,
        clamps=clamps,
        recording_names=tuple(names),
        spike_times=[t.copy() for t in getattr(module, "_spike_trains", [])],
    )


def _children_by_attachment(data) -> dict[tuple[int, str], list[int]]:
    """Children of each branch attached at its 1 end ("end") or at a root's 0 end ("start")."""
    out: dict[tuple[int, str], list[int]] = {}
    for b in np.flatnonzero(data.parent != -1):
        kind, index = node_key(data, Site("start", int(b)))
        if kind != "comp":
            out.setdefault((index, kind), []).append(int(b))
    return out


def _check_mechanism_values(columns: dict[str, np.ndarray], placements: tuple[Placement, ...]) -> None:
    """Every parameter and ion variable a mechanism reads is a number where it sits (NaN
    marks "not set" in the description; compiled, it would silently become 0), and its
    parameters work together (`Mechanism.conflicts`: e.g. a LIF's reset below its threshold)."""
    for pl in placements:
        mech = pl.mechanism
        keys = [f"{pl.name}_{k}" for k in mech.params]
        keys += [var for ion in mech.ions for var in ion_variables(ion)]
        for key in keys:
            values = columns[key][pl.comps]
            bad = ~np.isfinite(values)
            if bad.any():
                comp = int(pl.comps[np.argmax(bad)])
                raise ValueError(
                    f"{key} is {values[np.argmax(bad)]} in compartment {comp}, where {pl.name} is inserted; "
                    f"set it with .set({key!r}, value)"
                )
        conflict = mech.conflict_error({k: columns[f"{pl.name}_{k}"][pl.comps] for k in mech.params})
        if conflict:
            i, message = conflict
            raise ValueError(f"{message} (compartment {int(pl.comps[i])}, where {pl.name} is inserted)")


def _on_device_once(waveforms: list[np.ndarray]) -> list[Array]:
    """The waveforms on the device, one array per distinct waveform: the points of one
    ``stimulate`` or ``clamp`` call share it, and `integrate` runs each once
    (`call_inputs.checked_waveforms`)."""
    done: dict[int, Array] = {}
    for w in waveforms:
        if id(w) not in done:
            done[id(w)] = on_device(w)
    return [done[id(w)] for w in waveforms]


def _warn_two_initial_concentrations(columns, placements, writers) -> None:
    """Warn where a written concentration's start is set twice, differently: as the ion's
    (``set("cai", ...)``) and as the writer's state (``set("CaDynamics_E2_cai", ...)``).
    The state's value is used (NEURON has one variable for both); the other was silently
    ignored. An ion value left at NEURON's default is not a conflict."""
    for var, i in writers:
        key = f"{placements[i].name}_{var}"
        if var not in columns or key not in columns:
            continue
        ion_value, state_value = columns[var], columns[key]
        default = ion_variables(ion_of(var))[var]
        # The state's column holds what `set` gave (NaN elsewhere: a trainable state's value
        # is in the trainable, and compared with nothing here).
        clash = ~np.isnan(state_value) & (ion_value != default) & (ion_value != state_value)
        if clash.any():
            c = int(np.flatnonzero(clash)[0])
            warnings.warn(
                f"{var} is set twice in {int(clash.sum())} compartment(s) where {placements[i].name} writes it: "
                f"{var} = {ion_value[c]:g} and {key} = {state_value[c]:g} mM (compartment {c}); the run starts "
                f"from {key}, the mechanism's state. Set one of them.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

