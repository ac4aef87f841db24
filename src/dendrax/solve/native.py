"""The voltage solve as one compiled CPU routine: the serial elimination, as NEURON does it.

On a CPU the vectorised solve (`hines`) costs a couple of dozen small XLA kernels per step,
each with a fixed dispatch cost, and as many kernels to compile. For one cell or an
unbatched network, one serial pass over the nodes (`tree_solve.cc`, an XLA FFI handler) is
faster, and compiles in a fraction of the time: on the benchmark cells 0.4-0.5 s instead of
0.9-1.3 s. The result is the same solve (exact, O(n)), differing by round-off only.

It is used when all of these hold, and the vectorised solve otherwise:

- JAX's default backend is the CPU (GPUs and TPUs keep the vectorised solve);
- the call is not batched by ``jax.vmap`` (a batch is solved by the vectorised solve, which
  vectorises over the batch as well);
- the routine could be built: the first use compiles ``tree_solve.cc`` with the system's C++
  compiler (``$CXX``, else ``c++`` or ``g++``; about 3 s) against JAX's FFI headers, into
  ``$DENDRAX_CACHE`` (default ``~/.cache/dendrax``), where later processes find it;
- ``DENDRAX_NATIVE_SOLVE`` is not ``0``.

Without a compiler (or if the build fails) everything works as before; `status()` says why.
It is called inside ``lax.custom_linear_solve`` (`hines.solve_voltage_system`), whose
derivative rules only call it again, or inside the hand-written adjoint's `jax.custom_vjp`
(`dendrax.adjoint`), which solves the adjoint system with it: derivatives of any order
never differentiate it. A
program that contains it cannot be serialised with ``jax.export`` (XLA gives custom calls
no compatibility guarantee): export with ``DENDRAX_NATIVE_SOLVE=0``.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np
from jaxtyping import Array, Float

from ..manual_axes import varying_axes

__all__ = ["enabled", "solve", "status", "supports"]

_SOURCE = Path(__file__).with_name("tree_solve.cc")
_TARGETS = {np.dtype(np.float64): "dendrax_tree_solve_f64", np.dtype(np.float32): "dendrax_tree_solve_f32"}
_SYMBOLS = {"dendrax_tree_solve_f64": "DendraxTreeSolveF64", "dendrax_tree_solve_f32": "DendraxTreeSolveF32"}
_state: dict[str, object] = {}  # "ok": bool, "why": str, "path": str


def status() -> str:
    """Whether the compiled CPU solve is in use in this process, and why not if it is not.

    Example:
        >>> from dendrax.solve import native
        >>> native.status().split(":")[0] in ("in use", "not in use")
        True
    """
    if jax.default_backend() != "cpu":
        return f"not in use: JAX's default backend is {jax.default_backend()} (the compiled solve is for the CPU)"
    if _load():
        return f"in use: {_state['path']}"
    return f"not in use: {_state['why']}"


def enabled() -> bool:
    """True when the compiled solve can serve an unbatched solve traced now (see module doc)."""
    return jax.default_backend() == "cpu" and _load()


def _load() -> bool:
    if "ok" in _state:
        return bool(_state["ok"])
    try:
        if os.environ.get("DENDRAX_NATIVE_SOLVE", "1") == "0":
            raise RuntimeError("switched off by DENDRAX_NATIVE_SOLVE=0")
        path = _build()
        lib = ctypes.cdll.LoadLibrary(str(path))
        for target, symbol in _SYMBOLS.items():
            jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(getattr(lib, symbol)), platform="cpu")
        _state.update(ok=True, path=str(path), lib=lib)
    except Exception as error:  # any failure leaves the vectorised solve in place
        _state.update(ok=False, why=f"{type(error).__name__}: {error}")
    return bool(_state["ok"])


def _build() -> Path:
    """The shared library for this source, JAX and machine: from the cache, or compiled now."""
    compiler = shlex.split(os.environ.get("CXX", "")) or [c for c in (shutil.which("c++") or shutil.which("g++"),) if c]
    if not compiler:
        raise RuntimeError("no C++ compiler found (set CXX, or install g++)")
    include = jax.ffi.include_dir()
    flags = ["-O3", "-std=c++17", "-shared", "-fPIC", "-w", f"-I{include}"]
    key = hashlib.sha256()
    parts = (_SOURCE.read_bytes(), jax.__version__, jaxlib.__version__, platform.machine(), " ".join(compiler + flags))
    for part in parts:
        part = part if isinstance(part, bytes) else part.encode()
        key.update(part)
    cache = Path(os.environ.get("DENDRAX_CACHE") or Path.home() / ".cache" / "dendrax")
    target = cache / f"tree_solve-{key.hexdigest()[:16]}.so"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:  # built aside, then moved: atomic
        built = Path(tmp) / target.name
        result = subprocess.run(
            [*compiler, *flags, str(_SOURCE), "-o", str(built)], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(compiler)} failed: {result.stderr.strip()[-500:]}")
        os.replace(built, target)
    return target


def solve(
    order: np.ndarray,
    parent: np.ndarray,
    weights: tuple[Array, ...],
    diag: Float[Array, " nodes"],
    rhs: Float[Array, " nodes"],
    vectorised: Callable[[tuple[Array, ...], Array, Array], Array],
) -> Float[Array, " nodes"]:
    """``A x = rhs`` by the compiled routine; ``vectorised(weights, diag, rhs)`` under ``vmap``.

    ``order``/``parent``: the nodes children first, and each node's parent (-1 for a root);
    ``weights[-1][k]``: the entry of ``A`` joining node ``k`` to its parent (the other
    entries of ``weights`` are for ``vectorised``). Call only when `enabled()`.
    """
    order32, parent32 = jnp.asarray(order, jnp.int32), jnp.asarray(parent, jnp.int32)

    @jax.custom_batching.custom_vmap
    def compiled(weights, diag, rhs):
        call = jax.ffi.ffi_call(_TARGETS[np.dtype(rhs.dtype)], jax.ShapeDtypeStruct(rhs.shape, rhs.dtype))
        return call(diag, rhs, weights[-1], order32, parent32)

    @compiled.def_vmap
    def _batched(axis_size, in_batched, weights, diag, rhs):
        axes = jax.tree.map(lambda batched: 0 if batched else None, tuple(in_batched))
        return jax.vmap(vectorised, in_axes=axes, axis_size=axis_size)(weights, diag, rhs), True

    return compiled(weights, diag, rhs)


def supports(weights: tuple[Array, ...], diag: Array, rhs: Array) -> bool:
    """Whether the compiled routine takes these operands (float32 or float64, one dtype, none
    that differs across devices inside `jax.shard_map`, whose per-device types its batching
    rule does not carry; operands the same on every device are fine)."""
    dtypes = {np.dtype(a.dtype) for a in (weights[-1], diag, rhs)}
    if any(varying_axes(a) for a in (weights[-1], diag, rhs)):
        return False
    return len(dtypes) == 1 and dtypes <= set(_TARGETS)
