"""Networks simulated: against NEURON (NetCon delays, graded synapses, spike detection),
synapse recordings, delays as params, jit and float32. Building and bad input:
test_network_input.py; gap junctions: test_gap_junctions.py; gradients through networks:
test_network_gradients.py."""


import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH
from dendrax.point_neurons import LIF

from .network_cells import hh_cell, neuron_cell
from .neuron_mechanisms import compiled_mechanisms

DT = 0.025
# With the same spike-detection and delivery rules as NEURON's fixed step, spike times agree
# exactly up to NEURON's 1e-10 ms time offset; the bar is 0.1 ms.
SPIKE_TOL = 1e-6
# Voltages computed by the same scheme as NEURON's: round-off.
V_TOL = 1e-6


def test_ring_of_cells_with_delays_matches_neuron(neuron_h):
    h, n, t_max = neuron_h, 8, 200.0
    net = dx.Network([hh_cell()] * n)
    for i in range(n):
        dx.connect(net.cell(i), net.cell((i + 1) % n).branch(1).loc(0.5), dx.synapses.ExpSyn(), weight=0.05, delay=1.0 + 0.3 * i)
    net.synapses.ExpSyn.set("tau", 2.0)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 1.0, 1.0, DT, t_max))
    net.record_spikes(threshold=10.0)
    spikes = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))
    ours = [np.flatnonzero(row) * DT for row in spikes]

    cells = [neuron_cell(h, i) for i in range(n)]
    keep, recorded = [], []
    for i in range(n):
        syn = h.ExpSyn(cells[(i + 1) % n][1](0.5))
        syn.tau = 2.0
        nc = h.NetCon(cells[i][0](0.5)._ref_v, syn, sec=cells[i][0])
        nc.threshold, nc.delay, nc.weight[0] = 10.0, 1.0 + 0.3 * i, 0.05
        times = h.Vector()
        nc.record(times)
        keep += [syn, nc]
        recorded.append(times)
    ic = h.IClamp(cells[0][0](0.5))
    ic.delay, ic.dur, ic.amp = 1.0, 1.0, 1.0
    h.finitialize(-65.0)
    h.continuerun(t_max)
    for i in range(n):
        ref = np.array(recorded[i])
        assert len(ref) >= 8 and len(ours[i]) == len(ref), (i, len(ours[i]), len(ref))
        assert np.max(np.abs(ours[i] - ref)) < SPIKE_TOL


def test_graded_synapse_matches_its_mod_file(neuron_h):
    compiled_mechanisms()
    h, t_max = neuron_h, 40.0
    net = dx.Network([hh_cell()] * 2)
    dx.connect(net.cell(0).branch(2).loc(1.0), net.cell(1).branch(1).loc(0.3), dx.synapses.Ionotropic())
    net.synapses.Ionotropic.set("gS", 0.02)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(2.0, 20.0, 0.5, DT, t_max))
    net.cell(1).branch(1).loc(0.3).record("v")
    net.cell(1).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))

    a, b = neuron_cell(h, 0), neuron_cell(h, 1)
    syn = h.dx_GradedSyn(b[1](0.3))
    syn.gS = 0.02
    h.setpointer(a[2](1.0)._ref_v, "vpre", syn)
    ic = h.IClamp(a[0](0.5))
    ic.delay, ic.dur, ic.amp = 2.0, 20.0, 0.5
    recs = [h.Vector().record(b[1](0.3)._ref_v), h.Vector().record(b[0](0.5)._ref_v)]
    h.finitialize(-65.0)
    h.continuerun(t_max)
    ref = np.array([r.as_numpy() for r in recs])
    assert np.ptp(ref[0]) > 5.0  # the synapse does something
    assert np.mean(np.abs(ours - ref)) < 1e-6 and np.max(np.abs(ours - ref)) < 1e-5


