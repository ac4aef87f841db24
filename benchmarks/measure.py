"""What every simulator runner shares: its command line, timers, peak memory, the result.

A runner is started as ``python sim_<name>.py --case CASE --dtype DTYPE --traces FILE``
in a fresh process (so that import time, compile caches and peak memory are its own). It
times the phases of `Record`, saves the traces it produced to ``FILE`` (``.npz``) and
prints one line ``BENCH-RESULT {json}`` as its last line, which `run.py` collects.

Only NumPy and the standard library are imported here: runners import this module before
their simulator, so that import time can be measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cases import CASES, Case

__all__ = [
    "MARKER",
    "Record",
    "RunnerArgs",
    "Skip",
    "main",
    "median_time",
    "peak_during",
    "peak_memory_mb",
    "timed",
]

MARKER = "BENCH-RESULT "
REPEATS = 5  # steady-state runs per timing: the median of these is reported


class Skip(Exception):
    """Raised by a runner when a case cannot run here (missing feature, no GPU, no file)."""


@dataclasses.dataclass
class RunnerArgs:
    """The command line of a runner."""

    case: Case
    dtype: str
    traces: Path
    repeats: int


@dataclasses.dataclass
class Record:
    """The result of one (simulator, case, dtype) measurement.

    Times are seconds. ``run`` is the median of ``repeats`` steady-state calls; ``compile``
    is the first call minus that median (rather than minus one warm call, so that one
    outlier does not make it negative); ``grad`` and ``grad_compile`` likewise for the
    gradient. ``gradient`` holds the gradient's values (for the agreement check);
    ``forward`` the time of the loss alone, for the gradient/forward ratio.
    """

    sim: str
    case: str
    dtype: str
    status: str = "ok"  # "ok", "skip" or "error"
    reason: str = ""
    device: str = "cpu"
    n_comps: int = 0
    n_steps: int = 0
    n_sets: int = 1
    times: dict[str, float] = dataclasses.field(default_factory=dict)
    samples: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    gradient: dict[str, float] = dataclasses.field(default_factory=dict)
    peak_memory_mb: float = 0.0
    # memory cases: resident memory one warm gradient call added (MiB), and XLA's own count
    # of the compiled gradient's temporary buffers (MiB)
    grad_memory_mb: float | None = None
    grad_temp_mb: float | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # case-specific figures
    versions: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ns_per_comp_step(self) -> float | None:
        """Steady-state cost per compartment per step per parameter set, ns."""
        run = self.times.get("run")
        if not run or not self.n_comps:
            return None
        return run / (self.n_comps * self.n_steps * self.n_sets) * 1e9


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()`` and its wall time in seconds."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    """Median and all wall times of ``repeats`` calls of ``fn`` (which must block until done)."""
    samples = [timed(fn)[1] for _ in range(repeats)]
    return statistics.median(samples), samples


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_mb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def peak_during(fn: Callable[[], Any]) -> tuple[Any, float | None]:
    """``fn()`` and how far it raised this process's resident memory above where it was, MiB.

    Linux's high-water mark (``VmHWM``) is reset first (``/proc/self/clear_refs``), so the
    figure is that of ``fn`` alone, not of imports or compilation before it; None where the
    kernel does not offer this.
    """
    import gc

    gc.collect()
    before = _status_mb("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return fn(), None
    out = fn()
    peak = _status_mb("VmHWM")
    if before is None or peak is None:
        return out, None
    return out, max(peak - before, 0.0)


def gradient_memory(jax, gradient, params, record: Record, repeats: int = 3):
    """Memory cases (every runner): compile ahead of time (XLA's count of the temporary
    buffers comes with it), call once, measure in one warm call how far it raises the
    resident memory, then time ``repeats`` more warm calls (the median; the memory call
    starts with a garbage collection, which timed with it added ~5 % on the L5PC).
    Returns the gradient."""
    compiled, record.times["grad_compile"] = timed(lambda: gradient.lower(params).compile())
    try:
        record.grad_temp_mb = compiled.memory_analysis().temp_size_in_bytes / 2**20
    except Exception:  # not every backend reports it
        record.grad_temp_mb = None
    g = jax.block_until_ready(compiled(params))
    _, record.grad_memory_mb = peak_during(lambda: jax.block_until_ready(compiled(params)))
    record.times["grad"], _ = median_time(lambda: jax.block_until_ready(compiled(params)), repeats)
    record.notes.append(f"memory case: memory of one warm gradient call; time the median of {repeats} more")
    return g


def _parse(argv: list[str] | None) -> RunnerArgs:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--traces", required=True, type=Path, help="where to save the traces (.npz)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="steady-state runs per timing (>= 5)")
    a = parser.parse_args(argv)
    return RunnerArgs(CASES[a.case], a.dtype, a.traces, a.repeats)


def main(sim: str, measure: Callable[[RunnerArgs, Record], dict[str, np.ndarray]], argv=None) -> None:
    """Run ``measure`` for the command line's case and print its `Record`.

    ``measure`` fills in the record (times, sizes, gradient, notes) and returns the traces
    to save: ``"v"`` of shape (sets, recordings, time points), plus anything else.
    """
    args = _parse(argv)
    record = Record(sim=sim, case=args.case.name, dtype=args.dtype, device=args.case.device)
    try:
        traces = measure(args, record)
        if traces:
            np.savez(args.traces, **{k: np.asarray(v) for k, v in traces.items()})
    except Skip as skip:
        record.status, record.reason = "skip", str(skip)
    except Exception as err:  # reported, not raised: one failing case must not stop the suite
        record.status = "error"
        record.reason = f"{type(err).__name__}: {err}"
        traceback.print_exc(file=sys.stderr)
    record.peak_memory_mb = peak_memory_mb()
    payload = dataclasses.asdict(record)
    payload["ns_per_comp_step"] = record.ns_per_comp_step
    sys.stdout.flush()
    print(MARKER + json.dumps(payload), flush=True)
