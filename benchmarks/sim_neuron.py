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
import nrnmech
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
        elif model in ("network", "ring"):
            self._build_network(C.network_spec(case))
            return
        elif model == "hay":
            self._build_hay()
            return
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

    def _hh(self, sec) -> None:
        sec.Ra, sec.cm = C.RA, C.CM
        sec.insert("hh")
        sec.ena, sec.ek = C.HH_DEFAULTS["eNa"], C.HH_DEFAULTS["eK"]
        sec.el_hh = C.HH_DEFAULTS["eLeak"]
        sec.gnabar_hh, sec.gkbar_hh, sec.gl_hh = (C.HH_DEFAULTS[k] for k in ("gNa", "gK", "gLeak"))

    def _build_network(self, spec: C.NetworkSpec) -> None:
        """Cells with gids, one synapse per target point, NetCons through ParallelContext
        (as ringtest); graded synapses read the presynaptic soma's voltage by POINTER."""
        h = self.h
        self.pc = h.ParallelContext()
        self.pc.set_maxstep(10.0)
        if spec.synapse == "graded":
            nrnmech.load()
        self.cells, self.sections = [], []
        for gid, t in enumerate(spec.cell_type):
            parents = spec.types[t].parents
            soma = h.Section(name=f"soma_{gid}")
            soma.L = soma.diam = C.NET_SOMA_DIAM
            secs = [soma]
            for b in range(1, len(parents)):
                dend = h.Section(name=f"dend_{gid}_{b}")
                dend.L, dend.diam, dend.nseg = C.NET_DEND_LENGTH, 2.0 * C.NET_DEND_RADIUS, C.NET_NCOMP
                dend.connect(secs[parents[b]](1.0), 0.0)
                secs.append(dend)
            for sec in secs:
                self._hh(sec)
            self.cells.append(secs)
            self.sections += secs
            if spec.synapse == "ExpSyn":
                self.pc.set_gid2node(gid, 0)
                source = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
                source.threshold = C.SPIKE_THRESHOLD
                self.pc.cell(gid, source)
        self.synapses, self.netcons = {}, []
        for k in range(spec.n_synapses):
            pre, post, branch = int(spec.pre[k]), int(spec.post[k]), int(spec.post_branch[k])
            seg = self.cells[post][branch](0.5)
            if spec.synapse == "ExpSyn":
                syn = self.synapses.get((post, branch))  # ExpSyn is linear: one per point suffices
                if syn is None:
                    syn = self.synapses[post, branch] = h.ExpSyn(seg)
                    syn.tau, syn.e = C.SYN_TAU, C.SYN_E
                nc = self.pc.gid_connect(pre, syn)
                nc.delay, nc.weight[0] = float(spec.delay[k]), float(spec.weight[k])
                self.netcons.append(nc)
            else:
                syn = self.synapses[k] = h.dx_GradedSyn(seg)
                syn.gS = float(spec.weight[k])
                h.setpointer(self.cells[pre][0](0.5)._ref_v, "vpre", syn)
        self.clamps = []
        for cell, pulses in zip(spec.driven, spec.pulses, strict=True):
            for pulse in pulses:
                clamp = h.IClamp(self.cells[cell][0](0.5))
                clamp.delay, clamp.dur, clamp.amp = pulse.delay, pulse.dur, pulse.amp
                self.clamps.append(clamp)
        if self.case.record == "spikes":
            self.spike_t, self.spike_id = h.Vector(), h.Vector()
            self.pc.spike_record(-1, self.spike_t, self.spike_id)
            self.vectors = []
        else:
            self.vectors = [h.Vector().record(secs[0](0.5)._ref_v) for secs in self.cells]
        self.n_comps = sum(sec.nseg for sec in self.sections)

    def _build_hay(self) -> None:
        """Hay et al.'s published L5PC (their template, as dendrax.models.hay_l5pc describes
        it), with the reference mod files: Import3d, the axon replaced by a stub on
        soma(0.5), nseg = 1 + 2 int(L / 40), the channels by section list, Ih growing with
        the distance from apic[0](0) over the longest apical path, the calcium hot zone."""
        h = self.h
        nrnmech.load()
        for sec in self._read_swc(C.MORPHOLOGIES["l5pc"], nseg=None):
            if sec.name().startswith("axon"):
                h.delete_section(sec=sec)
        lengths, diam = C.HAY_STUB
        h(f"create axon[{len(lengths)}]")
        for i, length in enumerate(lengths):
            h.axon[i].L, h.axon[i].diam = length, diam
            h.axon[i].connect(h.soma[0](0.5) if i == 0 else h.axon[i - 1](1), 0)
        self.sections = list(h.allsec())
        for sec in self.sections:
            sec.nseg = 1 + 2 * int(sec.L / C.HAY_NSEG_PER)
        kinds = {"soma": [], "apic": [], "dend": [], "axon": []}
        for sec in self.sections:
            kinds[sec.name().split("[")[0]].append(sec)
        soma = kinds["soma"][0]
        h.distance(0, h.apic[0](0))
        longest = max(h.distance(s(1)) for s in kinds["apic"] if len(h.SectionRef(sec=s).child) == 0)
        hay = C.hay_tables()
        h.celsius = hay["CELSIUS"]
        for sec in self.sections:
            sec.insert("pas")
            sec.e_pas, sec.Ra, sec.cm = -90.0, 100.0, 1.0
        mech = {
            "CaDynamics_E2": ("soma", "apic"),
            "Ca_HVA": ("soma", "apic"),
            "Ca_LVAst": ("soma", "apic"),
            "SKv3_1": ("soma", "apic"),
            "SK_E2": ("soma", "apic"),
            "NaTa_t": ("soma", "apic"),
            "K_Tst": ("soma",),
            "K_Pst": ("soma",),
            "Nap_Et2": ("soma",),
            "Im": ("apic",),
            "Ih": ("soma", "apic", "dend"),
        }
        for name, where in mech.items():
            for kind in where:
                for sec in kinds[kind]:
                    sec.insert(f"dx_{name}")
        values = {"soma": hay["SOMA"], "apic": hay["APICAL"], "dend": hay["BASAL"], "axon": hay["AXON"]}
        for kind, table in values.items():
            for sec in kinds[kind]:
                for key, value in table.items():
                    if key == "Leak_gLeak":
                        sec.g_pas = value
                        continue
                    owner = max((m for m in mech if key.startswith(m + "_")), key=len)
                    setattr(sec, f"{key[len(owner) + 1 :]}_dx_{owner}", value)
        for kind in ("apic", "dend"):
            for sec in kinds[kind]:
                sec.cm = 2.0
        for kind in ("soma", "apic"):
            for sec in kinds[kind]:
                sec.ek, sec.ena = -85.0, 50.0
        lo, hi = hay["HOT_ZONE"]
        for sec in kinds["apic"]:
            for seg in sec:
                d = h.distance(seg)
                seg.gbar_dx_Ih = 0.0002 * (-0.8696 + 2.087 * np.exp(3.6161 * d / longest))
                hot = lo < d < hi
                seg.gbar_dx_Ca_LVAst = 0.0187 * (1.0 if hot else 0.01)
                seg.gbar_dx_Ca_HVA = 0.000555 * (1.0 if hot else 0.1)
        delay, dur, amp = C.HAY_STEP
        clamp = h.IClamp(soma(0.5))
        clamp.delay, clamp.dur, clamp.amp = delay, dur, amp
        self.clamps = [clamp]
        self.vectors = [h.Vector().record(soma(0.5)._ref_v)]
        self.pc = h.ParallelContext()
        self.pc.set_maxstep(10.0)
        self.n_comps = sum(sec.nseg for sec in self.sections)

    def _read_swc(self, path, nseg=C.NCOMP_SWC):
        h = self.h
        if not path.exists():
            raise Skip(f"morphology {path} is absent")
        h.load_file("import3d.hoc")
        reader = h.Import3d_SWC_read()
        reader.input(str(path))
        h.Import3d_GUI(reader, 0).instantiate(None)
        sections = list(h.allsec())
        for sec in sections:
            sec.nseg = nseg or 1
        return sections

    def set_params(self, values: dict[str, float]) -> None:
        names = {"gNa": "gnabar_hh", "gK": "gkbar_hh", "gLeak": "gl_hh"}
        for sec in self.sections:
            for k, x in values.items():
                setattr(sec, names[k], float(x))

    def run(self) -> np.ndarray:
        """Simulate from rest; the recorded voltages, shape (recordings, time points), or for
        spike cases the spikes as a (2, spikes) array of cells (gids) and times (ms)."""
        self.h.finitialize(C.HAY_V_INIT if self.case.model == "hay" else C.V_INIT)
        self.pc.psolve(self.case.t_max)
        if self.case.record == "spikes":
            return np.array([self.spike_id.as_numpy(), self.spike_t.as_numpy()])
        return np.array([np.array(v) for v in self.vectors])


def measure(args: RunnerArgs, record: Record) -> dict[str, np.ndarray]:
    case = args.case
    h = _start_neuron(args, record)
    model, record.times["build"] = timed(lambda: Model(h, case))
    record.n_comps, record.n_steps, record.n_sets = model.n_comps, case.n_steps, case.n_sets
    defaults = {k: C.HH_DEFAULTS[k] for k in ("gNa", "gK")}

    if not case.batch:
        v = model.run()
        if not case.memory:  # memory cases: NEURON gives the reference traces and gradient only
            record.times["run"], record.samples["run"] = median_time(model.run, args.repeats)
        if case.record == "spikes":
            out = {"spike_cell": v[0].astype(np.int64), "spike_time": v[1]}
            record.notes.append(f"{v.shape[1]} spikes")
        else:
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

        if not case.memory:
            record.times["forward"], record.samples["forward"] = median_time(lambda: loss(base), args.repeats)
        record.gradient, record.times["grad"] = timed(finite_differences)
        record.notes.append(f"gradient: central finite differences, {2 * len(C.GRAD_PARAMS) + 1} runs")
    return out


if __name__ == "__main__":
    main("neuron", measure)
