"""The ``dendrax`` command line.

``dendrax demo`` simulates a bundled branched neuron with Hodgkin-Huxley channels, checks
the run, and writes a plot of its voltage traces.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _demo_cell(t_max: float, delta_t: float):
    import dendrax as dx
    from dendrax.channels import HH

    # A soma-like root with a binary tree of thin dendrites (the core issue's example).
    branch = dx.Branch(length=200.0, radius=1.0, ncomp=8)
    cell = dx.Cell([branch] * 7, parents=[-1, 0, 0, 1, 1, 2, 2])
    cell.insert(HH())
    cell.branch(0).set("radius", 2.0)
    cell.branch(3).set("HH_gNa", 0.2)
    cell.branch(0).loc(0.0).stimulate(dx.step_current(i_delay=1.0, i_dur=5.0, i_amp=0.5, delta_t=delta_t, t_max=t_max))
    cell.branch(0).loc(0.0).record("v")
    cell.branch(6).loc(1.0).record("v")
    return cell


def demo(out: Path, t_max: float = 20.0, delta_t: float = 0.025) -> Path:
    """Simulate the demo cell and write a plot of its traces to ``out`` (PNG)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np

    import dendrax as dx

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the installation
        raise SystemExit("the demo plots with matplotlib: pip install 'dendrax[plot]'") from None

    start = time.perf_counter()
    cell = _demo_cell(t_max, delta_t)
    v = np.asarray(dx.integrate(cell, t_max=t_max, delta_t=delta_t))
    elapsed = time.perf_counter() - start
    if not np.all(np.isfinite(v)) or v.max() < 0.0:
        raise SystemExit("demo failed: the cell did not spike")
    print(f"simulated {cell.n_comps} compartments for {t_max} ms in {elapsed:.2f} s (including compilation)")

    t = np.arange(v.shape[1]) * delta_t
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for row, label in zip(v, ["root, x = 0 (stimulated)", "leaf branch 6, x = 1"]):
        ax.plot(t, row, label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane potential (mV)")
    ax.set_title("dendrax demo: branched Hodgkin-Huxley cell, 0.5 nA for 5 ms")
    ax.legend(frameon=False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"wrote {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dendrax", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="simulate a bundled neuron and write a plot")
    p_demo.add_argument("--out", type=Path, default=Path("dendrax_demo.png"), help="where to write the plot (PNG)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
