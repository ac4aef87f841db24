"""Areas and axial resistances of compartments cut from a branch given by 3-D points.

A branch is a polyline of 3-D points with a diameter at each point; between points the
diameter varies linearly (a chain of frustums). As in NEURON, a branch of arc length ``L``
cut into ``n`` compartments has its nodes at the centres ``(i + 1/2) L / n``; each
compartment's membrane area is the lateral area (slant height included) of the frustums
over its extent, and the axial resistance between neighbouring nodes is the integral of
``4 Ra / (pi d(x)^2)`` over the two half-compartments between them (for a linearly varying
diameter ``d`` over a piece of length ``dx``: ``4 Ra dx / (pi d0 d1)``).

A piece of zero length between two points with different diameters (a step in diameter)
contributes the area of the annulus between them and no resistance; it belongs to the half
compartment whose extent ``(a, b]`` contains it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .neuron_geometry import TINY

__all__ = ["BranchGeometry", "arc_lengths", "branch_geometry"]


class BranchGeometry(NamedTuple):
    """Per-compartment geometry of one branch, all float64 arrays of shape (ncomp,).

    Attributes:
        length: compartment length, µm.
        radius: mean radius (length-weighted mean of the diameter, halved), µm.
        area: membrane area, µm².
        resistance_left, resistance_right: the integral of ``1 / d(x)^2`` (µm⁻¹) over the
            left and right half of the compartment. The half resistance in MΩ is
            ``4e-2 Ra / pi`` times this, with ``Ra`` in Ω·cm.
        volume: the compartment's volume, µm³ (for concentrations and diffusion).
    """

    length: np.ndarray
    radius: np.ndarray
    area: np.ndarray
    resistance_left: np.ndarray
    resistance_right: np.ndarray
    volume: np.ndarray


def arc_lengths(xyz: np.ndarray) -> np.ndarray:
    """Cumulative path length (µm) along points of shape (P, 3), starting at 0."""
    steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(steps)])


def branch_geometry(xyz: np.ndarray, diameter: np.ndarray, ncomp: int) -> BranchGeometry:
    """Geometry of the ``ncomp`` compartments of a branch through 3-D points.

    Args:
        xyz: point coordinates, µm, shape (P, 3) with P >= 2.
        diameter: diameter at each point, µm, shape (P,).
        ncomp: number of compartments.
    """
    arc = arc_lengths(np.asarray(xyz, dtype=np.float64))
    d = np.asarray(diameter, dtype=np.float64)
    total = arc[-1]
    cuts = np.linspace(0.0, total, 2 * ncomp + 1)  # half-compartment boundaries
    area, resist, diam_integral, volume = _integrate_halves(arc, d, cuts)
    half = total / (2 * ncomp)
    length = np.full(ncomp, 2 * half)
    mean_diameter = (diam_integral[0::2] + diam_integral[1::2]) / length if total > 0 else d[:1].repeat(ncomp)
    return BranchGeometry(
        length=length,
        radius=mean_diameter / 2.0,
        area=area[0::2] + area[1::2],
        resistance_left=resist[0::2],
        resistance_right=resist[1::2],
        volume=volume[0::2] + volume[1::2],
    )


def _integrate_halves(arc: np.ndarray, d: np.ndarray, cuts: np.ndarray):
    """Lateral area, integral of 1/d², integral of d and volume over each interval between ``cuts``."""
    n_int = len(cuts) - 1
    x0, x1 = arc[:-1], arc[1:]
    d0, d1 = d[:-1], d[1:]
    # Split every piece at the cuts strictly inside it.
    first = np.searchsorted(cuts, x0, side="right")
    last = np.searchsorted(cuts, x1, side="left")
    n_inner = np.maximum(last - first, 0)
    n_sub = n_inner + 1
    piece = np.repeat(np.arange(len(x0)), n_sub)
    k = np.arange(len(piece)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)  # sub index in piece
    # Sub-piece bounds: piece start, inner cuts, piece end.
    inner_pos = first[piece] + k  # index of the cut ending sub-piece k (when k < n_inner)
    lo = np.where(k == 0, x0[piece], cuts[np.clip(inner_pos - 1, 0, n_int)])
    hi = np.where(k == n_inner[piece], x1[piece], cuts[np.clip(inner_pos, 0, n_int)])
    span = x1[piece] - x0[piece]
    with np.errstate(invalid="ignore", divide="ignore"):
        f_lo = np.where(span > 0, (lo - x0[piece]) / span, 0.0)
        f_hi = np.where(span > 0, (hi - x0[piece]) / span, 1.0)
    da = d0[piece] + (d1[piece] - d0[piece]) * f_lo
    db = d0[piece] + (d1[piece] - d0[piece]) * f_hi
    dx = hi - lo
    # Interval of each sub-piece: the one whose (a, b] holds its end (its start for x = 0).
    where = np.searchsorted(cuts, hi, side="left") - 1
    where = np.clip(where, 0, n_int - 1)
    lateral = np.pi * (da + db) / 2.0 * np.sqrt(dx * dx + ((db - da) / 2.0) ** 2)
    # A piece with a zero diameter at an end: NEURON's floor, d0 d1 / dx at least 1e-15 µm,
    # adds 1e15 µm⁻¹ (an infinite resistance made every trace NaN where the end node behind
    # it was recorded or stimulated: a review).
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sq = np.where(dx > 0, 1.0 / np.maximum(da * db / dx, TINY), 0.0)
    mean_d = (da + db) / 2.0 * dx
    frustum_volume = np.pi / 12.0 * dx * (da * da + da * db + db * db)
    area = np.bincount(where, weights=lateral, minlength=n_int)
    resist = np.bincount(where, weights=inv_sq, minlength=n_int)
    diam = np.bincount(where, weights=mean_d, minlength=n_int)
    volume = np.bincount(where, weights=frustum_volume, minlength=n_int)
    return area, resist, diam, volume
