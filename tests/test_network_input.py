"""Building a network, and what it refuses: connectivity helpers, connection values and
their shapes, synapse states and parameters out of range or in conflict, spike sources that
cannot spike, selections within cells. Simulations against NEURON: test_network.py."""

import warnings

import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.point_neurons import LIF

from .network_cells import hh_cell


def test_connectivity_helpers_make_the_requested_pairs():
    net = dx.Network([dx.Compartment()] * 10)
    dx.fully_connect(net.cell(range(4)), net.cell(range(2, 6)), dx.synapses.ExpSyn())
    assert net.synapses.ExpSyn.n == 4 * 4 - 2  # cells 2 and 3 are in both: no self-connections
    pre = net._synapse_tables["ExpSyn"]
    assert np.all(net.cell_of(np.stack([pre.pre_kind, pre.pre_index], 1)) != net.cell_of(np.stack([pre.post_kind, pre.post_index], 1)))
    dx.fully_connect(net.cell([0, 1]), net.cell([0, 1]), dx.synapses.Exp2Syn(), allow_self=True)
    assert net.synapses.Exp2Syn.n == 4
    a = dx.Network([dx.Compartment()] * 50)
    b = dx.Network([dx.Compartment()] * 50)
    for nw in (a, b):
        dx.sparse_connect(nw.cell("all"), nw.cell("all"), dx.synapses.ExpSyn(), p=0.2, seed=3)
    ta, tb = a._synapse_tables["ExpSyn"], b._synapse_tables["ExpSyn"]
    np.testing.assert_array_equal(ta.pre_index, tb.pre_index)
    np.testing.assert_array_equal(ta.post_index, tb.post_index)
    assert abs(ta.n / (50 * 49) - 0.2) < 0.03  # binomial: sd 0.008
    m = np.zeros((3, 4))
    m[0, 1], m[2, 3], m[1, 0] = 0.01, 0.02, 0.03
    c = dx.Network([dx.Compartment()] * 7)
    dx.connectivity_matrix_connect(c.cell([0, 1, 2]), c.cell([3, 4, 5, 6]), dx.synapses.ExpSyn(), m)
    assert c.synapses.ExpSyn.n == 3
    np.testing.assert_allclose(np.sort(c.synapses.ExpSyn.get("weight")), [0.01, 0.02, 0.03])


