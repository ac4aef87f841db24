"""Connecting cells: one synapse per connection, created in one vectorised step.

Sites: a selection made with ``net.cell(...)`` stands for its cells, each at its own point
(the middle of its root branch: the spike source of an event-driven connection and the
target of a synapse); any other selection (``.loc``, ``.comp``, ``.branch``) stands for
its points. A selection of spike trains (``net.spike_trains(...)``,
`Network.add_spike_trains`) stands for its trains: presynaptic only, and only for
event-driven synapses. Event-driven synapses (``ExpSyn``, ``Exp2Syn``) take a ``weight``
(µS), a ``delay`` (ms, >= 0; NEURON's NetCon) and a spike ``threshold``
(mV, NEURON's default 10; none for spike trains); graded synapses take none of these. ``weight`` and ``delay`` take one
value or one per connection; `fully_connect`, `sparse_connect` and
`connectivity_matrix_connect` also take a (pre points, post points) matrix, read at the
pairs they connect.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..mechanisms.synapse import Synapse
from ..synapses import GapJunction
from .network import KIND, Network, SpikeTrainView, _check_delays
from .site import Site, node_key
from .values import flag, is_numeric, real_number
from .view import View, user_stacklevel

__all__ = ["connect", "connectivity_matrix_connect", "fully_connect", "sparse_connect"]

DEFAULT_THRESHOLD = 10.0  # mV: a connection's spike threshold unless given (NEURON's NetCon)


def _units(view: View | SpikeTrainView) -> np.ndarray:
    """The points a selection stands for: an (n, 2) array of (site kind, index)."""
    if isinstance(view, SpikeTrainView):
        return view.sites()
    if not isinstance(view, View) or not isinstance(view._module, Network):
        raise TypeError(
            "connect takes selections of a dx.Network, e.g. net.cell(0), net.cell(1).branch(2).loc(0.5) "
            "or net.spike_trains(0)"
        )
    net = view._module
    if view._cells is not None:
        return np.stack([np.zeros(len(view._cells), np.int64), net.cell_sites(view._cells)], axis=1)
    return np.array([(KIND[s.kind], s.index) for s in view.sites], dtype=np.int64).reshape(-1, 2)


def _post_units(view: View | SpikeTrainView) -> np.ndarray:
    """`_units` of a postsynaptic selection: spike trains cannot be one."""
    if isinstance(view, SpikeTrainView):
        raise ValueError("a spike train only sends spikes: connect from it (pre), not to it (post)")
    return _units(view)


def _check_synapse(synapse: Synapse) -> None:
    if isinstance(synapse, type):
        raise TypeError(f"pass a synapse instance, e.g. {synapse.__name__}()")
    if not isinstance(synapse, Synapse):
        raise TypeError(f"expected a dx synapse (e.g. dx.synapses.ExpSyn()); got {synapse!r}")
    if isinstance(synapse, GapJunction) and type(synapse) is not GapJunction:
        raise TypeError(
            f"{type(synapse).__name__} subclasses dx.synapses.GapJunction, which cannot be subclassed: a gap "
            "junction is part of the voltage solve, not a synapse current. Connect GapJunction() and set its "
            "conductance, e.g. net.synapses.GapJunction.set('gGap', 0.01) (µS)"
        )
    if synapse.name == "GapJunction" and type(synapse) is not GapJunction:
        raise TypeError(
            f"{synapse!r} is named 'GapJunction', the name of dendrax's gap junction (dx.synapses.GapJunction): "
            "rename your synapse class"
        )


def _add(pre_view: View, post_view: View, synapse: Synapse, pre: np.ndarray, post: np.ndarray, weight, delay, threshold):
    _check_synapse(synapse)
    net = pre_view._module
    if post_view._module is not net:
        raise ValueError("pre and post selections must come from the same network")
    n = len(pre)
    columns: dict[str, np.ndarray] = {}
    threshold = real_number(threshold, "threshold (mV, e.g. threshold=10.0; a number, not a traced value)")
    if np.any(post[:, 0] == KIND["train"]):
        raise ValueError("a spike train only sends spikes: connect from it (pre), not to it (post)")
    from_trains = pre[:, 0] == KIND["train"]
    if np.any(from_trains) and not synapse.event_driven:
        raise ValueError(
            f"{synapse.name} is a graded synapse (it reads the presynaptic voltage); a spike train has none. "
            "Connect spike trains with an event-driven synapse, e.g. dx.synapses.ExpSyn()"
        )
    if np.any(from_trains) and threshold != DEFAULT_THRESHOLD:
        raise ValueError("a spike train's spikes are given, not detected: it takes no spike threshold")
    if not np.isfinite(float(threshold)):
        raise ValueError(f"the spike threshold must be a finite voltage (mV); got {threshold!r}")
    if synapse.event_driven:
        w = _per_connection(1e-3 if weight is None else weight, "weight", n)
        d = _per_connection(1.0 if delay is None else delay, "delay", n)
        bad = w[~np.isfinite(w)]
        if len(bad):
            raise ValueError(f"connection weights must be finite; got {float(bad[0])}")
        error = synapse.weight_error(w)
        if error:
            raise ValueError(f"{synapse.name}'s connection weights are conductances and {error}")
        _check_delays(d)
        columns = {"weight": w, "delay": d, "threshold": np.full(n, float(threshold))}
    elif weight is not None or delay is not None:
        raise ValueError(f"{synapse.name} is a graded synapse: it takes no weight or delay")
    elif threshold != DEFAULT_THRESHOLD:
        raise ValueError(f"{synapse.name} is a graded synapse: it takes no spike threshold")
    if _is_gap_junction(synapse) and len(same := np.flatnonzero(_same_node(net, pre, post))):
        raise ValueError(
            f"connection {int(same[0])}: a gap junction from a point to itself carries no current (a branch's 0 end is "
            "its parent's node where it attaches, e.g. the parent's 1 end); connect two different points"
        )
    if n:
        net._add_synapses(synapse, pre, post, columns)


def _same_node(net: Network, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Whether each pre and post point (rows of (site kind, index)) is one node of the
    voltage equation, under one name or two (``branch(0).loc(1.0)`` and, for its child,
    ``branch(1).loc(0.0)``)."""
    names = {code: kind for kind, code in KIND.items()}

    def key(row) -> tuple[str, int]:
        return node_key(net._data, Site(names[int(row[0])], int(row[1])))

    same = np.all(pre == post, axis=1)
    start = KIND["start"]
    for k in np.flatnonzero(~same & ((pre[:, 0] == start) | (post[:, 0] == start))):  # only 0 ends have aliases
        same[k] = key(pre[k]) == key(post[k])
    return same


