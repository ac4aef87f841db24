"""NEURON library of the public-style test models tests/nmodl/*.mod, compiled once.

Like tests/neuron_mechanisms.py (whose build helpers it reuses) for a second folder: the
files are copied to ``tests/.nrnmech/<hash of their contents>/`` (git-ignored), built with
``nrnivmodl`` unless that build exists, and loaded into this process once. Their names
start with ``nx_`` so that they clash neither with NEURON's nor with tests/mod's ``dx_``.
The malformed snippets in tests/nmodl/bad/ are not part of the library.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .neuron_mechanisms import CACHE_DIR, _density_mechanisms, _digest, _library, _nrnivmodl

MOD_DIR = Path(__file__).parent / "nmodl"
PROBE = "nx_na8st"  # a density mechanism of the library: loaded already?

_loaded: Path | None = None


def build_folder() -> Path:
    """Where the library is (or will be) built."""
    return CACHE_DIR / _digest(sorted(MOD_DIR.glob("*.mod")))


def compiled_library() -> Path:
    """Build (if needed) and load tests/nmodl/*.mod into NEURON; returns the build folder."""
    global _loaded
    neuron = pytest.importorskip("neuron")
    if _loaded is not None:
        return _loaded
    files = sorted(MOD_DIR.glob("*.mod"))
    build = build_folder()
    if _library(build) is None:
        tmp = build.with_name(f"{build.name}.tmp{os.getpid()}")
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
                tmp.rename(build)
            except OSError:
                if _library(build) is None:
                    raise
        shutil.rmtree(tmp, ignore_errors=True)
    if PROBE not in _density_mechanisms(neuron.h):
        if not neuron.load_mechanisms(str(build), warn_if_already_loaded=False):
            raise RuntimeError(f"NEURON could not load the mechanisms built in {build}")
    _loaded = build
    return build


@pytest.fixture(scope="session")
def nmodl_library() -> Path:
    """The tests/nmodl mechanisms, compiled (cached across runs) and loaded once per session."""
    return compiled_library()
