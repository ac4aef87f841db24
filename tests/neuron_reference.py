"""Build the NEURON model equivalent to a dendrax description, and run it.

Used by the tests that compare dendrax with NEURON: the same branches (sections with the
same nseg, length, per-segment diameter, Ra and cm), the same connections, mechanisms,
parameter values, stimuli (IClamp driven by Vector.play, so any waveform works) and
recordings. NEURON's HH rate tables are turned off: dendrax evaluates the rates exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# dendrax name -> (NEURON mechanism, {dendrax parameter: NEURON range variable})
MECHANISMS = {
    "HH": ("hh", {"gNa": "gnabar_hh", "gK": "gkbar_hh", "gLeak": "gl_hh", "eLeak": "el_hh"}),
    "Leak": ("pas", {"gLeak": "g_pas", "eLeak": "e_pas"}),
}
STATES = {"HH_m": "m_hh", "HH_h": "h_hh", "HH_n": "n_hh"}
ION_VARIABLES = ("ena", "ek")


def _add_channel_library():
    """The channel library: reference mechanisms tests/mod/dx_<Name>.mod, with dendrax's
    parameter names (built and loaded by tests.neuron_mechanisms.compiled_mechanisms())."""
    import dendrax.channels as channels

    for path in sorted((Path(__file__).parent / "mod").glob("dx_*.mod")):
        name = path.stem[3:]
        mech = getattr(channels, name, None)
        if mech is None:  # a reference for something else (a synapse, ...)
            continue
        MECHANISMS[name] = (path.stem, {k: f"{k}_{path.stem}" for k in mech.params})
        STATES.update({f"{name}_{s}": s if s in mech.writes else f"{s}_{path.stem}" for s in mech.states})


_add_channel_library()


def build(h, module):
    """Create NEURON sections for ``module``; returns (sections, clamps, vectors, recorders)."""
    data = module._data
    cols = data.columns
    starts = data.comp_start
    sections = []
    for b in range(data.n_branches):
        n = int(data.ncomp[b])
        comps = np.arange(starts[b], starts[b] + n)
        sec = h.Section(name=f"branch_{b}")
        sec.nseg = n
        lengths = cols["length"][comps]
        if not np.allclose(lengths, lengths[0], rtol=1e-12):
            raise ValueError("NEURON needs equal compartment lengths within a branch")
        ra = cols["axial_resistivity"][comps]
        if not np.allclose(ra, ra[0], rtol=1e-12):
            raise ValueError("NEURON has one Ra per section")
        if data.points[b] is not None and np.all(data.shape["area_factor"][comps] != 1.0):
            pts = data.points[b]
            for x, y, z, r in pts:
                h.pt3dadd(x, y, z, 2.0 * r, sec=sec)
        else:
            sec.L = float(lengths.sum())
        sec.Ra = float(ra[0])
        for name, (mech, _) in MECHANISMS.items():
            if name not in module._mechanisms:
                continue
            mask = module._mechanisms[name][1]
            if mask[comps].any():
                sec.insert(mech)
        for seg, c in zip(sec, comps):
            if data.points[b] is None or data.shape["area_factor"][c] == 1.0:
                seg.diam = 2.0 * float(cols["radius"][c])
            seg.cm = float(cols["capacitance"][c])
            for name, (_, mapping) in MECHANISMS.items():
                if name in module._mechanisms and module._mechanisms[name][1][c]:
                    for ours, theirs in mapping.items():
                        setattr(seg, theirs, float(cols[f"{name}_{ours}"][c]))
            for var in ION_VARIABLES:
                if var in cols and hasattr(seg, var):
                    setattr(seg, var, float(cols[var][c]))
        sections.append(sec)
    for b in range(data.n_branches):
        p = int(data.parent[b])
        if p >= 0:
            sections[b].connect(sections[p](float(data.parent_x[b])), 0)

    def segment(site):
        if site.kind == "comp":
            b = int(np.searchsorted(starts, site.index, side="right") - 1)
            k = site.index - starts[b]
            return sections[b]((k + 0.5) / data.ncomp[b])
        return sections[site.index](0.0 if site.kind == "start" else 1.0)

    clamps, vectors = [], []
    for site, wave in module._stimuli:
        ic = h.IClamp(segment(site))
        ic.delay = 0.0
        ic.dur = 1e9
        vec = h.Vector(wave)
        vec.play(ic._ref_amp, h.dt)
        clamps.append(ic)
        vectors.append(vec)
    recorders = []
    for site, var in module._recordings:
        seg = segment(site)
        ref = seg._ref_v if var == "v" else getattr(seg, "_ref_" + STATES[var])
        recorders.append(h.Vector().record(ref))
    return sections, clamps, vectors, recorders


def simulate(h, module, t_max, delta_t=0.025, second_order=False, v_init=-65.0):
    """Run NEURON on the equivalent of ``module``; returns an array like `dendrax.integrate`."""
    h.load_file("stdrun.hoc")
    h.usetable_hh = 0
    h.dt = delta_t
    h.steps_per_ms = 1.0 / delta_t
    h.secondorder = 2 if second_order else 0
    h.celsius = module.celsius
    built = build(h, module)
    h.finitialize(v_init)
    h.continuerun(t_max)
    out = np.array([r.as_numpy().copy() for r in built[3]])
    h.secondorder = 0
    return out


def spike_times(trace, delta_t, threshold=-20.0):
    """Upward threshold crossings (ms), linearly interpolated between samples."""
    trace = np.asarray(trace)
    above = trace >= threshold
    idx = np.flatnonzero(~above[:-1] & above[1:])
    frac = (threshold - trace[idx]) / (trace[idx + 1] - trace[idx])
    return (idx + frac) * delta_t
