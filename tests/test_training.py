"""Trainable parameters: sharing, gradients of every kind, checkpointing, transforms, losses,
and recovery of perturbed conductances by gradient descent."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dendrax as dx
from dendrax.channels import HH

T_MAX, DT = 8.0, 0.025
REL_STEP, RTOL = 1e-6, 1e-4  # central differences, see test_gradients.py


def cell():
    c = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=3)] * 3, parents=[-1, 0, 0])
    c.insert(HH())
    c.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 3.0, 0.4, DT, T_MAX))
    c.branch(0).loc(0.5).record("v")
    c.branch(2).loc(1.0).record("v")
    return c


def loss_fn(module, **kwargs):
    sim = dx.simulator(module, t_max=T_MAX, delta_t=DT, **kwargs)
    return lambda p: jnp.mean((sim(p) + 60.0) ** 2)


def test_sharing_by_selection():
    c = cell()
    c.make_trainable("HH_gNa")
    c.branch("all").make_trainable("radius")
    c.branch(1).comp("all").make_trainable("HH_gK")
    c.branch(2).loc([0.1, 0.9]).make_trainable("capacitance", 1.1)
    shapes = [next(iter(p.values())).shape for p in c.get_parameters()]
    assert shapes == [(1,), (3,), (3,), (2,)]
    radius = c.trainables[1]
    np.testing.assert_array_equal(radius.compartments(2), [6, 7, 8])
    np.testing.assert_array_equal(c.trainables[3].compartments(1), [8])


def test_the_layout_lists_what_each_value_drives_where_calls_overlap():
    # Later calls win where selections overlap; the layout listed the compartments an
    # earlier value no longer drives (a review). Reference: set_parameters, which writes
    # each value where it acts, as a simulation does.
    c = cell()
    c.make_trainable("HH_gK")
    c.branch(0).make_trainable("HH_gK")
    assert c.trainables[0].compartments(0).tolist() == [3, 4, 5, 6, 7, 8]
    assert c.trainables[1].compartments(0).tolist() == [0, 1, 2]
    before = c.get("HH_gK")
    c.set_parameters([{"HH_gK": 0.05}, {"HH_gK": before[0]}])  # only the first entry changes
    assert np.flatnonzero(c.get("HH_gK") != before).tolist() == c.trainables[0].compartments(0).tolist()


def test_shared_gradient_is_the_sum_of_unshared_ones():
    shared, unshared = cell(), cell()
    shared.make_trainable("HH_gNa")
    unshared.comp("all").make_trainable("HH_gNa")
    g_shared = jax.grad(loss_fn(shared))(shared.get_parameters())[0]["HH_gNa"]
    g_each = jax.grad(loss_fn(unshared))(unshared.get_parameters())[0]["HH_gNa"]
    assert g_each.shape == (9,)
    np.testing.assert_allclose(float(g_shared[0]), float(jnp.sum(g_each)), rtol=1e-10)


@pytest.mark.parametrize(
    "select, name, init",
    [
        (lambda c: c, "HH_gNa", None),  # channel parameter
        (lambda c: c.branch("all"), "radius", None),  # geometry
        (lambda c: c.branch(1), "length", None),  # geometry
        (lambda c: c, "axial_resistivity", None),  # cable property
        (lambda c: c.branch(2), "capacitance", None),  # cable property
        (lambda c: c.branch(0).comp(1), "HH_m", 0.08),  # initial state
        (lambda c: c, "v", None),  # initial voltage
        (lambda c: c, "celsius", None),  # model-wide
    ],
    ids=["channel", "radius", "length", "Ra", "cm", "initial_state", "initial_v", "celsius"],
)
def test_every_kind_of_trainable_matches_finite_differences(select, name, init):
    c = cell()
    select(c).make_trainable(name, init)
    f = loss_fn(c)
    params = c.get_parameters()
    grad = jax.grad(f)(params)[0][name]
    value = params[0][name]
    for i in range(len(value)):
        h = REL_STEP * max(abs(float(value[i])), 1e-3)
        plus = [{name: value.at[i].add(h)}]
        minus = [{name: value.at[i].add(-h)}]
        fd = (float(f(plus)) - float(f(minus))) / (2 * h)
        np.testing.assert_allclose(float(grad[i]), fd, rtol=RTOL, atol=1e-9)


def test_checkpointed_gradients_equal_unchecked_ones():
    c = cell()
    c.branch("all").make_trainable("HH_gK")
    c.make_trainable("radius")
    params = c.get_parameters()
    n_steps = int(round(T_MAX / DT))
    everything = jax.grad(loss_fn(c, checkpoint=dx.Checkpoint(every=n_steps)))(params)
    segments = jax.grad(loss_fn(c, checkpoint=dx.Checkpoint(every=7)))(params)  # 7 does not divide 320
    automatic = jax.grad(loss_fn(c))(params)
    for other in (segments, automatic):
        for a, b in zip(jax.tree.leaves(everything), jax.tree.leaves(other)):
            np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-10, atol=0)


def test_checkpoint_segments_pad_the_run_by_fewer_steps_than_segments():
    """Found by review: segments of exactly ``every`` steps padded the last one up to
    ``every - 1`` steps (computed and dropped, forward runs too): every=399,999 on 400,000
    steps ran 799,998 steps, twice the time. Segments are now evened out (at most ``every``
    long): the steps a run computes, read from its scans' lengths, exceed its own by fewer
    than the number of segments."""
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    comp.record("v")
    system = comp.compile()

    def computed_steps(n_steps, every):
        jaxpr = jax.make_jaxpr(
            lambda: dx.integrate(system, t_max=n_steps * DT, delta_t=DT, checkpoint=dx.Checkpoint(every=every))
        )()
        lengths = []

        def walk(jaxpr):
            for eqn in jaxpr.eqns:
                if eqn.primitive.name == "scan":
                    lengths.append(eqn.params["length"])
                for value in eqn.params.values():
                    for sub in value if isinstance(value, (tuple, list)) else (value,):
                        sub = getattr(sub, "jaxpr", sub)  # a ClosedJaxpr's jaxpr
                        if hasattr(sub, "eqns"):
                            walk(sub)

        walk(jaxpr.jaxpr)
        return int(np.prod(lengths))  # one scan over segments, one inside each

    for n_steps, every in ((4000, 3999), (4000, 3000), (4000, 7), (4000, None), (4001, None), (4000, 4000)):
        segments = -(-n_steps // dx.Checkpoint(every=every).segment_length(n_steps))
        assert dx.Checkpoint(every=every).segment_length(n_steps) <= (every or n_steps)
        assert n_steps <= computed_steps(n_steps, every) < n_steps + max(segments, 1), (n_steps, every)


def test_transforms_round_trip_and_bounds():
    x = jnp.linspace(-20.0, 20.0, 101)
    for t, lower, upper in [
        (dx.fit.Sigmoid(0.1, 0.5), 0.1, 0.5),
        (dx.fit.Softplus(0.2), 0.2, np.inf),
        (dx.fit.Exp(0.0), 0.0, np.inf),
        (dx.fit.Affine(2.0, 3.0), -np.inf, np.inf),
    ]:
        y = t.forward(x)
        assert np.all(np.asarray(y) >= lower) and np.all(np.asarray(y) <= upper)
        inner = y[(y > lower + 1e-6) & (y < upper - 1e-6)] if np.isfinite(upper) else y[y > lower + 1e-6]
        np.testing.assert_allclose(np.asarray(t.forward(t.inverse(inner))), np.asarray(inner), rtol=1e-9)
    with pytest.raises(ValueError, match="lower < upper"):
        dx.fit.Sigmoid(1.0, 0.0)


def test_soft_spike_count_approaches_the_count():
    t = np.arange(0, 100, 0.025)
    v = -65.0 + 100.0 * sum(np.exp(-(((t - s) / 0.5) ** 2)) for s in (10.0, 40.0, 41.5, 80.0))
    true = int(np.sum((v[1:] >= -20) & (v[:-1] < -20)))
    assert true == 4
    np.testing.assert_allclose(float(dx.fit.soft_spike_count(jnp.asarray(v), sharpness=5.0)), 4.0, atol=1e-3)
    stats = dx.fit.summary_statistics(jnp.asarray(v), 0.025, sharpness=5.0)
    np.testing.assert_allclose(float(stats[0]), v.mean(), rtol=1e-12)
    np.testing.assert_allclose(float(stats[2]), 4.0, atol=1e-3)
    first = t[1:][(v[1:] >= -20) & (v[:-1] < -20)][0]
    assert abs(float(stats[3]) - first) < 0.05


@pytest.mark.parametrize("factors", [(1.5, 0.5, 1.5), (0.5, 1.5, 0.5)])
def test_recovers_perturbed_conductances(factors):
    """gNa, gK, gLeak of a 3-branch HH cell perturbed by ±50 % are recovered within 5 %
    from noise-free traces in 300 Adam steps."""
    t_max = 20.0
    c = dx.Cell(
        [dx.Branch(length=20.0, radius=6.0, ncomp=1), dx.Branch(length=200.0, radius=0.6, ncomp=4)],
        parents=[-1, 0],
    )
    c.insert(HH())
    c.branch(0).loc(0.5).stimulate(np.zeros(int(round(t_max / DT)) + 1))
    c.branch(0).loc(0.5).record("v")
    c.branch(1).loc(1.0).record("v")
    names = ("HH_gNa", "HH_gK", "HH_gLeak")
    for n in names:
        c.make_trainable(n)
    sim = dx.simulator(c, t_max=t_max, delta_t=DT)
    t = sim.times
    stimuli = jnp.stack([jnp.where((t >= 2.0) & (t < 18.0), a, 0.0)[None] for a in (0.02, 0.1, 0.3)])
    run = jax.jit(jax.vmap(sim, in_axes=(None, 0)))
    truth = c.get_parameters()
    target = run(truth, stimuli)
    transform = dx.fit.ParamTransform({n: dx.fit.Exp() for n in names})
    optimizer = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(0.05))
    u = transform.inverse([{k: v * f for k, v in p.items()} for p, f in zip(truth, factors)])
    with jax.numpy_dtype_promotion("standard"):
        state = optimizer.init(u)

    @jax.jit
    def update(u, state):
        grads = jax.grad(lambda u: dx.fit.mse(run(transform.forward(u), stimuli), target))(u)
        updates, state = optimizer.update(grads, state, u)
        return optax.apply_updates(u, updates), state

    with jax.numpy_dtype_promotion("standard"):  # optax mixes its int step count with floats
        for _ in range(300):
            u, state = update(u, state)
    fitted = transform.forward(u)
    for f, p in zip(fitted, truth):
        for k in f:
            assert abs(float(f[k][0] / p[k][0]) - 1.0) < 0.05, k


def test_trainable_errors():
    c = cell()
    with pytest.raises(ValueError, match="steady state"):
        c.make_trainable("HH_m")
    with pytest.raises(ValueError, match="one value per group"):
        c.branch("all").make_trainable("radius", [1.0, 2.0])
    c.make_trainable("HH_gNa")
    with pytest.raises(ValueError, match="list of 1 dicts"):
        dx.integrate(c, t_max=T_MAX, params=[])
    with pytest.raises(ValueError, match=r"must be \{'HH_gNa'"):
        dx.integrate(c, t_max=T_MAX, params=[{"HH_gK": 1.0}])


def test_init_value_is_a_snapshot_of_the_callers_array():
    """make_trainable kept the caller's NumPy array: changing it afterwards changed the
    trainable's starting values (and a synapse weight got past the range check)."""
    c = cell()
    init = np.array([0.05, 0.06, 0.07])
    c.branch("all").make_trainable("HH_gK", init_value=init)
    init *= 1000.0
    np.testing.assert_array_equal(c.get_parameters()[0]["HH_gK"], [0.05, 0.06, 0.07])
    comp = dx.Compartment()
    comp.insert(HH())
    net = dx.Network([comp, comp])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.ExpSyn(), weight=0.01)
    dx.connect(net.cell(1), net.cell(0), dx.synapses.ExpSyn(), weight=0.01)
    w = np.array([0.01, 0.02])
    net.synapses.ExpSyn.make_trainable("weight", init_value=w, shared=False)
    w[:] = -5.0
    np.testing.assert_array_equal(net.get_parameters()[0]["ExpSyn_weight"], [0.01, 0.02])