def _per_connection(value, name: str, n: int) -> np.ndarray:
    """One value, or one per connection, as a float64 array of ``n``."""
    if not is_numeric(value):  # "0.5", True: refused, not converted
        raise TypeError(f"{name} takes numbers (one, or one per connection); got {value!r}")
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and len(arr) != n):
        raise ValueError(f"{name} takes one value or one per connection ({n}); got an array of shape {arr.shape}")
    return np.broadcast_to(arr, (n,)).copy()


def _per_pair(value, name: str, i: np.ndarray, j: np.ndarray, shape: tuple[int, int]):
    """A (pre, post) matrix of values picked at the connected pairs ``(i, j)``; any other
    value is passed on (one value, or one per connection)."""
    if value is None or np.ndim(value) != 2:
        return value
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(f"a matrix of {name}s must be (pre points, post points) = {shape}; got {arr.shape}")
    return arr[i, j]


def connect(pre: View, post: View, synapse: Synapse, *, weight=None, delay=None, threshold: float = DEFAULT_THRESHOLD) -> None:
    """Connect the i-th point of ``pre`` to the i-th point of ``post`` (or one to many).

    A `net.cell(...)` selection stands for each cell's own point (the middle of its root
    branch). For event-driven synapses (``ExpSyn``, ``Exp2Syn``: NEURON's ``NetCon``):

    - ``weight``: µS, one value or one per connection (default 0.001; NEURON's ``NetCon``
      starts at 0, so set it when porting);
    - ``delay``: ms, >= 0 (default 1, as NEURON's): a spike at time t reaches the synapse at
      the start of the step nearest to t + delay, as in NEURON's fixed step (a delay 0
      spike acts from the step that starts at its time on);
    - ``threshold``: mV, the presynaptic voltage whose upward crossing is a spike (default
      10, NEURON's ``NetCon``; `Network.record_spikes` defaults to -20, NEURON's ``APCount``).

    Graded synapses and gap junctions take none of these: their parameters are set with
    ``net.synapses.<Type>.set(...)``. `fully_connect`, `sparse_connect` and
    `connectivity_matrix_connect` take the same arguments (there ``weight`` and ``delay``
    may also be a (pre points, post points) matrix).

    Example:
        >>> import dendrax as dx
        >>> net = dx.Network([dx.Cell([dx.Branch(ncomp=2)] * 3, parents=[-1, 0, 0])] * 2)
        >>> dx.connect(net.cell(0).branch(0).loc(0.0), net.cell(1).branch(2).loc(0.5), dx.synapses.Ionotropic())
        >>> net.synapses.Ionotropic.n
        1
    """
    pre_sites, post_sites = _units(pre), _post_units(post)
    if len(pre_sites) == 1 and len(post_sites) > 1:
        pre_sites = np.repeat(pre_sites, len(post_sites), axis=0)
    if len(pre_sites) != len(post_sites):
        raise ValueError(f"connect pairs points one to one: {len(pre_sites)} pre and {len(post_sites)} post points")
    _add(pre, post, synapse, pre_sites, post_sites, weight, delay, threshold)


