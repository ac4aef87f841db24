"""Benchmark dendrax beside NEURON and Jaxley: one command, each measurement in its own process.

Usage (from the repository root, in the project's environment)::

    .venv/bin/python benchmarks/run.py                 # the full suite (about 14 min on 2 idle cores)
    .venv/bin/python benchmarks/run.py --quick         # a subset, float64 only (< 3 min)
    .venv/bin/python benchmarks/run.py --case tree --sim dendrax,neuron

For every selected case, NEURON runs first (float64, the reference), then dendrax and
Jaxley in each precision. Each (simulator, case, precision) is one fresh process
(`sim_dendrax.py`, `sim_neuron.py`, `sim_jaxley.py`) that prints its times as JSON. Traces
are checked against NEURON's (`agreement.py`) before any ratio is formed; the tables and
plot go to ``benchmarks/results/`` (`report.py`). Results of earlier runs on this machine
are kept for the cases not run again, unless ``--fresh``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import envs  # noqa: E402
import nrnmech  # noqa: E402
from agreement import Agreement, compare, compare_spikes, tolerance_for  # noqa: E402
from cases import CASES, DT, Case  # noqa: E402
from machine import OtherLoad, describe_machine, load_average  # noqa: E402
from measure import MARKER  # noqa: E402
from report import write_results  # noqa: E402

COMMIT = "?"  # the checkout measured (`describe_machine`), stored in every record

SIMS = ("neuron", "dendrax", "jaxley")  # NEURON first: it is the reference
RUNNERS = {sim: HERE / f"sim_{sim}.py" for sim in SIMS}


def _runner_env() -> dict[str, str]:
    """The environment of a runner process: benchmarks/ importable, before any PYTHONPATH given."""
    path = [str(HERE)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path))


def _parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the cases marked quick, float64 only (< 3 min)")
    p.add_argument("--case", help=f"comma-separated case names, from: {', '.join(CASES)}")
    p.add_argument(
        "--sim", default="dendrax,neuron,jaxley", help="simulators to time (NEURON always runs as reference)"
    )
    p.add_argument("--dtype", help="float64, float32 or both (default: both; --quick: float64)")
    p.add_argument("--repeats", type=int, default=5, help="steady-state runs per timing (median; at least 5)")
    p.add_argument(
        "--processes",
        type=int,
        help="fresh processes per simulator and case, in alternating rounds; the median one is reported "
        "with the others' times beside it (default 3; --quick: 1)",
    )
    p.add_argument("--timeout", type=float, default=1200.0, help="seconds allowed per measurement")
    p.add_argument(
        "--out", type=Path, default=HERE / "results", help="where results.md/json and ratios.png go"
    )
    p.add_argument("--fresh", action="store_true", help="forget earlier results instead of merging")
    p.add_argument("--no-install", action="store_true", help="do not create or update the Jaxley environment")
    p.add_argument(
        "--jaxley-python",
        help="an interpreter that already has Jaxley (e.g. on a machine without internet); "
        "replaces benchmarks/.envs/jaxley",
    )
    p.add_argument(
        "--no-floor", action="store_true", help="skip the floor micro-benchmarks (run in the full suite)"
    )
    p.add_argument(
        "--report-only", action="store_true", help="rewrite results.md and ratios.png from results.json"
    )
    args = p.parse_args(argv)
    if args.repeats < 5:
        p.error("--repeats must be at least 5 (the median of >= 5 steady-state runs is reported)")
    if args.processes is None:
        args.processes = 1 if args.quick else 3
    if args.processes < 1:
        p.error("--processes must be at least 1")
    return args


def _select_cases(args) -> list[Case]:
    if args.case:
        wanted = [w.strip() for w in args.case.split(",") if w.strip()]
        unknown = [w for w in wanted if w not in CASES]
        if unknown:
            raise SystemExit(f"unknown case(s) {unknown}; cases: {', '.join(CASES)}")
        return [c for c in CASES.values() if c.name in wanted]
    return [c for c in CASES.values() if c.quick or not args.quick]


def _dtypes(args, case: Case, sim: str) -> list[str]:
    if sim == "neuron":
        return ["float64"]
    return [d for d in case.dtypes if d in _chosen_dtypes(args)]


def _chosen_dtypes(args) -> list[str]:
    """The precisions ``--dtype`` names ("both" is float64 and float32), checked."""
    if not args.dtype:
        return ["float64"] if args.quick else ["float64", "float32"]
    names = [d.strip() for d in args.dtype.split(",") if d.strip()]
    chosen = [x for d in names for x in (["float64", "float32"] if d == "both" else [d])]
    unknown = sorted(set(chosen) - {"float64", "float32"})
    if unknown or not chosen:
        raise SystemExit(
            f"--dtype {args.dtype!r}: unknown precision(s) {unknown}; use float64, float32, both, or a comma-separated list"
        )
    return chosen


def run_one(python: str, sim: str, case: Case, dtype: str, traces: Path, args) -> dict:
    """Run one measurement in a fresh process and return its record (a dict)."""
    cmd = [python, str(RUNNERS[sim]), "--case", case.name, "--dtype", dtype, "--traces", str(traces)]
    cmd += ["--repeats", str(args.repeats)]
    env = _runner_env()
    env.pop("JAX_PLATFORMS", None)
    load = load_average()
    try:
        with OtherLoad() as other:
            proc = subprocess.run(
                cmd, cwd=HERE, env=env, capture_output=True, text=True, timeout=args.timeout
            )
    except subprocess.TimeoutExpired:
        return _failed(sim, case, dtype, f"timed out after {args.timeout:g} s")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
    if not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return _failed(sim, case, dtype, f"exit code {proc.returncode}, no result; " + " | ".join(tail))
    record = json.loads(lines[-1][len(MARKER) :])
    if record["status"] == "error":
        tail = proc.stderr.strip().splitlines()[-3:]
        record["reason"] += " | " + " | ".join(tail)
    record["load_average"] = load
    record["other_load"] = other.cores
    record["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    record["commit"] = COMMIT  # merged results may keep records of earlier commits
    return record


def _failed(sim: str, case: Case, dtype: str, reason: str) -> dict:
    return {
        "sim": sim,
        "case": case.name,
        "dtype": dtype,
        "status": "error",
        "reason": reason,
        "times": {},
        "n_comps": 0,
        "n_steps": case.n_steps,
        "n_sets": case.n_sets,
        "peak_memory_mb": 0.0,
        "versions": {},
        "notes": [],
        "gradient": {},
        "samples": {},
        "device": case.device,
    }


def _skipped(sim: str, case: Case, dtype: str, reason: str) -> dict:
    return dict(_failed(sim, case, dtype, reason), status="skip")


# The demo's fit "agrees" (is timed as a fit that worked) when its loss fell at least
# DEMO_LOSS_DROP-fold and it recovered the 12 hidden conductances to a median relative error
# of DEMO_MEDIAN_ERROR (it starts at about 0.3; we see 0.05: a few are poorly identifiable).
DEMO_LOSS_DROP = 100.0
DEMO_MEDIAN_ERROR = 0.10


def _check(record: dict, reference: dict | None, traces: Path, ref_traces: Path, case: Case) -> None:
    """Attach the agreement with NEURON's traces (and gradient) to ``record``."""
    if record["sim"] == "neuron" or record["status"] != "ok":
        return
    if case.record == "fit":
        extra = record.get("extra", {})
        error = extra.get("median_error", np.inf)
        drop = extra.get("loss_start", 0.0) / max(extra.get("loss_end", np.inf), 1e-300)
        problems = []
        if not error <= DEMO_MEDIAN_ERROR:
            problems.append(f"median conductance error {error:.3g} (> {DEMO_MEDIAN_ERROR})")
        if not drop >= DEMO_LOSS_DROP:
            problems.append(f"the loss fell only {drop:.3g}-fold (< {DEMO_LOSS_DROP:g})")
        record["agreement"] = dataclasses.asdict(
            Agreement(not problems, "fit converges", reason="; ".join(problems))
        )
        return
    tol = tolerance_for(record["sim"], case.model, record["dtype"])
    if reference is None or reference["status"] != "ok" or not ref_traces.exists():
        why = (
            "no NEURON reference"
            if reference is None
            else f"NEURON {reference['status']}: {reference['reason']}"
        )
        record["agreement"] = dataclasses.asdict(Agreement(False, tol.name, reason=why))
        return
    ours, ref = np.load(traces), np.load(ref_traces)
    if case.record == "spikes":
        result = compare_spikes(
            ours["spike_cell"], ours["spike_time"], ref["spike_cell"], ref["spike_time"], tol, case.t_max, DT
        )
    else:
        result = compare(
            ours["v"], ref["v"], DT, tol, record.get("gradient") or None, reference.get("gradient") or None
        )
    record["agreement"] = dataclasses.asdict(result)


