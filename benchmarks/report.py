"""Turn the collected records into results.md (tables), results.json and ratios.png.

A ratio is dendrax's time divided by another simulator's for the same case: below 1,
dendrax is faster. It is printed only where both simulators' traces agree with NEURON's
(see `agreement.py`); otherwise the cell says why not. NEURON always runs in float64: a
float32 ratio "÷ NEURON" compares dendrax in float32 with NEURON in float64.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from cases import CASES, NET100_SYNAPSES

__all__ = ["ratios", "targets", "write_results"]

SIMS = ("dendrax", "jaxley", "neuron")
TARGET_JAXLEY = 0.5  # simulation time ≤ 0.5× Jaxley's, CPU, cells of ≥ 200 compartments
TARGET_NEURON = 0.25  # ... ≤ 0.25× NEURON's
TARGET_GRAD = 3.0  # gradient ≤ 3× forward
TARGET_SWC_BUILD = 0.2  # s, construction of an SWC cell
TARGET_BATCH = 2.0  # batched throughput ≥ 2× Jaxley's (CPU)
TARGET_HAY_NEURON = 0.5  # issue 5: Hay's L5PC simulation ≤ 0.5× NEURON's
TARGET_NETWORK = 0.5  # issue 7: 100-cell network ≤ 0.5× the faster of NEURON and Jaxley
TARGET_NETWORK_SETUP = 0.5  # s, issue 7: building the 100-cell network
TARGET_GRAD_MEMORY = 0.5  # issue 6: gradient's peak memory ≤ 0.5× Jaxley's
LARGE_CELL = 200  # compartments
ISSUE3_MODELS = ("single", "tree", "ca1", "l5pc")  # the single-cell speed targets of issue 3
OTHER_LOAD_WARNING = 0.25  # cores kept busy by other processes during a measurement


def _find(records: list[dict], sim: str, case: str, dtype: str) -> dict | None:
    for r in records:
        if r["sim"] == sim and r["case"] == case and r["dtype"] == dtype:
            return r
    return None


def _usable(r: dict | None) -> bool:
    return (
        r is not None
        and r["status"] == "ok"
        and (r["sim"] == "neuron" or r.get("agreement", {}).get("ok", False))
    )


def _why_not(r: dict | None, sim: str) -> str:
    if r is None:
        return f"{sim} not run"
    if r["status"] != "ok":
        return f"{sim} {r['status']}"
    return f"{sim} disagrees"


def ratios(records: list[dict]) -> list[dict]:
    """dendrax ÷ NEURON and dendrax ÷ Jaxley for every (case, dtype) dendrax ran in."""
    out = []
    order = list(CASES)
    for r in sorted(
        records, key=lambda r: (order.index(r["case"]) if r["case"] in CASES else 99, r["dtype"] != "float64")
    ):
        if r["sim"] != "dendrax" or r["status"] == "skip":
            continue
        if r["case"] in CASES and (CASES[r["case"]].memory or CASES[r["case"]].model == "demo"):
            continue  # their own tables: gradient memory, the demo
        phases = ["run"] + (["grad"] if CASES.get(r["case"]) and CASES[r["case"]].gradient else [])
        for phase in phases:
            row = {"case": r["case"], "dtype": r["dtype"], "phase": phase}
            for other, other_dtype in (("neuron", "float64"), ("jaxley", r["dtype"])):
                o = _find(records, other, r["case"], other_dtype)
                if _usable(r) and _usable(o) and phase in r["times"] and phase in o["times"]:
                    row[other] = r["times"][phase] / o["times"][phase]
                else:
                    row[other] = None
                    row[f"{other}_why"] = _why_not(r, "dendrax") if not _usable(r) else _why_not(o, other)
                    note = CASES[r["case"]].jaxley_note if r["case"] in CASES else ""
                    if other == "jaxley" and o is None and note:
                        row["jaxley_why"] = note
            out.append(row)
    return out


def targets(records: list[dict]) -> list[dict]:
    """The issue's targets, each with the measured value and whether it is met."""
    rows = []

    def add(target, case, dtype, value, limit, below=True, issue=3, unit="×"):
        met = None if value is None else (value <= limit if below else value >= limit)
        rows.append(
            {
                "issue": issue,
                "target": target,
                "case": case,
                "dtype": dtype,
                "value": value,
                "met": met,
                "unit": unit,
            }
        )

    for row in ratios(records):
        case = CASES.get(row["case"])
        d = _find(records, "dendrax", row["case"], row["dtype"])
        if case is None or d is None or row["phase"] != "run":
            continue
        if case.model == "hay":
            add(
                f"simulation ≤ {TARGET_HAY_NEURON}× NEURON",
                row["case"],
                row["dtype"],
                row.get("neuron"),
                TARGET_HAY_NEURON,
                issue=5,
            )
        if case.model == "network" and case.n_cells == 100:
            others = [row[o] for o in ("neuron", "jaxley") if row.get(o) is not None]
            which = (
                "NEURON and Jaxley" if row.get("jaxley") is not None else "NEURON (Jaxley: different model)"
            )
            add(
                f"simulation ≤ {TARGET_NETWORK}× the faster of {which}",
                row["case"],
                row["dtype"],
                max(others) if len(others) == (2 if row.get("jaxley") is not None else 1) else None,
                TARGET_NETWORK,
                issue=7,
            )
            add(
                f"network set-up (build) ≤ {TARGET_NETWORK_SETUP} s",
                row["case"],
                row["dtype"],
                d["times"].get("build") if _usable(d) else None,
                TARGET_NETWORK_SETUP,
                issue=7,
                unit=" s",
            )
        if case.model not in ISSUE3_MODELS:
            continue
        if case.device == "cpu" and not case.batch and not case.gradient and d["n_comps"] >= LARGE_CELL:
            add(
                f"simulation ≤ {TARGET_JAXLEY}× Jaxley",
                row["case"],
                row["dtype"],
                row.get("jaxley"),
                TARGET_JAXLEY,
            )
            add(
                f"simulation ≤ {TARGET_NEURON}× NEURON",
                row["case"],
                row["dtype"],
                row.get("neuron"),
                TARGET_NEURON,
            )
        if case.device == "cpu" and case.batch and row.get("jaxley"):
            add(
                f"batched throughput ≥ {TARGET_BATCH}× Jaxley's",
                row["case"],
                row["dtype"],
                1.0 / row["jaxley"],
                TARGET_BATCH,
                below=False,
            )
        elif case.device == "cpu" and case.batch:
            add(
                f"batched throughput ≥ {TARGET_BATCH}× Jaxley's",
                row["case"],
                row["dtype"],
                None,
                TARGET_BATCH,
                False,
            )
    for d in records:
        case = CASES.get(d["case"])
        if d["sim"] != "dendrax" or case is None or d["status"] != "ok":
            continue
        if case.gradient and not case.memory and "grad" in d["times"] and "forward" in d["times"]:
            add(
                f"gradient ≤ {TARGET_GRAD}× forward",
                d["case"],
                d["dtype"],
                d["times"]["grad"] / d["times"]["forward"] if _usable(d) else None,
                TARGET_GRAD,
                issue=6 if case.model != "tree" else 3,
            )
        if case.model in ("ca1", "l5pc") and not case.batch and not case.gradient:
            add(
                f"SWC cell built in ≤ {TARGET_SWC_BUILD} s",
                d["case"],
                d["dtype"],
                d["times"].get("build"),
                TARGET_SWC_BUILD,
                unit=" s",
            )
    for ours, theirs in GRAD_MEMORY_PAIRS:
        d, j = (_find(records, sim, case, "float64") for sim, case in (ours, theirs))
        if d is None and j is None:
            continue
        value = None
        if _usable(d) and _usable(j) and d.get("grad_memory_mb") and j.get("grad_memory_mb"):
            value = d["grad_memory_mb"] / j["grad_memory_mb"]
        add(
            f"gradient's peak memory ≤ {TARGET_GRAD_MEMORY}× Jaxley's",
            f"dendrax {_ckpt(*ours)} ÷ Jaxley {_ckpt(*theirs)}",
            "float64",
            value,
            TARGET_GRAD_MEMORY,
            issue=6,
        )
    return rows


