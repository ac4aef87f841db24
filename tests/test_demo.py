"""The README's main job: `dendrax demo` (`dendrax.demo.run_demo`) and its command line."""

import subprocess
import sys

import jax
import pytest

import dendrax as dx
from dendrax.cli import main
from dendrax.demo import run_demo


def test_the_demo_fits_and_writes_its_figure(tmp_path, capsys):
    """A short run of the README's demo: 40 Adam steps (20 on smoothed traces, 20 on raw)
    must write the figure and cut the raw-trace loss at least five-fold (observed 109.5 ->
    5.3 mV²; the full 500-step run reaches ~0.01). The end value and the start value are
    both raw-trace losses (the summary compared a smoothed start with a raw end)."""
    out = tmp_path / "fit.png"
    with jax.numpy_dtype_promotion("standard"):  # JAX's default; optax's Adam needs it
        summary = run_demo(out, iterations=40)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert summary["loss_end"] < 0.2 * summary["loss_start"], summary
    printed = capsys.readouterr().out
    assert f"loss on the raw traces {summary['loss_start']:.4g} -> {summary['loss_end']:.4g}" in printed


def test_the_command_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"dendrax {dx.__version__}"
    with pytest.raises(SystemExit) as exit_:  # it ran and crashed with an IndexError at the end
        main(["demo", "--iterations", "0"])
    assert exit_.value.code == 2 and "expected at least 1 step; got 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="iterations=...\\) takes a whole number of steps >= 1; got 0"):
        run_demo(None, iterations=0)
    # `python -m dendrax` is the same command (it was "No module named dendrax.__main__").
    done = subprocess.run([sys.executable, "-m", "dendrax", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "dendrax demo" in done.stdout and "``" not in done.stdout
