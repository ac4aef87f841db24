"""The losses of dx.fit reject traces and settings they cannot compare (naming the bad
value, before any tracing), and smooth a trace shorter than their kernel correctly."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dendrax as dx

DT = 0.025  # ms
# The smoothed traces are float64 sums of at most a few hundred terms of order 1e2 mV, added
# in another order than the reference's: their rounding stays far below this relative error.
SMOOTH_TOL = 1e-9


def trace(t_max=5.0, spike_at=2.0):
    """A flat trace at -65 mV with one 1-sample spike to +30 mV (mV, one sample per DT)."""
    v = np.full(int(round(t_max / DT)), -65.0)
    v[int(round(spike_at / DT))] = 30.0
    return v


def smoothed_reference(x, sigma, delta_t):
    """Gaussian smoothing over 3 sigma with the trace zero-padded, by an explicit O(T²) sum."""
    half = max(1, round(3 * sigma / delta_t))
    norm = np.sum(np.exp(-0.5 * (np.arange(-half, half + 1) * delta_t / sigma) ** 2))
    i = np.arange(x.shape[-1])
    lag = i[:, None] - i[None, :]
    w = np.where(np.abs(lag) <= half, np.exp(-0.5 * (lag * delta_t / sigma) ** 2), 0.0)
    return x @ w.T / norm


@pytest.mark.parametrize(
    "loss",
    [dx.fit.mse, lambda v, target: dx.fit.smoothed_mse(v, target, sigma=0.5, delta_t=DT)],
    ids=["mse", "smoothed_mse"],
)
@pytest.mark.parametrize("shapes", [((1, 200), (200, 1)), ((3, 200), (200,)), ((200,), (199,))])
def test_losses_reject_mismatched_shapes(loss, shapes):
    v, target = np.zeros(shapes[0]), np.zeros(shapes[1])
    with pytest.raises(ValueError, match=f"{re.escape(str(shapes[0]))}.*{re.escape(str(shapes[1]))}"):
        loss(v, target)
    with pytest.raises(ValueError, match="shape"):  # before tracing: the shapes are static
        jax.jit(loss)(v, target)


def test_mse_rejects_empty_traces():
    with pytest.raises(ValueError, match="empty"):
        dx.fit.mse(np.zeros((2, 0)), np.zeros((2, 0)))


@pytest.mark.parametrize("t_max, sigma", [(5.0, 1.0), (1.0, 0.5), (0.05, 0.02), (5.0, 0.5)])
def test_smoothed_mse_matches_a_direct_weighted_sum(t_max, sigma):
    """Kernels (6 sigma) longer than the trace are truncated to it without changing the
    result; the last case, a kernel shorter than the trace, is the control."""
    v, target = trace(t_max, spike_at=0.0), trace(t_max, spike_at=t_max - DT)  # a spike at each end
    got = float(dx.fit.smoothed_mse(v, target, sigma=sigma, delta_t=DT))
    want = np.mean((smoothed_reference(v, sigma, DT) - smoothed_reference(target, sigma, DT)) ** 2)
    assert want > 1e-3  # mV²: the traces differ after smoothing
    np.testing.assert_allclose(got, want, rtol=SMOOTH_TOL)


def test_smoothed_mse_batches_like_single_traces():
    v = np.stack([trace(spike_at=1.0), trace(spike_at=3.0)])[:, None]  # (stimuli, recordings, time)
    target = np.stack([trace(spike_at=1.2), trace(spike_at=2.0)])[:, None]
    batched = float(dx.fit.smoothed_mse(v, target, sigma=1.0, delta_t=DT))
    single = [float(dx.fit.smoothed_mse(a[0], b[0], sigma=1.0, delta_t=DT)) for a, b in zip(v, target)]
    np.testing.assert_allclose(batched, np.mean(single), rtol=SMOOTH_TOL)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sigma": 0.0, "delta_t": DT}, "sigma must be a finite number > 0 ms; got 0.0"),
        ({"sigma": -1.0, "delta_t": DT}, "sigma must be a finite number > 0 ms; got -1.0"),
        ({"sigma": np.nan, "delta_t": DT}, "sigma must be a finite number > 0 ms; got nan"),
        ({"sigma": 1.0, "delta_t": 0.0}, "delta_t must be a finite number > 0 ms; got 0.0"),
        ({"sigma": 1.0, "delta_t": -DT}, "delta_t must be a finite number > 0 ms; got -0.025"),
    ],
)
def test_smoothed_mse_rejects_bad_widths(kwargs, match):
    v = trace()
    with pytest.raises(ValueError, match=match):
        dx.fit.smoothed_mse(v, v, **kwargs)


def test_smoothed_mse_rejects_an_absurd_kernel():
    v = trace()
    with pytest.raises(ValueError, match="is 1e\\+09 steps of delta_t"):
        dx.fit.smoothed_mse(v, v, sigma=1e9 * DT, delta_t=DT)


def test_smoothed_mse_needs_concrete_widths():
    v = trace()
    with pytest.raises(TypeError, match="sigma must be a number"):
        jax.jit(lambda s: dx.fit.smoothed_mse(v, v, sigma=s, delta_t=DT))(1.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda v: dx.fit.soft_spike_count(v, sharpness=0.0), "sharpness must be a finite number > 0"),
        (lambda v: dx.fit.soft_spike_count(v[0]), "time axis"),
        (
            lambda v: dx.fit.summary_statistics(v, delta_t=0.0),
            "delta_t must be a finite number > 0 ms; got 0.0",
        ),
        (lambda v: dx.fit.summary_statistics(v, DT, sharpness=-1.0), "sharpness must be a finite number > 0"),
        (lambda v: dx.fit.summary_statistics(v[:1], DT), "at least 2 samples"),
    ],
)
def test_feature_losses_reject_bad_settings(call, match):
    with pytest.raises(ValueError, match=match):
        call(jnp.asarray(trace()))


def test_summary_statistics_of_a_flat_trace_have_a_finite_gradient():
    # Bug: jnp.std's derivative is infinite at zero variance, so a cell at rest (or any flat
    # trace) gave NaN gradients even through the mean feature alone.
    flat = jnp.full((2, 100), -65.0)
    grad = jax.grad(lambda v: jnp.sum(dx.fit.summary_statistics(v, delta_t=0.025)[..., :2]))(flat)
    assert np.all(np.isfinite(np.asarray(grad)))
    np.testing.assert_allclose(grad, 1.0 / 100)  # d mean / dv; the std contributes 0 there
    # Away from zero variance the std's gradient is unchanged: (v - mean) / (n std).
    v = jnp.asarray(np.random.default_rng(0).normal(-60.0, 3.0, 50))
    g = jax.grad(lambda v: dx.fit.summary_statistics(v, delta_t=0.025)[1])(v)
    np.testing.assert_allclose(g, (v - v.mean()) / (50 * v.std()), rtol=1e-10)


def test_summary_statistics_of_a_nan_trace_are_nan():
    # Bug: the zero-variance guard (var > 0) also turned a NaN variance into a standard
    # deviation of 0, so a loss on that feature hid a diverged simulation.
    v = jnp.asarray(trace()).at[..., 10].set(jnp.nan)
    mean, std = np.asarray(dx.fit.summary_statistics(v, DT))[..., :2].T
    assert np.all(np.isnan(mean)) and np.all(np.isnan(std))


def test_integer_traces_are_compared_as_numbers():
    """A review: integer traces (a recording digitised as int16) were compared in integer
    arithmetic: mse of ±300 mV int16 traces overflowed to 21546.7 (it is 240000 mV²), and a
    uint8 spike counted 0 (the difference wrapped round)."""
    a, b = np.int16([0, 300, -300]), np.int16([0, -300, 300])
    assert float(dx.fit.mse(a, b)) == pytest.approx(240000.0, rel=1e-12)
    assert float(dx.fit.smoothed_mse(a, b, sigma=0.05, delta_t=DT)) == pytest.approx(
        float(dx.fit.smoothed_mse(a.astype(float), b.astype(float), sigma=0.05, delta_t=DT)), rel=1e-12
    )
    spike = np.uint8([0, 200, 0])
    assert float(dx.fit.soft_spike_count(spike, threshold=100.0)) == pytest.approx(
        float(dx.fit.soft_spike_count(spike.astype(float), threshold=100.0)), rel=1e-12
    )
    assert float(dx.fit.soft_spike_count(spike, threshold=100.0)) > 0.99
    np.testing.assert_allclose(
        dx.fit.summary_statistics(spike, delta_t=DT, threshold=100.0),
        dx.fit.summary_statistics(spike.astype(float), delta_t=DT, threshold=100.0),
        rtol=1e-12,
    )