def _line(r: dict) -> str:
    head = f"{r['case']:<18} {r['sim']:<8} {r['dtype']:<8}"
    if r["status"] != "ok":
        return f"{head} {r['status']}: {r['reason']}"
    a = r.get("agreement")
    if a and not a["ok"]:
        return f"{head} DISAGREES with NEURON (no time shown): {a['reason']}"
    t = r["times"]
    if "fit" in t:
        extra = r.get("extra", {})
        text = f"{head} fit {t['fit']:7.1f} s  final loss {extra.get('loss_end', float('nan')):.4g} mV²"
        text += f"  median conductance error {extra.get('median_error', float('nan')):.3g}"
    else:
        text = f"{head} build {t.get('build', 0):7.3f} s"
        if "run" in t:
            text += f"  run {t['run']:8.4f} s"
    if r.get("ns_per_comp_step"):
        text += f"  {r['ns_per_comp_step']:7.1f} ns/comp/step"
    if "grad" in t:
        text += f"  grad {t['grad']:7.3f} s"
    if r.get("grad_memory_mb") is not None:
        text += f"  grad memory {r['grad_memory_mb']:.0f} MiB"
    if r.get("other_load"):
        text += f"  (others: {r['other_load']:.2f} cores)"
    if a:
        text += "  agrees"
    return text