@pytest.mark.parametrize("steps_after", [0, 1])
def test_a_crossing_in_the_last_step_is_reported_as_neuron_does(neuron_h, steps_after):
    """NEURON checks thresholds at the start of a step, so a crossing during the last step of
    a run is not recorded; one step more and it is, at the time point after the crossing.
    The run ends exactly at the first crossing (``steps_after`` 0) or one step later."""
    h = neuron_h
    soma = h.Section(name="soma_last")
    soma.L, soma.diam = 20.0, 20.0
    soma.insert("hh")
    clamp = h.IClamp(soma(0.5))
    clamp.delay, clamp.dur, clamp.amp = 1.0, 100.0, 0.3
    v_ref = h.Vector().record(soma(0.5)._ref_v)
    netcon = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    netcon.threshold = -20.0
    spikes_ref = h.Vector()
    netcon.record(spikes_ref)
    h.finitialize(-65.0)
    h.continuerun(5.0)
    v = np.asarray(v_ref)
    first = int(np.flatnonzero((v[:-1] < -20.0) & (v[1:] >= -20.0))[0]) + 1  # time index
    t_max = (first + steps_after) * DT
    h.finitialize(-65.0)
    spikes_ref.resize(0)
    h.continuerun(t_max)
    expected = np.asarray(spikes_ref)

    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(HH())
    net = dx.Network([cell])
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 100.0, 0.3, DT, t_max))
    net.record_spikes(threshold=-20.0)
    row = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))[0]
    times = np.flatnonzero(row) * DT
    assert len(expected) == steps_after  # the check means something: NEURON's own behaviour
    assert len(times) == len(expected)
    np.testing.assert_allclose(times, expected, atol=SPIKE_TOL)


@pytest.mark.filterwarnings("ignore:.*gap junctions close a loop")  # its ring is on purpose
def test_a_compiled_network_runs_in_float64_then_in_float32():
    # JAX caches a closed-over NumPy index array by identity: an int64 one traced with x64 on
    # broke every later trace with x64 off. The layouts keep int32 indices, valid in both.
    cells = [hh_cell(), hh_cell()]
    point = dx.Compartment()
    point.insert(LIF())
    net = dx.Network(cells + [point])
    net.cell(0).branch(2).make_trainable("HH_gNa")
    dx.connect(net.cell(0), net.cell(1).branch(1).loc(0.5), dx.synapses.ExpSyn(), weight=0.05, delay=1.0)
    dx.connect(net.cell(1).branch(1).loc(0.9), net.cell(0).branch(1).loc(0.9), dx.synapses.GapJunction())
    dx.connect(net.cell(0).branch(2).loc(1.0), net.cell(1).branch(2).loc(1.0), dx.synapses.GapJunction())
    dx.connect(net.cell(1), net.cell(2), dx.synapses.ExpSyn(), weight=0.5, delay=0.5)
    net.synapses.GapJunction.set("gGap", 0.001)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 2.0, 1.0, DT, 10.0))
    net.cell(1).branch(0).loc(0.5).record("v")
    net.record_spikes(threshold=0.0)
    system = net.compile()
    v64 = np.asarray(dx.integrate(system, t_max=10.0, delta_t=DT))
    with jax.enable_x64(False):
        v32 = np.asarray(dx.integrate(system, t_max=10.0, delta_t=DT))
    assert v32.dtype == np.float32
    # float32 against float64 on a 10 ms spiking pair: the float32 bar, 0.5 mV.
    assert np.abs(v32[0] - v64[0]).mean() < 0.5
    assert np.array_equal(v32[1:] > 0.5, v64[1:] > 0.5)  # the same spikes in the same steps


