"""NEURON's 3-D geometry of many sections at once: rounding, arc lengths, segment areas and
axial resistances, and the d_lambda rule.

These reproduce NEURON 9 operation by operation, so that per-segment areas and resistances
agree to round-off (the SWC tests check 1e-6 relative; in practice ~1e-13):

- Import3d passes each coordinate and diameter to ``pt3dadd`` through ``sprint("%.8g")``,
  and NEURON stores 3-D points as C ``float`` (`neuron_round`).
- Arc lengths accumulate in double the lengths of the float differences (`section_arcs`).
- Per segment (``diam_from_list`` in NEURON's ``treeset.cpp``): the trapezoid integrals of
  the diameter, of the lateral (frustum) area and of ``1/d²`` over each half segment; a
  piece of zero length counts as 1e-15 µm in the resistance and the area, and a piece with a
  zero diameter at an end adds ``1e15`` µm⁻¹ to the resistance integral
  (`segment_geometry`).
- The d_lambda rule of NEURON's standard ``fixnseg.hoc`` (`d_lambda_ncomp`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["SegmentGeometry", "d_lambda_ncomp", "neuron_round", "section_arcs", "segment_geometry"]

TINY = 1e-15  # NEURON's floor for a piece length (µm) and for d1 d2 / length


def neuron_round(values: np.ndarray) -> np.ndarray:
    """``float(float32(float("%.8g" % v)))`` for every value: what NEURON stores for ``v``
    passed through Import3d's ``pt3dadd(%.8g, ...)``.

    Vectorised; values within 1e-7 of a rounding tie in the eighth digit are formatted
    as strings to round exactly as C's ``printf`` does.

    Example:
        >>> import numpy as np
        >>> from dendrax.morphology.neuron_geometry import neuron_round
        >>> float(neuron_round(np.array([263.248016357]))[0])
        263.2480163574219
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        return _neuron_round(v)


def _neuron_round(v: np.ndarray) -> np.ndarray:
    flat = v.ravel()
    out = flat.copy()
    a = np.abs(flat)
    ok = np.isfinite(a) & (a > 0)
    idx = np.flatnonzero(ok)
    if len(idx):
        av = a[idx]
        e = np.floor(np.log10(av)).astype(np.int64)
        p = 7 - e  # scale so that 8 significant digits are the integer part
        for _ in range(2):  # fix log10 off by one at powers of ten
            scaled = _scale(av, p)
            p = np.where(scaled >= 1e8, p - 1, np.where(scaled < 1e7, p + 1, p))
        scaled = _scale(av, p)
        frac = scaled - np.floor(scaled)
        exact = (np.abs(frac - 0.5) > 1e-7) & (p <= 22) & (p >= -22)
        n = np.rint(scaled)
        with np.errstate(over="ignore"):
            r = np.where(p >= 0, n / 10.0 ** np.maximum(p, 0), n * 10.0 ** np.maximum(-p, 0))
        r = np.where(flat[idx] < 0, -r, r)
        hard = ~exact
        if hard.any():
            r[hard] = [float(f"{x:.8g}") for x in flat[idx[hard]]]
        out[idx] = r
    return out.astype(np.float32).astype(np.float64).reshape(v.shape)


