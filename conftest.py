"""Configuration for all tests and doctests: float64, strict dtype promotion, 4 CPU devices,
one test process per core (pytest-xdist, at most four)."""

import os

# Several host devices, so that sharding code can be tested on CPU; set before JAX starts.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one test process per core, at most four. XLA compiles on
    one core and compiling is most of the suite's time, so cores divide it; each process
    keeps its compiled models and NEURON (two took 5.6 GB together), hence the cap."""
    return max(1, min(os.cpu_count() or 1, 4))