def test_connections_made_one_call_at_a_time_keep_their_order_and_values():
    # connect appends in chunks joined when the table is read (joining on every call was
    # quadratic): values set between calls, copies and the order of connections survive.
    net = dx.Network([dx.Compartment()] * 4)
    for k in range(3):
        dx.connect(net.cell(k), net.cell(k + 1), dx.synapses.ExpSyn(), weight=0.001 * (k + 1), delay=1.0 + k)
        if k == 0:
            net.synapses.ExpSyn.set("tau", 2.0)  # ms, on the first connection only
    copy = net.copy()
    dx.connect(net.cell(3), net.cell(0), dx.synapses.ExpSyn(), weight=0.004, delay=4.0)
    np.testing.assert_allclose(net.synapses.ExpSyn.get("weight"), [0.001, 0.002, 0.003, 0.004])
    np.testing.assert_allclose(net.synapses.ExpSyn.get("delay"), [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(net.synapses.ExpSyn.get("tau"), [2.0, 0.1, 0.1, 0.1])
    assert net.synapses.ExpSyn.n == 4 and copy.synapses.ExpSyn.n == 3  # the copy kept its own
    copy.synapses.ExpSyn.set("tau", 5.0)
    np.testing.assert_allclose(net.synapses.ExpSyn.get("tau"), [2.0, 0.1, 0.1, 0.1])


def test_a_float_adjacency_matrix_of_ones_warns_that_it_gives_one_microsiemens():
    # ones - eye as floats silently gave every synapse 1 µS, 1000 times the default (review).
    adjacency = np.ones((3, 3)) - np.eye(3)
    net = dx.Network([dx.Compartment()] * 3)
    with pytest.warns(UserWarning, match=r"every connection gets 1 µS .*matrix.astype\(bool\)") as caught:
        dx.connectivity_matrix_connect(net.cell("all"), net.cell("all"), dx.synapses.ExpSyn(), adjacency)
    assert caught[0].filename == __file__  # the warning points at the user's line
    np.testing.assert_array_equal(net.synapses.ExpSyn.get("weight"), np.ones(6))  # as documented
    quiet = dx.Network([dx.Compartment()] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.connectivity_matrix_connect(quiet.cell("all"), quiet.cell("all"), dx.synapses.ExpSyn(), adjacency.astype(bool))
        dx.connectivity_matrix_connect(quiet.cell("all"), quiet.cell("all"), dx.synapses.ExpSyn(), 0.002 * adjacency)
    np.testing.assert_allclose(quiet.synapses.ExpSyn.get("weight"), [0.001] * 6 + [0.002] * 6)


def test_synapse_states_out_of_their_range_are_refused_where_set():
    # Ionotropic's s (an open fraction) at 5 and Exp2Syn's g (µS) at -1 ran, from set,
    # make_trainable and params= (a review); the compartments' gates were refused already.
    net = dx.Network([hh_cell()] * 2)
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
    dx.connect(net.cell(1), net.cell(0), dx.synapses.Exp2Syn(), weight=0.01, delay=1.0)
    net.cell(0).record("v")
    before = (net.synapses.Ionotropic.get("s").tolist(), net.synapses.Exp2Syn.get("g").tolist())
    with pytest.raises(ValueError, match=r"Ionotropic s is a fraction and must be in \[0, 1\]; got 5.0"):
        net.synapses.Ionotropic.set("s", 5.0)
    with pytest.raises(ValueError, match=r"is a fraction and must be in \[0, 1\]; got -1.0"):
        net.synapses.Ionotropic.make_trainable("s", -1.0)
    with pytest.raises(ValueError, match=r"Exp2Syn g must be >= 0 uS; got -1.0"):
        net.synapses.Exp2Syn.set("g", -1.0)
    with pytest.raises(ValueError, match=r"params\['Ionotropic_init_s'\] is a fraction"):
        dx.integrate(net, t_max=0.1, params={"Ionotropic_init_s": 5.0})
    with pytest.raises(ValueError, match=r"params\['Exp2Syn_init_g'\] must be >= 0"):
        dx.integrate(net, t_max=0.1, params={"Exp2Syn_init_g": -1.0})
    after = (net.synapses.Ionotropic.get("s").tolist(), net.synapses.Exp2Syn.get("g").tolist())
    np.testing.assert_array_equal(after, before)  # unset (NaN: the synapses' own start) still
    net.synapses.Ionotropic.set("s", 1.0)  # the ends of the range are states it can take
    net.synapses.Exp2Syn.set("g", 0.0)


def test_bad_network_input():
    net = dx.Network([hh_cell()] * 2)
    with pytest.raises(IndexError):
        dx.connect(net.cell(0), net.cell(1).branch(7).loc(0.5), dx.synapses.ExpSyn())
    with pytest.raises(ValueError, match="weights are conductances"):
        dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=-1.0)
    with pytest.raises(ValueError, match="shape"):
        dx.connectivity_matrix_connect(net.cell([0, 1]), net.cell([0, 1]), dx.synapses.ExpSyn(), np.ones((3, 2)))
    with pytest.raises(ValueError, match="graded synapse"):
        dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic(), delay=2.0)
    with pytest.raises(TypeError, match="instance"):
        dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn)
    assert "ExpSyn" not in net._synapse_tables  # nothing half-built
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), delay=0.01)
    net.cell(1).branch(0).loc(0.5).record("v")
    with pytest.raises(ValueError, match="must be >= 0"):
        net.synapses.ExpSyn.set("weight", -0.5)
    n_recordings = len(net._recordings)
    with pytest.raises(IndexError, match="cell index 2 is out of range: there are 2"):
        net.record_spikes(cells=[0, 2])
    assert len(net._recordings) == n_recordings  # nothing half-recorded


