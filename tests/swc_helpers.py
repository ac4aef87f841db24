"""Shared helpers for the SWC and morphology tests: file locations, NEURON's Import3d,
the mapping between dendrax branches and NEURON's section names, and per-compartment
areas and axial resistances of a dendrax cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SWC_DIR = Path(__file__).parent / "data" / "swc"
SHARED_MORPHOLOGIES = Path(__file__).parents[1] / ".." / "shared" / "data" / "morphologies"
HAND_FILES = sorted(p.name for p in SWC_DIR.glob("*.swc"))
# NEURON 9.0.2 crashes on files whose ids are not in increasing order (see test_swc.py).
NEURON_READABLE = [name for name in HAND_FILES if name != "unsorted_gaps.swc"]
REAL_FILES = ["l5pc_with_axon.swc", "ca1_n120.swc"]


def hand_file(name: str) -> Path:
    return SWC_DIR / name


def real_file(name: str) -> Path:
    path = SHARED_MORPHOLOGIES / name
    if not path.exists():
        pytest.skip(f"shared morphology {path} is absent (expected in ../shared/data/morphologies)")
    return path


def load_neuron(h, path: Path) -> dict:
    """Read ``path`` with NEURON's Import3d (as ``Import3d_GUI.instantiate(None)``);
    returns its sections by name."""
    h.load_file("import3d.hoc")
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    reader = h.Import3d_SWC_read()
    reader.quiet = 1
    reader.input(str(path))
    gui = h.Import3d_GUI(reader, False)
    gui.instantiate(None)
    return {sec.name(): sec for sec in h.allsec()}


def neuron_centre(sec, x: float) -> list[float]:
    """The 3-D point (µm) at fraction ``x`` of NEURON section ``sec``'s arc length."""
    arc = [sec.arc3d(i) for i in range(sec.n3d())]
    return [float(np.interp(x * sec.L, arc, [getattr(sec, f"{a}3d")(i) for i in range(sec.n3d())])) for a in "xyz"]


def neuron_names(cell) -> list[str]:
    """NEURON's name for each branch (the public `dx.neuron_section_names`)."""
    import dendrax as dx

    return dx.neuron_section_names(cell)


def compartment_area(cell) -> np.ndarray:
    """Membrane area of every compartment, µm² (as the simulator computes it)."""
    c, s = cell._data.columns, cell._data.shape
    return 2.0 * np.pi * c["radius"] * c["length"] * s["area_factor"]


def half_resistances(cell) -> tuple[np.ndarray, np.ndarray]:
    """Left and right half-compartment axial resistances, MΩ."""
    c, s = cell._data.columns, cell._data.shape
    half = 1e-2 * c["axial_resistivity"] * (c["length"] / 2.0) / (np.pi * c["radius"] ** 2)
    return half * s["resistance_factor_left"], half * s["resistance_factor_right"]


def neuron_ri(cell) -> np.ndarray:
    """Per compartment, the resistance to its parent node (NEURON's ``seg.ri()``): the left
    half for a branch's first compartment, else the previous right half plus the left half."""
    left, right = half_resistances(cell)
    first = np.zeros(cell.n_comps, dtype=bool)
    first[cell._data.comp_start] = True
    prev_right = np.concatenate([[0.0], right[:-1]])
    return np.where(first, left, prev_right + left)


def spike_times(trace: np.ndarray, delta_t: float, threshold: float = -20.0) -> np.ndarray:
    """Upward threshold crossings (ms), linearly interpolated between samples."""
    trace = np.asarray(trace)
    above = trace >= threshold
    idx = np.flatnonzero(~above[:-1] & above[1:])
    frac = (threshold - trace[idx]) / (trace[idx + 1] - trace[idx])
    return (idx + frac) * delta_t