# (dendrax, case) against (Jaxley, case): 10,000 steps of the L5PC
GRAD_MEMORY_PAIRS = (
    (("dendrax", "l5pc-gradmem"), ("jaxley", "l5pc-gradmem")),
    (("dendrax", "l5pc-gradmem"), ("jaxley", "l5pc-gradmem-ckpt")),
    (("dendrax", "l5pc-gradmem-nockpt"), ("jaxley", "l5pc-gradmem")),
)


def _ckpt(sim: str, case_name: str) -> str:
    """How a simulator checkpoints in a memory case, in words."""
    how = CASES[case_name].checkpoint if case_name in CASES else "default"
    if sim == "dendrax":
        return "without checkpointing" if how == "none" else "with dx.Checkpoint() (default)"
    return "with checkpoint_lengths=[101, 101]" if how == "sqrt" else "without checkpointing (default)"


def _other_commits(records: list[dict], commit: str | None) -> str:
    """A note on records kept from runs of other commits (merged results), with their cases."""
    other: dict[str, set[str]] = {}
    for r in records:
        if r.get("commit", commit) != commit:  # (records made before commits were stored have none)
            other.setdefault(r["commit"], set()).add(r["case"])
    if not other:
        return ""
    return "; **kept from other commits**: " + "; ".join(
        f"{c}: {', '.join(sorted(cases))}" for c, cases in sorted(other.items())
    )