@pytest.mark.parametrize("v_init", [20.0, 10.0, -65.0])
def test_a_source_that_starts_above_threshold_spikes_at_zero_as_in_neuron(neuron_h, v_init):
    """NEURON's NetCon starts "below": a source initialised above its threshold (strictly)
    sends a spike at t = 0 (recorded at 1e-10 ms) that arrives one delay later. dendrax sent
    none (the postsynaptic cell then differed by 8 mV at v_init = 20 mV)."""
    h, t_max = neuron_h, 10.0
    somas = []
    for i in range(2):
        s = h.Section(name=f"soma_start{i}")
        s.L, s.diam = 20.0, 20.0
        s.insert("hh")
        somas.append(s)
    syn = h.ExpSyn(somas[1](0.5))
    netcons = [h.NetCon(somas[0](0.5)._ref_v, syn, sec=somas[0]), h.NetCon(somas[1](0.5)._ref_v, None, sec=somas[1])]
    netcons[0].weight[0], netcons[0].delay = 0.05, 1.0
    recorded = [h.Vector() for _ in netcons]
    for nc, vec in zip(netcons, recorded):
        nc.threshold = 10.0
        nc.record(vec)
    v_ref = h.Vector().record(somas[1](0.5)._ref_v)
    h.finitialize(v_init)
    h.continuerun(t_max)
    expected = [np.asarray(vec) for vec in recorded]
    v_expected = np.asarray(v_ref)
    del netcons, syn  # before any assertion: a failed test must not keep NEURON objects alive

    cells = [dx.Compartment(length=20.0, radius=10.0) for _ in range(2)]
    for c in cells:
        c.insert(HH())
    net = dx.Network(cells)
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.05, delay=1.0)
    net.set("v", v_init)
    net.record_spikes(threshold=10.0)
    net.cell(1).branch(0).loc(0.5).record("v")
    out = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))

    assert (len(expected[0]) > 0) == (v_init > 10.0)  # NEURON's own behaviour, so the test means something
    for row, times in zip(out[:2], expected):
        np.testing.assert_allclose(np.flatnonzero(row) * DT, times, atol=SPIKE_TOL)
    np.testing.assert_allclose(out[2], v_expected, atol=V_TOL)  # same scheme: round-off


def test_spike_recordings_after_delete_recordings_are_the_new_ones():
    # Bug: delete_recordings() left the spike recordings' cells and thresholds behind, so a
    # new record_spikes(cells=[1]) reported cell 0's spikes (and its old threshold).
    def build():
        comp = dx.Compartment(length=20.0, radius=10.0)
        comp.insert(HH())
        net = dx.Network([comp, comp])
        net.cell(0).stimulate(dx.step_current(1.0, 20.0, 0.5, 0.025, 20.0))  # only cell 0 fires
        return net

    net = build()
    net.record_spikes(cells=[0])
    assert float(dx.integrate(net, t_max=20.0).sum()) == 2.0
    net.delete_recordings()
    net.record_spikes(cells=[1], threshold=-10.0)
    net.record_spikes(cells=[0])
    fresh = build()
    fresh.record_spikes(cells=[1], threshold=-10.0)
    fresh.record_spikes(cells=[0])
    ours = np.asarray(dx.integrate(net, t_max=20.0))
    np.testing.assert_array_equal(ours, np.asarray(dx.integrate(fresh, t_max=20.0)))
    assert ours[0].sum() == 0.0 and ours[1].sum() == 2.0


def test_a_network_integrates_inside_jit():
    # Bug (this session, between commits): the ring buffer's size was computed with JAX
    # operations that became tracers under jax.jit ("TracerArrayConversionError").
    soma = dx.Compartment(length=20.0, radius=10.0)
    soma.insert(HH())
    net = dx.Network([soma, soma])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.05, delay=1.4875)
    net.cell(0).stimulate(dx.step_current(1.0, 1.0, 1.0, DT, 20.0))
    net.record_spikes(threshold=10.0)
    jitted = jax.jit(lambda g: dx.integrate(net, t_max=20.0, params={"HH_gK": g}))(0.036)
    np.testing.assert_array_equal(np.asarray(jitted), np.asarray(dx.integrate(net, t_max=20.0)))
    assert float(jitted.sum()) == 2.0