def _pairs(pre: View, post: View, mask: np.ndarray, synapse, weight, delay, threshold) -> None:
    pre_sites, post_sites = _units(pre), _post_units(post)
    i, j = np.nonzero(mask)
    if _is_gap_junction(synapse):
        keep = _one_orientation(pre_sites[i], post_sites[j])
        i, j = i[keep], j[keep]
    weight, delay = (_per_pair(x, name, i, j, mask.shape) for x, name in ((weight, "weight"), (delay, "delay")))
    _add(pre, post, synapse, pre_sites[i], post_sites[j], weight, delay, threshold)


def _is_gap_junction(synapse) -> bool:
    return type(synapse) is GapJunction


def _one_orientation(a: np.ndarray, b: np.ndarray, candidates: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Which pairs ``(a[k], b[k])`` of points to keep so that a gap junction, which has no
    direction, is made once per two points: a pair whose reverse ``(b[k], a[k])`` is also
    among the pairs (with ``candidates = (pre points, post points)``: could have been drawn,
    both points being among the pre and the post points) is kept in one orientation only,
    the one whose first point comes first in (kind, index) order. (Both orientations made
    two junctions: twice the conductance, 2.7 mV off NEURON in a review.)
    """
    everything = [a, b] if candidates is None else [a, b, *candidates]
    span = int(max(x[:, 1].max(initial=0) for x in everything)) + 1

    def key(sites: np.ndarray) -> np.ndarray:  # one integer per (kind, index), in that order
        return sites[:, 0].astype(np.int64) * span + sites[:, 1]

    ka, kb = key(a), key(b)
    if candidates is None:
        top = int(max(ka.max(initial=0), kb.max(initial=0))) + 1
        reverse_present = np.isin(kb * top + ka, ka * top + kb)
    else:
        reverse_present = np.isin(kb, key(candidates[0])) & np.isin(ka, key(candidates[1]))
    return ~reverse_present | (ka < kb)


def _same_cell(pre: View, post: View) -> np.ndarray:
    """(n_pre, n_post): whether the two points lie in the same cell."""
    net = pre._module
    return net.cell_of(_units(pre))[:, None] == net.cell_of(_post_units(post))[None, :]


def fully_connect(pre: View, post: View, synapse: Synapse, *, allow_self: bool = False, weight=None, delay=None, threshold: float = DEFAULT_THRESHOLD) -> None:
    """Connect every point (cell) of ``pre`` to every point (cell) of ``post``; points of the
    same cell are not connected unless ``allow_self``.

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Compartment()
        >>> cell.insert(HH())
        >>> net = dx.Network([cell] * 3)
        >>> dx.fully_connect(net.cell("all"), net.cell("all"), dx.synapses.ExpSyn(), weight=0.005, delay=1.0)
        >>> net.synapses.ExpSyn.n                         # 3 × 3 pairs, less the 3 self-connections
        6
        >>> net.synapses.ExpSyn.get("weight").tolist()    # µS
        [0.005, 0.005, 0.005, 0.005, 0.005, 0.005]
    """
    n_pre, n_post = len(_units(pre)), len(_post_units(post))
    mask = np.ones((n_pre, n_post), dtype=bool)
    if not flag(allow_self, "allow_self"):
        mask &= ~_same_cell(pre, post)
    _pairs(pre, post, mask, synapse, weight, delay, threshold)


def sparse_connect(
    pre: View, post: View, synapse: Synapse, *, p: float, seed: int | None = None, allow_self: bool = False,
    weight=None, delay=None, threshold: float = DEFAULT_THRESHOLD,
) -> None:
    """Connect each (pre, post) pair independently with probability ``p`` (reproducible with ``seed``).

    Example:
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Compartment()
        >>> cell.insert(HH())
        >>> def random_network(seed):
        ...     net = dx.Network([cell] * 10)
        ...     dx.sparse_connect(net.cell("all"), net.cell("all"), dx.synapses.ExpSyn(), p=0.2, seed=seed)
        ...     return net
        >>> n = random_network(seed=0).synapses.ExpSyn.n
        >>> 0 < n < 90, random_network(seed=0).synapses.ExpSyn.n == n   # of 90 pairs; same seed, same draw
        (True, True)
    """
    p = real_number(p, "sparse_connect(p=...) (a probability)")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1]; got {p}")
    try:  # whatever NumPy takes: an integer, a Generator, a SeedSequence, None for a fresh draw
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise TypeError(
            f"seed takes a non-negative integer, a NumPy Generator or SeedSequence (or None for a fresh draw); got {seed!r}"
        ) from None
    pre_sites, post_sites = _units(pre), _post_units(post)
    n_pre, n_post = len(pre_sites), len(post_sites)
    flat = _bernoulli_positions(rng, n_pre * n_post, p)
    i, j = flat // n_post, flat % n_post
    if not flag(allow_self, "allow_self"):
        net = pre._module
        keep = net.cell_of(pre_sites[i]) != net.cell_of(post_sites[j])
        i, j = i[keep], j[keep]
    if _is_gap_junction(synapse):  # each two points drawn once, with probability p
        keep = _one_orientation(pre_sites[i], post_sites[j], (pre_sites, post_sites))
        i, j = i[keep], j[keep]
    weight, delay = (_per_pair(x, name, i, j, (n_pre, n_post)) for x, name in ((weight, "weight"), (delay, "delay")))
    _add(pre, post, synapse, pre_sites[i], post_sites[j], weight, delay, threshold)


def _bernoulli_positions(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Indices in ``range(n)`` of independent Bernoulli(p) successes, in O(successes).

    The gaps between successes are geometric; drawn in blocks until past ``n``.
    """
    if p <= 0.0 or n == 0:
        return np.zeros(0, np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    out, last = [], -1
    block = max(16, int(n * p * 1.1) + 16)
    while last < n:
        gaps = rng.geometric(p, size=block)
        positions = last + np.cumsum(gaps)
        out.append(positions)
        last = int(positions[-1])
    positions = np.concatenate(out)
    return positions[positions < n].astype(np.int64)


def connectivity_matrix_connect(
    pre: View, post: View, synapse: Synapse, matrix, *, weight=None, delay=None, threshold: float = DEFAULT_THRESHOLD
) -> None:
    """Connect pre point i to post point j where ``matrix[i, j]`` is true (or nonzero).

    A float ``matrix`` also gives the weights of event-driven synapses (µS) when ``weight``
    is not given (a float matrix of only 0s and 1s, which gives 1 µS each, warns: pass an
    adjacency matrix as booleans); graded synapses have no weight, so for them it may hold
    only 0 and 1.
    ``weight`` and ``delay`` may also be one number, a (pre, post) matrix like ``matrix``
    (read at the connected pairs), or one value per connection in the order of
    ``np.nonzero(matrix)`` (row by row), the order of the synapses made.

    Example:
        >>> import numpy as np
        >>> import dendrax as dx
        >>> from dendrax.channels import HH
        >>> cell = dx.Compartment()
        >>> cell.insert(HH())
        >>> net = dx.Network([cell] * 3)
        >>> ring = np.array([[0.0, 0.002, 0.0], [0.0, 0.0, 0.004], [0.001, 0.0, 0.0]])   # µS
        >>> dx.connectivity_matrix_connect(net.cell("all"), net.cell("all"), dx.synapses.ExpSyn(), ring, delay=2.0)
        >>> net.synapses.ExpSyn.n, net.synapses.ExpSyn.get("weight").tolist()
        (3, [0.002, 0.004, 0.001])
    """
    n_pre, n_post = len(_units(pre)), len(_post_units(post))
    m = np.asarray(matrix)
    if m.shape != (n_pre, n_post):
        raise ValueError(f"the connectivity matrix must have shape (n_pre, n_post) = ({n_pre}, {n_post}); got {m.shape}")
    if m.dtype.kind == "f" and weight is None and synapse.event_driven:
        weight = m
        if np.any(m != 0) and np.all((m == 0) | (m == 1)):
            warnings.warn(
                f"the float connectivity matrix's values are {synapse.name}'s weights: every connection gets "
                "1 µS (the default is 0.001 µS). For an adjacency matrix of 0s and 1s pass it as booleans "
                "(matrix.astype(bool)) or give weight=",
                stacklevel=user_stacklevel(),
            )
    elif m.dtype.kind == "f" and np.any((m != 0) & (m != 1)):
        raise ValueError(
            f"{synapse.name} is a graded synapse: it has no weight, so the matrix's values would be "
            f"dropped; pass a boolean matrix and set its parameters with net.synapses.{synapse.name}.set(...)"
        )
    _pairs(pre, post, m != 0, synapse, weight, delay, threshold)
