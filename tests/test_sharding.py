"""Parameter sets spread over devices with `jax.shard_map`: the same traces and gradients as
one device running them one after another. Run in a subprocess with four CPU devices (XLA's
device count is fixed when JAX starts; CPU devices even where a GPU is present).

Batches (two parameter sets per device, `vmap` inside `shard_map`) always take the vectorised
solve; one parameter set per device takes the compiled CPU solve when it is on. So the full
check (batches; one set per device from the default, the resting and the JAX-derivative
simulator) runs with the compiled solve on, and with it off only one set per device from
the default simulator runs again: the rest would be the same programs twice. Compiling the
sharded gradients is most of the time (about a minute on two cores).
"""

import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import os
import jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)
from jax.sharding import Mesh, PartitionSpec as P
import dendrax as dx
from dendrax.channels import HH

cell = dx.Cell([dx.Branch(length=100.0, radius=1.0, ncomp=4)] * 3, parents=[-1, 0, 0])
cell.insert(HH())
cell.branch(0).loc(0.0).stimulate(dx.step_current(1.0, 2.0, 0.5, 0.025, 5.0))
cell.branch(2).loc(1.0).record("v")
g = jnp.linspace(0.08, 0.16, 8)  # S/cm²: eight parameter sets, two per device
mesh = Mesh(np.array(jax.devices()), ("d",))
shard = lambda f: jax.jit(jax.shard_map(f, mesh=mesh, in_specs=P("d"), out_specs=P("d")))
loss = lambda f: (lambda gs: jnp.sum(f(gs)[:, 0, -50:] ** 2))
rel = lambda a, b: float(jnp.abs(a - b).max() / jnp.abs(b).max())

def check(sim, gs, one_each):
    # (|v| max, trace difference, relative gradient difference) of shard_map against a loop
    # over the parameter sets on one device (lax.map: one set at a time, as a user would)
    single = lambda p: sim({"HH_gNa": p})
    looped = lambda x: jax.lax.map(single, x)
    sharded = shard(lambda x: single(x[0])[None]) if one_each else shard(lambda x: jax.vmap(single)(x))
    ref = jax.jit(looped)(gs)
    grad, grad_ref = jax.jit(jax.grad(loss(sharded)))(gs), jax.jit(jax.grad(loss(looped)))(gs)
    return float(jnp.abs(ref).max()), float(jnp.abs(sharded(gs) - ref).max()), rel(grad, grad_ref)

sim = dx.simulator(cell, t_max=5.0)
results = [check(sim, g[:4], one_each=True)]
if os.environ["FULL"] == "1":
    results.append(check(sim, g, one_each=False))
    # Starting at rest (a fixed-point loop) and JAX's own derivative (no hand-written
    # adjoint): both go through the solve's custom_linear_solve rule outside shard_map. One
    # simulator does both (two took 40 s more to compile).
    rest_jax = dx.simulator(cell, t_max=5.0, initial=dx.Rest(), checkpoint=dx.Checkpoint(adjoint=False))
    results.append(check(rest_jax, g[:4], one_each=True))
print(len(jax.devices()), len(results), min(r[0] for r in results), max(r[1] for r in results),
      max(r[2] for r in results))
"""


@pytest.mark.parametrize(
    ("native", "full"), [("1", "1"), ("0", "0")], ids=["compiled_solve", "vectorised_solve"]
)
def test_shard_map_over_parameter_sets_equals_vmap(native, full):
    env = dict(
        os.environ,
        JAX_PLATFORMS="cpu",
        XLA_FLAGS="--xla_force_host_platform_device_count=4",
        DENDRAX_NATIVE_SOLVE=native,
        FULL=full,
    )
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    devices, checks, scale, traces, grad = (float(x) for x in out.stdout.split())
    assert devices == 4 and checks == (3 if full == "1" else 1)
    assert scale > 30.0  # every parameter set's cell spikes (|v| up to ~40 mV)
    # float64; each device runs the same program on its share: differences are round-off
    # (the vectorised and the compiled solve differ by ~1e-12 mV on this cell).
    assert traces < 1e-9
    assert grad < 1e-9


TRAINS_SCRIPT = r"""
import jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)
from jax.sharding import Mesh, PartitionSpec as P
import dendrax as dx
from dendrax.channels import HH
from dendrax.synapses import ExpSyn

soma = dx.Compartment(length=20.0, radius=10.0)
soma.insert(HH())
net = dx.Network([soma, soma])
trains = net.add_spike_trains([[1.0, 3.0], [2.0]])
dx.connect(trains, net.cell([0, 1]), ExpSyn(), weight=0.05, delay=1.0)
net.cell(0).record("v")
sim = dx.simulator(net, t_max=5.0)
rasters = np.zeros((4, 2, 201))  # one input pattern per device, spikes at different times
for i in range(4):
    rasters[i, 0, 40 + 10 * i] = rasters[i, 1, 60 + 5 * i] = 1.0
rasters = jnp.asarray(rasters)
ref = np.stack([np.asarray(sim(spike_trains=r)) for r in rasters])
mesh = Mesh(np.array(jax.devices()), ("d",))
sharded = jax.jit(jax.shard_map(jax.vmap(lambda r: sim(spike_trains=r)), mesh=mesh, in_specs=P("d"), out_specs=P("d")))
# Gradients with respect to the rasters (the hand-written adjoint's zero spike buffer was
# not marked varying across devices: JAX refused the cotangent's type; a review).
loss = lambda f: (lambda r: jnp.sum(f(r)[:, 0, -40:] ** 2))
grad = jax.jit(jax.grad(loss(sharded)))(rasters)
grad_ref = jax.jit(jax.grad(loss(lambda x: jax.lax.map(lambda r: sim(spike_trains=r), x))))(rasters)
print(len(jax.devices()), float(np.abs(ref[0] - ref[1]).max()), float(np.abs(np.asarray(sharded(rasters)) - ref).max()),
      float(jnp.abs(grad_ref).max()), float(jnp.abs(grad - grad_ref).max() / jnp.abs(grad_ref).max()))
"""


def test_shard_map_over_spike_inputs_equals_a_loop():
    # spike_trains= was left out of the inputs whose sharding the state takes, so sharding
    # input rasters failed in the scan ("the carry ... varying manual axes").
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_force_host_platform_device_count=4")
    out = subprocess.run([sys.executable, "-c", TRAINS_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    devices, spread, diff, grad_scale, grad = (float(x) for x in out.stdout.split())
    assert devices == 4
    assert spread > 10.0  # the patterns drive the cell differently (one spikes where another does not)
    assert diff < 1e-9  # float64, same program per device: round-off only
    assert grad_scale > 1.0 and grad < 1e-9