def test_recorded_synapse_current_and_its_gradient():
    """``net.synapses.ExpSyn.record("i")`` (NEURON's ``syn._ref_i``, nA, outward; compared
    with NEURON in test_nmodl_synapses) is ``g (v - e)`` of the step leading to each point, and
    its gradient with respect to the synapse weight matches central differences (float64)."""
    pre = dx.Compartment(length=20.0, radius=10.0)
    pre.insert(HH())
    net = dx.Network([pre, pre])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.005, delay=1.0)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 2.0, 0.5, 0.025, 10.0))
    net.cell(1).branch(0).loc(0.5).record("v")
    net.synapses.ExpSyn.record("g")
    net.synapses.ExpSyn.record("i")
    net.synapses.ExpSyn.make_trainable("weight")
    sim = dx.simulator(net, t_max=10.0)
    v, g, i = np.asarray(sim(net.get_parameters()))
    e = float(net.synapses.ExpSyn.get("e")[0])
    # the current at point n+1 is that of step n: g after delivery (g(n+1) with the step's
    # decay exp(-dt/tau) undone, exactly) times v(n) - e
    decay = np.exp(-0.025 / float(net.synapses.ExpSyn.get("tau")[0]))
    active = np.flatnonzero(g[1:] > 0)
    assert len(active) > 10
    np.testing.assert_allclose(i[1:][active], (g[1:] / decay * (v[:-1] - e))[active], rtol=1e-9)
    loss = lambda p: jnp.sum(sim(p)[2] ** 2)  # noqa: E731
    p = net.get_parameters()
    grad = float(jax.grad(loss)(p)[0]["ExpSyn_weight"][0])
    step = 1e-6 * 0.005
    w = p[0]["ExpSyn_weight"]
    fd = (float(loss([{"ExpSyn_weight": w + step}])) - float(loss([{"ExpSyn_weight": w - step}]))) / (2 * step)
    assert abs(grad) > 0
    np.testing.assert_allclose(grad, fd, rtol=1e-5)


def test_delays_below_one_step_are_delivered_as_neurons(neuron_h):
    """NEURON's fixed step delivers a spike at the step nearest to its time plus delay: with
    delay 0 (or 0.01 ms) from the step that starts at the spike's time, with 0.015 ms one
    step later. A detected spike and a train, each through four such delays: every synapse's
    conductance as NEURON's. (These delays used to be refused: "shorter than delta_t".)
    Exact half steps (0.0125 ms) are avoided: NEURON rounds those either way (up at 1.0125,
    down at 4.0125 ms here), dendrax always up."""
    h, t_max = neuron_h, 8.0
    delays = [0.0, 0.01, 0.015, 0.02]
    locs = [0.1, 0.3, 0.5, 0.7]
    net = dx.Network([hh_cell()] * 2)
    train = net.add_spike_trains([[1.0, 4.0]])
    for d, x in zip(delays, locs):
        dx.connect(net.cell(0), net.cell(1).branch(1).loc(x), dx.synapses.ExpSyn(), weight=0.01, delay=d)
        dx.connect(train, net.cell(1).branch(2).loc(x), dx.synapses.ExpSyn(), weight=0.01, delay=d)
    net.synapses.ExpSyn.set("tau", 2.0)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 1.0, 1.0, DT, t_max))
    net.synapses.ExpSyn.record("g")
    net.cell(1).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=t_max, delta_t=DT))

    cells = [neuron_cell(h, i) for i in range(2)]
    keep, gs = [], []
    for d, x in zip(delays, locs):
        for pre, target in ((cells[0][0], cells[1][1]), ("train", cells[1][2])):
            syn = h.ExpSyn(target(x))
            syn.tau = 2.0
            if pre == "train":
                sources = []
                for ts in (1.0, 4.0):
                    ns = h.NetStim()
                    ns.start, ns.number, ns.noise = ts, 1, 0
                    sources.append(ns)
            else:
                sources = [None]
            for src in sources:
                nc = h.NetCon(src, syn) if src is not None else h.NetCon(pre(0.5)._ref_v, syn, sec=pre)
                nc.threshold, nc.delay, nc.weight[0] = 10.0, d, 0.01
                keep += [src, nc]
            keep.append(syn)
            gs.append(h.Vector().record(syn._ref_g))
    v = h.Vector().record(cells[1][0](0.5)._ref_v)
    ic = h.IClamp(cells[0][0](0.5))
    ic.delay, ic.dur, ic.amp = 1.0, 1.0, 1.0
    h.dt = DT
    h.finitialize(-65.0)
    h.continuerun(t_max)
    ref = np.array([np.array(g) for g in gs] + [np.array(v)])
    first = [int(np.flatnonzero(row > 0)[0]) for row in ref[:-1]]
    # The detected spike's and the train's first spike (1 ms) arrive a step later through
    # delay 0.015 than through 0 and 0.01: the rounding is exercised on both sides.
    assert first[0] == first[2] and first[4] == first[2] + 1, first
    assert first[1] * DT == pytest.approx(1.025) and first[5] * DT == pytest.approx(1.05), first
    np.testing.assert_allclose(ours[:-1], ref[:-1], rtol=0, atol=1e-12)  # µS: round-off
    assert np.max(np.abs(ours[-1] - ref[-1])) < V_TOL