def _spread(r: dict, phase: str) -> str:
    """`` (a–b, n processes)``: the phase's times in every process a record's is the median
    of (`run._median_process`); empty for one process."""
    times = r.get("process_times", {}).get(phase, [])
    if len(times) < 2:
        return ""
    return f" ({_fmt(min(times))}–{_fmt(max(times))}, {len(times)} proc.)"


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def _agreement_cell(r: dict) -> str:
    if r["sim"] == "neuron":
        return "reference"
    a = r.get("agreement")
    if not a:
        return "—"
    mark = "✓" if a["ok"] else "✗"
    if a["tolerance"] == "fit converges":
        e = r.get("extra", {})
        text = (
            f"{mark} fit: loss {_fmt(e.get('loss_start'))} → {_fmt(e.get('loss_end'))} mV², "
            f"median conductance error {_fmt(e.get('median_error'), 2)}"
        )
        return text + (f" — {a['reason']}" if not a["ok"] else "")
    spikes = f"{a['spikes_other']}/{a['spikes']} spikes, Δt ≤ {_fmt(a['max_spike_shift'], 2)} ms"
    if not math.isfinite(a.get("max_abs", math.nan)):  # spike trains only
        text = f"{mark} {spikes} (spike times of every cell)"
        return text + (f" — {a['reason']}" if not a["ok"] else "")
    text = f"{mark} max {_fmt(a['max_abs'], 2)} mV, mean {_fmt(a['mean_abs'], 2)} mV, {spikes}"
    if a.get("gradient_rel") is not None:
        text += f", grad rel {_fmt(a['gradient_rel'], 2)}"
    if not a["ok"]:
        text += f" — {a['reason']}"
    return text


