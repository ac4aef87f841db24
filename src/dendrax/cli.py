"""The ``dendrax`` command line.

``dendrax demo`` simulates a bundled branched neuron, fits 12 of its conductances to a
target recording by gradient descent, and writes a plot of the fit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 step; got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="dendrax",
        description="dendrax: differentiable simulation of biophysical neuron models on JAX. "
        "'dendrax demo' simulates a bundled branched neuron, fits 12 of its conductances to a "
        "target recording by gradient descent, and writes a plot of the fit.",
    )
    parser.add_argument("--version", action="version", version=f"dendrax {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="simulate and fit a bundled neuron, write a plot")
    p_demo.add_argument("--out", type=Path, default=Path("dendrax_demo.png"), help="where to write the plot (PNG)")
    p_demo.add_argument("--iterations", type=_positive, default=500, help="gradient steps (default 500)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        run_demo(args.out, iterations=args.iterations)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