def test_delays_passed_as_params_equal_the_description_and_rarely_recompile():
    # The spike buffer's row count is static: every new longest delay passed as params
    # compiled the run again, a shorter one too (0.5 s each; review of batching). Now a
    # delay that fits the description's buffer reuses it and a longer one gets a power of two.
    from dendrax.integrate import _run

    def network(delay):
        net = dx.Network([hh_cell(), hh_cell()])
        net.cell(0).stimulate(dx.step_current(1.0, 3.0, 0.3, 0.025, 20.0))
        dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.05, delay=delay)
        net.cell(1).record("v")
        return net

    delays = (4.0, 1.0, 5.0, 7.0, 8.0, 9.0)  # the last three: 280, 320, 360 steps
    references = [np.asarray(dx.integrate(network(delay), t_max=20.0)) for delay in delays]
    assert np.abs(references[0] - references[1]).max() > 10.0  # the delay shows (mV)
    sim = dx.simulator(network(5.0), t_max=20.0)
    sim({"ExpSyn_delay": np.array([5.0])})  # a new set of names in params compiles once
    size = _run._cache_size()
    for delay, reference in zip(delays, references):
        # float64, the same arithmetic in a longer buffer: equal to round-off (mV)
        np.testing.assert_allclose(sim({"ExpSyn_delay": np.array([delay])}), reference, rtol=0, atol=1e-12)
        # 1, 4 and 5 ms fit the description's 201 rows; 7 to 9 ms share one of 512
        assert _run._cache_size() == size + (delay > 5.0)

    # Traced delays are refused with what to do instead (the docs said every parameter
    # could be vmapped: a newcomer's review).
    with pytest.raises(TypeError, match=r"ExpSyn_delay fixes the event schedule.*call once per value in a Python loop"):
        jax.vmap(lambda d: sim({"ExpSyn_delay": d}))(jnp.array([[1.0], [2.0]]))


@pytest.mark.parametrize("root_first", [True, False], ids=["root_listed_first", "root_listed_second"])
def test_a_cells_own_point_is_on_its_root_branch_wherever_the_cell_lists_it(root_first):
    # dx.Cell accepts a root that is not branch 0 (parents=[1, -1]); a network took the cell's
    # first branch as its root, so its spike source and the synapses of connect(net.cell(i))
    # sat on the dendrite: the target fired 0.35 ms late and its soma was 98 mV off (a review).
    # Reference: the same network with the root listed first, whose traces test_network's
    # NEURON comparisons cover; the listing order must change nothing.
    def cell(first):
        soma = dx.Branch(length=20.0, radius=10.0, ncomp=1)
        dend = dx.Branch(length=400.0, radius=0.5, ncomp=4)
        c = dx.Cell([soma, dend], parents=[-1, 0]) if first else dx.Cell([dend, soma], parents=[1, -1])
        c.insert(HH())
        return c

    def run(first):
        soma = 0 if first else 1
        net = dx.Network([cell(first), cell(first)])
        site = net.cell_site(0)
        dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.05, delay=1.0)
        net.cell(0).branch(soma).loc(0.5).stimulate(dx.step_current(1.0, 2.0, 1.0, DT, 30.0))
        net.record_spikes(threshold=10.0)
        for i in range(2):
            net.cell(i).branch(soma).loc(0.5).record("v")
        return site, net.cell(0).branch(soma).loc(0.5).sites[0], np.asarray(dx.integrate(net, t_max=30.0, delta_t=DT))

    site, soma_site, out = run(root_first)
    assert site == soma_site  # the middle of the root branch, the soma
    _, _, reference = run(True)
    assert [np.flatnonzero(r).tolist() for r in out[:2]] == [np.flatnonzero(r).tolist() for r in reference[:2]]
    assert np.flatnonzero(out[1]).size == 1  # the target fires (so the check has teeth)
    # The same equations on renumbered compartments: round-off.
    np.testing.assert_allclose(out[2:], reference[2:], rtol=0, atol=1e-9)