def _load_previous(path: Path, machine: dict) -> list[dict]:
    if not path.exists():
        return []
    try:
        old = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return []
    same = all(old.get("machine", {}).get(k) == machine[k] for k in ("cpu", "cores", "gpu"))
    return old.get("records", []) if same else []


def _run_floor(python: str) -> dict | None:
    print("[floor] measuring exp throughput and memory bandwidth ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "floor.json"
        proc = subprocess.run(
            [python, str(HERE / "floor.py"), "--json", str(out)],
            cwd=HERE,
            capture_output=True,
            text=True,
            env=_runner_env(),
        )
        if proc.returncode != 0 or not out.exists():
            print(f"[floor] failed: {proc.stderr.strip()[-500:]}")
            return None
        return json.loads(out.read_text())


@dataclasses.dataclass
class Interpreters:
    """Which Python runs each simulator, and which of them see a GPU."""

    python: dict[str, str | None]
    gpu: bool  # an NVIDIA GPU is present
    sees_gpu: dict[str, bool]

    def skip_reason(self, sim: str, case: Case) -> str | None:
        """Why ``sim`` cannot run ``case`` here, or None."""
        if case.device == "gpu" and not self.gpu:
            return "no NVIDIA GPU on this machine"
        if case.device == "gpu" and sim != "neuron" and not self.sees_gpu.get(sim):
            return f"JAX in the {sim} environment sees no GPU (install jax[{envs.CUDA_EXTRA}] there)"
        if not self.python.get(sim):
            return f"no {sim} environment (run without --no-install)"
        return None


def _interpreters(args, sims: list[str], cases: list[Case]) -> Interpreters:
    gpu = envs.gpu_present()
    python = {"dendrax": envs.project_python(), "neuron": envs.project_python()}
    if "jaxley" in sims:
        python["jaxley"] = args.jaxley_python or envs.jaxley_python(install=not args.no_install, gpu=gpu)
    sees = {}
    if gpu and any(c.device == "gpu" for c in cases):
        sees = {sim: envs.sees_gpu(py) for sim, py in python.items() if sim != "neuron" and py}
    return Interpreters(python, gpu, sees)


def run_case(case: Case, sims: list[str], interpreters: Interpreters, args, tmp: Path) -> list[dict]:
    """NEURON (the reference), then the other simulators in each precision, in
    ``args.processes`` rounds of fresh processes (each round runs every simulator once, so
    a slow spell of the machine falls on all of them); each simulator's record is that of
    its median process, with every process's times beside it; agreement checked."""
    plan = [
        (sim, dtype)
        for sim in SIMS
        if sim in case.sims and (sim in sims or sim == "neuron")
        for dtype in _dtypes(args, case, sim)
    ]
    runs: dict[tuple[str, str], list[dict]] = {key: [] for key in plan}
    for _ in range(args.processes):
        for sim, dtype in plan:
            why = interpreters.skip_reason(sim, case)
            if why:
                runs[sim, dtype] = [_skipped(sim, case, dtype, why)]
            elif not runs[sim, dtype] or runs[sim, dtype][-1]["status"] == "ok":
                traces = tmp / f"{case.name}-{sim}-{dtype}.npz"
                runs[sim, dtype].append(run_one(interpreters.python[sim], sim, case, dtype, traces, args))
    records = []
    reference, ref_traces = None, tmp / f"{case.name}-neuron-float64.npz"
    for sim, dtype in plan:
        record = _median_process(runs[sim, dtype])
        if sim == "neuron":
            reference = record
        _check(record, reference, tmp / f"{case.name}-{sim}-{dtype}.npz", ref_traces, case)
        print(_line(record), flush=True)
        records.append(record)
    return records


def _median_process(records: list[dict]) -> dict:
    """The record of the process with the median main time (a failed one if any failed),
    with each phase's time in every process under ``process_times``. NEURON's time for one
    simulation jumped between two speeds ~1.5x apart from one process to the next on this
    machine (a review): one process decided a ratio."""
    failed = [r for r in records if r["status"] != "ok"]
    if failed or len(records) == 1:
        return failed[0] if failed else records[0]
    main = next((k for k in ("run", "fit", "grad") if all(k in r["times"] for r in records)), None)
    ordered = sorted(records, key=lambda r: r["times"][main]) if main else records
    record = dict(ordered[(len(ordered) - 1) // 2])
    record["process_times"] = {
        phase: [r["times"][phase] for r in records] for phase in record["times"] if all(phase in r["times"] for r in records)
    }
    return record


def _merge(args, machine: dict, records: list[dict]) -> list[dict]:
    """These records, plus earlier ones (same machine) of measurements not repeated now."""
    previous = [] if args.fresh else _load_previous(args.out / "results.json", machine)
    fresh = {(r["sim"], r["case"], r["dtype"]) for r in records}
    kept = [r for r in previous if (r["sim"], r["case"], r["dtype"]) not in fresh and r["case"] in CASES]
    return kept + records


def _report_only(out: Path) -> int:
    saved = json.loads((out / "results.json").read_text())
    md = write_results(out, saved["machine"], saved["records"], saved.get("floor"))
    print(f"rewrote {md} and ratios.png from results.json")
    return 0


def main(argv=None) -> int:
    args = _parse(argv)
    if args.report_only:
        return _report_only(args.out)
    started = time.perf_counter()
    cases = _select_cases(args)
    sims = [s.strip() for s in args.sim.split(",") if s.strip()]
    unknown = [s for s in sims if s not in SIMS]
    if unknown:
        raise SystemExit(f"unknown simulator(s) {unknown}; choose from {', '.join(SIMS)}")
    _chosen_dtypes(args)  # a misspelt precision stops the run before anything is measured
    machine = describe_machine()
    global COMMIT
    COMMIT = machine["commit"]
    interpreters = _interpreters(args, sims, cases)
    if any(c.model == "hay" or c.synapse == "graded" for c in cases):
        print(f"[nrnmech] reference mechanisms in {nrnmech.build()}", flush=True)  # before any timing
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            records += run_case(case, sims, interpreters, args, Path(tmp))
    floor = None
    if not args.no_floor and not args.quick and not args.case:
        floor = _run_floor(interpreters.python["dendrax"])
    elif not args.fresh and (args.out / "results.json").exists():
        floor = json.loads((args.out / "results.json").read_text()).get("floor")
    machine["load_average_end"] = load_average()
    md = write_results(args.out, machine, _merge(args, machine, records), floor)
    print(f"\nwrote {md}, results.json and ratios.png beside it, in {time.perf_counter() - started:.0f} s")
    print("\n".join(md.read_text().splitlines()[:40]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
