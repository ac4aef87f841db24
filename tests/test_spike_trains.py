"""Spike trains (given spike times, NEURON's VecStim/NetStim) driving synapses: against
NEURON, call-time spike counts, gradients, and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH

from .network_cells import hh_cell, neuron_cell

DT = 0.025
# Same delivery rule as NEURON's fixed step for times on the grid: traces differ only by
# round-off (the network tests' bar for spike times; voltages well below the issue's 0.05 mV).
V_TOL = 1e-6


def _neuron_trains(h, trains, targets, weights, delays, tau):
    """NEURON: one NetStim (noise 0) per spike time, NetCon'd to an ExpSyn on each target."""
    keep = []
    for times, target, weight, delay in zip(trains, targets, weights, delays):
        syn = h.ExpSyn(target)
        syn.tau = tau
        keep.append(syn)
        for ts in times:
            stim = h.NetStim()
            stim.start, stim.number, stim.noise, stim.interval = ts, 1, 0, 10.0
            nc = h.NetCon(stim, syn)
            nc.delay, nc.weight[0] = delay, weight
            keep += [stim, nc]
    return keep


def test_spike_trains_drive_synapses_as_neurons_netstims(neuron_h):
    """Two trains (one with two spikes in one step and one at t = 0) onto two cells, the
    first cell also driving the second: voltages as NEURON's."""
    h, t_max = neuron_h, 40.0
    trains = [[0.0, 5.0, 5.0, 12.5, 30.0], [2.0, 9.975, 20.0]]  # ms, on the 0.025 ms grid
    weights, delays, tau = [0.004, 0.006], [1.0, 2.5], 2.0
    net = dx.Network([hh_cell()] * 2)
    sources = net.add_spike_trains(trains)
    dx.connect(sources, net.cell([0, 1]).branch(1).loc(0.5), dx.synapses.ExpSyn(), weight=weights, delay=delays)
    dx.connect(net.cell(0), net.cell(1).branch(2).loc(0.5), dx.synapses.ExpSyn(), weight=0.02, delay=1.5)
    net.synapses.ExpSyn.set("tau", tau)
    net.cell([0, 1]).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))
    # The same spikes as counts at call time (dense, not the description's event table).
    counts = dx.spike_raster(trains, t_max, DT)
    np.testing.assert_array_equal(dx.integrate(net, t_max=t_max, delta_t=DT, spike_trains=counts), ours)

    cells = [neuron_cell(h, i) for i in range(2)]
    keep = _neuron_trains(h, trains, [c[1](0.5) for c in cells], weights, delays, tau)
    syn = h.ExpSyn(cells[1][2](0.5))
    syn.tau = tau
    nc = h.NetCon(cells[0][0](0.5)._ref_v, syn, sec=cells[0][0])
    nc.threshold, nc.delay, nc.weight[0] = 10.0, 1.5, 0.02
    vs = [h.Vector().record(c[0](0.5)._ref_v) for c in cells]
    h.dt = DT
    h.finitialize(-65.0)
    h.continuerun(t_max)
    ref = np.array([np.array(v) for v in vs])
    assert ours.shape == ref.shape
    assert ref.max() > 0.0  # the inputs make cell 0 spike, which drives cell 1
    assert np.max(np.abs(ours - ref)) < V_TOL, np.max(np.abs(ours - ref))
    del keep


def test_off_grid_spike_times_are_rounded_to_the_nearest_time_point(neuron_h):
    """A time off the grid is delivered as the nearest time point's (halves up): the same
    trace as NEURON's with the rounded times."""
    h, t_max = neuron_h, 15.0
    times = [1.0126, 3.0124, 4.0125]  # -> 1.025, 3.0, 4.025 ms
    rounded = [1.025, 3.0, 4.025]
    net = dx.Network([hh_cell()])
    dx.connect(net.add_spike_trains([times]), net.cell(0).branch(1).loc(0.5), dx.synapses.ExpSyn(), weight=0.002, delay=1.0)
    net.cell(0).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))[0]
    np.testing.assert_array_equal(dx.spike_raster([times], t_max, DT), dx.spike_raster([rounded], t_max, DT))

    soma, d1, _ = neuron_cell(h, 0)
    keep = _neuron_trains(h, [rounded], [d1(0.5)], [0.002], [1.0], 0.1)  # ExpSyn's default tau
    v = h.Vector().record(soma(0.5)._ref_v)
    h.dt = DT
    h.finitialize(-65.0)
    h.continuerun(t_max)
    assert np.max(np.abs(ours - np.array(v))) < V_TOL
    assert np.ptp(ours) > 1.0  # the synapse moved the voltage
    del keep


