"""jit, vmap and grad apply to integrate; changing parameter values never recompiles; the
parameter transforms of dx.fit reject names and values they cannot map, before any tracing."""

import logging
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx
from dendrax.channels import HH
from dendrax.integrate import _run

T_MAX, DT = 10.0, 0.025


def tree():
    cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 4.0, 0.3, DT, T_MAX))
    cell.branch(1).loc(1.0).record("v")
    cell.branch(2).loc(0.5).record("HH_n")
    return cell


def test_jit_vmap_and_loop_agree():
    cell = tree()
    g_na = jnp.array([0.08, 0.12, 0.2])

    def run(g):
        return dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": g})

    looped = np.stack([np.asarray(run(g)) for g in g_na])
    jitted = np.stack([np.asarray(jax.jit(run)(g)) for g in g_na])
    vmapped = np.asarray(jax.jit(jax.vmap(run))(g_na))
    # Same operations in the same order: identical up to the reassociation XLA may do.
    np.testing.assert_allclose(jitted, looped, rtol=0, atol=1e-10)
    np.testing.assert_allclose(vmapped, looped, rtol=0, atol=1e-10)
    assert not np.allclose(looped[0], looped[2])  # the parameter matters


def test_vmap_over_stimuli():
    cell = tree()
    base = np.stack([w for _, w in cell.stimuli])
    amplitudes = jnp.array([0.0, 1.0, 2.0])
    out = jax.vmap(lambda a: dx.integrate(cell, t_max=T_MAX, delta_t=DT, stimuli=a * base))(amplitudes)
    single = dx.integrate(cell, t_max=T_MAX, delta_t=DT, stimuli=2.0 * base)
    np.testing.assert_allclose(np.asarray(out[2]), np.asarray(single), atol=1e-10)
    assert np.ptp(np.asarray(out[0][0])) < 1.0  # no stimulus: stays at rest


def test_building_and_running_compile_nothing_but_the_simulation(caplog):
    """`jnp.asarray` of a NumPy array compiles a small XLA program per shape (JAX >= 0.10):
    building the benchmarks' tree compiled three (0.16 s instead of 0.04 s on a CPU, and the
    likely cause of 2 s builds on a GPU), `integrate` three more before the simulation, and
    `get_parameters` one per shape."""
    jax.config.update("jax_log_compiles", True)
    try:
        with caplog.at_level(logging.WARNING, logger="jax"):
            cell = tree()
            cell.branch(0).loc(0.5).stimulate(dx.step_current(1.0, 2.0, 0.3, DT, T_MAX))
            system = cell.compile()
            dx.integrate(system, t_max=T_MAX, delta_t=DT, params={"HH_gNa": 0.2, "HH_gK": np.full(12, 0.03)})
            cell.branch("all").make_trainable("HH_gNa")
            dx.simulator(cell, t_max=T_MAX, delta_t=DT)(cell.get_parameters())
    finally:
        jax.config.update("jax_log_compiles", False)
    assert re.findall(r"Compiling (\S+)", caplog.text) == ["jit(_run)", "jit(_run)"]  # without, with a trainable


def test_changing_values_does_not_recompile():
    cell = tree()
    dx.integrate(cell, t_max=T_MAX, delta_t=DT)
    size = _run._cache_size()
    cell.branch(1).set("HH_gK", 0.05)
    cell.set("radius", 1.3)
    dx.integrate(cell, t_max=T_MAX, delta_t=DT)
    dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": 0.3})
    dx.integrate(cell, t_max=T_MAX, delta_t=0.0125 * 2)
    assert _run._cache_size() <= size + 1  # + the params dict with one override

    traces = []

    @jax.jit
    def f(g):
        traces.append(1)
        return dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gNa": g})

    for g in (0.1, 0.11, 0.12):
        f(g)
    assert len(traces) == 1