def test_connection_values_of_the_wrong_shape_or_kind_say_what_they_take():
    # Bugs: raw NumPy broadcast errors, an IndexError inside fully_connect, a float()
    # TypeError for threshold=None, a threshold on a graded synapse silently ignored, a bare
    # AttributeError for a synapse type with none connected, and a synapse parameter of the
    # wrong shape described as "one value per compartment".
    net = dx.Network([hh_cell() for _ in range(3)])
    exp = dx.synapses.ExpSyn()
    with pytest.raises(ValueError, match=r"weight takes one value or one per connection \(2\); got .* \(3,\)"):
        dx.connect(net.cell(0), net.cell([1, 2]), exp, weight=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"delay takes one value or one per connection \(2\)"):
        dx.connect(net.cell(0), net.cell([1, 2]), exp, delay=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"matrix of weights must be \(pre points, post points\) = \(3, 3\); got \(2, 2\)"):
        dx.fully_connect(net.cell("all"), net.cell("all"), exp, weight=np.full((2, 2), 0.01))
    with pytest.raises(TypeError, match=r"threshold \(mV, e.g. threshold=10.0; .*\) takes one real number"):
        dx.connect(net.cell(0), net.cell(1), exp, threshold=None)
    with pytest.raises(ValueError, match="takes no spike threshold"):
        dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic(), threshold=-20.0)
    with pytest.raises(AttributeError, match="no ExpSyn synapses .*dx.connect"):
        _ = net.synapses.ExpSyn
    assert net._synapse_tables == {}  # nothing half-built

    # A (pre, post) matrix is read at the pairs connected, in sparse_connect too.
    weights = np.arange(9.0).reshape(3, 3) / 100 + 0.001
    delays = np.arange(9.0).reshape(3, 3) + 1.0
    dx.sparse_connect(net.cell("all"), net.cell("all"), exp, p=1.0, weight=weights, delay=delays)
    pairs = [(i, j) for i in range(3) for j in range(3) if i != j]
    np.testing.assert_array_equal(net.synapses.ExpSyn.get("weight"), [weights[i, j] for i, j in pairs])
    np.testing.assert_array_equal(net.synapses.ExpSyn.get("delay"), [delays[i, j] for i, j in pairs])
    net.cell(0).branch(0).loc(0.5).record("v")
    with pytest.raises(ValueError, match=r"shape \(6,\) \(one per ExpSyn synapse\)"):
        dx.integrate(net, t_max=1.0, params={"ExpSyn_tau": np.ones(3)})


