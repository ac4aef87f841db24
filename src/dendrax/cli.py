"""The ``dendrax`` command line.

``dendrax demo`` simulates a bundled branched neuron, fits 12 of its conductances to a
target recording by gradient descent, and writes a plot of the fit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dendrax", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="simulate and fit a bundled neuron, write a plot")
    p_demo.add_argument("--out", type=Path, default=Path("dendrax_demo.png"), help="where to write the plot (PNG)")
    p_demo.add_argument("--iterations", type=int, default=500, help="gradient steps (default 500)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        run_demo(args.out, iterations=args.iterations)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
