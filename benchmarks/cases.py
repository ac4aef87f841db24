"""The benchmark cases: one model, stimulus and recording plan that every simulator builds.

This module is the single source of truth for *what* is simulated. It imports only NumPy,
so the runners of all three simulators (each in its own environment) read the same
numbers: geometry, HH parameters, stimulus pulses, recording sites, parameter sets of a
batch and the loss whose gradient is taken.

Units are NEURON's: µm, ms, mV, nA, S/cm², Ω·cm, µF/cm².
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

__all__ = [
    "CASES",
    "DT",
    "GRAD_PARAMS",
    "HH_DEFAULTS",
    "MORPHOLOGIES",
    "NCOMP_SWC",
    "Case",
    "Pulse",
    "batch_params",
    "batch_samples",
    "loss_from_traces",
    "pulses_for",
    "waveform",
]

DT = 0.025  # ms, NEURON's default
V_INIT = -65.0  # mV
CELSIUS = 6.3  # °C: the HH rate factor is 1 (Jaxley's HH has no temperature dependence)
CM = 1.0  # µF/cm²
RA = 35.4  # Ω·cm

# NEURON's hh.mod defaults, which dendrax's and Jaxley's HH share (ena 50, ek -77 mV).
HH_DEFAULTS = {"gNa": 0.12, "gK": 0.036, "gLeak": 0.0003, "eLeak": -54.3, "eNa": 50.0, "eK": -77.0}

# Single compartment: a cylinder as in NEURON's and dendrax's examples.
SINGLE_LENGTH = 20.0  # µm
SINGLE_RADIUS = 10.0  # µm

# The branched tree of issue 2: 31 branches (a full binary tree of depth 5), 8 compartments
# each, 200 µm long, 1 µm radius, HH everywhere.
TREE_BRANCHES = 31
TREE_NCOMP = 8
TREE_LENGTH = 200.0  # µm per branch
TREE_RADIUS = 1.0  # µm
TREE_PARENTS = [-1] + [(i - 1) // 2 for i in range(1, TREE_BRANCHES)]
TREE_LEAF = TREE_BRANCHES - 1

# Real morphologies (shared, read-only): compartments per SWC branch (odd, so that the
# middle of the soma is a compartment centre in every simulator).
NCOMP_SWC = 3
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "morphologies"
MORPHOLOGIES = {"ca1": DATA / "ca1_n120.swc", "l5pc": DATA / "l5pc_with_axon.swc"}

# The gradient: of `loss_from_traces` with respect to these HH parameters (one scalar each,
# shared by all compartments).
GRAD_PARAMS = ("gNa", "gK", "gLeak")
LOSS_V_REF = -65.0  # mV


@dataclasses.dataclass(frozen=True)
class Pulse:
    """A current step as NEURON's ``IClamp``: ``amp`` nA from ``delay`` for ``dur`` ms."""

    delay: float
    dur: float
    amp: float


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark: a model, how long, how many parameter sets, what is timed.

    Attributes:
        name: identifier used on the command line and in the results.
        model: ``"single"``, ``"tree"``, ``"ca1"``, ``"l5pc"`` or ``"network"``.
        t_max: simulated time, ms.
        batch: number of parameter sets simulated at once (``jax.vmap``; NEURON runs them
            one after another); 0 for one unbatched simulation.
        gradient: also time the gradient of the trace loss.
        device: ``"cpu"`` or ``"gpu"`` (GPU cases are skipped where there is none).
        sims: the simulators that run it.
        quick: part of ``--quick``.
        dtypes: precisions it runs in (NEURON always runs float64, as the reference).
    """

    name: str
    model: str
    t_max: float = 100.0
    batch: int = 0
    gradient: bool = False
    device: str = "cpu"
    sims: tuple[str, ...] = ("dendrax", "neuron", "jaxley")
    quick: bool = False
    dtypes: tuple[str, ...] = ("float64", "float32")

    @property
    def n_steps(self) -> int:
        return int(round(self.t_max / DT))

    @property
    def n_sets(self) -> int:
        """Parameter sets simulated (1 without a batch)."""
        return max(self.batch, 1)


_GPU_BATCHES = (1, 10, 100, 1000, 10000)

CASES: dict[str, Case] = {
    c.name: c
    for c in [
        Case("single", "single", quick=True),
        Case("tree", "tree", quick=True),
        Case("ca1", "ca1"),
        Case("l5pc", "l5pc"),
        Case("tree-batch100", "tree", batch=100, quick=True, t_max=25.0),
        Case("tree-batch1000", "tree", batch=1000, t_max=25.0),
        Case("tree-grad", "tree", gradient=True, quick=True),
        Case("network100", "network", sims=("dendrax", "neuron", "jaxley")),
    ]
    + [
        Case(
            f"ca1-gpu-batch{n}",
            "ca1",
            batch=n,
            device="gpu",
            sims=("dendrax", "neuron", "jaxley"),
            t_max=25.0,
        )
        for n in _GPU_BATCHES
    ]
}


def pulses_for(model: str, t_max: float) -> list[Pulse]:
    """The current injected (at `stimulus_site`) in each model: chosen so that it spikes.

    The tree is driven by 1 ms pulses of 1 nA every 10 ms (a step into one thin
    compartment gives a single spike, then a depolarised steady state: a poor test of
    spike timing); the single compartment and the real cells by a step.
    """
    if model == "single":
        return [Pulse(5.0, t_max, 0.2)]  # 16 µA/cm²: regular firing
    if model == "tree":
        return [Pulse(5.0 + 10.0 * k, 1.0, 1.0) for k in range(int(t_max // 10.0))]
    if model in MORPHOLOGIES:
        return [Pulse(10.0, min(80.0, t_max), 4.0)]
    raise ValueError(f"no stimulus defined for model {model!r}")


def waveform(pulses: list[Pulse], t_max: float) -> np.ndarray:
    """The pulses as one value per time point ``0, DT, ..., t_max`` (nA).

    Value ``n`` drives the step from ``t_n`` to ``t_n + DT``; a pulse is on when the middle
    of the step lies inside it, which is where NEURON evaluates ``IClamp`` on a fixed step.
    """
    n = int(round(t_max / DT))
    t_mid = np.arange(n + 1) * DT + DT / 2.0
    out = np.zeros(n + 1)
    for p in pulses:
        out += np.where((t_mid >= p.delay) & (t_mid < p.delay + p.dur), p.amp, 0.0)
    return out


def batch_params(n: int) -> dict[str, np.ndarray]:
    """``n`` parameter sets (S/cm²): gNa from 0.9× to 1.1× its default, gK the other way."""
    x = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    return {
        "gNa": HH_DEFAULTS["gNa"] * (0.9 + 0.2 * x),
        "gK": HH_DEFAULTS["gK"] * (1.1 - 0.2 * x),
    }


def batch_samples(n: int) -> list[int]:
    """The parameter sets of a batch whose traces are checked against NEURON."""
    return sorted({0, n // 2, n - 1})


def loss_from_traces(v, xp=np):
    """The trace loss: mean squared deviation from -65 mV over recordings and time (mV²).

    ``xp`` is the array module (``numpy`` or ``jax.numpy``), so every simulator computes
    the same expression.
    """
    return xp.mean((v - LOSS_V_REF) ** 2)
