"""NEURON library of the public-style test models tests/nmodl/*.mod, compiled once.

Like tests/neuron_mechanisms.py (whose build helpers it reuses) for a second folder: the
files are copied to ``tests/.nrnmech/<hash of their contents>/`` (git-ignored), built with
``nrnivmodl`` unless that build exists, and loaded into this process once. Their names
start with ``nx_`` so that they clash neither with NEURON's nor with tests/mod's ``dx_``.
The malformed snippets in tests/nmodl/bad/ are not part of the library.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .neuron_mechanisms import CACHE_DIR, _digest, build_and_load

MOD_DIR = Path(__file__).parent / "nmodl"
PROBE = "nx_na8st"  # a density mechanism of the library: loaded already?

_loaded: Path | None = None


def build_folder() -> Path:
    """Where the library is (or will be) built."""
    return CACHE_DIR / _digest(sorted(MOD_DIR.glob("*.mod")))


def compiled_library() -> Path:
    """Build (if needed) and load tests/nmodl/*.mod into NEURON; returns the build folder."""
    global _loaded
    if _loaded is None:
        _loaded = build_and_load(sorted(MOD_DIR.glob("*.mod")), build_folder(), PROBE)
    return _loaded


@pytest.fixture(scope="session")
def nmodl_library() -> Path:
    """The tests/nmodl mechanisms, compiled (cached across runs) and loaded once per session."""
    return compiled_library()