def _records_table(records: list[dict]) -> list[str]:
    lines = [
        "| case | comps × steps × sets | dtype | simulator | import s | build s | compile s | run s "
        "| ns/comp/step | grad s (÷ fwd) | peak MiB | others' cores | agreement with NEURON |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {name: i for i, name in enumerate(CASES)}
    for r in sorted(
        records, key=lambda r: (order.get(r["case"], 99), r["dtype"] == "float32", SIMS.index(r["sim"]))
    ):
        if r["status"] != "ok":
            continue
        t = r["times"] if _usable(r) else {}  # no time is shown for a model that disagrees with NEURON
        grad = "—"
        if "grad" in t:
            grad = _fmt(t["grad"]) + (f" ({_fmt(t['grad'] / t['forward'], 2)}×)" if t.get("forward") else "")
        size = f"{r['n_comps']} × {r['n_steps']} × {r['n_sets']}"
        lines.append(
            f"| {r['case']} | {size} | {r['dtype']} | {r['sim']} "
            f"| {_fmt(t.get('import'))} | {_fmt(t.get('build'))} "
            f"| {_fmt(t.get('compile'))} | {_fmt(t.get('run'))}{_spread(r, 'run') if t else ''} "
            f"| {_fmt(r.get('ns_per_comp_step') if t else None)} "
            f"| {grad} "
            f"| {_fmt(r['peak_memory_mb'])} | {_fmt(r.get('other_load'), 2)} | {_agreement_cell(r)} |"
        )
    return lines


def _ratio_table(records: list[dict]) -> list[str]:
    lines = ["| case | dtype | phase | dendrax ÷ NEURON | dendrax ÷ Jaxley |", "|---|---|---|---|---|"]
    for row in ratios(records):
        cells = []
        for other in ("neuron", "jaxley"):
            value = row.get(other)
            why = row.get(other + "_why", "")
            cells.append(
                _fmt(value)
                if value is not None
                else why
                if why.startswith("different model")
                else f"no ratio ({why})"
            )
        lines.append(f"| {row['case']} | {row['dtype']} | {row['phase']} | {cells[0]} | {cells[1]} |")
    return lines


def _targets_table(records: list[dict]) -> list[str]:
    lines = ["| issue | target | case | dtype | measured | met |", "|---|---|---|---|---|---|"]
    for row in sorted(targets(records), key=lambda r: r["issue"]):
        met = {True: "yes", False: "**no**", None: "—"}[row["met"]]
        value = "—" if row["value"] is None else _fmt(row["value"]) + row["unit"]
        lines.append(
            f"| {row['issue']} | {row['target']} | {row['case']} | {row['dtype']} | {value} | {met} |"
        )
    return lines


def _others(r: dict) -> str:
    return _fmt(r.get("other_load"), 2)


def _network_table(records: list[dict]) -> list[str]:
    """Issue 7: networks side by side with NEURON (and Jaxley where it runs the same model)."""
    names = [c.name for c in CASES.values() if c.model in ("network", "ring")]
    rows = [r for r in records if r["case"] in names and r["status"] == "ok"]
    if not rows:
        return []
    lines = [
        "Each network: the same cells, synapses and stimuli in every simulator (`cases.network_spec`). "
        "Times are shown only where the spikes agree with NEURON's. ÷ NEURON: dendrax's figure "
        "divided by NEURON's (build, run, peak memory).",
        "",
        "| case | cells × synapses | comps × steps | simulator | dtype | build s | compile s | run s "
        "| ns/comp/step | peak MiB | ÷ NEURON: build / run / memory | spikes | others' cores |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {n: i for i, n in enumerate(names)}
    for r in sorted(rows, key=lambda r: (order[r["case"]], r["dtype"] == "float32", SIMS.index(r["sim"]))):
        case = CASES[r["case"]]
        ok = _usable(r)
        t = r["times"] if ok else {}
        n = _find(records, "neuron", r["case"], "float64")
        vs = "—"
        if r["sim"] != "neuron" and ok and _usable(n):
            parts = [t.get(k, 0) / n["times"][k] if n["times"].get(k) else None for k in ("build", "run")]
            parts.append(r["peak_memory_mb"] / n["peak_memory_mb"] if n["peak_memory_mb"] else None)
            vs = " / ".join(_fmt(x) for x in parts)
        a = r.get("agreement") or {}
        if r["sim"] == "neuron":  # NEURON's count, as the others' agreement records it
            compared = [o["agreement"] for o in rows if o["case"] == r["case"] and o.get("agreement")]
            spikes, mark = (compared[0]["spikes"] if compared else None), ""
        else:
            spikes, mark = a.get("spikes_other"), (" ✓" if a.get("ok") else " ✗")
        synapses = f"{case.n_cells} × {case.n_cells if case.model == 'ring' else NET100_SYNAPSES}"
        lines.append(
            f"| {r['case']} | {synapses} {case.synapse} | {r['n_comps']} × {r['n_steps']} "
            f"| {r['sim']} | {r['dtype']} "
            f"| {_fmt(t.get('build'))} | {_fmt(t.get('compile'))} | {_fmt(t.get('run'))} "
            f"| {_fmt(r.get('ns_per_comp_step') if t else None)} | {_fmt(r['peak_memory_mb'])} | {vs} "
            f"| {'—' if spikes is None else spikes}{mark} | {_others(r)} |"
        )
    return lines


def _memory_table(records: list[dict]) -> list[str]:
    """Issue 6: the memory and time of one gradient through 10,000 steps of the L5PC."""
    rows = [r for r in records if CASES.get(r["case"]) and CASES[r["case"]].memory and r["sim"] != "neuron"]
    rows = [r for r in rows if r["status"] == "ok"]
    if not rows:
        return []
    lines = [
        "One gradient of the trace loss w.r.t. gNa, gK, gLeak through 10,000 steps (250 ms) of the L5PC "
        "(972 compartments, HH), float64. grad memory: how far one warm gradient call raised the process's "
        "resident memory (its high-water mark reset just before); XLA temp: the compiled gradient's "
        "temporary buffers as XLA counts them; process peak: `ru_maxrss` (imports and compilation included).",
        "",
        "| case | simulator | checkpointing | grad s | grad ÷ forward | grad memory MiB | XLA temp MiB "
        "| process peak MiB | gradient vs NEURON (rel.) | others' cores |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok = _usable(r)
        t = r["times"] if ok else {}
        ratio = t["grad"] / t["forward"] if t.get("grad") and t.get("forward") else None
        agreement = r.get("agreement") or {}
        rel = _fmt(agreement.get("gradient_rel"), 2) if ok else "✗ " + agreement.get("reason", "")
        memory = [_fmt(r.get(k) if ok else None) for k in ("grad_memory_mb", "grad_temp_mb")]
        lines.append(
            f"| {r['case']} | {r['sim']} | {_ckpt(r['sim'], r['case'])} | {_fmt(t.get('grad'))} "
            f"| {_fmt(ratio, 2)} | {memory[0]} | {memory[1]} | {_fmt(r['peak_memory_mb'])} | {rel} "
            f"| {_others(r)} |"
        )
    return lines


def _demo_table(records: list[dict]) -> list[str]:
    rows = [
        r
        for r in records
        if CASES.get(r["case"]) and CASES[r["case"]].model == "demo" and r["status"] == "ok"
    ]
    if not rows:
        return []
    lines = [
        "`dendrax.demo.run_demo` with its defaults, in a fresh process: build, compilation, every Adam step "
        "(a gradient through 3 stimuli × 1,000 steps of a 13-compartment cell each) and the figure.",
        "",
        "| wall s | Adam steps | loss start → end (mV²) | median conductance error (relative) | converged "
        "| others' cores |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        e, a = r.get("extra", {}), r.get("agreement") or {}
        lines.append(
            f"| {_fmt(r['times'].get('fit'))} | {e.get('iterations', '—')} | {_fmt(e.get('loss_start'))} → "
            f"{_fmt(e.get('loss_end'))} | {_fmt(e.get('median_error'), 2)} | "
            f"{'yes' if a.get('ok') else 'no: ' + a.get('reason', '')} | {_others(r)} |"
        )
    return lines


def _skips(records: list[dict]) -> list[str]:
    """One line per (status, reason): the measurements it applies to."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in records:
        if r["status"] != "ok":
            groups.setdefault((r["status"], r["reason"]), []).append(f"{r['case']} {r['sim']} {r['dtype']}")
    return [f"- **{status}** — {reason}: {', '.join(which)}" for (status, reason), which in groups.items()]


def _header(machine: dict, records: list[dict]) -> list[str]:
    versions: dict[str, set] = {}
    for r in records:
        for k, v in r.get("versions", {}).items():
            versions.setdefault(f"{k} ({r['sim']} env)" if k in ("jax", "jaxlib") else k, set()).add(v)
    dates = sorted({r.get("measured_at", machine["date"]) for r in records})
    when = dates[0] if len(dates) <= 1 else f"{dates[0]} to {dates[-1]}"
    loads = sorted({tuple(r.get("load_average", [])) for r in records if r.get("load_average")})
    lines = [
        "# Benchmark results",
        "",
        f"- date: {when}",
        f"- machine: {machine['cpu']} ({', '.join(machine.get('cpu_flags', []))}), {machine['cores']} cores, "
        f"{machine.get('memory_gib')} GiB; GPU: {machine.get('gpu', 'none')}",
        f"- OS {machine['os']}, Python {machine['python']}; dendrax commit {machine.get('commit') or '?'}"
        + _other_commits(records, machine.get("commit")),
        "- versions: " + ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in sorted(versions.items())),
    ]
    if loads:
        lines.append(f"- load average (1, 5, 15 min) before each measurement: {min(loads)} to {max(loads)}")
    others = [r["other_load"] for r in records if r.get("other_load") is not None]
    if others:
        busy = [x for x in others if x > OTHER_LOAD_WARNING]
        lines.append(
            f"- other processes kept {min(others):.2f} to {max(others):.2f} cores busy during the "
            f'{len(others)} measurements where this was recorded (column "others\' cores")'
            + (
                f"; **{len(busy)} of {len(others)} above {OTHER_LOAD_WARNING} cores: "
                "their times may be inflated**"
                if busy
                else ""
            )
        )
    lines += [
        "",
        "Times in seconds; run = median of ≥ 5 warm runs in one process, that of the median of "
        "several fresh processes run in alternating rounds where a range (a–b, n proc.) follows; "
        "compile = first call − median warm call; "
        "ns/comp/step = run ÷ (compartments × steps × parameter sets). NEURON: float64 only, "
        "batches = sets × median time of one set (serial), gradient = central finite differences. "
        "See benchmarks/README.md.",
        "",
    ]
    return lines


def write_results(out_dir: Path, machine: dict, records: list[dict], floor: dict | None) -> Path:
    """Write results.json, results.md and ratios.png into ``out_dir``; returns results.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine, "records": records, "ratios": ratios(records), "targets": targets(records)}
    if floor:
        payload["floor"] = floor
    (out_dir / "results.json").write_text(json.dumps(payload, indent=1, default=float) + "\n")
    lines = _header(machine, records)
    lines += ["## Ratios (dendrax time ÷ other; < 1 means dendrax is faster)", ""] + _ratio_table(records)
    lines += ["", "## Targets (issues 3, 5, 6, 7)", ""] + _targets_table(records)
    for title, table in (
        ("## Networks (issue 7)", _network_table(records)),
        ("## Gradient memory (issue 6)", _memory_table(records)),
        ("## The fitting demo, end to end", _demo_table(records)),
    ):
        if table:
            lines += ["", title, ""] + table
    lines += ["", "## All measurements", ""] + _records_table(records)
    skips = _skips(records)
    if skips:
        lines += ["", "## Skipped or failed", ""] + skips
    if floor:
        lines += ["", "## The floor (benchmarks/floor.py)", ""] + floor.get("summary_md", [])
    lines.append("")
    md = out_dir / "results.md"
    md.write_text("\n".join(lines))
    _plot(out_dir / "ratios.png", records, machine)
    return md


def _plot(path: Path, records: list[dict], machine: dict) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("[report] matplotlib is not installed: no ratios.png")
        return
    rows = ratios(records)
    labels = [f"{r['case']}\n{r['dtype']}" + ("\ngrad" if r["phase"] == "grad" else "") for r in rows]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(rows) + 2), 4.5))
    width = 0.38
    for k, (other, color) in enumerate((("neuron", "tab:blue"), ("jaxley", "tab:orange"))):
        xs = [i + (k - 0.5) * width for i in range(len(rows))]
        values = [r[other] if r.get(other) is not None else 0.0 for r in rows]
        bars = ax.bar(
            xs, values, width, label=f"dendrax ÷ {'NEURON' if other == 'neuron' else 'Jaxley'}", color=color
        )
        for bar, r in zip(bars, rows, strict=True):
            if r.get(other) is None:
                ax.annotate(
                    "n/a", (bar.get_x() + width / 2, 0.0), ha="center", va="bottom", fontsize=7, rotation=90
                )
            else:
                ax.annotate(
                    f"{r[other]:.2g}",
                    (bar.get_x() + width / 2, r[other]),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
    ax.axhline(1.0, color="black", lw=0.8)
    ax.axhline(
        TARGET_JAXLEY, color="tab:orange", ls="--", lw=0.8, label=f"target vs Jaxley ({TARGET_JAXLEY})"
    )
    ax.axhline(TARGET_NEURON, color="tab:blue", ls="--", lw=0.8, label=f"target vs NEURON ({TARGET_NEURON})")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("time ratio (lower is faster)")
    ax.set_title(
        f"dendrax vs NEURON and Jaxley — {machine['cpu']}, {machine['cores']} cores, {machine['date']}",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
