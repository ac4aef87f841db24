"""Descriptions that used to run silently wrong or into NaN (found by review): each case
gives NEURON's answer now, or a clear error before JAX compiles anything, and a failed call
leaves the description as it was."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH
from dendrax.synapses import Exp2Syn, ExpSyn

jax.config.update("jax_enable_x64", True)

T_MAX, DT = 10.0, 0.025


def soma(with_hh=True):
    c = dx.Compartment(length=20.0, radius=10.0)
    if with_hh:
        c.insert(HH())
    return c


def stimulated(module):
    module.stimulate(dx.step_current(1.0, 3.0, 0.3, DT, T_MAX))
    module.record("v")
    return module


def test_a_mechanism_inserted_into_a_part_joined_without_it_gets_its_ion_defaults():
    """The passive cell's sodium and potassium columns were NaN after joining, and became
    0 mV reversal potentials: the second cell peaked at 0.4 mV instead of spiking."""
    net = dx.Network([soma(), soma(with_hh=False)])
    net.cell(1).insert(HH())
    np.testing.assert_array_equal(net.get("ena"), [50.0, 50.0])
    net.cell("all").stimulate(dx.step_current(1.0, 3.0, 0.3, DT, T_MAX))
    net.cell("all").record("v")
    v = np.asarray(dx.integrate(net, t_max=T_MAX, delta_t=DT))
    alone = np.asarray(dx.integrate(stimulated(soma()), t_max=T_MAX, delta_t=DT))[0]
    assert alone.max() > 20.0  # it spikes
    # Same equations in both cells: the traces agree to round-off (mV).
    np.testing.assert_allclose(v, np.stack([alone, alone]), rtol=0, atol=1e-10)
    cell = dx.Cell([soma(), soma(with_hh=False)], parents=[-1, 0])
    cell.branch(1).insert(HH())
    assert not np.isnan(cell.get("ek")).any()


def test_a_missing_value_where_a_mechanism_sits_is_an_error_not_zero():
    c = stimulated(soma())
    c._data.columns["ena"][0] = np.nan  # what a join without the ion used to leave
    with pytest.raises(ValueError, match=r"ena is nan in compartment 0, where HH is inserted"):
        dx.integrate(c, t_max=T_MAX, delta_t=DT)


@pytest.mark.parametrize("value", [[1], [np.float32(1.0)]], ids=["integer", "float32"])
def test_a_trainable_value_takes_the_column_dtype(value):
    """An integer value cast the whole column to integers: the other branches' gK (0.036
    S/cm²) became 0, 1.26 mV off."""
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch(0).loc(0.5).stimulate(dx.step_current(1.0, 3.0, 0.5, DT, T_MAX))
    cell.branch(2).loc(1.0).record("v")
    cell.branch(1).make_trainable("HH_gK")
    reference = dx.integrate(cell, t_max=T_MAX, delta_t=DT, params=[{"HH_gK": np.array([1.0])}])
    given = dx.integrate(cell, t_max=T_MAX, delta_t=DT, params=[{"HH_gK": np.array(value)}])
    assert given.dtype == reference.dtype
    np.testing.assert_allclose(np.asarray(given), np.asarray(reference), rtol=0, atol=1e-12)


def test_two_voltage_clamps_on_one_point_are_an_error():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    n = int(round(1.0 / DT)) + 1
    cell.branch(0).loc(1.0).clamp("v", np.full(n, -65.0))
    # The same node (branch 1 starts there): refused when it is clamped, as it was by integrate.
    with pytest.raises(ValueError, match="already clamped at branch 1 at x=0.0"):
        cell.branch(1).loc(0.0).clamp("v", np.full(n, 0.0))
    assert len(cell.clamps) == 1


def test_full_names_of_two_mechanisms_cannot_collide():
    class Na(dx.Channel):
        params = {"T_g": 0.1}
        units = {"T_g": "S/cm2"}

        def current(self, s, v, p):
            return p["T_g"] * (v - 50.0)

    class Na_T(dx.Channel):  # noqa: N801 (the clash needs this name)
        params = {"g": 0.0}
        units = {"g": "S/cm2"}

        def current(self, s, v, p):
            return p["g"] * (v - 50.0)

    c = soma(with_hh=False)
    c.insert(Na())
    with pytest.raises(ValueError, match="same full name 'Na_T_g'"):
        c.insert(Na_T())
    assert c.get("Na_T_g").tolist() == [0.1]  # Na's value is untouched
    assert "Na_T" not in c._mechanisms


def test_trainable_values_are_range_checked_like_dict_overrides():
    c = stimulated(soma())
    with pytest.raises(ValueError, match="radius must be > 0"):
        c.make_trainable("radius", 0.0)
    assert c.get_parameters() == []
    c.make_trainable("radius")
    with pytest.raises(ValueError, match=r"params\['radius'\] must be > 0 µm; got -5.0"):
        dx.integrate(c, t_max=T_MAX, delta_t=DT, params=[{"radius": np.array([-5.0])}])
    with pytest.raises(ValueError, match="non-finite"):
        dx.integrate(c, t_max=T_MAX, delta_t=DT, params=[{"radius": np.array([np.nan])}])
    with pytest.raises(ValueError, match="HH_gNa is a conductance and must be >= 0"):
        c.make_trainable("HH_gNa", -0.1)


def network():
    net = dx.Network([soma(), soma()])
    dx.connect(net.cell(0), net.cell(1), Exp2Syn(), weight=0.05, delay=1.0)
    net.cell(1).record("v")
    return net


@pytest.mark.parametrize("name, value", [("tau2", 0.0), ("tau1", -1.0)])
def test_synaptic_time_constants_must_be_positive(name, value):
    net = network()
    before = net.synapses.Exp2Syn.get(name)
    with pytest.raises(ValueError, match=f"Exp2Syn {name} must be > 0 ms"):
        net.synapses.Exp2Syn.set(name, value)
    np.testing.assert_array_equal(net.synapses.Exp2Syn.get(name), before)
    with pytest.raises(ValueError, match=rf"params\['Exp2Syn_{name}'\] must be > 0"):
        dx.integrate(network(), t_max=T_MAX, delta_t=DT, params={f"Exp2Syn_{name}": value})
    with pytest.raises(ValueError, match=f"Exp2Syn {name} must be > 0 ms"):
        net.synapses.Exp2Syn.make_trainable(name, init_value=value)


@pytest.mark.parametrize("name, value, unit", [("delta", 0.0, "mV"), ("kMinus", -0.025, "1/ms"), ("kMinus", 0.0, "1/ms")])
def test_graded_synapse_slope_and_decay_rate_must_be_positive(name, value, unit):
    # delta = 0 used to give a synapse without current and NaN gradients in vTh; kMinus < 0
    # a state that grows instead of relaxing. Both were accepted without a word.
    net = dx.Network([soma(), soma()])
    dx.connect(net.cell(0), net.cell(1), dx.synapses.Ionotropic())
    net.cell(1).record("v")
    before = net.synapses.Ionotropic.get(name)
    with pytest.raises(ValueError, match=f"Ionotropic {name} must be > 0 {unit}; got"):
        net.synapses.Ionotropic.set(name, value)
    np.testing.assert_array_equal(net.synapses.Ionotropic.get(name), before)
    with pytest.raises(ValueError, match=rf"params\['Ionotropic_{name}'\] must be > 0"):
        dx.integrate(net, t_max=T_MAX, delta_t=DT, params={f"Ionotropic_{name}": value})


def test_a_negative_synaptic_weight_override_is_an_error():
    with pytest.raises(ValueError, match=r"params\['Exp2Syn_weight'\] must be >= 0"):
        dx.integrate(network(), t_max=T_MAX, delta_t=DT, params={"Exp2Syn_weight": -1.0})


def test_a_negative_delay_override_is_an_error():
    # connect() and set("delay") refused it, params= did not: the negative lag wrapped around
    # the spike buffer (a -1 ms delay delivered 4.025 ms late beside a 5 ms one; found by review).
    with pytest.raises(ValueError, match=r"params\['Exp2Syn_delay'\] must be finite and >= 0 \(ms\); got -1.0"):
        dx.integrate(network(), t_max=T_MAX, delta_t=DT, params={"Exp2Syn_delay": -1.0})
    sim = dx.simulator(network(), t_max=T_MAX, delta_t=DT)
    with pytest.raises(ValueError, match=r"params\['Exp2Syn_delay'\] must be finite and >= 0"):
        sim(params={"Exp2Syn_delay": np.array([-0.5])})
    assert np.all(np.isfinite(np.asarray(sim(params={"Exp2Syn_delay": np.array([0.0])}))))  # 0 is NEURON's minimum


def test_call_time_stimuli_must_be_finite_real_numbers():
    sim = dx.simulator(stimulated(soma()), t_max=1.0, delta_t=DT)
    n = int(round(1.0 / DT)) + 1
    bad = np.zeros((1, n))
    bad[0, 7] = np.nan
    with pytest.raises(ValueError, match=r"stimuli\[0, 7\] is nan"):
        sim(stimuli=bad)
    with pytest.raises(TypeError, match="real numbers"):
        sim(stimuli=np.zeros((1, n), complex))
    # Under vmap the values are traced and pass through (the caller's business).
    out = jax.vmap(lambda s: sim(stimuli=s))(np.zeros((2, 1, n)))
    assert out.shape == (2, 1, n)


def test_settings_are_checked_when_the_simulator_is_made():
    c = stimulated(soma())
    for kwargs, match in [
        ({"solver": "cn"}, "solver must be"),
        ({"checkpoint": 64}, "checkpoint must be"),
        ({"initial": "rest"}, "initial must be"),
        ({"surrogate": 0.5}, "surrogate must be"),
    ]:
        with pytest.raises(TypeError, match=match):
            dx.simulator(c, t_max=1.0, **kwargs)
    with pytest.raises(TypeError, match="surrogate must be"):
        dx.integrate(c, t_max=1.0, surrogate=0.5)
    with pytest.raises(ValueError, match="positive number of steps; got True"):
        dx.Checkpoint(every=True)  # was one-step segments, like Rest(steps=True) is refused
    # NumPy integers (e.g. from np.arange or a config file) are whole numbers too (were refused).
    expected = np.asarray(dx.integrate(c, t_max=T_MAX, checkpoint=dx.Checkpoint(every=8), initial=dx.Rest(steps=5)))
    ours = dx.integrate(c, t_max=T_MAX, checkpoint=dx.Checkpoint(every=np.int64(8)), initial=dx.Rest(steps=np.int32(5)))
    np.testing.assert_array_equal(np.asarray(ours), expected)
    # So are NumPy booleans and concrete JAX scalars: Checkpoint(adjoint=np.True_) was refused,
    # and every=jnp.asarray(8) drew Equinox's "JAX array set as static" warning, then an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        setting = dx.Checkpoint(every=jnp.asarray(8), adjoint=np.True_)
        assert setting == dx.Checkpoint(every=8) and type(setting.every) is int
        assert dx.Rest(steps=jnp.asarray(5)) == dx.Rest(steps=5)
    # A traced value has no number until the run: said so at once (no static-array warning).
    with pytest.raises(TypeError, match=r"traced value .* pass a Python number"):
        jax.jit(lambda n: dx.Rest(steps=n))(5)


def test_expsyn_tau_default_is_checked():
    with pytest.raises(ValueError, match="tau"):
        class Bad(ExpSyn):
            params = {"tau": 0.0, "e": 0.0}

        Bad()


def test_joined_parts_must_agree_on_model_wide_settings():
    warm, cold = soma(), soma()
    warm.set("celsius", 37.0)
    with pytest.raises(ValueError, match=r"different temperatures \[6.3, 37.0\]"):
        dx.Cell([cold, warm], parents=[-1, 0])
    with pytest.raises(ValueError, match="different temperatures"):
        dx.Network([cold, warm])
    a, b = dx.Branch(length=50.0, radius=1.0, ncomp=2), dx.Branch(length=50.0, radius=1.0, ncomp=2)
    a.diffuse("cai", 0.6)
    with pytest.raises(ValueError, match="diffuse different concentrations"):
        dx.Cell([a, b], parents=[-1, 0])
    b.diffuse("cai", 0.6)
    assert dx.Cell([a, b], parents=[-1, 0])._diffusion == {"cai": 0.6}  # kept, not dropped


def test_one_point_neuron_per_compartment():
    from dendrax.point_neurons import LIF, AdEx

    c = dx.Compartment()
    c.insert(LIF())
    with pytest.raises(ValueError, match="LIF is already in some of these compartments"):
        c.insert(AdEx())
    assert list(c._mechanisms) == ["LIF"]


def test_empty_selections_and_non_finite_thresholds_are_errors():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 2, parents=[-1, 0])
    empty = cell.select(np.zeros(cell.n_comps, dtype=bool))
    with pytest.raises(ValueError, match=r"record\(\) on an empty selection"):
        empty.record("v")
    with pytest.raises(ValueError, match=r"stimulate\(\) on an empty selection"):
        empty.stimulate(np.zeros(41))
    assert cell._recordings == [] and cell._stimuli == []
    # insert listed the mechanism as inserted (with NaN columns), set did nothing: refused.
    with pytest.raises(ValueError, match=r"insert\(\) on an empty selection"):
        empty.insert(HH())
    with pytest.raises(ValueError, match=r"set\(\) on an empty selection"):
        empty.set("radius", 2.0)
    assert cell._mechanisms == {}
    net = dx.Network([soma(), soma()])
    with pytest.raises(ValueError, match="finite voltage"):
        dx.connect(net.cell(0), net.cell(1), ExpSyn(), threshold=np.nan)
    with pytest.raises(ValueError, match="finite voltage"):
        net.record_spikes(threshold=np.nan)


def test_rest_takes_a_positive_number_of_iterations():
    for steps in (-1, 0, 2.5):
        with pytest.raises(ValueError, match="positive number of Newton iterations"):
            dx.Rest(steps=steps)


def test_a_delay_longer_than_the_run_never_arrives_and_costs_no_memory():
    """The spike buffer was sized by the delay: 1e9 ms asked for 4e10 rows (hundreds of GB)."""

    def run(delay):
        net = dx.Network([soma(), soma()])
        net.cell(0).stimulate(dx.step_current(1.0, 3.0, 0.3, DT, T_MAX))
        if delay is not None:
            dx.connect(net.cell(0), net.cell(1), ExpSyn(), weight=0.05, delay=delay)
        net.cell(1).record("v")
        return np.asarray(dx.integrate(net, t_max=T_MAX, delta_t=DT))

    unconnected = run(None)
    np.testing.assert_array_equal(run(1e9), unconnected)
    np.testing.assert_array_equal(run(T_MAX), unconnected)  # arrives just after the run
    assert np.abs(run(2.0) - unconnected).max() > 1.0  # a delay inside the run still acts (mV)


def test_joining_parts_that_have_stimuli_or_recordings_warns():
    """A joined model takes the parts' structure and values, not their stimuli, clamps,
    recordings or trainables (a part is a template used many times); that was silent."""
    part = dx.Branch(length=100.0, radius=1.0, ncomp=2)
    part.insert(HH())
    part.loc(0.0).stimulate(dx.step_current(1.0, 3.0, 0.3, DT, T_MAX))
    part.loc(1.0).record("v")
    with pytest.warns(UserWarning, match="parts have 2 stimuli, 2 recordings, which a Network does not take over"):
        net = dx.Network([part, part])
    assert net.recordings == [] and net.stimuli == []
    with pytest.warns(UserWarning, match="which a Cell does not take over"):
        dx.Cell([part, part], parents=[-1, 0])
    bare = dx.Branch(length=100.0, radius=1.0, ncomp=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.Cell([bare, bare], parents=[-1, 0])  # nothing to say


@pytest.mark.parametrize("index, error, match", [
    (True, TypeError, "mask of 3 booleans"),
    ([[0, 1]], TypeError, "mask of 3 booleans"),
    ([], ValueError, "select at least one branch"),
])
def test_branch_selections_explain_what_they_take(index, error, match):
    """These failed with 'len() of unsized object', 'truth value ... ambiguous' and a
    message about integers for an empty list."""
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    with pytest.raises(error, match=match):
        cell.branch(index)
    with pytest.raises(TypeError, match="record\\(\\) takes a name"):
        cell.record(1)


def test_times_may_be_zero_dimensional_arrays_but_not_booleans():
    c = stimulated(soma())
    out = dx.integrate(c, t_max=np.asarray(T_MAX), delta_t=np.asarray(DT))  # was refused
    np.testing.assert_array_equal(np.asarray(out), np.asarray(dx.integrate(c, t_max=T_MAX, delta_t=DT)))
    for bad in (True, np.asarray([DT])):
        with pytest.raises(ValueError, match="delta_t must be a number > 0 ms"):
            dx.integrate(c, t_max=T_MAX, delta_t=bad)


def test_trainables_refuse_impossible_model_wide_values_and_doubly_driven_compartments():
    # Bugs: make_trainable("celsius", init_value=-400 or nan) and params={"celsius": -400}
    # ran (set() refused them); loc([0.2, 0.3]) on a one-compartment branch made two values
    # for one compartment, one of them silently ignored (gradient 0).
    c = stimulated(soma())
    for value in (-400.0, np.nan):
        with pytest.raises(ValueError, match="celsius must be"):
            c.make_trainable("celsius", init_value=value)
    with pytest.raises(ValueError, match=r"params\['celsius'\]: celsius must be a temperature above -273.15"):
        dx.integrate(c, t_max=1.0, params={"celsius": -400.0})
    c.make_trainable("celsius", init_value=20.0)
    with pytest.raises(ValueError, match="celsius must be a temperature"):
        dx.integrate(c, t_max=1.0, params=[{"celsius": np.array([-300.0])}])
    cell = dx.Cell([dx.Branch(ncomp=1)] * 2, parents=[-1, 0])
    cell.insert(HH())
    with pytest.raises(ValueError, match="compartment 0 is in two groups"):
        cell.branch(0).loc([0.2, 0.3]).make_trainable("HH_gNa")
    with pytest.raises(ValueError, match="compartment 1 is in two groups"):
        cell.comp([1, 1]).make_trainable("HH_gNa")
    assert cell.get_parameters() == []  # nothing half-registered


def test_float32_times_mean_the_decimal_written():
    # Bug: in JAX's default precision jnp.asarray(0.025) is float32 (0.02500000037...), and
    # t_max = 20 was refused as "not a whole number of steps", suggesting t_max = 20.
    c = stimulated(soma())
    expected = np.asarray(dx.integrate(c, t_max=T_MAX, delta_t=DT))
    for delta_t in (np.float32(DT), jax.numpy.asarray(DT, jax.numpy.float32)):
        np.testing.assert_array_equal(np.asarray(dx.integrate(c, t_max=T_MAX, delta_t=delta_t)), expected)
        assert dx.simulator(c, t_max=np.float32(T_MAX), delta_t=delta_t).times[-1] == T_MAX


def test_complex_values_are_refused_not_cut_to_their_real_part():
    # Bug: params=, make_trainable(init_value=) and a synapse's set() dropped the imaginary
    # part (with at most a ComplexWarning); set() on a cell already refused it.
    c = stimulated(soma())
    with pytest.raises(TypeError, match=r"params\['HH_gNa'\] takes real numbers"):
        dx.integrate(c, t_max=1.0, params={"HH_gNa": 0.12 + 0.5j})
    with pytest.raises(TypeError, match="init_value=...\\) takes a number or an array of real numbers"):
        c.make_trainable("HH_gK", init_value=np.complex128(0.036 + 9j))
    with pytest.raises(TypeError, match="init_value=...\\) takes a number or an array of real numbers"):
        c.make_trainable("HH_gK", init_value="0.036")
    assert c.get_parameters() == []
    c.make_trainable("HH_gK")
    with pytest.raises(TypeError, match=r"parameters\[0\]\['HH_gK'\] takes real numbers"):
        dx.integrate(c, t_max=1.0, params=[{"HH_gK": np.array([0.036 + 1j])}])
    net = dx.Network([soma(), soma()])
    dx.connect(net.cell(0), net.cell(1), ExpSyn(), weight=0.01, delay=1.0)
    with pytest.raises(TypeError, match=r"set\('weight', ...\) takes a number"):
        net.synapses.ExpSyn.set("weight", np.array([0.01 + 3j]))
    assert net.synapses.ExpSyn.get("weight").tolist() == [0.01]


def test_surrogate_steepness_is_checked():
    # Bug: beta = nan or inf gave NaN gradients, beta <= 0 ran, "x" failed deep inside.
    for beta in (np.nan, np.inf, -1.0, 0.0, "x", True):
        with pytest.raises(ValueError, match="Surrogate\\(beta=...\\) takes a Python number > 0"):
            dx.Surrogate(beta=beta)


def test_step_current_refuses_nan_times_and_times_off_the_grid():
    # Bug: a NaN onset or duration gave an all-zero current (no stimulus, no message), and a
    # t_max shorter than or off delta_t's grid was rounded silently.
    args = dict(i_delay=0.5, i_dur=1.0, i_amp=0.5, delta_t=DT, t_max=2.0)
    for bad in (dict(i_delay=np.nan), dict(i_dur=np.nan), dict(i_amp=np.inf), dict(i_offset=np.nan)):
        with pytest.raises(ValueError, match=f"{next(iter(bad))} must be a finite number"):
            dx.step_current(**{**args, **bad})
    for t_max in (0.01, 2.01):
        with pytest.raises(ValueError, match="not a whole number of steps"):
            dx.step_current(**{**args, "t_max": t_max})
    with pytest.raises(TypeError, match="i_amp takes a number"):
        dx.step_current(**{**args, "i_amp": 1 + 2j})
    endless = dx.step_current(**{**args, "i_dur": np.inf})  # on to the end, as IClamp
    assert endless[-1] == 0.5 and endless[0] == 0.0


def test_gating_variables_must_be_fractions():
    """A user review: HH_m = 2 (set, make_trainable, params at call time) was accepted; a
    gating variable is the fraction of open gates."""
    import jax.numpy as jnp

    from dendrax.channels import HH

    comp = dx.Compartment()
    comp.insert(HH())
    comp.record("v")
    for bad in (2.0, -0.5):
        with pytest.raises(ValueError, match=r"HH_m is a gating variable .* \[0, 1\]; got"):
            comp.set("HH_m", bad)
    with pytest.raises(ValueError, match=r"gating variable .* got 1.7"):
        comp.make_trainable("HH_m", init_value=1.7)
    comp.make_trainable("HH_m", init_value=0.1)
    sim = dx.simulator(comp, t_max=0.1)
    with pytest.raises(ValueError, match=r"gating variable .* got -3.0"):
        sim([{"HH_m": jnp.array([-3.0])}])
    assert sim([{"HH_m": jnp.array([0.2])}]).shape == (1, 5)


def test_a_shared_trainable_over_different_values_warns():
    """One value for compartments that hold different ones starts at their mean, which then
    replaces them all (``set_parameters(get_parameters())`` rewrote a per-branch gNa): a
    warning says so and how to keep them; equal values, or an init_value, draw none."""
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 2, parents=[-1, 0])
    cell.insert(HH())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cell.make_trainable("HH_gK")  # every compartment 0.036
    cell.branch(1).set("HH_gNa", 0.3)
    with pytest.warns(UserWarning, match=r"make_trainable\('HH_gNa'\): .* \(0\.12 to 0\.3\); it starts at their mean, 0\.21"):
        cell.make_trainable("HH_gNa")
    cell.delete_trainables()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cell.branch("all").make_trainable("HH_gNa")  # one per branch: each uniform
        cell.delete_trainables()
        cell.make_trainable("HH_gNa", 0.2)

