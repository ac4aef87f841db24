"""integrate(..., record_interval=...): recordings every k-th time point, equal to the full
run's columns, spike counts per interval, gradients, memory, and bad intervals."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH
from dendrax.synapses import ExpSyn

DT = 0.025  # ms
T_MAX = 50.0  # ms


def network():
    """Three HH cells in a chain, the first driven: every cell spikes."""
    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    net = dx.Network([comp] * 3)
    net.cell(0).stimulate(dx.step_current(1.0, 40.0, 0.3, DT, T_MAX))
    dx.connect(net.cell([0, 1]), net.cell([1, 2]), ExpSyn(), weight=0.05, delay=1.0)
    for i in range(3):
        net.cell(i).record("v")
    net.cell(0).record("HH_m")
    net.record_spikes()  # rows 4-6
    return net


@pytest.mark.parametrize("solver", [dx.BackwardEuler(), dx.CrankNicolson()], ids=["be", "cn"])
@pytest.mark.parametrize("interval", [0.1, 1.0, 50.0])  # ms: 4, 40 and 2,000 steps
def test_samples_are_the_full_runs_columns_and_spikes_are_counted_per_interval(solver, interval):
    net = network()
    full = np.asarray(dx.integrate(net, t_max=T_MAX, delta_t=DT, solver=solver))
    ours = np.asarray(dx.integrate(net, t_max=T_MAX, delta_t=DT, solver=solver, record_interval=interval))
    k = round(interval / DT)
    assert ours.shape == (7, round(T_MAX / interval) + 1)
    # The same steps, chunked differently in the loop: measured equal to the last bit.
    np.testing.assert_allclose(ours[:4], full[:4, ::k], rtol=0, atol=1e-12)
    spikes = full[4:]
    assert spikes.sum() >= 9  # all three cells fire
    per_interval = spikes[:, 1:].reshape(3, -1, k).sum(axis=-1)
    np.testing.assert_array_equal(ours[4:, 0], spikes[:, 0])
    np.testing.assert_array_equal(ours[4:, 1:], per_interval)  # the last step's crossing excluded, as in full


def test_gradients_equal_those_of_the_full_runs_columns():
    net = network()
    params = {"ExpSyn_weight": jnp.full(2, 0.05), "HH_gNa": jnp.full(3, 0.12)}

    def sampled(p):
        return jnp.mean(dx.integrate(net, t_max=T_MAX, delta_t=DT, params=p, record_interval=1.0)[:3] ** 2)

    def full(p):
        return jnp.mean(dx.integrate(net, t_max=T_MAX, delta_t=DT, params=p)[:3, ::40] ** 2)

    def long_intervals(p):  # 1,000 steps an interval, checkpointed within: segments of 7 and 6
        v = dx.integrate(net, t_max=T_MAX, delta_t=DT, params=p, record_interval=25.0, checkpoint=dx.Checkpoint(every=7))
        return jnp.mean(v[:3] ** 2)

    def full_long(p):
        return jnp.mean(dx.integrate(net, t_max=T_MAX, delta_t=DT, params=p)[:3, ::1000] ** 2)

    for ours, reference in [
        (jax.grad(sampled)(params), jax.grad(full)(params)),
        (jax.grad(long_intervals)(params), jax.grad(full_long)(params)),
    ]:
        for key in params:
            scale = np.max(np.abs(reference[key]))
            assert scale > 0.01
            assert np.max(np.abs(ours[key] - reference[key])) < 1e-10 * scale  # measured 4e-16


def test_a_long_runs_gradient_memory_shrinks_with_the_interval():
    """20 recordings over 20,000 steps: the recordings and their cotangents dominate the
    gradient's temporaries (XLA's buffer assignment, no run)."""
    branch = dx.Branch(length=400.0, radius=1.0, ncomp=20)
    branch.insert(HH())
    branch.loc(0.0).stimulate(dx.step_current(1.0, 400.0, 0.5, DT, 500.0))
    for j in range(20):
        branch.comp(j).record("v")
    system = branch.compile()

    def temporaries(interval, checkpoint=dx.Checkpoint()):
        def loss(g):
            v = dx.integrate(
                system, t_max=500.0, delta_t=DT, params={"HH_gNa": g}, record_interval=interval, checkpoint=checkpoint
            )
            return jnp.mean(v**2)

        return jax.jit(jax.grad(loss)).lower(jnp.asarray(0.12)).compile().memory_analysis().temp_size_in_bytes

    every_step, every_ms = temporaries(None), temporaries(1.0)
    assert every_ms < 0.25 * every_step  # 20 x 20,001 values, twice, are 6.4 MB
    # An interval longer than a checkpoint segment is checkpointed within: an interval of
    # t_max kept all 20,000 steps, as much as no checkpointing (a review: 20 MiB, 34x).
    whole, unchecked = temporaries(500.0), temporaries(500.0, dx.Checkpoint(every=20_000))
    assert whole < 0.1 * unchecked


def test_simulator_times_and_rest_follow_the_interval():
    net = network()
    sim = dx.simulator(net, t_max=T_MAX, delta_t=DT, record_interval=2.5, initial=dx.Rest())
    np.testing.assert_allclose(sim.times, np.arange(0.0, T_MAX + 1e-9, 2.5))
    assert sim(None).shape == (7, len(sim.times))


@pytest.mark.parametrize(
    "interval, message",
    [
        (0.03, r"record_interval = 0.03 ms is not a whole number of steps of delta_t = 0.025 ms; use e.g. 0.025"),
        (0.3, r"t_max = 50.0 ms is not a whole number of record_interval = 0.3 ms; use e.g. t_max = 49.8"),
        (0.0, r"record_interval must be a number > 0 ms"),
        (-1.0, r"record_interval must be a number > 0 ms"),
        (True, r"record_interval must be a number > 0 ms"),
        ("1.0", r"record_interval must be a number > 0 ms"),
    ],
)
def test_bad_intervals_are_refused_before_compiling(interval, message):
    net = network()
    with pytest.raises(ValueError, match=message):
        dx.integrate(net, t_max=T_MAX, delta_t=DT, record_interval=interval)
    with pytest.raises(ValueError, match=message):
        dx.simulator(net, t_max=T_MAX, delta_t=DT, record_interval=interval)
