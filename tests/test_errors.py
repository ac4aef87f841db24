"""Bad input raises a clear error (naming the bad value) before any compilation, and a
failed call leaves the description as it was."""

import re

import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH, Leak

from .swc_helpers import compartment_area, neuron_ri


def cell():
    c = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=2)] * 3, parents=[-1, 0, 0])
    c.insert(HH())
    c.branch(0).loc(0.5).record("v")
    return c


@pytest.mark.parametrize("kwargs", [{"length": -1.0}, {"length": 0.0}, {"radius": 0.0}, {"radius": -2.0}, {"ncomp": 0}])
def test_bad_branch_geometry(kwargs):
    with pytest.raises(ValueError, match="must be"):
        dx.Branch(**kwargs)


def test_bad_points():
    with pytest.raises(ValueError, match="radius must be >= 0"):
        dx.Branch(points=[[0, 0, 0, 1.0], [10, 0, 0, -1.0]])
    with pytest.raises(ValueError, match=r"shape \(P, 4\)"):
        dx.Branch(points=[[0, 0, 0]])
    # Found by review: each of these was accepted and ran to NaN, or failed inside NumPy.
    with pytest.raises(ValueError, match=r"points\[1, 0\] is 1e\+200: coordinates and radii must lie within"):
        dx.Branch(points=[[0, 0, 0, 1.0], [1e200, 1e200, 0, 1.0]])
    with pytest.raises(ValueError, match=r"points\[1, 1\] \(y\) is nan"):
        dx.Branch(points=[[0, 0, 0, 1.0], [1, np.nan, 0, 1.0]])
    for bad in (np.array([[0, 0, 0, 1 + 1j], [1, 0, 0, 1]]), [[0, 0, 0, 1.0], [1, 0, 0]], [["a"] * 4] * 2):
        with pytest.raises(TypeError, match="points .* takes a number or an array of real numbers"):
            dx.Branch(points=bad)  # complex, ragged, strings
    with pytest.raises(ValueError, match="compartment 0 has radius 0"):
        dx.Branch(points=[[0, 0, 0, 0.0], [10, 0, 0, 0.0], [20, 0, 0, 1.0]], ncomp=2)
    with pytest.raises(ValueError, match="length must lie between 1e-09 and 1e\\+09"):
        dx.Branch(length=1e308)
    c = dx.Compartment()
    with pytest.raises(ValueError, match="radius must lie between"):
        c.set("radius", 1e-320)  # 1/r² overflows: NaN currents
    with pytest.raises(TypeError, match="takes µm as numbers; got True"):
        c.set("radius", True)
    assert c.get("radius").tolist() == [250.0]
    c.record("v")
    with pytest.raises(ValueError, match=r"params\['radius'\]: radius must lie between"):
        dx.integrate(c, t_max=0.1, params={"radius": 1e-320})  # as set(): NaN before


def test_a_zero_radius_point_is_neurons(neuron_h):
    # Radii of 0 are valid in NEURON (and read_swc); Branch(points=...) refused them.
    points = np.array([(0.0, 0.0, 0.0, 1.0), (30.0, 0.0, 0.0, 0.5), (60.0, 0.0, 0.0, 0.0)])  # µm
    branch = dx.Branch(points=points, ncomp=3)
    sec = neuron_h.Section(name="zero_end")
    for x, y, z, r in points:
        sec.pt3dadd(x, y, z, 2.0 * r)
    sec.nseg = 3
    # The same frusta, NEURON's 1e15 µm⁻¹ floor on 1/d² at the zero end: round-off only.
    np.testing.assert_allclose(compartment_area(branch), [seg.area() for seg in sec], rtol=1e-12)
    np.testing.assert_allclose(neuron_ri(branch), [seg.ri() for seg in sec], rtol=1e-12)
    # The zero-diameter end node itself, recorded: its half-compartment resistance was
    # infinite here (not NEURON's 1e15 µm⁻¹ floor), and every trace NaN (a review).
    branch.insert(Leak())
    branch.loc(0.5).stimulate(dx.step_current(1.0, 100.0, 0.02, 0.025, 5.0))
    branch.loc(0.5).record("v")
    branch.loc(1.0).record("v")
    ours = np.asarray(dx.integrate(branch, t_max=5.0))
    sec.insert("pas")
    for seg in sec:
        seg.pas.g, seg.pas.e = Leak.params["gLeak"], Leak.params["eLeak"]
    clamp = neuron_h.IClamp(sec(0.5))
    clamp.delay, clamp.dur, clamp.amp = 1.0, 100.0, 0.02
    refs = [neuron_h.Vector().record(sec(x)._ref_v) for x in (0.5, 1.0)]
    neuron_h.dt = 0.025
    neuron_h.finitialize(-65.0)  # dendrax's default initial voltage
    neuron_h.continuerun(5.0)
    ref = np.array([r.as_numpy() for r in refs])
    assert np.ptp(ref[1]) > 1.0  # mV: the end node follows the stimulus
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-8)  # float64, the same scheme: round-off