def test_values_of_another_type_do_not_recompile():
    # An int, a float32 number under float64, a weakly typed jnp scalar, float32 or integer
    # stimuli, and a number for a trainable where an array had been: each compiled the whole
    # run again (0.6-0.9 s; found by a review of speed). They are cast to the model's dtype.
    cell = tree()
    n = int(round(T_MAX / DT)) + 1
    stimulus = np.zeros((1, n))
    dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gK": 0.03}, stimuli=stimulus)
    size = _run._cache_size()
    for value in (1, np.float32(0.04), jnp.asarray(0.05), np.full(12, 0.04, np.float32)):
        dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gK": value}, stimuli=stimulus)
    # JAX arrays too: float32, integer and weakly typed ones (jnp.full(shape, 0.1)) compiled
    # the run again (a review of stimuli); only NumPy arrays were cast.
    waveforms = (stimulus.astype(np.float32), stimulus.astype(np.int64), jnp.asarray(stimulus, jnp.float32),
                 jnp.zeros(stimulus.shape, jnp.int32), jnp.full(stimulus.shape, 0.0), jnp.asarray(stimulus))
    for waveform in waveforms:
        dx.integrate(cell, t_max=T_MAX, delta_t=DT, params={"HH_gK": 0.03}, stimuli=waveform)
    assert _run._cache_size() == size
    cell.branch("all").make_trainable("HH_gNa")
    dx.integrate(cell, t_max=T_MAX, delta_t=DT, params=[{"HH_gNa": np.full(3, 0.1)}])
    size = _run._cache_size()
    one = dx.integrate(cell, t_max=T_MAX, delta_t=DT, params=[{"HH_gNa": 0.2}])  # one value for all
    assert _run._cache_size() == size
    # Concrete JAX arrays for a trainable: a weakly typed scalar, float32, integers, a
    # float64 scalar each compiled the run again (0.45 s; review of fitting).
    for value in (jnp.asarray(0.2), jnp.full(3, 0.2, jnp.float32), jnp.array([0, 0, 0]), jnp.asarray(0.2, float)):
        dx.integrate(cell, t_max=T_MAX, delta_t=DT, params=[{"HH_gNa": value}])
    assert _run._cache_size() == size
    every = dx.integrate(cell, t_max=T_MAX, delta_t=DT, params=[{"HH_gNa": np.full(3, 0.2)}])
    np.testing.assert_array_equal(np.asarray(one), np.asarray(every))


def test_a_copy_is_independent():
    cell = tree()
    twin = cell.copy()
    twin.set("HH_gNa", 0.0)
    a = dx.integrate(cell, t_max=T_MAX, delta_t=DT)
    b = dx.integrate(twin, t_max=T_MAX, delta_t=DT)
    assert float(jnp.max(a[0])) > 0.0 > float(jnp.max(b[0]))


# ---------------------------------------------------------------------- dx.fit transforms
def test_param_transform_rejects_a_name_absent_from_the_params():
    params = [{"HH_gNa": jnp.array([3.0])}, {"radius": jnp.array([1.0])}]
    typo = dx.fit.ParamTransform({"HH_gna": dx.fit.Sigmoid(0.0, 0.5)})
    for method in (typo.forward, typo.inverse):
        with pytest.raises(ValueError, match=r"'HH_gna'.*did you mean 'HH_gNa'\?.*HH_gNa, radius"):
            method(params)
    with pytest.raises(ValueError, match=r"'HH_gna'.*did you mean 'HH_gNa'"):
        typo.forward({"HH_gNa": jnp.array([3.0])})  # a dict of parameters too
    # A name needs to occur in one entry of the list only, not in each.
    bounds = dx.fit.ParamTransform({"HH_gNa": dx.fit.Sigmoid(0.0, 0.5), "radius": dx.fit.Exp()})
    values = bounds.forward(bounds.inverse([{"HH_gNa": 0.12}, {"radius": 1.0}, {"HH_gK": 0.036}]))
    np.testing.assert_allclose([float(p[k]) for p in values for k in p], [0.12, 1.0, 0.036], rtol=1e-12)


