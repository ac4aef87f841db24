"""Configuration for all tests and doctests: float64, strict dtype promotion, 4 CPU devices,
one test process per core (pytest-xdist, at most four), one compilation cache for the run."""

import os
import shutil
import tempfile

# Several host devices, so that sharding code can be tested on CPU; set before JAX starts.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

# One JAX compilation cache for the whole run, made by the first process (pytest itself, or
# the xdist controller) and inherited by its workers and by the tests' subprocesses: many
# tests compile the same programs (the same cells, steppers and solves), and compiling is
# most of the suite's time. It is new for each run (nothing carries over between runs) and
# removed at the end. Set JAX_COMPILATION_CACHE_DIR to choose one, or to "" for none.
# Measured on 2 cores: test_against_neuron, test_gradients and test_training 131 s without,
# 118 s with; the whole suite 14 min 28 s before, 12 min 58 s with it and test_sharding's
# lighter subprocesses together.
_OWN_CACHE = None
if "PYTEST_XDIST_WORKER" not in os.environ and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _OWN_CACHE = tempfile.mkdtemp(prefix="dendrax-test-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _OWN_CACHE
    # Every program, however quick to compile or small (JAX's defaults skip those).
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one test process per core, at most four. XLA compiles on
    one core and compiling is most of the suite's time, so cores divide it; each process
    keeps its compiled models and NEURON (two took 5.6 GB together), hence the cap."""
    return max(1, min(os.cpu_count() or 1, 4))


def pytest_unconfigure(config):
    if _OWN_CACHE is not None and not hasattr(config, "workerinput"):
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)