@pytest.mark.parametrize("name, value", [("radius", -1.0), ("length", 0.0), ("capacitance", 0.0), ("axial_resistivity", -3.0)])
def test_bad_geometry_values(name, value):
    c = cell()
    before = c.get(name)
    with pytest.raises(ValueError, match=f"{name} must be > 0"):
        c.branch(1).set(name, value)
    np.testing.assert_array_equal(c.get(name), before)


def test_negative_conductance():
    c = cell()
    with pytest.raises(ValueError, match="HH_gNa is a conductance"):
        c.set("HH_gNa", -0.1)


def test_unknown_names():
    c = cell()
    with pytest.raises(KeyError, match="HH_gNa"):
        c.set("HH_gNaa", 0.1)
    with pytest.raises(KeyError, match="Inserted mechanisms"):
        c.set("Kv_gbar", 0.1)
    with pytest.raises(KeyError, match="unknown parameter 'gnabar'"):
        dx.integrate(c, t_max=1.0, params={"gnabar": 0.1})
    # A mechanism's own short name, and NEURON's <name>_<suffix> in another case, name the
    # dendrax name (they gave no hint).
    with pytest.raises(KeyError, match="prefix: 'HH_m'"):
        c.branch(0).loc(0.5).record("m")
    with pytest.raises(KeyError, match="In dendrax: 'HH_m'"):
        c.branch(0).loc(0.5).record("m_hh")
    with pytest.raises(KeyError, match="Did you mean 'HH_m'\\?"):
        c.branch(0).loc(0.5).record("hh_m")  # only the case differs
    assert len(c.recordings) == 1


def test_parameter_where_mechanism_is_absent():
    c = dx.Cell([dx.Branch(ncomp=2)] * 2, parents=[-1, 0])
    c.branch(0).insert(Leak())
    with pytest.raises(ValueError, match="Leak is not inserted in compartment 2"):
        c.set("Leak_gLeak", 0.001)
    np.testing.assert_array_equal(c.branch(0).get("Leak_gLeak"), [0.001, 0.001])


def test_bad_mechanisms():
    c = cell()
    with pytest.raises(TypeError, match=r"insert\(HH\(\)\)"):
        c.insert(HH)
    with pytest.raises(TypeError, match="Mechanism"):
        c.insert("hh")
    with pytest.raises(ValueError, match="already inserted"):
        c.branch(1).insert(HH())
    # A synapse is a point process: refused at insert (it used to be accepted and fail
    # while tracing with "init_states() missing 1 required positional argument").
    with pytest.raises(TypeError, match=r"ExpSyn is a synapse.*dx\.connect"):
        c.insert(dx.synapses.ExpSyn())
    assert list(c.mechanisms) == ["HH"]


def test_group_names_are_not_silently_redefined():
    c = cell()
    c.add_group("tips", c.branch([1, 2]))
    with pytest.raises(ValueError, match=r"group 'tips' exists already \(4 compartments\); pass replace=True"):
        c.add_group("tips", c.branch(0))
    np.testing.assert_array_equal(c.group("tips").comps, [2, 3, 4, 5])
    c.add_group("tips", c.branch(0), replace=True)
    np.testing.assert_array_equal(c.group("tips").comps, [0, 1])


@pytest.mark.parametrize(
    "parents, match",
    [
        ([-1, 0, 5], "not a valid parent"),
        ([-1, -1, 0], "exactly one root"),
        ([-1, 2, 1], "cycle"),
        ([-1, 1, 0], "not a valid parent"),
        ([-1, 0], "one per branch"),
    ],
)
def test_parents_must_form_a_tree(parents, match):
    with pytest.raises(ValueError, match=match):
        dx.Cell([dx.Branch()] * 3, parents=parents)


