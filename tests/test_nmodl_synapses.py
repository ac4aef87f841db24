"""NET_RECEIVE synapses from .mod files (tests/nmodl/*.mod: nx_ExpSyn, nx_Exp2Syn, the
facilitating nx_facsyn, the two-conductance nx_signsyn), loaded by dendrax.nmodl, against
the built-in synapses and NEURON running the same files (compiled once,
tests/nmodl_library.py), in float64; and the checks of the spikes they receive.
(Split from test_nmodl_models.py.)"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak

from .channel_cases import DT, INJECTION_V_MV
from .nmodl_cases import MOD_FILES
from .nmodl_library import nmodl_library  # noqa: F401 (a session fixture)

pytestmark = pytest.mark.usefixtures("nmodl_library")


# ------------------------------------------------------------------ synapses
SYN_T_MAX = 40.0


def synapse_network(classes):
    """A spiking HH compartment driving one passive compartment per synapse class."""
    pre = dx.Compartment(length=20.0, radius=10.0)
    pre.insert(HH())
    post = dx.Compartment(length=20.0, radius=10.0)
    post.insert(Leak())
    post.set("Leak_gLeak", 1e-4)
    post.set("Leak_eLeak", -65.0)
    net = dx.Network([pre] + [post] * len(classes))
    for k, cls in enumerate(classes):
        dx.connect(net.cell(0), net.cell(k + 1), cls(), weight=0.002, delay=1.5)
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(2.0, 25.0, 0.4, DT, SYN_T_MAX))
    for k in range(len(classes)):
        net.cell(k + 1).branch(0).loc(0.5).record("v")
    return net


def test_expsyn_and_exp2syn_files_match_the_built_in_synapses_and_neuron(neuron_h):
    h = neuron_h
    exp1, exp2 = dx.nmodl.load(MOD_FILES["nx_ExpSyn"]), dx.nmodl.load(MOD_FILES["nx_Exp2Syn"])
    assert issubclass(exp2, dx.Synapse) and exp2.event_driven and set(exp2.params) == {"tau1", "tau2", "e"}
    settings = {"tau": 2.0, "tau1": 0.5, "tau2": 5.0, "e": 0.0}
    net = synapse_network([exp1, exp2, dx.synapses.ExpSyn, dx.synapses.Exp2Syn])
    for table in ("nx_ExpSyn", "ExpSyn"):
        getattr(net.synapses, table).set("tau", settings["tau"])
    for table in ("nx_Exp2Syn", "Exp2Syn"):
        getattr(net.synapses, table).set("tau1", settings["tau1"])
        getattr(net.synapses, table).set("tau2", settings["tau2"])
    net.synapses.nx_Exp2Syn.record("A")  # synapse states, as NEURON's syn._ref_A, _ref_B
    net.synapses.nx_Exp2Syn.record("B")
    net.synapses.Exp2Syn.record("g")  # the built-in keeps g = B - A and B (float32: see its docstring)
    net.synapses.Exp2Syn.record("B")
    for table in ("nx_ExpSyn", "ExpSyn"):  # synapse currents, as NEURON's syn._ref_i
        getattr(net.synapses, table).record("i")
    with pytest.raises(ValueError, match="Exp2Syn has no state 'tau1' to record; its states: \\['g', 'B'\\]"):
        net.synapses.Exp2Syn.record("tau1")
    ours = np.asarray(dx.integrate(net, t_max=SYN_T_MAX, delta_t=DT))
    np.testing.assert_allclose(ours[0], ours[2], rtol=0, atol=1e-12)  # nx_ExpSyn == dx ExpSyn
    np.testing.assert_allclose(ours[1], ours[3], rtol=0, atol=1e-12)  # nx_Exp2Syn == dx Exp2Syn
    nx_a, nx_b, g, b = ours[4:8]  # µS
    assert g.max() > 1e-3  # the conductance moves
    np.testing.assert_allclose(b, nx_b, rtol=0, atol=1e-18)  # the same B, to round-off
    np.testing.assert_allclose(g, nx_b - nx_a, rtol=0, atol=1e-15)  # g = B - A (µS; round-off of B ~ 0.01)
    np.testing.assert_allclose(ours[8], ours[9], rtol=0, atol=1e-15)  # their currents (nA)

    pre = h.Section(name="pre")
    pre.L, pre.diam = 20.0, 20.0
    pre.insert("hh")
    keep, recs = [], []
    for mech in ("nx_ExpSyn", "nx_Exp2Syn"):
        post = h.Section(name=f"post_{mech}")
        post.L, post.diam = 20.0, 20.0
        post.insert("pas")
        post(0.5).g_pas, post(0.5).e_pas = 1e-4, -65.0
        syn = getattr(h, mech)(post(0.5))
        for k in ("tau", "tau1", "tau2"):
            if hasattr(syn, k):
                setattr(syn, k, settings[k])
        nc = h.NetCon(pre(0.5)._ref_v, syn, sec=pre)
        nc.threshold, nc.delay, nc.weight[0] = 10.0, 1.5, 0.002
        keep += [post, syn, nc]
        recs.append(h.Vector().record(post(0.5)._ref_v))
        if mech == "nx_Exp2Syn":
            states = [h.Vector().record(syn._ref_A), h.Vector().record(syn._ref_B), h.Vector().record(syn._ref_g)]
        else:
            syn_current = h.Vector().record(syn._ref_i)
    ic = h.IClamp(pre(0.5))
    ic.delay, ic.dur, ic.amp = 2.0, 25.0, 0.4
    h.finitialize(-65.0)
    h.continuerun(SYN_T_MAX)
    ref = np.array([r.as_numpy() for r in recs])
    assert np.ptp(ref[0]) > 1.0 and np.ptp(ref[1]) > 1.0  # several spikes arrived
    np.testing.assert_allclose(ours[:2], ref, rtol=0, atol=INJECTION_V_MV)
    ref_states = np.array([r.as_numpy() for r in states])
    assert ref_states.max() > 1e-3  # µS: the states move
    np.testing.assert_allclose(nx_a, ref_states[0], rtol=0, atol=1e-15)  # round-off (5e-20 measured)
    np.testing.assert_allclose(nx_b, ref_states[1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(b, ref_states[1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(g, ref_states[1] - ref_states[0], rtol=0, atol=1e-15)
    # NEURON's g is computed in BREAKPOINT from the step's starting states: its record is
    # one step behind (as SynapseView.record and Exp2Syn's docstring say).
    np.testing.assert_allclose(g[:-1], ref_states[2][1:], rtol=0, atol=1e-15)
    assert np.abs(g - ref_states[2]).max() > 1e-5  # µS: unshifted they differ
    ref_current = syn_current.as_numpy()
    assert np.abs(ref_current).max() > 1e-3  # nA
    np.testing.assert_allclose(ours[8], ref_current, rtol=0, atol=1e-12)  # round-off (1.7e-14 on a spiking cell)




def passive_post_cell() -> dx.Compartment:
    """The postsynaptic compartment of the synapse tests (leak 1e-4 S/cm² to -65 mV)."""
    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(Leak())
    cell.set("Leak_gLeak", 1e-4)
    cell.set("Leak_eLeak", -65.0)
    return cell


def neuron_synapse_trace(h, name: str, trains, weights, delay: float) -> np.ndarray:
    """NEURON's voltage (mV) of `passive_post_cell` with one ``name`` synapse per train, each
    spike from its own NetStim through its own NetCon (weight µS, delay ms)."""
    sec = h.Section(name=f"{name}_post")
    sec.L, sec.diam = 20.0, 20.0
    sec.insert("pas")
    sec(0.5).g_pas, sec(0.5).e_pas = 1e-4, -65.0
    keep = []
    for train, weight in zip(trains, weights):
        syn = getattr(h, name)(sec(0.5))
        for t in train:
            stim = h.NetStim()
            stim.number, stim.start, stim.noise = 1, t, 0
            nc = h.NetCon(stim, syn)
            nc.weight[0], nc.delay = weight, delay
            keep += [stim, nc]
        keep.append(syn)
    rec = h.Vector().record(sec(0.5)._ref_v)
    h.finitialize(-65.0)
    h.continuerun(SYN_T_MAX)
    return rec.as_numpy().copy()


def test_net_receive_runs_once_per_spike_as_in_neuron(neuron_h):
    """A facilitating NET_RECEIVE (nx_facsyn: g += weight F, then F += f) driven by a spike
    train with two spikes in one time step (5.0 and 5.01 ms) and a third later: NEURON runs
    NET_RECEIVE for each spike; dendrax did it once on the summed weight (g = 2 W instead of
    2.5 W, F = 1.5 instead of 2: 5 mV apart). Three spikes of one train in one step are
    refused (a per-spike synapse receives at most two apart)."""
    h = neuron_h
    times, weight, delay = [5.0, 5.01, 15.0], 0.004, 1.0  # ms, µS, ms
    cell = passive_post_cell()
    net = dx.Network([cell])
    trains = net.add_spike_trains([times])
    dx.connect(trains, net.cell(0), dx.nmodl.load(MOD_FILES["nx_facsyn"])(), weight=weight, delay=delay)
    net.cell(0).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=SYN_T_MAX, delta_t=DT))[0]
    ref = neuron_synapse_trace(h, "nx_facsyn", [times], [weight], delay)  # one synapse, every spike
    assert np.ptp(ref) > 20.0  # mV: the synapse acts
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)  # round-off (1.7e-12 mV measured)

    too_many = dx.Network([cell])
    dx.connect(too_many.add_spike_trains([[5.0, 5.0, 5.01]]), too_many.cell(0),
               dx.nmodl.load(MOD_FILES["nx_facsyn"])(), weight=weight, delay=delay)  # fmt: skip
    too_many.cell(0).branch(0).loc(0.5).record("v")
    with pytest.raises(ValueError, match="spike train 0 has 3 spikes in the time step at t = 5 ms; it drives nx_facsyn"):
        dx.integrate(too_many, t_max=SYN_T_MAX, delta_t=DT)


def test_negative_weights_reach_a_mod_synapse_as_in_neuron(neuron_h):
    """NEURON allows NetCon weights of either sign, and nx_signsyn's NET_RECEIVE sends a
    negative one to its inhibitory conductance. dendrax refused every negative weight
    ("conductances ... must be >= 0"); for a .mod synapse it now passes it on. Built-in
    synapses (conductances) still refuse one."""
    h = neuron_h
    times, weights, delay = [[5.0, 20.0], [10.0, 12.0]], [0.004, -0.006], 1.0  # ms, µS, ms
    net = dx.Network([passive_post_cell()])
    trains = net.add_spike_trains(times)
    dx.connect(trains, net.cell([0, 0]), dx.nmodl.load(MOD_FILES["nx_signsyn"])(), weight=weights, delay=delay)
    net.cell(0).branch(0).loc(0.5).record("v")
    ours = np.asarray(dx.integrate(net, t_max=SYN_T_MAX, delta_t=DT))[0]
    ref = neuron_synapse_trace(h, "nx_signsyn", times, weights, delay)  # one synapse per connection
    assert ref.max() > -60.0 and ref.min() < -70.0  # mV: both conductances act
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)  # round-off
    with pytest.raises(ValueError, match="ExpSyn's connection weights are conductances"):
        dx.connect(trains, net.cell([0, 0]), dx.synapses.ExpSyn(), weight=-0.001)


def test_a_per_spike_synapse_receives_nothing_from_spikes_beyond_the_run():
    """A review: a spike whose delay outlasts the run read the spike history's row of another
    step (a ring buffer), and NET_RECEIVE (run per spike, whatever the weight) raised the
    facilitation F to 1.5 at 4.5 ms. It must stay 1. Fractional call-time spike counts
    are refused for such synapses (they receive whole spikes)."""
    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(Leak())
    net = dx.Network([cell])
    trains = net.add_spike_trains([[2.0]])
    dx.connect(trains, net.cell(0), dx.nmodl.load(MOD_FILES["nx_facsyn"])(), weight=0.004, delay=12.525)
    net.synapses.nx_facsyn.record("F")
    f = np.asarray(dx.integrate(net, t_max=10.0, delta_t=DT))[0]
    np.testing.assert_array_equal(f, 1.0)
    counts = np.zeros((1, 401))
    counts[0, 80] = 0.5
    with pytest.raises(ValueError, match=r"spike_trains\[0, 80\] is 0.5: .*whole spike counts"):
        dx.integrate(net, t_max=10.0, delta_t=DT, spike_trains=counts)


def test_traced_spike_counts_are_checked_when_the_run_starts():
    """A review: under jax.vmap (or the caller's jit) spike counts are traced and their
    checks were skipped: 3 spikes of one train in one step reached nx_facsyn as 2 (F = 2.0
    after them instead of 2.5). Now the run refuses them as concrete counts are refused;
    valid traced counts run as concrete ones."""
    cell = dx.Compartment(length=20.0, radius=10.0)
    cell.insert(Leak())
    net = dx.Network([cell])
    trains = net.add_spike_trains([[]])
    dx.connect(trains, net.cell(0), dx.nmodl.load(MOD_FILES["nx_facsyn"])(), weight=0.004, delay=0.0)
    net.synapses.nx_facsyn.record("F")
    sim = dx.simulator(net, t_max=2.0, delta_t=DT)
    two, three, half = (np.zeros((1, 81)) for _ in range(3))
    two[0, 40], three[0, 40], half[0, 40] = 2.0, 3.0, 0.5
    batched = jax.vmap(lambda counts: sim(spike_trains=counts))
    # Reference: the concrete counts' run (against NEURON in the test above); the same program.
    np.testing.assert_allclose(batched(np.stack([two, two]))[1], sim(spike_trains=two), rtol=0, atol=1e-12)
    one = two > 0  # booleans and integers are counts too (jnp.round of a bool failed: a review)
    np.testing.assert_allclose(batched(np.stack([one, one]))[0], sim(spike_trains=one), rtol=0, atol=1e-12)
    np.testing.assert_allclose(batched(np.stack([two, two]).astype(np.int32))[0], sim(spike_trains=two), rtol=0, atol=1e-12)
    for bad in (three, half):
        with pytest.raises(Exception, match="more than 2 spikes in one time step"):
            jax.block_until_ready(batched(np.stack([two, bad])))
