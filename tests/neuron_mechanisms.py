"""NEURON reference mechanisms for the channel library: tests/mod/*.mod, compiled once.

Each built-in channel ``Name`` of `dendrax.channels` has a reference ``tests/mod/dx_Name.mod``
written from the same published equations (suffix ``dx_Name``: no clash with other model
files a test may load). Their parameters carry dendrax's short names (``gbar_dx_NaTa_t``)
and each exposes its own current density as the range variable ``i`` (mA/cm²).

`compiled_mechanisms` copies the files to ``tests/.nrnmech/<hash of their contents>/``
(git-ignored), runs ``nrnivmodl`` there unless that build exists already, and loads the
library into this process (once: NEURON cannot load a library twice).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MOD_DIR = Path(__file__).parent / "mod"
CACHE_DIR = Path(__file__).parent / ".nrnmech"
PREFIX = "dx_"

_loaded: Path | None = None


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _nrnivmodl() -> str:
    found = shutil.which("nrnivmodl") or str(Path(sys.executable).parent / "nrnivmodl")
    if not Path(found).exists():
        pytest.skip("NEURON's nrnivmodl is not installed")
    return found


def _library(build: Path) -> Path | None:
    hits = sorted(build.glob("*/.libs/libnrnmech.so")) + sorted(build.glob("*/libnrnmech.so"))
    return hits[0] if hits else None


def build_and_load(files: list[Path], build: Path, probe: str) -> Path:
    """Build ``files`` with ``nrnivmodl`` in ``build`` unless built there already, and load
    the library into NEURON unless the density mechanism ``probe`` is known already."""
    neuron = pytest.importorskip("neuron")
    if _library(build) is None:
        tmp = build.with_name(f"{build.name}.tmp{os.getpid()}")  # one per process: no races
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for f in files:
            shutil.copy(f, tmp / f.name)
        done = subprocess.run([_nrnivmodl()], cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0 or _library(tmp) is None:
            raise RuntimeError(f"nrnivmodl failed in {tmp}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        if _library(build) is None:
            shutil.rmtree(build, ignore_errors=True)
            try:
                tmp.rename(build)  # atomic: a half-built folder is never taken for a build
            except OSError:  # another process finished first
                if _library(build) is None:
                    raise
        shutil.rmtree(tmp, ignore_errors=True)
    if probe not in _density_mechanisms(neuron.h):  # loaded by another copy of this module?
        if not neuron.load_mechanisms(str(build), warn_if_already_loaded=False):
            raise RuntimeError(f"NEURON could not load the mechanisms built in {build}")
    return build


def compiled_mechanisms() -> Path:
    """Build (if needed) and load the reference mechanisms; returns the build folder."""
    global _loaded
    if _loaded is None:
        files = sorted(MOD_DIR.glob("*.mod"))
        _loaded = build_and_load(files, CACHE_DIR / _digest(files), f"{PREFIX}Na")
    return _loaded


def _density_mechanisms(h) -> set[str]:
    kinds = h.MechanismType(0)
    name = h.ref("")
    out = set()
    for k in range(int(kinds.count())):
        kinds.select(k)
        kinds.selected(name)
        out.add(name[0])
    return out


@pytest.fixture(scope="session")
def nrn_library() -> Path:
    """The reference mechanisms, compiled (cached across runs) and loaded once per session.

    Use it in a test module with ``from .neuron_mechanisms import nrn_library`` and
    ``pytestmark = pytest.mark.usefixtures("nrn_library")``.
    """
    return compiled_mechanisms()
