"""NEURON's reference mechanisms for the Hay L5PC and the graded synapse, compiled here.

The mod files are the project's references, ``tests/mod/dx_*.mod`` (the Hay et al. 2011
channels and calcium buffer, the graded synapse ``dx_GradedSyn``). `build` copies them to
``benchmarks/.envs/nrnmech/<hash of their contents>/`` (git-ignored) and runs NEURON's
``nrnivmodl`` there unless that build exists; `load` loads the library into this process.
`run.py` builds before the cases that need it, so that no NEURON measurement includes the
mod compilation (NEURON's models are compiled ahead, as in its usual workflow).

Only the standard library is imported at module level.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["MOD_DIR", "build", "load"]

HERE = Path(__file__).resolve().parent
MOD_DIR = HERE.parent / "tests" / "mod"
CACHE = HERE / ".envs" / "nrnmech"
NEEDED = "dx_GradedSyn"  # a mechanism that shows the library is loaded


def _files() -> list[Path]:
    files = sorted(MOD_DIR.glob("dx_*.mod"))
    if not files:
        raise FileNotFoundError(f"no reference mod files in {MOD_DIR}")
    return files


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


def _library(folder: Path) -> Path | None:
    hits = sorted(folder.glob("*/.libs/libnrnmech.so")) + sorted(folder.glob("*/libnrnmech.so"))
    return hits[0] if hits else None


def build() -> Path:
    """Compile the reference mod files (once per content); returns the build folder."""
    files = _files()
    folder = CACHE / _digest(files)
    if _library(folder) is not None:
        return folder
    nrnivmodl = shutil.which("nrnivmodl") or str(Path(sys.executable).parent / "nrnivmodl")
    if not Path(nrnivmodl).exists():
        raise FileNotFoundError("NEURON's nrnivmodl is not installed in this environment")
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in files:
        shutil.copy(f, tmp / f.name)
    done = subprocess.run([nrnivmodl], cwd=tmp, capture_output=True, text=True)
    if done.returncode != 0 or _library(tmp) is None:
        raise RuntimeError(f"nrnivmodl failed in {tmp}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if _library(folder) is None:
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load() -> Path:
    """Build if needed and load the mechanisms into this process's NEURON (once)."""
    import neuron

    folder = build()
    if not hasattr(neuron.h, NEEDED):
        if not neuron.load_mechanisms(str(folder), warn_if_already_loaded=False):
            raise RuntimeError(f"NEURON could not load the mechanisms built in {folder}")
    return folder


if __name__ == "__main__":
    print(build())