def test_connection_inputs_found_by_a_user_review():
    net = dx.Network([hh_cell() for _ in range(3)])
    exp = dx.synapses.ExpSyn()
    with pytest.raises(ValueError, match="delays must be finite and >= 0 .*; got inf"):  # was "got []"
        dx.connect(net.cell(0), net.cell(1), exp, delay=np.inf)
    with pytest.raises(ValueError, match="weights must be finite; got inf"):  # was "got []"
        dx.connect(net.cell(0), net.cell(1), exp, weight=[0.1, np.inf][1])
    # A gap junction from a point to itself: refused at connect (it stayed in the network and
    # failed at integrate), also where two names are one node: a branch's 1 end and its
    # child's 0 end (that one was stored, and then every compilation failed: a review).
    with pytest.raises(ValueError, match="connection 0: a gap junction from a point to itself"):
        dx.connect(net.cell(0), net.cell(0), dx.synapses.GapJunction())
    assert "GapJunction" not in net._synapse_tables
    ends = dx.Network([hh_cell()])
    assert ends._data.parent[2] == 1 and ends._data.parent_x[2] == 1.0
    with pytest.raises(ValueError, match="connection 0: a gap junction from a point to itself"):
        dx.connect(ends.cell(0).branch(1).loc(1.0), ends.cell(0).branch(2).loc(0.0), dx.synapses.GapJunction())
    assert "GapJunction" not in ends._synapse_tables
    # Two different nodes of one cell are fine (its 1 end and its parent's 0 end are not one).
    dx.connect(ends.cell(0).branch(2).loc(1.0), ends.cell(0).branch(2).loc(0.0), dx.synapses.GapJunction())
    assert ends.synapses.GapJunction.n == 1
    # A subclass of GapJunction ran as a one-way graded synapse, and a gap junction's current
    # could be asked for but failed to compile with a KeyError (a review): both refused.
    class StrongGap(dx.synapses.GapJunction):
        params = {"gGap": 0.1}

    with pytest.raises(TypeError, match="StrongGap subclasses dx.synapses.GapJunction, which cannot be subclassed"):
        dx.connect(net.cell(0), net.cell(1), StrongGap())
    Impostor = type("GapJunction", (dx.synapses.Ionotropic,), {})  # another class of that name
    with pytest.raises(TypeError, match="is named 'GapJunction', the name of dendrax's gap junction"):
        dx.connect(net.cell(0), net.cell(1), Impostor())
    with pytest.raises(ValueError, match="a gap junction's current is not recorded: it is gGap"):
        ends.synapses.GapJunction.record("i")
    assert ends.recordings == []
    # A point neuron sends the spikes it reports itself: a threshold would be ignored.
    lif = dx.Compartment()
    lif.insert(LIF())
    mixed = dx.Network([lif, hh_cell()])
    dx.connect(mixed.cell(0), mixed.cell(1), dx.synapses.ExpSyn(), threshold=-60.0)
    mixed.cell(1).branch(0).loc(0.5).record("v")
    with pytest.warns(UserWarning, match=r"ExpSyn 0 \(net.synapses.ExpSyn\[0\]\) and 0 more come from a point neuron with threshold=-60"):
        dx.integrate(mixed, t_max=0.1)
    # A float matrix's values would be dropped for a graded synapse (no weight): refused...
    conductances = np.array([[0.0, 0.02, 0.0], [0.0, 0.0, 0.05], [0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="Ionotropic is a graded synapse: it has no weight"):
        dx.connectivity_matrix_connect(net.cell("all"), net.cell("all"), dx.synapses.Ionotropic(), conductances)
    assert net._synapse_tables == {}  # nothing half-built
    # ... while a float matrix of 0 and 1 is connectivity only.
    dx.connectivity_matrix_connect(
        net.cell("all"), net.cell("all"), dx.synapses.Ionotropic(), (conductances > 0).astype(float)
    )
    assert net.synapses.Ionotropic.n == 2
    # A 0-d array is one voltage (it was refused as "not one voltage"); one index is one cell.
    dx.connect(net.cell(0), net.cell(1), exp, threshold=np.asarray(-5.0))
    assert net.synapses.ExpSyn.get("threshold").tolist() == [-5.0]
    net.record_spikes(cells=1)  # was TypeError: 'int' object is not iterable
    assert net._spike_recordings == [(net.cell_site(1), -20.0)]
    # The message says what was wrong with the value given (it asked for a value).
    with pytest.raises(ValueError, match=r"init_value takes one value or one per group \(1\); got shape \(3,\)"):
        net.synapses.ExpSyn.make_trainable("tau", [1.0, 2.0, 3.0], shared=False)


def test_selections_within_cells():
    net = dx.Network([hh_cell()] * 3)
    roots = net.cell([0, 2]).branch(0)
    np.testing.assert_array_equal(roots.comps, [0, 18])  # 9 compartments per cell
    firsts = net.cell([1, 2]).comp(0)
    np.testing.assert_array_equal(firsts.comps, [9, 18])
    np.testing.assert_array_equal(net.cell(1).branch(2).comp(1).comps, [9 + 6 + 1])


def test_delays_and_thresholds_cannot_be_made_trainable():
    # Bug: make_trainable("delay") was accepted; the spike buffer was sized from the
    # description, so a trained delay of 1.5 ms (built with 1 ms) silently lost every spike,
    # and 0 or -5 ms ran. make_trainable("threshold") ended in a bare KeyError.
    net = dx.Network([dx.Compartment(length=20.0, radius=10.0) for _ in range(2)])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.05, delay=1.0)
    for name in ("delay", "threshold"):
        with pytest.raises(ValueError, match=f"make_trainable\\('{name}'\\).*cannot be trained"):
            net.synapses.ExpSyn.make_trainable(name)
    assert net.get_parameters() == []  # nothing half-registered


def test_loc_on_a_cell_of_a_network_is_refused_where_the_cell_has_many_branches():
    # net.cell(0).loc(0.5) chose the middle of every branch of cell 0 (three stimuli for
    # one call) where cell.loc(0.5) refuses as ambiguous (review of error handling).
    net = dx.Network([hh_cell(), hh_cell()])
    with pytest.raises(ValueError, match=r"ambiguous on cell 1, which has 3 branches.*net.cell\(1\).branch\(0\)"):
        net.cell(1).loc(0.5)
    assert len(net.stimuli) == 0
    net.cell([0, 1]).branch(0).loc(0.5).stimulate(np.zeros(11))
    assert len(net.stimuli) == 2  # one point per cell
    points = dx.Network([dx.Compartment(), dx.Compartment()])  # one branch per cell: one point each
    points.cell("all").loc(0.5).stimulate(np.zeros(11))
    assert len(points.stimuli) == 2


def test_a_point_neuron_that_reports_no_spikes_is_refused_as_a_spike_source():
    """Found by review: a RateNeuron's net.record_spikes() row was silently all zeros (connect
    refused an event synapse from it already), and a point neuron declaring no 'spike' state,
    recorded or connected from, failed with a bare KeyError: 'spike' inside the traced step.
    Both are refused before compiling, naming the cell or synapse and what it needs; the
    network is left usable."""
    from dendrax.point_neurons import RateNeuron

    class Integrator(dx.PointNeuron):
        params = {"C": 0.1}  # nF
        units = {"C": "nF"}
        states = {"x": 0.0}

        def update_voltage(self, v, s, i_in, dt, p):
            return v + dt * i_in / p["C"], {"x": v}

    for mechanism, why in (
        (RateNeuron(), r"cell 0, a RateNeuron, which never spikes"),
        (Integrator(), r"cell 0, an Integrator, which declares no 'spike' state.*declare it in `states`"),
    ):
        unit = dx.Compartment()
        unit.insert(mechanism)
        net = dx.Network([unit, hh_cell()])
        net.record_spikes()
        net.cell(0).record("v")
        with pytest.raises(ValueError, match=r"net.record_spikes\(\) records " + why + r".*record_spikes\(cells=\[\.\.\.\]\)"):
            dx.integrate(net, t_max=0.1)
        net.delete_recordings()
        net.record_spikes(cells=[1])  # the other cell's spikes can be recorded
        net.cell(0).record("v")
        assert np.asarray(dx.integrate(net, t_max=0.1)).shape == (2, 5)
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.01)
    with pytest.raises(ValueError, match=r"ExpSyn 0 \(net.synapses.ExpSyn\[0\]\) comes from an Integrator, which declares no 'spike'"):
        dx.integrate(net, t_max=0.1)