@pytest.mark.parametrize(
    "transform, value, bounds",
    [
        (dx.fit.Sigmoid(0.2, 0.5), 0.12, "between 0.2 and 0.5"),
        (dx.fit.Sigmoid(0.2, 0.5), 0.5, "between 0.2 and 0.5"),  # a bound maps to infinity
        (dx.fit.Sigmoid(0.2, 0.5), np.nan, "between 0.2 and 0.5"),
        (dx.fit.Exp(0.1), 0.05, "above 0.1"),
        (dx.fit.Exp(0.0), 0.0, "above 0.0"),
        (dx.fit.Softplus(0.2), 0.1, "above 0.2"),
        (dx.fit.Softplus(0.2), -3.0, "above 0.2"),
    ],
)
def test_inverse_rejects_values_outside_the_range(transform, value, bounds):
    values = jnp.array([0.3, value, 0.4])  # inside the range but for one
    with pytest.raises(ValueError, match=f"{bounds}.*got {re.escape(str(value))} at index 1"):
        transform.inverse(values)
    named = dx.fit.ParamTransform({"HH_gNa": transform})
    with pytest.raises(ValueError, match=f"'HH_gNa'.*{bounds}.*got {re.escape(str(value))}"):
        named.inverse([{"HH_gK": 0.036}, {"HH_gNa": value}])
    # Under tracing the value is unknown: no check, and the mapping still compiles.
    assert np.all(np.isfinite(np.asarray(jax.jit(transform.inverse)(jnp.array([0.3, 0.4])))))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: dx.fit.Affine(scale=0.0), "scale must be nonzero"),
        (lambda: dx.fit.Sigmoid(0.0, np.inf), "finite"),
        (lambda: dx.fit.Exp(np.nan), "finite"),
        (lambda: dx.fit.Softplus(-np.inf), "finite"),
    ],
)
def test_transforms_reject_bounds_they_cannot_map(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_inverse_outside_array_bounds_names_the_value_and_its_bounds():
    # Bug: bounds given as arrays (one per value) ended in "TypeError: Only scalar arrays can
    # be converted" instead of the ValueError that scalar bounds give.
    t = dx.fit.Sigmoid(jnp.array([0.0, 0.1]), jnp.array([0.5, 0.2]))
    with pytest.raises(ValueError, match=r"strictly between 0.1 and 0.2 .*got 0.3 at index 1"):
        t.inverse(jnp.array([0.12, 0.3]))
    np.testing.assert_allclose(t.forward(t.inverse(jnp.array([0.25, 0.15]))), [0.25, 0.15], rtol=1e-12)
    # One value against array bounds is checked against each (it was NumPy's "cannot
    # broadcast a non-scalar to a scalar array"; a review).
    with pytest.raises(ValueError, match=r"strictly between 0.1 and 0.2 .*got 0.3 at index 1"):
        t.inverse(0.3)


def test_inverse_refuses_complex_values():
    # NumPy orders complex numbers: 0.5+0.1j passed the range check and came back complex
    # (a review). Real values are unaffected.
    with pytest.raises(TypeError, match=r"inverse takes real numbers"):
        dx.fit.Sigmoid(0.0, 1.0).inverse(0.5 + 0.1j)
    with pytest.raises(TypeError, match=r"params\[0\]\['HH_gNa'\]: .*takes real numbers"):
        dx.fit.ParamTransform({"HH_gNa": dx.fit.Exp(0.0)}).inverse([{"HH_gNa": 0.5 + 0j}])
    with pytest.raises(TypeError, match=r"params\[0\]\['HH_gK'\]: .*takes real numbers"):
        dx.fit.ParamTransform({}).inverse([{"HH_gK": np.array([1j])}])  # no transform: still refused
    assert float(dx.fit.Exp(0.0).inverse(np.e)) == pytest.approx(1.0, rel=1e-15)


def test_transform_methods_jit_and_saturated_values_get_a_hint():
    """A user review: ``jax.jit(pt.forward)`` raised "unhashable type: 'dict'"; a value that
    forward saturated to a bound failed inverse without saying why."""
    pt = dx.fit.ParamTransform({"HH_gNa": dx.fit.Sigmoid(0.0, 0.5)})
    u = [{"HH_gNa": jnp.array([0.3, 37.0])}]
    y = jax.jit(pt.forward)(u)
    np.testing.assert_allclose(y[0]["HH_gNa"], pt.forward(u)[0]["HH_gNa"], rtol=0)
    assert float(y[0]["HH_gNa"][1]) == 0.5  # saturated: exactly the bound in float64
    with pytest.raises(ValueError, match="pushed the parameter far"):
        pt.inverse(y)
    back = pt.inverse([{"HH_gNa": jnp.clip(y[0]["HH_gNa"], 0.0, 0.5 - 1e-6 * 0.5)}])
    assert np.all(np.isfinite(np.asarray(back[0]["HH_gNa"])))


def test_per_entry_transforms_bound_one_parameter_trained_in_two_groups():
    """A user review: HH_gNa trainable in the soma and in the dendrites could get only one
    set of bounds. A list of dicts (one per make_trainable call) bounds each on its own."""
    cell = dx.Cell([dx.Branch(ncomp=2)] * 3, parents=[-1, 0, 0])
    cell.insert(HH())
    cell.branch(0).make_trainable("HH_gNa", init_value=0.3)
    cell.branch([1, 2]).make_trainable("HH_gNa", init_value=0.01)
    cell.make_trainable("HH_gK")
    t = dx.fit.ParamTransform([{"HH_gNa": dx.fit.Sigmoid(0.1, 0.5)}, {"HH_gNa": dx.fit.Sigmoid(0.0, 0.02)}, {}])
    params = cell.get_parameters()
    u = t.inverse(params)
    np.testing.assert_allclose(u[0]["HH_gNa"], 0.0, atol=1e-12)  # logit((0.3 - 0.1) / 0.4) = logit(0.5)
    np.testing.assert_allclose(u[1]["HH_gNa"], 0.0, atol=1e-12)  # the middle of (0, 0.02)
    back = t.forward(u)
    for got, want in zip(back, params):
        np.testing.assert_allclose(next(iter(got.values())), next(iter(want.values())), rtol=1e-12)
    huge = t.forward([{"HH_gNa": jnp.array([50.0])}, {"HH_gNa": jnp.array([50.0])}, params[2]])
    assert float(huge[0]["HH_gNa"][0]) <= 0.5 and float(huge[1]["HH_gNa"][0]) <= 0.02  # each its own bounds
    with pytest.raises(ValueError, match="one dict per entry of get_parameters\\(\\) \\(3\\); got list of length 2"):
        t.forward(params[:2])
    with pytest.raises(ValueError, match="ParamTransform\\[2\\] has a transform for 'HH_gNa', but parameters\\[2\\]"):
        dx.fit.ParamTransform([{}, {}, {"HH_gNa": dx.fit.Exp()}]).forward(params)
    with pytest.raises(TypeError, match="ParamTransform\\[1\\] must be a dict"):
        dx.fit.ParamTransform([{}, dx.fit.Exp()])


@pytest.mark.parametrize("transform", [dx.fit.Exp(), dx.fit.Softplus(), dx.fit.Sigmoid(0.0, 1.0)])
def test_values_nearer_the_lower_bound_than_the_smallest_normal_number_stay_finite(transform):
    """1e-320 is subnormal; XLA flushes it to zero on CPU, so its inverse was log(0) = -inf
    and the optimiser's first step NaN. It now maps to the smallest normal number's
    (2.2e-308): finite, and forward brings it back to within 2.3e-308 of the value."""
    u = transform.inverse(jnp.array([1e-320, 1e-3]))
    assert np.all(np.isfinite(np.asarray(u)))
    assert float(u[0]) < -700.0  # log(2.2e-308) = -708.4: as far below as float64 reaches
    back = np.asarray(transform.forward(u))
    np.testing.assert_allclose(back, [1e-320, 1e-3], rtol=1e-12, atol=2.3e-308)


def test_integer_values_and_bounds_still_invert():
    # A review: the subnormal floor asked finfo of an integer dtype ("int32 not inexact").
    assert float(dx.fit.Exp(lower=1).inverse(3)) == pytest.approx(np.log(2.0), rel=1e-15)
    np.testing.assert_allclose(dx.fit.Softplus(lower=0).inverse(jnp.array([1, 2])), np.log(np.expm1([1.0, 2.0])), rtol=1e-12)


@pytest.mark.parametrize("x64", [True, False], ids=["float64", "float32"])
def test_sigmoid_inverse_near_its_upper_bound_is_finite_or_refused(x64):
    """A review: the range check ran in float64 and the inverse in the working dtype, with
    only the lower side kept away from 0. In float32, Sigmoid(-84.9, -83.9).inverse of
    forward(13.0) was inf (and NaN for other bounds); in float64 the value one rounding
    below the upper bound gave inf for 465 of 2,000 random bounds. Each inverse is now
    finite and equal to log((y - lower) / (upper - lower)) computed exactly, or a value that
    rounds onto a bound is refused with the saturation hint."""
    rng = np.random.default_rng(0)
    with jax.enable_x64(x64):
        dtype = np.float64 if x64 else np.float32
        for _ in range(200):
            lower, upper = np.sort(rng.normal(size=2) * rng.choice([1e-3, 1.0, 100.0])).astype(dtype)
            t = dx.fit.Sigmoid(float(lower), float(upper))
            for y in (np.nextafter(upper, dtype(-np.inf)), np.nextafter(lower, dtype(np.inf))):
                x = float(t.inverse(y))
                exact = np.log(float(y) - float(lower)) - np.log(float(upper) - float(y))  # float64 of the same distances
                assert np.isfinite(x) and x == pytest.approx(exact, rel=1e-6)
            for x in (13.0, 20.0, 40.0):  # saturated far against the upper bound
                y = t.forward(x)
                try:
                    back = float(t.inverse(y))
                except ValueError as err:
                    assert "saturated" in str(err)
                else:
                    assert np.isfinite(back)
        with pytest.raises(ValueError, match="strictly between 0.0 and 0.3 .*saturated"):
            dx.fit.Sigmoid(0.0, 0.3).inverse(dx.fit.Sigmoid(0.0, 0.3).forward(40.0))


def test_transforms_with_traced_bounds_invert_under_jit_and_vmap():
    # A review: the range check converted traced bounds to NumPy (TracerArrayConversionError).
    lows = jnp.array([0.0, 0.1])
    np.testing.assert_allclose(
        jax.vmap(lambda lo: dx.fit.Sigmoid(lo, 1.0).inverse(0.5))(lows), [0.0, np.log(0.4 / 0.5)], rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(jax.vmap(lambda lo: dx.fit.Exp(lo).inverse(2.0))(lows), np.log(2.0 - np.asarray(lows)), rtol=1e-12)
    t = dx.fit.Sigmoid(0.0, 0.5)
    assert float(jax.jit(lambda t: t.inverse(0.12))(t)) == pytest.approx(np.log(0.12 / 0.38), rel=1e-12)


def test_sigmoid_forward_takes_integers():
    assert float(dx.fit.Sigmoid(0.0, 1.0).forward(0)) == 0.5  # was "logistic does not accept dtype int32"
    assert float(dx.fit.ParamTransform({"HH_gNa": dx.fit.Sigmoid(0.0, 0.5)}).forward([{"HH_gNa": 0}])[0]["HH_gNa"]) == 0.25


def test_param_transform_keeps_its_own_copy_and_checks_keys():
    """A review: the user's dict was kept, so a transform added to it later skipped the
    checks, and a jitted forward kept the old bounds while an eager call used the new."""
    bounds = {"HH_gNa": dx.fit.Sigmoid(0.0, 0.5)}
    t = dx.fit.ParamTransform(bounds)
    forward = jax.jit(t.forward)
    bounds["HH_gNa"] = dx.fit.Sigmoid(0.0, 1.0)
    bounds["HH_gK"] = "not a transform"
    assert float(t.forward({"HH_gNa": 0.0})["HH_gNa"]) == float(forward({"HH_gNa": 0.0})["HH_gNa"]) == 0.25
    with pytest.raises(TypeError, match="names .* got the key 0"):
        dx.fit.ParamTransform({0: dx.fit.Exp()})
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a dict"):
        dx.fit.ParamTransform([{"HH_gNa": dx.fit.Exp()}]).forward([0.1])
    with pytest.raises(ValueError, match=r"shape \(2,\), which do not match its bounds' shape \(3,\)"):
        dx.fit.Sigmoid(jnp.zeros(3), 1.0).inverse(jnp.full(2, 0.5))
