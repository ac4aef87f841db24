"""The benchmark cases: one model, stimulus and recording plan that every simulator builds.

This module is the single source of truth for *what* is simulated. It imports only NumPy,
so the runners of all three simulators (each in its own environment) read the same
numbers: geometry, HH parameters, stimulus pulses, recording sites, parameter sets of a
batch and the loss whose gradient is taken.

Units are NEURON's: µm, ms, mV, nA, S/cm², Ω·cm, µF/cm².
"""

from __future__ import annotations

import dataclasses
import os
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
    "CellType",
    "NetworkSpec",
    "Pulse",
    "batch_params",
    "batch_samples",
    "cell_types",
    "hay_tables",
    "loss_from_traces",
    "network_spec",
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
# DENDRAX_MORPHOLOGIES points elsewhere (a machine where ../shared is not beside the checkout).
DATA = Path(
    os.environ.get(
        "DENDRAX_MORPHOLOGIES", Path(__file__).resolve().parents[2] / "shared" / "data" / "morphologies"
    )
)
MORPHOLOGIES = {"ca1": DATA / "ca1_n120.swc", "l5pc": DATA / "l5pc_with_axon.swc"}

# The Hay et al. (2011) L5PC (issue 5): the published cell, dendrax.models.hay_l5pc on the
# L5PC morphology with the axon stub and Hay's compartments, as tests/test_l5pc_hay.py; NEURON runs the
# reference mod files tests/mod/dx_*.mod. The step current of that test, from -80 mV, 34 °C.
HAY_NSEG_PER = 40.0  # µm: Hay's nseg = 1 + 2 int(L / 40 µm) (dx.OddCount)
HAY_STUB = ((30.0, 30.0), 1.0)  # µm: the axon stub's section lengths and diameter, on soma(0.5)
HAY_V_INIT = -80.0  # mV
HAY_STEP = (50.0, 400.0, 0.793)  # delay (ms), duration (ms), amplitude (nA), into the soma
HAY_SOURCE = Path(__file__).resolve().parents[1] / "src" / "dendrax" / "models" / "hay2011.py"

# Networks (issue 7): branched HH cells in the style of NEURON's ringtest (nrn ringtest:
# rings of cells, each a soma and a random tree of 10-20 dendritic branches with at most
# two children per branch; an ExpSyn on the first dendrite; NetCons from the soma with
# threshold 10 mV and delay 1 ms). Every cell has HH everywhere with the values above.
NET_SOMA_DIAM = 12.6157  # µm, soma length = diameter: 500 µm², as NEURON's ball-and-stick
NET_DEND_LENGTH = 100.0  # µm per dendritic branch
NET_DEND_RADIUS = 0.5  # µm
NET_BRANCHES = (10, 20)  # dendritic branches per cell, drawn per cell type (ringtest's -branch)
NET_NCOMP = 1  # compartments per branch (ringtest's default -compart 1 1)
NET_TYPES = 8  # distinct cell shapes (ringtest: one per -npt cells; fewer here: Jaxley compiles per shape)
NET_SEED = 2011
SYN_TAU, SYN_E = 2.0, 0.0  # ExpSyn: ms, mV
SPIKE_THRESHOLD = 10.0  # mV, at the soma's centre (NetCon's default)
STIM_PULSE = (1.0, 1.0, 0.5)  # delay (ms), duration (ms), amplitude (nA): starts a ring
RING_SIZE = 8  # cells per ring (ringtest's -ncell)
RING_WEIGHT = 0.02  # µS
RING_DELAY = 1.0  # ms
NET100_SYNAPSES = 1000
NET100_DRIVEN = 10  # cells driven by current pulses; the others only by synapses
NET100_WEIGHT = 0.004  # µS per ExpSyn connection
NET100_DELAYS = (1.0, 5.0)  # ms, drawn on the time grid
NET100_GRADED_GS = 0.002  # µS per graded synapse (the variant that Jaxley can build)

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
        model: ``"single"``, ``"tree"``, ``"ca1"``, ``"l5pc"`` (HH on the cells),
            ``"hay"`` (Hay's L5PC), ``"network"`` (100 cells, random synapses), ``"ring"``
            (rings of 8) or ``"demo"`` (the fitting demo, dendrax only).
        t_max: simulated time, ms.
        batch: number of parameter sets simulated at once (``jax.vmap``; NEURON runs them
            one after another); 0 for one unbatched simulation.
        gradient: also time the gradient of the trace loss.
        device: ``"cpu"`` or ``"gpu"`` (GPU cases are skipped where there is none).
        sims: the simulators that run it.
        quick: part of ``--quick``.
        dtypes: precisions it runs in (NEURON always runs float64, as the reference).
        n_cells: cells of a network case.
        synapse: ``"ExpSyn"`` (event-driven, with delays) or ``"graded"`` (dendrax's
            ``Ionotropic``, NEURON's ``dx_GradedSyn``, Jaxley's ``IonotropicSynapse``).
        checkpoint: gradient checkpointing: ``"default"``, each simulator's own (dendrax
            ``dx.Checkpoint()``: segments of about sqrt(steps); Jaxley: none); ``"none"``
            (dendrax ``dx.Checkpoint(every=n_steps)``; Jaxley: none); ``"sqrt"`` (Jaxley
            ``checkpoint_lengths=[k, k]``, k ≈ sqrt(steps); dendrax: its default).
        memory: measure the peak memory of one gradient evaluation (issue 6).
        jaxley_note: why Jaxley does not run this case, printed where its ratio would be.
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
    n_cells: int = 0
    synapse: str = "ExpSyn"
    checkpoint: str = "default"
    memory: bool = False
    jaxley_note: str = ""

    @property
    def record(self) -> str:
        """What is compared with NEURON: ``"v"`` (voltage traces), ``"spikes"`` (spike
        times of every cell: the rings, too many cells for voltage traces) or ``"fit"``."""
        return {"ring": "spikes", "demo": "fit"}.get(self.model, "v")

    @property
    def n_steps(self) -> int:
        return int(round(self.t_max / DT))

    @property
    def n_sets(self) -> int:
        """Parameter sets simulated (1 without a batch)."""
        return max(self.batch, 1)