def test_checkpoint_segments_that_do_not_divide_the_run_keep_gradients_finite():
    # Bug: the padded steps of the last segment ran on zero input, so a calcium concentration
    # clamped at 1e-4 mM was 0 there, log(cao / 0) infinite, and the gradient NaN (the forward
    # pass was fine: those steps are dropped). 200 steps, segments of 7 and the default 16.
    from dendrax.channels.hay_calcium import Ca_HVA, CaDynamics_E2

    dt, t_max = 0.025, 5.0
    n = int(round(t_max / dt)) + 1
    comp = dx.Compartment(length=20.0, radius=8.0)
    for mech in (HH(), Ca_HVA(), CaDynamics_E2()):
        comp.insert(mech)
    comp.stimulate(np.where(np.arange(n) * dt > 1.0, 0.3, 0.0))
    comp.clamp("CaDynamics_E2_cai", np.full(n, 1e-4))
    comp.record("v")
    grads = []
    for every in (None, 7, 200):  # 200: one segment, no padding (the reference)
        sim = dx.simulator(comp, t_max=t_max, delta_t=dt, checkpoint=dx.Checkpoint(every=every))
        grads.append(
            float(jax.grad(lambda p, sim=sim: jnp.mean(sim(p)))({"HH_gNa": jnp.asarray(0.12)})["HH_gNa"])
        )
    # Same arithmetic in a different segmentation: round-off (float64).
    np.testing.assert_allclose(grads[:2], grads[2], rtol=1e-10)
    assert np.isfinite(grads[2]) and abs(grads[2]) > 1.0


