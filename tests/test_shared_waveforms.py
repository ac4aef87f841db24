"""One stimulus or clamp waveform on many points is stored and simulated once.

`stimulate` and `clamp` on a selection of N points kept N copies of the waveform, compiled
and ran N rows of the run's length (one 40,001-point current on 2,000 compartments: 3.25 GB
peak, now 0.25 GB). The points of one call now share one read-only array and one row.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.call_inputs import checked_waveforms
from dendrax.channels import HH

jax.config.update("jax_enable_x64", True)

T_MAX, DT = 10.0, 0.025
N_POINTS = 401


def cell_with(shared: bool) -> dx.Cell:
    """An HH tree driven on all four compartments of branch 1, with a voltage clamp on the
    two of branch 2: through one call each (``shared``) or one call per compartment."""
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4), dx.Branch(length=100.0, radius=1.0, ncomp=4),
                    dx.Branch(length=100.0, radius=1.0, ncomp=2)], parents=[-1, 0, 0])
    cell.insert(HH())
    current = dx.step_current(1.0, 3.0, 0.05, DT, T_MAX)  # nA
    clamp = np.where(np.arange(N_POINTS) * DT < 5.0, -65.0, -40.0)  # mV
    if shared:
        cell.branch(1).stimulate(current)
        cell.branch(2).clamp("v", clamp)
    else:
        for j in range(4):
            cell.branch(1).comp(j).stimulate(current)
        for j in range(2):
            cell.branch(2).comp(j).clamp("v", clamp)
    cell.branch(0).comp(0).record("v")
    cell.branch(1).comp(3).record("v")
    return cell


def test_one_waveform_on_many_points_is_one_row():
    sim = dx.simulator(cell_with(shared=True), t_max=T_MAX, delta_t=DT)
    rows, index = checked_waveforms(sim.system.stimuli, None, N_POINTS - 1, "stimulus", "stimuli")
    assert rows.shape == (1, N_POINTS) and index.tolist() == [0, 0, 0, 0]
    rows, index = checked_waveforms(sim.system.clamps, None, N_POINTS - 1, "clamp", "clamps")
    assert rows.shape == (1, N_POINTS) and index.tolist() == [0, 0]
    # Separate calls stay separate rows (a waveform per call), with no index.
    sim = dx.simulator(cell_with(shared=False), t_max=T_MAX, delta_t=DT)
    rows, index = checked_waveforms(sim.system.stimuli, None, N_POINTS - 1, "stimulus", "stimuli")
    assert rows.shape == (4, N_POINTS) and index is None


@pytest.mark.parametrize("solver", [dx.BackwardEuler(), dx.CrankNicolson()], ids=["euler", "cn"])
def test_shared_and_separate_waveforms_give_the_same_run(solver):
    shared = dx.integrate(cell_with(shared=True), t_max=T_MAX, delta_t=DT, solver=solver)
    separate = dx.integrate(cell_with(shared=False), t_max=T_MAX, delta_t=DT, solver=solver)
    # The same values reach the same nodes in the same order: identical to the bit.
    np.testing.assert_array_equal(np.asarray(shared), np.asarray(separate))
    assert float(shared[1].max()) > 0.0  # the stimulated branch fires: a run that can differ


def test_gradients_and_call_time_stimuli_with_shared_waveforms():
    cell = cell_with(shared=True)
    sim = dx.simulator(cell, t_max=T_MAX, delta_t=DT)
    reference = dx.simulator(cell_with(shared=False), t_max=T_MAX, delta_t=DT)

    def loss(s, p):
        return jnp.mean(s(p) ** 2)

    p = {"HH_gNa": jnp.asarray(0.12)}
    np.testing.assert_allclose(jax.grad(lambda q: loss(sim, q))(p)["HH_gNa"],
                               jax.grad(lambda q: loss(reference, q))(p)["HH_gNa"], rtol=1e-12)
    # Call-time stimuli replace the registered ones point by point, as before: (4, N_POINTS).
    stimuli = jnp.stack([jnp.asarray(dx.step_current(1.0, 3.0, 0.02 * (k + 1), DT, T_MAX)) for k in range(4)])
    np.testing.assert_array_equal(np.asarray(sim(stimuli=stimuli)), np.asarray(reference(stimuli=stimuli)))
    batched = jax.vmap(lambda s: sim(stimuli=s))(jnp.stack([stimuli, 2.0 * stimuli]))
    # A batch on a CPU takes the vectorised solve instead of the serial one: round-off apart
    # (~1e-13 mV), while a stimulus taken from the wrong row moves v by mV.
    np.testing.assert_allclose(np.asarray(batched[1]), np.asarray(sim(stimuli=2.0 * stimuli)), rtol=0, atol=1e-9)


def test_a_stored_waveform_is_a_copy_and_read_only():
    cell = dx.Compartment()
    current = np.zeros(N_POINTS)
    cell.stimulate(current)
    current[:] = 1.0  # the caller's array changes later: the stored waveform does not
    (_, stored), = cell.stimuli
    assert not stored.any()
    stored[:] = 2.0  # `stimuli` hands out copies
    assert not cell.stimuli[0][1].any()
    copy = cell.copy()
    copy.delete_stimuli()
    assert len(cell.stimuli) == 1