_GPU_BATCHES = (1, 10, 100, 1000, 10000)
_NO_HAY = "Jaxley 0.14 has none of Hay et al.'s channels (only HH and Pospischil et al. 2008)"
# Jaxley 0.14's synapses are all graded (IonotropicSynapse, TanhRateSynapse,
# TanhConductanceSynapse): no event-driven synapse, no transmission delay.
_NO_EVENTS = "different model, not compared (Jaxley 0.14: no event-driven synapse, no delay)"

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
        # issue 6: gradient / forward on the real cells, and the memory of a long gradient
        Case("ca1-grad", "ca1", gradient=True, dtypes=("float64",)),
        Case("l5pc-grad", "l5pc", gradient=True, dtypes=("float64",)),
        Case("l5pc-gradmem", "l5pc", t_max=250.0, gradient=True, memory=True, dtypes=("float64",)),
        Case(
            "l5pc-gradmem-nockpt",
            "l5pc",
            t_max=250.0,
            gradient=True,
            memory=True,
            checkpoint="none",
            dtypes=("float64",),
            sims=("dendrax", "neuron"),
        ),
        Case(
            "l5pc-gradmem-ckpt",
            "l5pc",
            t_max=250.0,
            gradient=True,
            memory=True,
            checkpoint="sqrt",
            dtypes=("float64",),
            sims=("jaxley", "neuron"),
        ),
        # issue 5: Hay's L5PC
        Case("hay", "hay", t_max=500.0, sims=("dendrax", "neuron"), jaxley_note=_NO_HAY),
        # issue 7: networks
        Case(
            "network100",
            "network",
            n_cells=100,
            quick=True,
            sims=("dendrax", "neuron"),
            jaxley_note=_NO_EVENTS[:-1] + "; its closest network: network100-graded)",
        ),
        Case("network100-graded", "network", n_cells=100, synapse="graded"),
        Case(
            "ring1000", "ring", n_cells=1000, t_max=50.0, sims=("dendrax", "neuron"), jaxley_note=_NO_EVENTS
        ),
        Case(
            "ring10000", "ring", n_cells=10000, t_max=10.0, sims=("dendrax", "neuron"), jaxley_note=_NO_EVENTS
        ),
        # the fitting demo, end to end (dendrax.demo.run_demo, default iterations)
        Case("demo-fit", "demo", t_max=25.0, sims=("dendrax",), dtypes=("float64",)),
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
    + [
        # issue 6 on a GPU: gradient / forward of one cell (the ratio's target is for the CPU)
        Case(
            f"{m}-gpu-grad",
            m,
            gradient=True,
            device="gpu",
            dtypes=("float64",) if m != "tree" else ("float64", "float32"),
        )
        for m in ("tree", "ca1", "l5pc")
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
    if model == "hay":
        return [Pulse(*HAY_STEP)]
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


# ------------------------------------------------------------------------------ networks


@dataclasses.dataclass(frozen=True)
class CellType:
    """One cell shape of the networks: a soma (branch 0, one compartment) and a tree of
    dendritic branches (``parents[b]`` is the branch that branch ``b`` hangs from, at its
    end; the first dendrite hangs from the soma's end)."""

    parents: tuple[int, ...]

    @property
    def n_branches(self) -> int:
        return len(self.parents)

    @property
    def n_comps(self) -> int:
        return 1 + (self.n_branches - 1) * NET_NCOMP


def cell_types(n: int = NET_TYPES, seed: int = NET_SEED) -> list[CellType]:
    """``n`` random tree shapes as ringtest's ``celltypeinfo``: 10-20 dendritic branches, each
    new branch hung from a randomly chosen branch that has fewer than two children."""
    out = []
    for k in range(n):
        rng = np.random.default_rng([seed, k])
        n_dend = int(rng.integers(NET_BRANCHES[0], NET_BRANCHES[1] + 1))
        parents = [-1, 0]  # soma, first dendrite on the soma
        open_ = [1]  # dendrites with fewer than two children
        children = {1: 0}
        for b in range(2, n_dend + 1):
            a = int(rng.integers(len(open_)))
            p = open_[a]
            parents.append(p)
            children[p] += 1
            if children[p] == 2:
                open_.pop(a)
            children[b] = 0
            open_.append(b)
        out.append(CellType(tuple(parents)))
    return out


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """A network case, as arrays every simulator builds from.

    Synapse ``k`` connects cell ``pre[k]`` (spike source or presynaptic voltage: the centre
    of its soma) to the centre of dendritic branch ``post_branch[k]`` of cell ``post[k]``.
    Event-driven (ExpSyn) connections have a ``weight`` (µS) and ``delay`` (ms, a whole
    number of steps); graded ones a conductance ``weight`` (µS, the synapse's ``gS``) and no
    delay. Cells ``driven`` get `pulses` into the centre of their soma.
    """

    types: tuple[CellType, ...]
    cell_type: np.ndarray  # (cells,)
    pre: np.ndarray  # (synapses,)
    post: np.ndarray
    post_branch: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    driven: np.ndarray  # (driven cells,)
    pulses: tuple[tuple[Pulse, ...], ...]  # one train per driven cell
    synapse: str

    @property
    def n_cells(self) -> int:
        return len(self.cell_type)

    @property
    def n_synapses(self) -> int:
        return len(self.pre)

    @property
    def n_comps(self) -> int:
        return int(sum(self.types[t].n_comps for t in self.cell_type))


def network_spec(case: Case) -> NetworkSpec:
    """The cells, synapses and stimuli of a network case (deterministic: fixed seeds)."""
    types = tuple(cell_types())
    n = case.n_cells
    rng = np.random.default_rng([NET_SEED, n])
    cell_type = rng.permutation(np.arange(n) % NET_TYPES)
    if case.model == "ring":
        if n % RING_SIZE:
            raise ValueError(f"a ring network needs a multiple of {RING_SIZE} cells; got {n}")
        cells = np.arange(n)
        pre = cells
        post = cells - cells % RING_SIZE + (cells % RING_SIZE + 1) % RING_SIZE
        post_branch = np.ones(n, np.int64)  # the first dendrite, as ringtest's synlist[0]
        weight = np.full(n, RING_WEIGHT)
        delay = np.full(n, RING_DELAY)
        driven = cells[cells % RING_SIZE == 0]
        pulses = tuple((Pulse(*STIM_PULSE),) for _ in driven)
    elif case.model == "network":
        m = NET100_SYNAPSES
        pre = rng.integers(0, n, m)
        post = (pre + rng.integers(1, n, m)) % n  # never onto the presynaptic cell
        n_dend = np.array([types[t].n_branches - 1 for t in cell_type])
        post_branch = 1 + np.floor(rng.random(m) * n_dend[post]).astype(np.int64)
        lo, hi = (int(round(d / DT)) for d in NET100_DELAYS)
        delay = DT * rng.integers(lo, hi + 1, m)
        weight = np.full(m, NET100_GRADED_GS if case.synapse == "graded" else NET100_WEIGHT)
        if case.synapse == "graded":
            delay = np.zeros(m)
        driven = np.arange(NET100_DRIVEN)
        # 1 ms pulses of 0.5 nA every 10 ms, each driven cell 1 ms after the previous
        pulses = tuple(
            tuple(Pulse(1.0 + k + 10.0 * j, 1.0, 0.5) for j in range(int((case.t_max - 1.0 - k) // 10.0) + 1))
            for k in range(NET100_DRIVEN)
        )
    else:
        raise ValueError(f"{case.name} is not a network case")
    return NetworkSpec(
        types,
        cell_type,
        np.asarray(pre, np.int64),
        np.asarray(post, np.int64),
        post_branch,
        weight,
        delay,
        driven,
        pulses,
        case.synapse,
    )


def hay_tables() -> dict:
    """The constants of `dendrax.models.hay2011` (``SOMA``, ``APICAL``, ``BASAL``, ``AXON``,
    ``HOT_ZONE``, ``CELSIUS``), read from its source without importing dendrax (and JAX), so
    that NEURON's runner builds the same model without either."""
    import ast

    wanted = {"SOMA", "APICAL", "BASAL", "AXON", "HOT_ZONE", "CELSIUS"}
    out = {}
    for node in ast.parse(HAY_SOURCE.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in wanted:
                out[name] = ast.literal_eval(node.value)
    missing = wanted - set(out)
    if missing:
        raise ValueError(f"{HAY_SOURCE} no longer defines {sorted(missing)}")
    return out