@pytest.mark.parametrize("kwargs, match", [
    ({"t_max": 10.0, "delta_t": 0.0}, "delta_t must be a number > 0"),
    ({"t_max": 10.0, "delta_t": -0.025}, "delta_t must be a number > 0"),
    ({"t_max": -1.0}, "t_max must be"),
    ({"t_max": 10.01, "delta_t": 0.025}, "not a whole number of steps"),
    # Failed in XLA: "Out of memory allocating 80000000008 bytes".
    ({"t_max": 10.0, "delta_t": 1e-9}, "is 10,000,000,000 steps, more than a run can count"),
])
def test_bad_time(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.integrate(cell(), **kwargs)


def test_bad_stimulus():
    c = cell()
    c.branch(0).loc(0.0).stimulate(np.zeros(11))
    with pytest.raises(ValueError, match="stimulus 0 has 11 values"):
        dx.integrate(c, t_max=1.0, delta_t=0.025)
    with pytest.raises(ValueError, match=r"stimuli must have shape \(n_stimuli, n_time_points\) = \(1, 41\).*one row per stimulus site"):
        dx.integrate(c, t_max=1.0, delta_t=0.025, stimuli=np.zeros((1, 40)))
    # With none placed it said only "= (0, 41)" (a newcomer's review).
    with pytest.raises(ValueError, match=r"= \(0, 41\); got \(1, 41\): the model has no stimulus to replace: place them"):
        dx.integrate(cell(), t_max=1.0, delta_t=0.025, stimuli=np.zeros((1, 41)))
    with pytest.raises(ValueError, match="1-D array"):
        c.branch(0).stimulate(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="the stimulus is nan at index 3"):
        c.branch(0).stimulate(np.array([0.0, 0.0, 0.0, np.nan]))
    with pytest.raises(TypeError, match="stimuli must be real numbers; got an array of <U1"):
        dx.integrate(c, t_max=0.25, delta_t=0.025, stimuli=np.full((1, 11), "a"))
    for flags in (np.ones((1, 11), bool), jnp.ones((1, 11), bool)):  # NumPy and JAX alike
        with pytest.raises(TypeError, match="stimuli must be real numbers; got an array of bool"):
            dx.integrate(c, t_max=0.25, delta_t=0.025, stimuli=flags)
    assert len(c.stimuli) == 1


@pytest.mark.parametrize("x", [-0.1, 1.5, float("nan")])
def test_loc_outside_unit_interval(x):
    with pytest.raises(ValueError, match=r"x in \[0, 1\]"):
        cell().branch(0).loc(x)


@pytest.mark.parametrize("x", [True, "0.5", [0.2, False]])
def test_loc_takes_numbers_only(x):
    # loc(True) was the branch end (x = 1) and loc("0.5") the middle, silently.
    with pytest.raises(TypeError, match="loc\\(x\\) takes a number in \\[0, 1\\]"):
        cell().branch(0).loc(x)


def test_bad_selection_and_values():
    c = cell()
    with pytest.raises(IndexError, match="branch index 7 is out of range"):
        c.branch(7)
    with pytest.raises(ValueError, match="got 3 values for 2 selected compartments"):
        c.branch(0).set("radius", [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="non-finite"):
        c.set("v", float("nan"))
    with pytest.raises(ValueError, match="shape"):
        dx.integrate(c, t_max=1.0, params={"radius": np.ones(5)})


def test_nothing_recorded():
    c = dx.Compartment()
    with pytest.raises(ValueError, match="nothing is recorded"):
        dx.integrate(c, t_max=1.0)


def test_recording_a_parameter_or_absent_state():
    c = cell()
    with pytest.raises(ValueError, match="not a state"):
        c.record("HH_gNa")
    with pytest.raises(ValueError, match="node without membrane"):  # was "HH is not there"
        c.branch(0).loc(1.0).record("HH_m")
    partial = dx.Cell([dx.Branch(ncomp=2)] * 2, parents=[-1, 0])
    partial.branch(1).insert(HH())
    with pytest.raises(ValueError, match="HH is not there"):
        partial.branch(0).comp(0).record("HH_m")
    # Current names that are not recordable here say which are (they said "unknown parameter").
    with pytest.raises(ValueError, match="cannot record 'ica': no inserted mechanism carries that current. "
                       "Currents here: 'i' \\(all\\), 'ik', 'ina', and 'i_HH'"):
        c.record("ica")
    with pytest.raises(ValueError, match="one mechanism's current is recorded as 'i_HH'"):
        c.record("HH_ina")
    # Before any insert it read "'i' (all), no ion currents, and no mechanism (one mechanism)"
    with pytest.raises(ValueError, match=r"cannot record 'ina': no mechanism is inserted yet .*insert the mechanisms first"):
        dx.Compartment().record("ina")
    with pytest.raises(ValueError, match="capacitive current is cm dV/dt"):
        c.record("i_membrane")
    assert [name for _, name in c.recordings] == ["v"]  # the helper's own; nothing added
    # The temperature is model-wide: it said "unknown parameter 'celsius'. Did you mean 'celsius'?"
    for refused in (lambda: c.record("celsius"), lambda: c.branch(0).get("celsius")):
        with pytest.raises(ValueError, match=r"'celsius' \(°C\) is model-wide.*cannot be recorded"):
            refused()


def test_a_second_writer_of_a_concentration_is_named_in_the_refusal():
    from dendrax.channels import CaDynamics_E2

    class SecondPool(CaDynamics_E2):
        pass

    c = dx.Compartment()
    c.insert(CaDynamics_E2())
    with pytest.raises(ValueError, match="CaDynamics_E2 already writes cai .*, and SecondPool writes it too"):
        c.insert(SecondPool())
    assert list(c.mechanisms) == ["CaDynamics_E2"]


def test_a_neuron_style_concentration_name_points_to_its_state():
    from dendrax.channels import Ca_HVA, CaDynamics_E2

    c = dx.Compartment()
    c.insert(Ca_HVA())
    c.insert(CaDynamics_E2())
    # NEURON records `_ref_cai`; here the concentration is the writer's state.
    hint = "'cai' is not a state; did you mean 'CaDynamics_E2_cai'?"
    with pytest.raises(ValueError, match=r"recorded as the state of the mechanism that writes it \('CaDynamics_E2_cai'\)"):
        c.record("cai")
    with pytest.raises(ValueError, match=hint):
        c.clamp("cai", np.zeros(41))
    assert c._recordings == [] and c._clamps == []


def test_out_of_range_overrides_at_call_time():
    c = cell()
    with pytest.raises(ValueError, match="must be > 0"):
        dx.integrate(c, t_max=1.0, params={"radius": -1.0})
    with pytest.raises(ValueError, match="must be >= 0"):
        dx.integrate(c, t_max=1.0, params={"HH_gNa": -0.1})
    with pytest.raises(ValueError, match="non-finite"):
        dx.integrate(c, t_max=1.0, params={"HH_gK": float("nan")})


def test_neuron_style_attribute_assignment_is_refused_with_the_dendrax_way():
    # Bug: sec.nseg = 9, sec.L = 50, sec.diam = 4 habits were silently ignored (any attribute
    # could be set on a Cell or a selection), while cell.celsius = 37 works.
    c = dx.Cell([dx.Branch(ncomp=4)], parents=[-1])
    radius, length = c.get("radius").tolist(), c.get("length").tolist()
    for name, value, hint in [("nseg", 9, "ncomp=9"), ("L", 50.0, "set\\('length'"), ("diam", 4.0, "set\\('radius', diam / 2\\)")]:
        with pytest.raises(AttributeError, match=f"no settable attribute '{name}': .*{hint}"):
            setattr(c.branch(0), name, value)
    with pytest.raises(AttributeError, match="Cell has no settable attribute 'radius'"):
        c.radius = 7.0
    assert c.ncomp.tolist() == [4] and c.get("radius").tolist() == radius and c.get("length").tolist() == length
    c.celsius = 37.0  # a property: still works
    assert c.celsius == 37.0


def test_neuron_names_get_their_dendrax_names_in_the_error():
    # Before: "unknown parameter or state 'diam'." with no hint; 'gnabar_hh' only listed the
    # inserted mechanisms.
    c = dx.Compartment()
    c.insert(HH())
    c.record("v")
    hints = [("diam", r"'radius' \(µm\) = diam / 2"), ("gnabar_hh", "'HH_gNa'"), ("V", "'v'"), ("Ra", "'axial_resistivity'")]
    for name, hint in hints:
        with pytest.raises(KeyError, match=f"In dendrax: {hint}"):
            c.set(name, 1.0)
    with pytest.raises(KeyError, match="in dendrax: 'HH_gNa'"):
        dx.integrate(c, t_max=1.0, params={"gnabar_hh": 0.1})
    # A user review: v_init and dt had no hint; diam/nseg/L as constructor arguments neither;
    # a list of values without trainables said only "must be a list of 0 dicts".
    for name, hint in [("v_init", "'v' \\(mV"), ("dt", "delta_t=")]:
        with pytest.raises(KeyError, match=f"In dendrax: .*{hint}"):
            c.set(name, 1.0)
    for build, hint in [(lambda: dx.Branch(diam=2.0), "radius = diam / 2"), (lambda: dx.Branch(nseg=3), "ncomp"),
                        (lambda: dx.Compartment(L=10.0), "length")]:  # fmt: skip
        with pytest.raises(TypeError, match=f"unexpected keyword argument .*; in dendrax: {hint}"):
            build()
    with pytest.raises(ValueError, match="replace values with a dict instead"):
        dx.integrate(c, t_max=1.0, params=[{"HH_gNa": 0.1}])


def test_recording_a_state_at_a_branch_end_says_why_it_cannot():
    # Before: "HH is not there", on a branch where HH is inserted: the end is a node without
    # membrane (NEURON's zero-area node), which the message did not say.
    c = dx.Cell([dx.Branch(ncomp=3)], parents=[-1])
    c.insert(HH())
    with pytest.raises(ValueError, match="x=1.0: a branch's end .* is a node without membrane"):
        c.branch(0).loc(1.0).record("HH_m")
    with pytest.raises(ValueError, match="node without membrane"):
        c.branch(0).loc(1.0).clamp("HH_m", np.full(41, 0.1))
    c.branch(0).comp(-1).record("HH_m")  # the suggested alternative works


def test_loc_on_a_group_says_how_to_pick_a_point():
    c = cell()
    c.add_group("soma", c.branch(0))
    with pytest.raises(ValueError, match=r"selection is of compartments .*cell\.soma\.branch\(0\)\.loc\(0\.5\)"):
        c.soma.loc(0.5)
    c.soma.branch(0).loc(0.5).stimulate(np.zeros(41))  # the form the message gives works
    assert len(c._stimuli) == 1


def test_celsius_is_one_number_and_the_messages_say_so():
    # Were: a bare "float() argument must be ..." TypeError, and "give a number or an array of
    # shape () (one value per compartment, 6 compartments)".
    c = cell()
    with pytest.raises(ValueError, match="celsius is one temperature for the whole model"):
        c.set("celsius", [6.3, 30.0])
    assert c.celsius == 6.3
    with pytest.raises(ValueError, match=r"params\['celsius'\] is model-wide: give one number; got an array of shape \(6,\)"):
        dx.integrate(c, t_max=1.0, params={"celsius": np.full(6, 20.0)})


def test_a_neuron_name_of_a_loaded_mod_mechanism_points_to_its_dendrax_name():
    # Was: after inserting a .mod file's `hh`, set("gnabar_hh") suggested the built-in HH's
    # 'HH_gNa' (not inserted) instead of the loaded mechanism's own 'hh_gnabar'.
    Pas2 = dx.nmodl.load_source(
        """
        NEURON { SUFFIX pas2  NONSPECIFIC_CURRENT i  RANGE g, e }
        PARAMETER { g = 0.001 (S/cm2)  e = -70 (mV) }
        ASSIGNED { v (mV)  i (mA/cm2) }
        BREAKPOINT { i = g*(v - e) }
        """,
        "pas2.mod",
    )
    c = dx.Compartment()
    c.insert(Pas2())
    with pytest.raises(KeyError, match=r"In dendrax: 'pas2_g' \(NEURON's <name>_<suffix> is <suffix>_<name>\)"):
        c.set("g_pas2", 1e-4)


def test_wrong_types_found_by_a_review_say_what_is_taken():
    """Each gave a raw error from JAX or NumPy (``ufunc 'isfinite' not supported``, "Value 'a'
    with dtype |S0 is not a valid JAX array type", ``'int' object has no attribute
    'isspace'``), a misleading one, or a NumPy ComplexWarning and a result."""
    c = cell()
    c.make_trainable("HH_gNa")
    for bad in ("a", None):
        with pytest.raises(TypeError, match=r"parameters\[0\]\['HH_gNa'\] takes a number or an array of real numbers"):
            dx.integrate(c, t_max=0.1, params=[{"HH_gNa": bad}])
    with pytest.raises(TypeError, match="length takes one number"):
        dx.Branch(length="100")
    assert dx.Branch(length=np.float32(100.0)).n_comps == 1  # a NumPy or JAX scalar is a number
    with pytest.raises(TypeError, match="Sigmoid takes a number .* as lower; got '0'"):
        dx.fit.Sigmoid("0", "1")
    with pytest.raises(TypeError, match="decode bytes first"):
        dx.nmodl.load_source(b"NEURON { SUFFIX a }")
    with pytest.raises(ValueError, match=r"HH_m is a gating variable .* must be in \[0, 1\]; got 2.0"):
        c.branch(0).comp(0).clamp("HH_m", np.full(5, 2.0))  # set('HH_m', 2.0) was refused, the clamp not
    with pytest.raises(TypeError, match="a stimulus takes real numbers, one per time point; got an array of dtype complex128"):
        c.branch(0).loc(0.5).stimulate(np.full(5, 1j))
    assert c.clamps == [] and c._stimuli == []


def test_more_inputs_found_by_a_review():
    """A NaN threshold made every soft count NaN; a string seed gave NumPy's SeedSequence
    error; a mechanism default that is not one number failed as "could not convert string
    to float" (or a broadcast error at insert) without the parameter's name."""
    with pytest.raises(ValueError, match="soft_spike_count: threshold must be a finite number mV; got nan"):
        dx.fit.soft_spike_count(np.zeros(10), threshold=np.nan)
    with pytest.raises(ValueError, match="summary_statistics: threshold must be a finite"):
        dx.fit.summary_statistics(np.zeros(10), 0.025, threshold=np.inf)
    net = dx.Network([dx.Compartment(), dx.Compartment()])
    with pytest.raises(TypeError, match="seed takes a non-negative integer"):
        dx.sparse_connect(net.cell("all"), net.cell("all"), dx.synapses.ExpSyn(), p=0.5, seed="a")
    for default in ("abc", [1.0, 2.0]):

        class Odd(dx.Mechanism):
            params = {"g": default}

        with pytest.raises(TypeError, match=f"Odd: the default of 'g' must be one number; got {re.escape(repr(default))}"):
            Odd()


def test_one_value_per_compartment_of_a_selection_that_repeats_one():
    # Found by review: branch([1, 1]) lists branch 1 twice; per-compartment values were
    # accepted and the last ones kept.
    c = cell()
    with pytest.raises(ValueError, match="lists compartment 2 more than once"):
        c.branch([1, 1]).set("radius", [1.0, 1.5, 2.0, 2.5])
    assert c.get("radius").tolist() == [1.0] * 6
    c.branch([1, 1]).set("radius", 2.0)  # one value: unambiguous
    assert c.get("radius").tolist() == [1.0, 1.0, 2.0, 2.0, 1.0, 1.0]


def test_a_radius_in_metres_gets_a_warning():
    """A newcomer's review: Compartment(length=20e-6, radius=10e-6), meant in metres, ran
    silently (up to 2e11 mV). A radius below 0.01 µm (thinner than a membrane) warns; a
    spine neck's 0.05 µm does not."""
    with pytest.warns(UserWarning, match=r"radius 1e-05 µm is thinner than any neurite .* in µm"):
        dx.Compartment(length=20e-6, radius=10e-6)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx.Branch(length=1.0, radius=0.05)


def test_inserting_neurons_names_or_a_module_says_what_to_insert():
    """A newcomer's review: insert("hh") and insert(dendrax.channels.hh), a module, said only
    that insert takes a Mechanism."""
    from dendrax.channels import hh

    comp = dx.Compartment()
    with pytest.raises(TypeError, match=r"got 'hh' \(NEURON's 'hh': from dendrax.channels import HH; insert\(HH\(\)\)\)"):
        comp.insert("hh")
    with pytest.raises(TypeError, match=r"got 'pas' \(NEURON's 'pas': .*insert\(Leak\(\)\)\)"):
        comp.insert("pas")
    with pytest.raises(TypeError, match=r"a module: insert an instance of its class, e.g. insert\(HH\(\)\)"):
        comp.insert(hh)
    assert not comp.mechanisms


def test_the_low_level_step_checks_one_input_per_stimulus_and_clamp():
    """A review: `step` and `init_state` (docs/reference/lowlevel.md, for one's own time loop)
    took inputs of the wrong length: one current for three stimuli was injected at all three
    (40.8 mV instead of -18.4 mV), a current for a model without stimuli was dropped, one
    value for two voltage clamps held both, a third value was ignored."""
    from dendrax.simulate import init_state, observe, prepare, step

    comp = dx.Compartment(length=20.0, radius=10.0)
    comp.insert(HH())
    comp.record("v")
    system = comp.compile()
    prepared = prepare(system, delta_t=0.025)
    state = init_state(system, prepared)
    with pytest.raises(ValueError, match=r"i_ext must have shape \(0,\).*it has none: stimulate a site first.*got shape \(1,\)"):
        step(system, prepared, state, jnp.array([0.5]))
    assert float(observe(system, step(system, prepared, state, jnp.zeros(0)))[0]) == pytest.approx(-65.0, abs=0.1)

    cable = dx.Branch(length=300.0, radius=1.0, ncomp=3)
    cable.insert(HH())
    cable.comp([0, 1, 2]).stimulate(np.zeros(41))
    cable.comp(0).clamp("v", np.full(41, -40.0))
    cable.comp(2).clamp("v", np.full(41, -50.0))
    cable.comp(2).record("v")
    system = cable.compile()
    prepared = prepare(system, delta_t=0.025)
    state = init_state(system, prepared, jnp.array([-40.0, -50.0]))
    for i_ext, clamps, match in [
        (jnp.array([0.5]), jnp.array([-40.0, -50.0]), r"i_ext must have shape \(3,\).*got shape \(1,\)"),
        (jnp.float64(0.5), jnp.array([-40.0, -50.0]), r"i_ext must have shape \(3,\).*got shape \(\)"),
        (jnp.zeros(3), jnp.array([-40.0]), r"clamps must have shape \(2,\).*got shape \(1,\)"),
        (jnp.zeros(3), jnp.array([-40.0, -50.0, 0.0]), r"clamps must have shape \(2,\).*got shape \(3,\)"),
        (jnp.zeros(3), None, r"clamps must have shape \(2,\).*got None"),
    ]:
        with pytest.raises(ValueError, match=match):
            step(system, prepared, state, i_ext, clamps=clamps)
    with pytest.raises(ValueError, match=r"init_state: clamps must have shape \(2,\)"):
        init_state(system, prepared, jnp.array([-40.0]))
    held = observe(system, step(system, prepared, state, jnp.zeros(3), clamps=jnp.array([-40.0, -50.0])))
    assert float(held[0]) == pytest.approx(-50.0, abs=1e-9)  # the second clamp's value, at its own site


def test_recording_a_concentration_names_the_state_that_holds_it():
    # A review: record("cai") without a calcium mechanism said "Did you mean 'nai'?".
    from dendrax.channels import Ca_HVA, CaDynamics_E2

    comp = dx.Compartment()
    comp.insert(HH())
    with pytest.raises(ValueError, match=r"\(no inserted mechanism uses cai\) \(a calcium pool .*'CaDynamics_E2_cai'\)"):
        comp.record("cai")
    with pytest.raises(ValueError, match=r"none here writes nai, so it keeps its value, module.get\('nai'\)"):
        comp.record("nai")
    comp.insert(Ca_HVA())
    comp.insert(CaDynamics_E2())
    with pytest.raises(ValueError, match=r"writes it \('CaDynamics_E2_cai'\)$"):
        comp.record("cai")
    comp.record("CaDynamics_E2_cai")  # as the message says