def _scale(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.where(p >= 0, a * 10.0 ** np.maximum(p, 0), a / 10.0 ** np.maximum(-p, 0))


def section_arcs(xyz: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Arc length (µm) at every point, from 0 at each section's first point, as NEURON
    computes it: float differences of the stored float coordinates, summed in double.

    Args:
        xyz: (P, 3) coordinates (float32 values), µm.
        offsets: (S + 1,) section s owns points ``offsets[s]:offsets[s + 1]``.
    """
    x32 = np.asarray(xyz, dtype=np.float32)
    diff = (x32[1:] - x32[:-1]).astype(np.float64)
    step = np.sqrt(diff[:, 0] * diff[:, 0] + diff[:, 1] * diff[:, 1] + diff[:, 2] * diff[:, 2])
    step = np.concatenate([[0.0], step])
    step[offsets[:-1]] = 0.0
    arc = np.empty(len(step))
    for s in range(len(offsets) - 1):
        a, b = offsets[s], offsets[s + 1]
        arc[a:b] = np.cumsum(step[a:b])
    return arc


class SegmentGeometry(NamedTuple):
    """Per-segment geometry of many sections, concatenated section by section (all (N,)).

    Attributes:
        length: segment length ``L / nseg``, µm.
        diam: NEURON's segment ``diam`` (mean diameter), µm.
        area: membrane area, µm².
        ri_left, ri_right: integral of ``1/d²`` over the left and right half, µm⁻¹ (the half
            resistance in MΩ is ``4e-2 Ra / pi`` times this, Ra in Ω·cm).
        volume: the segment's volume (frusta between its points), µm³ (for `diffuse`).
    """

    length: np.ndarray
    diam: np.ndarray
    area: np.ndarray
    ri_left: np.ndarray
    ri_right: np.ndarray
    volume: np.ndarray


def segment_geometry(
    arc: np.ndarray, diam: np.ndarray, offsets: np.ndarray, ncomp: np.ndarray
) -> SegmentGeometry:
    """NEURON's ``diam_from_list`` for every segment of every section, vectorised.

    Args:
        arc: (P,) arc lengths from `section_arcs`, µm.
        diam: (P,) diameters (float32 values), µm.
        offsets: (S + 1,) point ranges of the sections (each with >= 2 points).
        ncomp: (S,) segments per section.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    ncomp = np.asarray(ncomp, dtype=np.int64)
    d = np.abs(np.asarray(diam, dtype=np.float64))
    n_sec = len(ncomp)
    total = arc[offsets[1:] - 1]
    ds = total / ncomp
    # Half-segment ends, as NEURON computes them: si = i ds; sip = si + ds/2; sip + ds/2.
    cut_sec = np.repeat(np.arange(n_sec), 2 * ncomp)
    cut_start = np.concatenate([[0], np.cumsum(2 * ncomp)])
    half = np.arange(len(cut_sec)) - cut_start[cut_sec]
    seg = half // 2
    mid = seg * ds[cut_sec] + ds[cut_sec] / 2.0
    cuts = np.where(half % 2 == 0, mid, mid + ds[cut_sec] / 2.0)
    n_cuts = len(cuts)

    # Pieces between consecutive points of a section, split at the cuts strictly inside.
    point_sec = np.repeat(np.arange(n_sec), np.diff(offsets))
    last_point = np.zeros(len(arc), dtype=bool)
    last_point[offsets[1:] - 1] = True
    j = np.flatnonzero(~last_point)
    psec = point_sec[j]
    x0, x1 = arc[j], arc[j + 1]
    y0, y1 = d[j], d[j + 1]
    keys = cut_sec + 1j * cuts
    first = np.searchsorted(keys, psec + 1j * x0, side="right")
    last = np.searchsorted(keys, psec + 1j * x1, side="left")
    n_inner = np.maximum(last - first, 0)
    n_sub = n_inner + 1
    piece = np.repeat(np.arange(len(j)), n_sub)
    k = np.arange(len(piece)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    fi = first[piece] + k
    inner_end = k < n_inner[piece]
    lo = np.where(k == 0, x0[piece], cuts[np.clip(fi - 1, 0, n_cuts - 1)])
    hi = np.where(inner_end, cuts[np.clip(fi, 0, n_cuts - 1)], x1[piece])
    where = np.where(inner_end, fi, last[piece])  # global index of the half the sub-piece ends in
    span = x1[piece] - x0[piece]
    ya, yb = y0[piece], y1[piece]
    with np.errstate(invalid="ignore", divide="ignore"):
        f_lo = np.where(span > 0, (lo - x0[piece]) / span, 0.0)
        f_hi = np.where(span > 0, (hi - x0[piece]) / span, 1.0)
    d_lo = np.where(k == 0, ya, (1.0 - f_lo) * ya + f_lo * yb)
    d_hi = np.where(inner_end, (1.0 - f_hi) * ya + f_hi * yb, yb)
    # Beyond a section's last cut (round-off): NEURON stops integrating there.
    inside = where < cut_start[psec[piece] + 1]
    delta = hi - lo
    diam_int = (d_hi + d_lo) * delta
    delta_c = np.where(delta < TINY, TINY, delta)
    temp = d_hi * d_lo / delta_c
    inv = 1.0 / np.where(temp == 0.0, TINY, temp)
    taper = 0.5 * (d_hi - d_lo)
    lateral = (d_hi + d_lo) * np.sqrt(delta_c * delta_c + taper * taper)
    frustum = np.pi / 12.0 * delta * (d_lo * d_lo + d_lo * d_hi + d_hi * d_hi)
    volume_h = np.bincount(where[inside], weights=frustum[inside], minlength=n_cuts)
    # Where a piece of positive length starts exactly at a half's end, NEURON closes that
    # half with a zero-length piece (its split at the end, at fraction 0): it adds 1e-15 µm
    # worth of area and 1e-15 / d² (1e15 if d = 0) to the resistance integral.
    at = np.searchsorted(keys, psec + 1j * x0, side="left")
    at_c = np.minimum(at, n_cuts - 1)
    touch = (at < n_cuts) & (keys[at_c] == psec + 1j * x0) & (x1 > x0)
    yt = y0[touch]
    temp_t = yt * yt / TINY
    w = np.concatenate([where[inside], at_c[touch]])
    lateral = np.concatenate([lateral[inside], 2.0 * yt * TINY])
    inv = np.concatenate([inv[inside], 1.0 / np.where(temp_t == 0.0, TINY, temp_t)])
    diam_int = np.concatenate([diam_int[inside], np.zeros(len(yt))])
    area_h = np.bincount(w, weights=lateral, minlength=n_cuts)
    ri_h = np.bincount(w, weights=inv, minlength=n_cuts)
    diam_h = np.bincount(w, weights=diam_int, minlength=n_cuts)
    seg_ds = np.repeat(ds, ncomp)
    return SegmentGeometry(
        length=seg_ds,
        diam=(diam_h[0::2] + diam_h[1::2]) * 0.5 / seg_ds,
        area=(area_h[0::2] + area_h[1::2]) * 0.5 * np.pi,
        ri_left=ri_h[0::2],
        ri_right=ri_h[1::2],
        volume=volume_h[0::2] + volume_h[1::2],
    )


def d_lambda_ncomp(
    arc: np.ndarray,
    diam: np.ndarray,
    offsets: np.ndarray,
    d_lambda: float,
    frequency: float,
    axial_resistivity: np.ndarray | float,
    capacitance: np.ndarray | float,
) -> np.ndarray:
    """``nseg = int((L / (d_lambda * lambda_f(f)) + 0.9) / 2) * 2 + 1`` per section, with
    ``lambda_f`` from the 3-D points as in NEURON's ``fixnseg.hoc``.

    Args:
        arc, diam: per point, µm (as for `segment_geometry`).
        offsets: (S + 1,) point ranges.
        d_lambda: maximum compartment length as a fraction of the AC length constant.
        frequency: Hz.
        axial_resistivity: Ω·cm, scalar or per section.
        capacitance: µF/cm², scalar or per section.
    """
    d = np.abs(np.asarray(diam, dtype=np.float64))
    n_sec = len(offsets) - 1
    total = arc[offsets[1:] - 1]
    step = np.diff(arc)
    dsum = d[1:] + d[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = step / np.sqrt(dsum)
    lam = np.zeros(n_sec)
    for s in range(n_sec):  # hoc sums the pieces in order; cumsum does too
        pieces = term[offsets[s] : offsets[s + 1] - 1]
        lam[s] = np.cumsum(pieces)[-1] if len(pieces) else 0.0
    lam = lam * (
        np.sqrt(2.0) * 1e-5 * np.sqrt(4.0 * np.pi * frequency * np.asarray(axial_resistivity) * capacitance)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        lambda_f = total / lam
        x = (total / (d_lambda * lambda_f) + 0.9) / 2.0
    return np.trunc(x).astype(np.int64) * 2 + 1
