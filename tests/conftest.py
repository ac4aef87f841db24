"""Test configuration: float64, strict dtype promotion, several CPU devices, NEURON helpers."""

import os

# Several host devices, so that sharding code can be tested on CPU; set before JAX starts.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")


@pytest.fixture
def neuron_h():
    """NEURON's ``h`` with rate tables off and no sections left from earlier tests."""
    h = pytest.importorskip("neuron").h
    h.load_file("stdrun.hoc")
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    h.usetable_hh = 0
    h.secondorder = 0
    h.celsius = 6.3
    h.dt = 0.025
    yield h
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    h.secondorder = 0
    h.celsius = 6.3