def test_regular_spikes_match_a_netstim(neuron_h):
    """A NetStim's regular train on the grid, through a delay off it (1.01 ms)."""
    h, t_max = neuron_h, 30.0
    net = dx.Network([hh_cell()])
    train = dx.regular_spikes(start=2.0, number=4, interval=5.5)
    dx.connect(net.add_spike_trains([train]), net.cell(0).branch(1).loc(0.5), dx.synapses.ExpSyn(), weight=0.003, delay=1.01)
    net.cell(0).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))[0]

    soma, d1, _ = neuron_cell(h, 0)
    syn = h.ExpSyn(d1(0.5))
    stim = h.NetStim()
    stim.start, stim.number, stim.interval, stim.noise = 2.0, 4, 5.5, 0
    nc = h.NetCon(stim, syn)
    nc.delay, nc.weight[0] = 1.01, 0.003
    v = h.Vector().record(soma(0.5)._ref_v)
    h.dt = DT
    h.finitialize(-65.0)
    h.continuerun(t_max)
    np.testing.assert_allclose(train, [2.0, 7.5, 13.0, 18.5])
    assert np.max(np.abs(ours - np.array(v))) < V_TOL


def _two_train_net():
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    net = dx.Network([comp] * 2)
    trains = net.add_spike_trains([[1.0, 3.0], [2.0]])
    dx.connect(trains, net.cell([0, 1]), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
    net.synapses.ExpSyn.set("tau", 2.0)
    net.cell([0, 1]).record("v")
    return net


def test_call_time_spike_counts_replace_the_times_and_vmap():
    net, t_max = _two_train_net(), 10.0
    sim = dx.simulator(net, t_max=t_max, delta_t=DT)
    described = sim()
    raster = dx.spike_raster([[1.0, 3.0], [2.0]], t_max, DT)
    np.testing.assert_array_equal(sim(spike_trains=raster), described)
    other = dx.spike_raster([[4.0], []], t_max, DT)
    moved = sim(spike_trains=other)
    silent = sim(spike_trains=np.zeros_like(raster))
    # The second train has no spike now: cell 1 runs as with no input at all.
    np.testing.assert_array_equal(moved[1], silent[1])
    assert np.max(np.abs(described[1] - silent[1])) > 0.1  # mV: its input did reach it
    # Cell 0's one input spike (4 ms, delay 1 ms) changes the synapse from the step at 5 ms on.
    k = int(round(5.0 / DT))
    np.testing.assert_array_equal(moved[0, : k + 1], silent[0, : k + 1])
    assert np.max(np.abs(moved[0, k + 1 :] - silent[0, k + 1 :])) > 0.1
    batch = jax.vmap(lambda r: sim(spike_trains=r))(jnp.stack([jnp.asarray(raster), jnp.asarray(other)]))
    np.testing.assert_allclose(batch[0], described, atol=1e-12)
    np.testing.assert_allclose(batch[1], moved, atol=1e-12)


def test_trains_with_rest_and_in_float32():
    """The same trains through the other paths: dx.Rest() and float32 (within float32
    round-off of float64)."""
    net, t_max = _two_train_net(), 8.0
    ref = np.asarray(dx.integrate(net, t_max=t_max))
    rest = np.asarray(dx.integrate(net, t_max=t_max, initial=dx.Rest()))
    silent = np.asarray(dx.integrate(net, t_max=t_max, initial=dx.Rest(), spike_trains=np.zeros((2, 321))))
    np.testing.assert_allclose(rest[:, :41], silent[:, :41], atol=1e-12)  # nothing before 1 + 1 ms
    assert np.max(np.abs(rest - silent)) > 1.0
    with jax.enable_x64(False):
        single = np.asarray(dx.integrate(_two_train_net(), t_max=t_max))
    # float32 round-off through ~8 ms of HH (two spikes) with synaptic input: 1.2e-4 mV
    # measured; 0.01 mV leaves room for another CPU's rounding (the float32 bar is 0.5).
    assert np.max(np.abs(single - ref)) < 0.01


def test_new_spike_times_on_the_description_do_not_compile_again():
    from dendrax.integrate import _run

    net, t_max = _two_train_net(), 5.0
    dx.integrate(net, t_max=t_max)
    before = _run._cache_size()
    net._spike_trains[0] = np.array([0.5, 1.5, 2.5])  # more spikes, still at most one per time point
    net._touch()
    dx.integrate(net, t_max=t_max)
    assert _run._cache_size() == before


def test_gradient_of_a_train_driven_synapse_weight_matches_finite_differences():
    net = _two_train_net()
    net.synapses.ExpSyn.make_trainable("weight", shared=False)
    sim = dx.simulator(net, t_max=8.0, delta_t=DT)

    def loss(p):
        return jnp.mean((sim(p) + 65.0) ** 2)

    params = net.get_parameters()
    grad = np.asarray(jax.grad(loss)(params)[0]["ExpSyn_weight"])
    eps = 1e-7
    for i in range(2):
        up = params[0]["ExpSyn_weight"].at[i].add(eps)
        down = params[0]["ExpSyn_weight"].at[i].add(-eps)
        fd = (float(loss([{"ExpSyn_weight": up}])) - float(loss([{"ExpSyn_weight": down}]))) / (2 * eps)
        # float64 central differences: truncation O(eps²) and round-off ~1e-16 / eps.
        np.testing.assert_allclose(grad[i], fd, rtol=1e-5)
        assert abs(grad[i]) > 0


def test_spike_train_helpers():
    np.testing.assert_array_equal(dx.regular_spikes(0.0, 0, 1.0), [])
    a = dx.poisson_spikes(20.0, 500.0, seed=3)
    np.testing.assert_array_equal(a, dx.poisson_spikes(20.0, 500.0, seed=3))
    assert np.all(np.diff(a) >= 0) and a.min() >= 0 and a.max() < 500.0
    # A Poisson count over 100 s at 20 Hz: mean 2000, sd 45; 6 sd either side.
    n = len(dx.poisson_spikes(20.0, 100_000.0, seed=1))
    assert abs(n - 2000) < 270
    raster = dx.spike_raster([[0.0, 0.0, 0.05], [0.1, 7.0, 1e99]], 0.1, 0.025)  # after t_max: dropped
    np.testing.assert_array_equal(raster, [[2, 0, 1, 0, 0], [0, 0, 0, 0, 1]])
    # NEURON's NetStim.number is a float ("1e9": until the end); stop= ends the train.
    np.testing.assert_array_equal(dx.regular_spikes(1.0, 3.0, 2.0), [1.0, 3.0, 5.0])
    np.testing.assert_array_equal(dx.regular_spikes(1.0, 1e9, 2.0, stop=6.0), [1.0, 3.0, 5.0])
    np.testing.assert_array_equal(dx.regular_spikes(1.0, 2, 2.0, stop=100.0), [1.0, 3.0])
    np.testing.assert_array_equal(dx.regular_spikes(5.0, 2, 2.0, stop=1.0), [])


def test_bad_spike_train_input_says_what_is_wrong():
    net = _two_train_net()
    for bad, match in (
        ([[1.0, -2.0]], "finite and >= 0"),
        ([[np.nan]], "finite and >= 0"),
        ([[[1.0]]], "1-D"),
        ([], "no trains"),
        (np.array([1.0, 2.0]), "flat list"),
        ([1.0, 5.0, 10.0], "flat list"),  # one train, not three of one spike each
        (jnp.array([1.0, 5.0]), "flat list"),
        (np.array(3.0), "list of trains"),
        ([[1.0], 2.0], "not one number"),
    ):
        with pytest.raises((ValueError, TypeError), match=match):
            net.add_spike_trains(bad)
    assert len(net._spike_trains) == 2  # nothing added by a failed call
    trains = net.spike_trains("all")
    with pytest.raises(ValueError, match="graded synapse"):
        dx.connect(trains, net.cell([0, 1]), dx.synapses.Ionotropic())
    for helper in (dx.connect, dx.fully_connect, lambda a, b, s: dx.sparse_connect(a, b, s, p=1.0)):
        with pytest.raises(ValueError, match="not to it"):
            helper(net.cell(0), net.spike_trains(0), dx.synapses.ExpSyn())
        with pytest.raises(ValueError, match="not to it"):
            helper(trains, trains, dx.synapses.ExpSyn())
    with pytest.raises(ValueError, match="not to it"):
        dx.connectivity_matrix_connect(trains, trains, dx.synapses.ExpSyn(), np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="driven by spike trains"):
        net.synapses.ExpSyn.set("threshold", -20.0)
    assert net.synapses.ExpSyn.n == 2  # nothing added or changed by the failed calls
    with pytest.raises(TypeError, match="flat list"):
        dx.spike_raster([0.025, 0.05], 0.1)
    with pytest.raises(ValueError, match="no spike threshold"):
        dx.connect(trains, net.cell([0, 1]), dx.synapses.ExpSyn(), threshold=0.0)
    with pytest.raises(IndexError, match="out of range"):
        net.spike_trains(5)
    with pytest.raises(ValueError, match="no spike trains"):
        dx.Network([dx.Compartment()]).spike_trains(0)
    with pytest.raises(ValueError, match=r"\(2, 41\)"):
        dx.integrate(net, t_max=1.0, spike_trains=np.zeros((2, 40)))
    with pytest.raises(ValueError, match="finite and >= 0"):
        dx.integrate(net, t_max=1.0, spike_trains=np.full((2, 41), -1.0))
    comp = dx.Compartment()
    comp.insert(HH())
    comp.record("v")
    with pytest.raises(ValueError, match="has none"):
        dx.integrate(comp, t_max=1.0, spike_trains=np.zeros((0, 41)))
    for kwargs, match in (
        ({"number": 1.5}, "whole number"),
        ({"interval": 0.0}, "> 0"),
        ({"start": -1.0}, ">= 0"),
        ({"number": 1e9}, "stop="),
    ):
        with pytest.raises(ValueError, match=match):
            dx.regular_spikes(**{"start": 0.0, "number": 2, "interval": 1.0, **kwargs})


def test_a_copied_network_keeps_its_own_trains():
    net = _two_train_net()
    copy = net.copy()
    copy.add_spike_trains([[1.0]])
    assert len(net._spike_trains) == 2 and len(copy._spike_trains) == 3
    copy._spike_trains[0][0] = 9.0
    assert net.spike_trains(0).times[0][0] == 1.0
    assert net.spike_trains("all")[1:].times[0].tolist() == [2.0]


def test_spike_counts_of_another_dtype_do_not_compile_again():
    # Call-time counts were not cast to the model's dtype: an integer raster after
    # dx.spike_raster's float one compiled the run again (review of combined features).
    from dendrax.integrate import _run

    net, t_max = _two_train_net(), 5.0
    sim = dx.simulator(net, t_max=t_max, delta_t=DT)
    raster = dx.spike_raster([[1.0, 3.0], [2.0]], t_max, DT)
    reference = sim(spike_trains=raster)
    before = _run._cache_size()
    for counts in (raster.astype(np.int32), raster.astype(bool), jnp.asarray(raster, jnp.int32)):
        np.testing.assert_array_equal(sim(spike_trains=counts), reference)  # the same program
    assert _run._cache_size() == before


class _Counter(dx.Synapse):
    """Counts the spikes it receives (not linear in the weight: one per spike, whatever it)."""

    params = {"e": 0.0}  # mV
    states = {"n": 0.0}  # spikes received
    event_driven = True
    per_event = True

    def current(self, s, v, v_pre, p):
        return jnp.zeros_like(v)

    def receive(self, s, weight, p):  # no `arrived` keyword: a user's synapse need not take it
        return {"n": s["n"] + 1.0}


def test_a_python_synapse_receives_once_per_spike_when_per_event():
    """A review: a user's synapse with per_event = True failed with "receive() got an
    unexpected keyword argument 'arrived'", and the tutorial said receive runs when a spike
    arrives while it runs every step. Now: per_event, once per spike (two in one step count
    twice); without it, once per step (400 steps in 10 ms), as the docs say.

    The two classes share a name, as a synapse redefined in a notebook does: the second
    reused the first's compiled program (its layout's digest names mechanisms by repr) and
    counted 3."""
    counts = {}
    for per_event in (True, False):
        net = dx.Network([dx.Compartment()])
        trains = net.add_spike_trains([[2.0, 5.0, 5.01]])  # 5.0 and 5.01 ms: one step of 0.025 ms
        counter = type("Counter", (_Counter,), {"per_event": per_event})
        dx.connect(trains, net.cell(0), counter(), weight=0.5, delay=1.0)
        net.synapses.Counter[0].record("n")
        counts[per_event] = np.asarray(dx.integrate(net, t_max=10.0, delta_t=DT))[0]
    n = counts[True]
    assert (n[int(round(4.0 / DT))], n[int(round(5.5 / DT))], n[-1]) == (1.0, 1.0, 3.0)
    assert counts[False][-1] == 400.0
