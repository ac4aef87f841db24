"""The interpreters the runners use: the project's own, and a Jaxley environment made here.

dendrax and NEURON run in the project's environment (the interpreter that runs `run.py`;
NEURON comes with the ``test`` extra). Jaxley runs in ``benchmarks/.envs/jaxley``, a
virtual environment this module creates with ``python -m venv`` and fills from
``requirements-jaxley.txt`` (every version pinned). Nothing is installed anywhere else.

The environment is rebuilt when the requirements change (a hash is kept beside it). On a
machine with an NVIDIA GPU, JAX's CUDA plugin (``jax[cuda12]`` at the pinned JAX version)
is added to it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

__all__ = ["ENVS", "gpu_present", "jaxley_python", "project_python", "sees_gpu"]

HERE = Path(__file__).resolve().parent
ENVS = HERE / ".envs"
JAXLEY_ENV = ENVS / "jaxley"
REQUIREMENTS = HERE / "requirements-jaxley.txt"
STAMP = ".requirements-sha256"
CUDA_EXTRA = "cuda12"


def project_python() -> str:
    """The interpreter of the project's environment (the one running this script)."""
    missing = [m for m in ("dendrax", "neuron", "jax") if importlib.util.find_spec(m) is None]
    if missing:
        raise SystemExit(
            f"run.py must run in the project's environment, with {', '.join(missing)} importable; "
            "e.g. `.venv/bin/python benchmarks/run.py` after `pip install -e '.[test]'`"
        )
    return sys.executable


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA GPU (``nvidia-smi -L`` lists one)."""
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def sees_gpu(python: str) -> bool:
    """Whether JAX under ``python`` sees a GPU."""
    code = "import jax\ntry:\n print(len(jax.devices('gpu')))\nexcept RuntimeError:\n print(0)"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False
    lines = out.stdout.split()
    return out.returncode == 0 and bool(lines) and lines[-1].isdigit() and int(lines[-1]) > 0


def _pinned_jax() -> str:
    match = re.search(r"^jax==(\S+)", REQUIREMENTS.read_text(), flags=re.MULTILINE)
    if match is None:
        raise SystemExit(f"{REQUIREMENTS} must pin jax (jax==X.Y.Z)")
    return match.group(1)


def jaxley_python(install: bool = True, gpu: bool = False) -> str | None:
    """The Jaxley environment's interpreter, creating or updating the environment if needed.

    Returns None when it does not exist and ``install`` is False.
    """
    python = JAXLEY_ENV / "bin" / "python"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes() + (b"gpu" if gpu else b"")).hexdigest()
    stamp = JAXLEY_ENV / STAMP
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return str(python)
    if not install:
        return str(python) if python.exists() else None
    print(f"[envs] making the Jaxley environment in {JAXLEY_ENV} (pinned: {REQUIREMENTS.name})", flush=True)
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(JAXLEY_ENV)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
    if gpu:
        subprocess.run(pip + [f"jax[{CUDA_EXTRA}]=={_pinned_jax()}"], check=True)
    stamp.write_text(wanted + "\n")
    return str(python)