def test_synapse_trainables_say_they_number_synapses_and_a_stale_simulator_says_why():
    """A user review: a synapse parameter's layout printed synapse indices as compartments;
    values for a simulator made before a later make_trainable failed without the reason."""
    comp = dx.Compartment()
    comp.insert(HH())
    net = dx.Network([comp] * 3)
    dx.connect(net.cell(0), net.cell([1, 2]), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
    net.synapses.ExpSyn[1].make_trainable("weight")
    tr = net.trainables[0]
    assert tr.over == "synapses" and "1 synapses" in repr(tr) and tr.compartments(0).tolist() == [1]
    net.cell(2).record("v")
    sim = dx.simulator(net, t_max=1.0)
    net.make_trainable("HH_gK")
    with pytest.raises(ValueError, match="make it again"):
        sim(net.get_parameters())


def test_set_parameters_writes_fitted_values_so_the_description_simulates_as_params_did(tmp_path):
    """Per-branch, overlapping, geometry (on a traced, tapered cell), initial-state, model-wide
    and synapse trainables: after set_parameters(p), integrating the description without
    params equals integrating with params=p, and get_parameters returns p. A value out of
    range changes nothing."""
    swc = tmp_path / "taper.swc"
    swc.write_text("1 1 0 0 0 7 -1\n2 3 0 8 0 2.0 1\n3 3 0 33 0 1.8 2\n4 3 0 33 0 1.0 3\n5 3 0 108 0 0.3 4\n")
    neuron = dx.read_swc(swc, ncomp=3)
    neuron.insert(HH())
    net = dx.Network([neuron, neuron])
    net.cell(0).branch(0).loc(0.5).stimulate(dx.step_current(1.0, 3.0, 0.5, DT, T_MAX))
    net.cell(0).branch(1).loc(0.9).record("v")
    dx.connect(net.cell(0).branch(1).loc(0.9), net.cell(1).branch(0).loc(0.5), dx.synapses.ExpSyn(), weight=0.01,
               delay=1.0)  # fmt: skip
    net.cell(1).branch(1).loc(0.9).record("v")
    net.cell("all").branch("all").make_trainable("HH_gNa")  # one value per branch
    net.cell(0).branch(1).make_trainable("HH_gNa")  # overlaps the first: wins there
    with pytest.warns(UserWarning, match="one value is shared by compartments that hold different values"):
        net.cell(0).branch("all").make_trainable("radius")  # keeps the traced shape; the taper's radii differ
    net.make_trainable("HH_m", init_value=0.05)
    net.make_trainable("celsius")
    net.synapses.ExpSyn.make_trainable("weight")
    fitted = [{k: np.asarray(v) * factor for k, v in p.items()}
              for p, factor in zip(net.get_parameters(), [1.1, 0.9, 1.2, 0.5, 1.5, 2.0])]  # fmt: skip
    with_params = np.asarray(dx.integrate(net, t_max=T_MAX, delta_t=DT, params=fitted))
    before = net.copy()
    bad = [dict(p) for p in fitted]
    bad[-1] = {"ExpSyn_weight": np.array([-1.0])}
    with pytest.raises(ValueError, match="weight is a conductance and must be >= 0"):
        net.set_parameters(bad)
    for name in ("HH_gNa", "radius", "HH_m"):
        np.testing.assert_array_equal(net.get(name), before.get(name))  # nothing changed
    net.set_parameters(fitted)
    without = np.asarray(dx.integrate(net, t_max=T_MAX, delta_t=DT))
    assert np.ptp(with_params) > 50.0  # mV: both cells spike
    np.testing.assert_allclose(without, with_params, rtol=0, atol=1e-10)  # round-off only
    for got, want in zip(net.get_parameters(), fitted):
        np.testing.assert_allclose(np.asarray(next(iter(got.values()))), next(iter(want.values())), rtol=1e-15)
    assert net.get("celsius") == pytest.approx(1.5 * 6.3)


def test_a_trainable_initial_state_without_params_starts_where_the_description_says():
    """A review: `make_trainable("CaDynamics_E2_cai", 2e-4)` on a pool with no value set, run
    without ``params``, started at 0 mM (the unset column's filler) instead of the mechanism's
    own start (cai0 = 5e-5 mM), and a graded synapse's activation likewise. Without params, trainables
    act nowhere (as for parameters); with them, exactly where they are."""
    from dendrax.channels import Ca_HVA, CaDynamics_E2

    comp = dx.Compartment(length=10.0, radius=5.0)
    comp.insert(HH())
    comp.insert(Ca_HVA())
    comp.insert(CaDynamics_E2())
    net = dx.Network([comp, comp])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
    net.record("CaDynamics_E2_cai")
    net.synapses.Ionotropic.record("s")
    plain = np.asarray(dx.integrate(net, t_max=0.5))
    net.cell(0).make_trainable("CaDynamics_E2_cai", 2e-4)  # mM; cell 1 keeps the default
    net.synapses.Ionotropic.make_trainable("s", 0.5)  # its initial activation
    without = np.asarray(dx.integrate(net, t_max=0.5))
    np.testing.assert_array_equal(without, plain)  # the description's starts, bit for bit
    assert plain[0, 0] == plain[1, 0] == 5e-5  # mM: CaDynamics_E2's start (NEURON's cai0_ca_ion)
    assert plain[2, 0] == pytest.approx(1.0 / (1.0 + np.exp(3.0)), rel=1e-12)  # s_inf((-65 - vTh) / delta)
    trained = np.asarray(dx.integrate(net, t_max=0.5, params=net.get_parameters()))
    assert trained[0, 0] == 2e-4 and trained[1, 0] == 5e-5 and trained[2, 0] == 0.5


def test_synapse_state_trainables_behave_as_compartment_ones():
    """A review of synapse trainables against the compartment ones: set_parameters failed on
    an initial state ("ExpSyn has no parameter or state 'init_g'"); Rest replaced one with no
    warning (gradient exactly 0); a synapse selected twice made a value that drives nothing;
    a shared value replaced differing weights by their mean unannounced; an unset state
    without init_value blamed an init_value never passed."""
    import warnings

    comp = dx.Compartment()
    comp.insert(HH())
    net = dx.Network([comp] * 3)
    dx.connect(net.cell(0), net.cell([1, 2]), dx.synapses.ExpSyn(), weight=0.01, delay=1.0)
    net.cell(1).record("v")
    with pytest.raises(ValueError, match=r"ExpSyn_g starts at its default \(no value set\): give make_trainable"):
        net.synapses.ExpSyn.make_trainable("g")
    with pytest.raises(ValueError, match="synapse 0 is in this selection twice"):
        net.synapses.ExpSyn[[0, 0]].make_trainable("weight", shared=False)
    net.synapses.ExpSyn[1].set("weight", 0.03)
    with pytest.warns(UserWarning, match=r"shared by synapses that hold different values \(0.01 to 0.03\)"):
        net.synapses.ExpSyn.make_trainable("weight")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.synapses.ExpSyn.make_trainable("g", 0.002)  # µS
    with pytest.warns(UserWarning, match=r"replace the trainable initial value\(s\) ExpSyn_init_g: their gradient is 0"):
        dx.simulator(net, t_max=1.0, initial=dx.Rest())
    fitted = [{"ExpSyn_weight": np.array([0.02])}, {"ExpSyn_init_g": np.array([0.004])}]
    with_params = np.asarray(dx.integrate(net, t_max=2.0, params=fitted))
    net.set_parameters(fitted)
    np.testing.assert_array_equal(net.synapses.ExpSyn.get("g"), [0.004, 0.004])  # µS
    np.testing.assert_array_equal(np.asarray(dx.integrate(net, t_max=2.0)), with_params)