class _TwoTau(dx.Synapse):
    """A double-exponential synapse whose rise must be faster than its decay."""

    params = {"tau1": 0.5, "tau2": 5.0, "e": 0.0}  # ms, ms, mV
    units = {"tau1": "ms", "tau2": "ms", "e": "mV"}
    states = {"a": 0.0, "b": 0.0}  # µS
    event_driven = True

    def conflicts(self, p):
        return {"{name}_tau1 = {tau1:g} ms is not below {name}_tau2 = {tau2:g} ms": p["tau1"] >= p["tau2"]}

    def current(self, s, v, v_pre, p):
        return (s["b"] - s["a"]) * (v - p["e"])

    def update_states(self, s, v, v_pre, dt, p):
        return {"a": s["a"] * jnp.exp(-dt / p["tau1"]), "b": s["b"] * jnp.exp(-dt / p["tau2"])}

    def receive(self, s, weight, p):
        return {"a": s["a"] + weight, "b": s["b"] + weight}


def test_a_synapses_rules_between_parameters_are_checked_like_a_channels():
    """A review: `Mechanism.conflicts` of a synapse was asked for its defaults only; values
    set on the description, passed in params or as trainable values ran unchecked."""
    def network():
        net = dx.Network([hh_cell(), hh_cell()])
        dx.connect(net.cell(0), net.cell(1), _TwoTau(), weight=0.01)
        dx.connect(net.cell(1), net.cell(0), _TwoTau(), weight=0.01)
        net.cell(1).record("v")
        return net

    net = network()
    net.synapses._TwoTau[1].set("tau1", 6.0)
    with pytest.raises(ValueError, match=r"_TwoTau_tau1 = 6 ms is not below _TwoTau_tau2 = 5 ms \(net.synapses._TwoTau\[1\]\)"):
        dx.integrate(net, t_max=1.0)
    sim = dx.simulator(network(), t_max=1.0)
    with pytest.raises(ValueError, match=r"params: _TwoTau_tau1 = 7 ms .*\(net.synapses._TwoTau\[0\]\)"):
        sim({"_TwoTau_tau1": np.array([7.0, 0.5])})
    sim({"_TwoTau_tau1": np.array([4.0, 0.5])})  # below 5 ms: runs
    net = network()
    net.synapses._TwoTau.make_trainable("tau2")
    with pytest.raises(ValueError, match=r"params: _TwoTau_tau1 = 0.5 ms is not below _TwoTau_tau2 = 0.2 ms"):
        dx.integrate(net, t_max=1.0, params=[{"_TwoTau_tau2": np.array(0.2)}])
