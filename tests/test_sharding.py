"""Parameter sets spread over devices with `jax.shard_map`: the same traces and gradients as
`jax.vmap` on one device. Run in a subprocess with four CPU devices (XLA's device count is
fixed when JAX starts; CPU devices even where a GPU is present), with the compiled CPU solve
on and off."""

import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)
from jax.sharding import Mesh, PartitionSpec as P
import dendrax as dx
from dendrax.channels import HH

cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
cell.insert(HH())
cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 2.0, 0.5, 0.025, 5.0))
cell.branch(2).loc(1.0).record("v")
sim = dx.simulator(cell, t_max=5.0)
g = jnp.linspace(0.08, 0.16, 8)  # S/cm²: eight parameter sets, two per device
mesh = Mesh(np.array(jax.devices()), ("d",))
batched = lambda gs: jax.vmap(lambda x: sim({"HH_gNa": x}))(gs)
sharded = jax.jit(jax.shard_map(batched, mesh=mesh, in_specs=P("d"), out_specs=P("d")))
one_each = jax.jit(jax.shard_map(lambda gs: sim({"HH_gNa": gs[0]})[None], mesh=mesh, in_specs=P("d"), out_specs=P("d")))
ref = batched(g)
loss = lambda f: (lambda gs: jnp.sum(f(gs)[:, 0, -50:] ** 2))
grad, grad_ref = jax.grad(loss(sharded))(g), jax.grad(loss(batched))(g)
# Starting at rest (a fixed-point loop) and JAX's own derivative (no hand-written adjoint):
# both go through the solve's custom_linear_solve rule outside shard_map.
other = []
for kw in (dict(initial=dx.Rest()), dict(checkpoint=dx.Checkpoint(adjoint=False))):
    s2 = dx.simulator(cell, t_max=5.0, **kw)
    b2 = lambda gs: jax.vmap(lambda x: s2({"HH_gNa": x}))(gs)
    sh2 = jax.jit(jax.shard_map(b2, mesh=mesh, in_specs=P("d"), out_specs=P("d")))
    other.append(float(jnp.abs(sh2(g) - b2(g)).max()))
    gr2, gr2_ref = jax.grad(loss(sh2))(g), jax.grad(loss(b2))(g)
    other.append(float(jnp.abs(gr2 - gr2_ref).max() / jnp.abs(gr2_ref).max()))
print(len(jax.devices()), float(jnp.abs(ref).max()), float(jnp.abs(sharded(g) - ref).max()),
      float(jnp.abs(one_each(g[:4]) - ref[:4]).max()),
      float(jnp.abs(grad - grad_ref).max() / jnp.abs(grad_ref).max()), max(other))
"""


@pytest.mark.parametrize("native", ["1", "0"])
def test_shard_map_over_parameter_sets_equals_vmap(native):
    env = dict(
        os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_force_host_platform_device_count=4", DENDRAX_NATIVE_SOLVE=native
    )
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    devices, scale, traces, one_each, grad, rest_and_plain_ad = (float(x) for x in out.stdout.split())
    assert devices == 4 and scale > 30.0  # four devices; the cell spikes (|v| up to ~40 mV)
    # float64; each device runs the same program on its share: differences are round-off
    # (the vectorised and the compiled solve differ by ~1e-12 mV on this cell).
    assert traces < 1e-9 and one_each < 1e-9
    assert grad < 1e-9
    assert rest_and_plain_ad < 1e-9  # dx.Rest() and Checkpoint(adjoint=False): traces, gradients
