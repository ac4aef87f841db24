"""Runner: build and time one benchmark case in NEURON, the reference (see `measure.py`).

NEURON runs in float64 with its default fixed-step scheme (backward Euler, ``cnexp`` gates,
``secondorder = 0``) and its HH rate tables off (``h.usetable_hh = 0``: dendrax and Jaxley
compute the rates exactly). A run is ``finitialize`` plus ``ParallelContext.psolve`` (the
time loop in C, without the interpreter's per-step overhead of ``continuerun``), one
thread.

It has no batching and no automatic gradient, so:

- a batch of ``n`` parameter sets costs ``n`` times the median time of one set (it would be
  run serially, one set after another; it is not run ``n`` times here);
- the gradient is by central finite differences, ``2 P + 1`` runs for ``P`` parameters;
  the values are the reference for the gradients of dendrax and Jaxley.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import cases as C
from measure import Record, RunnerArgs, Skip, main, median_time, timed

FD_RELATIVE_STEP = 1e-4  # central differences: error O(h²) ~ 1e-8 relative, round-off ~ 1e-10


def _start_neuron(args: RunnerArgs, record: Record):
    if args.case.device == "gpu":
        record.notes.append("NEURON runs on the CPU: reference traces and serial CPU time")
    start = time.perf_counter()
    from neuron import h

    h.load_file("stdrun.hoc")
    record.times["import"] = time.perf_counter() - start
    import neuron

    record.versions = {"neuron": neuron.__version__}
    record.device = "cpu"
    if args.dtype != "float64":
        raise Skip("NEURON computes in float64 only")
    return h


class Model:
    """A NEURON model of one case: its sections, clamps and recording vectors."""

    def __init__(self, h, case: C.Case):
        self.h = h
        self.case = case
        h.usetable_hh = 0
        h.celsius = C.CELSIUS
        h.dt = C.DT
        h.secondorder = 0
        h.CVode().active(0)
        model = case.model
        if model == "single":
            sec = h.Section(name="comp")
            sec.L, sec.diam, sec.nseg = C.SINGLE_LENGTH, 2.0 * C.SINGLE_RADIUS, 1
            self.sections = [sec]
            stim_seg, rec_segs = sec(0.5), [sec(0.5)]
        elif model == "tree":
            secs = []
            for i in range(C.TREE_BRANCHES):
                sec = h.Section(name=f"branch{i}")
                sec.L, sec.diam, sec.nseg = C.TREE_LENGTH, 2.0 * C.TREE_RADIUS, C.TREE_NCOMP
                secs.append(sec)
            for i, p in enumerate(C.TREE_PARENTS):
                if p >= 0:
                    secs[i].connect(secs[p](1.0), 0.0)
            self.sections = secs
            first = 0.5 / C.TREE_NCOMP
            stim_seg = secs[0](first)
            rec_segs = [secs[0](first), secs[C.TREE_LEAF](1.0 - first)]
        elif model in C.MORPHOLOGIES:
            self.sections = self._read_swc(C.MORPHOLOGIES[model])
            somata = [s for s in self.sections if s.name().startswith("soma")]
            if not somata:
                raise Skip("the SWC cell has no soma section")
            soma = max(somata, key=lambda s: s.L)
            stim_seg, rec_segs = soma(0.5), [soma(0.5)]
        elif model == "network":
            raise Skip("the 100-cell network case waits for dendrax's networks (dx.Network)")
        else:
            raise ValueError(f"unknown model {model!r}")
        for sec in self.sections:
            sec.Ra, sec.cm = C.RA, C.CM
            sec.insert("hh")
            sec.ena, sec.ek = C.HH_DEFAULTS["eNa"], C.HH_DEFAULTS["eK"]
            sec.el_hh = C.HH_DEFAULTS["eLeak"]
        self.set_params({k: C.HH_DEFAULTS[k] for k in ("gNa", "gK", "gLeak")})
        self.clamps = []
        for pulse in C.pulses_for(model, case.t_max):
            clamp = h.IClamp(stim_seg)
            clamp.delay, clamp.dur, clamp.amp = pulse.delay, pulse.dur, pulse.amp
            self.clamps.append(clamp)
        self.vectors = [h.Vector().record(seg._ref_v) for seg in rec_segs]
        self.pc = h.ParallelContext()
        self.pc.set_maxstep(10.0)
        self.n_comps = sum(sec.nseg for sec in self.sections)

    def _read_swc(self, path):
        h = self.h
        if not path.exists():
            raise Skip(f"morphology {path} is absent")
        h.load_file("import3d.hoc")
        reader = h.Import3d_SWC_read()
        reader.input(str(path))
        h.Import3d_GUI(reader, 0).instantiate(None)
        sections = list(h.allsec())
        for sec in sections:
            sec.nseg = C.NCOMP_SWC
        return sections

    def set_params(self, values: dict[str, float]) -> None:
        names = {"gNa": "gnabar_hh", "gK": "gkbar_hh", "gLeak": "gl_hh"}
        for sec in self.sections:
            for k, x in values.items():
                setattr(sec, names[k], float(x))

    def run(self) -> np.ndarray:
        """Simulate from rest; the recorded voltages, shape (recordings, time points)."""
        self.h.finitialize(C.V_INIT)
        self.pc.psolve(self.case.t_max)
        return np.array([np.array(v) for v in self.vectors])


def measure(args: RunnerArgs, record: Record) -> dict[str, np.ndarray]:
    case = args.case
    h = _start_neuron(args, record)
    model, record.times["build"] = timed(lambda: Model(h, case))
    record.n_comps, record.n_steps, record.n_sets = model.n_comps, case.n_steps, case.n_sets
    defaults = {k: C.HH_DEFAULTS[k] for k in ("gNa", "gK")}

    if not case.batch:
        v = model.run()
        record.times["run"], record.samples["run"] = median_time(model.run, args.repeats)
        out = {"v": v[None]}
    else:
        sets = C.batch_params(case.batch)

        def one_set(k: int) -> np.ndarray:
            model.set_params({name: sets[name][k] for name in sets})
            return model.run()

        traces = [one_set(k) for k in C.batch_samples(case.batch)]
        timed_sets = np.linspace(0, case.batch - 1, args.repeats).round().astype(int)
        per_set = [timed(lambda k=k: one_set(k))[1] for k in timed_sets]
        record.samples["run_per_set"] = per_set
        record.times["run"] = case.batch * statistics.median(per_set)
        record.notes.append(
            f"batch: {case.batch} x the median time of one parameter set (serial, one thread)"
        )
        model.set_params(defaults)
        out = {"v": np.stack(traces)}

    if case.gradient:
        base = {k: C.HH_DEFAULTS[k] for k in C.GRAD_PARAMS}

        def loss(values):
            model.set_params(values)
            return float(C.loss_from_traces(model.run()))

        def finite_differences():
            grad = {}
            for k in C.GRAD_PARAMS:
                step = FD_RELATIVE_STEP * base[k]
                up = loss({**base, k: base[k] + step})
                down = loss({**base, k: base[k] - step})
                grad[k] = (up - down) / (2.0 * step)
            loss(base)
            return grad

        record.times["forward"], record.samples["forward"] = median_time(lambda: loss(base), args.repeats)
        record.gradient, record.times["grad"] = timed(finite_differences)
        record.notes.append(f"gradient: central finite differences, {2 * len(C.GRAD_PARAMS) + 1} runs")
    return out


if __name__ == "__main__":
    main("neuron", measure)
