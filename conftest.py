"""Configuration for all tests and doctests: float64, strict dtype promotion, 4 CPU devices."""

import os

# Several host devices, so that sharding code can be tested on CPU; set before JAX starts.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_dtype_promotion", "strict")
